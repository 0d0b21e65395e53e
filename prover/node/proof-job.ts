// A proof job: prove one claim and record it at Proven. The payload holds everything a worker
// needs (a worker on another machine reads nothing else), and running it twice is harmless: a
// claim already Proven is reported, not proven again.
import type { Contract } from "ethers";
import { bindingFor } from "../chain/binding.js";
import type { Claim } from "../chain/claim.js";
import { LEVEL } from "../chain/protocol-client.js";
import type { CompiledModel } from "../compile-model.js";
import { type Log, logToStderr } from "../durable-file.js";
import { AssayError } from "../errors.js";
import { proveInference } from "../prove-inference.js";
import { encodeProof } from "../zk/vkey-encoding.js";
import type { ClaimStore, TxInfo } from "./claim-store.js";
import type { Job } from "./job-queue.js";
import type { ProvenBatcher } from "./proven-batcher.js";
import type { TxSender } from "./tx-sender.js";

export interface ProofJobPayload {
  claimId: string;
  modelId: string;
  circuitId: string;
  claim: Claim;
  input: number[];
  salt: bigint;
}

export interface ProofJobResult {
  /** The account bound into the proof (msg.sender of submitProven). */
  beneficiary: string;
  binding: bigint;
  /** The submitProven (or shared submitProvenBatch) transaction; null when the claim was already Proven. */
  transaction: TxInfo | null;
  proveMs: number;
}

export class ProofJobError extends AssayError {}

/** The proof job of a claim is keyed by its id: one job per claim, whoever queues it. */
export function proofJobKey(claimId: string): string {
  return claimId.toLowerCase();
}

export interface ProofWorkerDeps {
  hub: Contract;
  sender: TxSender;
  beneficiary: string;
  model(circuitId: string): CompiledModel | undefined;
  /** Submits proofs in batches (and gates proving); absent: each proof alone with submitProven. */
  batcher?: ProvenBatcher;
}

export function proofJobHandler(deps: ProofWorkerDeps) {
  return async (p: ProofJobPayload): Promise<ProofJobResult> => {
    if (Number(await deps.hub.levelOf(p.claimId)) === LEVEL.Proven) {
      return {
        beneficiary: deps.beneficiary,
        binding: bindingFor(p.claimId, deps.beneficiary),
        transaction: null,
        proveMs: 0,
      };
    }
    const model = deps.model(p.circuitId);
    if (!model) throw new ProofJobError(`proof job for ${p.claimId}: this node does not serve circuit ${p.circuitId}`);
    const binding = bindingFor(p.claimId, deps.beneficiary);
    let proveMs = 0;
    const prove = async () => {
      const t = performance.now();
      const out = await proveInference(model, p.input, { salt: p.salt, binding });
      proveMs = performance.now() - t;
      return out;
    };
    const proven = deps.batcher ? await deps.batcher.proving(prove) : await prove();
    if (proven.inputCommitment !== p.claim.inputCommitment || proven.output !== p.claim.output) {
      throw new ProofJobError(
        `proof job for ${p.claimId}: the proof's signals do not match the claim (input or model changed)`,
      );
    }
    const proof = encodeProof(proven.proof);
    const transaction = deps.batcher
      ? await deps.batcher.submit(p.claim, proof)
      : await deps.sender.send("submitProven", (fee) => deps.hub.submitProven(p.claim, proof, fee));
    return { beneficiary: deps.beneficiary, binding, transaction, proveMs };
  };
}

/**
 * Records a settled proof job in its claim's record (whichever process ran it: the node, `assay
 * worker`, `assay watch`): done -> "proven" with the submitProven transaction (kept as it was when
 * the claim was found already Proven), failed -> "failed" with the job's error, except that a
 * record already "proven" stays so. Never throws: a record missing from this database or
 * unreadable is logged, since the outcome stands on chain and in the queue whatever the record.
 */
export async function recordProofOutcome(
  store: ClaimStore,
  job: Job<ProofJobPayload, ProofJobResult>,
  log: Log = logToStderr,
): Promise<void> {
  if (job.state !== "done" && job.state !== "failed") return;
  const claimId = job.payload.claimId;
  try {
    await store.update(claimId, (r) => {
      if (job.state === "done") {
        r.status = "proven";
        if (job.result?.transaction) r.transaction = job.result.transaction;
        r.error = undefined;
      } else if (r.status !== "proven") {
        r.status = "failed";
        r.error = job.error;
      }
    });
  } catch (e) {
    log(`proof job ${job.id}: claim record ${claimId} not updated: ${(e as Error).message}`);
    return;
  }
  if (job.state === "failed") log(`proof job ${job.id} for claim ${claimId} failed: ${job.error}`);
}
