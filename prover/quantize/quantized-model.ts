// The quantized model: the integer spec that the evaluator runs and the circuit proves.
// JSON-serializable (bigints as decimal strings) and versioned.
import type { OutputHead } from "../model/float-graph.js";

export const QUANTIZED_MODEL_FORMAT = "assay.quantized-model";
export const QUANTIZED_MODEL_VERSION = 1;

/** Fixed-point encoding of a tensor: real = int / 2^frac; ints lie in [min, max]. */
export interface FixedPointTensor {
  shape: number[];
  /** Fractional bits: the scale is 2^frac (may be negative for huge ranges). */
  frac: number;
  /** Inclusive integer range every element is guaranteed (input: clamped) to lie in. */
  min: number;
  max: number;
}

export interface DenseLayer {
  kind: "dense";
  inFeatures: number;
  outFeatures: number;
  /** Row-major [out][in] integer weights at scale 2^wFrac. */
  weight: number[];
  /** Integer biases at scale 2^(inFrac + wFrac), rounding offset for the shift included. */
  bias: number[];
  wFrac: number;
  /** out = floor(acc / 2^shift) (then ReLU when `relu`). */
  shift: number;
  relu: boolean;
  /** Signed width of the quotient floor(acc / 2^shift) over every valid input (static bound). */
  bits: number;
  out: FixedPointTensor;
  /** Per-output static bounds of the layer output (after ReLU). */
  outMin: number[];
  outMax: number[];
  /**
   * Guaranteed bound on |float output - dequantized output| of this layer (real units), for any
   * input inside the calibrated input range (static bounds; measured errors are far smaller).
   */
  errorBound: number;
  nodes: string[];
}

export type QuantizedLayer = DenseLayer;

export interface QuantizationConfig {
  /** Bits of the quantized input (unsigned when calibration data is non-negative). */
  inputBits: number;
  /** Signed bits of weights. */
  weightBits: number;
  /** Signed bits the calibrated activation range is scaled to (headroom comes from static bounds). */
  activationBits: number;
}

export const DEFAULT_QUANTIZATION: QuantizationConfig = { inputBits: 8, weightBits: 8, activationBits: 10 };

export interface QuantizedModel {
  format: typeof QUANTIZED_MODEL_FORMAT;
  version: typeof QUANTIZED_MODEL_VERSION;
  config: QuantizationConfig;
  input: FixedPointTensor & { signed: boolean };
  layers: QuantizedLayer[];
  /** The logits (last layer output) and what the model applies after them. */
  output: FixedPointTensor & { head: OutputHead; errorBound: number };
  /** Names in the source ONNX model. */
  source: { inputName: string; outputName: string; opset: number };
}
