// The node defends its claims. A challenge of a Signed or Attested claim is lost by its backer
// unless a proof of the claimed output reaches the chain before the response deadline; an
// unattended honest claim would otherwise be slashed and the challenger would profit. The
// watcher follows the protocol's ClaimChallenged events and, for every challenged claim this
// node made (its ClaimStore holds the record, with the input and salt, whichever path took the
// claim on chain: its own submission, a batch root imported by anyone, the enclave), queues a
// proof of the claimed output in the node's persistent proof-job queue. The proof job calls
// submitProven with the same claim, which settles the dispute in the defender's favour: the
// claim becomes Proven and the challenger's bond is credited to the defender.
//
// Following: eth_getLogs over bounded block ranges from a persisted cursor (the last block fully
// scanned), polled, optionally `confirmations` blocks behind the head. With no cursor yet it
// starts at the first block of the last response window (any dispute opened earlier has already
// run out of time). Crash safety: a challenge is recorded in the state file together with the
// cursor that passed it (watcher-state.ts), and only then queued, so a restart re-finds
// everything not yet recorded and queues everything recorded but not queued; a second job for
// the same claim is harmless (the proof job reports a claim that is already Proven). Every
// state change is serialised on one promise chain, so scans and job results never interleave.
import { type Contract, formatEther, type Log, type Provider } from "ethers";
import { LEVEL } from "../chain/protocol-client.js";
import { AssayError } from "../errors.js";
import type { ClaimRecord } from "./claim-store.js";
import type { Job, JobQueue } from "./job-queue.js";
import { type ProofJobPayload, type ProofJobResult, proofJobKey } from "./proof-job.js";
import { type DefenceRecord, type DefenceState, type WatcherStateData, WatcherStateFile } from "./watcher-state.js";

export interface ChallengeWatchOptions {
  /** Scan from this block (again) instead of the saved cursor. */
  fromBlock?: number;
  /** Blocks to stay behind the head (default 0: a chain without reorgs, or one that finalises at once). */
  confirmations?: number;
  /** Most blocks per eth_getLogs call (default 2000: what public JSON-RPC providers accept). */
  maxBlockRange?: number;
  /** Milliseconds between scans when started (default 2000). */
  pollMs?: number;
  /** Warn when less than this many seconds remain to answer a challenge (default 300). */
  proofBudgetSeconds?: number;
  /** Proof jobs queued per defence before giving up (default 3). */
  maxDefenceAttempts?: number;
  /** Challenges of other claims, jobs queued: one line each (default: dropped). */
  debug?: (line: string) => void;
}

export interface ChallengeWatcherDeps extends ChallengeWatchOptions {
  /** The protocol, connected to a provider. */
  hub: Contract;
  /** This node's claims (ClaimStore). */
  claims: { get(id: string): Promise<ClaimRecord | undefined> };
  /** Where defences are proved (the node's proof-job queue). */
  queue: JobQueue<ProofJobPayload, ProofJobResult>;
  /** The cursor and defences (created on first save). */
  stateFile: string;
  /** Challenges seen, defences landed or lost, warnings: one line each. */
  log?: (line: string) => void;
}

export interface ChallengeWatcherStatus {
  running: boolean;
  /** Last block fully scanned. */
  cursor: number | null;
  head: number | null;
  lastScanAt: string | null;
  lastError: string | null;
  /** Challenges of claims this node did not make, since start. */
  ignored: number;
  defences: Record<DefenceState, number>;
}

export class ChallengeWatcherError extends AssayError {}

const OPEN: readonly DefenceState[] = ["pending", "queued"];
/** Extra look-back beyond the response window, for clock skew between the node and the chain. */
const LOOKBACK_MARGIN_SECONDS = 600;

function positiveInt(name: string, v: number | undefined, dflt: number, min = 1): number {
  const n = v ?? dflt;
  if (!Number.isSafeInteger(n) || n < min)
    throw new ChallengeWatcherError(`challenge watcher: ${name} must be an integer >= ${min}, got ${v}`);
  return n;
}

/** The first block whose timestamp is at least `ts` (the head when none is). */
export async function firstBlockSince(provider: Provider, ts: number, head: number): Promise<number> {
  const time = async (n: number) => (await provider.getBlock(n))!.timestamp;
  if ((await time(head)) < ts) return head;
  let lo = 0;
  let hi = head;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if ((await time(mid)) >= ts) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

const short = (h: string) => `${h.slice(0, 10)}…`;
const when = (unix: number) => new Date(unix * 1000).toISOString();

export class ChallengeWatcher {
  private tail: Promise<unknown> = Promise.resolve();
  private timer?: NodeJS.Timeout;
  private running = false;
  private head: number | null = null;
  private lastScanAt: string | null = null;
  private lastError: string | null = null;
  private ignored = 0;
  private readonly confirmations: number;
  private readonly maxBlockRange: number;
  private readonly pollMs: number;
  private readonly proofBudget: number;
  private readonly maxAttempts: number;

  private constructor(
    private readonly o: ChallengeWatcherDeps,
    private readonly provider: Provider,
    private readonly protocol: string,
    private readonly file: WatcherStateFile,
    private readonly state: WatcherStateData,
  ) {
    this.confirmations = positiveInt("confirmations", o.confirmations, 0, 0);
    this.maxBlockRange = positiveInt("maxBlockRange", o.maxBlockRange, 2000);
    this.pollMs = positiveInt("pollMs", o.pollMs, 2000);
    this.proofBudget = positiveInt("proofBudgetSeconds", o.proofBudgetSeconds, 300, 0);
    this.maxAttempts = positiveInt("maxDefenceAttempts", o.maxDefenceAttempts, 3);
  }

  /** Loads the saved state (or starts afresh) and listens for the queue's finished jobs. */
  static async open(o: ChallengeWatcherDeps): Promise<ChallengeWatcher> {
    const provider = o.hub.runner?.provider;
    if (!provider) throw new ChallengeWatcherError("challenge watcher: the protocol contract has no provider");
    if (o.fromBlock !== undefined) positiveInt("fromBlock", o.fromBlock, 0, 0);
    const chainId = (await provider.getNetwork()).chainId.toString();
    const protocol = await o.hub.getAddress();
    const file = new WatcherStateFile(o.stateFile);
    const { state, note } = await file.load(chainId, protocol, o.log);
    if (note) o.log?.(`watch: ${note}`);
    if (o.fromBlock !== undefined) state.cursor = o.fromBlock - 1;
    const w = new ChallengeWatcher(o, provider, protocol, file, state);
    o.queue.onSettled((job) => void w.serial(() => w.afterJob(job)).catch((e) => w.fail(e)));
    return w;
  }

  /** Scans now, then every pollMs until stopped. */
  start(): void {
    if (this.running) return;
    this.running = true;
    const tick = async () => {
      await this.scan().catch((e) => this.fail(e));
      if (this.running) this.timer = setTimeout(() => void tick(), this.pollMs);
    };
    void tick();
  }

  /** Stops polling; waits for the scan or update in progress. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.tail.catch(() => {});
  }

  /**
   * One pass: reads new ClaimChallenged events up to the head (less the confirmations), records
   * those of this node's claims, then brings every open defence up to date with the chain
   * (queues its proof, or notes that it landed, was lost or is too late).
   */
  scan(): Promise<void> {
    return this.serial(async () => {
      await this.readEvents();
      await this.refreshDefences();
      this.lastScanAt = new Date().toISOString();
      this.lastError = null;
    });
  }

  status(): ChallengeWatcherStatus {
    const defences: Record<DefenceState, number> = { pending: 0, queued: 0, landed: 0, lost: 0, late: 0 };
    for (const d of Object.values(this.state.defences)) defences[d.state]++;
    return {
      running: this.running,
      cursor: this.state.cursor,
      head: this.head,
      lastScanAt: this.lastScanAt,
      lastError: this.lastError,
      ignored: this.ignored,
      defences,
    };
  }

  /** Every challenge of this node's claims seen so far, oldest first. */
  defences(): DefenceRecord[] {
    return Object.values(this.state.defences).sort((a, b) => a.block - b.block);
  }

  // ---------------------------------------------------------------- internals

  private serial<T>(f: () => Promise<T>): Promise<T> {
    const run = this.tail.then(f);
    this.tail = run.catch(() => {});
    return run;
  }

  private fail(e: unknown): void {
    const msg = (e as Error)?.message ?? String(e);
    if (msg !== this.lastError) this.o.log?.(`watch: scan failed (will retry): ${msg.split("\n")[0]}`);
    this.lastError = msg;
  }

  private save(): Promise<void> {
    return this.file.save(this.state);
  }

  private async chainNow(): Promise<number> {
    return (await this.provider.getBlock("latest"))!.timestamp;
  }

  private async readEvents(): Promise<void> {
    const head = await this.provider.getBlockNumber();
    this.head = head;
    const last = head - this.confirmations;
    if (this.state.cursor === null) {
      const window = Number(await this.o.hub.responseWindow());
      const since = (await this.chainNow()) - window - LOOKBACK_MARGIN_SECONDS;
      this.state.cursor = (await firstBlockSince(this.provider, since, Math.max(0, last))) - 1;
    }
    const topic = this.o.hub.interface.getEvent("ClaimChallenged")!.topicHash;
    while (this.state.cursor < last) {
      const fromBlock = this.state.cursor + 1;
      const toBlock = Math.min(last, fromBlock + this.maxBlockRange - 1);
      const logs = await this.provider.getLogs({ address: this.protocol, topics: [topic], fromBlock, toBlock });
      for (const l of logs) await this.noteChallenge(l);
      this.state.cursor = toBlock;
      await this.save();
    }
  }

  private async noteChallenge(l: Log): Promise<void> {
    const ev = this.o.hub.interface.parseLog(l);
    if (!ev) return;
    const claimId = (ev.args.claimId as string).toLowerCase();
    const challenger = ev.args.challenger as string;
    if (this.state.defences[claimId]) return; // seen before a restart, or a rescan
    const record = await this.o.claims.get(claimId);
    if (!record) {
      this.ignored++;
      this.o.debug?.(`watch: challenge of claim ${claimId} by ${challenger}: not a claim of this node, ignored`);
      return;
    }
    const d: DefenceRecord = {
      claimId,
      challenger,
      bond: (ev.args.bond as bigint).toString(),
      responseDeadline: Number(ev.args.responseDeadline),
      block: l.blockNumber,
      txHash: l.transactionHash,
      state: "pending",
      attempts: 0,
      seenAt: new Date().toISOString(),
    };
    this.state.defences[claimId] = d;
    const left = d.responseDeadline - (await this.chainNow());
    const via = record.batch ? `, batch ${short(record.batch.root)}` : "";
    this.o.log?.(
      `watch: challenge of claim ${claimId} (${record.level}${via}) by ${challenger}: ` +
        `bond ${formatEther(d.bond)} ETH, answer by ${when(d.responseDeadline)} (${left} s left); defending`,
    );
  }

  /** Brings each open defence up to date with the chain; queues the proofs still needed. */
  private async refreshDefences(): Promise<void> {
    for (const d of Object.values(this.state.defences)) {
      if (!OPEN.includes(d.state)) continue;
      const was = JSON.stringify(d);
      const receipt = await this.o.hub.receiptOf(d.claimId);
      if (receipt.refuted) {
        this.settle(d, "lost", "the claim was refuted or its challenge timed out: the backer was slashed");
      } else if (Number(receipt.level) === LEVEL.Proven) {
        const job = d.jobId ? await this.o.queue.get(d.jobId) : undefined;
        const tx = job?.state === "done" ? job.result?.transaction : undefined;
        if (tx) d.transaction = tx.hash;
        this.settle(d, "landed", tx ? `bond credited to ${job!.result!.beneficiary}` : "proven by another submission");
      } else if (receipt.disputed) {
        await this.keepDefending(d);
      }
      if (JSON.stringify(d) !== was) await this.save();
    }
  }

  private async keepDefending(d: DefenceRecord): Promise<void> {
    const now = await this.chainNow();
    if (now > d.responseDeadline) {
      this.settle(d, "late", `the response deadline ${when(d.responseDeadline)} passed before a proof landed`);
      return;
    }
    if (d.state === "queued" && d.jobId) {
      const job = await this.o.queue.get(d.jobId);
      if (job && job.state !== "failed") return; // queued, running, or done and about to be seen
    }
    if (d.attempts >= this.maxAttempts) return;
    const record = await this.o.claims.get(d.claimId);
    if (!record) {
      d.note = "the claim's record (input and salt) is gone: it cannot be proved";
      this.o.log?.(`watch: CANNOT DEFEND claim ${d.claimId}: ${d.note}`);
      d.attempts = this.maxAttempts;
      return;
    }
    const left = d.responseDeadline - now;
    if (left < this.proofBudget)
      this.o.log?.(
        `watch: WARNING: claim ${d.claimId} must be proven within ${left} s (by ${when(d.responseDeadline)}), ` +
          `less than the ${this.proofBudget} s a proof may need: its backer's stake is at risk`,
      );
    const resumed = d.attempts > 0 || d.state === "queued";
    d.jobId = await this.o.queue.enqueue(
      {
        claimId: record.claimId,
        modelId: record.modelId,
        circuitId: record.circuitId,
        claim: record.claim,
        input: record.input,
        salt: record.salt,
      },
      proofJobKey(record.claimId),
    );
    d.state = "queued";
    d.attempts++;
    const line = `proof job ${d.jobId} for claim ${d.claimId} queued (attempt ${d.attempts})`;
    if (resumed) this.o.log?.(`watch: resuming the defence: ${line}`);
    else this.o.debug?.(`watch: ${line}`);
  }

  private settle(d: DefenceRecord, state: DefenceState, note?: string): void {
    d.state = state;
    d.settledAt = new Date().toISOString();
    if (note) d.note = note;
    const bond = `${formatEther(d.bond)} ETH`;
    if (state === "landed") {
      const tx = d.transaction ? ` (tx ${d.transaction})` : "";
      this.o.log?.(
        `watch: defence landed: claim ${d.claimId} is Proven${tx}; challenger ${d.challenger} ` +
          `lost its bond of ${bond}${note ? ` (${note})` : ""}`,
      );
    } else {
      this.o.log?.(`watch: DEFENCE ${state.toUpperCase()}: claim ${d.claimId}: ${note}`);
    }
  }

  private async afterJob(job: Job<ProofJobPayload, ProofJobResult>): Promise<void> {
    const d = this.state.defences[job.payload.claimId.toLowerCase()];
    if (!d || d.jobId !== job.id || !OPEN.includes(d.state)) return;
    if (job.state === "done") {
      const tx = job.result?.transaction;
      if (tx) d.transaction = tx.hash;
      this.settle(d, "landed", tx ? `bond credited to ${job.result!.beneficiary}` : "proven by another submission");
    } else {
      d.note = `proof job ${job.id} failed: ${job.error}`;
      const again = d.attempts < this.maxAttempts ? "retrying while time remains" : "no attempts left";
      this.o.log?.(`watch: defence of claim ${d.claimId} failed (${job.error}); ${again}`);
    }
    await this.save();
  }
}
