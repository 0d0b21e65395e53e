// circuits/pool.circom: Max2 against int-ops max2, MaxPool2D and SumPool2D against the integer
// evaluators (prover/kinds/maxpool.ts, avgpool.ts), tampered witnesses, pinned counts.
import { expect } from "chai";
import { avgpool } from "../../prover/kinds/avgpool.js";
import { maxpool } from "../../prover/kinds/maxpool.js";
import type { Window2D } from "../../prover/model/float-graph.js";
import { windowTaps } from "../../prover/model/window.js";
import { IntRangeError, max2 } from "../../prover/quantize/int-ops.js";
import type { AvgPoolLayer, MaxPoolLayer } from "../../prover/quantize/quantized-model.js";
import { testCircuit, witnessFailure, type TestCircuit } from "../helpers/test-circuit.js";
import { bitsOf, rng } from "../helpers/vectors.js";

const OPTS = ["O1", "O2"] as const;
const max2Main = (bits: number) =>
  `pragma circom 2.1.6;\ninclude "pool.circom";\ncomponent main {public [a, b]} = Max2(${bits});\n`;

function windowArgs(w: Window2D): string {
  return `${w.c}, ${w.h}, ${w.w}, ${w.kh}, ${w.kw}, ${w.sh}, ${w.sw}, ${w.pt}, ${w.pl}`;
}
const maxPoolMain = (w: Window2D, bits: number) =>
  `pragma circom 2.1.6;\ninclude "pool.circom";\n` +
  `component main {public [in]} = MaxPool2D(${windowArgs(w)}, ${w.dh}, ${w.dw}, ${w.oh}, ${w.ow}, ${bits});\n`;
const sumPoolMain = (w: Window2D, mult: number[]) =>
  `pragma circom 2.1.6;\ninclude "pool.circom";\nfunction MULT() { return [${mult.join(",")}]; }\n` +
  `component main {public [in]} = SumPool2D(${windowArgs(w)}, ${w.oh}, ${w.ow}, MULT());\n`;

function win(p: Partial<Window2D> & Pick<Window2D, "c" | "h" | "w" | "kh" | "kw" | "oh" | "ow">): Window2D {
  return { n: 1, sh: 1, sw: 1, pt: 0, pl: 0, dh: 1, dw: 1, ...p };
}

const mod = (x: bigint, m: bigint) => ((x % m) + m) % m;

describe("circuits: Max2", () => {
  const bits = 10;
  const lim = 1n << BigInt(bits);
  let c: TestCircuit;
  before(async () => {
    c = await testCircuit(max2Main(bits));
  });

  it("matches max2() at the edges of the difference domain and on random pairs", async () => {
    const pairs: [bigint, bigint][] = [
      [0n, 0n],
      [1n, 0n],
      [0n, 1n],
      [-5n, -6n],
      [lim - 1n, 0n],
      [0n, lim],
      [-lim, 0n],
      [300n, 300n - lim + 1n],
    ];
    const r = rng(31);
    for (let i = 0; i < 20; i++) {
      const a = r.int(-3000n, 3000n);
      pairs.push([a, a + r.int(-lim, lim - 1n)]);
    }
    for (const [a, b] of pairs) {
      const w = await c.witness({ a, b });
      expect(c.signal(w, "main.out"), `${a}, ${b}`).to.equal(max2(a, b, bits));
      expect(c.check(w).ok).to.equal(true);
    }
  });

  it("cannot produce a witness when |a - b| leaves the domain (like max2(), which throws IntRangeError)", async () => {
    for (const [a, b] of [
      [lim, 0n],
      [0n, lim + 1n],
      [1n << 100n, 0n],
    ] as const) {
      expect(() => max2(a, b, bits)).to.throw(IntRangeError);
      await witnessFailure(c.witness({ a, b }), "Num2Bits");
    }
  });

  it("pins its constraint count: BITS + 1 digits + 1 product", async () => {
    // The digit sum is substituted into a digit's booleanity check by --O2.
    expect((await testCircuit(max2Main(bits))).constraints).to.equal(bits + 1 + 1);
  });

  for (const opt of OPTS) {
    describe(`tampered witnesses (--${opt})`, () => {
      let t: TestCircuit;
      before(async () => {
        t = await testCircuit(max2Main(bits), opt);
      });
      const digitsFor = (a: bigint, b: bigint) => bitsOf(a - b + lim, bits + 1);

      it("rejects the smaller value as out, with the honest digits", async () => {
        const w = await t.witness({ a: 40n, b: -7n });
        expect(t.check(t.tamper(w, { "main.out": -7n })).ok).to.equal(false);
      });

      it("rejects a flipped top digit with digit 0 absorbing the difference (booleanity breaks)", async () => {
        for (const [a, b] of [
          [40n, -7n],
          [-7n, 40n],
        ] as const) {
          const w = await t.witness({ a, b });
          const digits = digitsFor(a, b);
          const flip = 1n - digits[bits];
          digits[0] += (digits[bits] - flip) << BigInt(bits);
          digits[bits] = flip;
          const claim = b + flip * (a - b);
          const bad = t.tamper(
            w,
            { "main.out": claim, "main.d.out": digits, "main.d.in": a - b + lim },
            { skipEliminated: true },
          );
          expect(t.check(bad).ok, `${a}, ${b}`).to.equal(false);
        }
      });

      it("rejects a flipped top digit with boolean digits (the sum breaks)", async () => {
        const [a, b] = [40n, -7n];
        const w = await t.witness({ a, b });
        const digits = bitsOf(mod(a - b + lim - lim, 2n * lim), bits + 1); // top digit 0: claims a < b
        const bad = t.tamper(
          w,
          { "main.out": b, "main.d.out": digits, "main.d.in": a - b + lim },
          { skipEliminated: true },
        );
        expect(t.check(bad).ok).to.equal(false);
      });
    });
  }
});

/** Max pooling on ints with the evaluator, for any geometry. */
function expectedMax(w: Window2D, x: number[]): bigint[] {
  const layer = { kind: "maxpool", win: w, diffBits: 0 } as unknown as MaxPoolLayer;
  return Array.from(maxpool.evalInt(layer, [Float64Array.from(x)], 0), (v) => BigInt(v));
}

describe("circuits: MaxPool2D", () => {
  const geometries: [string, Window2D][] = [
    ["2x2 stride 2 (LeNet)", win({ c: 2, h: 4, w: 4, kh: 2, kw: 2, sh: 2, sw: 2, oh: 2, ow: 2 })],
    [
      "3x3 stride 2, padding 1 (ceil-mode edge)",
      win({ c: 1, h: 5, w: 5, kh: 3, kw: 3, sh: 2, sw: 2, pt: 1, pl: 1, oh: 3, ow: 3 }),
    ],
    ["2x2 dilation 2, stride 1", win({ c: 1, h: 5, w: 5, kh: 2, kw: 2, dh: 2, dw: 2, oh: 3, ow: 3 })],
    ["1-D 3 wide (h = 1)", win({ c: 2, h: 1, w: 6, kh: 1, kw: 3, sw: 3, oh: 1, ow: 2 })],
  ];
  const bits = 12;
  for (const [label, w] of geometries) {
    it(`${label}: out == the evaluator on random values spanning the difference domain`, async () => {
      const c = await testCircuit(maxPoolMain(w, bits));
      const r = rng(w.h * 31 + w.kh);
      for (let trial = 0; trial < 4; trial++) {
        const x = Array.from({ length: w.c * w.h * w.w }, () => Number(r.int(-2048n, 2047n)));
        const wit = await c.witness({ in: x });
        expect(c.signals(wit, "main.out", w.c * w.oh * w.ow)).to.deep.equal(expectedMax(w, x));
        expect(c.check(wit).ok).to.equal(true);
      }
    });
  }

  it("pins its constraint count: (taps - 1) * (BITS + 2) per window", async () => {
    for (const [, w] of geometries) {
      const c = await testCircuit(maxPoolMain(w, bits));
      const comparisons = windowTaps(w).reduce((s, t) => s + t.length / 2 - 1, 0) * w.c;
      // Outputs are public: one linear constraint each that --O2 cannot substitute away.
      const singleTap = windowTaps(w).filter((t) => t.length === 2).length * w.c;
      expect(c.constraints, JSON.stringify(w)).to.equal(comparisons * (bits + 2) + singleTap);
    }
  });

  it("rejects a window output that is not the maximum (honest comparisons left alone)", async () => {
    const [, w] = geometries[0];
    for (const opt of OPTS) {
      const c = await testCircuit(maxPoolMain(w, bits), opt);
      const x = [
        5, 9, -3, 7, 1, 2, 3, 4, 100, -100, 0, 0, 8, 8, 8, 8, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
      ].slice(0, w.c * w.h * w.w);
      const wit = await c.witness({ in: x });
      const out = c.signals(wit, "main.out", 8);
      expect(c.check(c.tamper(wit, { "main.out[0]": out[0] - 1n })).ok).to.equal(false);
      expect(c.check(c.tamper(wit, { "main.out[3]": out[3] + 1n })).ok).to.equal(false);
    }
  });
});

describe("circuits: SumPool2D", () => {
  it("matches the average-pool evaluator (window sums times per-position multipliers), padding, stride", async () => {
    const w = win({ c: 2, h: 5, w: 5, kh: 3, kw: 3, sh: 2, sw: 2, pt: 1, pl: 1, oh: 3, ow: 3 });
    const mult = windowTaps(w).map((t) => Math.round(2 ** 10 / (t.length / 2)));
    const c = await testCircuit(sumPoolMain(w, mult));
    const layer = { kind: "avgpool", win: w, mult, multFrac: 10 } as unknown as AvgPoolLayer;
    const r = rng(77);
    for (let trial = 0; trial < 3; trial++) {
      const x = Array.from({ length: 50 }, () => Number(r.int(-500n, 500n)));
      const wit = await c.witness({ in: x });
      expect(c.signals(wit, "main.out", 18)).to.deep.equal(
        Array.from(avgpool.evalInt(layer, [Float64Array.from(x)], 0), (v) => BigInt(v)),
      );
      expect(c.check(wit).ok).to.equal(true);
      expect(c.check(c.tamper(wit, { "main.out[4]": c.signal(wit, "main.out[4]") + 1n })).ok).to.equal(false);
    }
    // Linear: one constraint per (public) output and nothing else.
    expect(c.constraints).to.equal(18);
  });
});
