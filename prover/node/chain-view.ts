// The node's reads of chain state, cached per block. A request needs the model version (status,
// allowed levels), whether the operator is staked, whether the enclave key may attest, perhaps a
// consumer contract's requiredLevel, and the chain's time: without a cache that is five or more
// round trips per request, each the same answer for every request in the same block. Here every
// read is memoized by (block hash, what was read), and the head itself is fetched at most once
// per `headMaxAgeMs` (concurrent requests share one fetch). With headMaxAgeMs = 0 (the default on a
// development chain, where every transaction mines a block) the head is read per request and
// only the reads are shared; on a real chain a head up to ~1 s old is the same staleness any
// JSON-RPC provider's polling gives, and a change of state (a deprecated model, a slashed
// operator) is seen at the next block. Failed reads are not cached.
import type { Provider } from "ethers";

export interface ChainHead {
  number: number;
  /** Keys the cache: a reorg (or a development chain's revert) to the same height is a new block. */
  hash: string;
  /** Block timestamp, seconds. */
  timestamp: number;
}

export interface ChainViewOptions {
  /** How old a fetched head may be before it is fetched again (ms; 0: every time it is asked). */
  headMaxAgeMs?: number;
  /** Distinct reads remembered for the current block (oldest dropped beyond this). */
  maxEntries?: number;
}

export class ChainView {
  private headAt = 0;
  private headPromise?: Promise<ChainHead>;
  private block = "";
  private readonly reads = new Map<string, Promise<unknown>>();
  private readonly headMaxAgeMs: number;
  private readonly maxEntries: number;
  /** Round trips saved and made, for metrics and the bench. */
  readonly stats = { hits: 0, misses: 0, heads: 0 };

  constructor(
    private readonly provider: Provider,
    o: ChainViewOptions = {},
  ) {
    this.headMaxAgeMs = o.headMaxAgeMs ?? 0;
    this.maxEntries = o.maxEntries ?? 10_000;
    if (!(this.headMaxAgeMs >= 0)) throw new RangeError(`headMaxAgeMs must be >= 0, got ${o.headMaxAgeMs}`);
  }

  /** The latest block (number and timestamp), at most headMaxAgeMs old. */
  head(): Promise<ChainHead> {
    const now = Date.now();
    if (this.headPromise && (now - this.headAt < this.headMaxAgeMs || this.headPending)) return this.headPromise;
    this.headAt = now;
    this.headPending = true;
    this.stats.heads++;
    const p = this.provider.getBlock("latest").then(
      (b) => {
        this.headPending = false;
        if (!b) throw new Error("the chain returned no latest block");
        return { number: b.number, hash: b.hash ?? String(b.number), timestamp: b.timestamp };
      },
      (e) => {
        this.headPending = false;
        if (this.headPromise === p) this.headPromise = undefined;
        throw e;
      },
    );
    this.headPromise = p;
    return p;
  }

  private headPending = false;

  /** Forgets the head, so the next read sees the chain as it is now (after this node's own transaction). */
  invalidate(): void {
    this.headPromise = undefined;
    this.headAt = 0;
  }

  /**
   * `read()`'s value at the current head (or at `at`, a head the caller already fetched: one
   * request reads the head once), shared by every caller in the same block.
   */
  async read<T>(key: string, read: () => Promise<T>, at?: ChainHead): Promise<T> {
    const { hash } = at ?? (await this.head());
    if (hash !== this.block) {
      this.block = hash;
      this.reads.clear();
    }
    const hit = this.reads.get(key);
    if (hit) {
      this.stats.hits++;
      return hit as Promise<T>;
    }
    this.stats.misses++;
    const p = read().catch((e) => {
      if (this.reads.get(key) === p) this.reads.delete(key);
      throw e;
    });
    if (this.reads.size >= this.maxEntries) this.reads.delete(this.reads.keys().next().value!);
    this.reads.set(key, p);
    return p;
  }
}
