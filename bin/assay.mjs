#!/usr/bin/env node
// The `assay` command. It runs the built JavaScript (dist/prover/cli/main.js, `npm run build:dist`)
// when every TypeScript source under prover/ has a built file and none changed since the build (an
// installed package ships only dist/); otherwise, in a working copy with edited or unbuilt
// sources, it compiles the sources on the fly with tsx (slower to start).
// ASSAY_FROM_SOURCE=1 always runs the sources, ASSAY_FROM_SOURCE=0 always the build.
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
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

const from = process.env.ASSAY_FROM_SOURCE;
// An installed package ships dist/ only.
const useBuilt = from === "0" || !existsSync(sources) || (!from && existsSync(built) && !stale(sources));
if (useBuilt && !existsSync(built)) {
  process.stderr.write(`assay: ${built} is missing: build the package (npm run build:dist)\n`);
  process.exitCode = 1;
} else if (useBuilt) {
  await import(pathToFileURL(built).href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../prover/cli/main.ts");
}
