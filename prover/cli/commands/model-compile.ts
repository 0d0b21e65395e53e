// assay model compile <onnx>: quantize, emit, compile, check one witness, set up (progress for each step).
import type { Command } from "commander";
import { artifactPath } from "../../artifacts.js";
import { type CompiledModel, compileModel, type Stage } from "../../compile-model.js";
import { type DataSet, loadDataSet } from "../../data/dataset.js";
import { AssayError, EngineError, InputError } from "../../errors.js";
import { type Fidelity, measureFidelity } from "../../quantize/fidelity.js";
import { DEFAULT_QUANTIZATION } from "../../quantize/quantized-model.js";
import { releaseCurve } from "../../zk/groth16.js";
import { type GlobalOptions, progress, result } from "../output.js";
import { intOption } from "../parse.js";

interface Opts extends GlobalOptions {
  calib?: string;
  test?: string;
  ptau?: string;
  setup: boolean;
  inputBits: number;
  weightBits: number;
  activationBits: number;
}

function addOptions(cmd: Command): Command {
  return cmd
    .requiredOption("--calib <file>", "calibration inputs: JSON { shape: [rows, n], data: [...] }")
    .option("--test <file>", "held-out inputs (same format, labels optional): report fidelity vs onnxruntime")
    .option(
      "--ptau <file>",
      "a real powers-of-tau ceremony file (prepared for phase 2); " +
        "default: a cached development ceremony, UNSAFE for production",
    )
    .option("--no-setup", "stop after compiling the circuit and checking one witness")
    .option(
      "--input-bits <n>",
      "bits of the quantized input",
      intOption("--input-bits", 2, 16),
      DEFAULT_QUANTIZATION.inputBits,
    )
    .option(
      "--weight-bits <n>",
      "signed bits of weights",
      intOption("--weight-bits", 2, 16),
      DEFAULT_QUANTIZATION.weightBits,
    )
    .option(
      "--activation-bits <n>",
      "signed bits activations are scaled to",
      intOption("--activation-bits", 2, 24),
      DEFAULT_QUANTIZATION.activationBits,
    );
}

/** Progress lines: one per stage change, ptau percentages only at 100%, no snarkjs hash dumps. */
function progressFilter(g: GlobalOptions): (stage: Stage, msg: string) => void {
  let last = "";
  return (stage, msg) => {
    if (stage === "ptau" && stage === last && !/100%$/.test(msg)) return;
    if (stage === "setup" && /^\s|Hash/.test(msg)) return;
    last = stage;
    progress(g, `[${stage}] ${msg.split("\n")[0]}`);
  };
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

export function registerModelCompile(model: Command, globals: () => GlobalOptions): void {
  const cmd = model
    .command("compile")
    .argument("<onnx>", "the ONNX model file")
    .description("quantize an ONNX model, emit and compile its circuit, check one witness, and set up Groth16 keys");
  addOptions(cmd).action(async (onnx: string, o: Opts) => {
    const g = { ...globals(), ...o };
    const calib = loadDataSet(o.calib!);
    if (calib.xs.length === 0) throw new InputError(`${o.calib}: no calibration inputs`);
    // Read before the slow steps, so a bad --test file fails first.
    const test = o.test ? loadDataSet(o.test) : undefined;
    const m = await compileModel({
      onnx,
      calibration: calib.xs,
      ptau: o.ptau,
      setup: o.setup,
      quantization: { inputBits: o.inputBits, weightBits: o.weightBits, activationBits: o.activationBits },
      generatedBy: `assay model compile ${onnx}`,
      onProgress: progressFilter(g),
    });
    const fidelity = test ? await fidelityOf(onnx, m, test, o.test!) : undefined;
    await releaseCurve();
    result(g, describeCompiled(m, fidelity), {
      circuitId: m.ref.circuitId,
      ptauId: m.ref.ptauId,
      manifest: m.manifest,
      witnessCheck: m.witnessCheck,
      setup: m.setup,
      fidelity,
    });
  });
}
