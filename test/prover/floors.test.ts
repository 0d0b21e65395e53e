// The prover is built in floors (README, "Layout"): a folder imports only from its own floor or
// those below it. This reads every relative import under prover/ and checks it against that order.
import { expect } from "chai";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { PROJECT_ROOT } from "../../prover/artifacts.js";

const PROVER = path.join(PROJECT_ROOT, "prover");

/** Floor of each prover folder (files directly in prover/ are listed by name). */
const FLOORS: Record<string, number> = {
  "errors.ts": 0,
  "field.ts": 0,
  "artifacts.ts": 0,
  "durable-file.ts": 0,
  types: 0,
  model: 1,
  quantize: 1,
  onnx: 1,
  data: 1,
  kinds: 1.5,
  commit: 1.6,
  engine: 1.7,
  circuit: 2,
  zk: 2,
  "compile-model.ts": 3,
  "prove-inference.ts": 3,
  "model-store.ts": 3,
  "proof-file.ts": 3,
  chain: 4,
  attest: 5,
  audit: 6,
  node: 7,
  explorer: 7.5,
  cli: 8,
  sdk: 8,
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return /\.(ts|mjs)$/.test(e.name) ? [p] : [];
  });
}

/** The floor key of a path under prover/: its first folder, or its file name at the top. */
function unitOf(file: string): string {
  return path.relative(PROVER, file).split(path.sep)[0];
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const specs = [...text.matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g)].map((m) => m[1]);
  return specs.map((s) => path.resolve(path.dirname(file), s.replace(/\.js$/, ".ts")));
}

describe("prover floors", function () {
  it("every prover folder and top-level file has a floor", function () {
    const units = new Set(sourceFiles(PROVER).map(unitOf));
    const missing = [...units].filter((u) => !(u in FLOORS));
    expect(missing, "add these to FLOORS and to the README's layout").to.deep.equal([]);
  });

  it("no folder imports from a floor above its own", function () {
    const upward: string[] = [];
    for (const file of sourceFiles(PROVER)) {
      const from = unitOf(file);
      for (const target of importsOf(file)) {
        if (!target.startsWith(PROVER + path.sep)) continue;
        const to = unitOf(target);
        if (FLOORS[to] > FLOORS[from])
          upward.push(`${path.relative(PROVER, file)} -> ${path.relative(PROVER, target)}`);
      }
    }
    expect(upward).to.deep.equal([]);
  });
});
