// Signed claims settle as Merkle roots: the batcher collects claim ids and posts the root of
// their tree (BatchTree + postBatch) when `size` claims are waiting or `intervalMs` after the
// first one arrived, whichever comes first; `close` posts what is left. A failed post keeps its
// claims for the next attempt.
//
// Batches are keyed on chain by (operator, root), so nobody else can take or block this node's
// root; `postOwnRoot` treats a root this operator already posted (a crash between posting and
// recording, then a restart that rebuilds the same tree) as posted, instead of retrying forever.
import type { Contract } from "ethers";
import { BatchTree } from "../chain/batch-tree.js";
import type { TxInfo } from "./claim-store.js";
import type { TxSender } from "./tx-sender.js";

export interface BatcherOptions {
  /** Post when this many claims wait (>= 1). */
  size: number;
  /** Post at most this long after the first waiting claim arrived (ms, >= 1). */
  intervalMs: number;
  /** Posts a root on chain. */
  post(root: string, size: number): Promise<TxInfo>;
  /** Called after a root is posted with the claim ids in leaf order. */
  onPosted(claimIds: string[], tree: BatchTree, tx: TxInfo): Promise<void>;
  /** A post failed; the claims stay queued. */
  onError(error: Error, claimIds: string[]): void;
}

export class SignedBatcher {
  private waiting: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly opts: BatcherOptions) {
    if (!Number.isInteger(opts.size) || opts.size < 1)
      throw new RangeError(`batch size must be an integer >= 1, got ${opts.size}`);
    if (!Number.isFinite(opts.intervalMs) || opts.intervalMs < 1)
      throw new RangeError(`batch interval must be >= 1 ms, got ${opts.intervalMs}`);
  }

  get pending(): number {
    return this.waiting.length;
  }

  add(claimId: string): void {
    this.waiting.push(claimId);
    if (this.waiting.length >= this.opts.size) void this.flush();
    else this.arm();
  }

  private arm(): void {
    if (this.timer || this.waiting.length === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.opts.intervalMs);
    this.timer.unref();
  }

  /** Posts everything waiting (in batches of at most `size`); resolves when done. */
  flush(): Promise<void> {
    this.chain = this.chain.then(() => this.postAll());
    return this.chain;
  }

  private async postAll(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    while (this.waiting.length > 0) {
      const ids = this.waiting.splice(0, this.opts.size);
      const tree = BatchTree.fromClaimIds(ids);
      let tx: TxInfo;
      try {
        tx = await this.opts.post(tree.root, ids.length);
      } catch (e) {
        this.waiting.unshift(...ids);
        this.opts.onError(e as Error, ids);
        this.arm();
        return;
      }
      // The root is on chain: these claims are never posted again, whatever recording them costs.
      await this.opts.onPosted(ids, tree, tx).catch((e) => this.opts.onError(e as Error, ids));
    }
  }

  /** Stops the timer and posts what is waiting. */
  async close(): Promise<void> {
    await this.flush();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/**
 * The batcher's `post` for `operator` on `hub`: sends postBatch unless `operator` already posted
 * the root, in which case it returns the earlier BatchPosted transaction.
 */
export function postOwnRoot(hub: Contract, sender: TxSender, operator: string): BatcherOptions["post"] {
  return async (root, size) => {
    const earlier = await alreadyPosted(hub, operator, root);
    if (earlier) return earlier;
    try {
      return await sender.send("postBatch", (fee) => hub.postBatch(root, size, fee));
    } catch (e) {
      // Another of our own transactions (a process that died after sending it) may have won.
      const raced = await alreadyPosted(hub, operator, root);
      if (raced) return raced;
      throw e;
    }
  };
}

async function alreadyPosted(hub: Contract, operator: string, root: string): Promise<TxInfo | null> {
  const batch = await hub.batchOf(operator, root);
  if (BigInt(batch.operator) === 0n) return null;
  const logs = await hub.queryFilter(hub.filters.BatchPosted(root, operator));
  const log = logs[logs.length - 1];
  if (!log) return { hash: "unknown (posted earlier)", blockNumber: 0, gasUsed: 0n };
  const receipt = await log.getTransactionReceipt();
  return { hash: log.transactionHash, blockNumber: log.blockNumber, gasUsed: receipt.gasUsed };
}
