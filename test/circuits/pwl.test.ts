// circuits/pwl.circom: PiecewiseLinear against prover/quantize/int-ops.ts piecewiseLinear and
// the evaluator's evalPwl (prover/quantize/pwl.ts), with and without saturation; the stated
// Sigmoid / Tanh error bounds; tampered witnesses (the IsZero hint, decoder products, digits).
import { expect } from "chai";
import { piecewiseLinear } from "../../prover/quantize/int-ops.js";
import { buildPwl, evalPwl, PWL_FUNCTIONS } from "../../prover/quantize/pwl.js";
import type { PwlParams } from "../../prover/quantize/quantized-model.js";
import { testCircuit, type TestCircuit } from "../helpers/test-circuit.js";
import { bitsOf, rng } from "../helpers/vectors.js";

const OPTS = ["O1", "O2"] as const;

function pwlMain(p: PwlParams): string {
  return [
    `pragma circom 2.1.6;`,
    `include "pwl.circom";`,
    `function A() { return [${p.a.join(",")}]; }`,
    `function B() { return [${p.b.join(",")}]; }`,
    `component main {public [in]} = PiecewiseLinear(${p.n}, ${p.m}, ${p.k}, ${p.d}, A(), B(), ${p.yLo}, ${p.yHi});`,
    ``,
  ].join("\n");
}

const spec = (p: PwlParams) => ({
  ...p,
  a: p.a.map(BigInt),
  b: p.b.map(BigInt),
  yLo: BigInt(p.yLo),
  yHi: BigInt(p.yHi),
});

/** Inputs of v = in * 2^pre at the domain's and the segments' edges. */
function edgeInputs(p: PwlParams): bigint[] {
  const lim = 1n << BigInt(p.m);
  const top = 1n << BigInt(p.n - 1);
  const seg = 1n << BigInt(p.m + 1 - p.k);
  const xs = [0n, 1n, -1n, lim, lim - 1n, -lim, -lim - 1n, -top, top - 1n, seg, seg - 1n, -seg, -lim + seg, lim - seg];
  return [...new Set(xs.filter((x) => x >= -top && x < top))];
}

describe("circuits: PiecewiseLinear", () => {
  // Sigmoid on a wide accumulator (saturation branch) and Tanh on a narrow input (no saturation).
  const cases: [string, PwlParams][] = [
    ["sigmoid, input frac 10, 18-bit input (saturating)", buildPwl("sigmoid", 10, -(2 ** 17), 2 ** 17 - 1, 10).params],
    ["tanh, input frac 8, 10-bit input (never saturates)", buildPwl("tanh", 8, -512, 511, 10).params],
  ];
  for (const [label, p] of cases) {
    describe(label, () => {
      let c: TestCircuit;
      before(async () => {
        expect(p.pre).to.equal(0);
        c = await testCircuit(pwlMain(p));
      });

      it("matches piecewiseLinear() and evalPwl() at the edges and on random inputs", async () => {
        const xs = edgeInputs(p);
        const r = rng(p.n * 7 + p.m);
        const top = 1n << BigInt(p.n - 1);
        for (let i = 0; i < 30; i++) xs.push(r.int(-top, top - 1n));
        for (const x of xs) {
          const w = await c.witness({ in: x });
          const want = piecewiseLinear(x, spec(p));
          expect(c.signal(w, "main.out"), `x = ${x}`).to.equal(want);
          expect(BigInt(evalPwl(p, Number(x)))).to.equal(want);
          expect(c.check(w).ok).to.equal(true);
        }
      });

      for (const opt of OPTS) {
        it(`rejects a changed out, a changed decoder product and a flipped segment digit (--${opt})`, async () => {
          const t = await testCircuit(pwlMain(p), opt);
          const x = 1000n;
          const w = await t.witness({ in: x });
          const out = t.signal(w, "main.out");
          expect(t.check(t.tamper(w, { "main.out": out + 1n })).ok).to.equal(false);
          // Decoder product 0 is e0 * digit: set it to 1 - its value.
          if (t.present("main.prod[0]")) {
            expect(t.check(t.tamper(w, { "main.prod[0]": 1n - t.signal(w, "main.prod[0]") })).ok).to.equal(false);
          }
          // Flip the top segment digit; digit 0 absorbs the change so the sum holds.
          const digitsCount = p.n - 1 > p.m ? p.n + 1 : p.m + 1;
          const z = x + (1n << BigInt(p.m)) + (p.n - 1 > p.m ? 1n << BigInt(p.n - 1) : 0n);
          const digits = bitsOf(z, digitsCount);
          const d = digits[p.m];
          digits[p.m] = 1n - d;
          digits[0] += (d - digits[p.m]) << BigInt(p.m);
          expect(t.check(t.tamper(w, { "main.z.out": digits }, { skipEliminated: true })).ok).to.equal(false);
        });
      }
    });
  }

  it("saturation: rejects a forged IsZero hint that claims an out-of-domain input is in range", async () => {
    const [, p] = cases[0];
    for (const opt of OPTS) {
      const c = await testCircuit(pwlMain(p), opt);
      const x = (1n << BigInt(p.m)) + 5n; // above the domain: out = Y_HI
      const w = await c.witness({ in: x });
      expect(c.signal(w, "main.out")).to.equal(BigInt(p.yHi));
      expect(c.signal(w, "main.midZero")).to.equal(0n);
      // inv = 0 makes midZero = 1 - mid * inv = 1; then mid * midZero = 0 must fail (mid != 0).
      const forged = c.tamper(w, { "main.inv": 0n, "main.midZero": 1n, "main.inRange": 1n }, { skipEliminated: true });
      expect(c.check(forged).ok).to.equal(false);
    }
  });

  it("pins its constraint counts", async () => {
    const inModel = (p: PwlParams) =>
      pwlMain(p).replace(
        /component main \{public \[in\]\} = (.*);/,
        "template M() { signal input in; signal output out; " +
          "component c = $1; c.in <== in; out <== c.out * c.out; }\ncomponent main {public [in]} = M();",
      );
    const [sat, plain] = [cases[0][1], cases[1][1]];
    // Saturating: N+1 digits, 2^K - 2 decoder products, slope, IsZero (2), both, inRange, y.
    expect((await testCircuit(inModel(sat))).constraints).to.equal(sat.n + 1 + 2 ** sat.k - 2 + 1 + 2 + 3 + 1);
    // Plain: M+1 digits, 2^K - 2 decoder products, slope.
    expect((await testCircuit(inModel(plain))).constraints).to.equal(plain.m + 1 + 2 ** plain.k - 2 + 1 + 1);
  });
});

describe("quantize: Sigmoid / Tanh approximation error", () => {
  for (const fn of ["sigmoid", "tanh"] as const) {
    it(`${fn}: every integer input of a 16-bit range is within the stated bound`, () => {
      const inFrac = 11;
      const b = buildPwl(fn, inFrac, -(2 ** 15), 2 ** 15 - 1, 10);
      const f = PWL_FUNCTIONS[fn].f;
      let worst = 0;
      for (let x = -(2 ** 15); x < 2 ** 15; x++) {
        worst = Math.max(worst, Math.abs(f(x / 2 ** inFrac) - evalPwl(b.params, x) / 2 ** b.outFrac));
      }
      expect(worst).to.be.at.most(b.approxError);
      // The bound is stated, not vacuous: within a factor 4 of the worst case, and small.
      expect(b.approxError).to.be.below(fn === "sigmoid" ? 1.5e-3 : 3e-3);
      expect(worst).to.be.above(b.approxError / 4);
    });
  }
});
