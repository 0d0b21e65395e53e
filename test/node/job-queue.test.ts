// The proof-job queue in the node's database, on both engines: SQLite (always) and PostgreSQL
// (when $ASSAY_TEST_POSTGRES_URL is set; .ci/run sets it). BullMQ's queue has its own tests.
import { expect } from "chai";
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Database } from "../../prover/node/db/database.js";
import { SqlJobQueue } from "../../prover/node/job-queue.js";
import { requireService, scratchDatabase } from "../helpers/services.js";

const fresh = () => mkdtempSync(path.join(os.tmpdir(), "assay-jobs-"));

/** Starts fixtures/queue-child.ts on `url`, kills it (SIGKILL) mid-job, and returns its two job ids. */
async function crashMidJob(url: string): Promise<[string, string]> {
  // Node itself runs the child (tsx as a loader, not tsx's CLI, which would add a process the
  // kill below would not reach).
  const child = spawn(
    process.execPath,
    ["--import", "tsx", path.join(import.meta.dirname, "fixtures/queue-child.ts"), url],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const line = await new Promise<string>((resolve, reject) => {
    child.stdout.once("data", (d) => resolve(String(d)));
    child.once("exit", (code) => reject(new Error(`queue child exited (${code}) before its jobs ran`)));
  });
  child.kill("SIGKILL");
  await new Promise((r) => child.once("exit", r));
  const [a, b] = line.trim().split(" ");
  return [a, b];
}

for (const kind of ["sqlite", "postgres"] as const) {
  describe(`node: proof-job queue in ${kind}`, function () {
    let db: Database;
    let url: string;
    let drop: () => Promise<void>;

    beforeEach(async function () {
      const pg = kind === "postgres" ? requireService(this, "postgres") : undefined;
      ({ db, url, drop } = await scratchDatabase(kind, fresh(), pg));
    });
    /** Queues of the current test, closed before its database is dropped (even when it fails). */
    const queues: { close(): Promise<void> }[] = [];
    const track = <Q extends { close(): Promise<void> }>(q: Q): Q => (queues.push(q), q);
    afterEach(async () => {
      for (const q of queues.splice(0)) await q.close();
      await drop?.();
    });

    it("runs jobs with bounded concurrency and records results (bigints survive)", async () => {
      const q = track(new SqlJobQueue<{ n: bigint }, bigint>(db, { concurrency: 2 }));
      let active = 0;
      let peak = 0;
      await q.start(async ({ n }) => {
        active++;
        peak = Math.max(peak, active);
        await new Promise((r) => setTimeout(r, 15));
        active--;
        return n * 2n;
      });
      const ids = await Promise.all([1n, 2n, 3n, 4n, 5n].map((n) => q.enqueue({ n })));
      await q.idle();
      expect(peak).to.equal(2);
      const jobs = await Promise.all(ids.map((id) => q.get(id)));
      expect(jobs.map((j) => j!.result)).to.deep.equal([2n, 4n, 6n, 8n, 10n]);
      expect(jobs.every((j) => j!.state === "done")).to.equal(true);
      expect(await q.counts()).to.deep.equal({ queued: 0, running: 0, done: 5, failed: 0 });
      await q.close();
    });

    it("a keyed job is stored once however often it is queued; a failed one is queued again", async () => {
      const q = track(new SqlJobQueue<{ v: number }, number>(db, { maxAttempts: 1, retryDelayMs: 0 }));
      let fail = true;
      const ran: number[] = [];
      const key = "0x" + "ab".repeat(32);
      // Both before the queue runs anything (once the job has failed, queueing it again re-queues it).
      const ids = await Promise.all([q.enqueue({ v: 1 }, key), q.enqueue({ v: 2 }, key)]);
      await q.start(async ({ v }) => {
        ran.push(v);
        if (fail) throw new Error("prover down");
        return v;
      });
      expect(ids).to.deep.equal([key, key]);
      await q.idle();
      expect(ran).to.have.length(1);
      expect((await q.get(key))!.state).to.equal("failed");
      fail = false;
      expect(await q.enqueue({ v: 3 }, key)).to.equal(key);
      await q.idle();
      const done = await q.get(key);
      expect([done!.state, done!.attempts]).to.deep.equal(["done", 1]);
      expect(ran).to.have.length(2);
      // Queueing a finished job again is a no-op.
      await q.enqueue({ v: 4 }, key);
      await q.idle();
      expect(ran).to.have.length(2);
      await q.close();
    });

    it("retries with backoff, then fails for good with the error; retry() queues it again", async () => {
      const q = track(new SqlJobQueue<object, number>(db, { maxAttempts: 3, retryDelayMs: 40 }));
      const at: number[] = [];
      let ok = false;
      await q.start(async () => {
        at.push(Date.now());
        if (!ok) throw new Error(`boom ${at.length}`);
        return 7;
      });
      const id = await q.enqueue({});
      await q.idle();
      const j = await q.get(id);
      expect([j!.state, j!.error, j!.attempts]).to.deep.equal(["failed", "boom 3", 3]);
      // 40 ms, then 80 ms between attempts (at least).
      expect(at[1] - at[0]).to.be.at.least(40);
      expect(at[2] - at[1]).to.be.at.least(80);
      ok = true;
      expect(await q.retry(id)).to.equal(true);
      expect(await q.retry("no-such-job")).to.equal(false);
      await q.idle();
      expect((await q.get(id))!.result).to.equal(7);
      await q.close();
    });

    it("a job accepted before a crash is run by the next process (nothing lost)", async () => {
      const [a, b] = await crashMidJob(url);
      const second = track(new SqlJobQueue<{ v: number }, number>(db, { stallMs: 400, pollMs: 50, log: () => {} }));
      expect((await second.get(a))!.state).to.equal("running");
      const seen: number[] = [];
      await second.start(async ({ v }) => {
        seen.push(v);
        return v + 100;
      });
      await second.idle();
      expect(seen.sort()).to.deep.equal([1, 2]);
      const ja = await second.get(a);
      expect([ja!.state, ja!.result, ja!.attempts]).to.deep.equal(["done", 101, 2]);
      const jb = await second.get(b);
      expect([jb!.state, jb!.result, jb!.attempts]).to.deep.equal(["done", 102, 1]);
      await second.close();
    });

    it("a job whose worker keeps dying is failed after maxAttempts, not run forever", async () => {
      const q = track(new SqlJobQueue<object, number>(db, { maxAttempts: 1, stallMs: 100, pollMs: 50, log: () => {} }));
      const id = await q.enqueue({});
      // Another (gone) process took it: attempts used up, heartbeat stale.
      await db.run(
        "UPDATE jobs SET state = 'running', attempts = 1, owner = 'elsewhere/1/dead', heartbeat_ms = 0 WHERE id = $1",
        [id],
      );
      await q.start(async () => 1);
      await q.idle();
      const j = await q.get(id);
      expect(j!.state).to.equal("failed");
      expect(j!.error).to.match(/stopped while running it/);
      await q.close();
    });

    it("returns undefined for unknown ids", async () => {
      const q = track(new SqlJobQueue(db));
      expect(await q.get("nope")).to.equal(undefined);
      expect(await q.get("../../etc/passwd")).to.equal(undefined);
    });
  });
}

describe("node: proof-job queue shared by two queues (PostgreSQL, SKIP LOCKED)", function () {
  it("two queues on one database run each job once", async function () {
    const pg = requireService(this, "postgres");
    const { db, drop } = await scratchDatabase("postgres", fresh(), pg);
    try {
      const ran = new Map<number, number>();
      const handler =
        (who: string) =>
        async ({ v }: { v: number }) => {
          ran.set(v, (ran.get(v) ?? 0) + 1);
          await new Promise((r) => setTimeout(r, 5));
          return `${who}:${v}`;
        };
      const q1 = new SqlJobQueue<{ v: number }, string>(db, { concurrency: 2, pollMs: 20 });
      const q2 = new SqlJobQueue<{ v: number }, string>(db, { concurrency: 2, pollMs: 20 });
      for (let v = 0; v < 40; v++) await q1.enqueue({ v });
      await Promise.all([q1.start(handler("a")), q2.start(handler("b"))]);
      await q1.idle();
      expect([...ran.values()].every((n) => n === 1)).to.equal(true);
      expect(ran.size).to.equal(40);
      await Promise.all([q1.close(), q2.close()]);
    } finally {
      await drop();
    }
  });
});
