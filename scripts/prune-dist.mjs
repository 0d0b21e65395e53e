// Removes from dist/ what the incremental TypeScript build left behind for sources that no longer
// exist (a renamed or deleted module), so the package ships only what its sources compile to.
// Run after `tsc -p tsconfig.build.json` (part of `npm run build:dist`).
import { existsSync, readdirSync, rmdirSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dist = path.join(root, "dist");

/** The source a built file came from: dist/a/b.js and dist/a/b.d.ts -> a/b.ts. */
function sourceOf(file) {
  const rel = path.relative(dist, file).replace(/(\.d\.ts|\.js)$/, ".ts");
  return path.join(root, rel);
}

let removed = 0;
function prune(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      prune(p);
      if (readdirSync(p).length === 0) rmdirSync(p);
    } else if (/(\.d\.ts|\.js)$/.test(e.name) && !existsSync(sourceOf(p))) {
      rmSync(p);
      removed++;
    }
  }
}

for (const top of ["prover", "types"]) if (existsSync(path.join(dist, top))) prune(path.join(dist, top));
if (removed > 0) console.log(`[assay] removed ${removed} built file(s) whose source is gone`);
