// The package as a dApp gets it. `npm run build:dist` and `npm pack` make the tarball; `npm ci`
// installs it offline into an empty project, whose lockfile links the package's dependencies to
// the copies the repository's own `npm install` put in its node_modules (so neither the registry
// nor the npm cache is needed); then a plain `node` script there, which imports nothing but "assay",
// asks a running node (`assay node start`, a process of its own) for a Proven inference by the
// model's family name, waits for the proof to land, audits the claim from chain data and reads
// the hub through the package's typed factory. A TypeScript file using the package's types
// type-checks against what the tarball ships. The installed CLI, without Hardhat, deploys the
// protocol and a request hub over JSON-RPC and stakes, and says what the embedded network needs.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { Contract } from "ethers";
import { network } from "hardhat";
import { cacheRoot, PROJECT_ROOT } from "../../prover/artifacts.js";
import { type AssayProcess, startAssay, stopAssay } from "../helpers/cli.js";
import { chainBridge } from "../node/fixtures/chain-bridge.js";
import { digits, digitsModel, tempDir } from "../node/fixtures/node.js";

const BIN_DIR = path.join(PROJECT_ROOT, "node_modules", ".bin");
const TSC = path.join(PROJECT_ROOT, "node_modules", "typescript", "bin", "tsc");
/** npm with the project's Node 22 first on PATH (Hardhat's build needs it), and no loader inherited. */
const ENV: NodeJS.ProcessEnv = { ...process.env, PATH: `${BIN_DIR}${path.delimiter}${process.env.PATH}` };
delete ENV.NODE_OPTIONS;

interface Run {
  code: number | null;
  out: string;
  err: string;
}

function run(cmd: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = ENV): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, out, err }));
  });
}

async function ok(cmd: string, args: readonly string[], cwd: string, env?: NodeJS.ProcessEnv): Promise<string> {
  const r = await run(cmd, args, cwd, env);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(" ")} (in ${cwd}) exited ${r.code}:\n${r.err}\n${r.out}`);
  return r.out;
}

/** A Node on PATH other than the project's 22 (the machine's own, 20 here), else this one. */
function oldestNode(): string {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const p = path.join(dir, "node");
    if (!dir || path.resolve(dir).startsWith(path.join(PROJECT_ROOT, "node_modules")) || !existsSync(p)) continue;
    if (realpathSync(p) !== realpathSync(process.execPath)) return p;
  }
  return process.execPath;
}

type LockEntry = Record<string, unknown>;

/**
 * The dependent project's lockfile: the tarball as its one dependency, and each of the package's
 * dependencies as a link to the copy the repository installed (what `npm link` makes), so the
 * install needs neither the registry nor the npm cache. Nothing else is reachable from the
 * project: an import of a package the tarball does not declare (Hardhat, a dev dependency) fails.
 */
function dependentLock(dir: string, tarball: string, integrity: string, pkg: Record<string, unknown>): object {
  const repo = JSON.parse(readFileSync(path.join(PROJECT_ROOT, "package-lock.json"), "utf8")) as {
    packages: Record<string, LockEntry>;
  };
  const dependencies = pkg.dependencies as Record<string, string>;
  const packages: Record<string, LockEntry> = {
    "": { name: "dapp", version: "1.0.0", dependencies: { assay: `file:${tarball}` } },
    "node_modules/assay": {
      version: pkg.version,
      resolved: `file:${tarball}`,
      integrity,
      license: pkg.license,
      dependencies,
      bin: pkg.bin,
      engines: pkg.engines,
    },
  };
  for (const name of Object.keys(dependencies)) {
    const installed = path.join(PROJECT_ROOT, "node_modules", name);
    const target = path.relative(dir, installed);
    const { integrity: _integrity, resolved: _resolved, ...entry } = repo.packages[`node_modules/${name}`] ?? {};
    const version = JSON.parse(readFileSync(path.join(installed, "package.json"), "utf8")).version;
    packages[`node_modules/${name}`] = { resolved: target, link: true };
    packages[target] = { ...entry, version };
  }
  return { name: "dapp", version: "1.0.0", lockfileVersion: 3, requires: true, packages };
}

/** The dApp's back end: plain JavaScript that knows only the package. */
const DAPP_SCRIPT = `
import { AssayClient, AssayProtocol__factory, claimId, decodeOutput } from "assay";
import { AssayClient as Client } from "assay/client";
import { decodeOutput as decode } from "assay/claims";
import { Groth16Verifier__factory, IAssayConsumer__factory } from "assay/contracts";

const [url, family, inputJson] = process.argv.slice(2);
const input = JSON.parse(inputJson);
let hardhat = "not installed";
try {
  import.meta.resolve("hardhat");
  hardhat = "installed";
} catch {}
const client = new AssayClient(url);
const r = await client.infer(family, input, { valueAtRisk: 10n ** 30n });
const landed = await client.waitFor(r.claimId, "proven");
const report = await client.audit(r.claimId, { input, salt: r.salt });
const { chainId, protocol, verifier } = await client.deployment();
const hub = AssayProtocol__factory.connect(protocol, await client.provider());
const onChain = await hub.levelOf(r.claimId);
client.close();
console.log(JSON.stringify({
  node: process.versions.node,
  hardhat,
  level: r.level,
  landed: landed.onChain,
  idMatches: claimId(r.claim, chainId, protocol) === r.claimId,
  onChainLevel: Number(onChain),
  report: { ok: report.ok, level: report.level, checks: report.checks.map((c) => c.id + ":" + c.status) },
  subpaths: Client === AssayClient && decode === decodeOutput && Groth16Verifier__factory.abi.length > 0,
  consumerKit: IAssayConsumer__factory.abi.some((f) => f.name === "requiredLevel"),
  verifier,
}));
`;

/** The same, typed: checked by tsc against the declarations the tarball ships. */
const DAPP_TS = `
import { AssayClient, type AuditReport, type ClaimInfo, type DecodedOutput, decodeOutput } from "assay";
import { type InferResult, type TensorSpec } from "assay";
import { claimId } from "assay/claims";
import { AssayProtocol__factory, type AssayProtocol } from "assay/contracts";

type IsAny<T> = 0 extends 1 & T ? true : false;
type Level = Awaited<ReturnType<AssayProtocol["levelOf"]>>;
const resolved: [IsAny<ClaimInfo>, IsAny<InferResult>, IsAny<AuditReport>, IsAny<AssayProtocol>, IsAny<Level>] = [
  false, false, false, false, false,
];
const id: string = claimId({ modelId: "0x", inputCommitment: 1n, output: 2n, requestId: "0x", deadline: 3n }, 1n, "0x");

export async function riskScore(client: AssayClient, input: number[][], spec: TensorSpec): Promise<number> {
  const r = await client.infer("digits", input, { valueAtRisk: 1n, level: "attested" });
  const landed: ClaimInfo = await client.waitFor(r.claimId, "Attested", { timeoutMs: 60_000 });
  const out: DecodedOutput = decodeOutput(landed.claim.output, spec);
  const hub: AssayProtocol = AssayProtocol__factory.connect((await client.deployment()).protocol, null);
  const level: bigint = await hub.levelOf(r.claimId);
  const salt: bigint = r.salt;
  const report: AuditReport = await client.audit(r.claimId, { input, salt });
  return out.argmax + Number(level) + Number(salt % 2n) + (report.ok ? 1 : 0) + resolved.length + id.length;
}
`;

describe("sdk: the packed package in a new project", function () {
  let work: string | undefined;
  let dapp: string;
  let files: string[];
  let node: AssayProcess | undefined;

  before(async () => {
    work = tempDir("pack");
    dapp = path.join(work, "dapp");
    // `npm run build:dist` without its `hardhat build`: the test run has just built the contracts.
    await ok(process.execPath, [TSC, "-p", "tsconfig.build.json"], PROJECT_ROOT);
    await ok(process.execPath, ["scripts/prune-dist.mjs"], PROJECT_ROOT);
    const packed = JSON.parse(
      await ok("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", work], PROJECT_ROOT),
    ) as { filename: string; integrity: string; files: { path: string }[] }[];
    files = packed[0].files.map((f) => f.path);
    const tarball = path.join(work, packed[0].filename);
    const pkg = JSON.parse(readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8"));
    mkdirSync(dapp);
    writeFileSync(
      path.join(dapp, "package.json"),
      JSON.stringify({ name: "dapp", version: "1.0.0", type: "module", dependencies: { assay: `file:${tarball}` } }),
    );
    const lock = dependentLock(dapp, tarball, packed[0].integrity, pkg);
    writeFileSync(path.join(dapp, "package-lock.json"), JSON.stringify(lock));
    // Offline, and without install scripts: npm would otherwise run the linked packages' own
    // build scripts inside the repository's node_modules. The package's postinstall is run below,
    // as a dependent's npm runs it.
    await ok("npm", ["ci", "--offline", "--ignore-scripts", "--no-audit", "--no-fund"], dapp);
  });
  after(async () => {
    if (node) await stopAssay(node.child);
    // The tarball and the project (its node_modules holds links into the repository's, which
    // removing the project leaves alone).
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("ships the built JavaScript with its types, the CLI's entry, contracts and circuits; no sources or tests", () => {
    for (const f of [
      "package.json",
      "dist/prover/sdk/index.js",
      "dist/prover/sdk/index.d.ts",
      "dist/prover/sdk/client.js",
      "dist/prover/sdk/claims.d.ts",
      "dist/prover/sdk/contracts.js",
      "dist/types/ethers-contracts/factories/protocol/AssayProtocol__factory.js",
      "dist/prover/cli/main.js",
      "bin/assay.mjs",
      "scripts/postinstall.mjs",
      "hardhat.config.ts",
      "contracts/interfaces/IReceiptHub.sol",
      "contracts/consumer/IAssayConsumer.sol",
      "circuits/commit.circom",
    ])
      expect(files, f).to.include(f);
    const stray = files.filter(
      (f) =>
        /^(prover|test|bench|models|\.assay)\//.test(f) ||
        f.startsWith("contracts/test/") ||
        f.endsWith(".tsbuildinfo"),
    );
    expect(stray).to.deep.equal([]);
  });

  it("installs into a project that has only the package, whose postinstall there does nothing", async () => {
    const installed = path.join(dapp, "node_modules", "assay");
    expect(JSON.parse(readFileSync(path.join(installed, "package.json"), "utf8")).name).to.equal("assay");
    expect(existsSync(path.join(dapp, "node_modules", "hardhat")), "hardhat in the dependent").to.equal(false);
    const r = await run(process.execPath, ["scripts/postinstall.mjs"], installed);
    expect([r.code, r.out, r.err]).to.deep.equal([0, "", ""]);
  });

  it("a plain node script infers through a running node by family name, waits for the proof, audits", async () => {
    const model = await digitsModel(); // compiled and set up (cached) before the node starts
    node = await startAssay(
      [
        "node",
        "start",
        "--models",
        model.ref.circuitId,
        "--ptau-id",
        model.ref.ptauId!,
        "--no-enclave",
        "--port",
        "0",
        "--state-dir",
        tempDir("pack-node"),
        "--batch-size",
        "0",
        "--log-level",
        "warn",
      ],
      /assay node listening on (http:\/\/\S+)/,
    );
    const family = /model {6}(\S+) {2}0x[0-9a-fA-F]{64}/.exec(node.out())![1];
    writeFileSync(path.join(dapp, "dapp.mjs"), DAPP_SCRIPT);
    const nodeBin = oldestNode();
    const env = { ...ENV, PATH: process.env.PATH, ASSAY_CACHE_DIR: cacheRoot() };
    const out = await ok(nodeBin, ["dapp.mjs", node.match[1], family, JSON.stringify(digits().xs[0])], dapp, env);
    const r = JSON.parse(out.trim().split("\n").pop()!);
    expect(Number(r.node.split(".")[0])).to.be.at.least(20);
    expect([r.hardhat, r.level, r.landed, r.idMatches, r.onChainLevel, r.subpaths, r.consumerKit]).to.deep.equal([
      "not installed",
      "Proven",
      { level: "Proven", final: true },
      true,
      3,
      true,
      true,
    ]);
    expect(r.report.ok, r.report.checks.join(" ")).to.equal(true);
    expect(r.report.checks).to.include.members(["proof:pass", "input-commitment:pass", "output:pass"]);
  });

  it("the installed CLI, without Hardhat, deploys and stakes over JSON-RPC; embedded needs Hardhat", async () => {
    const { ethers } = await network.create();
    const bridge = await chainBridge(ethers);
    const assay = path.join(dapp, "node_modules", ".bin", "assay");
    const env = { ...ENV, PATH: process.env.PATH, ASSAY_STATE_DIR: path.join(work!, "state"), ASSAY_PRIVATE_KEY: "" };
    try {
      const cli = (args: string[]) => run(oldestNode(), [assay, ...args], dapp, env);
      const r = await cli(["deploy", "--request-hub", "--rpc", bridge.url, "--json"]);
      expect(r.code, r.err).to.equal(0);
      const d = JSON.parse(r.out);
      for (const k of ["protocol", "verifier", "requestHub", "poseidon"])
        expect(await ethers.provider.getCode(d[k]), k).to.not.equal("0x");
      const hub = new Contract(d.requestHub, ["function receiptHub() view returns (address)"], ethers.provider);
      expect(await hub.receiptHub()).to.equal(d.protocol);
      // A later command finds the recorded deployment and signs with the endpoint's account.
      const staked = await cli(["stake", "1.5eth", "--rpc", bridge.url, "--json"]);
      expect(staked.code, staked.err).to.equal(0);
      const protocol = new Contract(d.protocol, ["function isStaked(address) view returns (bool)"], ethers.provider);
      const [account] = await ethers.getSigners();
      expect(await protocol.isStaked(account.address)).to.equal(true);
      const embedded = await cli(["deploy"]);
      expect(embedded.code).to.equal(1);
      expect(embedded.err.trim()).to.match(/^assay: the embedded network needs Hardhat, .* --rpc <url>/);
    } finally {
      await bridge.close();
    }
  });

  it("a TypeScript dApp type-checks against the shipped declarations", async () => {
    writeFileSync(path.join(dapp, "dapp.ts"), DAPP_TS);
    writeFileSync(
      path.join(dapp, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          module: "NodeNext",
          moduleResolution: "NodeNext",
          target: "ES2022",
          strict: true,
          noEmit: true,
          // Declarations are not checked themselves (that is most of tsc's time here): a type of
          // the package's that did not resolve would be any, which the file asserts it is not.
          skipLibCheck: true,
          types: ["node"],
          typeRoots: [path.join(PROJECT_ROOT, "node_modules", "@types")],
        },
        files: ["dapp.ts"],
      }),
    );
    const r = await run(process.execPath, [TSC, "-p", "."], dapp);
    expect(r.out + r.err).to.equal("");
    expect(r.code).to.equal(0);
  });
});
