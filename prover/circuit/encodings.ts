// The tensor encodings a quantized model's circuit commits to: the input (range-checked and
// committed with a salt) and the public output (one packed word when it fits, else a hash).
import { type TensorEncoding, fitsOneWord } from "../commit/tensor-commitment.js";
import type { QuantizedModel } from "../quantize/quantized-model.js";

export function inputEncoding(q: QuantizedModel): TensorEncoding {
  const n = q.input.shape.reduce((a, b) => a * b, 1);
  const bits = q.config.inputBits;
  return { n, bits, offset: q.input.signed ? 1n << BigInt(bits - 1) : 0n };
}

/** Encoding of the public output: the logits, or the label when the model ends in ArgMax. */
export function outputEncoding(q: QuantizedModel): TensorEncoding {
  const last = q.layers[q.layers.length - 1];
  if (q.output.head === "argmax") {
    let bits = 1;
    while (2 ** bits < last.outFeatures) bits++;
    return { n: 1, bits, offset: 0n };
  }
  return { n: last.outFeatures, bits: last.bits, offset: 1n << BigInt(last.bits - 1) };
}

export function outputIsWord(q: QuantizedModel): boolean {
  return fitsOneWord(outputEncoding(q));
}
