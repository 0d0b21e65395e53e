// The processes bench/scale.ts runs and breaks: a `hardhat node` (the chain, over JSON-RPC), a
// Redis server of its own (with an append-only file fsynced on every write, so a restart loses
// nothing it acknowledged), and `assay` commands (the API node, the workers) as a user runs them
// (bin/assay.mjs in child processes). Each process's output goes to a log file in the run's
// directory and is kept in memory with the time each line arrived, so the benchmark can wait for
// a line ("listening on", "taken (claim ...)") and date what a process said. CPU time is read
// from /proc, per process and for the whole machine, so a run can say how much of the machine
// other work took.
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, mkdirSync, readdirSync, readFileSync, type WriteStream } from "node:fs";
import path from "node:path";
import { JsonRpcProvider } from "ethers";
import { Redis } from "ioredis";
import { cacheRoot, PROJECT_ROOT } from "../prover/artifacts.js";
import { freePort } from "../test/helpers/ports.js";

const HARDHAT = path.join(PROJECT_ROOT, "node_modules/hardhat/dist/src/cli.js");
const ASSAY_BIN = path.join(PROJECT_ROOT, "bin/assay.mjs");

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A line a process printed and when it arrived (ms since the epoch). */
export interface Line {
  t: number;
  text: string;
}

/** A child process whose output is logged to a file and kept, line by line, with arrival times. */
export class Proc {
  readonly child: ChildProcess;
  readonly out: Line[] = [];
  readonly err: Line[] = [];
  readonly startedAt = Date.now();
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly log: WriteStream;
  private readonly waiters = new Set<() => void>();

  constructor(
    readonly name: string,
    command: string,
    args: string[],
    opts: { env?: NodeJS.ProcessEnv; logFile: string },
  ) {
    mkdirSync(path.dirname(opts.logFile), { recursive: true });
    this.log = createWriteStream(opts.logFile, { flags: "a" });
    this.child = spawn(command, args, {
      cwd: PROJECT_ROOT,
      env: opts.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.collect(this.child.stdout!, this.out, "out");
    this.collect(this.child.stderr!, this.err, "err");
    this.exited = new Promise((resolve) => {
      this.child.once("exit", (code, signal) => {
        this.log.write(`[${new Date().toISOString()}] exited: code ${code}, signal ${signal}\n`);
        this.wake();
        resolve({ code, signal });
      });
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  private collect(stream: NodeJS.ReadableStream, into: Line[], tag: string): void {
    let partial = "";
    stream.on("data", (d: Buffer) => {
      const t = Date.now();
      const parts = (partial + d.toString("utf8")).split("\n");
      partial = parts.pop() ?? "";
      for (const text of parts) {
        into.push({ t, text });
        this.log.write(`[${new Date(t).toISOString()}] ${tag} ${text}\n`);
      }
      if (parts.length > 0) this.wake();
    });
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }

  /** The first line of stdout or stderr at index >= `from` matching `re`; rejects on exit or after `timeoutMs`. */
  waitFor(re: RegExp, timeoutMs: number, stream: "out" | "err" = "out", from = 0): Promise<RegExpExecArray> {
    const lines = stream === "out" ? this.out : this.err;
    return new Promise((resolve, reject) => {
      let i = from;
      const check = () => {
        for (; i < lines.length; i++) {
          const m = re.exec(lines[i].text);
          if (m) return done(() => resolve(m));
        }
        if (!this.running) done(() => reject(new Error(`${this.name} exited before printing ${re}:\n${this.tail()}`)));
      };
      const timer = setTimeout(
        () => done(() => reject(new Error(`${this.name}: no ${re} in ${timeoutMs} ms:\n${this.tail()}`))),
        timeoutMs,
      );
      const done = (f: () => void) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        f();
      };
      this.waiters.add(check);
      check();
    });
  }

  /** The last lines of stderr (for errors). */
  tail(n = 15): string {
    return this.err
      .slice(-n)
      .map((l) => l.text)
      .join("\n");
  }

  /** Sends `signal` and waits for the exit. */
  async stop(signal: NodeJS.Signals = "SIGTERM", timeoutMs = 120_000): Promise<void> {
    if (!this.running) return;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill("SIGKILL"), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }

  close(): void {
    this.log.end();
  }
}

/** The environment of `assay` children: the project cache, no key from this shell. */
export function assayEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, ASSAY_CACHE_DIR: cacheRoot(), ASSAY_PRIVATE_KEY: "", ...extra };
}

/**
 * Starts `assay ...args`; resolves once stdout matches `ready`. `cpu`: pin the process (all its
 * threads) to that CPU with taskset(1), which execs it (the pid stays the process's own).
 */
export async function startAssay(
  name: string,
  args: string[],
  ready: RegExp,
  opts: { logFile: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; cpu?: number },
): Promise<{ proc: Proc; match: RegExpExecArray }> {
  const command = [process.execPath, ASSAY_BIN, ...args];
  if (opts.cpu !== undefined) command.unshift("taskset", "-c", `${opts.cpu}`);
  const proc = new Proc(name, command[0], command.slice(1), { env: assayEnv(opts.env), logFile: opts.logFile });
  const match = await proc.waitFor(ready, opts.timeoutMs ?? 300_000);
  return { proc, match };
}

/** A `hardhat node` on a free loopback port (automine: one block per transaction). */
export async function startHardhatNode(dir: string): Promise<{ proc: Proc; url: string; port: number }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = new Proc(
    "hardhat node",
    process.execPath,
    [HARDHAT, "node", "--hostname", "127.0.0.1", "--port", `${port}`],
    {
      logFile: path.join(dir, "hardhat-node.log"),
    },
  );
  const provider = new JsonRpcProvider(url, 31337, { staticNetwork: true });
  try {
    for (let i = 0; ; i++) {
      try {
        await provider.send("eth_chainId", []);
        break;
      } catch {
        if (i > 1200 || !proc.running) throw new Error(`hardhat node did not start:\n${proc.tail()}`);
        await sleep(100);
      }
    }
  } finally {
    provider.destroy();
  }
  return { proc, url, port };
}

/**
 * A Redis server of the benchmark's own on a free port, its data in `dir`: append-only file with
 * fsync on every write (appendfsync always), no RDB snapshots. `restart` kills it with SIGKILL (a
 * crash: nothing is flushed on the way down) and starts it again on the same port and files.
 */
export class RedisServer {
  proc?: Proc;
  restarts = 0;

  private constructor(
    readonly port: number,
    readonly dir: string,
  ) {}

  static async start(dir: string): Promise<RedisServer> {
    const r = new RedisServer(await freePort(), dir);
    await r.launch();
    return r;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** The server's settings, as the JSON reports them. */
  get config(): string[] {
    return ["--appendonly", "yes", "--appendfsync", "always", "--save", "", "--maxmemory-policy", "noeviction"];
  }

  private async launch(): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    const args = ["--port", `${this.port}`, "--bind", "127.0.0.1", "--dir", this.dir, ...this.config];
    this.proc = new Proc("redis-server", "redis-server", args, { logFile: path.join(this.dir, "redis.log") });
    const client = new Redis({ port: this.port, host: "127.0.0.1", lazyConnect: true, maxRetriesPerRequest: 0 });
    client.on("error", () => {}); // refused until the server listens: the loop below retries
    try {
      for (let i = 0; ; i++) {
        try {
          if (client.status !== "ready") await client.connect();
          if ((await client.ping()) === "PONG") break;
        } catch {
          if (i > 300 || !this.proc.running) throw new Error(`redis-server did not start:\n${this.proc.tail()}`);
          client.disconnect();
          await sleep(100);
        }
      }
      // Loading the append-only file: the server answers PING before it has read it all.
      for (;;) {
        const info = await client.info("persistence");
        if (/loading:0/.test(info)) break;
        await sleep(50);
      }
    } finally {
      client.disconnect();
    }
  }

  /** SIGKILL, then start again; resolves when it answers with its data loaded. Returns the ms it was away. */
  async restart(): Promise<number> {
    const t = Date.now();
    await this.proc?.stop("SIGKILL");
    this.proc?.close();
    await this.launch();
    this.restarts++;
    return Date.now() - t;
  }

  async stop(): Promise<void> {
    await this.proc?.stop("SIGTERM", 10_000);
    this.proc?.close();
  }
}

/** CPU time (ms) of the machine (busy, total) and of each given process, as /proc reports it now. */
export interface CpuSnapshot {
  t: number;
  machineBusyMs: number;
  machineTotalMs: number;
  processMs: Record<string, number>;
}

const TICK_MS = 10; // USER_HZ is 100 on Linux

function machineCpu(): { busy: number; total: number } {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0];
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.reduce((a, b) => a + b, 0);
  const idle = v[3] + (v[4] ?? 0);
  return { busy: (total - idle) * TICK_MS, total: total * TICK_MS };
}

/** A process's user + system CPU time (ms); 0 if it is gone. */
export function processCpuMs(pid: number): number {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) * TICK_MS;
  } catch {
    return 0;
  }
}

/** The pids of every process whose command name is `comm` (e.g. all of PostgreSQL's). */
function pidsNamed(comm: string): number[] {
  const out: number[] = [];
  for (const e of readdirSync("/proc")) {
    if (!/^[0-9]+$/.test(e)) continue;
    try {
      if (readFileSync(`/proc/${e}/stat`, "utf8").includes(`(${comm})`)) out.push(Number(e));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/**
 * CPU time of the machine and of processes now. `procs` maps "name:pid" to a running process's pid;
 * `finished` maps "name:pid" to the CPU time a process had when it was stopped (read just before
 * it was killed: a process that is gone cannot be read). Plus "postgres:*": every PostgreSQL
 * process together (the server is shared with anything else on the machine using it).
 */
export function cpuSnapshot(procs: Record<string, number>, finished: Record<string, number> = {}): CpuSnapshot {
  const m = machineCpu();
  const processMs: Record<string, number> = { ...finished };
  for (const [key, pid] of Object.entries(procs)) processMs[key] = processCpuMs(pid);
  processMs["postgres:*"] = pidsNamed("postgres").reduce((a, pid) => a + processCpuMs(pid), 0);
  return { t: Date.now(), machineBusyMs: m.busy, machineTotalMs: m.total, processMs };
}

/**
 * Shares of the machine's CPU between two snapshots: the machine's busy share, each process name's
 * (all its processes: "api-node:123" and "api-node:456" after a restart count as "api-node"; one
 * absent from `a` started in between and counts all it used), and the rest ("other": work outside
 * this benchmark's processes). 1 = all cores busy. PostgreSQL's backends come and go, so its share
 * is approximate.
 */
export function cpuShares(a: CpuSnapshot, b: CpuSnapshot): Record<string, number> {
  const total = b.machineTotalMs - a.machineTotalMs;
  if (total <= 0) return {};
  const out: Record<string, number> = { machine: (b.machineBusyMs - a.machineBusyMs) / total };
  let ours = 0;
  for (const [key, ms] of Object.entries(b.processMs)) {
    const used = Math.max(0, ms - (a.processMs[key] ?? 0));
    const name = key.slice(0, key.lastIndexOf(":"));
    out[name] = (out[name] ?? 0) + used / total;
    ours += used;
  }
  out.other = Math.max(0, out.machine - ours / total);
  for (const k of Object.keys(out)) out[k] = Math.round(out[k] * 1000) / 1000;
  return out;
}
