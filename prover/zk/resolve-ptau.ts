// Which powers-of-tau file a Groth16 setup uses: the user's real ceremony when given (checked),
// otherwise a cached development ceremony (UNSAFE FOR PRODUCTION, generated on first use).
import { resolve } from "node:path";
import type { DevPtauProgress } from "./dev-ptau.js";
import { DEV_PTAU_MIN_POWER } from "./dev-ptau.js";
import { ensureDevPtau } from "./ptau-cache.js";
import { checkPtauFile } from "./ptau-file.js";

export interface ResolvePtauOptions {
  /** A real ceremony file (BN254, prepared for phase 2). Checked, never modified. */
  ptau?: string;
  /** The circuit needs 2^minPower points: see groth16PtauPower. */
  minPower: number;
  /** Cache root for development ceremonies (see ptau-cache.ts). */
  cacheDir?: string;
  onProgress?: (progress: DevPtauProgress) => void;
}

/**
 * The power snarkjs `zkey new` (Groth16 setup) requires of a ceremony for a circuit:
 * floor(log2(constraints + public signals)) + 1, public signals being public inputs and outputs.
 * (zkey new returns -1 instead of throwing when the ceremony is smaller.)
 */
export function groth16PtauPower(circuit: { constraints: number; publicSignals: number }): number {
  const n = circuit.constraints + circuit.publicSignals;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`circuit size ${n} must be a positive integer`);
  return Math.floor(Math.log2(n)) + 1;
}

/**
 * Path of a ceremony usable for a circuit needing 2^minPower points. A user file that is not a
 * BN254 .ptau, is smaller than 2^minPower or lacks the phase-2 sections is rejected with
 * PtauFileError, PtauTooSmallError or PtauNotPreparedError. Without a user file, returns the
 * cached development ceremony of that power (at least 2^1), creating it if needed: UNSAFE FOR
 * PRODUCTION.
 */
export async function resolvePtau(options: ResolvePtauOptions): Promise<string> {
  const { ptau, minPower } = options;
  if (!Number.isInteger(minPower) || minPower < 0)
    throw new RangeError(`minPower ${minPower} must be a non-negative integer`);
  if (ptau !== undefined) {
    const path = resolve(ptau);
    await checkPtauFile(path, minPower);
    return path;
  }
  return ensureDevPtau(Math.max(minPower, DEV_PTAU_MIN_POWER), {
    cacheDir: options.cacheDir,
    onProgress: options.onProgress,
  });
}
