// The inference node's core, free of any transport: the HTTP API (server.ts) and the CLI call
// it. One request: resolve the model, read the policy that applies (the consumer contract's
// requiredLevel, or the node's thresholds), choose the cheapest sufficient level the model
// allows and this node can give, run the model, and put the claim on chain:
//
//   Signed    the operator signs; the claim joins a Merkle batch (postBatch) or is submitted
//             alone (submitSigned) when batching is off
//   Attested  the enclave runs the model and signs the claim it computed; submitAttested
//   Proven    a proof job is queued (persisted before the call returns); the worker proves with
//             binding = bindingFor(claimId, operator) and calls submitProven
//
// Every claim is recorded in the state directory (claim-store.ts), proof jobs in a persistent
// queue (job-queue.ts): a restarted node answers for its claims and resumes their work.
import { randomBytes } from "node:crypto";
import path from "node:path";
import { type Contract, getAddress, hexlify, isHexString, recoverAddress, type Signer } from "ethers";
import type { EnclaveClient } from "../attest/enclave-client.js";
import type { BatchTree } from "../chain/batch-tree.js";
import type { ChainEthers } from "../chain/chain-ethers.js";
import { attestedClaimDigest, type Claim, claimFor, claimIdOf, signClaim, compactSignature } from "../chain/claim.js";
import { attach, type Deployment, LEVEL_NAMES, type LevelName, levelBit } from "../chain/protocol-client.js";
import type { CompiledModel } from "../compile-model.js";
import { logToStderr } from "../durable-file.js";
import { AssayError } from "../errors.js";
import { infer, type Inference } from "../prove-inference.js";
import { verifyingKeyId } from "../zk/vkey-encoding.js";
import { postOwnRoot, SignedBatcher } from "./batcher.js";
import { type ChallengeWatchOptions, ChallengeWatcher, type ChallengeWatcherStatus } from "./challenge-watcher.js";
import { isDevelopmentChain } from "../chain/dev-chain.js";
import { type ChainHead, ChainView } from "./chain-view.js";
import { type ClaimOutput, type ClaimQuery, type ClaimRecord, ClaimStore, type TxInfo } from "./claim-store.js";
import { type Database, openDatabase } from "./db/database.js";
import { importLegacyState } from "./db/legacy-import.js";
import { type NodeConfig, resolveConfig } from "./config.js";
import {
  BadRequestError,
  ModelInactiveError,
  NodeClosedError,
  NodeError,
  UnknownClaimError,
  UnknownModelIdError,
} from "./errors.js";
import { type Job, type JobQueue, type JobState, SqlJobQueue } from "./job-queue.js";
import {
  type ProofJobPayload,
  type ProofJobResult,
  proofJobHandler,
  proofJobKey,
  recordProofOutcome,
} from "./proof-job.js";
import {
  chooseLevel,
  consumerRequiredLevel,
  LEVEL_REQUESTS,
  type LevelRequest,
  MAX_UINT256,
  nodeRequiredLevel,
} from "./routing.js";
import { ProvenBatcher } from "./proven-batcher.js";
import { type TxBuild, TxSender } from "./tx-sender.js";

/** A model this node serves: its on-chain version id and its compiled artifacts (with keys). */
export interface ServedModel {
  modelId: string;
  model: CompiledModel;
  /** A short name requests may use instead of the id. */
  alias?: string;
}

export interface InferenceServiceOptions {
  ethers: ChainEthers;
  deployment: Deployment;
  /** A staked operator: signs Signed claims, posts batches, sends every transaction, and is the proofs' beneficiary. */
  operator: Signer;
  models: readonly ServedModel[];
  /** A started enclave whose key is registered for the models it serves (Attested). */
  enclave?: EnclaveClient;
  /** The challenge watcher's state lives here, and the embedded database when `db` is not given. */
  stateDir: string;
  /**
   * Claims and (unless `jobQueue` is given) proof jobs: an open database (default: SQLite in
   * stateDir, closed with the service).
   */
  db?: Database;
  config?: Partial<NodeConfig>;
  /** Run proof jobs in this process (default true). False: accept and persist them only. */
  runProofJobs?: boolean;
  /** Another proof queue implementation (default: SqlJobQueue in the database). */
  jobQueue?: JobQueue<ProofJobPayload, ProofJobResult>;
  /** Progress and problems, one line each. */
  log?: (line: string) => void;
  /**
   * Follow ClaimChallenged events and defend this node's challenged claims with a proof
   * (challenge-watcher.ts; state in stateDir/challenge-watcher.json). Default true; false to
   * leave the defence to another process (`assay watch`), or the watcher's options.
   */
  watchChallenges?: boolean | ChallengeWatchOptions;
}

/** A request, as the API and the CLI pass it (values unchecked). */
export interface InferRequest {
  /** On-chain model id (0x + 64 hex), circuit id, or alias. */
  model: unknown;
  /** Flat or nested array of finite numbers. */
  input: unknown;
  /** Non-negative integer: a number, a decimal or 0x string, or a bigint. */
  valueAtRisk: unknown;
  level?: unknown;
  /** Address of the consumer contract whose requiredLevel(valueAtRisk) applies. */
  consumer?: unknown;
}

/**
 * A claim whose request id and input salt the caller fixes, at a level a request names: on-chain
 * requests (request-watcher.ts), where the hub names the request id and commits the input with
 * salt 0. Such a claim is submitted alone, never batched (the hub needs it recorded now).
 */
export interface FixedClaim {
  requestId: string;
  salt: bigint;
  /** The level the request requires (the requester's policy when it asked). */
  requiredLevel: LevelName;
  /** Where that level came from, for messages. */
  policy: string;
}

/** A claim as the node reports it (no input: that stays with the node and the caller). */
export interface ClaimView extends Omit<ClaimRecord, "input" | "salt" | "job" | "client"> {
  job?: { id: string; state: Job<unknown, unknown>["state"] | "unknown"; attempts?: number; error?: string };
  onChain?: { level: LevelName | "None"; final: boolean };
}

/** What `infer` returns: the claim's view plus the input commitment's salt (the caller's to keep). */
export interface InferResponse extends ClaimView {
  salt: bigint;
}

/** What the service reports as its work lands, to `observe` listeners (the HTTP server's metrics.ts). */
export type ServiceEvent =
  /** A transaction of this node landed: submitSigned, submitAttested or postBatch. */
  | { type: "transaction"; action: string; gasUsed: bigint }
  /** A submission failed, or a batch could not be posted (it is retried). */
  | { type: "failure"; kind: "transaction" | "batch" }
  /** A proof job settled here; when done, its result holds the submitProven transaction (if one was sent). */
  | { type: "proof-job"; state: JobState; result?: ProofJobResult };

/** Throws unless `m` is registered on `chain` with the verifying key of the circuit served. */
async function checkRegistered(hub: Contract, m: ServedModel, chain: string): Promise<void> {
  if (!isHexString(m.modelId, 32)) throw new AssayError(`model id ${m.modelId} is not 32-byte hex`);
  if (!m.model.vkey) throw new AssayError(`model ${m.model.ref.circuitId} has no verifying key: run setup first`);
  let version;
  try {
    version = await hub.modelVersion(m.modelId);
  } catch {
    throw new AssayError(`model ${m.modelId} is not registered on ${chain}`);
  }
  const keyId = verifyingKeyId(m.model.vkey);
  if (version.verifyingKeyId !== keyId) {
    throw new AssayError(
      `model ${m.modelId} is registered with key ${version.verifyingKeyId}, ` +
        `but circuit ${m.model.ref.circuitId} has key ${keyId}`,
    );
  }
}

export class InferenceService {
  private closed = false;
  private readonly updates = new Set<Promise<unknown>>();
  private readonly batcher: SignedBatcher | null;
  /** Batches proven claims (config.provenBatch); set by start() when proof jobs run here. */
  private provenBatcher?: ProvenBatcher;
  private watcher?: ChallengeWatcher;
  private readonly listeners = new Set<(e: ServiceEvent) => void>();
  private readonly chain: ChainView;

  private constructor(
    private readonly o: InferenceServiceOptions,
    readonly config: NodeConfig,
    private readonly hub: Contract,
    readonly chainId: bigint,
    readonly operatorAddress: string,
    private readonly models: Map<string, ServedModel>,
    private readonly store: ClaimStore,
    private readonly sender: TxSender,
    private readonly queue: JobQueue<ProofJobPayload, ProofJobResult>,
    private readonly db: Database,
    private readonly ownsDb: boolean,
  ) {
    this.batcher = config.batch
      ? new SignedBatcher({
          ...config.batch,
          post: postOwnRoot(hub, sender, operatorAddress),
          onPosted: (ids, tree, tx) => this.recordBatch(ids, tree, tx),
          onError: (e, ids) => {
            this.emit({ type: "failure", kind: "batch" });
            o.log?.(`batch of ${ids.length} claim(s) not posted (will retry): ${e.message}`);
          },
        })
      : null;
    this.chain = new ChainView(hub.runner!.provider!, {
      headMaxAgeMs: config.chainReadMaxAgeMs ?? (isDevelopmentChain(chainId) ? 0 : 1000),
    });
  }

  static async start(o: InferenceServiceOptions): Promise<InferenceService> {
    const config = resolveConfig(o.config);
    const { protocol } = await attach(o.ethers, o.deployment, o.operator);
    const hub = protocol as unknown as Contract;
    const chainId = BigInt(o.deployment.chainId);
    const operatorAddress = await o.operator.getAddress();
    const models = new Map<string, ServedModel>();
    for (const m of o.models) {
      await checkRegistered(hub, m, `chain ${chainId} (protocol ${o.deployment.protocol})`);
      models.set(m.modelId.toLowerCase(), m);
    }
    const db = o.db ?? (await openDatabase({ stateDir: o.stateDir, log: o.log }));
    await importLegacyState(db, o.stateDir, o.log);
    const store = new ClaimStore(db, o.log);
    const sender = new TxSender(hub.interface, { provider: hub.runner!.provider! });
    const queue =
      o.jobQueue ??
      new SqlJobQueue<ProofJobPayload, ProofJobResult>(db, {
        concurrency: ProvenBatcher.queueConcurrency(config.proveConcurrency, config.provenBatch),
        maxAttempts: config.proveAttempts,
        log: o.log,
      });
    const service = new InferenceService(
      o,
      config,
      hub,
      chainId,
      operatorAddress,
      models,
      store,
      sender,
      queue,
      db,
      o.db === undefined,
    );
    queue.onSettled((job) => service.track(service.recordProofJob(job)));
    if (config.provenBatch) {
      service.provenBatcher = new ProvenBatcher({
        ...config.provenBatch,
        hub,
        sender,
        proveSlots: config.proveConcurrency,
        log: o.log,
      });
    }
    if (o.runProofJobs !== false) {
      await queue.start(
        proofJobHandler({
          hub,
          sender,
          beneficiary: operatorAddress,
          model: (circuitId) => [...models.values()].find((m) => m.model.ref.circuitId === circuitId)?.model,
          batcher: service.provenBatcher,
        }),
      );
    }
    await service.resumeBatching();
    await service.startWatcher();
    return service;
  }

  /** Starts following challenges of this node's claims (unless `watchChallenges` is false). */
  private async startWatcher(): Promise<void> {
    const w = this.o.watchChallenges ?? true;
    if (w === false) return;
    this.watcher = await ChallengeWatcher.open({
      ...(w === true ? {} : w),
      hub: this.hub,
      claims: this.store,
      queue: this.queue,
      stateFile: path.join(this.o.stateDir, "challenge-watcher.json"),
      log: this.o.log,
    });
    this.watcher.start();
  }

  /** The challenge watcher's state (null when it is off). */
  get challengeWatch(): ChallengeWatcherStatus | null {
    return this.watcher?.status() ?? null;
  }

  get hubAddress(): string {
    return this.o.deployment.protocol;
  }

  get enclaveAddress(): string | undefined {
    return this.o.enclave?.address;
  }

  /** The models served: id, circuit, alias. */
  servedModels(): { modelId: string; circuitId: string; alias?: string; inputShape: number[] }[] {
    return [...this.models.values()].map((m) => ({
      modelId: m.modelId,
      circuitId: m.model.ref.circuitId,
      alias: m.alias,
      inputShape: m.model.quantized.input.shape,
    }));
  }

  get pendingBatch(): number {
    return this.batcher?.pending ?? 0;
  }

  /** Proof jobs by state (queued + running: the queue's depth). */
  queueCounts(): Promise<Record<JobState, number>> {
    return this.queue.counts();
  }

  /** Calls `listener` with every ServiceEvent until the returned function is called. */
  observe(listener: (e: ServiceEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(e: ServiceEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(e);
      } catch {
        // An observer's fault must not fail the work it observes.
      }
    }
  }

  // ---------------------------------------------------------------- requests

  /** `admit`, if given, sees the chosen level before any work and may refuse by throwing (per-key proof caps). */
  /** `client`: who asked (`key:<name>` or `ip:<address>`), recorded with the claim for listClaims. */
  async infer(req: InferRequest, admit?: (level: LevelName) => Promise<void>, client?: string): Promise<InferResponse> {
    if (this.closed) throw new NodeClosedError();
    this.inFlight++;
    try {
      return await this.serve(req, admit, client);
    } finally {
      if (--this.inFlight === 0) this.drained?.();
    }
  }

  private inFlight = 0;
  private drained?: () => void;

  /** `infer` for a FixedClaim (on-chain requests): its request id, salt and required level. */
  async inferFixed(req: InferRequest, fixed: FixedClaim, client?: string): Promise<InferResponse> {
    if (this.closed) throw new NodeClosedError();
    this.inFlight++;
    try {
      return await this.serve(req, undefined, client, fixed);
    } finally {
      if (--this.inFlight === 0) this.drained?.();
    }
  }

  private async serve(
    req: InferRequest,
    admit: ((level: LevelName) => Promise<void>) | undefined,
    client: string | undefined,
    fixed?: FixedClaim,
  ): Promise<InferResponse> {
    const served = this.resolveModel(req.model);
    const input = parseInput(req.input, served.model);
    const valueAtRisk = parseValueAtRisk(req.valueAtRisk);
    const requested = parseLevel(req.level);
    const head = await this.chain.head(); // one head per request: every read below is at this block
    const { level: required, source: policy } = fixed
      ? { level: fixed.requiredLevel, source: { source: "consumer" as const, describe: fixed.policy } }
      : req.consumer === undefined || req.consumer === null
        ? nodeRequiredLevel(this.config.policy, valueAtRisk)
        : await this.chain.read(
            `consumer:${String(req.consumer).toLowerCase()}:${valueAtRisk}`,
            () => consumerRequiredLevel(this.hub.runner!, String(req.consumer), valueAtRisk),
            head,
          );
    const level = chooseLevel({
      required,
      requested,
      valueAtRisk,
      policy,
      modelId: served.modelId,
      unavailable: await this.unavailableLevels(served, head),
    });
    await admit?.(level);

    const requestId = fixed?.requestId ?? hexlify(randomBytes(32));
    const deadline = chainNow(head) + BigInt(this.config.claimTtlSeconds);
    const base = {
      level,
      requiredLevel: required,
      policy,
      valueAtRisk,
      modelId: served.modelId,
      circuitId: served.model.ref.circuitId,
      input,
      ...(client === undefined ? {} : { client }),
    };
    let record: ClaimRecord;
    const ask: Ask = { served, base, requestId, deadline, salt: fixed?.salt };
    if (level === "Attested") record = await this.attested(ask);
    else if (level === "Signed") record = await this.signed(ask);
    else record = await this.proven(ask);
    return { ...this.freshView(record), salt: record.salt };
  }

  /** The node's record of a claim, with its proof job's state and its level on chain. */
  async claim(id: unknown): Promise<ClaimView> {
    if (typeof id !== "string" || !isHexString(id, 32))
      throw new BadRequestError(`claim id must be 0x-prefixed 32-byte hex, got ${JSON.stringify(id)}`);
    const record = await this.store.get(id);
    if (!record) throw new UnknownClaimError(id);
    return this.view(record);
  }

  /**
   * The node's claims matching `q`, newest first (from its records: no chain reads; each proof
   * job's state from the queue). `q.model` may be an id, circuit id or alias of a served model.
   */
  async listClaims(q: Omit<ClaimQuery, "modelId"> & { model?: string }): Promise<ClaimView[]> {
    const { model, ...rest } = q;
    const records = await this.store.list({
      ...rest,
      ...(model === undefined ? {} : { modelId: this.resolveModel(model).modelId }),
    });
    return Promise.all(records.map((r) => this.view(r, false)));
  }

  /** Posts the Signed claims waiting for a batch now. */
  flushBatch(): Promise<void> {
    return this.batcher?.flush() ?? Promise.resolve();
  }

  /** Resolves when no proof job is queued or running and every record update has landed. */
  async idle(): Promise<void> {
    await this.queue.idle();
    while (this.updates.size > 0) await Promise.all([...this.updates]);
  }

  /**
   * Stops taking requests, lets those in progress finish, posts the waiting batch, waits for
   * running proof jobs (queued ones stay persisted).
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Requests already inside finish first: a claim stored must get its batch, transaction or job.
    if (this.inFlight > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    await this.watcher?.stop();
    await this.batcher?.close();
    await this.queue.close();
    await this.provenBatcher?.close();
    while (this.updates.size > 0) await Promise.all([...this.updates]);
    if (this.ownsDb) await this.db.close();
  }

  // ---------------------------------------------------------------- levels

  /** `salt` given (a FixedClaim): that salt, and submitted alone even when batching is on. */
  /** This node's evaluation of `ask` and the claim it makes (with the ask's salt, else a fresh one). */
  private async evaluate({ served, base, requestId, deadline, salt }: Ask) {
    const inf = await infer(served.model, base.input, { salt });
    const claim = claimFor({ modelId: served.modelId, requestId, deadline }, inf);
    return { inf, claim, claimId: claimIdOf(claim, this.chainId, this.hubAddress) };
  }

  private async signed(ask: Ask): Promise<ClaimRecord> {
    const { base, salt } = ask;
    const { inf, claim, claimId } = await this.evaluate(ask);
    const signature = await signClaim(this.o.operator, claim, this.chainId, this.hubAddress);
    const record = this.newRecord(base, claimId, claim, inf.salt, outputOf(inf), {
      signer: this.operatorAddress,
      signature,
    });
    if (this.batcher && salt === undefined) {
      record.status = "batching";
      await this.store.put(record);
      this.batcher.add(claimId);
      return record;
    }
    const { r, vs } = compactSignature(signature);
    return this.submit(record, "submitSigned", (fee) => this.hub.submitSigned(claim, r, vs, fee));
  }

  private async attested({ served, base, requestId, deadline, salt }: Ask): Promise<ClaimRecord> {
    const enclave = this.o.enclave!;
    const circuitId = served.model.ref.circuitId;
    // The enclave signs only for a model id bound (once) to the circuit it runs.
    if (enclave.boundCircuit(served.modelId) !== circuitId) await enclave.bind(served.modelId, circuitId);
    const res = await enclave.infer(
      circuitId,
      base.input,
      { modelId: served.modelId, requestId, deadline, chainId: this.chainId, hub: this.hubAddress },
      salt,
    );
    // The enclave's claim must be exactly what this node's circuit would prove (same model, same
    // input), or a later proof could not defend it; it must name the model's registered key; and
    // it must be signed by the registered enclave key.
    const mine = await infer(served.model, base.input, { salt: res.salt });
    const expected = claimFor({ modelId: served.modelId, requestId, deadline }, mine);
    if (
      res.claim.inputCommitment !== expected.inputCommitment ||
      res.claim.output !== expected.output ||
      res.claim.modelId !== expected.modelId ||
      res.verifyingKeyId !== verifyingKeyId(served.model.vkey!)
    ) {
      throw new NodeError(
        "internal",
        `the enclave's claim disagrees with this node's evaluation of model ${circuitId}`,
      );
    }
    const claimId = claimIdOf(res.claim, this.chainId, this.hubAddress);
    if (claimId !== res.claimId) throw new NodeError("internal", "the enclave's claim id is not its claim's id");
    const record = this.newRecord(base, claimId, res.claim, res.salt, outputOf(mine), {
      signer: enclave.address,
      signature: res.signature,
    });
    const { r, vs } = compactSignature(res.signature);
    // The hub recovers the signer and checks it is a registered enclave key for this model; the
    // gas estimate runs that check before anything is spent, so the node does not recover the
    // key itself (secp256k1 recovery in JavaScript is a millisecond of the main thread per
    // request) unless the chain refuses the claim, to say why.
    try {
      return await this.submit(record, "submitAttested", (fee) =>
        this.hub.submitAttested(res.claim, res.verifyingKeyId, r, vs, fee),
      );
    } catch (e) {
      const digest = attestedClaimDigest(claimId, res.verifyingKeyId, this.chainId, this.hubAddress);
      if (recoverAddress(digest, res.signature) !== getAddress(enclave.address))
        throw new NodeError("internal", "the enclave's signature does not recover to its registered key");
      throw e;
    }
  }

  private async proven(ask: Ask): Promise<ClaimRecord> {
    const { served, base } = ask;
    const { inf, claim, claimId } = await this.evaluate(ask);
    // One proof job per claim, keyed by the claim id: queueing it twice gives the same job.
    const record = this.newRecord(base, claimId, claim, inf.salt, outputOf(inf), { job: { id: proofJobKey(claimId) } });
    record.status = "proving";
    await this.store.put(record);
    await this.enqueueProof(record, {
      claimId,
      modelId: served.modelId,
      circuitId: served.model.ref.circuitId,
      claim,
      input: base.input,
      salt: inf.salt,
    });
    return record;
  }

  /**
   * Queues the proof job of `record` (stored as proving). If the queue refuses it (Redis down),
   * the record is marked failed, so no claim waits for a job that does not exist, and the
   * request fails.
   */
  private async enqueueProof(record: ClaimRecord, payload: ProofJobPayload): Promise<void> {
    try {
      await this.queue.enqueue(payload, proofJobKey(record.claimId));
    } catch (e) {
      await this.store
        .update(record.claimId, (r) => {
          r.status = "failed";
          r.error = `its proof job could not be queued: ${(e as Error).message}`;
        })
        .catch(() => {});
      // The queue's engine is down (Redis restarting): the caller may retry later (503), nothing was kept.
      throw new NodeError("unavailable", `the proof queue is unavailable, try again: ${(e as Error).message}`);
    }
  }

  private async submit(record: ClaimRecord, action: string, build: TxBuild): Promise<ClaimRecord> {
    await this.store.put(record);
    try {
      const tx = await this.sender.send(action, build);
      this.emit({ type: "transaction", action, gasUsed: tx.gasUsed });
      return this.store.update(record.claimId, (r) => {
        r.status = "recorded";
        r.transaction = tx;
      });
    } catch (e) {
      this.emit({ type: "failure", kind: "transaction" });
      await this.store.update(record.claimId, (r) => {
        r.status = "failed";
        r.error = (e as Error).message;
      });
      throw e;
    }
  }

  /** Per level: null when the model allows it and this node can give it now, else why not. */
  private async unavailableLevels(served: ServedModel, head: ChainHead): Promise<Record<LevelName, string | null>> {
    const version = await this.chain.read(`model:${served.modelId}`, () => this.hub.modelVersion(served.modelId), head);
    const status = Number(version.status);
    if (status !== 1) throw new ModelInactiveError(served.modelId, status === 2 ? "deprecated" : "unknown");
    const allowed = Number(version.allowedLevels);
    const notAllowed = (l: LevelName) =>
      (allowed & levelBit(l)) === 0 ? `the model does not allow ${l} claims` : null;
    const enclave = this.o.enclave;
    let attested = notAllowed("Attested");
    if (attested === null) {
      if (!enclave) attested = "this node runs no enclave";
      else if (!enclave.models.includes(served.model.ref.circuitId))
        attested = "this node's enclave image does not hold the model";
      else if (
        !(await this.chain.read(
          `attest:${enclave.address}:${served.modelId}`,
          () => this.hub.canAttest(enclave.address, served.modelId),
          head,
        ))
      )
        attested =
          `the enclave key ${enclave.address} cannot attest for it on chain ` +
          "(unregistered, expired, revoked or image not approved)";
    }
    let signed = notAllowed("Signed");
    if (
      signed === null &&
      !(await this.chain.read(`staked:${this.operatorAddress}`, () => this.hub.isStaked(this.operatorAddress), head))
    )
      signed = `the operator ${this.operatorAddress} is not staked`;
    return { Signed: signed, Attested: attested, Proven: notAllowed("Proven") };
  }

  // ---------------------------------------------------------------- records

  private newRecord(
    base: Base,
    claimId: string,
    claim: Claim,
    salt: bigint,
    output: ClaimOutput,
    extra: Partial<ClaimRecord>,
  ): ClaimRecord {
    const now = new Date().toISOString();
    return { ...base, claimId, claim, salt, output, status: "recorded", createdAt: now, updatedAt: now, ...extra };
  }

  /**
   * The view of a claim this request just made, from what the node knows without asking the
   * chain: queued for a batch or a proof (None on chain yet), or recorded by a transaction that
   * landed (its level, not final: the challenge window has just opened).
   */
  private freshView(record: ClaimRecord): ClaimView {
    const { input: _input, salt: _salt, job: _job, client: _client, ...rest } = record;
    const v: ClaimView = { ...rest };
    if (record.job) v.job = { id: record.job.id, state: "queued", attempts: 0 };
    v.onChain = { level: record.status === "recorded" ? record.level : "None", final: false };
    return v;
  }

  /** The claim as reported: its job's state, and (with `chain`) its level on chain now. */
  private async view(record: ClaimRecord, chain = true): Promise<ClaimView> {
    const { input: _input, salt: _salt, job: _job, client: _client, ...rest } = record;
    const v: ClaimView = { ...rest };
    if (record.job) {
      const job = await this.queue.get(record.job.id);
      v.job = job
        ? { id: job.id, state: job.state, attempts: job.attempts, error: job.error }
        : { id: record.job.id, state: "unknown" };
    }
    if (!chain) return v;
    const [level, final] = await Promise.all([this.hub.levelOf(record.claimId), this.hub.isFinal(record.claimId)]);
    v.onChain = { level: LEVEL_NAMES[Number(level)], final };
    return v;
  }

  private async recordBatch(ids: string[], tree: BatchTree, tx: TxInfo): Promise<void> {
    this.emit({ type: "transaction", action: "postBatch", gasUsed: tx.gasUsed });
    await Promise.all(
      ids.map((id, index) =>
        this.store.update(id, (r) => {
          r.status = "batched";
          r.batch = { root: tree.root, index, size: ids.length, proof: tree.proof(index), transaction: tx };
        }),
      ),
    );
    this.o.log?.(`batch ${tree.root} posted: ${ids.length} claim(s), tx ${tx.hash}`);
  }

  private async recordProofJob(job: Job<ProofJobPayload, ProofJobResult>): Promise<void> {
    this.emit({ type: "proof-job", state: job.state, result: job.result });
    await recordProofOutcome(this.store, job, this.o.log ?? logToStderr);
  }

  private track(p: Promise<unknown>): void {
    const t = p
      .catch((e) => this.o.log?.(`record update failed: ${(e as Error).message}`))
      .finally(() => this.updates.delete(t));
    this.updates.add(t);
  }

  /** Claims a previous process signed but did not get into a posted batch. */
  private async resumeBatching(): Promise<void> {
    const pending = await this.store.pending(this.operatorAddress);
    if (pending.length === 0) return;
    this.o.log?.(`resuming ${pending.length} Signed claim(s) waiting for a batch`);
    for (const r of pending) {
      if (this.batcher) {
        this.batcher.add(r.claimId);
        continue;
      }
      const { r: sr, vs } = compactSignature(r.signature!);
      await this.submit({ ...r, status: "recorded" }, "submitSigned", (fee) =>
        this.hub.submitSigned(r.claim, sr, vs, fee),
      ).catch(() => {});
    }
  }

  // ---------------------------------------------------------------- inputs

  private resolveModel(model: unknown): ServedModel {
    const served = [...this.models.values()];
    const names = served.map((m) => m.alias ?? m.modelId);
    if (typeof model !== "string" || model.length === 0)
      throw new BadRequestError(`model must be a model id, circuit id or name (one of: ${names.join(", ")})`);
    const key = model.toLowerCase();
    const hit = this.models.get(key) ?? served.find((m) => m.alias === model || m.model.ref.circuitId === key);
    if (!hit) throw new UnknownModelIdError(model, names);
    return hit;
  }
}

/** Chain time at `head` (never behind the wall clock: the next block cannot be older than now). */
function chainNow(head: ChainHead): bigint {
  return BigInt(Math.max(head.timestamp, Math.floor(Date.now() / 1000)));
}

type Base = Pick<
  ClaimRecord,
  "level" | "requiredLevel" | "policy" | "valueAtRisk" | "modelId" | "circuitId" | "input" | "client"
>;

/** One request at its chosen level: what to evaluate, and the claim's fixed fields (salt: a FixedClaim's). */
interface Ask {
  served: ServedModel;
  base: Base;
  requestId: string;
  deadline: bigint;
  salt?: bigint;
}

function outputOf(inf: Inference): ClaimOutput {
  const r = inf.result;
  return {
    signal: inf.output,
    label: r.label,
    labels: r.labels,
    ...(r.classes ? { classes: r.classes } : {}),
    logits: r.logits,
    values: r.dequantized,
    clamped: r.clamped,
  };
}

/** The input as a flat array of finite numbers of the model's size. */
export function parseInput(input: unknown, model: CompiledModel): number[] {
  const shape = model.quantized.input.shape;
  const n = shape.reduce((a, b) => a * b, 1);
  if (!Array.isArray(input))
    throw new BadRequestError(
      `input must be an array of ${n} numbers (shape [${shape.join(", ")}]), got ${describe(input)}`,
    );
  const flat = (input as unknown[]).flat(Infinity as 1) as unknown[];
  for (let i = 0; i < flat.length; i++) {
    const v = flat[i];
    if (typeof v !== "number" || !Number.isFinite(v))
      throw new BadRequestError(`input element ${i} is ${describe(v)}, not a finite number`);
  }
  if (flat.length !== n)
    throw new BadRequestError(
      `input has ${flat.length} values; model ${model.ref.circuitId} takes ${n} (shape [${shape.join(", ")}])`,
    );
  return flat as number[];
}

/** A uint256 value at risk from a JSON number (safe integer), a decimal or 0x string, or a bigint. */
export function parseValueAtRisk(v: unknown): bigint {
  const fail = () =>
    new BadRequestError(
      "valueAtRisk must be a non-negative integer below 2^256 " +
        `(a JSON number up to 2^53 - 1, or a decimal string), got ${describe(v)}`,
    );
  let n: bigint;
  if (typeof v === "bigint") n = v;
  else if (typeof v === "number") {
    if (!Number.isSafeInteger(v)) throw fail();
    n = BigInt(v);
  } else if (typeof v === "string" && /^(?:0|[1-9][0-9]{0,77}|0x[0-9a-fA-F]{1,64})$/.test(v)) n = BigInt(v);
  else throw fail();
  if (n < 0n || n > MAX_UINT256) throw fail();
  return n;
}

export function parseLevel(v: unknown): LevelRequest {
  if (v === undefined || v === null) return "auto";
  const s = typeof v === "string" ? v.toLowerCase() : v;
  if (!LEVEL_REQUESTS.includes(s as LevelRequest))
    throw new BadRequestError(`level must be one of ${LEVEL_REQUESTS.join(", ")}, got ${describe(v)}`);
  return s as LevelRequest;
}

function describe(v: unknown): string {
  if (v === undefined) return "nothing";
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "string") return JSON.stringify(v.length > 36 ? `${v.slice(0, 36)}...` : v);
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}
