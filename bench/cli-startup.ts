// How long `assay --help` and `assay --version` take to return, as a user runs them
// (`node bin/assay.mjs ...`): from the built JavaScript (dist/, the installed package's path) and
// from the TypeScript sources through tsx (a working copy with unbuilt edits), under the Node on
// PATH and the system's. Target: < 0.5 s. Also, from dist/ only, how long three commands take
// that end at once after loading their work modules (a cache listing; the verifier, with snarkjs;
// a chain command over JSON-RPC, plain ethers, and on the embedded network, which loads Hardhat;
// all but the first failing): what a command costs before it does anything.
// Writes bench/cli-startup.json.
//
//   npx tsx bench/cli-startup.ts [--runs 15] [--no-build]
//
// Builds dist/ first with `tsc -p tsconfig.build.json` when that file exists (--no-build skips it).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PROJECT_ROOT } from "../prover/artifacts.js";

const BIN = path.join(PROJECT_ROOT, "bin/assay.mjs");
const args = process.argv.slice(2);
const runs = Number(args[args.indexOf("--runs") + 1]) || 15;

interface Timing {
  command: string;
  node: string;
  from: "dist" | "sources (tsx)";
  exit: number;
  runs: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
}

function time(node: string, argv: string[], env: NodeJS.ProcessEnv, status = 0): number[] {
  const out: number[] = [];
  for (let i = 0; i < runs + 1; i++) {
    const t = process.hrtime.bigint();
    const r = spawnSync(node, [BIN, ...argv], { cwd: PROJECT_ROOT, env, encoding: "utf8" });
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    if (r.status !== status) throw new Error(`${node} assay ${argv.join(" ")} exited ${r.status}: ${r.stderr}`);
    if (i > 0) out.push(ms); // the first run warms the file cache (and tsx's transform cache)
  }
  return out.sort((a, b) => a - b);
}

function nodeVersion(node: string): string {
  return execFileSync(node, ["--version"], { encoding: "utf8" }).trim();
}

if (!args.includes("--no-build") && existsSync(path.join(PROJECT_ROOT, "tsconfig.build.json"))) {
  const t = Date.now();
  execFileSync(path.join(PROJECT_ROOT, "node_modules/.bin/tsc"), ["-p", "tsconfig.build.json"], {
    cwd: PROJECT_ROOT,
    stdio: "inherit",
  });
  console.error(`built dist/ in ${((Date.now() - t) / 1000).toFixed(1)} s`);
}

/** Commands that end at once after loading their work modules, with their exit codes. */
const LOADING: [string[], number][] = [
  [["model", "list"], 0],
  [["verify", "/nonexistent/proof.json"], 1],
  [["stake", "1eth", "--rpc", "http://127.0.0.1:9"], 1],
  [["stake", "1eth"], 1],
];

const nodes = [...new Set([process.execPath, "/usr/bin/node"].filter((n) => existsSync(n)))];
const results: Timing[] = [];
function measure(node: string, from: Timing["from"], argv: string[], status: number): void {
  const env = { ...process.env, ASSAY_FROM_SOURCE: from === "dist" ? "0" : "1" };
  const ms = time(node, argv, env, status);
  const row: Timing = {
    command: `assay ${argv.join(" ")}`,
    node: nodeVersion(node),
    from,
    exit: status,
    runs,
    medianMs: Math.round(ms[Math.floor(ms.length / 2)]),
    minMs: Math.round(ms[0]),
    maxMs: Math.round(ms[ms.length - 1]),
  };
  results.push(row);
  console.log(`${row.command.padEnd(48)} node ${row.node.padEnd(9)} ${from.padEnd(14)} median ${row.medianMs} ms`);
}
const hasDist = existsSync(path.join(PROJECT_ROOT, "dist/prover/cli/main.js"));
for (const node of nodes) {
  for (const from of ["dist", "sources (tsx)"] as const) {
    if (from === "dist" && !hasDist) continue;
    for (const command of ["--version", "--help"]) measure(node, from, [command], 0);
  }
}
if (hasDist) for (const [argv, status] of LOADING) measure(process.execPath, "dist", argv, status);

const file = path.join(PROJECT_ROOT, "bench/cli-startup.json");
const machine = { cpus: os.cpus().length, model: os.cpus()[0]?.model, memGiB: Math.round(os.totalmem() / 2 ** 30) };
writeFileSync(
  file,
  `${JSON.stringify({ targetMs: 500, machine, date: new Date().toISOString(), results }, null, 2)}\n`,
);
console.log(`wrote ${file}`);
