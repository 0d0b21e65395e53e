// The constraint count of a quantized model's circuit, predicted without compiling it: what the
// bit-width search (./bit-search.ts) minimises and `assay model compile` reports before circom
// runs. Each part follows the Cost line of the template it instantiates (circuits/*.circom):
//
//   input   TensorCommit: one boolean per input bit (inputBits per element)
//   layers  each kind's core (prover/kinds/*: max pooling, products, Softmax, LayerNorm, trees,
//           embeddings; dense / conv / add / data movement are linear, removed by --O2) plus its
//           per-element step (rescale digits, ReLU / Clip / LeakyRelu products, Sigmoid / Tanh
//           decoders), as the quantizer priced them
//   head    ArgMax: N booleans + N products + N * (BITS + 1) digits per group
//   commit  the Poseidon permutations of the input commitment, and of the output's when it does
//           not fit one word: 603 constraints each (fewer when zero padding folds constants away)
//
// test/prover/circuit/emit.test.ts holds the prediction against circom's count for every layer
// kind, test/e2e/proof-spine.test.ts for a whole model with its commitment. (The label width below
// is circuit/encodings.ts outputEncoding's, which this floor cannot import.)
import { CHAIN_RATE, fitsOneWord, valuesPerWord } from "../commit/tensor-commitment.js";
import type { QuantizedModel } from "../quantize/quantized-model.js";

/** Constraints of one Poseidon permutation of width 17 (circomlib, measured by test/circuits/commit.test.ts). */
export const POSEIDON_PERMUTATION = 603;

/** Permutations of a chain over a salt or zero word and the words of n values of `bits` each. */
export function chainPermutations(n: number, bits: number): number {
  return Math.ceil((1 + Math.ceil(n / valuesPerWord(bits))) / CHAIN_RATE);
}

/** Predicted constraints of `q`'s circuit, given each layer's own price (core + step). */
export function estimateConstraints(q: QuantizedModel, layerCosts: readonly number[]): number {
  const n = q.input.shape.reduce((a, b) => a * b, 1);
  let total = n * q.config.inputBits + POSEIDON_PERMUTATION * chainPermutations(n, q.config.inputBits);
  for (const c of layerCosts) total += c;
  const size = q.output.valueShape.reduce((a, b) => a * b, 1);
  if (q.output.head === "argmax") {
    const length = q.output.valueShape[q.output.headSpec.axis] ?? 1;
    total += size * (q.output.bits + 3);
    const groups = size / length;
    const labelBits = Math.max(1, Math.ceil(Math.log2(length)));
    if (groups > 1 && !fitsOneWord({ n: groups, bits: labelBits, offset: 0n }))
      total += POSEIDON_PERMUTATION * chainPermutations(groups, labelBits);
  } else if (!fitsOneWord({ n: size, bits: q.output.bits, offset: 0n })) {
    total += POSEIDON_PERMUTATION * chainPermutations(size, q.output.bits);
  }
  return total;
}
