// Runs the `assay` command as a user does (bin/assay.mjs in a child process, from the project
// root) and returns what it printed, its exit code and how long it took.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import path from "node:path";
import { cacheRoot, PROJECT_ROOT } from "../../prover/artifacts.js";

export const ASSAY_BIN = path.join(PROJECT_ROOT, "bin/assay.mjs");

export interface CliRun {
  code: number | null;
  out: string;
  err: string;
  ms: number;
}

export function runAssay(env: NodeJS.ProcessEnv, args: readonly string[]): CliRun {
  const t = Date.now();
  const r = spawnSync(process.execPath, [ASSAY_BIN, ...args], { cwd: PROJECT_ROOT, env, encoding: "utf8" });
  return { code: r.status, out: r.stdout, err: r.stderr, ms: Date.now() - t };
}

/** `assay(...args)` with this environment. */
export function assayWith(env: NodeJS.ProcessEnv): (...args: string[]) => CliRun {
  return (...args) => runAssay(env, args);
}

/**
 * `assay ...` in a child process without blocking this one: for tests whose own process serves
 * what the CLI talks to (a JSON-RPC chain, a node's HTTP API).
 */
export function runAssayAsync(env: NodeJS.ProcessEnv, args: readonly string[]): Promise<CliRun> {
  const t = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ASSAY_BIN, ...args], { cwd: PROJECT_ROOT, env });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, out, err, ms: Date.now() - t }));
  });
}

/** A long-running `assay` process (a node, a worker) and what it has printed so far. */
export interface AssayProcess {
  child: ChildProcess;
  /** The match of the `ready` pattern in its stdout. */
  match: RegExpExecArray;
  out: () => string;
  err: () => string;
}

/**
 * Starts `assay ...args` (with the test cache and `env` on top of this environment); resolves once
 * its stdout matches `ready`, rejects with its stderr if it exits first.
 */
export async function startAssay(args: string[], ready: RegExp, env: NodeJS.ProcessEnv = {}): Promise<AssayProcess> {
  const child = spawn(process.execPath, [ASSAY_BIN, ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ASSAY_CACHE_DIR: cacheRoot(), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stderr!.on("data", (d) => (err += String(d)));
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    child.stdout!.on("data", (d) => {
      out += String(d);
      const m = ready.exec(out);
      if (m) resolve(m);
    });
    child.once("exit", (code) => reject(new Error(`assay ${args[0]} exited (${code}):\n${err}`)));
  });
  return { child, match, out: () => out, err: () => err };
}

/** SIGTERM, then its exit code. */
export function stopAssay(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  child.kill("SIGTERM");
  return exited;
}
