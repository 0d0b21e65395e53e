// The challenge watcher's cursor and bookkeeping on the embedded chain, with real claims and real
// challenges: bounded eth_getLogs ranges and confirmations; a challenge recorded just before a
// crash (its proof job never queued) is queued after the restart, and a rescan queues no second
// job; an unreadable state file is quarantined and the look-back still finds the open dispute;
// `assay watch --once` defends a stopped node's challenged claim from its state directory; a
// deadline closer than a proof may need is warned about, and a passed one is reported as lost.
import { expect } from "chai";
import { spawn, spawnSync } from "node:child_process";
import { readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { network } from "hardhat";
import { Contract, type Provider } from "ethers";
import { cacheRoot, PROJECT_ROOT } from "../../prover/artifacts.js";
import { openChallenge } from "../../prover/chain/disputes.js";
import { LEVEL } from "../../prover/chain/protocol-client.js";
import { ChallengeWatcher } from "../../prover/node/challenge-watcher.js";
import { ClaimStore } from "../../prover/node/claim-store.js";
import { type Database, openDatabase } from "../../prover/node/db/database.js";
import { SqlJobQueue } from "../../prover/node/job-queue.js";
import { writeNodeState } from "../../prover/node/node-state.js";
import type { ProofJobPayload, ProofJobResult } from "../../prover/node/proof-job.js";
import { releaseCurve } from "../../prover/zk/groth16.js";
import { ASSAY_BIN } from "../helpers/cli.js";
import { chainBridge } from "./fixtures/chain-bridge.js";
import { digits, digitsModel, type TestNode, tempDir, testNode } from "./fixtures/node.js";

const { ethers, networkHelpers } = await network.create();

type Queue = SqlJobQueue<ProofJobPayload, ProofJobResult>;

/** The databases this file opens (closed at the end). */
const dbs: Database[] = [];
async function dbIn(dir: string): Promise<Database> {
  const db = await openDatabase({ stateDir: dir });
  dbs.push(db);
  return db;
}
const queueIn = async (dir: string): Promise<Queue> => new SqlJobQueue(await dbIn(dir));
const jobCount = async (dir: string) => (await (await dbIn(dir)).query("SELECT id FROM jobs")).length;

/** A queue whose process "dies" at the moment it would accept a job. */
class DyingQueue extends SqlJobQueue<ProofJobPayload, ProofJobResult> {
  override enqueue(): Promise<string> {
    return Promise.reject(new Error("killed before the job was accepted"));
  }
}

describe("node: challenge watcher", function () {
  let node: TestNode;
  let dataDir: string;
  let store: ClaimStore;
  const claimIds: string[] = [];

  before(async () => {
    node = await testNode(ethers, { enclave: false });
    dataDir = path.join(tempDir("watcher"), "data");
    const svc = await node.service({ stateDir: dataDir, config: { batch: null }, watchChallenges: false });
    for (const x of digits().xs.slice(0, 3))
      claimIds.push((await svc.infer({ model: "digits", input: x, valueAtRisk: 1, level: "signed" })).claimId);
    await svc.close();
    store = new ClaimStore(await dbIn(dataDir));
  });
  after(async () => {
    await node?.stop();
    await releaseCurve();
    for (const db of dbs) await db.close();
  });

  const open = (queue: Queue, stateFile: string, extra: Partial<Parameters<typeof ChallengeWatcher.open>[0]> = {}) =>
    ChallengeWatcher.open({ hub: node.hub, claims: store, queue, stateFile, ...extra });

  it("reads logs in bounded ranges, and stays `confirmations` blocks behind the head", async () => {
    const [, , , challenger] = await ethers.getSigners();
    await openChallenge(node.hub.connect(challenger) as Contract, claimIds[0]);
    const head = await ethers.provider.getBlockNumber();
    const ranges: [number, number][] = [];
    const spy = new Proxy(ethers.provider, {
      get(target, key, receiver) {
        if (key === "provider") return receiver;
        if (key === "getLogs")
          return (f: { fromBlock: number; toBlock: number }) => {
            ranges.push([f.fromBlock, f.toBlock]);
            return target.getLogs(f);
          };
        const v = Reflect.get(target, key);
        return typeof v === "function" ? v.bind(target) : v;
      },
    }) as unknown as Provider;
    const hub = new Contract(await node.hub.getAddress(), node.hub.interface, spy);
    const queue = await queueIn(tempDir("watcher-jobs"));
    const w = await open(queue, path.join(tempDir("watcher-a"), "w.json"), {
      hub,
      fromBlock: 0,
      maxBlockRange: 4,
      confirmations: 2,
    });
    await w.scan();
    expect(w.status().cursor).to.equal(head - 2);
    // Consecutive ranges of at most 4 blocks from block 0 to head - 2, no gap, no overlap.
    expect(ranges[0]).to.deep.equal([0, 3]);
    expect(ranges.at(-1)![1]).to.equal(head - 2);
    expect(ranges.every(([a, b], i) => b - a < 4 && (i === 0 || a === ranges[i - 1][1] + 1))).to.equal(true);
    expect(w.defences()).to.deep.equal([]); // the reveal is in the head block: not confirmed yet
    await networkHelpers.mine(2);
    await w.scan();
    expect(w.defences().map((d) => [d.claimId, d.state, d.challenger])).to.deep.equal([
      [claimIds[0], "queued", challenger.address],
    ]);
    expect(w.status().defences.queued).to.equal(1);
  });

  it("a challenge recorded before a crash is queued after the restart; a rescan queues nothing twice", async () => {
    const stateFile = path.join(tempDir("watcher-b"), "w.json");
    const jobsDir = tempDir("watcher-b-jobs");
    const dying = await open(new DyingQueue(await dbIn(jobsDir)), stateFile, { fromBlock: 0 });
    let err: Error | undefined;
    await dying.scan().catch((e) => (err = e));
    expect(err?.message).to.equal("killed before the job was accepted");
    expect(dying.defences().map((d) => d.state)).to.deep.equal(["pending"]);

    const lines: string[] = [];
    const restarted = await open(await queueIn(jobsDir), stateFile, { log: (l) => lines.push(l) });
    await restarted.scan();
    expect(restarted.defences().map((d) => [d.claimId, d.state, d.attempts])).to.deep.equal([
      [claimIds[0], "queued", 1],
    ]);
    expect(await jobCount(jobsDir)).to.equal(1);
    expect(lines.some((l) => l.startsWith("watch: resuming the defence"))).to.equal(false);

    const rescan = await open(await queueIn(jobsDir), stateFile, { fromBlock: 0 });
    await rescan.scan();
    expect(await jobCount(jobsDir)).to.equal(1);
    expect(rescan.defences().map((d) => d.jobId)).to.deep.equal(restarted.defences().map((d) => d.jobId));
  });

  it("an unreadable state file is quarantined and the look-back finds the open dispute", async () => {
    const dir = tempDir("watcher-c");
    const stateFile = path.join(dir, "w.json");
    writeFileSync(stateFile, '{"format":"assay.challenge-wat');
    const lines: string[] = [];
    const w = await open(await queueIn(tempDir("watcher-c-jobs")), stateFile, { log: (l) => lines.push(l) });
    expect(lines[0]).to.match(/w\.json is unusable \(truncated JSON\); moved it to .*quarantine/);
    await w.scan();
    expect(w.defences().map((d) => d.claimId)).to.deep.equal([claimIds[0]]);
    expect(readdirSync(path.join(dir, "quarantine"))).to.have.length(1);
  });

  it("`assay watch --once` defends a stopped node's challenged claim from its state directory", async () => {
    const [, , , challenger] = await ethers.getSigners();
    await openChallenge(node.hub.connect(challenger) as Contract, claimIds[1]);
    const bridge = await chainBridge(ethers);
    const stateDir = path.dirname(dataDir);
    const model = await digitsModel();
    const dead = spawnSync(process.execPath, ["-e", ""]).pid!;
    await writeNodeState(stateDir, {
      format: "assay.node",
      version: 1,
      url: "http://127.0.0.1:1",
      rpc: null,
      chain: { embedded: false, label: `rpc ${bridge.url}`, chainId: node.deployment.chainId },
      deployment: node.deployment,
      operator: node.operator.address,
      models: [{ modelId: node.served[0].modelId, circuitId: model.ref.circuitId, ptauId: model.ref.ptauId }],
      enclave: null,
      policy: { signedMax: "1", attestedMax: "2" },
      dataDir,
      pid: dead,
      startedAt: new Date().toISOString(),
    });
    const credit: bigint = await node.hub.creditOf(node.operator.address);
    const env = { ...process.env, ASSAY_CACHE_DIR: cacheRoot(), ASSAY_PRIVATE_KEY: "" };
    const run = spawn(process.execPath, [ASSAY_BIN, "--json", "watch", "--state-dir", stateDir, "--once"], {
      cwd: PROJECT_ROOT,
      env,
    });
    let out = "";
    let err = "";
    run.stdout.on("data", (d) => (out += d));
    run.stderr.on("data", (d) => (err += d));
    const code = await new Promise((r) => run.once("exit", r));
    await bridge.close();
    expect(code, err).to.equal(0);
    const report = JSON.parse(out);
    // Both open disputes of this node's claims (the first test's one too) were found and defended.
    const states = report.defences.map((d: { claimId: string; state: string }) => [d.claimId, d.state]);
    expect(states).to.deep.equal([
      [claimIds[0], "landed"],
      [claimIds[1], "landed"],
    ]);
    for (const id of claimIds.slice(0, 2)) {
      expect(Number(await node.hub.levelOf(id))).to.equal(LEVEL.Proven);
      expect((await store.get(id))!.status).to.equal("proven");
    }
    const bond: bigint = await node.hub.challengeBond();
    expect(await node.hub.creditOf(node.operator.address)).to.equal(credit + 2n * bond);
  });

  it("warns loudly when the deadline is closer than a proof may take, and reports a passed one as late", async () => {
    const [, , , challenger] = await ethers.getSigners();
    await openChallenge(node.hub.connect(challenger) as Contract, claimIds[2]);
    const { responseDeadline } = await node.hub.disputeOf(claimIds[2]);
    const stateFile = path.join(tempDir("watcher-d"), "w.json");
    const queue = await queueIn(tempDir("watcher-d-jobs"));
    const lines: string[] = [];
    const log = (l: string) => lines.push(l);
    const w = await open(queue, stateFile, { log, proofBudgetSeconds: 7200 });
    await w.scan();
    expect(lines.filter((l) => l.includes("WARNING"))).to.have.length(1);
    expect(lines.find((l) => l.includes("WARNING"))).to.match(
      new RegExp(`^watch: WARNING: claim ${claimIds[2]} must be proven within \\d+ s .* less than the 7200 s`),
    );
    await networkHelpers.time.increaseTo(Number(responseDeadline) + 1);
    await w.scan();
    // (The look-back also finds the earlier tests' disputes, already settled.)
    expect(w.defences().map((d) => [d.claimId, d.state])).to.deep.include.members([[claimIds[2], "late"]]);
    expect(w.defences().filter((d) => d.state !== "landed")).to.have.length(1);
    expect(lines.at(-1)).to.match(new RegExp(`^watch: DEFENCE LATE: claim ${claimIds[2]}: the response deadline`));
  });
});
