// assay model compile <onnx>: quantize, emit, compile, check one witness, set up (progress for each step).
import type { Command } from "commander";
// quantized-model.ts holds types and constants only: cheap to load for --help.
import { DEFAULT_QUANTIZATION } from "../../quantize/quantized-model.js";
import { lazyAction } from "../lazy-action.js";
import { InputError } from "../../errors.js";
import { intOption } from "../parse.js";

function targetOption(v: string): "accuracy" | "resources" {
  if (v !== "accuracy" && v !== "resources") throw new InputError(`--target must be accuracy or resources, got "${v}"`);
  return v;
}

export interface ModelCompileOptions {
  calib: string;
  test?: string;
  ptau?: string;
  setup: boolean;
  inputBits?: number;
  weightBits?: number;
  activationBits?: number;
  target: "accuracy" | "resources";
  minAgreement?: number;
  layerSteps?: number;
}

/** A share in (0, 1], written 0.995 or 99.5%. */
function shareOption(name: string) {
  return (v: string): number => {
    const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(v.trim());
    const n = m ? Number(m[1]) / (m[2] ? 100 : 1) : NaN;
    if (!(n > 0 && n <= 1)) throw new InputError(`${name} must be a share in (0, 1] (0.995 or 99.5%), got "${v}"`);
    return n;
  };
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
      "--target <accuracy|resources>",
      "how bit widths are chosen: accuracy (the fewest predicted constraints whose labels / values agree with " +
        "the float model on the calibration inputs: a model-wide setting, then single layers narrowed; default) " +
        "or resources (the cheapest setting)",
      targetOption,
      "accuracy",
    )
    .option("--min-agreement <share>", "the accuracy target (default 99.5%)", shareOption("--min-agreement"))
    .option(
      "--layer-steps <n>",
      "evaluations the per-layer narrowing may spend (default 48; 0: model-wide widths only)",
      intOption("--layer-steps", 0, 10_000),
    )
    .option(
      "--input-bits <n>",
      `bits of the quantized input (given widths skip the search; default ${DEFAULT_QUANTIZATION.inputBits})`,
      intOption("--input-bits", 2, 36),
    )
    .option(
      "--weight-bits <n>",
      `signed bits of weights (default ${DEFAULT_QUANTIZATION.weightBits})`,
      intOption("--weight-bits", 2, 16),
    )
    .option(
      "--activation-bits <n>",
      `signed bits activations are scaled to (default ${DEFAULT_QUANTIZATION.activationBits})`,
      intOption("--activation-bits", 2, 24),
    )
    .action(lazyAction(() => import("../actions/model-compile.js")));
}
