// The compiled models of bench/scale.ts: small MLPs of different sizes and weights, built as ONNX
// in TypeScript (test/helpers/onnx-builder.ts: nothing to install, no training) and compiled with
// Groth16 keys once, in the project cache (<cache>/bench-scale/onnx/*.onnx, then `compileModel`,
// which reuses a circuit and keys already in <cache>/circuits). The seed system serves 20 distinct
// models; `scaleModels(n)` returns the first n of a fixed list of 20 specs.
//
// Decisions:
//   Sizes are chosen to stay below 2^11 constraints, the development powers of tau the project
//   already keeps (a bigger circuit would make the first run build a bigger ceremony), and to
//   span about 2.5x in constraints, so proving cost varies between models the way a real mix does.
//   Weights are deterministic pseudo-random floats (different seeds per model): the benchmark
//   measures the system, not accuracy, and the same specs give the same circuit ids on every run
//   (so the cache holds).
//   Inputs (calibration and requests) are pseudo-random in [-1, 1), the range the calibration saw.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { cacheRoot } from "../prover/artifacts.js";
import { type CompiledModel, compileModel } from "../prover/compile-model.js";
import { releaseCurve } from "../prover/zk/groth16.js";
import { buildModel, type NodeSpec, randomFloats, type TensorSpec } from "../test/helpers/onnx-builder.js";

/** One MLP: input width, hidden widths (ReLU after each), output width, weight seed. */
export interface MlpSpec {
  name: string;
  input: number;
  hidden: number[];
  output: number;
  seed: number;
}

/** The 20 models: 5 input widths x 4 hidden shapes, outputs 3 to 6 wide. */
export const SCALE_MODEL_SPECS: readonly MlpSpec[] = Array.from({ length: 20 }, (_, i) => {
  const input = [8, 12, 16, 20, 24][i % 5];
  const hidden = [[6], [10], [8, 6], [12, 6]][Math.floor(i / 5)];
  const output = 3 + (i % 4);
  return { name: `scale-m${String(i).padStart(2, "0")}`, input, hidden, output, seed: 1000 + 17 * i };
});

/** The ONNX bytes of an MLP: Gemm (+ ReLU) layers, weights scaled so activations stay near [-1, 1]. */
export function mlpOnnx(spec: MlpSpec): Uint8Array {
  const widths = [spec.input, ...spec.hidden, spec.output];
  const nodes: NodeSpec[] = [];
  const initializers: Record<string, TensorSpec> = {};
  let x = "x";
  for (let l = 0; l + 1 < widths.length; l++) {
    const [n, m] = [widths[l], widths[l + 1]];
    const last = l + 2 === widths.length;
    const scale = 1.5 / Math.sqrt(n);
    initializers[`W${l}`] = { dims: [m, n], data: randomFloats(n * m, spec.seed + 2 * l).map((v) => v * scale) };
    initializers[`B${l}`] = { dims: [m], data: randomFloats(m, spec.seed + 2 * l + 1).map((v) => v * 0.1) };
    const y = last ? "y" : `g${l}`;
    nodes.push({ op: "Gemm", inputs: [x, `W${l}`, `B${l}`], outputs: [y], attrs: { transB: 1 } });
    if (!last) {
      nodes.push({ op: "Relu", inputs: [y], outputs: [`r${l}`] });
      x = `r${l}`;
    }
  }
  return buildModel({
    input: { name: "x", dims: [1, spec.input] },
    output: { name: "y", dims: [1, spec.output] },
    nodes,
    initializers,
  });
}

/** A deterministic input of `n` values in [-1, 1) for request (or calibration row) `i`. */
export function inputFor(n: number, i: number): number[] {
  return randomFloats(n, 0x9e3779b1 ^ (i * 2654435761));
}

export interface ScaleModel {
  spec: MlpSpec;
  model: CompiledModel;
  /** Seconds spent compiling and setting up in this run (about 0 when cached). */
  buildSeconds: number;
}

/** The first `count` models, compiled and set up (cached in the project cache after the first run). */
export async function scaleModels(count: number, say: (line: string) => void): Promise<ScaleModel[]> {
  if (!Number.isInteger(count) || count < 1 || count > SCALE_MODEL_SPECS.length)
    throw new RangeError(`--models must be an integer from 1 to ${SCALE_MODEL_SPECS.length}, got ${count}`);
  const dir = path.join(cacheRoot(), "bench-scale", "onnx");
  mkdirSync(dir, { recursive: true });
  const out: ScaleModel[] = [];
  for (const spec of SCALE_MODEL_SPECS.slice(0, count)) {
    const file = path.join(dir, `${spec.name}.onnx`);
    writeFileSync(file, mlpOnnx(spec));
    const t = performance.now();
    const model = await compileModel({
      onnx: file,
      calibration: Array.from({ length: 64 }, (_, i) => inputFor(spec.input, -1 - i)),
      generatedBy: "bench/scale.ts",
    });
    const buildSeconds = (performance.now() - t) / 1000;
    say(
      `model ${spec.name}: ${spec.input}-${spec.hidden.join("-")}-${spec.output}, ` +
        `${model.manifest.circuit.constraints} constraints, circuit ${model.ref.circuitId} ` +
        `(${buildSeconds.toFixed(1)} s)`,
    );
    out.push({ spec, model, buildSeconds });
  }
  await releaseCurve();
  return out;
}
