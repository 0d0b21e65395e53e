#!/usr/bin/env node
// The `assay` command. It runs the built JavaScript (dist/prover/cli/main.js, `npm run build:dist`)
// when every TypeScript source under prover/ has a built file and none changed since the build (an
// installed package ships only dist/); otherwise, in a working copy with edited or unbuilt
// sources, it compiles the sources on the fly with tsx (slower to start).
// ASSAY_FROM_SOURCE=1 always runs the sources, ASSAY_FROM_SOURCE=0 always the build.
//
// Node: every command runs on Node >= 20.6 (package.json engines), but Hardhat 3 is supported from
// Node 22.13 and the embedded database (node:sqlite) needs it. A working copy has that Node as the
// `node` dev dependency (what `npx assay` and npm scripts use); on an older Node, this file runs
// itself again under it, so `node bin/assay.mjs ...` behaves as `npx assay ...` does
// (ASSAY_SAME_NODE=1: stay on the Node given).
import { spawn } from "node:child_process";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Whether Node `version` ("22.13.0") is at least 22.13. */
function modern(version) {
  const [major, minor] = version.split(".").map(Number);
  return major > 22 || (major === 22 && minor >= 13);
}

/** The bundled Node >= 22.13 (the `node` package in this package's node_modules), if any. */
function bundledNode() {
  const dir = path.join(root, "node_modules", "node");
  try {
    const { version } = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8"));
    const bin = path.join(dir, "bin", "node");
    return modern(version) && existsSync(bin) ? bin : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs this command under `node` and exits as it does. The child leads its own process group, so
 * a terminal's Ctrl-C reaches it once, through this process, like SIGTERM and SIGHUP.
 */
function rerun(node) {
  const child = spawn(node, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: "inherit",
    detached: true,
  });
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => child.kill(signal));
  child.on("exit", (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    } else process.exit(code ?? 1);
  });
}
const built = path.join(root, "dist", "prover", "cli", "main.js");
const sources = path.join(root, "prover");

// The incremental build (dist/.tsbuildinfo) re-emits only the files whose content changed: a
// source touched but unchanged since the last build keeps its older output, and is not stale.
const buildInfo = path.join(root, "dist", ".tsbuildinfo");
const builtAt = existsSync(buildInfo) ? statSync(buildInfo).mtimeMs : 0;

/** Whether some source has no built file, or changed after its built file and the last build. */
function stale(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (stale(p)) return true;
    } else if (e.name.endsWith(".ts") && !e.name.endsWith(".d.ts")) {
      const out = path.join(root, "dist", path.relative(root, p)).replace(/\.ts$/, ".js");
      if (!existsSync(out)) return true;
      const changed = statSync(p).mtimeMs;
      if (changed > builtAt && changed > statSync(out).mtimeMs) return true;
    }
  }
  return false;
}

/** Whether to run dist/ (an installed package ships dist/ only); walks the sources once, here. */
function useBuild() {
  const from = process.env.ASSAY_FROM_SOURCE;
  return from === "0" || !existsSync(sources) || (!from && existsSync(built) && !stale(sources));
}

// Help and the version need no engine: they never pay for a second start.
const args = process.argv.slice(2);
const helpOnly = args.length === 0 || args.some((a) => ["-h", "--help", "-V", "--version", "help"].includes(a));
const stay = modern(process.versions.node) || helpOnly || process.env.ASSAY_SAME_NODE === "1";
const newer = stay ? undefined : bundledNode();
// The process that runs again under the newer Node decides build or sources itself.
const useBuilt = !newer && useBuild();
if (newer) {
  rerun(newer);
} else if (useBuilt && !existsSync(built)) {
  process.stderr.write(`assay: ${built} is missing: build the package (npm run build:dist)\n`);
  process.exitCode = 1;
} else if (useBuilt) {
  await import(pathToFileURL(built).href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../prover/cli/main.ts");
}
