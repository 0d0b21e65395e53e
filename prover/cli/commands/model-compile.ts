// assay model compile <onnx>: quantize, emit, compile, set up (progress for each step).
import type { Command } from "commander";
import { artifactPath } from "../../artifacts.js";
import { compileModel } from "../../compile-model.js";
import { loadDataSet } from "../../data/dataset.js";
import { InputError } from "../../errors.js";
import { measureFidelity } from "../../quantize/fidelity.js";
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

export function registerModelCompile(model: Command, globals: () => GlobalOptions): void {
  model
    .command("compile")
    .argument("<onnx>", "the ONNX model file")
    .description("quantize an ONNX model, emit and compile its circuit, and set up Groth16 keys")
    .requiredOption("--calib <file>", "calibration inputs: JSON { shape: [rows, n], data: [...] }")
    .option("--test <file>", "held-out inputs (same format, labels optional): report fidelity vs onnxruntime")
    .option(
      "--ptau <file>",
      "a real powers-of-tau ceremony file (prepared for phase 2); default: a cached development ceremony, UNSAFE for production",
    )
    .option("--no-setup", "stop after compiling the circuit")
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
    )
    .action(async (onnx: string, o: Opts) => {
      const g = { ...globals(), ...o };
      const calib = loadDataSet(o.calib!);
      if (calib.xs.length === 0) throw new InputError(`${o.calib}: no calibration inputs`);
      let last = "";
      const m = await compileModel({
        onnx,
        calibration: calib.xs,
        ptau: o.ptau,
        setup: o.setup,
        quantization: { inputBits: o.inputBits, weightBits: o.weightBits, activationBits: o.activationBits },
        generatedBy: `assay model compile ${onnx}`,
        onProgress: (stage, msg) => {
          const line = `[${stage}] ${msg.split("\n")[0]}`;
          if (stage === "ptau" && stage === last && !/100%$/.test(msg)) return;
          if (stage === "setup" && /^\s|Hash/.test(msg)) return;
          last = stage;
          progress(g, line);
        },
      });
      const test = o.test ? loadDataSet(o.test) : undefined;
      const fidelity = test ? await measureFidelity(onnx, m.quantized, test.xs, test.labels) : undefined;
      await releaseCurve();
      const human = [
        `model ${m.ref.circuitId}`,
        `  constraints   ${m.manifest.circuit.constraints}`,
        `  input         ${m.manifest.input.shape.join("x")}, ${m.manifest.input.encoding.bits}-bit, scale 2^${m.manifest.input.frac}`,
        `  output        ${m.manifest.output.publishedAs} (${m.manifest.output.head === "none" ? "logits" : m.manifest.output.head}), scale 2^${m.manifest.output.frac}`,
        `  circuit       ${artifactPath(m.ref, "circom")}`,
        m.setup
          ? `  keys          ${artifactPath(m.ref, "zkey")} (${m.setup.ptau.kind} ptau 2^${m.setup.ptau.power}${m.setup.ptau.unsafeForProduction ? ", UNSAFE for production" : ""})`
          : "  keys          none (--no-setup)",
        fidelity
          ? `  fidelity      argmax agreement ${(100 * fidelity.argmaxAgreement).toFixed(2)}% on ${fidelity.samples} inputs, max |error| ${fidelity.maxAbsError.toFixed(4)}`
          : "",
      ]
        .filter(Boolean)
        .join("\n");
      result(g, human, {
        circuitId: m.ref.circuitId,
        ptauId: m.ref.ptauId,
        manifest: m.manifest,
        setup: m.setup,
        fidelity,
      });
    });
}
