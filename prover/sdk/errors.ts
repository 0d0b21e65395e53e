// Errors of the SDK. Each says what went wrong in one line and carries the facts as fields; all
// are AssayErrors, so a caller can catch the package's errors with one `instanceof`.
import { AssayError } from "../errors.js";

/** The node answered a request with an error status; `message` is its one-line `{ error }`. */
export class AssayNodeError extends AssayError {
  constructor(
    /** HTTP status (400 bad request, 401 API key, 404 unknown, 409 chain state, 422 level, 429 limits, 5xx node). */
    readonly status: number,
    /** The node's own message. */
    readonly reason: string,
    /** What was asked, e.g. "POST /v1/infer". */
    readonly request: string,
  ) {
    super(`${request} -> ${status}: ${reason}`);
  }
}

/** The node could not be reached, or answered something that is not its API. */
export class AssayConnectionError extends AssayError {}

/** An argument of an SDK call is invalid; `argument` names it. */
export class AssayArgumentError extends AssayError {
  constructor(
    readonly argument: string,
    reason: string,
  ) {
    super(`${argument}: ${reason}`);
  }
}

/** A model name or id that cannot be resolved to a model version this node serves. */
export class ModelResolutionError extends AssayError {
  constructor(
    readonly model: string,
    reason: string,
  ) {
    super(`model "${model}": ${reason}`);
  }
}

/** The node's answer does not hold together (a claim id that is not its fields' EIP-712 digest). */
export class NodeAnswerError extends AssayError {}

/** `waitFor` gave up: the claim did not reach the level in time; `last` is what the node said last. */
export class WaitTimeoutError extends AssayError {
  constructor(
    readonly claimId: string,
    readonly level: string,
    readonly waitedMs: number,
    readonly lastState: string,
  ) {
    super(`claim ${claimId} did not reach ${level} within ${waitedMs} ms (last: ${lastState})`);
  }
}

/** The node gave up on a claim (its proof job failed for good), so it will not reach the level. */
export class ClaimFailedError extends AssayError {
  constructor(
    readonly claimId: string,
    readonly reason: string,
  ) {
    super(`claim ${claimId} failed at the node: ${reason}`);
  }
}

/** The claim's output is a Poseidon commitment (too many values for one field element): no values to read. */
export class OutputNotPackedError extends AssayError {}
