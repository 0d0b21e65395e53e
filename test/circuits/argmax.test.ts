// circuits/argmax.circom: ArgMax against prover/quantize/int-ops.ts argmax (first maximum).
import { expect } from "chai";
import { argmax } from "../../prover/quantize/int-ops.js";
import { testCircuit, type TestCircuit } from "../helpers/test-circuit.js";
import { bitsOf, rng } from "../helpers/vectors.js";

const OPTS = ["O1", "O2"] as const;
// `in` is public so a tampered witness cannot silently drop it (see rescale.test.ts).
const argmaxMain = (n: number, bits: number) =>
  `pragma circom 2.1.6;\ninclude "argmax.circom";\ncomponent main {public [in]} = ArgMax(${n}, ${bits});\n`;

const mod = (x: bigint, m: bigint) => ((x % m) + m) % m;

type Forgery = "nonBooleanDigit" | "booleanDigits";

/**
 * A complete witness claiming index k with a one-hot selector on k, picked/best recomputed from
 * it and every gap best - in[j] - [j < k] decomposed into BITS+1 digits. A negative gap cannot
 * be decomposed: "booleanDigits" uses the digits of gap mod 2^(BITS+1) (the sum breaks),
 * "nonBooleanDigit" puts the difference into digit 0 (booleanity breaks). With the true argmax
 * every gap is in range and the forger reproduces the honest witness.
 */
function forgeClaim(
  c: TestCircuit,
  w: bigint[],
  xs: bigint[],
  k: number,
  bits: number,
  how: Forgery,
  opts: { sel?: bigint[]; honest?: boolean } = {},
) {
  const sel = opts.sel ?? xs.map((_, i) => (i === k ? 1n : 0n));
  const picked = xs.map((x, i) => sel[i] * x);
  const best = picked.reduce((a, b) => a + b, 0n);
  const out = sel.reduce((a, s, i) => a + BigInt(i) * s, 0n);
  const changes: Record<string, bigint | bigint[]> = {
    "main.in": xs,
    "main.out": out,
    "main.sel": sel,
    "main.picked": picked,
  };
  let before = 0n;
  const width = 1n << BigInt(bits + 1);
  for (let j = xs.length - 1; j >= 0; j--) {
    const gap = best - xs[j] - before;
    before += sel[j];
    const digits = bitsOf(mod(gap, width), bits + 1);
    if (how === "nonBooleanDigit") digits[0] += gap - mod(gap, width);
    changes[`main.gap[${j}].in`] = gap;
    changes[`main.gap[${j}].out`] = digits;
  }
  if (!c.present("main.in[0]")) throw new Error("main.in must be in the witness");
  return c.tamper(w, changes, { skipEliminated: true, allowUnchanged: opts.honest });
}

describe("circuits: ArgMax", () => {
  const bits = 16;
  const half = 1n << BigInt(bits - 1);
  let c10: TestCircuit;
  before(async () => {
    c10 = await testCircuit(argmaxMain(10, bits));
  });

  const edgeCases: bigint[][] = [
    [0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n], // all tied: first index
    [5n, 1n, 2n, 3n, 4n, 0n, -1n, -2n, -3n, -4n], // max first
    [-4n, -3n, -2n, -1n, 0n, 1n, 2n, 3n, 4n, 5n], // max last
    [1n, 7n, 3n, 9n, 2n, 9n, 0n, 9n, 1n, 1n], // three-way tie at 3, 5, 7
    [-half, -half, -half, -half, -half, -half, -half, -half, -half, -half],
    [half - 1n, -half, half - 1n, -half, 0n, 0n, 0n, 0n, 0n, half - 1n],
    [-half, -half, -half, -half, -half, -half, -half, -half, -half, -half + 1n],
    [-1n, -2n, -3n, -1n, -5n, -6n, -7n, -8n, -9n, -10n],
    [0n, -1n, 1n, -1n, 0n, 1n, 0n, -1n, 1n, 0n],
    [-half, half - 1n, half - 2n, -half + 1n, 0n, 1n, -1n, 2n, -2n, half - 1n],
  ];

  it("matches argmax() (first maximum) on edge and tie cases", async () => {
    for (const xs of edgeCases) {
      const w = await c10.witness({ in: xs });
      expect(c10.signal(w, "main.out"), `in = ${xs}`).to.equal(BigInt(argmax(xs)));
      expect(c10.check(w).ok).to.equal(true);
    }
  });

  it("matches argmax() on random inputs, including narrow ranges with many ties", async () => {
    const r = rng(31337);
    for (let t = 0; t < 30; t++) {
      const span = t % 3 === 0 ? 2n : half; // every third case draws from {-2..1}: ties everywhere
      const xs = Array.from({ length: 10 }, () => r.int(-span, span - 1n));
      const w = await c10.witness({ in: xs });
      expect(c10.signal(w, "main.out"), `in = ${xs}`).to.equal(BigInt(argmax(xs)));
      expect(c10.check(w).ok).to.equal(true);
    }
  });

  it("works for a single value", async () => {
    const c1 = await testCircuit(argmaxMain(1, 8));
    for (const x of [-128n, 0n, 127n]) {
      const w = await c1.witness({ in: [x] });
      expect(c1.signal(w, "main.out")).to.equal(0n);
      expect(c1.check(w).ok).to.equal(true);
    }
  });

  it("pins its constraint count: N * (BITS + 3) (selector, product, BITS + 1 gap digits)", async () => {
    expect(c10.constraints).to.equal(10 * (bits + 3));
    expect((await testCircuit(argmaxMain(10, bits), "O1")).constraints).to.equal(212);
    // N = 1: sum(sel) = 1 fixes sel[0] = 1, so the product becomes linear and --O2 drops it.
    expect((await testCircuit(argmaxMain(1, 8))).constraints).to.equal(10);
  });

  for (const opt of OPTS) {
    describe(`tampered witnesses (--${opt})`, () => {
      let c: TestCircuit;
      before(async () => {
        c = await testCircuit(argmaxMain(10, bits), opt);
      });

      it("the forger reproduces the honest witness for the true argmax (control)", async () => {
        for (const xs of edgeCases) {
          const w = await c.witness({ in: xs });
          for (const how of ["nonBooleanDigit", "booleanDigits"] as const) {
            expect(forgeClaim(c, w, xs, argmax(xs), bits, how, { honest: true })).to.deep.equal(w);
          }
        }
      });

      it("rejects every non-maximal index with selector, max and gaps recomputed", async () => {
        const xs = [1n, 7n, 3n, -9n, 2n, 8n, 0n, 6n, half - 1n, -half];
        const w = await c.witness({ in: xs });
        expect(argmax(xs)).to.equal(8);
        for (let k = 0; k < xs.length; k++) {
          if (k === 8) continue;
          for (const how of ["nonBooleanDigit", "booleanDigits"] as const) {
            expect(c.check(forgeClaim(c, w, xs, k, bits, how)).ok, `claim ${k}, ${how}`).to.equal(false);
          }
        }
      });

      it("rejects a later index of a tied maximum (ties go to the lowest index)", async () => {
        const xs = [1n, 7n, 3n, 9n, 2n, 9n, 0n, 9n, 1n, 1n];
        const w = await c.witness({ in: xs });
        expect(c.signal(w, "main.out")).to.equal(3n);
        for (const k of [5, 7]) {
          for (const how of ["nonBooleanDigit", "booleanDigits"] as const) {
            expect(c.check(forgeClaim(c, w, xs, k, bits, how)).ok, `claim ${k}, ${how}`).to.equal(false);
          }
        }
        const allTied = Array.from({ length: 10 }, () => -5n);
        const wTied = await c.witness({ in: allTied });
        expect(c.check(forgeClaim(c, wTied, allTied, 9, bits, "nonBooleanDigit")).ok).to.equal(false);
      });

      it("rejects a selector that is not one-hot (sum 1, pointing at a smaller value)", async () => {
        const xs = [1n, 7n, 3n, 9n, 2n, 8n, 0n, 6n, 5n, 4n];
        const w = await c.witness({ in: xs });
        // sel = e1 + e5 - e4: sum 1, index 1 + 5 - 4 = 2, best = 7 + 8 - 2 = 13 >= every value.
        const sel = xs.map(() => 0n);
        sel[1] = 1n;
        sel[5] = 1n;
        sel[4] = -1n;
        for (const how of ["nonBooleanDigit", "booleanDigits"] as const) {
          expect(c.check(forgeClaim(c, w, xs, -1, bits, how, { sel })).ok, how).to.equal(false);
        }
      });

      it("rejects a picked value that is not sel * in (inflated max)", async () => {
        const xs = [1n, 7n, 3n, 9n, 2n, 8n, 0n, 6n, 5n, 4n];
        const w = await c.witness({ in: xs });
        expect(c.check(c.tamper(w, { "main.picked[3]": 10n })).ok).to.equal(false);
      });

      it("rejects out changed alone", async () => {
        const xs = [1n, 7n, 3n, 9n, 2n, 8n, 0n, 6n, 5n, 4n];
        const w = await c.witness({ in: xs });
        expect(c.check(c.tamper(w, { "main.out": 5n })).ok).to.equal(false);
      });
    });
  }
});
