// Sends the node's transactions one at a time (each is handed to the chain before the next is
// built, so nonces never collide however many requests, batches and proof jobs run at once) and
// turns reverts into ChainTransactionError naming the contract's custom error and arguments.
import type { ContractTransactionResponse, Interface } from "ethers";
import type { TxInfo } from "./claim-store.js";
import { ChainTransactionError } from "./errors.js";

export class TxSender {
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly iface: Interface) {}

  async send(action: string, build: () => Promise<ContractTransactionResponse>): Promise<TxInfo> {
    const previous = this.tail;
    let release!: () => void;
    this.tail = new Promise((r) => (release = r));
    await previous;
    let tx: ContractTransactionResponse;
    try {
      tx = await build();
    } catch (e) {
      throw new ChainTransactionError(action, this.reason(e));
    } finally {
      release();
    }
    let receipt;
    try {
      receipt = await tx.wait();
    } catch (e) {
      throw new ChainTransactionError(action, this.reason(e));
    }
    if (!receipt || receipt.status !== 1) throw new ChainTransactionError(action, `transaction ${tx.hash} reverted`);
    return { hash: receipt.hash, blockNumber: receipt.blockNumber, gasUsed: receipt.gasUsed };
  }

  /** `Name(arg, ...)` of a custom error, else the provider's short message. */
  reason(e: unknown): string {
    const err = e as {
      revert?: { name: string; args: unknown[] };
      data?: string;
      shortMessage?: string;
      message?: string;
      info?: { error?: { data?: string } };
    };
    if (err.revert?.name) return `${err.revert.name}(${err.revert.args.map(String).join(", ")})`;
    for (const data of [err.data, err.info?.error?.data]) {
      if (typeof data !== "string" || data.length < 10) continue;
      try {
        const parsed = this.iface.parseError(data);
        if (parsed) return `${parsed.name}(${parsed.args.map(String).join(", ")})`;
      } catch {
        // not one of ours
      }
    }
    return err.shortMessage ?? err.message ?? String(e);
  }
}
