// The tensor encodings a quantized model's circuit commits to: the input (range-checked and
// committed with a salt) and the public output (one packed word when it fits, else a hash).
import { type TensorEncoding, fitsOneWord } from "../commit/tensor-commitment.js";
import { shapeSize } from "../model/float-graph.js";
import type { IntegerResult } from "../engine/evaluate.js";
import type { QuantizedModel } from "../quantize/quantized-model.js";

export function inputEncoding(q: QuantizedModel): TensorEncoding {
  const n = q.input.shape.reduce((a, b) => a * b, 1);
  const bits = q.config.inputBits;
  return { n, bits, offset: q.input.signed ? 1n << BigInt(bits - 1) : 0n };
}

/** ArgMax head: the number of groups and the length of the reduced axis. */
export function argmaxGroups(q: QuantizedModel): { groups: number; length: number; inner: number } {
  const shape = q.output.valueShape;
  const axis = q.output.headSpec.axis;
  const length = shape[axis] ?? 1;
  return { groups: shapeSize(shape) / length, length, inner: shapeSize(shape.slice(axis + 1)) };
}

/** Encoding of the public output: the values, or the labels when the model ends in ArgMax. */
export function outputEncoding(q: QuantizedModel): TensorEncoding {
  if (q.output.head === "argmax") {
    const { groups, length } = argmaxGroups(q);
    let bits = 1;
    while (2 ** bits < length) bits++;
    return { n: groups, bits, offset: 0n };
  }
  return { n: shapeSize(q.output.valueShape), bits: q.output.bits, offset: 1n << BigInt(q.output.bits - 1) };
}

export function outputIsWord(q: QuantizedModel): boolean {
  return fitsOneWord(outputEncoding(q));
}

/** The values the public output encodes for an evaluation: labels (ArgMax head) or output values. */
export function outputValues(q: QuantizedModel, r: IntegerResult): bigint[] {
  return q.output.head === "argmax" ? r.labels.map(BigInt) : r.logits;
}

/** True when the public output is the single label itself (not a packed word or a hash). */
export function outputIsLabel(q: QuantizedModel): boolean {
  return q.output.head === "argmax" && argmaxGroups(q).groups === 1;
}
