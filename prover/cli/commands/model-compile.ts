// assay model compile <onnx>: quantize, emit, compile, check one witness, set up (progress for each step).
import type { Command } from "commander";
// quantized-model.ts holds types and constants only: cheap to load for --help.
import { DEFAULT_QUANTIZATION } from "../../quantize/quantized-model.js";
import { lazyAction } from "../lazy-action.js";
import { intOption } from "../parse.js";

export interface ModelCompileOptions {
  calib: string;
  test?: string;
  ptau?: string;
  setup: boolean;
  inputBits: number;
  weightBits: number;
  activationBits: number;
}

const SAMPLES =
  "a JSON array of inputs (flat, or nested in the model's input shape), { data, labels? }, " +
  "or { shape: [rows, ...], data }";

export function defineModelCompile(model: Command): void {
  model
    .command("compile")
    .argument("<onnx>", "the ONNX model file")
    .description("quantize an ONNX model, emit and compile its circuit, check one witness, and set up Groth16 keys")
    .requiredOption("--calib <file>", `calibration inputs: ${SAMPLES}`)
    .option("--test <file>", "held-out inputs (same formats, labels optional): report fidelity vs onnxruntime")
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
    )
    .action(lazyAction(() => import("../actions/model-compile.js")));
}
