// Scale benchmark (not run in CI): the seed system's workload, scaled down, on the real engines,
// with faults injected in the same run. Writes bench/scale.json from what it measured.
//
//   npm run bench:scale          (= tsx bench/scale.ts: 2,000 model versions, 20 models, 20,000 inferences)
//   npx tsx bench/scale.ts --inferences 2000 --versions 200 --models 5 --scaling-jobs 40   (a quick try)
//   options: --inferences N  --versions N  --models N (1-20)  --proven-share 0.25  --concurrency 16
//            --scaling-jobs N (per run; 0: skip)  --scaling-repeats N (pairs, at most)  --scaling-quiet 0.15
//            --scaling-wait 15 (minutes, in all, of waiting for other work on the machine to calm down)
//            --no-faults  --merkle-checks N  --drain-minutes N  --out <file> (default bench/scale.json)
//            --keep (keep the run directory: every process's log, the node's state, Redis's files)
//
// What runs, all on this machine, each engine in its own process:
//   chain      `hardhat node` (JSON-RPC, automine: one block per transaction), chain id 31337
//   registry   the protocol deployed by this process (account 0 of the node is admin), then
//              --versions model versions registered: one family per compiled model, versions
//              round-robin over the families, so each family's latest version (the one served) is
//              among the last registered; registry gas from every receipt
//   models     --models small MLPs (bench/scale-models.ts), compiled and set up once (project cache)
//   API node   `assay node start --rpc --key-file --protocol --db postgres://... --queue redis://...
//              --no-prove --no-enclave --no-auth`: real-chain mode, with its own operator key (a fresh
//              key, funded and staked here); it finds each model's id by its verifying key in
//              ModelVersionRegistered logs (--log-range 2000), which is the lookup cost measured at
//              its start. Limits at their maxima, HTTP request log at "warn" (nothing is throttled)
//   workers    `assay worker` processes, each with its own fresh key, $ASSAY_PROVER_THREADS=1 (proving
//              on the worker's own thread, no snarkjs worker threads: prover/zk/groth16.ts)
//   Redis      a redis-server of this run's own on a free port, --appendonly yes --appendfsync always
//              (the machine's shared Redis on 6379 runs without persistence: restarting it would
//              lose queued jobs by design, so it is not the one restarted here)
//   PostgreSQL a scratch database on $ASSAY_BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1
//              :5432/test), created for the run and dropped after it
//
// Phases:
//   1. worker scaling: the workers start and prove a few warm-up jobs each (a process's first proof
//      takes seconds), the BullMQ queue is paused, --scaling-jobs Proven requests queue their jobs,
//      the queue resumes, and proofs/min is the jobs over the time from resume to the last job's
//      finish (and, steadier, between the 10th and 90th percentile finishes). Pairs of runs, 1
//      worker on one thread then 2 workers on one thread each (the target: >= 1.8x), each pair
//      started once other work takes at most --scaling-quiet of the machine (waiting at most
//      --scaling-wait minutes in all), repeated until a pair ran with other work taking at most that
//      much (at most --scaling-repeats pairs): the headline ratio is the pair that other work
//      disturbed least (all pairs are reported, with a ratio per core the workers actually got);
//      then 1 worker with snarkjs's default threads (one per CPU) for reference; then the pair again
//      with each worker pinned to a core of its own (taskset -c 0 / -c 1), so that one worker is one
//      core, its helper threads included; then proving alone (bench/scale-prove-only.ts: no chain,
//      queue or database), one process on CPU 0, then two on CPU 0 and 1, which is how far proving
//      itself scales on the machine. No HTTP load runs meanwhile.
//   2. load: --inferences requests over HTTP (--concurrency at once), every request's model and
//      input drawn deterministically from its index; a --proven-share of them (every 4th at 0.25)
//      ask for level "proven", the rest for nothing (value at risk 1 wei: Signed by the node's
//      policy, batched, --batch-size 32 / 2 s, the node's defaults). Two workers prove meanwhile.
//      A refused request (connection error, 5xx) is counted and sent again (a new request) after
//      250 ms, so --inferences are accepted in the end; refusals are reported, never hidden.
//   3. faults during the load, one after the other, at 15 %, 40 % and 65 % of the accepted requests:
//      SIGKILL a worker while it proves (its job is taken up again once its 30 s lock lapses) and
//      start a replacement with the same key; SIGKILL Redis and start it again on its files; SIGKILL
//      the API node and start it again on the same database, queue, state dir and port.
//   4. drain: until every accepted claim is proven (Proven) or batched on chain (Signed).
//   5. verification, from PostgreSQL, BullMQ and the chain's logs: every accepted claim (HTTP 200)
//      is in the claim store; every accepted Proven claim has exactly one ClaimProven event and is
//      recorded proven; every accepted Signed claim is recorded batched under a root that a
//      BatchPosted event put on chain (and, for a sample, checkBatchedClaim accepts its Merkle proof);
//      submitProven transactions that reverted (each worker's nonce minus its ClaimProven events) and
//      worker attempts that failed or found the claim already Proven are counted; records the node
//      wrote for requests that were refused (no 200) are reported apart (they were never accepted).
//
// Latency per level is end to end: from the accepted request's send time (this process's clock) to
// the node's record reaching "batched" (Signed: the batch's transaction landed) or "proven" (the
// worker recorded the landed submitProven), from the claim store's updated_ms (same machine clock).
// Gas per level: Signed = postBatch gas / batch size, per claim; Proven = submitProven gas. CPU
// shares per phase come from /proc (1.0 = both cores busy), with "other" the rest of the machine:
// other people's work on a shared machine shows there and is reported, not subtracted.
import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { Queue } from "bullmq";
import { type Contract, type HDNodeWallet, parseEther, Wallet } from "ethers";
import pg from "pg";
import { PROJECT_ROOT } from "../prover/artifacts.js";
import { type ChainConnection, connectChain } from "../prover/chain/chain-connection.js";
import type { Claim } from "../prover/chain/claim.js";
import {
  attach,
  deployAssay,
  type Deployment,
  familyIdOf,
  modelVersionInput,
} from "../prover/chain/protocol-client.js";
import { parseRedisUrl } from "../prover/node/bullmq-queue.js";
import type { ClaimRecord } from "../prover/node/claim-store.js";
import { fromJson } from "../prover/node/db/json.js";
import { PROVER_THREADS_ENV, releaseCurve } from "../prover/zk/groth16.js";
import { setupProvenance } from "../prover/zk/setup-provenance.js";
import { encodeVerifyingKey } from "../prover/zk/vkey-encoding.js";
import { scratchPostgres } from "../test/helpers/services.js";
import { freePort } from "../test/helpers/ports.js";
import { inputFor, type ScaleModel, scaleModels } from "./scale-models.js";
import {
  assayEnv,
  type CpuSnapshot,
  cpuShares,
  cpuSnapshot,
  Proc,
  processCpuMs,
  RedisServer,
  sleep,
  startAssay,
  startHardhatNode,
} from "./scale-services.js";

const DEFAULT_OUT = path.join(PROJECT_ROOT, "bench/scale.json");
const PROVE_ONLY = path.join(PROJECT_ROOT, "bench/scale-prove-only.ts");
const FULL = { inferences: 20_000, versions: 2_000, models: 20 } as const;
const QUEUE_PREFIX = `assay-scale-${randomBytes(3).toString("hex")}`;
const RETRY_MS = 250;
const MAX_REFUSALS = 1_000;

// ---------------------------------------------------------------- options

interface Options {
  inferences: number;
  versions: number;
  models: number;
  provenShare: number;
  concurrency: number;
  scalingJobs: number;
  scalingRepeats: number;
  scalingQuiet: number;
  scalingWaitMinutes: number;
  faults: boolean;
  merkleChecks: number;
  drainMinutes: number;
  out: string;
  keep: boolean;
}

function intArg(name: string, v: string, min: number, max: number): number {
  const n = Number(v);
  if (!/^[0-9]+$/.test(v) || n < min || n > max)
    throw new RangeError(`--${name} must be an integer from ${min} to ${max}, got "${v}"`);
  return n;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      inferences: { type: "string", default: `${FULL.inferences}` },
      versions: { type: "string", default: `${FULL.versions}` },
      models: { type: "string", default: `${FULL.models}` },
      "proven-share": { type: "string", default: "0.25" },
      concurrency: { type: "string", default: "16" },
      "scaling-jobs": { type: "string", default: "150" },
      "scaling-repeats": { type: "string", default: "4" },
      "scaling-quiet": { type: "string", default: "0.15" },
      "scaling-wait": { type: "string", default: "15" },
      "no-faults": { type: "boolean", default: false },
      "merkle-checks": { type: "string", default: "500" },
      "drain-minutes": { type: "string", default: "120" },
      out: { type: "string", default: DEFAULT_OUT },
      keep: { type: "boolean", default: false },
    },
    strict: true,
  });
  const o: Options = {
    inferences: intArg("inferences", values.inferences!, 1, 1_000_000),
    versions: intArg("versions", values.versions!, 1, 100_000),
    models: intArg("models", values.models!, 1, 20),
    provenShare: Number(values["proven-share"]),
    concurrency: intArg("concurrency", values.concurrency!, 1, 512),
    scalingJobs: intArg("scaling-jobs", values["scaling-jobs"]!, 0, 5_000),
    scalingRepeats: intArg("scaling-repeats", values["scaling-repeats"]!, 1, 20),
    scalingQuiet: Number(values["scaling-quiet"]),
    scalingWaitMinutes: intArg("scaling-wait", values["scaling-wait"]!, 0, 24 * 60),
    faults: !values["no-faults"],
    merkleChecks: intArg("merkle-checks", values["merkle-checks"]!, 0, 1_000_000),
    drainMinutes: intArg("drain-minutes", values["drain-minutes"]!, 1, 24 * 60),
    out: path.resolve(values.out!),
    keep: values.keep!,
  };
  if (!(o.scalingQuiet >= 0 && o.scalingQuiet <= 1))
    throw new RangeError(`--scaling-quiet must be a number from 0 to 1, got "${values["scaling-quiet"]}"`);
  if (!(o.provenShare >= 0 && o.provenShare <= 1))
    throw new RangeError(`--proven-share must be a number from 0 to 1, got "${values["proven-share"]}"`);
  if (o.versions < o.models)
    throw new RangeError(`--versions (${o.versions}) must be at least --models (${o.models}): one family per model`);
  return o;
}

// ---------------------------------------------------------------- small helpers

const t0 = Date.now();
function say(line: string): void {
  const s = ((Date.now() - t0) / 1000).toFixed(0).padStart(5);
  process.stderr.write(`[scale ${s} s] ${line}\n`);
}

const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

interface Summary {
  n: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  min: number;
  max: number;
}

function summary(values: readonly number[], d = 1): Summary | null {
  if (values.length === 0) return null;
  const v = [...values].sort((a, b) => a - b);
  const q = (p: number) => v[Math.min(v.length - 1, Math.floor(p * v.length))];
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  return {
    n: v.length,
    mean: round(mean, d),
    p50: round(q(0.5), d),
    p90: round(q(0.9), d),
    p99: round(q(0.99), d),
    min: round(v[0], d),
    max: round(v[v.length - 1], d),
  };
}

/** Runs `f` over `items`, `n` at a time. */
async function pool<T, R>(items: readonly T[], n: number, f: (x: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await f(items[i], i);
      }
    }),
  );
  return out;
}

function writeKeyFile(dir: string, name: string, wallet: { privateKey: string }): string {
  const file = path.join(dir, `${name}.key`);
  writeFileSync(file, `${wallet.privateKey}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}

// ---------------------------------------------------------------- the run's state

interface Worker {
  name: string;
  keyFile: string;
  address: string;
  threads: "1" | "default";
  /** Pinned to this CPU (taskset), or free to run anywhere. */
  cpu?: number;
  proc?: Proc;
  /** Every process this worker slot ran (a killed one and its replacement). */
  procs: Proc[];
}

interface Bench {
  o: Options;
  dir: string;
  models: ScaleModel[];
  chain: { proc: Proc; url: string; conn: ChainConnection };
  deployment: Deployment;
  protocol: Contract;
  operator: HDNodeWallet;
  operatorKeyFile: string;
  redis: RedisServer;
  pg: { url: string; drop(): Promise<void> };
  nodePort: number;
  node?: Proc;
  nodeProcs: Proc[];
  workers: Worker[];
  /** Every request sent, in every phase. */
  outcomes: Outcome[];
  /** CPU time (ms) of processes that were stopped, by "name:pid". */
  finishedCpu: Record<string, number>;
  /** Set when a fault could not be carried out: requests stop being sent. */
  aborted?: Error;
}

function nodeUrl(b: Bench): string {
  return `http://127.0.0.1:${b.nodePort}`;
}

function cpuNow(b: Bench): CpuSnapshot {
  const procs: Record<string, number> = { [`bench:${process.pid}`]: process.pid };
  const add = (name: string, p: Proc | undefined) => {
    if (p?.running) procs[`${name}:${p.pid}`] = p.pid;
  };
  add("chain", b.chain.proc);
  add("redis", b.redis.proc);
  add("api-node", b.node);
  for (const w of b.workers) add(w.name, w.proc);
  return cpuSnapshot(procs, b.finishedCpu);
}

/** Reads a process's CPU time before it is killed, for the CPU shares of the phase it ran in. */
function noteFinalCpu(b: Bench, name: string, p: Proc | undefined): void {
  if (p?.running) b.finishedCpu[`${name}:${p.pid}`] = processCpuMs(p.pid);
}

// ---------------------------------------------------------------- chain, registry, lookup

interface RegistryResult {
  servedIds: string[];
  keyGas: number[];
  versionGas: { first: number[]; later: number[] };
  seconds: number;
  blocks: number;
}

async function deployAndFund(conn: ChainConnection, dir: string) {
  const deployment = await deployAssay(conn.ethers);
  const signers = await conn.ethers.getSigners();
  const admin = signers[0];
  const { protocol } = await attach(conn.ethers, deployment, admin);
  const hub = protocol as unknown as Contract;
  const operator = Wallet.createRandom().connect(conn.ethers.provider);
  const workers = [Wallet.createRandom(), Wallet.createRandom()];
  for (const w of [operator, ...workers])
    await (await admin.sendTransaction({ to: w.address, value: parseEther("1000") })).wait();
  await (await (hub.connect(operator) as Contract).stake({ value: await hub.minStake() })).wait();
  return {
    deployment,
    protocol: hub,
    operator,
    operatorKeyFile: writeKeyFile(dir, "operator", operator),
    workerKeys: workers.map((w, i) => ({ address: w.address, keyFile: writeKeyFile(dir, `worker-${i + 1}`, w) })),
  };
}

/** Registers each model's key, then `versions` versions round-robin over one family per model. */
async function registerVersions(
  conn: ChainConnection,
  deployment: Deployment,
  models: ScaleModel[],
  versions: number,
): Promise<RegistryResult> {
  const admin = (await conn.ethers.getSigners())[0];
  const { protocol, verifier } = await attach(conn.ethers, deployment, admin);
  const hub = protocol as unknown as Contract;
  const t = performance.now();
  const firstBlock = await conn.ethers.provider.getBlockNumber();
  const keyGas: number[] = [];
  for (const m of models) {
    const r = await (await (verifier as unknown as Contract).registerKey(encodeVerifyingKey(m.model.vkey!))).wait();
    keyGas.push(Number(r.gasUsed));
  }
  const setups = await Promise.all(models.map((m) => setupProvenance(m.model)));
  const versionGas = { first: [] as number[], later: [] as number[] };
  for (let k = 0; k < versions; k++) {
    const i = k % models.length;
    const version = Math.floor(k / models.length) + 1;
    const input = modelVersionInput(models[i].model, {
      family: models[i].spec.name,
      familyOwner: admin.address,
      setup: setups[i],
      levels: ["Signed"],
      storageUri: `assay://bench-scale/${models[i].spec.name}/v${version}`,
    });
    const r = await (await hub.registerModelVersion(input)).wait();
    (version === 1 ? versionGas.first : versionGas.later).push(Number(r.gasUsed));
    if ((k + 1) % 500 === 0) say(`registered ${k + 1}/${versions} model versions`);
  }
  const servedIds: string[] = [];
  for (const m of models) {
    const family = familyIdOf(admin.address, m.spec.name);
    servedIds.push(await hub.modelIdOf(family, await hub.latestVersion(family)));
  }
  const blocks = (await conn.ethers.provider.getBlockNumber()) - firstBlock;
  return { servedIds, keyGas, versionGas, seconds: (performance.now() - t) / 1000, blocks };
}

/** What reading the registry costs: modelVersion(id) by eth_call, its gas, and a full log scan. */
async function lookupCost(hub: Contract, ids: string[]) {
  const sample = Array.from({ length: 200 }, (_, i) => ids[(i * 7919) % ids.length]);
  const callMs: number[] = [];
  for (const id of sample) {
    const t = performance.now();
    await hub.modelVersion(id);
    callMs.push(performance.now() - t);
  }
  const gas = Number(await hub.modelVersion.estimateGas(sample[0]));
  const head = await hub.runner!.provider!.getBlockNumber();
  const t = performance.now();
  let events = 0;
  let calls = 0;
  for (let start = 0; start <= head; start += 2000) {
    events += (await hub.queryFilter(hub.filters.ModelVersionRegistered(), start, Math.min(head, start + 1999))).length;
    calls++;
  }
  return {
    modelVersionCallMs: summary(callMs, 2),
    modelVersionEstimateGas: gas,
    logScan: { blocks: head + 1, eth_getLogsCalls: calls, events, ms: round(performance.now() - t) },
  };
}

/** All of `filter`'s events from block 0 to the head, in 5,000-block steps. */
async function allEvents(hub: Contract, filter: unknown) {
  const head = await hub.runner!.provider!.getBlockNumber();
  const out = [];
  for (let start = 0; start <= head; start += 5000)
    out.push(...(await hub.queryFilter(filter as never, start, Math.min(head, start + 4999))));
  return out as unknown as {
    args: Record<string, unknown> & unknown[];
    transactionHash: string;
    blockNumber: number;
  }[];
}

// ---------------------------------------------------------------- API node and workers

function nodeArgs(b: Bench): string[] {
  return [
    "node",
    "start",
    "--models",
    ...b.models.map((m) => m.model.ref.circuitId),
    "--rpc",
    b.chain.url,
    "--key-file",
    b.operatorKeyFile,
    "--protocol",
    b.deployment.protocol,
    "--db",
    b.pg.url,
    "--queue",
    b.redis.url,
    "--queue-prefix",
    QUEUE_PREFIX,
    "--no-prove",
    "--no-enclave",
    "--no-auth",
    "--port",
    `${b.nodePort}`,
    "--state-dir",
    path.join(b.dir, "node-state"),
    "--log-level",
    "warn",
    "--rate-limit",
    "1000000",
    "--max-proof-jobs",
    "10000",
    "--log-range",
    "2000",
  ];
}

/** Starts the API node; returns how long it took and how long each model's lookup took (ms). */
/**
 * Starts the API node; returns how long it took and how long each model's lookup took (ms). A start
 * that fails (the process exits before listening) is tried again, up to 3 times; the failures are
 * returned (a node that cannot start is a finding, not a reason to lose the run).
 */
async function startNode(b: Bench) {
  const t = Date.now();
  const failedStarts: string[] = [];
  for (;;) {
    const logFile = path.join(b.dir, `api-node-${b.nodeProcs.length + failedStarts.length + 1}.log`);
    try {
      const { proc } = await startAssay("api-node", nodeArgs(b), /assay node listening on (http:\/\/\S+)/, { logFile });
      b.node = proc;
      b.nodeProcs.push(proc);
      return { ms: Date.now() - t, ...startTimes(proc, t), failedStarts };
    } catch (e) {
      const lines = (e as Error).message.split("\n");
      const why = lines.filter((l) => l.startsWith("assay: ")).pop() ?? lines[0];
      failedStarts.push(why);
      say(`api node did not start (${why}); log ${logFile}`);
      if (failedStarts.length >= 3) throw e;
    }
  }
}

/** Where a node's start went: loading models and connecting, then the lookup of the models by key (ms). */
function startTimes(proc: Proc, t: number) {
  // A lookup (one pass over the registration events for every model) ends with the line after its
  // "looking up" line.
  const lookupMs: number[] = [];
  proc.err.forEach((l, i) => {
    if (/^looking up /.test(l.text)) lookupMs.push((proc.err[i + 1]?.t ?? proc.out[0].t) - l.t);
  });
  const connected = proc.err.find((l) => /^chain: /.test(l.text))?.t ?? t;
  return {
    lookupMs,
    modelsLoadedAndChainConnectedMs: connected - t,
    lookupsTotalMs: lookupMs.reduce((a, x) => a + x, 0),
  };
}

function workerArgs(b: Bench, w: Worker): string[] {
  return [
    "worker",
    "--queue",
    b.redis.url,
    "--queue-prefix",
    QUEUE_PREFIX,
    "--db",
    b.pg.url,
    "--models",
    ...b.models.map((m) => m.model.ref.circuitId),
    "--rpc",
    b.chain.url,
    "--key-file",
    w.keyFile,
    "--protocol",
    b.deployment.protocol,
  ];
}

async function startWorker(b: Bench, w: Worker): Promise<void> {
  const env = w.threads === "1" ? { [PROVER_THREADS_ENV]: "1" } : { [PROVER_THREADS_ENV]: "" };
  const { proc, match } = await startAssay(
    w.name,
    workerArgs(b, w),
    /assay worker (0x[0-9a-fA-F]{40}) taking proof jobs/,
    {
      logFile: path.join(b.dir, `${w.name}-${w.procs.length + 1}.log`),
      env,
      cpu: w.cpu,
    },
  );
  if (match[1].toLowerCase() !== w.address.toLowerCase())
    throw new Error(`${w.name} runs as ${match[1]}, expected ${w.address}`);
  w.proc = proc;
  w.procs.push(proc);
}

async function stopWorkers(b: Bench): Promise<void> {
  for (const w of b.workers) noteFinalCpu(b, w.name, w.proc);
  await Promise.all(b.workers.map((w) => w.proc?.stop("SIGTERM")));
  for (const w of b.workers) w.proc = undefined;
}

// ---------------------------------------------------------------- the load client

type Level = "signed" | "proven";

interface Request {
  i: number;
  phase: string;
  level: Level;
  model: ScaleModel;
}

interface Refusal {
  t: number;
  why: string;
}

interface Outcome {
  i: number;
  phase: string;
  level: Level;
  model: string;
  /** Send time of the accepted attempt (ms since the epoch). */
  sentAt: number;
  httpMs: number;
  claimId?: string;
  gotLevel?: string;
  refusals: Refusal[];
  abandoned: boolean;
}

/** Request `i` of `phase`: its model and level, deterministic in `i`. */
function requestFor(b: Bench, phase: string, i: number, level?: Level): Request {
  const share = b.o.provenShare;
  const proven = level === "proven" || (level === undefined && Math.floor((i + 1) * share) > Math.floor(i * share));
  return { i, phase, level: proven ? "proven" : "signed", model: b.models[(i * 7 + (i >> 5)) % b.models.length] };
}

/** One request, sent again after refusals (connection errors, 5xx, 429) until it is accepted. */
async function send(b: Bench, r: Request): Promise<Outcome> {
  const input = inputFor(r.model.spec.input, r.i + (r.phase === "load" ? 0 : 10_000_000));
  const body = JSON.stringify({
    model: r.model.spec.name,
    input,
    valueAtRisk: "1",
    ...(r.level === "proven" ? { level: "proven" } : {}),
  });
  const refusals: Refusal[] = [];
  for (;;) {
    if (b.aborted) return { ...base(r), sentAt: Date.now(), httpMs: 0, refusals, abandoned: true };
    const sentAt = Date.now();
    const t = performance.now();
    let why: string;
    try {
      const res = await fetch(`${nodeUrl(b)}/v1/infer`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
        signal: AbortSignal.timeout(120_000),
      });
      const text = await res.text();
      if (res.status === 200) {
        const j = JSON.parse(text) as { claimId: string; level: string };
        const httpMs = performance.now() - t;
        return {
          ...base(r),
          sentAt,
          httpMs,
          claimId: j.claimId.toLowerCase(),
          gotLevel: j.level,
          refusals,
          abandoned: false,
        };
      }
      if (res.status < 500 && res.status !== 429)
        throw new Error(`request ${r.phase}#${r.i} was rejected (${res.status}): ${text.slice(0, 300)}`);
      why = `${res.status} ${text.slice(0, 160)}`;
    } catch (e) {
      if ((e as Error).message.startsWith(`request ${r.phase}#`)) throw e;
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      why = cause?.code ?? cause?.message ?? (e as Error).message;
    }
    refusals.push({ t: sentAt, why });
    if (refusals.length >= MAX_REFUSALS) return { ...base(r), sentAt, httpMs: 0, refusals, abandoned: true };
    await sleep(RETRY_MS);
  }
}

function base(r: Request) {
  return { i: r.i, phase: r.phase, level: r.level, model: r.model.spec.name };
}

/** Sends `requests`, `concurrency` at a time; `onAccepted(n)` after each accepted one. */
async function load(
  b: Bench,
  requests: Request[],
  concurrency: number,
  onAccepted?: (n: number) => void,
): Promise<Outcome[]> {
  let accepted = 0;
  let lastLog = Date.now();
  const out = await pool(requests, concurrency, async (r) => {
    const o = await send(b, r);
    b.outcomes.push(o);
    if (!o.abandoned) accepted++;
    onAccepted?.(accepted);
    if (Date.now() - lastLog > 15_000) {
      lastLog = Date.now();
      say(`${r.phase}: ${accepted}/${requests.length} accepted`);
    }
    return o;
  });
  return out;
}

// ---------------------------------------------------------------- claim store and queue reads

interface Row {
  claim_id: string;
  status: string;
  level: string;
  created_ms: string;
  updated_ms: string;
  record: string;
}

async function withPg<T>(b: Bench, f: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: b.pg.url });
  await c.connect();
  try {
    return await f(c);
  } finally {
    await c.end();
  }
}

/** Accepted claims still in flight (proving or waiting for a batch). */
async function inFlight(b: Bench, ids: string[]): Promise<{ proving: number; batching: number }> {
  return withPg(b, async (c) => {
    const r = await c.query<{ status: string; n: string }>(
      "SELECT status, COUNT(*) AS n FROM claims WHERE claim_id = ANY($1) AND status IN ('proving', 'batching') " +
        "GROUP BY status",
      [ids],
    );
    const n = (s: string) => Number(r.rows.find((x) => x.status === s)?.n ?? 0);
    return { proving: n("proving"), batching: n("batching") };
  });
}

function bullQueue(b: Bench): Queue {
  const q = new Queue("proofs", { connection: parseRedisUrl(b.redis.url), prefix: QUEUE_PREFIX });
  // Connection errors while this run restarts Redis are expected: ioredis reconnects, commands wait.
  q.on("error", () => {});
  return q;
}

interface JobTimes {
  id: string;
  createdAt: number;
  processedOn?: number;
  finishedOn?: number;
  attemptsMade: number;
  stalledCounter: number;
  state: string;
  failedReason?: string;
}

/** Every proof job in Redis with its times (completed and failed jobs are kept: 10,000 of each). */
async function jobTimes(b: Bench): Promise<Map<string, JobTimes>> {
  const q = bullQueue(b);
  try {
    const out = new Map<string, JobTimes>();
    for (const state of [
      "completed",
      "failed",
      "active",
      "wait",
      "delayed",
      "prioritized",
      "waiting-children",
    ] as const) {
      const jobs = await q.getJobs([state], 0, -1);
      for (const j of jobs) {
        if (!j?.id) continue;
        out.set(j.id, {
          id: j.id,
          createdAt: j.timestamp,
          processedOn: j.processedOn,
          finishedOn: j.finishedOn,
          attemptsMade: j.attemptsMade,
          stalledCounter: (j as unknown as { stalledCounter?: number }).stalledCounter ?? 0,
          state,
          failedReason: j.failedReason || undefined,
        });
      }
    }
    return out;
  } finally {
    await q.close();
  }
}

// ---------------------------------------------------------------- phase 1: worker scaling

interface ScalingRun {
  label: string;
  workers: number;
  threadsPerWorker: "1" | "default (one per CPU)";
  /** Each worker's CPU when pinned (taskset), else null. */
  pinnedTo: (number | null)[];
  warmupJobs: number;
  jobs: number;
  jobsPerWorker: Record<string, number>;
  seconds: number;
  proofsPerMinute: number;
  steadyProofsPerMinute: number | null;
  proveSeconds: Summary | null;
  cpu: Record<string, number>;
  workerCores: number;
  proofsPerWorkerCoreMinute: number | null;
}

/** A worker process's "proved in X s" times (seconds) logged at or after `since` (ms since the epoch). */
function proveTimes(p: Proc, since: number): number[] {
  const out: number[] = [];
  for (const l of p.err) {
    const m = /: proved in ([0-9.]+) s;/.exec(l.text);
    if (m && l.t >= since) out.push(Number(m[1]));
  }
  return out;
}

/** `n` Proven requests of `phase`, sent until accepted; their claim ids. */
async function provenBatch(b: Bench, phase: string, n: number): Promise<string[]> {
  const requests = Array.from({ length: n }, (_, i) => requestFor(b, phase, i, "proven"));
  return (await load(b, requests, b.o.concurrency)).filter((o) => !o.abandoned).map((o) => o.claimId!);
}

async function waitProven(b: Bench, ids: string[]): Promise<void> {
  while ((await inFlight(b, ids)).proving > 0) await sleep(250);
}

/**
 * A worker process's first proof takes seconds (JIT, curve, witness calculators), which is not the
 * throughput asked about: each worker proves at least 3 jobs before the measured ones are queued.
 */
async function warmUp(b: Bench, workers: Worker[], label: string): Promise<number> {
  let jobs = 0;
  for (let round = 0; round < 10; round++) {
    if (workers.every((w) => proveTimes(w.proc!, 0).length >= 3)) break;
    const ids = await provenBatch(b, `warmup-${label}-${round}`, 3 * workers.length);
    await waitProven(b, ids);
    jobs += ids.length;
  }
  return jobs;
}

async function scalingRun(b: Bench, workers: Worker[], n: number, label: string): Promise<ScalingRun> {
  await Promise.all(workers.map((w) => startWorker(b, w)));
  const warmupJobs = await warmUp(b, workers, label);
  const q = bullQueue(b);
  await q.pause();
  const accepted = await provenBatch(b, `scaling-${label}`, n);
  const before = cpuNow(b);
  const start = Date.now();
  await q.resume();
  await q.close();
  await waitProven(b, accepted);
  const after = cpuNow(b);
  const times = await jobTimes(b);
  const finishes = accepted
    .map((id) => times.get(id)?.finishedOn)
    .filter((x): x is number => x !== undefined)
    .sort((a, b) => a - b);
  const end = finishes[finishes.length - 1] ?? Date.now();
  const [k10, k90] = [Math.floor(0.1 * finishes.length), Math.floor(0.9 * finishes.length)];
  const steady =
    k90 > k10 && finishes[k90] > finishes[k10] ? ((k90 - k10) * 60_000) / (finishes[k90] - finishes[k10]) : null;
  const proveSeconds = summary(
    workers.flatMap((w) => proveTimes(w.proc!, start)),
    3,
  );
  const perWorker = Object.fromEntries(workers.map((w) => [w.name, proveTimes(w.proc!, start).length]));
  const shares = cpuShares(before, after);
  // Cores the workers had on average: what the machine gave them, whatever else ran.
  const cores = workers.reduce((a, w) => a + (shares[w.name] ?? 0), 0) * os.cpus().length;
  await stopWorkers(b);
  const run: ScalingRun = {
    label,
    workers: workers.length,
    threadsPerWorker: workers[0].threads === "1" ? "1" : "default (one per CPU)",
    pinnedTo: workers.map((w) => w.cpu ?? null),
    warmupJobs,
    jobs: accepted.length,
    jobsPerWorker: perWorker,
    seconds: round((end - start) / 1000, 2),
    proofsPerMinute: round((accepted.length * 60_000) / (end - start)),
    steadyProofsPerMinute: steady === null ? null : round(steady),
    proveSeconds,
    cpu: shares,
    workerCores: round(cores, 2),
    proofsPerWorkerCoreMinute: cores > 0 ? round((accepted.length * 60_000) / (end - start) / cores) : null,
  };
  say(
    `scaling: ${run.workers} worker(s), ${run.threadsPerWorker} thread(s): ${run.proofsPerMinute} proofs/min ` +
      `(steady ${run.steadyProofsPerMinute}), ${run.jobs} jobs in ${run.seconds} s; cpu ${JSON.stringify(run.cpu)}`,
  );
  return run;
}

const ratioOf = (a: number | null, b: number | null) => (a && b ? round(a / b, 2) : null);

/**
 * Waits until other work (everything outside this run's processes, measured over 5 s) takes at most
 * --scaling-quiet of the machine, or until `budget.ms` of waiting is used up. Returns what it saw.
 */
async function waitForQuiet(b: Bench, budget: { ms: number }): Promise<{ waitedSeconds: number; other: number }> {
  const t = Date.now();
  for (;;) {
    const before = cpuNow(b);
    await sleep(5000);
    const other = cpuShares(before, cpuNow(b)).other ?? 0;
    const waited = Date.now() - t;
    if (other <= b.o.scalingQuiet || waited >= budget.ms) {
      budget.ms = Math.max(0, budget.ms - waited);
      return { waitedSeconds: round(waited / 1000), other };
    }
    say(`scaling: other work takes ${other} of the machine; waiting for at most ${b.o.scalingQuiet}`);
  }
}

/**
 * Proving alone (bench/scale-prove-only.ts: no chain, queue or database), pinned to CPU 0, then two
 * copies on CPU 0 and CPU 1 at once: how proving itself scales on this machine's cores.
 */
async function provingAlone(b: Bench) {
  const n = b.o.scalingJobs;
  const ids = b.models.map((m) => m.model.ref.circuitId);
  const run = async (cpus: number[]) => {
    const procs = cpus.map(
      (cpu) =>
        new Proc(
          `prove-only-${cpu}`,
          "taskset",
          ["-c", `${cpu}`, process.execPath, "--import", "tsx", PROVE_ONLY, `${n}`, ...ids],
          {
            env: assayEnv({ [PROVER_THREADS_ENV]: "1" }),
            logFile: path.join(b.dir, `prove-only-${cpus.length}-${cpu}.log`),
          },
        ),
    );
    const out = [];
    for (const p of procs) {
      const { code } = await p.exited;
      p.close();
      const last = p.out[p.out.length - 1]?.text;
      if (code !== 0 || !last) throw new Error(`${p.name} failed (exit ${code}):\n${p.tail()}`);
      const r = JSON.parse(last) as { proofs: number; seconds: number };
      out.push(round((r.proofs * 60) / r.seconds));
    }
    return out;
  };
  const [one] = await run([0]);
  const two = await run([0, 1]);
  const ratio = round((two[0] + two[1]) / one, 2);
  say(`proving alone: 1 process ${one} proofs/min, 2 processes ${two.join(" + ")} (${ratio}x)`);
  return {
    how:
      `${n} proofs per process after one warm-up proof per model, each process pinned to its CPU (taskset), ` +
      `$${PROVER_THREADS_ENV}=1; witness + Groth16 proof + signal check, as a worker does before it submits`,
    onePerMinute: one,
    twoPerMinute: two,
    ratio,
  };
}

/**
 * The same pair with each worker pinned to a CPU of its own (taskset: worker-1 on CPU 0, worker-2
 * on CPU 1): "one worker" then means one core, its helper threads (GC, file reads, Redis and
 * database clients) included, where an unpinned worker's helpers run on the otherwise idle core.
 * The chain, Redis, PostgreSQL and the API node are not pinned and share both cores.
 */
async function pinnedPair(b: Bench, budget: { ms: number }) {
  const [w1, w2] = b.workers;
  const before = await waitForQuiet(b, budget);
  [w1.cpu, w2.cpu] = [0, 1];
  try {
    const one = await scalingRun(b, [w1], b.o.scalingJobs, "pinned-one-worker");
    const two = await scalingRun(b, [w1, w2], b.o.scalingJobs, "pinned-two-workers");
    const ratio = ratioOf(two.proofsPerMinute, one.proofsPerMinute)!;
    return {
      one,
      two,
      ratio,
      steadyRatio: ratioOf(two.steadyProofsPerMinute, one.steadyProofsPerMinute),
      coreNormalizedRatio: ratioOf(two.proofsPerWorkerCoreMinute, one.proofsPerWorkerCoreMinute),
      otherCpu: round((one.cpu.other ?? 0) + (two.cpu.other ?? 0), 3),
      waitedForQuietSeconds: before.waitedSeconds,
      met: ratio >= 1.8,
    };
  } finally {
    [w1.cpu, w2.cpu] = [undefined, undefined];
  }
}

/**
 * Pairs of runs (1 worker, then 2) until one ran on a quiet enough machine (at most
 * --scaling-repeats), then 1 worker with snarkjs's default threads for reference. On a shared
 * machine other work comes and goes: the headline ratio is the pair whose runs other work disturbed
 * least (smallest summed cpu.other); every pair is reported.
 */
async function workerScaling(b: Bench) {
  const n = b.o.scalingJobs;
  const [w1, w2] = b.workers;
  const pairs = [];
  const budget = { ms: b.o.scalingWaitMinutes * 60_000 };
  for (let r = 1; r <= b.o.scalingRepeats; r++) {
    if (r > 1) say(`scaling: other work took more than ${b.o.scalingQuiet} of the machine; pair ${r}`);
    const before = await waitForQuiet(b, budget);
    const one = await scalingRun(b, [w1], n, `${r}-one-worker`);
    const two = await scalingRun(b, [w1, w2], n, `${r}-two-workers`);
    pairs.push({
      one,
      two,
      ratio: ratioOf(two.proofsPerMinute, one.proofsPerMinute)!,
      steadyRatio: ratioOf(two.steadyProofsPerMinute, one.steadyProofsPerMinute),
      otherCpu: round((one.cpu.other ?? 0) + (two.cpu.other ?? 0), 3),
      coreNormalizedRatio: ratioOf(two.proofsPerWorkerCoreMinute, one.proofsPerWorkerCoreMinute),
      waitedForQuietSeconds: before.waitedSeconds,
      otherCpuBefore: before.other,
    });
    if (Math.max(one.cpu.other ?? 1, two.cpu.other ?? 1) <= b.o.scalingQuiet) break;
  }
  w1.threads = "default";
  const reference = await scalingRun(b, [w1], n, "reference-default-threads");
  w1.threads = "1";
  const pinned = await pinnedPair(b, budget);
  const alone = await provingAlone(b);
  const chosen = pairs.reduce((best, p) => (p.otherCpu < best.otherCpu ? p : best), pairs[0]);
  const ratios = pairs.map((p) => p.ratio).sort((x, y) => x - y);
  return {
    setup:
      `${os.cpus().length} CPUs (${os.cpus()[0]?.model.trim()}); each worker an \`assay worker\` process with ` +
      `$${PROVER_THREADS_ENV}=1 (snarkjs proves on the process's own thread: no worker threads), concurrency 1, ` +
      "its own key; each worker first proves at least 3 warm-up jobs (its first proof takes seconds: JIT, curve, " +
      "witness calculators), then the measured jobs are queued while the BullMQ queue is paused and the clock " +
      "starts when it resumes; proofs/min = jobs / (last job's finish - resume); steady = jobs finished between " +
      "the 10th and 90th percentile finish times over that span; the chain (hardhat node), Redis, PostgreSQL " +
      "and the idle API node share the same 2 cores",
    pairs,
    reference,
    selection:
      `before each pair the run waits (at most ${b.o.scalingWaitMinutes} min in all) until other work takes at ` +
      `most ${b.o.scalingQuiet} of the machine over 5 s; pairs are run until one whose runs other work took at ` +
      `most that much (cpu.other), at most ${b.o.scalingRepeats}; the headline ratio is the pair with the least ` +
      "otherCpu (one.cpu.other + two.cpu.other). coreNormalizedRatio compares proofs per minute per core the workers " +
      "actually got (workerCores): how proving scales apart from how much CPU the machine gave",
    chosenPair: pairs.indexOf(chosen) + 1,
    ratio: chosen.ratio,
    steadyRatio: chosen.steadyRatio,
    medianRatio: ratios[Math.floor((ratios.length - 1) / 2)],
    target: 1.8,
    met: chosen.ratio >= 1.8,
    pinned,
    provingAlone: alone,
  };
}

// ---------------------------------------------------------------- phases 2-3: load with faults

interface Fault {
  kind: "worker-sigkill" | "redis-restart" | "api-node-restart";
  atAccepted: number;
  startedAt: number;
  endedAt: number;
  loadRunningAtStart: boolean;
  loadRunningAtEnd: boolean;
  details: Record<string, unknown>;
}

/** The job a worker process is running now (its last "taken" with no outcome line after it). */
function runningJob(p: Proc): { job: string; claim: string; t: number } | undefined {
  let current: { job: string; claim: string; t: number } | undefined;
  for (const l of p.err) {
    const taken = /^job (\S+): taken \(claim (0x[0-9a-fA-F]+)/.exec(l.text);
    if (taken) current = { job: taken[1], claim: taken[2].toLowerCase(), t: l.t };
    else if (current && l.text.startsWith(`job ${current.job}: `)) current = undefined;
  }
  return current;
}

async function killWorkerMidProof(b: Bench, w: Worker): Promise<Record<string, unknown>> {
  const p = w.proc!;
  const deadline = Date.now() + 120_000;
  let job = runningJob(p);
  // Mid-proof: taken at least 50 ms ago (past the level check), no outcome yet.
  while (!(job && Date.now() - job.t >= 50) && Date.now() < deadline) {
    await sleep(10);
    job = runningJob(p);
  }
  if (!job) throw new Error(`${w.name} took no job in 120 s: cannot kill it mid-proof`);
  noteFinalCpu(b, w.name, p);
  p.child.kill("SIGKILL");
  const msIntoJob = Date.now() - job.t;
  await p.exited;
  const provenAtKill = Number(await b.protocol.levelOf(job.claim)) === 3;
  await startWorker(b, w);
  return { worker: w.name, pid: p.pid, job: job.job, claim: job.claim, msIntoJob, provenAtKill };
}

async function restartNode(b: Bench): Promise<Record<string, unknown>> {
  const old = b.node!;
  const t = Date.now();
  noteFinalCpu(b, "api-node", old);
  old.child.kill("SIGKILL");
  await old.exited;
  const batching = await withPg(b, async (c) => {
    const r = await c.query<{ n: string }>("SELECT COUNT(*) AS n FROM claims WHERE status = 'batching'");
    return Number(r.rows[0].n);
  });
  const started = await startNode(b);
  return {
    pid: old.pid,
    signal: "SIGKILL",
    signedClaimsWaitingForABatchAtKill: batching,
    downMs: Date.now() - t,
    startMs: started.ms,
    modelLookupsMs: started.lookupsTotalMs,
    failedStarts: started.failedStarts,
  };
}

/** Accepted Proven claims whose job is not in Redis (each proof job's id is its claim id). */
async function jobsMissing(b: Bench, ids: string[]): Promise<string[]> {
  const q = bullQueue(b);
  try {
    const states = await pool(ids, 32, (id) => q.getJobState(id));
    return ids.filter((_, i) => states[i] === "unknown");
  } finally {
    await q.close();
  }
}

/** SIGKILL Redis and start it again; then every Proven claim accepted before the kill must have its job. */
async function restartRedis(b: Bench): Promise<Record<string, unknown>> {
  const t = Date.now();
  const before = b.outcomes.filter((o) => o.gotLevel === "Proven" && o.sentAt + o.httpMs < t).map((o) => o.claimId!);
  noteFinalCpu(b, "redis", b.redis.proc);
  const downMs = await b.redis.restart();
  const missing = await jobsMissing(b, before);
  return {
    signal: "SIGKILL",
    downMs,
    provenAcceptedBeforeKill: before.length,
    theirJobsMissingAfterRestart: missing.length,
    missing: missing.slice(0, 20),
  };
}

async function runFault(b: Bench, kind: Fault["kind"], atAccepted: number, loading: () => boolean): Promise<Fault> {
  const startedAt = Date.now();
  const loadRunningAtStart = loading();
  say(`fault: ${kind} at ${atAccepted} accepted`);
  let details: Record<string, unknown>;
  if (kind === "worker-sigkill") details = await killWorkerMidProof(b, b.workers[0]);
  else if (kind === "redis-restart") details = await restartRedis(b);
  else details = await restartNode(b);
  say(`fault: ${kind} done ${JSON.stringify(details)}`);
  return { kind, atAccepted, startedAt, endedAt: Date.now(), loadRunningAtStart, loadRunningAtEnd: loading(), details };
}

async function loadWithFaults(b: Bench) {
  const n = b.o.inferences;
  const plan: [number, Fault["kind"]][] = b.o.faults
    ? [
        [0.15, "worker-sigkill"],
        [0.4, "redis-restart"],
        [0.65, "api-node-restart"],
      ]
    : [];
  const faults: Fault[] = [];
  let chain = Promise.resolve();
  let next = 0;
  const onAccepted = (accepted: number) => {
    while (next < plan.length && accepted >= Math.ceil(plan[next][0] * n)) {
      const [, kind] = plan[next++];
      // A fault that cannot be carried out (the API node does not come back) stops the load: the run
      // ends with the error, after tearing down what it started.
      chain = chain
        .then(async () => void faults.push(await runFault(b, kind, accepted, () => loading)))
        .catch((e) => {
          b.aborted ??= e as Error;
        });
    }
  };
  await Promise.all(b.workers.map((w) => startWorker(b, w)));
  const requests = Array.from({ length: n }, (_, i) => requestFor(b, "load", i));
  const before = cpuNow(b);
  const start = Date.now();
  let loading = true;
  const outcomes = await load(b, requests, b.o.concurrency, onAccepted);
  loading = false;
  const end = Date.now();
  const after = cpuNow(b);
  await chain;
  if (b.aborted) throw b.aborted;
  return { outcomes, start, end, faults, cpu: cpuShares(before, after) };
}

async function drain(b: Bench, ids: string[]) {
  const start = Date.now();
  const before = cpuNow(b);
  const deadline = start + b.o.drainMinutes * 60_000;
  let lastLog = 0;
  for (;;) {
    let left: { proving: number; batching: number };
    try {
      left = await inFlight(b, ids);
    } catch (e) {
      say(`drain: claim store read failed (${(e as Error).message}); trying again`);
      await sleep(2000);
      continue;
    }
    if (left.proving + left.batching === 0) break;
    if (Date.now() > deadline) {
      say(`drain: gave up after ${b.o.drainMinutes} min with ${JSON.stringify(left)} in flight`);
      break;
    }
    if (Date.now() - lastLog > 30_000) {
      lastLog = Date.now();
      say(`drain: ${left.proving} proving, ${left.batching} batching`);
    }
    await sleep(1000);
  }
  return { seconds: (Date.now() - start) / 1000, cpu: cpuShares(before, cpuNow(b)) };
}

// ---------------------------------------------------------------- verification

interface StoreRecord {
  status: string;
  level: string;
  createdMs: number;
  updatedMs: number;
  record: ClaimRecord;
}

async function readStore(b: Bench): Promise<Map<string, StoreRecord>> {
  return withPg(b, async (c) => {
    const r = await c.query<Row>("SELECT claim_id, status, level, created_ms, updated_ms, record FROM claims");
    const out = new Map<string, StoreRecord>();
    for (const row of r.rows)
      out.set(row.claim_id, {
        status: row.status,
        level: row.level,
        createdMs: Number(row.created_ms),
        updatedMs: Number(row.updated_ms),
        record: fromJson<ClaimRecord>(row.record),
      });
    return out;
  });
}

/** Log lines of every process of the worker slots that match `re`. */
function workerLines(b: Bench, re: RegExp): number {
  return b.workers.flatMap((w) => w.procs.flatMap((p) => p.err)).filter((l) => re.test(l.text)).length;
}

async function verify(b: Bench, store: Map<string, StoreRecord>, jobs: Map<string, JobTimes>, faults: Fault[]) {
  const accepted = b.outcomes.filter((o) => !o.abandoned);
  const acceptedIds = new Set(accepted.map((o) => o.claimId!));
  const missing = accepted.filter((o) => !store.has(o.claimId!)).map((o) => o.claimId);
  const proven = accepted.filter((o) => o.gotLevel === "Proven");
  const signed = accepted.filter((o) => o.gotLevel === "Signed");
  const wrongLevel = accepted.filter((o) => (o.level === "proven") !== (o.gotLevel === "Proven")).length;

  const provenEvents = await allEvents(b.protocol, b.protocol.filters.ClaimProven());
  const eventsPerClaim = new Map<string, number>();
  const byBeneficiary = new Map<string, number>();
  for (const e of provenEvents) {
    const id = String(e.args.claimId).toLowerCase();
    eventsPerClaim.set(id, (eventsPerClaim.get(id) ?? 0) + 1);
    const who = String(e.args.beneficiary).toLowerCase();
    byBeneficiary.set(who, (byBeneficiary.get(who) ?? 0) + 1);
  }
  const provenNoEvent = proven.filter((o) => !eventsPerClaim.has(o.claimId!)).length;
  const provenTwice = [...eventsPerClaim.values()].filter((n) => n > 1).length;
  const provenNotRecorded = proven.filter((o) => store.get(o.claimId!)?.status !== "proven").length;
  // BullMQ keeps the last 10,000 completed jobs: an older one is gone from Redis (its claim's record still says).
  const jobGone = proven.filter((o) => !jobs.has(o.claimId!)).length;
  const jobNotDone = proven.filter((o) => jobs.has(o.claimId!) && jobs.get(o.claimId!)!.state !== "completed").length;
  const jobsRetried = proven.filter((o) => (jobs.get(o.claimId!)?.attemptsMade ?? 0) > 1).length;
  const jobsStalled = proven.filter((o) => (jobs.get(o.claimId!)?.stalledCounter ?? 0) > 0).map((o) => o.claimId);

  // Every transaction a worker account sent is a submitProven; those that did not emit ClaimProven reverted.
  const reverted: Record<string, number> = {};
  for (const w of b.workers) {
    const sent = await b.chain.conn.ethers.provider.getTransactionCount(w.address);
    reverted[w.name] = sent - (byBeneficiary.get(w.address.toLowerCase()) ?? 0);
  }

  const batchEvents = await allEvents(b.protocol, b.protocol.filters.BatchPosted());
  const roots = new Map(batchEvents.map((e) => [String(e.args.root).toLowerCase(), Number(e.args.size)]));
  const rootTx = new Map(batchEvents.map((e) => [String(e.args.root).toLowerCase(), e]));
  const referenced = new Set<string>();
  let notBatched = 0;
  let rootMissing = 0;
  for (const o of signed) {
    const r = store.get(o.claimId!);
    if (r?.status !== "batched" || !r.record.batch) {
      notBatched++;
      continue;
    }
    const root = r.record.batch.root.toLowerCase();
    referenced.add(root);
    if (!roots.has(root)) rootMissing++;
  }
  for (const r of store.values()) if (r.record.batch) referenced.add(r.record.batch.root.toLowerCase());
  const unreferenced = [...roots.entries()].filter(([root]) => !referenced.has(root));
  const unreferencedRoots = await Promise.all(
    unreferenced.slice(0, 20).map(async ([root, size]) => {
      const e = rootTx.get(root)!;
      const block = await b.chain.conn.ethers.provider.getBlock(e.blockNumber);
      return { root, size, tx: e.transactionHash, block: e.blockNumber, at: new Date(block!.timestamp * 1000) };
    }),
  );
  const merkle = await merkleSample(b, signed, store);

  const orphans: Record<string, number> = {};
  const orphanProven = [...eventsPerClaim.keys()].filter((id) => !acceptedIds.has(id)).length;
  for (const [id, r] of store) if (!acceptedIds.has(id)) orphans[r.status] = (orphans[r.status] ?? 0) + 1;

  // The job the killed worker was proving: run again by another worker, proven once.
  const killedJobs = faults
    .filter((f) => f.kind === "worker-sigkill")
    .map((f) => {
      const claim = String(f.details.claim);
      const job = jobs.get(claim);
      return {
        claim,
        claimProvenEvents: eventsPerClaim.get(claim) ?? 0,
        recorded: store.get(claim)?.status,
        jobState: job?.state,
        attemptsMade: job?.attemptsMade,
        stalledCounter: job?.stalledCounter,
        finishedSecondsAfterKill: job?.finishedOn ? round((job.finishedOn - f.startedAt) / 1000) : null,
      };
    });
  const lost = missing.length + provenNoEvent + provenNotRecorded + notBatched + rootMissing + merkle.failed;
  const duplicated = provenTwice;
  return {
    accepted: accepted.length,
    acceptedProven: proven.length,
    acceptedSigned: signed.length,
    levelNotAsAsked: wrongLevel,
    abandonedRequests: b.outcomes.filter((o) => o.abandoned).length,
    claimStore: { rows: store.size, acceptedMissing: missing.length },
    proven: {
      claimProvenEvents: provenEvents.length,
      acceptedWithoutEvent: provenNoEvent,
      claimsWithMoreThanOneEvent: provenTwice,
      acceptedNotRecordedProven: provenNotRecorded,
      jobsNotCompleted: jobNotDone,
      jobsNoLongerInRedis: jobGone,
      jobsWithMoreThanOneAttempt: jobsRetried,
      jobsRecoveredFromStall: jobsStalled,
      revertedSubmitProvenTransactions: reverted,
      workerAttemptsFailed: workerLines(b, /: attempt [0-9]+ failed:/),
      workerFoundAlreadyProven: workerLines(b, /is already Proven on chain; nothing sent/),
    },
    signed: {
      batchPostedEvents: batchEvents.length,
      claimsInPostedBatches: [...roots.values()].reduce((a, x) => a + x, 0),
      acceptedNotBatched: notBatched,
      acceptedWhoseRootIsNotOnChain: rootMissing,
      rootsOnChainNoRecordPointsTo: unreferenced.length,
      claimsUnderThoseRoots: unreferenced.reduce((a, [, n]) => a + n, 0),
      thoseRoots: unreferencedRoots,
      merkleProofsChecked: merkle,
    },
    killedWorkersJobs: killedJobs,
    refusedRequestRecords: { byStatus: orphans, provenOnChain: orphanProven },
    lostAcceptedClaimsOrJobs: lost,
    duplicatedJobsOnChain: duplicated,
  };
}

/** checkBatchedClaim for up to --merkle-checks accepted Signed claims (evenly spread). */
async function merkleSample(b: Bench, signed: Outcome[], store: Map<string, StoreRecord>) {
  const n = Math.min(b.o.merkleChecks, signed.length);
  const picks = Array.from({ length: n }, (_, k) => signed[Math.floor((k * signed.length) / n)]);
  let failed = 0;
  await pool(picks, 8, async (o) => {
    const r = store.get(o.claimId!)?.record;
    if (!r?.batch) return failed++;
    try {
      const id: string = await b.protocol.checkBatchedClaim(
        b.operator.address,
        r.batch.root,
        r.claim as Claim,
        r.batch.proof,
      );
      if (id.toLowerCase() !== o.claimId) failed++;
    } catch {
      failed++;
    }
  });
  return { checked: n, failed };
}

// ---------------------------------------------------------------- measurements

function gasPerLevel(b: Bench, store: Map<string, StoreRecord>, ids: Set<string>) {
  const perClaimSigned: number[] = [];
  const batches = new Map<string, { gas: number; size: number }>();
  const proven: number[] = [];
  for (const [id, r] of store) {
    if (!ids.has(id)) continue;
    const rec = r.record;
    if (rec.batch) {
      perClaimSigned.push(Number(rec.batch.transaction.gasUsed) / rec.batch.size);
      batches.set(rec.batch.root, { gas: Number(rec.batch.transaction.gasUsed), size: rec.batch.size });
    }
    if (r.status === "proven" && rec.transaction) proven.push(Number(rec.transaction.gasUsed));
  }
  const bs = [...batches.values()];
  return {
    Signed: {
      perClaim: summary(perClaimSigned, 0),
      batches: bs.length,
      batchSize: summary(
        bs.map((x) => x.size),
        1,
      ),
      postBatchGas: summary(
        bs.map((x) => x.gas),
        0,
      ),
      note:
        "per claim = postBatch gasUsed / batch size; a claim is imported on chain (importBatchedClaim) " +
        "only if disputed",
    },
    Proven: {
      submitProven: summary(proven, 0),
      withoutTransactionInRecord: [...ids].filter((id) => store.get(id)?.status === "proven").length - proven.length,
    },
  };
}

/** How long the API node was down (restarting) while the load ran (ms): nothing could be accepted then. */
function nodeDownMs(faults: Fault[], from: number, to: number): number {
  return faults
    .filter((f) => f.kind === "api-node-restart")
    .reduce((a, f) => a + Math.max(0, Math.min(f.endedAt, to) - Math.max(f.startedAt, from)), 0);
}

/** Where a Proven claim's time went: waiting in the queue, then proving and submitting (BullMQ's times). */
function jobPhases(ids: string[], jobs: Map<string, JobTimes>) {
  const wait: number[] = [];
  const run: number[] = [];
  for (const id of ids) {
    const j = jobs.get(id);
    if (!j?.processedOn || !j.finishedOn) continue;
    wait.push((j.processedOn - j.createdAt) / 1000);
    run.push((j.finishedOn - j.processedOn) / 1000);
  }
  return { queued: summary(wait, 2), provingAndSubmitting: summary(run, 3) };
}

function latencyPerLevel(outcomes: Outcome[], store: Map<string, StoreRecord>) {
  const e2e = { Signed: [] as number[], Proven: [] as number[] };
  const http = { Signed: [] as number[], Proven: [] as number[] };
  for (const o of outcomes) {
    if (o.abandoned) continue;
    const level = o.gotLevel as "Signed" | "Proven";
    http[level]?.push(o.httpMs);
    const r = store.get(o.claimId!);
    const done = level === "Signed" ? r?.status === "batched" : r?.status === "proven";
    if (r && done) e2e[level]?.push((r.updatedMs - o.sentAt) / 1000);
  }
  return {
    endToEndSeconds: { Signed: summary(e2e.Signed, 2), Proven: summary(e2e.Proven, 2) },
    httpResponseMs: { Signed: summary(http.Signed, 1), Proven: summary(http.Proven, 1) },
  };
}

/** Proofs per minute over the accepted Proven claims' job finish times, within [from, to]. */
function proofsPerMinute(ids: string[], jobs: Map<string, JobTimes>, from: number, to: number): number | null {
  const n = ids.map((id) => jobs.get(id)?.finishedOn).filter((f) => f !== undefined && f >= from && f <= to).length;
  return to > from ? round((n * 60_000) / (to - from)) : null;
}

function refusalsByPhase(b: Bench) {
  const out: Record<string, { requests: number; refusals: number; reasons: Record<string, number> }> = {};
  for (const o of b.outcomes) {
    if (o.refusals.length === 0) continue;
    const p = (out[o.phase] ??= { requests: 0, refusals: 0, reasons: {} });
    p.requests++;
    p.refusals += o.refusals.length;
    for (const r of o.refusals) {
      const key = r.why.replace(/0x[0-9a-fA-F]+/g, "0x..").slice(0, 100);
      p.reasons[key] = (p.reasons[key] ?? 0) + 1;
    }
  }
  return out;
}

// ---------------------------------------------------------------- the run

async function setUp(o: Options, dir: string): Promise<{ b: Bench; registry: RegistryResult; modelsSeconds: number }> {
  say(`run directory ${dir}`);
  const t = performance.now();
  const models = await scaleModels(o.models, say);
  const modelsSeconds = (performance.now() - t) / 1000;
  const chainNode = await startHardhatNode(dir);
  process.env.ASSAY_PRIVATE_KEY = "";
  const conn = await connectChain({ rpc: chainNode.url });
  say(`chain: hardhat node at ${chainNode.url}`);
  const funded = await deployAndFund(conn, dir);
  const registry = await registerVersions(conn, funded.deployment, models, o.versions);
  say(`registered ${o.versions} model versions in ${registry.seconds.toFixed(1)} s`);
  const pgBase = process.env.ASSAY_BENCH_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
  const redis = await RedisServer.start(path.join(dir, "redis"));
  const b: Bench = {
    o,
    dir,
    models,
    chain: { proc: chainNode.proc, url: chainNode.url, conn },
    deployment: funded.deployment,
    protocol: funded.protocol,
    operator: funded.operator,
    operatorKeyFile: funded.operatorKeyFile,
    redis,
    pg: await scratchPostgres(pgBase),
    nodePort: await freePort(),
    nodeProcs: [],
    workers: funded.workerKeys.map((k, i) => ({ name: `worker-${i + 1}`, ...k, threads: "1", procs: [] })),
    outcomes: [],
    finishedCpu: {},
  };
  return { b, registry, modelsSeconds };
}

async function tearDown(b: Bench | undefined, dir: string, keep: boolean): Promise<void> {
  if (b) {
    await Promise.all(b.workers.map((w) => w.proc?.stop("SIGTERM", 30_000)));
    await b.node?.stop("SIGTERM", 30_000);
    await b.redis.stop();
    await b.chain.conn.close().catch(() => {});
    await b.chain.proc.stop("SIGTERM", 10_000);
    await b.pg.drop().catch((e) => say(`could not drop ${b.pg.url}: ${(e as Error).message}`));
    for (const p of [...b.nodeProcs, ...b.workers.flatMap((w) => w.procs), b.chain.proc]) p.close();
  }
  await releaseCurve();
  if (!keep) rmSync(dir, { recursive: true, force: true });
  else say(`logs and state kept in ${dir}`);
}

function machine() {
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model.trim(),
    memGB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    loadAverageAtStart: os.loadavg().map((x) => round(x, 2)),
  };
}

/** The full size's wall time, extrapolated from this run's rates (when this run was smaller). */
function estimateFull(
  o: Options,
  m: { registerSeconds: number; loadSeconds: number; provenPerMinute: number | null; fixedSeconds: number },
) {
  const registration = (m.registerSeconds * FULL.versions) / o.versions;
  const loadS = (m.loadSeconds * FULL.inferences) / o.inferences;
  const proofs = FULL.inferences * o.provenShare;
  const proving = m.provenPerMinute ? (proofs / m.provenPerMinute) * 60 : null;
  return {
    method:
      "registration and load scaled linearly by count; proving = 20,000 x proven share / this run's proofs per " +
      "minute under load; models compiled once (cached), scaling phase and start-ups as measured",
    registrationSeconds: round(registration),
    loadSeconds: round(loadS),
    provingSecondsAfterLoadStart: proving === null ? null : round(proving),
    totalMinutes: proving === null ? null : round((m.fixedSeconds + registration + Math.max(loadS, proving)) / 60, 1),
  };
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const dir = mkdtempSync(path.join(os.tmpdir(), "assay-scale-"));
  let b: Bench | undefined;
  try {
    const set = await setUp(o, dir);
    b = set.b;
    const { registry } = set;
    const lookup = await lookupCost(b.protocol, await allModelIds(b));
    const nodeStart = await startNode(b);
    say(`API node up in ${nodeStart.ms} ms (model lookups ${nodeStart.lookupMs.join(", ")} ms)`);
    const tScaling = Date.now();
    const scaling = o.scalingJobs > 0 ? await workerScaling(b) : null;
    const scalingSeconds = (Date.now() - tScaling) / 1000;
    const run = await loadWithFaults(b);
    say(`load: ${o.inferences} accepted in ${((run.end - run.start) / 1000).toFixed(1)} s; draining`);
    const loadIds = run.outcomes.filter((x) => !x.abandoned).map((x) => x.claimId!);
    const allIds = b.outcomes.filter((x) => !x.abandoned).map((x) => x.claimId!);
    const drained = await drain(b, allIds);
    const store = await readStore(b);
    const jobs = await jobTimes(b);
    const verification = await verify(b, store, jobs, run.faults);
    const loadSet = new Set(loadIds);
    const provenIds = run.outcomes.filter((x) => x.gotLevel === "Proven").map((x) => x.claimId!);
    const fullSize = o.inferences === FULL.inferences && o.versions === FULL.versions && o.models === FULL.models;
    const lastFinish = Math.max(run.end, ...provenIds.map((id) => jobs.get(id)?.finishedOn ?? 0));
    const report = {
      generatedBy: "npm run bench:scale (bench/scale.ts)",
      date: new Date().toISOString(),
      machine: machine(),
      run: {
        options: { ...o, out: path.relative(PROJECT_ROOT, o.out) },
        fullSize,
        wallSeconds: round((Date.now() - t0) / 1000),
        phases: {
          modelsSeconds: round(set.modelsSeconds),
          registrationSeconds: round(registry.seconds),
          nodeStartMs: nodeStart.ms,
          scalingSeconds: round(scalingSeconds),
          loadSeconds: round((run.end - run.start) / 1000),
          drainSeconds: round(drained.seconds),
        },
      },
      setup: setupDescription(b),
      models: b.models.map((m) => ({
        name: m.spec.name,
        layers: [m.spec.input, ...m.spec.hidden, m.spec.output].join("-"),
        constraints: m.model.manifest.circuit.constraints,
        circuitId: m.model.ref.circuitId,
      })),
      registry: registryReport(registry, lookup, nodeStart, b),
      workerScaling: scaling,
      load: {
        inferences: run.outcomes.length,
        accepted: loadIds.length,
        perLevel: countLevels(run.outcomes),
        inferencesPerSecond: round((loadIds.length * 1000) / (run.end - run.start)),
        inferencesPerSecondApiNodeUp: round(
          (loadIds.length * 1000) / (run.end - run.start - nodeDownMs(run.faults, run.start, run.end)),
        ),
        proofsPerMinute: {
          duringLoad: proofsPerMinute(provenIds, jobs, run.start, run.end),
          afterLoad: proofsPerMinute(provenIds, jobs, run.end, lastFinish),
          overall: proofsPerMinute(provenIds, jobs, run.start, lastFinish),
        },
        gas: gasPerLevel(b, store, loadSet),
        latency: { ...latencyPerLevel(run.outcomes, store), provenJobSeconds: jobPhases(provenIds, jobs) },
        refused: refusalsByPhase(b),
        cpu: { load: run.cpu, drain: drained.cpu },
      },
      faults: run.faults,
      verification,
      targets: {
        workerScaling: scaling
          ? {
              target: ">= 1.8x",
              ratio: scaling.ratio,
              met: scaling.met,
              pinnedToOneCoreEach: { ratio: scaling.pinned.ratio, met: scaling.pinned.met },
              provingAloneRatio: scaling.provingAlone.ratio,
            }
          : null,
        zeroLostOrDuplicated: {
          lost: verification.lostAcceptedClaimsOrJobs,
          duplicated: verification.duplicatedJobsOnChain,
          met: verification.lostAcceptedClaimsOrJobs === 0 && verification.duplicatedJobsOnChain === 0,
        },
      },
      estimateForFullSize: fullSize
        ? "this run was the full size"
        : estimateFull(o, {
            registerSeconds: registry.seconds,
            loadSeconds: (run.end - run.start) / 1000,
            provenPerMinute: proofsPerMinute(provenIds, jobs, run.start, lastFinish),
            fixedSeconds: set.modelsSeconds + scalingSeconds + nodeStart.ms / 1000,
          }),
      notes: NOTES,
    };
    writeFileSync(o.out, `${JSON.stringify(report, null, 2)}\n`);
    say(`wrote ${path.relative(PROJECT_ROOT, o.out)}: ${JSON.stringify(report.targets)}`);
  } finally {
    await tearDown(b, dir, o.keep);
  }
}

async function allModelIds(b: Bench): Promise<string[]> {
  const events = await allEvents(b.protocol, b.protocol.filters.ModelVersionRegistered());
  return events.map((e) => String(e.args.modelId));
}

function countLevels(outcomes: Outcome[]) {
  const out: Record<string, number> = {};
  for (const o of outcomes) if (!o.abandoned) out[o.gotLevel!] = (out[o.gotLevel!] ?? 0) + 1;
  return out;
}

function registryReport(
  r: RegistryResult,
  lookup: Awaited<ReturnType<typeof lookupCost>>,
  nodeStart: Awaited<ReturnType<typeof startNode>>,
  b: Bench,
) {
  return {
    versions: r.versionGas.first.length + r.versionGas.later.length,
    families: b.models.length,
    blocks: r.blocks,
    seconds: round(r.seconds),
    gas: {
      registerKey: summary(r.keyGas, 0),
      registerModelVersionFirstOfFamily: summary(r.versionGas.first, 0),
      registerModelVersionLater: summary(r.versionGas.later, 0),
      registerModelVersionAll: summary([...r.versionGas.first, ...r.versionGas.later], 0),
    },
    lookup: {
      ...lookup,
      modelVersionEstimateGasNote: "eth_estimateGas of a modelVersion(id) call: includes the 21,000 intrinsic gas",
      apiNodeStart: {
        ms: nodeStart.ms,
        modelsLoadedAndChainConnectedMs: nodeStart.modelsLoadedAndChainConnectedMs,
        lookupsTotalMs: nodeStart.lookupsTotalMs,
        failedStarts: nodeStart.failedStarts,
        lookupPassesMs: nodeStart.lookupMs,
        how:
          "the node (real-chain mode, no --model-id) reads ModelVersionRegistered logs from block 0 in " +
          "--log-range 2000 steps once for all its models, keeps those with a served model's verifying key, " +
          "reads each one's modelVersion to keep the active ones, and serves the latest per model",
      },
    },
  };
}

function setupDescription(b: Bench) {
  return {
    chain: "hardhat node (EDR) over JSON-RPC on loopback, automine, chain id 31337",
    apiNode: `assay ${nodeArgs(b)
      .map((a) => (a === b.pg.url ? "postgres://.../<scratch>" : a))
      .join(" ")}`,
    workers: b.workers.map((w) => ({
      name: w.name,
      address: w.address,
      env: `${PROVER_THREADS_ENV}=1 (during the load; scaling runs as listed there)`,
      processes: w.procs.length,
    })),
    redis: {
      server: "redis-server 7 started by the bench on a free loopback port, its own data dir",
      config: b.redis.config.join(" "),
      restarts: b.redis.restarts,
      whyNotTheSharedOne:
        "the machine's Redis on 6379 runs without persistence: restarting it loses queued jobs by design",
    },
    postgres: "scratch database on the machine's PostgreSQL 15, created for the run and dropped after it",
    batching: "node defaults: 32 claims per root or 2 s after the first",
  };
}

const NOTES = [
  "One machine runs everything (chain, Redis, PostgreSQL, API node, workers, load client): their CPU shares " +
    "are in load.cpu; 'other' is the rest of the machine (other people's work on a shared machine shows there).",
  "End-to-end latency of a Proven claim includes its wait in the queue behind every Proven request sent " +
    "before it: the load offers proofs far faster than two workers prove them, so it grows through the run.",
  "Refused requests (connection errors or 5xx during a fault) were sent again as new requests; they never " +
    "got a 200, so they are not accepted claims; records the node wrote for them are in " +
    "verification.refusedRequestRecords.",
  "revertedSubmitProvenTransactions: each worker account's nonce minus its ClaimProven events (every " +
    "transaction a worker sends is a submitProven). A worker that finds a claim already Proven sends nothing.",
];

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`bench/scale.ts failed: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  },
);
