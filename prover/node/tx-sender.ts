// Sends the node's transactions one at a time (each is handed to the chain before the next is
// built, so nonces never collide however many requests, batches and proof jobs run at once) and
// turns reverts into ChainTransactionError naming the contract's custom error and arguments.
//
// With the provider at hand it also spares each transaction two round trips: the fee is read at
// most once per `feeMaxAgeMs` (ethers' maxFeePerGas is twice the base fee plus the tip, which
// stays valid for several blocks of base-fee growth; a transaction refused for its fee is rebuilt
// once with a fresh fee), and the receipt is asked for directly (a mined transaction's receipt is
// its first confirmation; ethers' wait() would also read the block number).
import type { ContractTransactionResponse, FeeData, Interface, Overrides, Provider } from "ethers";
import type { TxInfo } from "./claim-store.js";
import { ChainTransactionError } from "./errors.js";

export interface TxSenderOptions {
  /** Reads fees and receipts; without it every transaction reads its own fee and waits with ethers. */
  provider?: Provider;
  /** How long a fee read is reused (ms). */
  feeMaxAgeMs?: number;
}

/** Builds the transaction with the fee overrides the sender chose (none when it has no provider). */
export type TxBuild = (overrides: Overrides) => Promise<ContractTransactionResponse>;

const FEE_REFUSED = /underpriced|fee cap|base ?fee|max ?fee|fee too low/i;

export class TxSender {
  private tail: Promise<void> = Promise.resolve();
  private fee?: { at: number; value: Promise<Overrides> };
  private readonly provider?: Provider;
  private readonly feeMaxAgeMs: number;

  constructor(
    private readonly iface: Interface,
    o: TxSenderOptions = {},
  ) {
    this.provider = o.provider;
    this.feeMaxAgeMs = o.feeMaxAgeMs ?? 1000;
  }

  async send(action: string, build: TxBuild): Promise<TxInfo> {
    const previous = this.tail;
    let release!: () => void;
    this.tail = new Promise((r) => (release = r));
    await previous;
    let tx: ContractTransactionResponse;
    try {
      tx = await this.build(build);
    } catch (e) {
      throw new ChainTransactionError(action, this.reason(e));
    } finally {
      release();
    }
    let receipt;
    try {
      receipt = (await this.provider?.getTransactionReceipt(tx.hash)) ?? (await tx.wait());
    } catch (e) {
      throw new ChainTransactionError(action, this.reason(e));
    }
    if (!receipt || receipt.status !== 1) throw new ChainTransactionError(action, `transaction ${tx.hash} reverted`);
    return { hash: receipt.hash, blockNumber: receipt.blockNumber, gasUsed: receipt.gasUsed };
  }

  private async build(build: TxBuild): Promise<ContractTransactionResponse> {
    if (!this.provider) return build({});
    const cached = this.fee !== undefined && Date.now() - this.fee.at < this.feeMaxAgeMs;
    try {
      return await build(await this.fees());
    } catch (e) {
      if (!cached || !FEE_REFUSED.test(this.reason(e))) throw e;
      this.fee = undefined; // the chain's fee moved past the cached one: read it again, once
      return build(await this.fees());
    }
  }

  /** Fee overrides, read at most once per feeMaxAgeMs (concurrent callers share one read). */
  private fees(): Promise<Overrides> {
    const now = Date.now();
    if (this.fee && now - this.fee.at < this.feeMaxAgeMs) return this.fee.value;
    const value = this.provider!.getFeeData().then(overridesOf);
    const entry = { at: now, value };
    value.catch(() => {
      if (this.fee === entry) this.fee = undefined;
    });
    this.fee = entry;
    return value;
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

function overridesOf(f: FeeData): Overrides {
  if (f.maxFeePerGas !== null && f.maxPriorityFeePerGas !== null)
    return { maxFeePerGas: f.maxFeePerGas, maxPriorityFeePerGas: f.maxPriorityFeePerGas };
  if (f.gasPrice !== null) return { gasPrice: f.gasPrice };
  return {};
}
