// Makes a plain `npm install` of this repository complete offline on any npm and Node 20 or 22,
// then builds the package's JavaScript. Two repairs, each a second install pass with install
// scripts off, run only when needed (idempotent):
// - Hardhat 3 needs Node >= 22. The `node` dev dependency provides it, but an install that ran
//   under an older Node skipped the native EDR binding (its engines field asks for 22).
// - onnxruntime-node's install script downloads GPU binaries and fails offline. npm >= 11 never
//   runs it (`allowScripts` in package.json); npm <= 10 does, and since the package is an
//   optional dependency the failure only drops it. The second pass puts it back without the
//   script (the CPU runtime ships in the package).
// Then the build (`npm run build:dist`: the contracts and their typed factories, then JavaScript
// and type declarations into dist/), which the SDK and the CLI run from. A failed build warns and
// leaves the install standing: the CLI still runs from the TypeScript sources through tsx.
//
// Installed as a dependency of another project (node_modules/assay), the package ships built and
// has no development dependencies: this script then does nothing.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const root = process.cwd();
const bin = path.join(root, "node_modules", ".bin");
const require = createRequire(path.join(root, "package.json"));

function resolves(name) {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
}

if (process.env.ASSAY_POSTINSTALL_NESTED) process.exit(0);
if (root.split(path.sep).includes("node_modules")) process.exit(0);
const edrMissing =
  process.platform === "linux" && process.arch === "x64" && !resolves("@nomicfoundation/edr-linux-x64-gnu");
const ortMissing = !resolves("onnxruntime-node");
if (edrMissing || ortMissing) {
  const bundledNode = existsSync(path.join(bin, "node"));
  if (edrMissing && !bundledNode) console.warn("[assay] EDR native binding missing; run `npm install` again.");
  const missing = [edrMissing && bundledNode && "Hardhat's native EDR binding", ortMissing && "onnxruntime-node"];
  console.log(`[assay] adding ${missing.filter(Boolean).join(" and ")} (second install pass, no install scripts) ...`);
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--ignore-scripts"], {
    stdio: "inherit",
    env: {
      ...process.env,
      PATH: bundledNode ? `${bin}${path.delimiter}${process.env.PATH}` : process.env.PATH,
      ONNXRUNTIME_NODE_INSTALL: "skip",
      ASSAY_POSTINSTALL_NESTED: "1",
    },
  });
}

/** `npm run build:dist`; on failure one warning line, and the install stands. */
function buildDist() {
  if (process.env.ASSAY_SKIP_BUILD) {
    console.log("[assay] ASSAY_SKIP_BUILD is set: dist/ not built (npm run build:dist builds it)");
    return;
  }
  console.log("[assay] building dist/ (contracts and their typed factories, then JavaScript and types) ...");
  const started = Date.now();
  try {
    execFileSync("npm", ["run", "--silent", "build:dist"], {
      stdio: "inherit",
      env: { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}` },
    });
    console.log(`[assay] dist/ built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } catch (e) {
    const why = String(e.message ?? e).split("\n")[0];
    console.warn(`[assay] dist/ was not built (${why}); the CLI runs from the sources. Retry: npm run build:dist`);
  }
}

buildDist();
