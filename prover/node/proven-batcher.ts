// Proven claims submitted in batches: proof jobs hand their proofs here, and the batcher sends
// one `submitProvenBatch` (one pairing check for every proof: Groth16Verifier.verifyBatch) when
//   - `size` proofs wait, or
//   - no proof is being computed (nothing could join: a lone proof is not held back), or
//   - `waitMs` passed since the first one arrived.
// A batch of one goes out as `submitProven`. If a batch transaction fails (one bad proof fails all
// of it, or a claim was proven elsewhere meanwhile), its proofs are sent one by one, so each job
// gets its own outcome. Proving is gated here too (`proveSlots` at once), so a job waiting for its
// batch does not hold a proving slot: the queue may run `proveSlots + size - 1` jobs at once.
import type { Contract } from "ethers";
import type { Claim } from "../chain/claim.js";
import { type Log, logToStderr } from "../durable-file.js";
import type { ProofCalldata } from "../zk/vkey-encoding.js";
import type { TxInfo } from "./claim-store.js";
import type { TxSender } from "./tx-sender.js";

export interface ProvenBatchConfig {
  /** Send once this many proofs wait (1..64; 1 sends every proof alone). */
  size: number;
  /** ... or this long (ms) after the first one arrived. */
  waitMs: number;
}

export const DEFAULT_PROVEN_BATCH: ProvenBatchConfig = { size: 16, waitMs: 2_000 };

/** The contract's limit (ReceiptHub.MAX_PROVEN_BATCH). */
export const MAX_PROVEN_BATCH = 64;

export function checkProvenBatch(c: ProvenBatchConfig): ProvenBatchConfig {
  if (!Number.isInteger(c.size) || c.size < 1 || c.size > MAX_PROVEN_BATCH)
    throw new RangeError(`proven batch size must be an integer in 1..${MAX_PROVEN_BATCH}, got ${c.size}`);
  if (!(c.waitMs >= 0)) throw new RangeError(`proven batch wait must be >= 0 ms, got ${c.waitMs}`);
  return c;
}

/** The batch configuration a --proven-batch-size / --proven-batch-wait pair asks for (size 1: none). */
export function provenBatchFromOptions(o: {
  provenBatchSize: number;
  provenBatchWait: number;
}): ProvenBatchConfig | null {
  return o.provenBatchSize === 1 ? null : checkProvenBatch({ size: o.provenBatchSize, waitMs: o.provenBatchWait });
}

interface Pending {
  claim: Claim;
  proof: ProofCalldata;
  resolve: (tx: TxInfo) => void;
  reject: (e: unknown) => void;
}

export interface ProvenBatcherOptions extends ProvenBatchConfig {
  hub: Contract;
  sender: TxSender;
  /** Proofs computed at once (the queue's proving concurrency). */
  proveSlots: number;
  log?: Log;
}

export class ProvenBatcher {
  private readonly pending: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private inProgress = 0;
  private readonly waiting: (() => void)[] = [];
  private sending: Promise<void> = Promise.resolve();

  constructor(private readonly o: ProvenBatcherOptions) {
    checkProvenBatch(o);
    if (!Number.isInteger(o.proveSlots) || o.proveSlots < 1)
      throw new RangeError(`prove slots must be an integer >= 1, got ${o.proveSlots}`);
  }

  /** Jobs the queue should run at once so that a full batch can form while proofs run. */
  static queueConcurrency(proveSlots: number, batch: ProvenBatchConfig | null): number {
    return proveSlots + (batch ? batch.size - 1 : 0);
  }

  /** Runs one proof when a proving slot is free, counted as in progress while it runs. */
  async proving<T>(prove: () => Promise<T>): Promise<T> {
    while (this.inProgress >= this.o.proveSlots) await new Promise<void>((r) => this.waiting.push(r));
    this.inProgress++;
    try {
      return await prove();
    } finally {
      this.inProgress--;
      this.waiting.shift()?.();
      // Nothing running now: what waits goes, after this proof's own submit (queued in the
      // microtasks that follow) has joined it; a failed proof joins nothing.
      if (this.inProgress === 0) {
        setImmediate(() => {
          if (this.inProgress === 0 && this.pending.length > 0) this.flushSoon();
        });
      }
    }
  }

  /** Records `claim` at Proven with `proof` (bound to the sender's account); resolves with the transaction. */
  submit(claim: Claim, proof: ProofCalldata): Promise<TxInfo> {
    return new Promise<TxInfo>((resolve, reject) => {
      this.pending.push({ claim, proof, resolve, reject });
      if (this.pending.length >= this.o.size || this.inProgress === 0) this.flushSoon();
      else this.timer ??= setTimeout(() => this.flushSoon(), this.o.waitMs);
    });
  }

  /** Sends what waits now; resolves when every batch sent so far has settled. */
  async close(): Promise<void> {
    while (this.pending.length > 0) this.flushSoon();
    await this.sending;
  }

  private flushSoon(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending.splice(0, this.o.size);
    if (batch.length === 0) return;
    this.sending = this.sending.then(() => this.send(batch));
    if (this.pending.length > 0) this.timer = setTimeout(() => this.flushSoon(), this.o.waitMs);
  }

  private async send(batch: Pending[]): Promise<void> {
    if (batch.length > 1) {
      try {
        const tx = await this.o.sender.send("submitProvenBatch", (fee) =>
          this.o.hub.submitProvenBatch(
            batch.map((p) => p.claim),
            batch.map((p) => p.proof),
            fee,
          ),
        );
        for (const p of batch) p.resolve({ ...tx, batchSize: batch.length });
        return;
      } catch (e) {
        (this.o.log ?? logToStderr)(
          `proven batch of ${batch.length} failed (${(e as Error).message}); sending its proofs one by one`,
        );
      }
    }
    for (const p of batch) {
      try {
        p.resolve(await this.o.sender.send("submitProven", (fee) => this.o.hub.submitProven(p.claim, p.proof, fee)));
      } catch (e) {
        p.reject(e);
      }
    }
  }
}
