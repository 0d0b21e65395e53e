// circuits/rescale.circom: FloorShift and FloorShiftRelu against prover/quantize/int-ops.ts.
import { expect } from "chai";
import { IntRangeError, rescale, rescaleRelu } from "../../prover/quantize/int-ops.js";
import { testCircuit, witnessFailure, type TestCircuit } from "../helpers/test-circuit.js";
import { bitsOf, rng } from "../helpers/vectors.js";

const OPTS = ["O1", "O2"] as const;

// `in` is public: the verifier knows it (in a model it is bound by the input commitment). A
// private main input that the constraints determine linearly is eliminated by --O2.
const floorShiftMain = (shift: number, bits: number) =>
  `pragma circom 2.1.6;\ninclude "rescale.circom";\ncomponent main {public [in]} = FloorShift(${shift}, ${bits});\n`;
const reluMain = (shift: number, bits: number) =>
  `pragma circom 2.1.6;\ninclude "rescale.circom";\n` +
  `component main {public [in]} = FloorShiftRelu(${shift}, ${bits});\n`;
// The templates as a model uses them: only the value flows on (no public digits).
const inModelMain = (template: string, shift: number, bits: number) => `pragma circom 2.1.6;
include "rescale.circom";
template M() {
    signal input in;
    signal output out;
    component c = ${template}(${shift}, ${bits});
    c.in <== in;
    out <== c.out * c.out;
}
component main {public [in]} = M();
`;

/** Inputs at and around every boundary of the domain of a (SHIFT, BITS) rescale. */
function edgeInputs(shift: number, bits: number): bigint[] {
  const s = 1n << BigInt(shift);
  const half = 1n << BigInt(bits - 1);
  const lo = -(half * s);
  const hi = half * s - 1n;
  const xs = [0n, 1n, -1n, 2n, -2n, s - 1n, s, s + 1n, -s + 1n, -s, -s - 1n, half, -half, half - 1n, -half + 1n];
  xs.push(lo, lo + 1n, lo + s - 1n, lo + s, hi, hi - 1n, hi - s + 1n, hi - s);
  return [...new Set(xs.filter((x) => x >= lo && x <= hi))];
}

function outOfRange(shift: number, bits: number): bigint[] {
  const lim = 1n << BigInt(bits + shift - 1);
  return [lim, -lim - 1n, lim + 1n, -lim - 2n, 1n << 200n, -(1n << 200n)];
}

const mod = (x: bigint, m: bigint) => ((x % m) + m) % m;

type Forgery = "nonBooleanDigit" | "booleanDigits";

/**
 * A malicious witness for FloorShift/FloorShiftRelu at input `x` claiming quotient `q`: the top
 * BITS digits are the honest digits of q + 2^(BITS-1), the low SHIFT digits those of the
 * remainder x - q*2^SHIFT reduced mod 2^SHIFT. "nonBooleanDigit" then moves the remaining
 * difference into digit 0 so the decomposition sum holds (booleanity breaks); "booleanDigits"
 * keeps every digit boolean (the sum breaks). Fed the honest q, both give the honest witness.
 */
function forgeDigits(x: bigint, q: bigint, shift: number, bits: number, how: Forgery): bigint[] {
  const n = shift + bits;
  const target = x + (1n << BigInt(n - 1));
  const high = q + (1n << BigInt(bits - 1));
  const s = 1n << BigInt(shift);
  const digits = [...bitsOf(mod(target - high * s, s), shift), ...bitsOf(high, bits)];
  const sum = digits.reduce((acc, d, i) => acc + (d << BigInt(i)), 0n);
  if (how === "nonBooleanDigit") digits[0] += target - sum;
  return digits;
}

function forgeFloorShift(
  c: TestCircuit,
  w: bigint[],
  x: bigint,
  q: bigint,
  shift: number,
  bits: number,
  how: Forgery,
  honest = false,
) {
  const digits = forgeDigits(x, q, shift, bits, how);
  if (!c.present("main.in")) throw new Error("main.in must be in the witness for the forgery to bind it");
  return c.tamper(
    w,
    {
      "main.in": x,
      "main.out": q,
      "main.outBits": digits.slice(shift),
      "main.digits.low": digits.slice(0, shift),
      "main.digits.high": digits.slice(shift),
      "main.digits.in": x + (1n << BigInt(shift + bits - 1)),
    },
    { skipEliminated: true, allowUnchanged: honest },
  );
}

function forgeRelu(
  c: TestCircuit,
  w: bigint[],
  x: bigint,
  digits: bigint[],
  out: bigint,
  shift: number,
  bits: number,
  honest = false,
) {
  if (!c.present("main.in")) throw new Error("main.in must be in the witness for the forgery to bind it");
  return c.tamper(
    w,
    {
      "main.in": x,
      "main.out": out,
      "main.digits.low": digits.slice(0, shift),
      "main.digits.high": digits.slice(shift),
      "main.digits.in": x + (1n << BigInt(shift + bits - 1)),
    },
    { skipEliminated: true, allowUnchanged: honest },
  );
}

describe("circuits: FloorShift", () => {
  for (const [shift, bits] of [
    [8, 12],
    [0, 8],
    [20, 32],
  ] as const) {
    describe(`FloorShift(${shift}, ${bits})`, () => {
      let c: TestCircuit;
      before(async () => {
        c = await testCircuit(floorShiftMain(shift, bits));
      });

      it("matches rescale() and exposes the offset digits at the domain's edges", async () => {
        for (const x of edgeInputs(shift, bits)) {
          const w = await c.witness({ in: x });
          const q = rescale(x, shift, bits);
          expect(c.signal(w, "main.out"), `x = ${x}`).to.equal(q);
          expect(c.signals(w, "main.outBits", bits)).to.deep.equal(bitsOf(q + (1n << BigInt(bits - 1)), bits));
          expect(c.check(w).ok).to.equal(true);
        }
      });

      it("matches rescale() on random inputs", async () => {
        const r = rng(1000 + shift * 64 + bits);
        const lim = 1n << BigInt(shift + bits - 1);
        for (let i = 0; i < 40; i++) {
          const x = r.int(-lim, lim - 1n);
          const w = await c.witness({ in: x });
          expect(c.signal(w, "main.out"), `x = ${x}`).to.equal(rescale(x, shift, bits));
          expect(c.check(w).ok).to.equal(true);
        }
      });

      it("cannot produce a witness just outside the domain (like rescale(), which throws IntRangeError)", async () => {
        for (const x of outOfRange(shift, bits)) {
          expect(() => rescale(x, shift, bits), `x = ${x}`).to.throw(IntRangeError);
          await witnessFailure(c.witness({ in: x }), "SplitDigits");
        }
      });
    });
  }

  it("pins its constraint counts", async () => {
    // As main, in, out and outBits are all public: the linear relations between them cannot be
    // substituted away, so they remain as constraints next to the BITS + SHIFT booleanity checks.
    expect((await testCircuit(floorShiftMain(8, 12))).constraints).to.equal(21);
    expect((await testCircuit(floorShiftMain(8, 12), "O1")).constraints).to.equal(23);
    expect((await testCircuit(floorShiftMain(0, 8))).constraints).to.equal(10);
    // Inside a model (out feeds one more product, counted as + 1): exactly BITS + SHIFT.
    expect((await testCircuit(inModelMain("FloorShift", 8, 12))).constraints).to.equal(20 + 1);
    expect((await testCircuit(inModelMain("FloorShift", 0, 8))).constraints).to.equal(8 + 1);
  });

  for (const opt of OPTS) {
    describe(`tampered witnesses (--${opt})`, () => {
      const shift = 8;
      const bits = 12;
      let c: TestCircuit;
      before(async () => {
        c = await testCircuit(floorShiftMain(shift, bits), opt);
      });

      it("the forger reproduces the honest witness when fed the honest quotient (control)", async () => {
        for (const x of [1000n, -1000n, 0n, -1n]) {
          const w = await c.witness({ in: x });
          const q = rescale(x, shift, bits);
          for (const how of ["nonBooleanDigit", "booleanDigits"] as const) {
            expect(forgeFloorShift(c, w, x, q, shift, bits, how, true)).to.deep.equal(w);
          }
        }
      });

      it("rejects out = q + 1 and out = q - 1 with digits recomputed (remainder off by 2^SHIFT)", async () => {
        for (const x of [1000n, -1000n, 0n, -1n, 255n, 256n]) {
          const w = await c.witness({ in: x });
          const q = rescale(x, shift, bits);
          for (const claim of [q + 1n, q - 1n]) {
            for (const how of ["nonBooleanDigit", "booleanDigits"] as const) {
              const bad = forgeFloorShift(c, w, x, claim, shift, bits, how);
              expect(c.check(bad).ok, `x = ${x}, claim ${claim}, ${how}`).to.equal(false);
            }
          }
        }
      });

      it("rejects a changed out with the digits left alone", async () => {
        const w = await c.witness({ in: 5000n });
        expect(c.check(c.tamper(w, { "main.out": rescale(5000n, shift, bits) + 1n })).ok).to.equal(false);
      });

      it("rejects a changed digit of out (outBits) with out left alone", async () => {
        const w = await c.witness({ in: 5000n });
        const b0 = c.signal(w, "main.outBits[0]");
        expect(c.check(c.tamper(w, { "main.outBits[0]": 1n - b0 })).ok).to.equal(false);
      });

      it("rejects inputs just outside the domain with saturated or wrapped claims", async () => {
        const lim = 1n << BigInt(shift + bits - 1);
        const w = await c.witness({ in: 0n });
        const qMax = (1n << BigInt(bits - 1)) - 1n;
        for (const [x, claim] of [
          [lim, qMax],
          [lim, -qMax - 1n],
          [-lim - 1n, -qMax - 1n],
          [-lim - 1n, qMax],
        ] as const) {
          for (const how of ["nonBooleanDigit", "booleanDigits"] as const) {
            expect(c.check(forgeFloorShift(c, w, x, claim, shift, bits, how)).ok, `x = ${x}, claim ${claim}`).to.equal(
              false,
            );
          }
        }
      });
    });
  }

  it("FloorShift(0, 8) rejects out = q + 1 with digits recomputed (no remainder to absorb it)", async () => {
    for (const opt of OPTS) {
      const c = await testCircuit(floorShiftMain(0, 8), opt);
      for (const x of [0n, 100n, -100n, -128n]) {
        const w = await c.witness({ in: x });
        expect(forgeFloorShift(c, w, x, x, 0, 8, "booleanDigits", true)).to.deep.equal(w);
        expect(c.check(forgeFloorShift(c, w, x, x + 1n, 0, 8, "booleanDigits")).ok, `x = ${x}`).to.equal(false);
      }
    }
  });
});

describe("circuits: FloorShiftRelu", () => {
  for (const [shift, bits] of [
    [8, 12],
    [0, 8],
    [20, 32],
  ] as const) {
    describe(`FloorShiftRelu(${shift}, ${bits})`, () => {
      let c: TestCircuit;
      before(async () => {
        c = await testCircuit(reluMain(shift, bits));
      });

      it("matches rescaleRelu() at the domain's edges", async () => {
        for (const x of edgeInputs(shift, bits)) {
          const w = await c.witness({ in: x });
          expect(c.signal(w, "main.out"), `x = ${x}`).to.equal(rescaleRelu(x, shift, bits));
          expect(c.check(w).ok).to.equal(true);
        }
      });

      it("matches rescaleRelu() on random inputs", async () => {
        const r = rng(2000 + shift * 64 + bits);
        const lim = 1n << BigInt(shift + bits - 1);
        for (let i = 0; i < 40; i++) {
          const x = r.int(-lim, lim - 1n);
          const w = await c.witness({ in: x });
          expect(c.signal(w, "main.out"), `x = ${x}`).to.equal(rescaleRelu(x, shift, bits));
        }
      });

      it("cannot produce a witness just outside the domain (as rescaleRelu() throws IntRangeError)", async () => {
        for (const x of outOfRange(shift, bits)) {
          expect(() => rescaleRelu(x, shift, bits), `x = ${x}`).to.throw(IntRangeError);
          await witnessFailure(c.witness({ in: x }), "SplitDigits");
        }
      });
    });
  }

  it("pins its constraint counts: BITS + SHIFT digits + 1 product", async () => {
    expect((await testCircuit(reluMain(8, 12))).constraints).to.equal(21);
    expect((await testCircuit(reluMain(8, 12), "O1")).constraints).to.equal(23);
    expect((await testCircuit(reluMain(0, 8))).constraints).to.equal(9);
    expect((await testCircuit(inModelMain("FloorShiftRelu", 8, 12))).constraints).to.equal(21 + 1);
    expect((await testCircuit(inModelMain("FloorShiftRelu", 0, 8))).constraints).to.equal(9 + 1);
  });

  for (const opt of OPTS) {
    describe(`tampered witnesses (--${opt})`, () => {
      const shift = 8;
      const bits = 12;
      const n = shift + bits;
      let c: TestCircuit;
      before(async () => {
        c = await testCircuit(reluMain(shift, bits), opt);
      });
      const honestDigits = (x: bigint) => bitsOf(x + (1n << BigInt(n - 1)), n);

      it("the forger reproduces the honest witness (control)", async () => {
        for (const x of [3000n, -3000n, 0n]) {
          const w = await c.witness({ in: x });
          expect(forgeRelu(c, w, x, honestDigits(x), rescaleRelu(x, shift, bits), shift, bits, true)).to.deep.equal(w);
        }
      });

      it("rejects out = 0 for a positive quotient and out = the magnitude for a negative one", async () => {
        const wPos = await c.witness({ in: 3000n });
        expect(c.check(c.tamper(wPos, { "main.out": 0n })).ok).to.equal(false);
        const x = -3000n;
        const wNeg = await c.witness({ in: x });
        const digits = honestDigits(x);
        const magnitude = digits.slice(shift, n - 1).reduce((a, d, i) => a + (d << BigInt(i)), 0n);
        expect(magnitude).to.not.equal(0n);
        expect(c.check(c.tamper(wNeg, { "main.out": magnitude })).ok).to.equal(false);
      });

      it("rejects a flipped sign digit with digit 0 absorbing the difference", async () => {
        const x = -3000n;
        const w = await c.witness({ in: x });
        const digits = honestDigits(x);
        expect(digits[n - 1]).to.equal(0n);
        digits[n - 1] = 1n;
        digits[0] -= 1n << BigInt(n - 1);
        const magnitude = digits.slice(shift, n - 1).reduce((a, d, i) => a + (d << BigInt(i)), 0n);
        expect(c.check(forgeRelu(c, w, x, digits, magnitude, shift, bits)).ok).to.equal(false);
      });

      it("rejects out = max(0, q + 1) with digits recomputed (remainder off by 2^SHIFT)", async () => {
        for (const x of [3000n, -1n, 0n, -256n]) {
          const w = await c.witness({ in: x });
          const q = rescale(x, shift, bits) + 1n;
          for (const how of ["nonBooleanDigit", "booleanDigits"] as const) {
            const bad = forgeRelu(c, w, x, forgeDigits(x, q, shift, bits, how), q > 0n ? q : 0n, shift, bits);
            expect(c.check(bad).ok, `x = ${x}, ${how}`).to.equal(false);
          }
        }
      });
    });
  }
});
