// `assay node start` end to end: the command deploys on the embedded network, registers the
// model, starts and registers the enclave, serves HTTP, writes its state for other commands,
// and on SIGTERM posts the waiting batch before it exits.
import { expect } from "chai";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { cacheRoot, PROJECT_ROOT } from "../../prover/artifacts.js";
import { ClaimStore } from "../../prover/node/claim-store.js";
import { openDatabase } from "../../prover/node/db/database.js";
import { digits, digitsModel, tempDir } from "./fixtures/node.js";

const BIN = path.join(PROJECT_ROOT, "bin/assay.mjs");
const ONNX = path.join(PROJECT_ROOT, "models/digits-mlp-64-32-10.onnx");
const CALIB = path.join(PROJECT_ROOT, "models/data/digits-8x8-calib.json");
const env = { ...process.env, ASSAY_CACHE_DIR: cacheRoot() };

describe("cli: assay node start", function () {
  const stateDir = tempDir("node-start");
  let child: ChildProcess;
  let url: string;
  let stdout = "";
  let stderr = "";

  before(async () => {
    await digitsModel(); // compiled and set up (cached) before the command runs
    child = spawn(
      process.execPath,
      [
        BIN,
        "node",
        "start",
        "--models",
        ONNX,
        "--calib",
        CALIB,
        "--port",
        "0",
        "--state-dir",
        stateDir,
        "--batch-size",
        "5",
        "--batch-interval",
        "3600000",
      ],
      {
        cwd: PROJECT_ROOT,
        env,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    child.stderr!.on("data", (d) => (stderr += String(d)));
    url = await new Promise<string>((resolve, reject) => {
      child.stdout!.on("data", (d) => {
        stdout += String(d);
        const m = /assay node listening on (http:\/\/\S+)/.exec(stdout);
        if (m) resolve(m[1]);
      });
      child.once("exit", (code) => reject(new Error(`node start exited (${code}): ${stderr}`)));
    });
  });
  after(() => {
    if (child && child.exitCode === null) child.kill("SIGKILL");
  });

  it("prints where it listens and what it set up; node.json and deployment-<chainId>.json agree", () => {
    for (const line of [
      "chain      the embedded network (chain id 31337); JSON-RPC at",
      "protocol   0x",
      "operator   0x",
      "enclave    0x",
      "model      digits-mlp-64-32-10  0x",
    ]) {
      expect(stdout).to.contain(line);
    }
    expect(stderr).to.contain("attested and registered");
    const state = JSON.parse(readFileSync(path.join(stateDir, "node.json"), "utf8"));
    const deployment = JSON.parse(readFileSync(path.join(stateDir, "deployment-31337.json"), "utf8"));
    expect([state.url, state.rpc, state.deployment.protocol, state.chain.embedded]).to.deep.equal([
      url,
      `${url}/rpc`,
      deployment.protocol,
      true,
    ]);
    expect(state.models).to.have.length(1);
    expect(state.enclave.address).to.match(/^0x[0-9a-fA-F]{40}$/);
    expect(existsSync(state.enclave.documentFile)).to.equal(true);
  });

  it("serves inferences and claims over HTTP, and its chain over /rpc", async () => {
    const post = (body: unknown) =>
      fetch(`${url}/v1/infer`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const res = await post({ model: "digits-mlp-64-32-10", input: digits().xs[0], valueAtRisk: "1" });
    expect(res.status).to.equal(200);
    const r = await res.json();
    expect([r.level, r.status]).to.deep.equal(["Signed", "batching"]);
    const bad = await post({ model: "digits-mlp-64-32-10", input: [1, 2], valueAtRisk: "1" });
    expect(bad.status).to.equal(400);
    const circuitId = (await digitsModel()).ref.circuitId;
    expect(await bad.json()).to.deep.equal({
      error: `input has 2 values; model ${circuitId} takes 64 (shape [1, 64])`,
    });
    const got = await (await fetch(`${url}/v1/claims/${r.claimId}`)).json();
    expect(got.claimId).to.equal(r.claimId);
    const rpc = await (
      await fetch(`${url}/rpc`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 7, method: "eth_chainId" }),
      })
    ).json();
    expect(rpc).to.deep.equal({ jsonrpc: "2.0", id: 7, result: "0x7a69" });

    // SIGTERM: the waiting Signed claim is posted in a batch before the process exits.
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    expect(await exited).to.equal(0);
    const state = JSON.parse(readFileSync(path.join(stateDir, "node.json"), "utf8"));
    const db = await openDatabase({ stateDir: state.dataDir });
    const record = (await new ClaimStore(db).get(r.claimId))!;
    await db.close();
    expect(record.status).to.equal("batched");
    expect(record.batch!.size).to.equal(1);
  });

  it("bad invocations fail with one line and a non-zero exit", () => {
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [BIN, ...args], {
        cwd: PROJECT_ROOT,
        env: { ...env, ASSAY_STATE_DIR: stateDir },
        encoding: "utf8",
      });
    const none = run("node", "start");
    expect(none.status).to.equal(1);
    expect(none.stderr).to.contain("required option '--models <models...>' not specified");
    const unknown = run("node", "start", "--models", "zzzz");
    expect(unknown.status).to.equal(1);
    expect(unknown.stderr.trim().split("\n")[0]).to.match(/^assay: unknown model "zzzz"/);
    const onnx = run("node", "start", "--models", ONNX);
    expect(onnx.status).to.equal(1);
    expect(onnx.stderr.trim()).to.equal(
      `assay: --calib <file> is needed to compile ${ONNX} ` +
        "(or compile it first with `assay model compile` and pass its circuit id)",
    );
  });
});
