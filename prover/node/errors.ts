// Errors of the inference node. Each carries the facts a caller needs and a `kind` that a
// transport maps to its own status (server.ts: HTTP); the service itself knows no transport.
import { AssayError } from "../errors.js";

export type NodeErrorKind =
  /** The request is malformed or its values are invalid (HTTP 400). */
  | "invalid"
  /** A named model or claim does not exist here (404). */
  | "not-found"
  /** Well-formed but cannot be served as asked, e.g. a level below the policy's (422). */
  | "unprocessable"
  /** The request conflicts with on-chain state, e.g. a deprecated model (409). */
  | "conflict"
  /** The node cannot serve it right now, e.g. it is shutting down (503). */
  | "unavailable"
  /** The chain rejected or failed a transaction (502). */
  | "chain"
  /** The node itself is at fault, e.g. its enclave and its circuit disagree (500). */
  | "internal";

export class NodeError extends AssayError {
  constructor(
    readonly kind: NodeErrorKind,
    message: string,
  ) {
    super(message);
  }
}

export class BadRequestError extends NodeError {
  constructor(message: string) {
    super("invalid", message);
  }
}

export class UnknownModelIdError extends NodeError {
  constructor(
    readonly model: string,
    readonly served: readonly string[],
  ) {
    super("not-found", `unknown model "${model}" (this node serves: ${served.join(", ") || "none"})`);
  }
}

export class UnknownClaimError extends NodeError {
  constructor(readonly claimId: string) {
    super("not-found", `unknown claim ${claimId}`);
  }
}

/** The caller asked for a level below what the policy requires for the value at risk. */
export class LevelTooLowError extends NodeError {
  constructor(
    readonly requested: string,
    readonly required: string,
    readonly valueAtRisk: bigint,
    readonly policy: string,
  ) {
    super(
      "unprocessable",
      `level ${requested} is below the required level ${required} for value at risk ${valueAtRisk} (${policy})`,
    );
  }
}

/** The model or this node cannot give the level asked for (or any level the policy accepts). */
export class LevelUnavailableError extends NodeError {
  constructor(
    readonly level: string,
    readonly modelId: string,
    readonly reason: string,
  ) {
    super("unprocessable", `level ${level} is not available for model ${modelId}: ${reason}`);
  }
}

export class ModelInactiveError extends NodeError {
  constructor(
    readonly modelId: string,
    readonly status: string,
  ) {
    super("conflict", `model ${modelId} is ${status}: it accepts no new claims`);
  }
}

/** The consumer contract's policy could not be read. */
export class ConsumerPolicyError extends NodeError {
  constructor(
    readonly consumer: string,
    reason: string,
  ) {
    super("unprocessable", `cannot read the policy of consumer ${consumer}: ${reason}`);
  }
}

export class NodeClosedError extends NodeError {
  constructor() {
    super("unavailable", "the node is shutting down");
  }
}

/** A transaction reverted (`reason` names the custom error and its arguments when known). */
export class ChainTransactionError extends NodeError {
  constructor(
    readonly action: string,
    readonly reason: string,
  ) {
    super("chain", `${action} failed on chain: ${reason}`);
  }
}
