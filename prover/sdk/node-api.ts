// The node's JSON as the SDK reads it. The API's own definition is the TypeBox schemas of
// prover/node/api-schema.ts; client.ts assigns every answer typed by those schemas to these types,
// so a change there that these no longer describe fails the typecheck. They are written out here
// so that the package's declarations a dApp compiles against stop at the SDK: the node's modules
// declare types from development-only packages (Hardhat's ethers plugin).

export type LevelName = "Signed" | "Attested" | "Proven";
/** What a request may ask for: at least this level, or "auto" (what the policy requires). */
export type LevelRequest = "auto" | "signed" | "attested" | "proven";
export type ClaimStatus = "batching" | "batched" | "recorded" | "proving" | "proven" | "failed";

export interface TxInfo {
  hash: string;
  blockNumber: number;
  /** Decimal. */
  gasUsed: string;
}

/** GET /v1/claims/:id: the node's record of a claim (never its input or salt). Big integers are decimal strings. */
export interface NodeClaimJson {
  claimId: string;
  /** The level given. */
  level: LevelName;
  /** The level the policy required (null: none). */
  requiredLevel: LevelName | null;
  policy: { source: "consumer" | "node"; consumer?: string; describe: string };
  valueAtRisk: string;
  status: ClaimStatus;
  modelId: string;
  circuitId: string;
  /** The claim as the hub records it. */
  claim: { modelId: string; inputCommitment: string; output: string; requestId: string; deadline: string };
  output: {
    /** The claim's public output (packed word, commitment or label). */
    signal: string;
    label: number;
    labels: number[];
    /** The classes the labels stand for, when the classifier names them. */
    classes?: (string | number)[];
    /** Fixed-point integers, decimal. */
    logits: string[];
    /** The logits as reals. */
    values: number[];
    /** Input values clamped into the calibrated range. */
    clamped: number;
  };
  /** Who signed: the operator (Signed) or the enclave key (Attested). */
  signer?: string;
  signature?: string;
  transaction?: TxInfo;
  /** The Merkle batch of a Signed claim (proof: for checkBatchedClaim / importBatchedClaim). */
  batch?: { root: string; index: number; size: number; proof: string[]; transaction: TxInfo };
  job?: { id: string; state: "queued" | "running" | "done" | "failed" | "unknown"; attempts?: number; error?: string };
  /** The hub's view now. */
  onChain?: { level: LevelName | "None"; final: boolean };
  error?: string;
  createdAt: string;
  updatedAt: string;
}

/** GET /healthz. */
export interface NodeHealth {
  ok: boolean;
  /** Decimal. */
  chainId: string;
  /** The AssayProtocol (receipt hub) address. */
  protocol: string;
  operator: string;
  enclave: string | null;
  /** Models served. */
  models: number;
  /** Signed claims waiting for a batch. */
  pendingBatch: number;
  /** The node's thresholds (decimal), for requests naming no consumer. */
  policy: { signedMax: string; attestedMax: string };
  batch: { size: number; intervalMs: number } | null;
  /** The challenge watcher (null: off). */
  challengeWatch: { running: boolean; [field: string]: unknown } | null;
}
