// Fault: the node's state on disk is damaged (a truncated claim or job file, garbage, a kill -9
// in the middle of a write, a state directory others can read). Before #9 one bad record stopped
// the node from starting (JSON.parse threw in the job queue's start and the batch resume), so
// whoever could damage one file, or a crash at the wrong moment, took the node and every claim
// it must defend offline. Defence (prover/durable-file.ts): records are written to a temp
// file, fsynced, renamed over the target and the directory fsynced, so a reader sees a whole
// record or the old one; a record that still cannot be read is moved to quarantine/ with one
// logged line and the rest load and serve; directories are 0700 and records (inputs, salts) 0600.
// No stake moves here: what the fault costs is the node's liveness, and that is what is checked.
import { expect } from "chai";
import { network } from "hardhat";
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Deployment } from "../../prover/chain/protocol-client.js";
import { ClaimStore } from "../../prover/node/claim-store.js";
import { UnknownClaimError } from "../../prover/node/errors.js";
import { FileJobQueue } from "../../prover/node/job-queue.js";
import { type NodeState, readNodeState, runDir, writeNodeState } from "../../prover/node/node-state.js";
import { releaseCurve } from "../../prover/zk/groth16.js";
import { WRITER_CLAIMS, writerClaimId, writerRecord } from "../node/fixtures/state-writer-child.js";
import { digits, tempDir, testNode } from "../node/fixtures/node.js";
import { expectRejection } from "../helpers/reject.js";

const WRITER = path.join(import.meta.dirname, "../node/fixtures/state-writer-child.ts");
const POSIX = os.platform() !== "win32";
const mode = (p: string) => statSync(p).mode & 0o777;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A pid no process has any more (a writer that died). */
const deadPid = () => spawnSync(process.execPath, ["-e", ""]).pid!;

function logger() {
  const lines: string[] = [];
  return { lines, log: (l: string) => void lines.push(l) };
}

/** Every claim and job file under `root` parses and its own check holds (temp files are not records). */
function expectNothingTorn(root: string): void {
  for (const sub of ["claims", "jobs", "batch-pending"]) {
    const dir = path.join(root, sub);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      if (!name.endsWith(".json")) continue;
      const text = readFileSync(path.join(dir, name), "utf8");
      let r;
      try {
        r = JSON.parse(text);
      } catch {
        expect.fail(`${sub}/${name} is torn (${text.length} bytes that do not parse)`);
      }
      const [input, check] = sub === "claims" ? [r.input, r.output] : [r.payload.input, { values: [r.payload.sum] }];
      if (sub === "claims") expect(`${r.claimId}.json`).to.equal(name);
      if (sub === "claims") expect(input.length, `${sub}/${name} length`).to.equal(check.labels[0]);
      expect(
        input.reduce((a: number, b: number) => a + b, 0),
        `${sub}/${name} sum`,
      ).to.equal(check.values[0]);
    }
  }
}

describe("attack: faults in the node's state on disk", function () {
  this.timeout(60_000);
  after(releaseCurve); // the whole-node case compiles a model, which starts curve workers

  it("truncated and garbage claim and job files are quarantined, one logged line each; the rest serve", async () => {
    const root = tempDir("faults");
    const store = new ClaimStore(root, () => {});
    await store.init();
    const records = [0, 1, 2, 3].map((i) => writerRecord(i, 40));
    for (const r of records) {
      await store.put(r);
      await store.markPending(r.claimId);
    }
    const jobsDir = path.join(root, "jobs");
    const first = new FileJobQueue<{ v: number }, number>(jobsDir, 1, 3, { log: () => {} });
    const jobIds = [await first.enqueue({ v: 1 }), await first.enqueue({ v: 2 }), await first.enqueue({ v: 3 })];
    await first.close();

    // The damage: a crash of a non-durable writer, a full disk, a hand edit, leftovers of a dead writer.
    const claimFile = (i: number) => path.join(root, "claims", `${writerClaimId(i)}.json`);
    const jobFile = (i: number) => path.join(jobsDir, `${jobIds[i]}.json`);
    truncateSync(claimFile(1), Math.floor(statSync(claimFile(1)).size / 2));
    writeFileSync(claimFile(2), "\u0000\u0000garbage\u0000");
    writeFileSync(claimFile(3), "[1, 2, 3]\n");
    truncateSync(jobFile(1), 30);
    writeFileSync(jobFile(2), "");
    // Temp files of a writer that died, and of an earlier process that had this process's pid.
    const stale = [`${claimFile(0)}.${deadPid()}-0badc0de-7.tmp`, `${claimFile(1)}.${process.pid}-deadbeef-1.tmp`];
    for (const f of stale) writeFileSync(f, readFileSync(claimFile(0), "utf8").slice(0, 100));
    const damaged = readFileSync(claimFile(1));

    const { lines, log } = logger();
    const restarted = new ClaimStore(root, log);
    await restarted.init();
    expect(lines).to.have.length(3);
    const lineFor = (file: string) => lines.find((l) => l.includes(file)) ?? "";
    expect(lineFor(claimFile(1))).to.match(/^error: .*truncated JSON.*quarantine/);
    expect(lineFor(claimFile(2))).to.match(/^error: .*not valid JSON/);
    expect(lineFor(claimFile(3))).to.match(/^error: .*not a claim record/);
    expect(lines.join("\n")).not.to.include("garbage"); // the reason never echoes a record's content
    // The good claim serves whole; the bad ones are gone from the store, kept aside byte for byte.
    expect(await restarted.get(writerClaimId(0))).to.deep.equal(records[0]);
    expect(await restarted.get(writerClaimId(1))).to.equal(undefined);
    expect((await restarted.pending()).map((r) => r.claimId)).to.deep.equal([writerClaimId(0)]);
    const kept = readdirSync(path.join(root, "quarantine"));
    expect(kept).to.have.length(3);
    const q1 = kept.find((n) => n.startsWith(`${writerClaimId(1)}.json.`))!;
    expect(readFileSync(path.join(root, "quarantine", q1))).to.deep.equal(damaged);
    expect(stale.map(existsSync)).to.deep.equal([false, false]);

    lines.length = 0;
    const queue = new FileJobQueue<{ v: number }, number>(jobsDir, 1, 3, { log });
    const seen: number[] = [];
    await queue.start(async ({ v }) => {
      seen.push(v);
      return v * 10;
    });
    await queue.idle();
    await queue.close();
    expect(seen).to.deep.equal([1]);
    expect((await queue.get(jobIds[0]))!.result).to.equal(10);
    expect(lines).to.have.length(2);
    expect(lineFor(jobFile(1))).to.match(/truncated JSON/);
    expect(lineFor(jobFile(2))).to.match(/empty file/);
    expect(readdirSync(path.join(jobsDir, "quarantine"))).to.have.length(2);
  });

  it("kill -9 mid-write, five times: every record left is whole, and the next start takes them all", async () => {
    const root = tempDir("kill9");
    for (let round = 0; round < 5; round++) {
      const child = spawn(process.execPath, ["--import", "tsx", WRITER, root], {
        stdio: ["ignore", "pipe", "inherit"],
      });
      await once(child.stdout, "data"); // it has written at least one of each
      await sleep(20 + Math.random() * 200);
      child.kill("SIGKILL");
      await once(child, "exit");
      expectNothingTorn(root);
    }
    const claims = readdirSync(path.join(root, "claims")).filter((n) => n.endsWith(".json"));
    expect(claims.length).to.be.within(1, WRITER_CLAIMS);
    // A restart finds nothing to quarantine and clears the dead writers' temp files.
    const { lines, log } = logger();
    const store = new ClaimStore(root, log);
    await store.init();
    const queue = new FileJobQueue<{ input: number[]; sum: number }, number>(path.join(root, "jobs"), 2, 3, { log });
    let ran = 0;
    await queue.start(async ({ input, sum }) => {
      ran++;
      return input.reduce((a, b) => a + b, 0) - sum;
    });
    await queue.idle();
    await queue.close();
    expect(lines, lines.join("\n")).to.deep.equal([]);
    expect(ran).to.equal(readdirSync(path.join(root, "jobs")).filter((n) => n.endsWith(".json")).length);
    expect((await store.pending()).length).to.equal(claims.length);
    for (const sub of ["claims", "jobs", "batch-pending"])
      expect(
        readdirSync(path.join(root, sub)).filter((n) => n.endsWith(".tmp")),
        sub,
      ).to.deep.equal([]);
  });

  it("state directories are 0700 (looser ones tightened, and logged), claim and job files 0600", async function () {
    if (!POSIX) this.skip();
    const root = tempDir("modes");
    const store = new ClaimStore(root, () => {});
    await store.init();
    await store.put(writerRecord(0, 3));
    const file = path.join(root, "claims", `${writerClaimId(0)}.json`);
    // An older node, or a careless copy, left them readable by everyone.
    chmodSync(root, 0o755);
    chmodSync(path.join(root, "claims"), 0o755);
    chmodSync(file, 0o644);
    const { lines, log } = logger();
    const again = new ClaimStore(root, log);
    await again.init();
    expect(lines.filter((l) => /tightened it to 0700/.test(l))).to.have.length(2);
    expect(lines[0]).to.include(root);
    expect([root, "claims", "batch-pending"].map((d) => mode(path.resolve(root, d)))).to.deep.equal([
      0o700, 0o700, 0o700,
    ]);
    expect(mode(file)).to.equal(0o600);
    await again.put(writerRecord(1, 3));
    await again.markPending(writerClaimId(1));
    expect(mode(path.join(root, "claims", `${writerClaimId(1)}.json`))).to.equal(0o600);
    expect(mode(path.join(root, "batch-pending", writerClaimId(1)))).to.equal(0o600);
    const jobs = path.join(root, "jobs");
    const queue = new FileJobQueue<{ salt: bigint }, number>(jobs);
    const id = await queue.enqueue({ salt: 5n });
    expect([mode(jobs), mode(path.join(jobs, `${id}.json`))]).to.deep.equal([0o700, 0o600]);
  });

  it("node.json is 0600, directories down to the run's 0700; a torn one is quarantined", async function () {
    const stateDir = tempDir("nodestate");
    if (POSIX) chmodSync(stateDir, 0o755);
    const deployment: Deployment = {
      format: "assay.deployment",
      version: 1,
      chainId: "31337",
      verifier: `0x${"11".repeat(20)}`,
      protocol: `0x${"22".repeat(20)}`,
      deployer: `0x${"33".repeat(20)}`,
      deployedAt: "2025-01-01T00:00:00.000Z",
    };
    const dataDir = runDir(stateDir, deployment);
    mkdirSync(path.dirname(dataDir), { recursive: true });
    if (POSIX) [path.join(stateDir, "node"), path.dirname(dataDir)].forEach((d) => chmodSync(d, 0o755));
    const state: NodeState = {
      format: "assay.node",
      version: 1,
      url: "http://127.0.0.1:1",
      rpc: null,
      chain: { embedded: true, label: "embedded", chainId: "31337" },
      deployment,
      operator: deployment.deployer,
      models: [],
      enclave: null,
      policy: { signedMax: "1", attestedMax: "2" },
      dataDir,
      pid: process.pid,
      startedAt: "2025-01-01T00:00:00.000Z",
    };
    const { lines, log } = logger();
    await writeNodeState(stateDir, state, log);
    expect(readNodeState(stateDir, log)).to.deep.equal(state);
    const file = path.join(stateDir, "node.json");
    if (POSIX) {
      const chain = [stateDir, path.join(stateDir, "node"), path.dirname(dataDir), dataDir];
      expect(chain.map(mode)).to.deep.equal([0o700, 0o700, 0o700, 0o700]);
      expect(mode(file)).to.equal(0o600);
      expect(lines.filter((l) => l.includes("tightened"))).to.have.length(3);
    }
    lines.length = 0;
    truncateSync(file, 40);
    expect(readNodeState(stateDir, log)).to.equal(undefined);
    expect(lines).to.have.length(1);
    expect(lines[0]).to.match(/node\.json is unusable \(truncated JSON\)/);
    expect(existsSync(file)).to.equal(false);
    expect(readdirSync(path.join(stateDir, "quarantine"))[0]).to.match(/^node\.json\./);
  });

  it("a whole node restarts over a damaged state dir: it serves its good claims, takes new work", async () => {
    const { ethers } = await network.create();
    const node = await testNode(ethers);
    try {
      const xs = digits().xs;
      const first = await node.service({ config: { batch: null } });
      const [good, bad] = [
        await first.infer({ model: "digits", input: xs[0], valueAtRisk: 1 }),
        await first.infer({ model: "digits", input: xs[1], valueAtRisk: 1 }),
      ];
      await first.close();
      const badFile = path.join(node.stateDir, "claims", `${bad.claimId.toLowerCase()}.json`);
      truncateSync(badFile, 50);
      const garbageJob = path.join(node.stateDir, "jobs", "00000000-0000-4000-8000-000000000000.json");
      mkdirSync(path.dirname(garbageJob), { recursive: true });
      writeFileSync(garbageJob, '{"id": "00000000-0000-4000-8000-000000000000", "state": "queu');

      // Its lines go to the service's log, or to stderr where a part has no log of its own.
      const logged: string[] = [];
      const stderrWrite = process.stderr.write;
      process.stderr.write = ((chunk: string | Uint8Array) => logged.push(String(chunk)) > 0) as typeof stderrWrite;
      let second;
      try {
        second = await node.service({ config: { batch: null }, log: (l) => void logged.push(l) });
      } finally {
        process.stderr.write = stderrWrite;
      }
      const problems = logged
        .join("\n")
        .split("\n")
        .filter((l) => l.startsWith("error: state record"));
      expect(problems).to.have.length(2);
      expect(problems[0]).to.include(badFile).and.include("truncated JSON");
      expect(problems[1]).to.include(garbageJob).and.include("truncated JSON");
      const view = await second.claim(good.claimId);
      expect([view.claimId, view.level, view.status]).to.deep.equal([good.claimId, "Signed", "recorded"]);
      expect(view.onChain?.level).to.equal("Signed");
      await expectRejection(second.claim(bad.claimId), UnknownClaimError);
      expect(readdirSync(path.join(node.stateDir, "quarantine"))).to.have.length(1);
      expect(readdirSync(path.join(node.stateDir, "jobs", "quarantine"))).to.have.length(1);
      // And it still takes new work.
      const next = await second.infer({ model: "digits", input: xs[2], valueAtRisk: 1 });
      expect(next.status).to.equal("recorded");
    } finally {
      await node.stop();
    }
  });
});
