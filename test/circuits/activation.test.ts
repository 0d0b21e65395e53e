// circuits/activation.circom: FloorShiftClip and FloorShiftLeaky against prover/quantize/int-ops.ts
// (rescaleClip, rescaleLeaky): edges, out-of-domain inputs, tampered witnesses, pinned counts.
import { expect } from "chai";
import { IntRangeError, rescaleClip, rescaleLeaky } from "../../prover/quantize/int-ops.js";
import { testCircuit, witnessFailure, type TestCircuit } from "../helpers/test-circuit.js";
import { bitsOf, rng } from "../helpers/vectors.js";

const OPTS = ["O1", "O2"] as const;

const clipMain = (shift: number, bits: number, lo: bigint | null, hi: bigint | null) => {
  const bounds = `${lo === null ? 0 : 1}, ${lo ?? 0}, ${hi === null ? 0 : 1}, ${hi ?? 0}`;
  return (
    `pragma circom 2.1.6;\ninclude "activation.circom";\n` +
    `component main {public [in]} = FloorShiftClip(${shift}, ${bits}, ${bounds});\n`
  );
};
const leakyMain = (shift: number, bits: number, neg: bigint, t: number) =>
  `pragma circom 2.1.6;\ninclude "activation.circom";\n` +
  `component main {public [in]} = FloorShiftLeaky(${shift}, ${bits}, ${neg}, ${t});\n`;
/** The template inside a model-like main: `in` public, `out` squared into the main's output. */
const inModel = (tpl: string) =>
  `pragma circom 2.1.6;\ninclude "activation.circom";\n` +
  `template M() { signal input in; signal output out; ` +
  `component c = ${tpl}; c.in <== in; out <== c.out * c.out; }\n` +
  `component main {public [in]} = M();\n`;

/** Inputs at and around the domain's edges and the clip bounds (scaled by 2^shift). */
function edgeInputs(shift: number, bits: number, marks: bigint[]): bigint[] {
  const s = 1n << BigInt(shift);
  const lim = 1n << BigInt(bits + shift - 1);
  const xs = [0n, 1n, -1n, s - 1n, s, -s, -s - 1n, -lim, -lim + 1n, lim - 1n, lim - s];
  for (const m of marks) xs.push(m * s, m * s - 1n, m * s + 1n, (m + 1n) * s, (m - 1n) * s, m * s + s - 1n);
  return [...new Set(xs.filter((x) => x >= -lim && x < lim))];
}

function outOfRange(shift: number, bits: number): bigint[] {
  const lim = 1n << BigInt(bits + shift - 1);
  return [lim, -lim - 1n, 1n << 200n];
}

describe("circuits: FloorShiftClip", () => {
  const shift = 6;
  const bits = 10;
  const variants: [string, bigint | null, bigint | null][] = [
    ["Relu6-style [0, 384]", 0n, 384n],
    ["[-100, 200]", -100n, 200n],
    ["lower bound only (-50)", -50n, null],
    ["upper bound only (7)", null, 7n],
    ["LO == HI (constant 3)", 3n, 3n],
  ];
  for (const [label, lo, hi] of variants) {
    it(`${label}: matches rescaleClip() at the edges and on random inputs`, async () => {
      const c = await testCircuit(clipMain(shift, bits, lo, hi));
      const xs = edgeInputs(shift, bits, [lo ?? 0n, hi ?? 0n]);
      const r = rng(500 + Number(lo ?? 1n) + Number(hi ?? 2n));
      const lim = 1n << BigInt(bits + shift - 1);
      for (let i = 0; i < 20; i++) xs.push(r.int(-lim, lim - 1n));
      for (const x of xs) {
        const w = await c.witness({ in: x });
        expect(c.signal(w, "main.out"), `x = ${x}`).to.equal(rescaleClip(x, shift, bits, lo, hi));
        expect(c.check(w).ok).to.equal(true);
      }
    });
  }

  it("cannot produce a witness outside the domain (like rescaleClip(), which throws IntRangeError)", async () => {
    const c = await testCircuit(clipMain(shift, bits, -100n, 200n));
    for (const x of outOfRange(shift, bits)) {
      expect(() => rescaleClip(x, shift, bits, -100n, 200n)).to.throw(IntRangeError);
      await witnessFailure(c.witness({ in: x }), "SplitDigits");
    }
  });

  it("pins constraints: BITS+SHIFT digits, BITS+1 per comparison (none for LO = 0), 1 product per bound", async () => {
    // `in` and `out` are public; the digit sums of the comparisons stay as constraints when their
    // input is public-only, so the counts are measured with the template inside a model-like main.
    const n = bits + shift;
    expect((await testCircuit(inModel(`FloorShiftClip(${shift}, ${bits}, 1, 0, 1, 384)`))).constraints).to.equal(
      n + (bits + 1) + 2 + 1,
    );
    expect((await testCircuit(inModel(`FloorShiftClip(${shift}, ${bits}, 1, -100, 1, 200)`))).constraints).to.equal(
      n + 2 * (bits + 1) + 2 + 1,
    );
    expect((await testCircuit(inModel(`FloorShiftClip(${shift}, ${bits}, 0, 0, 0, 0)`))).constraints).to.equal(n + 1);
  });

  for (const opt of OPTS) {
    describe(`tampered witnesses (--${opt})`, () => {
      const [lo, hi] = [-100n, 200n];
      let c: TestCircuit;
      before(async () => {
        c = await testCircuit(clipMain(shift, bits, lo, hi), opt);
      });

      it("rejects an out other than the clipped quotient (unclipped value, the other bound, off by one)", async () => {
        for (const [x, wrong] of [
          [300n << 6n, 300n],
          [300n << 6n, lo],
          [-(300n << 6n), -300n],
          [50n << 6n, 51n],
        ] as const) {
          const w = await c.witness({ in: x });
          expect(c.check(c.tamper(w, { "main.out": wrong })).ok, `x = ${x}, claim ${wrong}`).to.equal(false);
        }
      });

      it("rejects a flipped comparison digit, digit 0 absorbing the change (claims q <= HI for q > HI)", async () => {
        const x = 300n << 6n; // q = 300 > HI
        const w = await c.witness({ in: x });
        const q = 300n;
        const digits = bitsOf(hi - q + (1n << BigInt(bits)), bits + 1);
        expect(digits[bits]).to.equal(0n);
        digits[bits] = 1n;
        digits[0] -= 1n << BigInt(bits);
        const bad = c.tamper(
          w,
          { "main.out": q, "main.leHi.out": digits, "main.leHi.in": hi - q + (1n << BigInt(bits)) },
          { skipEliminated: true },
        );
        expect(c.check(bad).ok).to.equal(false);
      });

      it("rejects a flipped lower comparison (keepLo) with the digits left alone", async () => {
        const x = -(300n << 6n); // q = -300 < LO: keepLo = 0, out = LO
        const w = await c.witness({ in: x });
        // Claim keepLo = 1 (no clipping): out = q.
        const bad = c.tamper(
          w,
          { "main.keepLo": 1n, "main.raised": -300n - lo, "main.out": -300n },
          { skipEliminated: true },
        );
        expect(c.check(bad).ok).to.equal(false);
      });
    });
  }
});

describe("circuits: FloorShiftLeaky", () => {
  const shift = 5;
  const bits = 10;
  for (const [neg, t] of [
    [13n, 7],
    [-3n, 4],
    [0n, 0],
    [40n, 2],
  ] as const) {
    it(`NEG ${neg}, T ${t}: matches rescaleLeaky() at the edges and on random inputs`, async () => {
      const c = await testCircuit(leakyMain(shift, bits, neg, t));
      const xs = edgeInputs(shift, bits, []);
      const r = rng(900 + Number(neg) + t);
      const lim = 1n << BigInt(bits + shift - 1);
      for (let i = 0; i < 20; i++) xs.push(r.int(-lim, lim - 1n));
      for (const x of xs) {
        const w = await c.witness({ in: x });
        expect(c.signal(w, "main.out"), `x = ${x}`).to.equal(rescaleLeaky(x, shift, bits, neg, t));
        expect(c.check(w).ok).to.equal(true);
      }
    });
  }

  it("cannot produce a witness outside the domain", async () => {
    const c = await testCircuit(leakyMain(shift, bits, 13n, 7));
    for (const x of outOfRange(shift, bits)) {
      expect(() => rescaleLeaky(x, shift, bits, 13n, 7)).to.throw(IntRangeError);
      await witnessFailure(c.witness({ in: x }), "SplitDigits");
    }
  });

  it("pins its constraint count: BITS + SHIFT digits + 1 product", async () => {
    const leaky = inModel(`FloorShiftLeaky(${shift}, ${bits}, 13, 7)`);
    expect((await testCircuit(leaky)).constraints).to.equal(bits + shift + 1 + 1);
  });

  for (const opt of OPTS) {
    it(`rejects the positive branch for a negative quotient and a flipped sign digit (--${opt})`, async () => {
      const c = await testCircuit(leakyMain(shift, bits, 13n, 7), opt);
      const x = -(37n << 5n); // q = -37
      const w = await c.witness({ in: x });
      expect(c.signal(w, "main.out")).to.equal(13n * -37n);
      expect(c.check(c.tamper(w, { "main.out": -37n << 7n })).ok).to.equal(false);
      // Flip the sign digit, digit 0 absorbs the difference so the sum holds.
      const n = bits + shift;
      const digits = bitsOf(x + (1n << BigInt(n - 1)), n);
      digits[n - 1] = 1n;
      digits[0] -= 1n << BigInt(n - 1);
      const bad = c.tamper(
        w,
        {
          "main.digits.low": digits.slice(0, shift),
          "main.digits.high": digits.slice(shift),
          "main.out": -37n << 7n,
          "main.digits.in": x + (1n << BigInt(n - 1)),
        },
        { skipEliminated: true },
      );
      expect(c.check(bad).ok).to.equal(false);
    });
  }
});
