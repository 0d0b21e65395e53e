// The node answers on-chain inference requests (contracts/requests/AssayRequestHub.sol). It
// follows the hub's Requested events and, for every open request about a model it serves whose
// input encoding is the model's and whose fee is at least its minimum, it runs the model on the
// input from the event through the InferenceService (the same levels as HTTP requests) with the
// claim fixed to what the hub checks: request id fulfilmentIdOf(requestId, payee), salt 0 (the
// hub committed the input with salt 0) and the level the requester's policy required when it
// asked. Signed and Attested claims are recorded by the service at once; a Proven claim when its
// proof job lands. Then the watcher calls `fulfil`, which pays the payee and runs the callback.
//
// Following: eth_getLogs over bounded block ranges from a cursor kept in memory; at start it
// looks back one request lifetime (an older request has expired). A restarted node finds its
// open requests again (the hub's statusOf says which are still open); a request it had already
// answered but not fulfilled gets a second claim, which costs a submission but nothing else.
import { Contract, formatEther, type Log, type Provider, type Signer } from "ethers";
import { LEVEL } from "../chain/protocol-client.js";
import {
  decodeRequested,
  fulfilmentIdOf,
  type HubRequest,
  levelName,
  onchainInputCommitment,
  requestHubInterface,
  type RequestedEvent,
  valuesOf,
} from "../chain/request-hub.js";
import type { Claim } from "../chain/claim.js";
import { inputEncoding } from "../circuit/encodings.js";
import { AssayError } from "../errors.js";
import { firstBlockSince } from "./challenge-watcher.js";
import type { FixedClaim, InferenceService, ServedModel } from "./inference-service.js";

export interface RequestWatchOptions {
  /** The request hub's address. */
  hub: string;
  /** Who the fees go to (named in every claim; default: the operator). */
  payee?: string;
  /** Requests paying less (wei) are left alone (default 0). */
  minFee?: bigint;
  /** Milliseconds between scans when started (default 2000). */
  pollMs?: number;
  /** Scan from this block instead of one request lifetime back. */
  fromBlock?: number;
  /** Most blocks per eth_getLogs call (default 2000). */
  maxBlockRange?: number;
  /** Attempts per request (serving it, then fulfilling it) before giving up (default 3). */
  maxAttempts?: number;
  /** Skipped requests and other details: one line each (default: dropped). */
  debug?: (line: string) => void;
}

export interface RequestWatcherDeps extends RequestWatchOptions {
  service: Pick<InferenceService, "inferFixed" | "claim">;
  models: readonly ServedModel[];
  /** Sends the fulfil transactions (the operator, connected to the chain). */
  operator: Signer;
  /** Requests answered, fulfilments, failures: one line each. */
  log?: (line: string) => void;
}

export interface RequestWatcherStatus {
  running: boolean;
  cursor: number | null;
  /** Requests fulfilled, skipped and failed since start; proofs awaited and retries due now. */
  fulfilled: number;
  skipped: number;
  failed: number;
  awaitingProof: number;
  retrying: number;
  lastError: string | null;
}

export class RequestWatcherError extends AssayError {}

/** A request answered with a claim, not yet fulfilled (its proof is being made, or fulfil failed). */
interface Pending {
  event: RequestedEvent;
  claim: Claim;
  claimId: string;
  /** Failed fulfil transactions so far. */
  attempts: number;
}

const short = (h: string) => `${h.slice(0, 10)}…`;

export class RequestWatcher {
  private cursor: number | null = null;
  private timer?: NodeJS.Timeout;
  private running = false;
  private busy?: Promise<void>;
  private readonly pending = new Map<string, Pending>();
  /** Requests whose serving failed, with the attempts made: tried again on the next poll. */
  private readonly retries = new Map<string, { event: RequestedEvent; attempts: number }>();
  private readonly counts = { fulfilled: 0, skipped: 0, failed: 0 };
  private lastError: string | null = null;
  private readonly hub: Contract;

  private constructor(
    private readonly o: RequestWatcherDeps,
    private readonly provider: Provider,
    private readonly payee: string,
  ) {
    this.hub = new Contract(o.hub, requestHubInterface, o.operator);
  }

  static async open(o: RequestWatcherDeps): Promise<RequestWatcher> {
    const provider = o.operator.provider;
    if (!provider) throw new RequestWatcherError("request watcher: the operator signer has no provider");
    if ((await provider.getCode(o.hub)) === "0x")
      throw new RequestWatcherError(`request watcher: no contract at request hub ${o.hub}`);
    return new RequestWatcher(o, provider, o.payee ?? (await o.operator.getAddress()));
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const tick = () => {
      this.timer = setTimeout(() => {
        void this.poll().finally(() => this.running && tick());
      }, this.o.pollMs ?? 2000);
    };
    void this.poll().finally(() => this.running && tick());
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.busy;
  }

  status(): RequestWatcherStatus {
    return {
      running: this.running,
      cursor: this.cursor,
      ...this.counts,
      awaitingProof: this.pending.size,
      retrying: this.retries.size,
      lastError: this.lastError,
    };
  }

  /** One scan: new requests answered, failed ones retried, awaited proofs checked (serialised). */
  poll(): Promise<void> {
    const run = (this.busy ?? Promise.resolve()).then(async () => {
      try {
        // Requests that failed in an earlier poll first, then new ones, then awaited proofs.
        for (const [id, r] of [...this.retries]) {
          this.retries.delete(id);
          await this.serveRequest(r.event, r.attempts + 1);
        }
        await this.scan();
        await this.checkPending();
      } catch (e) {
        this.lastError = (e as Error).message;
        this.o.log?.(`request watcher: ${this.lastError}`);
      }
    });
    this.busy = run;
    return run;
  }

  private async scan(): Promise<void> {
    const head = await this.provider.getBlockNumber();
    let from = this.cursor === null ? await this.startBlock(head) : this.cursor + 1;
    const range = this.o.maxBlockRange ?? 2000;
    const topic = requestHubInterface.getEvent("Requested")!.topicHash;
    while (from <= head) {
      const to = Math.min(head, from + range - 1);
      const logs = await this.provider.getLogs({ address: this.o.hub, topics: [topic], fromBlock: from, toBlock: to });
      for (const l of logs) await this.answer(l);
      this.cursor = to;
      from = to + 1;
    }
  }

  private async startBlock(head: number): Promise<number> {
    if (this.o.fromBlock !== undefined) return this.o.fromBlock;
    const ttl = Number(
      await new Contract(this.o.hub, ["function requestTtl() view returns (uint256)"], this.provider).requestTtl(),
    );
    const now = (await this.provider.getBlock(head))!.timestamp;
    return firstBlockSince(this.provider, now - ttl, head);
  }

  private skip(ev: RequestedEvent, why: string): void {
    this.counts.skipped++;
    this.o.debug?.(`request ${short(ev.requestId)} skipped: ${why}`);
  }

  /** Why this node does not answer `ev` (null: it does), and the model that would. */
  private async refusal(ev: RequestedEvent): Promise<{ why: string | null; served?: ServedModel }> {
    const served = this.o.models.find((m) => m.modelId.toLowerCase() === ev.request.modelId.toLowerCase());
    if (!served) return { why: `model ${ev.request.modelId} is not served here` };
    if (ev.request.fee < (this.o.minFee ?? 0n))
      return { why: `fee ${formatEther(ev.request.fee)} ETH is below the minimum ${formatEther(this.o.minFee!)} ETH` };
    const status = Number(await this.hub.statusOf(ev.requestId));
    if (status !== 1) return { why: status === 2 ? "already fulfilled" : "no longer open" };
    const now = (await this.provider.getBlock("latest"))!.timestamp;
    if (BigInt(now) > ev.request.deadline) return { why: "expired" };
    const enc = inputEncoding(served.model.quantized);
    const got = ev.input;
    if (BigInt(enc.n) !== got.n || BigInt(enc.bits) !== got.bits || enc.offset !== got.offset)
      return {
        why:
          `input encoding (n ${got.n}, bits ${got.bits}, offset ${got.offset}) is not the model's ` +
          `(n ${enc.n}, bits ${enc.bits}, offset ${enc.offset})`,
      };
    return { why: null, served };
  }

  private async answer(l: Log): Promise<void> {
    const ev = decodeRequested(l);
    if (!ev || this.pending.has(ev.requestId) || this.retries.has(ev.requestId)) return;
    await this.serveRequest(ev, 1);
  }

  /** Serves `ev` (attempt number `attempt`): a claim at its level, then fulfil or await the proof. */
  private async serveRequest(ev: RequestedEvent, attempt: number): Promise<void> {
    const { why, served } = await this.refusal(ev);
    if (why !== null) return this.skip(ev, why);
    try {
      const values = valuesOf(ev.input);
      if ((await onchainInputCommitment(ev.input)) !== ev.request.inputCommitment)
        throw new RequestWatcherError("the hub's input commitment is not the input's (salt 0) commitment");
      const frac = served!.model.quantized.input.frac;
      const x = values.map((v) => Number(v) / 2 ** frac);
      const level = levelName(ev.request.requiredLevel);
      const fixed: FixedClaim = {
        requestId: fulfilmentIdOf(ev.requestId, this.payee),
        salt: 0n,
        requiredLevel: level === "None" ? "Signed" : level,
        policy: `request ${short(ev.requestId)}'s required level (requester ${ev.request.requester})`,
      };
      const res = await this.o.service.inferFixed(
        { model: served!.modelId, input: x, valueAtRisk: ev.valueAtRisk },
        fixed,
        `request:${this.o.hub}`,
      );
      this.o.log?.(
        `request ${short(ev.requestId)}: ${res.level} claim ${short(res.claimId)} for ${ev.request.requester}`,
      );
      const pending = { event: ev, claim: res.claim, claimId: res.claimId, attempts: 0 };
      if (res.onChain?.level !== "None") await this.fulfil(pending);
      else this.pending.set(ev.requestId, pending);
    } catch (e) {
      if (attempt >= (this.o.maxAttempts ?? 3)) return this.fail(ev.requestId, e);
      this.lastError = (e as Error).message;
      this.retries.set(ev.requestId, { event: ev, attempts: attempt });
      this.o.log?.(`request ${short(ev.requestId)}: attempt ${attempt} failed (retried next poll): ${this.lastError}`);
    }
  }

  private fail(requestId: string, e: unknown): void {
    this.counts.failed++;
    this.lastError = (e as Error).message;
    this.o.log?.(`request ${short(requestId)} not fulfilled: ${this.lastError}`);
  }

  /** Fulfils the awaited requests whose claims reached the required level; drops failed or expired ones. */
  private async checkPending(): Promise<void> {
    for (const [id, p] of [...this.pending]) {
      if (Number(await this.hub.statusOf(id)) !== 1) {
        this.pending.delete(id);
        this.skip(p.event, "closed while its claim was on its way");
        continue;
      }
      const view = await this.o.service.claim(p.claimId);
      const level = view.onChain?.level ?? "None";
      if (level !== "None" && LEVEL[level] >= p.event.request.requiredLevel) {
        this.pending.delete(id);
        await this.fulfil(p);
      } else if (view.status === "failed" || view.job?.state === "failed") {
        this.pending.delete(id);
        this.fail(id, new RequestWatcherError(`its claim failed: ${view.error ?? view.job?.error ?? "unknown"}`));
      } else {
        const now = (await this.provider.getBlock("latest"))!.timestamp;
        if (BigInt(now) > p.event.request.deadline) {
          this.pending.delete(id);
          this.fail(id, new RequestWatcherError("its proof landed after the request's deadline"));
        }
      }
    }
  }

  private async fulfil(p: Pending): Promise<void> {
    const ev = p.event;
    try {
      const req: HubRequest = ev.request;
      const tx = await this.hub.fulfil(ev.requestId, req, this.payee, p.claim);
      const receipt = await tx.wait();
      this.counts.fulfilled++;
      this.o.log?.(
        `request ${short(ev.requestId)} fulfilled by claim ${short(p.claimId)}: ` +
          `fee ${formatEther(req.fee)} ETH to ${this.payee}, tx ${receipt.hash}`,
      );
    } catch (e) {
      if (p.attempts + 1 >= (this.o.maxAttempts ?? 3)) return this.fail(ev.requestId, e);
      // The claim is recorded: only the fulfil transaction is tried again.
      this.pending.set(ev.requestId, { ...p, attempts: p.attempts + 1 });
      this.lastError = (e as Error).message;
      this.o.log?.(`request ${short(ev.requestId)}: fulfil failed (retried next poll): ${this.lastError}`);
    }
  }
}
