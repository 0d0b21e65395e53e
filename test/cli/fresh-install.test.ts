// What a user meets right after `npm install`: no contract artifacts (the first chain command builds
// them), and a system Node older than the bundled one (`node bin/assay.mjs ...` on Node 20, where
// the fixed-base worker threads of the development ceremony need the same loader as the command).
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { createHardhatRuntimeEnvironment } from "hardhat/hre";
import { cacheRoot, PROJECT_ROOT } from "../../prover/artifacts.js";
import { ensureContractArtifacts, missingArtifacts } from "../../prover/chain/contract-build.js";
import { ASSAY_BIN } from "../helpers/cli.js";

const require = createRequire(import.meta.url);
const tmp = mkdtempSync(path.join(os.tmpdir(), "assay-fresh-"));
const ONNX = path.join(PROJECT_ROOT, "models/digits-mlp-64-32-10.onnx");
const CALIB = path.join(PROJECT_ROOT, "models/data/digits-8x8-calib.json");

/** The system's Node when it is another version than this process's (Node 20 on this machine). */
function otherNode(): { path: string; version: string } | undefined {
  for (const p of ["/usr/bin/node", "/usr/local/bin/node"]) {
    const r = spawnSync(p, ["--version"], { encoding: "utf8" });
    if (r.status === 0 && r.stdout.trim() !== process.version) return { path: p, version: r.stdout.trim() };
  }
  return undefined;
}

describe("cli: right after npm install", function () {
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it("a chain command builds missing contract artifacts first, once", async () => {
    // A project of one small contract, so the real Hardhat build runs in seconds.
    const root = path.join(tmp, "project");
    mkdirSync(path.join(root, "contracts"), { recursive: true });
    writeFileSync(path.join(root, "package.json"), JSON.stringify({ name: "fresh", type: "module" }));
    writeFileSync(
      path.join(root, "contracts", "Tiny.sol"),
      "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.28;\n\n/// @notice A contract to build.\n" +
        "contract Tiny {\n    /// @notice One.\n    function one() external pure returns (uint256) {\n" +
        "        return 1;\n    }\n}\n",
    );
    const solc = { version: "0.8.28", path: require.resolve("solc/soljson.js") };
    const hre = await createHardhatRuntimeEnvironment({ solidity: solc }, {}, root);
    expect(await missingArtifacts(hre, ["Tiny"])).to.deep.equal(["Tiny"]);
    const said: string[] = [];
    expect(await ensureContractArtifacts((l) => said.push(l), ["Tiny"], hre)).to.equal(true);
    expect(said[0]).to.equal("contract artifacts missing (Tiny): compiling the contracts once (hardhat build)");
    expect(said[1]).to.match(/^contracts built in \d+\.\d s$/);
    expect(await hre.artifacts.artifactExists("Tiny")).to.equal(true);
    expect(await ensureContractArtifacts((l) => said.push(l), ["Tiny"], hre)).to.equal(false);
    expect(said).to.have.length(2);
  });

  it("`node bin/assay.mjs model compile` on the system Node: the ceremony's worker threads load", function () {
    const node = otherNode();
    if (!node) this.skip();
    // The circuit and its keys come from the shared cache (compiled here first if they are not there);
    // the development powers of tau is computed afresh, on fixed-base worker threads of the system Node.
    const compile = (nodePath: string, cache: string) =>
      spawnSync(nodePath, [ASSAY_BIN, "--json", "model", "compile", ONNX, "--calib", CALIB], {
        cwd: PROJECT_ROOT,
        // ASSAY_SAME_NODE: on this Node, not the bundled Node 22 bin/assay.mjs would move to.
        env: { ...process.env, ASSAY_CACHE_DIR: cache, ASSAY_DEBUG: "1", ASSAY_SAME_NODE: "1" },
        encoding: "utf8",
      });
    const shared = compile(process.execPath, cacheRoot());
    expect(shared.status, shared.stderr).to.equal(0);
    const cache = path.join(tmp, "cache");
    mkdirSync(cache);
    symlinkSync(path.join(cacheRoot(), "circuits"), path.join(cache, "circuits"), "dir");
    const r = compile(node!.path, cache);
    expect(r.status, `${node!.version}: ${r.stderr}`).to.equal(0);
    expect(r.stderr).to.match(/\[ptau\] lagrangeBetaTauG1 100%/);
    expect(JSON.parse(r.stdout)).to.deep.include({ ptauId: JSON.parse(shared.stdout).ptauId });
    expect(existsSync(path.join(cache, "ptau"))).to.equal(true);
  });
});

describe("cli: `assay deploy` in a fresh copy of the package (ASSAY_SLOW_TESTS=1: builds every contract)", function () {
  before(function () {
    if (!process.env.ASSAY_SLOW_TESTS) this.skip();
  });

  it("deploys after building the contracts it finds missing", () => {
    const copy = path.join(tmp, "package");
    mkdirSync(copy);
    for (const p of ["package.json", "hardhat.config.ts", "tsconfig.json", "bin", "prover", "contracts", "circuits"])
      cpSync(path.join(PROJECT_ROOT, p), path.join(copy, p), { recursive: true });
    symlinkSync(path.join(PROJECT_ROOT, "node_modules"), path.join(copy, "node_modules"), "dir");
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ASSAY_FROM_SOURCE: "1",
      ASSAY_STATE_DIR: path.join(copy, "state"),
    };
    delete env.HARDHAT_CONFIG; // the test runner's names this package's config, not the copy's
    const r = spawnSync(process.execPath, [path.join(copy, "bin/assay.mjs"), "--json", "deploy"], {
      cwd: copy,
      env,
      encoding: "utf8",
    });
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stderr).to.contain("[build] contract artifacts missing (AssayProtocol, Groth16Verifier)");
    expect(JSON.parse(r.stdout)).to.include({ chainId: "31337", ephemeral: true });
  });
});
