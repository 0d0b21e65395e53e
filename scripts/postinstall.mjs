// Hardhat 3 needs Node >= 22. The `node` dev dependency provides it, but an install that ran
// under an older Node skipped the native EDR binding (its engines field asks for 22). Re-run
// the install once under the bundled Node so the binding lands. Idempotent and offline-safe.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const root = process.cwd();
const bin = path.join(root, "node_modules", ".bin");
const require = createRequire(path.join(root, "package.json"));

function edrLoads() {
  try {
    require.resolve("@nomicfoundation/edr-linux-x64-gnu");
    return true;
  } catch {
    return false;
  }
}

if (process.env.ASSAY_POSTINSTALL_NESTED) process.exit(0);
if (process.platform === "linux" && process.arch === "x64" && !edrLoads()) {
  if (!existsSync(path.join(bin, "node"))) {
    console.warn("[assay] EDR native binding missing; run `npm install` again under Node 22.");
    process.exit(0);
  }
  console.log("[assay] adding Hardhat's native EDR binding under the bundled Node 22 ...");
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--ignore-scripts"], {
    stdio: "inherit",
    env: { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}`, ASSAY_POSTINSTALL_NESTED: "1" },
  });
}
