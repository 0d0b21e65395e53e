// Typed errors for powers-of-tau files, carrying the facts a user needs to fix the input.
import { AssayError } from "../errors.js";

/** The file is unreadable, not a .ptau, not BN254, or its sections are inconsistent. */
export class PtauFileError extends AssayError {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
  }
}

/** The ceremony has fewer powers than the circuit needs. */
export class PtauTooSmallError extends AssayError {
  constructor(
    readonly path: string,
    readonly power: number,
    readonly requiredPower: number,
  ) {
    super(
      `${path}: ceremony has 2^${power} powers, the circuit needs 2^${requiredPower}; ` +
        `use a ceremony file of power >= ${requiredPower}`,
    );
  }
}

/** The ceremony lacks the phase-2 Lagrange sections (12..15) Groth16 setup reads. */
export class PtauNotPreparedError extends AssayError {
  constructor(
    readonly path: string,
    readonly power: number,
  ) {
    super(
      `${path}: ceremony (power ${power}) is not prepared for phase 2; ` +
        'run `snarkjs powersoftau prepare phase2 <in> <out>` or use a prepared ("_final") file',
    );
  }
}

/** A development ceremony was requested with a power this generator does not produce. */
export class PtauPowerError extends AssayError {
  constructor(
    readonly power: number,
    readonly min: number,
    readonly max: number,
  ) {
    super(`powers-of-tau power ${power} outside ${min}..${max}`);
  }
}
