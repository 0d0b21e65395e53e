// The transformer kinds on integers, against the exact math on the same (dequantized) integers:
// each stays within the bound it states for an exact input (the approximation's own part: the
// exponential's tables and the reciprocal for Softmax, the reciprocal square root and gamma's
// rounding for LayerNorm), and the pieces agree with BigInt references.
import { expect } from "chai";
import { invSqrt, isqrt, layerNorm, layerNormRows } from "../../../prover/kinds/layer-norm.js";
import { matmul } from "../../../prover/kinds/matmul.js";
import { expDigits, reciprocal, softmax, softmaxRows } from "../../../prover/kinds/softmax.js";
import type { LayerNormOp, MatMulOp, SoftmaxOp } from "../../../prover/model/float-graph.js";
import type { CoreContext } from "../../../prover/quantize/core.js";
import { DEFAULT_QUANTIZATION } from "../../../prover/quantize/quantized-model.js";
import type { ValueRange } from "../../../prover/quantize/value-range.js";
import { randomFloats } from "../../helpers/onnx-builder.js";

const ctx: CoreContext = { config: DEFAULT_QUANTIZATION, where: "test" };
const exact = (frac: number, lo: number, hi: number, n: number): ValueRange => ({
  frac,
  lo: new Float64Array(n).fill(lo),
  hi: new Float64Array(n).fill(hi),
  err: 0,
});
/** Random integers in [lo, hi]. */
const ints = (n: number, lo: number, hi: number, seed: number) =>
  Float64Array.from(randomFloats(n, seed), (v) =>
    Math.min(hi, Math.max(lo, Math.round(lo + ((v + 1) / 2) * (hi - lo)))),
  );

describe("kinds: Softmax on integers", () => {
  const [rows, n, frac] = [6, 16, 6];
  const op: SoftmaxOp = { kind: "softmax", inputs: ["x"], output: "y", size: rows * n, rows, n, nodes: ["sm"] };

  it("stays within its stated bound of the exact softmax of its integer input, and rows sum to about 1", () => {
    const core = softmax.quantize(op, [exact(frac, -1024, 1023, rows * n)], ctx);
    if (core.params.kind !== "softmax") throw new Error("kind");
    const layer = { ...core.params, inputs: [-1], nodes: ["sm"] } as never;
    expect(core.range.err).to.be.below(0.2);
    for (const seed of [1, 2, 3, 4]) {
      // Wide rows (beyond e^-16), narrow rows, ties.
      const spread = [1023, 200, 40, 0][seed - 1];
      const x = ints(rows * n, -spread, spread, seed);
      const y = softmax.evalInt(layer, [x], rows * n);
      const want = softmaxRows(
        rows,
        n,
        x.map((v) => v * 2 ** -frac),
      );
      y.forEach((v, i) => {
        expect(v, "y >= 0").to.be.at.least(0);
        expect(Math.abs(v * 2 ** -core.range.frac - want[i]), `element ${i}`).to.be.at.most(core.range.err);
      });
      for (let r = 0; r < rows; r++) {
        const sum = y.slice(r * n, (r + 1) * n).reduce((a, b) => a + b, 0);
        expect(sum).to.be.at.most(core.range.rowSum!.max);
        expect(Math.abs(sum * 2 ** -core.range.frac - 1), "row sum").to.be.below(0.01);
      }
    }
  });

  it("expDigits follows its spec: e^(-d / 2^f) within the tables' bound, 0 from 16 2^f on", () => {
    const core = softmax.quantize(op, [exact(frac, -4096, 4095, rows * n)], ctx);
    if (core.params.kind !== "softmax") throw new Error("kind");
    const p = core.params;
    const scale = 2 ** -(p.eiFrac + p.eFrac);
    for (let d = 0; d < 16 * 2 ** frac; d++) {
      expect(Math.abs(expDigits(p, d) * scale - Math.exp(-d * 2 ** -frac)), `d = ${d}`).to.be.below(0.004);
    }
    expect(expDigits(p, 16 * 2 ** frac)).to.equal(0);
    expect(expDigits(p, 2 ** p.maxBits - 1)).to.equal(0);
  });

  it("reciprocal is floor(2^K / s) exactly, also where float division would round up", () => {
    for (const [k, s] of [
      [40, 3],
      [45, 7],
      [50, 2 ** 20 - 1],
      [33, 1],
    ])
      expect(BigInt(reciprocal(k, s))).to.equal((1n << BigInt(k)) / BigInt(s));
  });
});

describe("kinds: LayerNorm on integers", () => {
  const [rows, n, frac] = [5, 32, 7];
  const gamma = Float64Array.from(randomFloats(n, 9), (v) => 1 + 0.3 * v);
  const beta = Float64Array.from(randomFloats(n, 10), (v) => 0.2 * v);
  const op: LayerNormOp = {
    kind: "layerNorm",
    inputs: ["x"],
    output: "y",
    size: rows * n,
    rows,
    n,
    eps: 1e-5,
    gamma,
    beta,
    nodes: ["ln"],
  };

  it("stays within its stated bound (exact input) of the exact LayerNorm of its integer input", () => {
    const core = layerNorm.quantize(op, [exact(frac, -512, 511, rows * n)], ctx);
    if (core.params.kind !== "layerNorm") throw new Error("kind");
    const layer = { ...core.params, inputs: [-1], nodes: ["ln"] } as never;
    // gamma sqrt(n) at 8 bits dominates: 2^-5 for |gamma sqrt(n)| up to 7.4.
    expect(core.range.err).to.be.below(0.04);
    for (const [seed, spread] of [
      [1, 511],
      [2, 20],
      [3, 1],
    ]) {
      const x = ints(rows * n, -spread, spread, seed);
      const y = layerNorm.evalInt(layer, [x], rows * n);
      const want = layerNormRows(
        op,
        x.map((v) => v * 2 ** -frac),
      );
      y.forEach((v, i) => {
        expect(v).to.be.within(core.range.lo[i], core.range.hi[i]);
        expect(Math.abs(v * 2 ** -core.range.frac - want[i]), `element ${i}`).to.be.at.most(core.range.err);
      });
    }
    // A constant row: c = 0 everywhere, W = epsInt, the output is beta.
    const flat = new Float64Array(rows * n).fill(37);
    const y = layerNorm.evalInt(layer, [flat], rows * n);
    y.forEach((v, i) => expect(v).to.equal(core.params.kind === "layerNorm" && core.params.beta[i % n]));
  });

  it("invSqrt is the largest r with r^2 w <= 2^2R; isqrt is floor(sqrt)", () => {
    for (const v of [0n, 1n, 2n, 3n, 4n, 99n, 100n, (1n << 80n) + 12345n, (1n << 101n) - 1n]) {
      const r = isqrt(v);
      expect(r * r <= v && (r + 1n) * (r + 1n) > v, `isqrt ${v}`).to.equal(true);
    }
    for (const [bits, w] of [
      [20, 1n],
      [30, 12345n],
      [40, (1n << 50n) + 7n],
    ] as const) {
      const r = invSqrt(bits, w);
      const two = 1n << BigInt(2 * bits);
      expect(r * r * w <= two && (r + 1n) * (r + 1n) * w > two).to.equal(true);
    }
  });
});

describe("kinds: MatMul of two activations", () => {
  it("bounds a Softmax-weighted sum by the weights' row sum, not the element bounds", () => {
    const op: MatMulOp = {
      kind: "matmul",
      inputs: ["a", "b"],
      output: "y",
      size: 4,
      batch: 1,
      m: 1,
      k: 4,
      n: 4,
      aOffset: Int32Array.of(0),
      bOffset: Int32Array.of(0),
      scale: 1,
      nodes: ["av"],
    };
    const a: ValueRange = { ...exact(10, 0, 1024, 4), rowSum: { n: 4, max: 1024 } };
    const b = exact(4, -100, 100, 16);
    const tight = matmul.quantize(op, [a, b], ctx).range;
    const loose = matmul.quantize(op, [{ ...a, rowSum: undefined }, b], ctx).range;
    expect(Array.from(tight.hi)).to.deep.equal([102400, 102400, 102400, 102400]);
    expect(Array.from(loose.hi)).to.deep.equal([409600, 409600, 409600, 409600]);
    expect(Array.from(tight.lo)).to.deep.equal([-102400, -102400, -102400, -102400]);
  });
});
