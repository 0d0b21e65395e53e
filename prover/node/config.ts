// The node's configuration and its defaults. Values at risk are in the consumer's unit (wei by
// default): the node's own thresholds apply only when a request names no consumer contract.
import { parseEther } from "ethers";
import { checkProvenBatch, DEFAULT_PROVEN_BATCH, type ProvenBatchConfig } from "./proven-batcher.js";
import { checkThresholds, type PolicyThresholds } from "./routing.js";

export interface BatchConfig {
  /** Post a root once this many Signed claims wait. */
  size: number;
  /** ... or this long (ms) after the first one arrived. */
  intervalMs: number;
}

export interface NodeConfig {
  /** Thresholds used when a request names no consumer (ConsequencePolicy semantics). */
  policy: PolicyThresholds;
  /** Batch Signed claims into Merkle roots; null submits each with submitSigned. */
  batch: BatchConfig | null;
  /** Submit proven claims in batches (prover/node/proven-batcher.ts); null submits each alone. */
  provenBatch: ProvenBatchConfig | null;
  /** Proofs computed at once. */
  proveConcurrency: number;
  /** Attempts per proof job before it is marked failed. */
  proveAttempts: number;
  /** Claim deadline: this many seconds after the request. */
  claimTtlSeconds: number;
  /**
   * How old the chain head behind cached reads may be (ms; chain-view.ts). Undefined: 0 on a
   * development chain (every transaction mines a block), 1000 elsewhere.
   */
  chainReadMaxAgeMs?: number;
}

export const DEFAULT_NODE_CONFIG: NodeConfig = {
  policy: { signedMax: parseEther("1"), attestedMax: parseEther("100") },
  batch: { size: 32, intervalMs: 2_000 },
  provenBatch: DEFAULT_PROVEN_BATCH,
  proveConcurrency: 1,
  proveAttempts: 3,
  claimTtlSeconds: 24 * 3600,
};

export function resolveConfig(partial: Partial<NodeConfig> = {}): NodeConfig {
  const c: NodeConfig = { ...DEFAULT_NODE_CONFIG, ...partial };
  checkThresholds(c.policy);
  if (c.batch) {
    if (!Number.isInteger(c.batch.size) || c.batch.size < 1)
      throw new RangeError(`batch size must be an integer >= 1, got ${c.batch.size}`);
    if (!(c.batch.intervalMs >= 1)) throw new RangeError(`batch interval must be >= 1 ms, got ${c.batch.intervalMs}`);
  }
  if (c.provenBatch) checkProvenBatch(c.provenBatch);
  if (!Number.isInteger(c.proveConcurrency) || c.proveConcurrency < 1)
    throw new RangeError(`prove concurrency must be an integer >= 1, got ${c.proveConcurrency}`);
  if (!Number.isInteger(c.claimTtlSeconds) || c.claimTtlSeconds < 60)
    throw new RangeError(`claim ttl must be at least 60 s, got ${c.claimTtlSeconds}`);
  return c;
}

/** Who may use the HTTP API and how much (prover/node/auth.ts; `assay node start --help`). */
export interface AccessLimits {
  /** Requests per minute to POST /v1/infer, per API key (per client address on an open node). */
  ratePerMinute: number;
  /** Proof jobs queued or running at once, per API key (per client address on an open node). */
  proofJobsPerKey: number;
}

export const DEFAULT_ACCESS_LIMITS: AccessLimits = { ratePerMinute: 60, proofJobsPerKey: 4 };
