// Fault: the node's state is damaged (a truncated or garbage record, a kill -9 in the middle of a
// write, a state directory others can read, a file that is not a database). Before #9 one bad
// record stopped the node from starting, so whoever could damage one file, or a crash at the
// wrong moment, took the node and every claim it must defend offline. Defence: claims and proof
// jobs are rows of the node's database (prover/node/db/: SQLite in WAL mode with synchronous=FULL
// by default), written in transactions before the node answers, so a crash leaves every
// acknowledged row whole; a record that still cannot be read is moved to the quarantine table with
// one logged line, and the rest load and serve; the state directory is 0700 and the database files
// (inputs, salts) 0600. node.json stays a file, written durably (prover/durable-file.ts). No stake
// moves here: what the fault costs is the node's liveness and its claims, and that is what is checked.
import { expect } from "chai";
import { network } from "hardhat";
import { spawn } from "node:child_process";
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
import { type Database, DatabaseError, openDatabase, SQLITE_FILE } from "../../prover/node/db/database.js";
import { toJson } from "../../prover/node/db/json.js";
import { UnknownClaimError } from "../../prover/node/errors.js";
import { SqlJobQueue } from "../../prover/node/job-queue.js";
import { type NodeState, readNodeState, runDir, writeNodeState } from "../../prover/node/node-state.js";
import { releaseCurve } from "../../prover/zk/groth16.js";
import { writerClaimId, writerRecord } from "../node/fixtures/state-writer-child.js";
import { digits, tempDir, testNode } from "../node/fixtures/node.js";
import { expectRejection } from "../helpers/reject.js";

const WRITER = path.join(import.meta.dirname, "../node/fixtures/state-writer-child.ts");
const POSIX = os.platform() !== "win32";
const mode = (p: string) => statSync(p).mode & 0o777;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function logger() {
  const lines: string[] = [];
  return { lines, log: (l: string) => void lines.push(l) };
}

/** Sets a claim row's record text (the damage a bad disk or a hand edit does). */
async function damageClaim(db: Database, id: string, text: string): Promise<void> {
  await db.run("UPDATE claims SET record = $2 WHERE claim_id = $1", [id.toLowerCase(), text]);
}

describe("attack: faults in the node's state", function () {
  this.timeout(60_000);
  after(releaseCurve); // the whole-node case compiles a model, which starts curve workers

  it("unreadable claim and job records are quarantined, one logged line each; the rest serve", async () => {
    const root = tempDir("faults");
    const db = await openDatabase({ stateDir: root });
    const { lines, log } = logger();
    const store = new ClaimStore(db, log);
    const records = [0, 1, 2, 3].map((i) => writerRecord(i, 40));
    for (const r of records) await store.put(r);
    const first = new SqlJobQueue<{ v: number }, number>(db, { log });
    const jobIds = [await first.enqueue({ v: 1 }), await first.enqueue({ v: 2 }), await first.enqueue({ v: 3 })];

    // The damage: a torn write of an older version, a full disk, a hand edit.
    const secret = toJson(records[1]);
    await damageClaim(db, writerClaimId(1), secret.slice(0, secret.length / 2));
    await damageClaim(db, writerClaimId(2), "\u0000\u0000garbage\u0000");
    await damageClaim(db, writerClaimId(3), "[1, 2, 3]");
    await db.run("UPDATE jobs SET payload = $2 WHERE id = $1", [jobIds[1], '{"v": 2']);

    expect(await store.get(writerClaimId(0))).to.deep.equal(records[0]);
    expect((await store.pending()).map((r) => r.claimId)).to.deep.equal([writerClaimId(0)]);
    expect(await store.get(writerClaimId(1))).to.equal(undefined);
    await expectRejection(
      store.update(writerClaimId(1), () => {}),
      Error,
      /missing/,
    );
    expect(lines).to.have.length(3);
    const lineFor = (id: string) => lines.find((l) => l.includes(id)) ?? "";
    expect(lineFor(writerClaimId(1))).to.match(/unreadable .*JSON.*quarantine/);
    expect(lineFor(writerClaimId(2))).to.match(/unreadable/);
    expect(lineFor(writerClaimId(3))).to.match(/not a claim record/);
    expect(lines.join("\n")).not.to.include("garbage"); // the reason never echoes a record's content
    // Kept aside byte for byte.
    const kept = await db.query<{ key: string; content: string }>(
      "SELECT key, content FROM quarantine WHERE kind = 'claim' ORDER BY key",
    );
    expect(kept.map((k) => k.key)).to.deep.equal([1, 2, 3].map((i) => writerClaimId(i)));
    expect(kept[0].content).to.equal(secret.slice(0, secret.length / 2));

    lines.length = 0;
    const seen: number[] = [];
    await first.start(async ({ v }) => {
      seen.push(v);
      return v * 10;
    });
    await first.idle();
    await first.close();
    // Jobs enqueued in the same millisecond run in id order, not enqueue order.
    expect(seen.sort()).to.deep.equal([1, 3]);
    expect((await first.get(jobIds[0]))!.result).to.equal(10);
    const [bad] = await db.query<{ state: string; error: string }>("SELECT state, error FROM jobs WHERE id = $1", [
      jobIds[1],
    ]);
    expect(bad.state).to.equal("failed");
    expect(bad.error).to.match(/unreadable job record/);
    expect(lines).to.have.length(1);
    await db.close();
  });

  it("kill -9 mid-write, five times: every acknowledged record is there and whole, none torn", async () => {
    const root = tempDir("kill9");
    const acked = new Set<number>();
    for (let round = 0; round < 5; round++) {
      const child = spawn(process.execPath, ["--import", "tsx", WRITER, root], {
        stdio: ["ignore", "pipe", "inherit"],
      });
      let out = "";
      child.stdout.on("data", (d) => (out += String(d)));
      await once(child.stdout, "data");
      await sleep(20 + Math.random() * 200);
      child.kill("SIGKILL");
      await once(child, "exit");
      const acks = [...out.matchAll(/^ack (\d+)$/gm)].map((m) => Number(m[1]));
      expect(acks.length, "the writer acknowledged something").to.be.greaterThan(0);
      acks.forEach((n) => acked.add(n));
    }
    const { lines, log } = logger();
    const db = await openDatabase({ stateDir: root });
    const [{ integrity_check: integrity }] = await db.query<{ integrity_check: string }>("PRAGMA integrity_check");
    expect(integrity).to.equal("ok");
    const store = new ClaimStore(db, log);
    // Every acknowledged claim is there, whole (its own check holds).
    for (const i of acked) {
      const r = await store.get(writerClaimId(i));
      expect(r, `claim ${i} (acknowledged) is there`).not.to.equal(undefined);
      expect(r!.input.length).to.equal(r!.output.labels[0]);
      expect(r!.input.reduce((a, b) => a + b, 0)).to.equal(r!.output.values[0]);
    }
    const queue = new SqlJobQueue<{ input: number[]; sum: number }, number>(db, { concurrency: 2, log });
    let wrong = 0;
    await queue.start(async ({ input, sum }) => {
      if (input.reduce((a, b) => a + b, 0) !== sum) wrong++;
      return 0;
    });
    await queue.idle();
    await queue.close();
    const counts = await queue.counts();
    for (const i of acked) expect((await queue.get(writerClaimId(i)))?.state, `job ${i}`).to.equal("done");
    expect([wrong, counts.failed, counts.queued]).to.deep.equal([0, 0, 0]);
    expect(lines, lines.join("\n")).to.deep.equal([]);
    await db.close();
  });

  it("the state directory is 0700 (a looser one tightened, and logged), the database files 0600", async function () {
    if (!POSIX) this.skip();
    const root = tempDir("modes");
    chmodSync(root, 0o755);
    const file = path.join(root, SQLITE_FILE);
    writeFileSync(file, "", { mode: 0o644 });
    chmodSync(file, 0o644);
    const stderrWrite = process.stderr.write;
    const logged: string[] = [];
    process.stderr.write = ((chunk: string | Uint8Array) => logged.push(String(chunk)) > 0) as typeof stderrWrite;
    let db: Database;
    try {
      db = await openDatabase({ stateDir: root });
    } finally {
      process.stderr.write = stderrWrite;
    }
    expect(logged.filter((l) => /tightened it to 0700/.test(l))).to.have.length(1);
    await new ClaimStore(db).put(writerRecord(0, 3));
    const queue = new SqlJobQueue<{ salt: bigint }, number>(db);
    await queue.enqueue({ salt: 5n });
    expect(mode(root)).to.equal(0o700);
    const files = readdirSync(root).filter((n) => n.startsWith(SQLITE_FILE));
    expect(files).to.include.members([SQLITE_FILE, `${SQLITE_FILE}-wal`]);
    for (const f of files) expect(mode(path.join(root, f)), f).to.equal(0o600);
    await db.close();
  });

  it("a database file that is not one is refused with its name, never overwritten", async () => {
    const root = tempDir("notdb");
    const file = path.join(root, SQLITE_FILE);
    const junk = "this is not a database ".repeat(300);
    writeFileSync(file, junk, { mode: 0o600 });
    await expectRejection(
      openDatabase({ stateDir: root }),
      DatabaseError,
      new RegExp(file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")),
    );
    expect(readFileSync(file, "utf8")).to.equal(junk);
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

  it("a whole node restarts over a damaged database: it serves its good claims, takes new work", async () => {
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
      const db = await openDatabase({ stateDir: node.stateDir });
      await damageClaim(db, bad.claimId, '{"claimId": "');
      await db.close();

      const logged: string[] = [];
      const second = await node.service({ config: { batch: null }, log: (l) => void logged.push(l) });
      const view = await second.claim(good.claimId);
      expect([view.claimId, view.level, view.status]).to.deep.equal([good.claimId, "Signed", "recorded"]);
      expect(view.onChain?.level).to.equal("Signed");
      await expectRejection(second.claim(bad.claimId), UnknownClaimError);
      const problems = logged.filter((l) => l.includes(bad.claimId.toLowerCase()));
      expect(problems).to.have.length(1);
      expect(problems[0]).to.match(/unreadable.*quarantine/);
      // And it still takes new work.
      const next = await second.infer({ model: "digits", input: xs[2], valueAtRisk: 1 });
      expect(next.status).to.equal("recorded");
    } finally {
      await node.stop();
    }
  });

  it("a state directory of an older node (claim and job files) is imported, not lost", async () => {
    const root = tempDir("legacy");
    const claimsDir = path.join(root, "claims");
    const jobsDir = path.join(root, "jobs");
    mkdirSync(claimsDir, { recursive: true });
    mkdirSync(jobsDir, { recursive: true });
    const records = [0, 1].map((i) => writerRecord(i, 5));
    for (const r of records) writeFileSync(path.join(claimsDir, `${r.claimId}.json`), toJson(r));
    writeFileSync(path.join(claimsDir, `${writerClaimId(9)}.json`), '{"claimId": "0x');
    const job = {
      id: "00000000-0000-4000-8000-000000000001",
      state: "running",
      payload: { v: 7n },
      attempts: 1,
      createdAt: "2026-01-01T00:00:00.000Z",
      updatedAt: "2026-01-01T00:00:00.000Z",
    };
    writeFileSync(path.join(jobsDir, `${job.id}.json`), toJson(job));
    const { lines, log } = logger();
    const { importLegacyState } = await import("../../prover/node/db/legacy-import.js");
    const db = await openDatabase({ stateDir: root });
    expect(await importLegacyState(db, root, log)).to.deep.equal({ claims: 2, jobs: 1 });
    expect(lines.filter((l) => /quarantine/.test(l))).to.have.length(1);
    const store = new ClaimStore(db);
    expect(await store.get(records[1].claimId)).to.deep.equal({ ...records[1], updatedAt: records[1].updatedAt });
    expect((await store.pending()).map((r) => r.claimId)).to.deep.equal(records.map((r) => r.claimId));
    const queue = new SqlJobQueue<{ v: bigint }, bigint>(db);
    await queue.start(async ({ v }) => v + 1n);
    await queue.idle();
    await queue.close();
    expect((await queue.get(job.id))!.result).to.equal(8n);
    expect([existsSync(claimsDir), existsSync(`${claimsDir}.imported`)]).to.deep.equal([false, true]);
    // A second open finds nothing more to import.
    expect(await importLegacyState(db, root, log)).to.deep.equal({ claims: 0, jobs: 0 });
    await db.close();
  });
});
