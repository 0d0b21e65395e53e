// Load benchmark of the inference node's HTTP API: requests per second and latency of
// POST /v1/infer at each level of evidence, then a profile of where one request's time goes.
//
//   npm run bench:node-load      (= tsx bench/node-load.ts; writes bench/node-load.json)
//   npx tsx bench/node-load.ts --levels signed --connections 8 --duration 5   (a subset: no JSON unless --out f)
//   options: --levels signed,attested,proven  --connections 1,8,32  --duration 10  --warmup 2
//            --profile-requests 200 (0: no profile)  --rerun-above 0.15 (1: never rerun)  --out <file>
//
// Load: `assay node start` runs in a child process (bin/assay.mjs, as a user runs it) and
// autocannon drives it from this process. Every (level, connections) run gets a fresh node — its
// own embedded chain, deployment, staked operator, registered model, development enclave and
// state directory — so no run inherits another's waiting batch, proof backlog or database size.
// The API is open on loopback (no keys) with --rate-limit and --max-proof-jobs at their maxima,
// so nothing is throttled. Requests rotate through the 360 held-out digits; a warm-up (discarded)
// precedes each measured run; non-2xx responses and connection errors are counted, never hidden.
// Latency percentiles come from every 2xx response's time as autocannon measured it (hrtime, not
// its whole-millisecond histogram).
//
// Proven requests return once the claim and its proof job are stored. When `assay node start`
// has --no-prove, the node only queues jobs, in a scratch PostgreSQL database
// ($ASSAY_BENCH_POSTGRES_URL or postgres://postgres@127.0.0.1:5432/test), so proving does not
// compete for the CPU; otherwise proving runs in the node's process and the JSON says so.
//
// Other work on the machine: CPU time is read from /proc for the node (with its enclave), for
// this process (the client) and for the whole machine; the rest is other processes' load. A run
// in which they took more than --rerun-above of the machine is run once more at the end, and the
// row keeps the quieter attempt (the other is kept beside it).
//
// Profile, two ways. Under load: the best Signed run once more with V8's sampling profiler in the
// node (--cpu-prof), its main thread's self time in the measured window summed per package or
// file. One request at a time: the same service in this process (InferenceService over the
// embedded chain, as `node start` builds it; challenge watcher off, proof jobs queued but not
// run), every JSON-RPC call to the chain and every database statement counted and timed for the
// request during which it was made; one batch post timed apart; and the pieces (integer
// evaluation, input commitment, claim id, signing, record writes, batch tree) timed alone. The
// instrumentation lives here only: the node's code is measured as it is.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { type Contract, hexlify, type Interface, Wallet } from "ethers";
import { cacheRoot, PROJECT_ROOT } from "../prover/artifacts.js";
import { BatchTree } from "../prover/chain/batch-tree.js";
import { attach } from "../prover/chain/protocol-client.js";
import { claimFor, claimIdOf, signClaim, type TypedDataSigner } from "../prover/chain/claim.js";
import type { CompiledModel } from "../prover/compile-model.js";
import { loadDataSet } from "../prover/data/dataset.js";
import { openModel } from "../prover/model-store.js";
import { infer } from "../prover/prove-inference.js";
import { evaluateInteger } from "../prover/engine/evaluate.js";
import { type ClaimRecord, ClaimStore } from "../prover/node/claim-store.js";
import { type Database, openDatabase, type Row, type Sql } from "../prover/node/db/database.js";
import { bootstrapDevNode } from "../prover/node/dev-bootstrap.js";
import { InferenceService } from "../prover/node/inference-service.js";
import type { NodeState } from "../prover/node/node-state.js";
import { releaseCurve } from "../prover/zk/groth16.js";
import { scratchPostgres } from "../test/helpers/services.js";
import { BENCH_MODELS } from "./models.js";

const require = createRequire(import.meta.url);
const ASSAY_BIN = path.join(PROJECT_ROOT, "bin/assay.mjs");
const MODEL = BENCH_MODELS.find((m) => m.name === "digits-mlp-64-32-10")!;
const ONNX = path.join(PROJECT_ROOT, "models", `${MODEL.name}.onnx`);
const CALIB = path.join(PROJECT_ROOT, "models/data/digits-8x8-calib.json");
const TEST = path.join(PROJECT_ROOT, "models/data/digits-8x8-test.json");
const OUT = path.join(PROJECT_ROOT, "bench/node-load.json");
const CHILD_ENV: NodeJS.ProcessEnv = { ...process.env, ASSAY_CACHE_DIR: cacheRoot() };
/** The largest values `assay node start` accepts: nothing is throttled. */
const OPEN_LIMITS = ["--rate-limit", "1000000", "--max-proof-jobs", "10000"];
const TIMEOUT_SECONDS = 30;

const LEVELS = { signed: "Signed", attested: "Attested", proven: "Proven" } as const;
type Level = keyof typeof LEVELS;

// ---------------------------------------------------------------- options

interface Options {
  levels: Level[];
  connections: number[];
  duration: number;
  warmup: number;
  profileRequests: number;
  rerunAbove: number;
  /** Where the JSON goes: bench/node-load.json for the full set, else only when --out names a file. */
  out?: string;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      levels: { type: "string", default: "signed,attested,proven" },
      connections: { type: "string", default: "1,8,32" },
      duration: { type: "string", default: "10" },
      warmup: { type: "string", default: "2" },
      "profile-requests": { type: "string", default: "200" },
      "rerun-above": { type: "string", default: "0.15" },
      out: { type: "string" },
    },
  });
  const levels = values.levels.split(",").map((l) => {
    if (!Object.hasOwn(LEVELS, l)) throw new Error(`--levels: "${l}" is not one of ${Object.keys(LEVELS).join(", ")}`);
    return l as Level;
  });
  const connections = values.connections.split(",").map((c) => int("--connections", c, 1, 1000));
  return {
    levels,
    connections,
    duration: int("--duration", values.duration, 1, 3600),
    warmup: int("--warmup", values.warmup, 0, 600),
    profileRequests: int("--profile-requests", values["profile-requests"], 0, 100_000),
    rerunAbove: fraction("--rerun-above", values["rerun-above"]),
    out:
      values.out ?? (values.levels === "signed,attested,proven" && values.connections === "1,8,32" ? OUT : undefined),
  };
}

function int(name: string, v: string, min: number, max: number): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < min || n > max)
    throw new Error(`${name} must be an integer in [${min}, ${max}], got "${v}"`);
  return n;
}

function fraction(name: string, v: string): number {
  const n = Number(v);
  if (v.trim() === "" || !(n >= 0 && n <= 1)) throw new Error(`${name} must be a number in [0, 1], got "${v}"`);
  return n;
}

// ---------------------------------------------------------------- statistics

const round = (x: number, digits = 1) => +x.toFixed(digits);
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function summarize(xs: readonly number[]) {
  const s = [...xs].sort((a, b) => a - b);
  const at = (p: number) => round(percentile(s, p), 2);
  return { mean: round(mean(s), 2), p50: at(50), p99: at(99), max: at(100) };
}

// ---------------------------------------------------------------- CPU accounting (/proc)

const CLK_TCK = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout?.trim()) || 100;

/** user + system CPU ms of one process (all its threads), or 0 if it is gone. */
function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // utime and stime are fields 14 and 15 of stat(5); `fields` starts at field 3.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  } catch {
    return 0;
  }
}

/** The pid and its descendants (the node and its enclave process). */
function processTree(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    try {
      for (const tid of readdirSync(`/proc/${out[i]}/task`)) {
        const kids = readFileSync(`/proc/${out[i]}/task/${tid}/children`, "utf8").trim();
        if (kids) out.push(...kids.split(" ").map(Number));
      }
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Busy CPU ms of the whole machine (all cores), from /proc/stat. */
function machineBusyMs(): number {
  const [, ...ticks] = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = ticks;
  return ((user + nice + system + irq + softirq + steal) * 1000) / CLK_TCK;
}

interface CpuMark {
  at: number;
  machine: number;
  node: number;
  client: number;
}

const HAS_PROC = existsSync("/proc/stat");

function cpuMark(nodePid: number): CpuMark | undefined {
  if (!HAS_PROC) return undefined;
  const u = process.cpuUsage();
  return {
    at: performance.now(),
    machine: machineBusyMs(),
    node: processTree(nodePid).reduce((a, p) => a + processCpuMs(p), 0),
    client: (u.user + u.system) / 1000,
  };
}

/** Cores used between two marks by the node, by this process (the client) and by everything else. */
function cpuBetween(a: CpuMark | undefined, b: CpuMark | undefined, requests: number) {
  if (!a || !b) return null;
  const wall = b.at - a.at;
  const node = b.node - a.node;
  const client = b.client - a.client;
  const other = Math.max(0, b.machine - a.machine - node - client);
  return {
    nodeCores: round(node / wall, 2),
    clientCores: round(client / wall, 2),
    otherCores: round(other / wall, 2),
    otherShare: round(other / wall / os.cpus().length, 3),
    nodeCpuMsPerRequest: requests > 0 ? round(node / requests, 2) : null,
  };
}

// ---------------------------------------------------------------- the node under load

interface NodeChild {
  url: string;
  pid: number;
  state: NodeState;
  stateDir: string;
  log: NodeLog;
  stop(): Promise<number | null>;
  /** performance.now() when the process exited (undefined while it runs). */
  exitedAt(): number | undefined;
}

/** What the node's stderr said: batches posted, faults (first few), and its last lines. */
class NodeLog {
  batchesPosted = 0;
  faults = 0;
  readonly firstFaults: string[] = [];
  readonly tail: string[] = [];
  private partial = "";

  /** A batch post line, a 5xx / failure progress line, or a pino JSON line at level error or fatal. */
  static readonly FAULT = /^(5\d\d |batch .* not posted|proof job .* failed|record update failed)|"level":\s*(50|60)\b/;

  write(chunk: string): void {
    const lines = (this.partial + chunk).split("\n");
    this.partial = lines.pop()!;
    for (const line of lines) {
      if (/^batch .* posted:/.test(line)) this.batchesPosted++;
      if (NodeLog.FAULT.test(line)) {
        this.faults++;
        if (this.firstFaults.length < 5) this.firstFaults.push(line.slice(0, 400));
      }
      this.tail.push(line);
      if (this.tail.length > 40) this.tail.shift();
    }
  }
}

const live = new Set<ChildProcess>();
process.once("exit", () => live.forEach((c) => c.kill("SIGKILL")));

function runAssay(args: string[]): string {
  const r = spawnSync(process.execPath, [ASSAY_BIN, ...args], { cwd: PROJECT_ROOT, env: CHILD_ENV, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`assay ${args.slice(0, 2).join(" ")} exited ${r.status}: ${r.stderr.trim()}`);
  return r.stdout;
}

/** Starts `assay node start` on a fresh embedded chain and state directory; resolves once it listens. */
/** The compiled model: its circuit and which of its Groth16 key sets (a circuit may be set up more than once). */
interface ModelKeys {
  circuitId: string;
  ptauId: string;
}

async function startNode(model: ModelKeys, extra: string[], env = CHILD_ENV): Promise<NodeChild> {
  const stateDir = mkdtempSync(path.join(os.tmpdir(), "assay-node-load-"));
  const args = ["node", "start", "--models", model.circuitId, "--ptau-id", model.ptauId, "--port", "0"];
  args.push("--state-dir", stateDir, ...OPEN_LIMITS);
  const child = spawn(process.execPath, [ASSAY_BIN, ...args, ...extra], {
    cwd: PROJECT_ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  live.add(child);
  const log = new NodeLog();
  child.stderr!.on("data", (d) => log.write(String(d)));
  let exitedAt: number | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => {
      exitedAt = performance.now();
      resolve(code);
    }),
  );
  void exited.then(() => live.delete(child));
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(
      () => reject(new Error(`node start: not listening after 300 s\n${log.tail.join("\n")}`)),
      300_000,
    );
    child.stdout!.on("data", (d) => {
      out += String(d);
      const m = /assay node listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    void exited.then((code) =>
      reject(new Error(`node start exited (${code}) before listening:\n${log.tail.join("\n")}`)),
    );
    void exited.finally(() => clearTimeout(timer));
  });
  const state = JSON.parse(readFileSync(path.join(stateDir, "node.json"), "utf8")) as NodeState;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    const killer = setTimeout(() => child.kill("SIGKILL"), 120_000);
    const code = await exited;
    clearTimeout(killer);
    return code;
  };
  return { url, pid: child.pid!, state, stateDir, log, stop, exitedAt: () => exitedAt };
}

/** How proof jobs are handled during the Proven runs; `perRun` gives one run's extra node options. */
interface ProvenSetup {
  proving: string;
  db: string;
  perRun(): Promise<{ args: string[]; dbUrl?: string; drop(): Promise<void> }>;
}

async function provenSetup(help: string): Promise<ProvenSetup> {
  const inProcess: ProvenSetup = {
    proving: "in the node's process (prove concurrency 1), competing with the HTTP server for the cores",
    db: "sqlite (the default, in the state directory)",
    perRun: async () => ({ args: [], drop: async () => {} }),
  };
  // --no-prove needs somewhere shared for the jobs (the node refuses it with its own SQLite).
  if (!/--no-prove\b/.test(help) || !/--db\b/.test(help)) return inProcess;
  const base = process.env.ASSAY_BENCH_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
  try {
    await (await scratchPostgres(base)).drop();
  } catch (e) {
    console.error(`no PostgreSQL at ${base} (${(e as Error).message}): proving runs in the node's process`);
    return inProcess;
  }
  return {
    proving: "none (--no-prove: jobs are only queued, in PostgreSQL)",
    db: "postgres (a scratch database per run, dropped after it)",
    perRun: async () => {
      const scratch = await scratchPostgres(base);
      return { args: ["--no-prove", "--db", scratch.url], dbUrl: scratch.url, drop: scratch.drop };
    },
  };
}

// ---------------------------------------------------------------- one run

interface Shot {
  seconds: number;
  requests2xx: number;
  requestsPerSecond: number;
  latencyMs: ReturnType<typeof summarize>;
  non2xx: number;
  statusCodes: Record<string, number>;
  errors: number;
  timeouts: number;
}

/** autocannon against POST /v1/infer for `seconds`, each request with the next body in turn. */
function cannon(url: string, bodies: readonly string[], connections: number, seconds: number): Promise<Shot> {
  let next = 0;
  const latencies: number[] = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${url}/v1/infer`,
        method: "POST",
        headers: { "content-type": "application/json" },
        connections,
        duration: seconds,
        timeout: TIMEOUT_SECONDS,
        requests: [{ setupRequest: (req) => ({ ...req, body: bodies[next++ % bodies.length] }) }],
      },
      (err, r) => {
        if (err) return reject(err);
        const codes = Object.fromEntries(Object.entries(r.statusCodeStats ?? {}).map(([k, v]) => [k, v.count ?? 0]));
        resolve({
          seconds: r.duration,
          requests2xx: r["2xx"],
          requestsPerSecond: round(r["2xx"] / r.duration),
          latencyMs: summarize(latencies),
          non2xx: r.non2xx,
          statusCodes: codes,
          errors: r.errors,
          timeouts: r.timeouts,
        });
      },
    );
    instance.on("response", (_client, status, _bytes, ms) => {
      if (status >= 200 && status < 300) latencies.push(ms);
    });
  });
}

/** What the first node said of itself at GET /healthz (batching, policy, enclave). */
let nodeSeen:
  { batch: { size: number; intervalMs: number } | null; policy: unknown; enclave: string | null } | undefined;

async function readHealth(url: string): Promise<void> {
  const h = (await (await fetch(`${url}/healthz`)).json()) as NonNullable<typeof nodeSeen>;
  nodeSeen ??= { batch: h.batch, policy: h.policy, enclave: h.enclave };
}

/** One request before the load: the node answers 200 at the level asked for. */
async function smokeTest(url: string, body: string, level: Level): Promise<void> {
  const res = await fetch(`${url}/v1/infer`, { method: "POST", headers: { "content-type": "application/json" }, body });
  const text = await res.text();
  const got = res.ok ? (JSON.parse(text) as { level?: string }).level : undefined;
  if (!res.ok || got !== LEVELS[level])
    throw new Error(`smoke request at ${level}: HTTP ${res.status}, level ${got}, expected ${LEVELS[level]}: ${text}`);
}

/**
 * Claims per status in the node's database, read after the node stopped; or why they could not be
 * read (the node's code may have moved on under a running bench, e.g. to a newer schema).
 */
async function claimCounts(node: NodeChild, dbUrl: string | undefined): Promise<Record<string, number | string>> {
  try {
    const db = await openDatabase({ url: dbUrl, stateDir: node.state.dataDir });
    try {
      const counts = await new ClaimStore(db, () => {}).counts();
      return Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));
    } finally {
      await db.close();
    }
  } catch (e) {
    return { unreadable: (e as Error).message.split("\n")[0] };
  }
}

interface RunRow {
  level: Level;
  connections: number;
  result: Shot;
  warmup: Pick<Shot, "requests2xx" | "non2xx" | "errors" | "timeouts">;
  cpu: ReturnType<typeof cpuBetween>;
  loadavg1: { before: number; after: number };
  batchesPosted: number;
  answered2xx: number;
  claimsAfterStop: Record<string, number | string>;
  nodeFaults: { whileServing: number; atShutdown: number; first: string[] };
  nodeExit: number | null;
  otherAttempt?: Omit<RunRow, "otherAttempt">;
}

async function runOnce(
  level: Level,
  connections: number,
  ctx: { model: ModelKeys; inputs: number[][]; o: Options; proven: ProvenSetup },
): Promise<RunRow> {
  const extra = level === "proven" ? await ctx.proven.perRun() : { args: [], drop: async () => {} };
  const node = await startNode(ctx.model, extra.args).catch(async (e) => {
    await extra.drop();
    throw e;
  });
  try {
    const model = node.state.models[0].alias ?? node.state.models[0].modelId;
    const bodies = ctx.inputs.map((input) => JSON.stringify({ model, input, valueAtRisk: "1", level }));
    await readHealth(node.url);
    await smokeTest(node.url, bodies[bodies.length - 1], level);
    const warm = ctx.o.warmup > 0 ? await cannon(node.url, bodies, connections, ctx.o.warmup) : undefined;
    const loadBefore = os.loadavg()[0];
    const batchesBefore = node.log.batchesPosted;
    const a = cpuMark(node.pid);
    const result = await cannon(node.url, bodies, connections, ctx.o.duration);
    const b = cpuMark(node.pid);
    const batchesPosted = node.log.batchesPosted - batchesBefore;
    const loadAfter = os.loadavg()[0];
    // Requests autocannon left in flight finish before the node is stopped.
    await new Promise((r) => setTimeout(r, 1000));
    const faultsBeforeStop = node.log.faults;
    const nodeExit = await node.stop();
    return {
      level,
      connections,
      result,
      warmup: {
        requests2xx: warm?.requests2xx ?? 0,
        non2xx: warm?.non2xx ?? 0,
        errors: warm?.errors ?? 0,
        timeouts: warm?.timeouts ?? 0,
      },
      cpu: cpuBetween(a, b, result.requests2xx),
      loadavg1: { before: round(loadBefore, 2), after: round(loadAfter, 2) },
      batchesPosted,
      // Every 2xx is a stored claim: the claims below are at least this many (plus requests cut off in flight).
      answered2xx: 1 + (warm?.requests2xx ?? 0) + result.requests2xx,
      claimsAfterStop: await claimCounts(node, "dbUrl" in extra ? extra.dbUrl : undefined),
      nodeFaults: {
        whileServing: faultsBeforeStop,
        atShutdown: node.log.faults - faultsBeforeStop,
        first: node.log.firstFaults,
      },
      nodeExit,
    };
  } finally {
    await node.stop();
    rmSync(node.stateDir, { recursive: true, force: true });
    await extra.drop();
  }
}

function describeRun(r: RunRow): string {
  const s = r.result;
  const other = r.cpu ? `, others ${(r.cpu.otherShare * 100).toFixed(0)}% of the machine` : "";
  return (
    `${r.level} c=${r.connections}: ${s.requestsPerSecond} req/s, p50 ${s.latencyMs.p50} ms, ` +
    `p99 ${s.latencyMs.p99} ms, non-2xx ${s.non2xx}, errors ${s.errors}${other}`
  );
}

// ---------------------------------------------------------------- CPU profile of the node under load

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}
type CallFrame = CpuProfile["nodes"][number]["callFrame"];

/** Where a sampled frame's code lives: a package, a prover/ file, a Node module, or V8's own bucket. */
function codeOf({ functionName, url }: CallFrame): string {
  if (!url) return functionName.startsWith("(") ? functionName : `native ${functionName || "(anonymous)"}`;
  const nm = url.lastIndexOf("/node_modules/");
  if (nm >= 0) {
    const [scope, name] = url.slice(nm + "/node_modules/".length).split("/");
    return scope.startsWith("@") ? `${scope}/${name}` : scope;
  }
  if (url.startsWith("node:")) return url.split("/").slice(0, 2).join("/");
  const prover = url.indexOf("/prover/");
  return prover >= 0 ? url.slice(prover + 1) : url;
}

const addTo = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);

/** Self time per code location and per function in [from, to] µs before the profile's end, busiest first. */
function summarizeCpuProfile(p: CpuProfile, fromEndUs: number, toEndUs: number) {
  const frames = new Map(p.nodes.map((n) => [n.id, n.callFrame]));
  const [lo, hi] = [p.endTime - fromEndUs, p.endTime - toEndUs];
  const byCode = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let t = p.startTime;
  let idle = 0;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i];
    if (t < lo || t > hi) continue;
    const f = frames.get(p.samples[i])!;
    const ms = p.timeDeltas[i] / 1000;
    if (f.functionName === "(idle)") idle += ms;
    else {
      addTo(byCode, codeOf(f), ms);
      addTo(byFunction, `${f.functionName || "(anonymous)"} ${codeOf(f)}:${f.lineNumber + 1}`, ms);
    }
  }
  const busy = [...byCode.values()].reduce((a, b) => a + b, 0);
  const top = (m: Map<string, number>, n: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([what, ms]) => ({ what, ms: round(ms), share: round(ms / busy, 3) }));
  return {
    mainThreadBusyShare: round(busy / (busy + idle), 3),
    byCode: top(byCode, 20),
    topFunctions: top(byFunction, 25),
  };
}

/**
 * One more run of `level` with V8's sampling profiler in the node (--cpu-prof, main thread); the
 * samples of the measured window say where the node's main thread spends its time under load.
 */
async function cpuProfileUnderLoad(
  level: Level,
  connections: number,
  ctx: { model: ModelKeys; inputs: number[][]; o: Options },
) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "assay-node-cpuprof-"));
  const env = { ...CHILD_ENV, NODE_OPTIONS: `${CHILD_ENV.NODE_OPTIONS ?? ""} --cpu-prof --cpu-prof-dir=${dir}`.trim() };
  const node = await startNode(ctx.model, [], env);
  try {
    const model = node.state.models[0].alias ?? node.state.models[0].modelId;
    const bodies = ctx.inputs.map((input) => JSON.stringify({ model, input, valueAtRisk: "1", level }));
    await smokeTest(node.url, bodies[0], level);
    if (ctx.o.warmup > 0) await cannon(node.url, bodies, connections, ctx.o.warmup);
    const t0 = performance.now();
    const shot = await cannon(node.url, bodies, connections, ctx.o.duration);
    const t1 = performance.now();
    await node.stop();
    const exit = node.exitedAt()!;
    const file = readdirSync(dir).find((f) => f.includes(`.${node.pid}.`) && f.endsWith(".cpuprofile"));
    if (!file) throw new Error(`the node (pid ${node.pid}) wrote no CPU profile in ${dir}`);
    const profile = JSON.parse(readFileSync(path.join(dir, file), "utf8")) as CpuProfile;
    return {
      level: LEVELS[level],
      connections,
      requestsPerSecond: shot.requestsPerSecond,
      note: "self time of the node's main thread (V8 --cpu-prof) while autocannon ran; shares of the busy time",
      ...summarizeCpuProfile(profile, (exit - t0) * 1000, (exit - t1) * 1000),
    };
  } finally {
    await node.stop();
    rmSync(node.stateDir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- profile (in this process)

interface Tally {
  n: number;
  ms: number;
}
interface Trace {
  rpc: Map<string, Tally>;
  /** `ms`: time with at least one database call in flight (calls queue on one connection, so they never overlap). */
  db: { calls: number; statements: number; ms: number; inFlight: number; since: number };
  enclave: Tally;
}
const newTrace = (): Trace => ({
  rpc: new Map(),
  db: { calls: 0, statements: 0, ms: 0, inFlight: 0, since: 0 },
  enclave: { n: 0, ms: 0 },
});
/**
 * The request being traced: requests run one at a time and nothing else calls the chain or the
 * database meanwhile (no challenge watcher, proof jobs not run), so every call between a
 * request's start and end is the request's. (AsyncLocalStorage would be the tidier tool, but its
 * context does not survive the EDR provider's native promises.) Calls outside go to `background`.
 */
let active: Trace | undefined;
const background = newTrace();
const currentTrace = () => active ?? background;

async function traced<T>(trace: Trace, f: () => Promise<T>): Promise<T> {
  active = trace;
  try {
    return await f();
  } finally {
    active = undefined;
  }
}

function tally(map: Map<string, Tally>, key: string, ms: number): void {
  const t = map.get(key) ?? { n: 0, ms: 0 };
  t.n += 1;
  t.ms += ms;
  map.set(key, t);
}

interface Eip1193 {
  request(args: { method: string; params?: unknown }): Promise<unknown>;
}

/** "eth_call modelVersion": the method, and the protocol function a call or transaction invokes. */
function callName(args: { method: string; params?: unknown }, iface: Interface | undefined): string {
  const tx = Array.isArray(args.params) ? (args.params[0] as { data?: unknown; input?: unknown } | null) : null;
  const data = tx?.data ?? tx?.input;
  if (iface && typeof data === "string" && data.length >= 10) {
    try {
      const f = iface.getFunction(data.slice(0, 10));
      if (f) return `${args.method} ${f.name}`;
    } catch {
      // not a protocol function
    }
  }
  return args.method;
}

/** Counts and times every JSON-RPC call to the chain, per request (the ethers provider calls through it). */
function instrumentProvider(provider: Eip1193, iface: () => Interface | undefined): void {
  const request = provider.request.bind(provider);
  provider.request = async (args) => {
    const trace = currentTrace();
    const t0 = performance.now();
    try {
      return await request(args);
    } finally {
      tally(trace.rpc, callName(args, iface()), performance.now() - t0);
    }
  };
}

/** The database, with every call (a statement, or a transaction and its statements) counted and timed. */
function instrumentDatabase(db: Database): Database {
  const timed = async <T>(f: () => Promise<T>, statements: () => number): Promise<T> => {
    const d = currentTrace().db;
    if (d.inFlight++ === 0) d.since = performance.now();
    try {
      return await f();
    } finally {
      d.calls += 1;
      d.statements += statements();
      if (--d.inFlight === 0) d.ms += performance.now() - d.since;
    }
  };
  return {
    kind: db.kind,
    label: db.label,
    query: <T extends Row = Row>(text: string, params?: readonly unknown[]) =>
      timed(
        () => db.query<T>(text, params),
        () => 1,
      ),
    run: (text: string, params?: readonly unknown[]) =>
      timed(
        () => db.run(text, params),
        () => 1,
      ),
    transaction: <T>(fn: (tx: Sql) => Promise<T>) => {
      let n = 0;
      const counted = (tx: Sql): Sql => ({
        kind: tx.kind,
        query: <R extends Row = Row>(text: string, params?: readonly unknown[]) => (n++, tx.query<R>(text, params)),
        run: (text: string, params?: readonly unknown[]) => (n++, tx.run(text, params)),
      });
      return timed(
        () => db.transaction((tx) => fn(counted(tx))),
        () => n,
      );
    },
    close: () => db.close(),
  };
}

async function timeEach(n: number, f: (i: number) => unknown): Promise<ReturnType<typeof summarize>> {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await f(i);
    ms.push(performance.now() - t0);
  }
  return summarize(ms);
}

interface CallCost {
  call: string;
  perRequest: number;
  msPerRequest: number;
}

/** Per request: calls, statements and time, averaged over `traces`. */
function meanTrace(traces: readonly Trace[]) {
  const n = traces.length;
  const calls = new Map<string, Tally>();
  for (const t of traces) {
    for (const [k, v] of t.rpc) {
      const c = calls.get(k) ?? { n: 0, ms: 0 };
      calls.set(k, { n: c.n + v.n, ms: c.ms + v.ms });
    }
  }
  const byCall: CallCost[] = [...calls]
    .map(([call, t]) => ({ call, perRequest: round(t.n / n, 2), msPerRequest: round(t.ms / n, 3) }))
    .sort((a, b) => b.msPerRequest - a.msPerRequest);
  const sum = (f: (t: Trace) => number) => traces.reduce((a, t) => a + f(t), 0) / n;
  return {
    rpc: {
      calls: round(
        byCall.reduce((a, c) => a + c.perRequest, 0),
        2,
      ),
      ms: round(
        byCall.reduce((a, c) => a + c.msPerRequest, 0),
        3,
      ),
      byCall,
    },
    db: {
      calls: round(
        sum((t) => t.db.calls),
        2,
      ),
      statements: round(
        sum((t) => t.db.statements),
        2,
      ),
      ms: round(
        sum((t) => t.db.ms),
        3,
      ),
    },
    enclaveMs: round(
      sum((t) => t.enclave.ms),
      3,
    ),
  };
}

type LevelProfile = { level: string; requests: number; wallMs: ReturnType<typeof summarize> } & ReturnType<
  typeof meanTrace
>;

/** `n` sequential requests at `level` (after 10 unmeasured), each traced. */
async function profileLevel(service: InferenceService, level: Level, inputs: number[][], n: number) {
  const req = (i: number) => ({ model: MODEL.name, input: inputs[i % inputs.length], valueAtRisk: "1", level });
  for (let i = 0; i < 10; i++) await service.infer(req(i));
  const traces: Trace[] = [];
  const wall: number[] = [];
  for (let i = 0; i < n; i++) {
    const trace = newTrace();
    const t0 = performance.now();
    await traced(trace, () => service.infer(req(i)));
    wall.push(performance.now() - t0);
    traces.push(trace);
  }
  return { level: LEVELS[level], requests: n, wallMs: summarize(wall), ...meanTrace(traces) } satisfies LevelProfile;
}

/** Posting one batch of the default size: postBatch plus recording each claim's Merkle proof. */
async function profileBatch(service: InferenceService, inputs: number[][], size: number) {
  await service.flushBatch();
  for (let i = 0; i < size; i++)
    await service.infer({ model: MODEL.name, input: inputs[i], valueAtRisk: "1", level: "signed" });
  const trace = newTrace();
  const t0 = performance.now();
  await traced(trace, () => service.flushBatch());
  const ms = performance.now() - t0;
  return { claims: size, ms: round(ms, 2), msPerClaim: round(ms / size, 3), ...meanTrace([trace]) };
}

/** The pieces of a Signed request, each alone: evaluation, commitment, claim id, signing, chain reads, a batch tree. */
async function profilePieces(
  service: { model: CompiledModel; modelId: string; operator: TypedDataSigner; hub: Contract },
  ctx: { inputs: number[][]; chainId: bigint; n: number; provider: { getBlock(tag: string): Promise<unknown> } },
) {
  const { model, modelId, operator, hub } = service;
  const { inputs, chainId, n } = ctx;
  const x = (i: number) => inputs[i % inputs.length];
  const inf = await infer(model, x(0));
  const claim = claimFor({ modelId, requestId: `0x${"ab".repeat(32)}`, deadline: 2n ** 40n }, inf);
  const hubAddress = await hub.getAddress();
  const wallet = Wallet.createRandom();
  return {
    evaluateIntegerMs: await timeEach(n, (i) => evaluateInteger(model.quantized, x(i))),
    inferMs: await timeEach(n, (i) => infer(model, x(i))),
    claimIdEip712HashMs: await timeEach(n, () => claimIdOf(claim, chainId, hubAddress)),
    signClaimViaChainMs: await timeEach(n, () => signClaim(operator, claim, chainId, hubAddress)),
    signClaimLocalKeyMs: await timeEach(n, () => signClaim(wallet, claim, chainId, hubAddress)),
    getBlockLatestMs: await timeEach(n, () => ctx.provider.getBlock("latest")),
    batchTree32AndProofsMs: await timeEach(Math.max(1, Math.round(n / 32)), () => {
      const tree = BatchTree.fromClaimIds(Array.from({ length: 32 }, () => hexlify(randomBytes(32))));
      for (let i = 0; i < 32; i++) tree.proof(i);
    }),
    modelVersionCallMs: await timeEach(n, () => hub.modelVersion(modelId)),
  };
}

/** A view of an open transaction as a Database, so a ClaimStore writes into it (grouped commit). */
function inTransaction(tx: Sql): Database {
  return {
    kind: tx.kind,
    label: "transaction",
    query: <T extends Row = Row>(text: string, params?: readonly unknown[]) => tx.query<T>(text, params),
    run: (text: string, params?: readonly unknown[]) => tx.run(text, params),
    transaction: <T>(fn: (t: Sql) => Promise<T>) => fn(tx),
    close: async () => {},
  };
}

/**
 * Writing a real Signed record to a fresh SQLite database as the node does (one commit, so one
 * WAL fsync, per record), updating it (a transaction: read, parse, change, write), and 32 records
 * per transaction (one fsync per 32).
 */
async function profileClaimWrites(record: ClaimRecord, n: number) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "assay-node-profile-db-"));
  const db = await openDatabase({ stateDir: dir });
  try {
    const fresh = () => ({ ...record, claimId: hexlify(randomBytes(32)) });
    const store = new ClaimStore(db, () => {});
    const ids: string[] = [];
    const one = await timeEach(n, () => {
      const r = fresh();
      ids.push(r.claimId);
      return store.put(r);
    });
    const update = await timeEach(n, (i) =>
      store.update(ids[i], (r) => {
        r.status = "batched";
      }),
    );
    const groups = Math.max(1, Math.round(n / 32));
    const grouped = await timeEach(groups, () =>
      db.transaction(async (tx) => {
        const s = new ClaimStore(inTransaction(tx), () => {});
        for (let i = 0; i < 32; i++) await s.put(fresh());
      }),
    );
    return {
      putOneCommitMs: one,
      updateOneCommitMs: update,
      put32PerTransactionMsPerClaim: round(grouped.mean / 32, 3),
    };
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The node as `assay node start` builds it, in this process, instrumented: each level's requests
 * traced one at a time (proof jobs are queued, not run), one batch post, and the pieces alone.
 */
async function profile(keys: ModelKeys, inputs: number[][], n: number, batchSize: number) {
  process.env.HARDHAT_CONFIG ??= path.join(PROJECT_ROOT, "hardhat.config.ts");
  const { network } = await import("hardhat");
  const conn = await network.connect();
  let iface: Interface | undefined;
  instrumentProvider(conn.provider as unknown as Eip1193, () => iface);
  const model = await openModel(keys.circuitId, keys.ptauId);
  const stateDir = mkdtempSync(path.join(os.tmpdir(), "assay-node-profile-"));
  const boot = await bootstrapDevNode({ ethers: conn.ethers, models: [{ model, alias: MODEL.name }], stateDir });
  try {
    const hub = (await attach(conn.ethers, boot.deployment, boot.operator)).protocol as unknown as Contract;
    iface = hub.interface;
    const enclave = boot.enclave!;
    const enclaveInfer = enclave.infer.bind(enclave);
    enclave.infer = async (...args) => {
      const trace = currentTrace();
      const t0 = performance.now();
      try {
        return await enclaveInfer(...args);
      } finally {
        trace.enclave.n += 1;
        trace.enclave.ms += performance.now() - t0;
      }
    };
    const db = instrumentDatabase(await openDatabase({ stateDir }));
    const service = await InferenceService.start({
      ethers: conn.ethers,
      deployment: boot.deployment,
      operator: boot.operator,
      models: boot.served,
      enclave,
      stateDir,
      db,
      runProofJobs: false,
      watchChallenges: false,
      // Batches are posted by profileBatch only, so a request's trace never holds one.
      config: { batch: { size: 1_000_000, intervalMs: 3_600_000 } },
      log: () => {},
    });
    const levels = [];
    for (const level of Object.keys(LEVELS) as Level[]) {
      console.error(`profile: ${n} ${level} requests, one at a time`);
      levels.push(await profileLevel(service, level, inputs, n));
    }
    const batch = await profileBatch(service, inputs, batchSize);
    const [record] = await new ClaimStore(db, () => {}).list({ level: "Signed", limit: 1 });
    await service.close();
    await db.close();
    const pieces = await profilePieces(
      { model, modelId: boot.served[0].modelId, operator: boot.operator, hub },
      { inputs, chainId: BigInt(boot.deployment.chainId), n, provider: conn.ethers.provider },
    );
    return { levels, batch, pieces: { ...pieces, ...(await profileClaimWrites(record, n)) } };
  } finally {
    await boot.enclave?.stop();
    await conn.close();
    await releaseCurve();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

type Profile = Awaited<ReturnType<typeof profile>>;

/** Where a Signed request's time goes, largest first (ms per request; shares of their sum). */
function rankSigned(p: Profile) {
  const signed = p.levels.find((l) => l.level === "Signed")!;
  const inferMs = p.pieces.inferMs.mean;
  const claimIdMs = p.pieces.claimIdEip712HashMs.mean;
  const rest = signed.wallMs.mean - signed.rpc.ms - signed.db.ms - inferMs - claimIdMs;
  const costs = [
    ...signed.rpc.byCall.map((c) => ({ cost: `JSON-RPC ${c.call} (x${c.perRequest})`, ms: c.msPerRequest })),
    {
      cost: `database: ${signed.db.statements} statement(s) in ${signed.db.calls} commit(s) (SQLite, synchronous=FULL)`,
      ms: signed.db.ms,
    },
    { cost: "infer(): integer evaluation + Poseidon input commitment (timed alone)", ms: inferMs },
    { cost: "claim id: EIP-712 hash with ethers' TypedDataEncoder (timed alone)", ms: claimIdMs },
    { cost: "other JS in the service (routing, record, response view; the rest)", ms: Math.max(0, rest) },
    {
      cost: `batch posting, amortized (postBatch + ${p.batch.claims} record updates) / ${p.batch.claims}`,
      ms: p.batch.msPerClaim,
    },
  ];
  const total = costs.reduce((a, c) => a + c.ms, 0);
  return costs
    .sort((a, b) => b.ms - a.ms)
    .map((c) => ({ cost: c.cost, msPerRequest: round(c.ms, 3), share: round(c.ms / total, 3) }));
}

// ---------------------------------------------------------------- main

/** Which code was measured: the commit, and the files under prover/ and bin/ changed since. */
function codeVersion() {
  const git = (...args: string[]) => spawnSync("git", args, { cwd: PROJECT_ROOT, encoding: "utf8" }).stdout?.trim();
  const changed = git("status", "--porcelain", "--", "prover", "bin");
  return {
    commit: git("rev-parse", "HEAD") ?? null,
    uncommittedInProverOrBin: changed ? changed.split("\n").length : 0,
  };
}

function targets(rows: readonly RunRow[]) {
  const check = (level: Level, minRps: number, maxP99Ms?: number) => {
    const mine = rows.filter((r) => r.level === level);
    if (mine.length === 0) return null;
    const clean = (r: RunRow) => r.result.non2xx === 0 && r.result.errors === 0;
    const meets = (r: RunRow) =>
      clean(r) &&
      r.result.requestsPerSecond >= minRps &&
      (maxP99Ms === undefined || r.result.latencyMs.p99 <= maxP99Ms);
    // The fastest run that meets the target, else the fastest run.
    const pool = mine.some(meets) ? mine.filter(meets) : mine;
    const best = pool.reduce((a, b) => (b.result.requestsPerSecond > a.result.requestsPerSecond ? b : a));
    return {
      level: LEVELS[level],
      target: `>= ${minRps} requests/s${maxP99Ms === undefined ? "" : ` with p99 <= ${maxP99Ms} ms`} on 2 cores`,
      met: mine.some(meets),
      best: {
        connections: best.connections,
        requestsPerSecond: best.result.requestsPerSecond,
        p99Ms: best.result.latencyMs.p99,
      },
    };
  };
  return [check("signed", 500, 50), check("attested", 150)].filter((t) => t !== null);
}

function jsonRow(r: RunRow): Record<string, unknown> {
  const { result, otherAttempt, level, connections, ...rest } = r;
  return {
    level: LEVELS[level],
    connections,
    requestsPerSecond: result.requestsPerSecond,
    latencyMs: result.latencyMs,
    requests2xx: result.requests2xx,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes: result.statusCodes,
    seconds: result.seconds,
    ...rest,
    ...(otherAttempt ? { otherAttempt: jsonRow(otherAttempt) } : {}),
  };
}

function tableRow(r: RunRow) {
  return {
    level: LEVELS[r.level],
    conns: r.connections,
    "req/s": r.result.requestsPerSecond,
    "p50 ms": r.result.latencyMs.p50,
    "p99 ms": r.result.latencyMs.p99,
    "non-2xx": r.result.non2xx,
    errors: r.result.errors,
    "node CPU ms/req": r.cpu?.nodeCpuMsPerRequest ?? "?",
    "node cores": r.cpu?.nodeCores ?? "?",
    "client cores": r.cpu?.clientCores ?? "?",
    "others %": r.cpu ? round(r.cpu.otherShare * 100) : "?",
  };
}

const o = parseOptions(process.argv.slice(2));
const date = new Date().toISOString();
const code = codeVersion();
const loadavgAtStart = os.loadavg().map((x) => round(x, 2));
console.error(`compiling ${MODEL.name} with assay model compile (cached after the first time)`);
const compiled = JSON.parse(runAssay(["model", "compile", ONNX, "--calib", CALIB, "--json"])) as {
  circuitId: string;
  ptauId: string;
};
const inputs = loadDataSet(TEST).xs;
const nodeHelp = runAssay(["node", "start", "--help"]);
const proven: ProvenSetup = o.levels.includes("proven")
  ? await provenSetup(nodeHelp)
  : { proving: "not run", db: "not run", perRun: async () => ({ args: [], drop: async () => {} }) };
const ctx = { model: { circuitId: compiled.circuitId, ptauId: compiled.ptauId }, inputs, o, proven };

const rows: RunRow[] = [];
for (const level of o.levels) {
  for (const connections of o.connections) {
    console.error(
      `== ${LEVELS[level]}, ${connections} connection(s): fresh node, ${o.warmup} s warm-up, ${o.duration} s`,
    );
    rows.push(await runOnce(level, connections, ctx));
    console.error(describeRun(rows[rows.length - 1]));
  }
}
for (const [i, r] of rows.entries()) {
  if (!r.cpu || r.cpu.otherShare <= o.rerunAbove) continue;
  console.error(
    `== rerun: other processes took ${(r.cpu.otherShare * 100).toFixed(0)}% of the machine during ${describeRun(r)}`,
  );
  const again = await runOnce(r.level, r.connections, ctx);
  console.error(describeRun(again));
  const [keep, other] = (again.cpu?.otherShare ?? 1) < r.cpu.otherShare ? [again, r] : [r, again];
  rows[i] = { ...keep, otherAttempt: other };
}

// Where the node's main thread spends its time, at each in-process level's fastest concurrency.
const cpuUnderLoad: Record<string, Awaited<ReturnType<typeof cpuProfileUnderLoad>>> = {};
for (const level of ["signed", "attested"] as const) {
  const fastest = rows
    .filter((r) => r.level === level)
    .reduce<RunRow | undefined>(
      (a, r) => (a && a.result.requestsPerSecond >= r.result.requestsPerSecond ? a : r),
      undefined,
    );
  if (o.profileRequests === 0 || !fastest) continue;
  console.error(`== CPU profile of the node: ${LEVELS[level]}, ${fastest.connections} connection(s)`);
  cpuUnderLoad[LEVELS[level]] = await cpuProfileUnderLoad(level, fastest.connections, ctx);
}

const batchSize = nodeSeen?.batch?.size ?? 32;
const prof = o.profileRequests > 0 ? await profile(ctx.model, inputs, o.profileRequests, batchSize) : null;
const ranked = prof ? rankSigned(prof) : null;

const autocannonVersion = (require("autocannon/package.json") as { version: string }).version;
const report = {
  format: "assay.bench.node-load",
  version: 1,
  generatedBy: "npm run bench:node-load (bench/node-load.ts)",
  date,
  code,
  machine: {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memGB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    loadavg: { atStart: loadavgAtStart, atEnd: os.loadavg().map((x) => round(x, 2)) },
  },
  setup: {
    model: {
      name: MODEL.name,
      circuitId: compiled.circuitId,
      ptauId: compiled.ptauId,
      inputs: `${inputs.length} held-out digits (${path.relative(PROJECT_ROOT, TEST)}), in turn`,
    },
    node: {
      command:
        "assay node start --models <circuitId> --ptau-id <ptauId> --port 0 --state-dir <fresh tmp dir> " +
        OPEN_LIMITS.join(" "),
      process: "a child process (bin/assay.mjs), a fresh one (new embedded chain, deployment and state) per run",
      chain: "the embedded Hardhat network (EDR, automine), in the node's process",
      access: "open on 127.0.0.1, no API keys; limits at their maxima (never reached)",
      enclave: nodeSeen?.enclave ? "the development enclave (a child process of the node), on for every run" : "none",
      batch: nodeSeen?.batch ?? null,
      policy: nodeSeen?.policy ?? null,
      db: "sqlite (the default: node:sqlite, WAL, synchronous=FULL, in the state directory)",
      proven: { proving: proven.proving, db: proven.db },
      request: '{ model, input, valueAtRisk: "1", level } with level "signed", "attested" or "proven"',
      httpLog: /--log-level\b/.test(nodeHelp) ? "the default --log-level (info: JSON lines on stderr)" : "none",
    },
    client: {
      tool: `autocannon ${autocannonVersion}, programmatic, in the bench process (same machine)`,
      warmupSeconds: o.warmup,
      durationSeconds: o.duration,
      connections: o.connections,
      pipelining: 1,
      timeoutSeconds: TIMEOUT_SECONDS,
      rerunAboveOtherShare: o.rerunAbove,
    },
  },
  targets: targets(rows),
  runs: rows.map(jsonRow),
  profile: prof && { signedRanked: ranked, nodeCpuUnderLoad: cpuUnderLoad, ...prof },
  notes: [
    "requestsPerSecond: 2xx responses / run seconds. latencyMs: of 2xx responses, per response (autocannon's hrtime).",
    "non2xx and errors (connection errors and timeouts) are counted in every run and warm-up; the targets need both 0.",
    "cpu: cores used during the measured run by the node (its process and the enclave's), by the client (this " +
      "process) and by every other process (otherShare: of the whole machine); from /proc.",
    "answered2xx: 2xx answers of the smoke request, the warm-up and the run; claimsAfterStop: the node's claims per " +
      "status after SIGTERM (at least answered2xx: requests autocannon cut off in flight still made claims).",
    "profile: one request at a time in the bench process; JSON-RPC calls and database statements attributed to the " +
      "request during which they were made (nothing else runs meanwhile: challenge watcher off, proof jobs not run).",
    "nodeFaults: node stderr lines that are 5xx, failed batch posts, failed proof jobs, or log entries at error level.",
    "targets: met when some run (any connection count) reached the rate, within the p99 bound, with no non-2xx " +
      "and no errors.",
    "profile.nodeCpuUnderLoad: per level, V8 --cpu-prof of the node's main thread during one more run at that " +
      "level's fastest connection count; synchronous work (SQLite commits with their fsync, EDR calls) counts " +
      "where it blocks.",
    `Other processes took ${round(mean(rows.map((r) => r.cpu?.otherShare ?? 0)) * 100)}% of the machine on ` +
      "average during the runs (cpu.otherShare): the rates are what was left of the machine, not its capacity.",
  ],
};

console.table(rows.map(tableRow));
for (const t of report.targets)
  console.log(
    `${t.level}: target ${t.target}: ${t.met ? "met" : "NOT met"} ` +
      `(best ${t.best.requestsPerSecond} req/s at ${t.best.connections} connection(s), p99 ${t.best.p99Ms} ms)`,
  );
if (prof) {
  console.log("\nprofile, per request (ms), one at a time in-process:");
  console.table(
    prof.levels.map((l) => ({
      level: l.level,
      "wall mean": l.wallMs.mean,
      "wall p50": l.wallMs.p50,
      "RPC calls": l.rpc.calls,
      "RPC ms": l.rpc.ms,
      "DB statements": l.db.statements,
      "DB ms": l.db.ms,
      "enclave ms": l.enclaveMs,
    })),
  );
  console.log("where a Signed request's time goes:");
  console.table(ranked);
}
for (const [level, p] of Object.entries(cpuUnderLoad)) {
  console.log(`the node's main thread under ${level} load (${p.connections} connections), self time by code:`);
  console.table(p.byCode.slice(0, 12));
  console.table(p.topFunctions.slice(0, 12));
}
if (!o.out) console.log("subset run: no JSON written (--out <file> to write one)");
else {
  writeFileSync(o.out, JSON.stringify(report, null, 2) + "\n");
  console.log(`wrote ${path.relative(PROJECT_ROOT, path.resolve(o.out))}`);
}
