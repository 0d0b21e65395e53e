// Runs the `assay` command as a user does (bin/assay.mjs in a child process, from the project
// root) and returns what it printed, its exit code and how long it took.
import { spawn, spawnSync } from "node:child_process";
import path from "node:path";
import { PROJECT_ROOT } from "../../prover/artifacts.js";

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
