// Integer semantics of every nonlinear step. This file is the spec the circuits implement:
// circuits/*.circom templates must agree with these functions bit for bit on their domains.

/** Thrown when a value leaves the range a layer was compiled for (the circuit would be unsatisfiable). */
export class IntRangeError extends Error {
  constructor(readonly what: string, readonly value: bigint, readonly bits: number, readonly signed: boolean) {
    const lo = signed ? -(1n << BigInt(bits - 1)) : 0n;
    const hi = signed ? (1n << BigInt(bits - 1)) - 1n : (1n << BigInt(bits)) - 1n;
    super(`${what}: ${value} is outside [${lo}, ${hi}] (${bits}-bit ${signed ? "signed" : "unsigned"})`);
    this.name = "IntRangeError";
  }
}

/** floor(x / 2^shift) for any integer x (arithmetic shift; rounds toward -infinity). */
export function floorShift(x: bigint, shift: number): bigint {
  return x >> BigInt(shift);
}

/** Checks -2^(bits-1) <= x < 2^(bits-1). */
export function checkSigned(what: string, x: bigint, bits: number): bigint {
  const half = 1n << BigInt(bits - 1);
  if (x < -half || x >= half) throw new IntRangeError(what, x, bits, true);
  return x;
}

/** Checks 0 <= x < 2^bits. */
export function checkUnsigned(what: string, x: bigint, bits: number): bigint {
  if (x < 0n || x >= 1n << BigInt(bits)) throw new IntRangeError(what, x, bits, false);
  return x;
}

/**
 * Template FloorShift(SHIFT, BITS): out = floor(in / 2^SHIFT), with out a BITS-bit signed integer.
 * Inputs whose quotient does not fit make the circuit unsatisfiable; here they throw.
 */
export function rescale(x: bigint, shift: number, bits: number): bigint {
  return checkSigned("rescale", floorShift(x, shift), bits);
}

/** Template FloorShiftRelu(SHIFT, BITS): out = max(0, floor(in / 2^SHIFT)), quotient BITS-bit signed. */
export function rescaleRelu(x: bigint, shift: number, bits: number): bigint {
  const q = rescale(x, shift, bits);
  return q > 0n ? q : 0n;
}

/** Template ArgMax(N, BITS): index of the first maximum (ONNX ArgMax with select_last_index = 0). */
export function argmax(xs: readonly bigint[]): number {
  if (xs.length === 0) throw new Error("argmax of an empty tensor");
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i] > xs[best]) best = i;
  return best;
}
