// The canonical encoding of a fixed-point tensor to field elements, and its Poseidon commitment.
// The circuit template TensorCommit (circuits/commit.circom) and this module agree exactly;
// contracts only ever see the resulting field elements.
//
//   u_i   = v_i + OFFSET, required 0 <= u_i < 2^BITS           (range-checked in the circuit)
//   K     = floor(253 / BITS) values per word                     (K * BITS <= 253 < log2(P))
//   w_j   = sum_{t < K} u_{jK+t} * 2^(t * BITS)                   (injective: no wrap mod P)
//   seq   = [salt, w_0, ..., w_{m-1}]
//   h_0   = tensorTag(n, BITS, OFFSET)
//   h_k+1 = Poseidon16(h_k, seq[15k .. 15k+14])                   (zero padded)
//   commitment = h_last
//
// An output small enough to fit one word (n * BITS <= 253) is published as that word itself:
// no hash, and a contract can read every value with shifts and masks.
import type { buildPoseidon } from "circomlibjs";
import { checkUnsigned } from "../quantize/int-ops.js";

export const TENSOR_ENCODING_VERSION = 1;
export const WORD_BITS = 253;
export const CHAIN_RATE = 15;

export interface TensorEncoding {
  /** Number of values. */
  n: number;
  /** Bits per value after adding the offset. */
  bits: number;
  /** Added to every value so it becomes unsigned: 0 for unsigned data, 2^(bits-1) for signed. */
  offset: bigint;
}

export function valuesPerWord(bits: number): number {
  if (!Number.isInteger(bits) || bits < 1 || bits > WORD_BITS) throw new Error(`bad bit width ${bits}`);
  return Math.floor(WORD_BITS / bits);
}

/** Domain tag binding the encoding parameters (and the format version) into the commitment. */
export function tensorTag(enc: TensorEncoding): bigint {
  if (enc.n <= 0 || enc.n >= 2 ** 48) throw new Error(`bad tensor length ${enc.n}`);
  if (enc.offset < 0n || enc.offset >= 1n << 188n) throw new Error(`bad offset ${enc.offset}`);
  return BigInt(TENSOR_ENCODING_VERSION) + (BigInt(enc.bits) << 8n) + (BigInt(enc.n) << 16n) + (enc.offset << 64n);
}

/** Packs the values into words, checking each lies in its declared range. */
export function packWords(values: readonly bigint[], enc: TensorEncoding): bigint[] {
  if (values.length !== enc.n) throw new Error(`expected ${enc.n} values, got ${values.length}`);
  const k = valuesPerWord(enc.bits);
  const words: bigint[] = [];
  for (let j = 0; j * k < values.length; j++) {
    let w = 0n;
    for (let t = 0; t < k && j * k + t < values.length; t++) {
      const u = checkUnsigned(`tensor value ${j * k + t}`, values[j * k + t] + enc.offset, enc.bits);
      w += u << BigInt(t * enc.bits);
    }
    words.push(w);
  }
  return words;
}

/** Inverse of packWords. */
export function unpackWords(words: readonly bigint[], enc: TensorEncoding): bigint[] {
  const k = valuesPerWord(enc.bits);
  const mask = (1n << BigInt(enc.bits)) - 1n;
  const out: bigint[] = [];
  for (let i = 0; i < enc.n; i++) {
    const w = words[Math.floor(i / k)];
    out.push(((w >> BigInt((i % k) * enc.bits)) & mask) - enc.offset);
  }
  return out;
}

type Poseidon = Awaited<ReturnType<typeof buildPoseidon>>;
let poseidonP: Promise<Poseidon> | undefined;
/** circomlibjs's Poseidon, loaded on first use (the package takes ~0.5 s to import). */
function poseidon(): Promise<Poseidon> {
  return (poseidonP ??= import("circomlibjs").then((m) => m.buildPoseidon()));
}

/** Poseidon chain over `seq` starting from `tag`, 15 elements per permutation. */
export async function poseidonChain(tag: bigint, seq: readonly bigint[]): Promise<bigint> {
  const h = await poseidon();
  let state = tag;
  for (let i = 0; i < seq.length; i += CHAIN_RATE) {
    const block = seq.slice(i, i + CHAIN_RATE);
    while (block.length < CHAIN_RATE) block.push(0n);
    state = h.F.toObject(h([state, ...block])) as bigint;
  }
  return state;
}

/** Commitment to a tensor: hides the values when `salt` is random, binds them always. */
export async function commitTensor(values: readonly bigint[], enc: TensorEncoding, salt = 0n): Promise<bigint> {
  return poseidonChain(tensorTag(enc), [salt, ...packWords(values, enc)]);
}

/** True when the whole tensor fits one word, which is then published instead of a hash. */
export function fitsOneWord(enc: TensorEncoding): boolean {
  return enc.n * enc.bits <= WORD_BITS;
}

/** The public output signal: the packed word when it fits, else the unsalted commitment. */
export async function outputSignal(values: readonly bigint[], enc: TensorEncoding): Promise<bigint> {
  return fitsOneWord(enc) ? packWords(values, enc)[0] : commitTensor(values, enc, 0n);
}
