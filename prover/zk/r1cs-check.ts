// Independent check that a witness satisfies a rank-1 constraint system:
// for every constraint, <A, w> * <B, w> - <C, w> == 0 mod P.
// This does not trust the witness generator: it is how tests show that a tampered witness is
// rejected by the constraints themselves (what a Groth16 prover/verifier would enforce).
import { readR1cs, type LinearCombination, type R1cs } from "./r1cs-file.js";

export type R1csCheckResult =
  | { ok: true }
  | {
      ok: false;
      /** Index of the first violated constraint (r1cs order). */
      constraintIndex: number;
      /** <A,w>, <B,w>, <C,w> at that constraint. */
      a: bigint;
      b: bigint;
      c: bigint;
    };

export class WitnessShapeError extends Error {
  constructor(readonly problem: string) {
    super(`witness does not fit the constraint system: ${problem}`);
    this.name = "WitnessShapeError";
  }
}

function evaluate(lc: LinearCombination, w: readonly bigint[], p: bigint): bigint {
  let acc = 0n;
  const { wires, coeffs } = lc;
  for (let i = 0; i < wires.length; i++) acc += coeffs[i] * w[wires[i]];
  return acc % p;
}

/**
 * Checks every constraint. The witness must have exactly nWires canonical entries (< P) with
 * w[0] = 1; otherwise WitnessShapeError (a malformed witness is a caller bug, not a failed check).
 */
export async function checkR1cs(r1cs: string | R1cs, witness: readonly bigint[]): Promise<R1csCheckResult> {
  const sys = typeof r1cs === "string" ? await readR1cs(r1cs) : r1cs;
  return checkR1csSync(sys, witness);
}

export function checkR1csSync(sys: R1cs, witness: readonly bigint[]): R1csCheckResult {
  const p = sys.prime;
  if (witness.length !== sys.nWires) {
    throw new WitnessShapeError(`${witness.length} values for ${sys.nWires} wires`);
  }
  for (let i = 0; i < witness.length; i++) {
    const v = witness[i];
    if (typeof v !== "bigint" || v < 0n || v >= p)
      throw new WitnessShapeError(`entry ${i} (${v}) is not a canonical field element`);
  }
  if (witness[0] !== 1n) throw new WitnessShapeError(`entry 0 is ${witness[0]}, not 1`);
  for (let k = 0; k < sys.constraints.length; k++) {
    const { a: la, b: lb, c: lc } = sys.constraints[k];
    const a = evaluate(la, witness, p);
    const b = la.wires.length === 0 ? 0n : evaluate(lb, witness, p);
    const c = evaluate(lc, witness, p);
    if ((a * b - c) % p !== 0n) return { ok: false, constraintIndex: k, a, b, c };
  }
  return { ok: true };
}
