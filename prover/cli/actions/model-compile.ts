// assay model compile: quantize, emit, compile, check one witness, set up; fidelity with --test.
import { artifactPath } from "../../artifacts.js";
import { type CompiledModel, compileModel, type Stage } from "../../compile-model.js";
import type { DataSet } from "../../data/dataset.js";
import { AssayError, EngineError } from "../../errors.js";
import { type Fidelity, measureFidelity } from "../../engine/fidelity.js";
import { releaseCurve } from "../../zk/groth16.js";
import type { ModelCompileOptions } from "../commands/model-compile.js";
import { type GlobalOptions, progress, result, step } from "../output.js";
import { onnxInputShape, readSamples } from "./model-samples.js";

type Opts = ModelCompileOptions & GlobalOptions;

/**
 * Progress lines: one per stage change (with the time the stage before it took), ptau percentages
 * only at 100%, no snarkjs hash dumps.
 */
export function stageProgress(g: GlobalOptions): { onProgress: (stage: Stage, msg: string) => void; end(): void } {
  let last = "";
  let since = performance.now();
  const end = () => {
    if (last) progress(g, `[${last}] done in ${((performance.now() - since) / 1000).toFixed(1)} s`);
    since = performance.now();
  };
  const onProgress = (stage: Stage, msg: string) => {
    if (stage === "ptau" && stage === last && !/100%$/.test(msg)) return;
    if (stage === "setup" && /^\s|Hash/.test(msg)) return;
    if (stage !== last) end();
    last = stage;
    progress(g, `[${stage}] ${msg.split("\n")[0]}`);
  };
  return { onProgress, end };
}

/** onnxruntime's agreement with the quantized model on --test (its errors name the step). */
async function fidelityOf(onnx: string, m: CompiledModel, test: DataSet, testFile: string): Promise<Fidelity> {
  try {
    return await measureFidelity(onnx, m.quantized, test.xs, test.labels);
  } catch (e) {
    if (e instanceof AssayError) throw e;
    throw new EngineError(`onnxruntime running ${onnx} on ${testFile} (fidelity)`, e);
  }
}

function describeCompiled(m: CompiledModel, fidelity: Fidelity | undefined): string {
  const { manifest: mf, setup } = m;
  const head = mf.output.head === "none" ? "logits" : mf.output.head;
  const keys = setup
    ? `${artifactPath(m.ref, "zkey")} (${setup.ptau.kind} ptau 2^${setup.ptau.power}` +
      `${setup.ptau.unsafeForProduction ? ", UNSAFE for production" : ""})`
    : "none (--no-setup)";
  return [
    `model ${m.ref.circuitId}`,
    `  constraints   ${mf.circuit.constraints}`,
    `  input         ${mf.input.shape.join("x")}, ${mf.input.encoding.bits}-bit, scale 2^${mf.input.frac}`,
    `  output        ${mf.output.publishedAs} (${head}), scale 2^${mf.output.frac}`,
    `  circuit       ${artifactPath(m.ref, "circom")}`,
    m.witnessCheck
      ? `  checked       witness of calibration row ${m.witnessCheck.row} = integer evaluator ` +
        `(${m.witnessCheck.witnessMs.toFixed(0)} ms)`
      : "",
    `  keys          ${keys}`,
    fidelity
      ? `  fidelity      argmax agreement ${(100 * fidelity.argmaxAgreement).toFixed(2)}% on ` +
        `${fidelity.samples} inputs, max |error| ${fidelity.maxAbsError.toFixed(4)}`
      : "",
  ]
    .filter(Boolean)
    .join("\n");
}

export async function run(onnx: string, o: Opts): Promise<void> {
  const inputShape = onnxInputShape(onnx);
  const calib = readSamples(o.calib, inputShape);
  // Read before the slow steps, so a bad --test file fails first.
  const test = o.test ? readSamples(o.test, inputShape) : undefined;
  const stages = stageProgress(o);
  const m = await compileModel({
    onnx,
    calibration: calib.xs,
    ptau: o.ptau,
    setup: o.setup,
    quantization: { inputBits: o.inputBits, weightBits: o.weightBits, activationBits: o.activationBits },
    target: { kind: o.target, minAgreement: o.minAgreement },
    layerSteps: o.layerSteps,
    generatedBy: `assay model compile ${onnx}`,
    onProgress: stages.onProgress,
  }).finally(() => releaseCurve());
  stages.end();
  const fidelity = test
    ? await step(o, `[fidelity] onnxruntime vs the quantized model on ${test.xs.length} inputs`, () =>
        fidelityOf(onnx, m, test, o.test!),
      )
    : undefined;
  result(o, describeCompiled(m, fidelity), {
    circuitId: m.ref.circuitId,
    ptauId: m.ref.ptauId,
    manifest: m.manifest,
    witnessCheck: m.witnessCheck,
    setup: m.setup,
    fidelity,
  });
}
