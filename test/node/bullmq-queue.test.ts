// The proof-job queue on BullMQ, against a real Redis ($ASSAY_TEST_REDIS_URL; skipped without it):
// the JobQueue semantics job-queue.ts documents (keyed idempotent enqueue, retries with backoff,
// retry of a failed job, counts), bigints in payloads and results, a worker process killed mid-job
// whose job another process finishes exactly once, and two worker processes sharing a queue. Each
// test has its own key prefix, removed afterwards.
import { expect } from "chai";
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Queue } from "bullmq";
import {
  BullMqJobQueue,
  type BullMqJobQueueOptions,
  BullMqQueueError,
  parseRedisUrl,
} from "../../prover/node/bullmq-queue.js";
import type { Job } from "../../prover/node/job-queue.js";
import { freePort } from "../helpers/ports.js";
import { requireService } from "../helpers/services.js";
import { FAST_STALLS } from "./fixtures/bullmq-child.js";

const CHILD = path.join(import.meta.dirname, "fixtures/bullmq-child.ts");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it holds (or fails after `ms`). */
async function until(what: string, check: () => Promise<boolean> | boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Starts fixtures/bullmq-child.ts; resolves once it prints "ready". `lines` collects its stdout. */
async function child(url: string, prefix: string, mode: "hang" | "work", file = "") {
  // Node itself runs the child, tsx as a loader: a SIGKILL reaches the process that runs the job.
  const proc = spawn(process.execPath, ["--import", "tsx", CHILD, url, prefix, mode, file], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines: string[] = [];
  let buf = "";
  proc.stdout.on("data", (d) => {
    buf += String(d);
    const parts = buf.split("\n");
    buf = parts.pop()!;
    lines.push(...parts);
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (lines.includes("ready")) {
        clearInterval(timer);
        resolve();
      }
    }, 10);
    proc.once("exit", (code) => {
      clearInterval(timer);
      reject(new Error(`bullmq child exited (${code}) before it was ready`));
    });
  });
  return { proc, lines };
}

function exited(proc: ChildProcess): Promise<number | null> {
  if (proc.exitCode !== null) return Promise.resolve(proc.exitCode);
  return new Promise((r) => proc.once("exit", (code) => r(code)));
}

describe("node: proof-job queue on BullMQ (Redis)", function () {
  let url: string;
  let prefix: string;
  const queues: BullMqJobQueue<unknown, unknown>[] = [];
  const children: ChildProcess[] = [];

  async function open<P, R>(o: Partial<BullMqJobQueueOptions<P>> = {}): Promise<BullMqJobQueue<P, R>> {
    const q = await BullMqJobQueue.open<P, R>({ url, prefix, ...o });
    queues.push(q as BullMqJobQueue<unknown, unknown>);
    return q;
  }

  beforeEach(function () {
    url = requireService(this, "redis");
    prefix = `assay-test-${randomBytes(4).toString("hex")}`;
  });
  afterEach(async () => {
    for (const c of children.splice(0)) if (c.exitCode === null) c.kill("SIGKILL");
    for (const q of queues.splice(0)) await q.close();
    if (!url) return;
    // Removes every key of this test's queue.
    const admin = new Queue("proofs", { connection: parseRedisUrl(url), prefix });
    await admin.obliterate({ force: true });
    await admin.close();
  });

  it("runs jobs with bounded concurrency, stores results and counts states", async () => {
    const q = await open<{ n: number }, number>({ concurrency: 2 });
    let active = 0;
    let peak = 0;
    const settled: Job<{ n: number }, number>[] = [];
    q.onSettled((j) => settled.push(j));
    await q.start(async ({ n }) => {
      active++;
      peak = Math.max(peak, active);
      await sleep(30);
      active--;
      return n * 2;
    });
    const ids = await Promise.all([1, 2, 3, 4, 5].map((n) => q.enqueue({ n })));
    await q.idle();
    expect(peak).to.equal(2);
    const jobs = await Promise.all(ids.map((id) => q.get(id)));
    expect(jobs.map((j) => [j!.state, j!.result, j!.attempts, j!.error])).to.deep.equal(
      [2, 4, 6, 8, 10].map((r) => ["done", r, 1, undefined]),
    );
    expect(await q.counts()).to.deep.equal({ queued: 0, running: 0, done: 5, failed: 0 });
    expect(settled.map((j) => j.id).sort()).to.deep.equal([...ids].sort());
    expect(await q.get("no-such-job")).to.equal(undefined);
  });

  it("payloads and results keep their bigints, read back by another queue instance", async () => {
    const big = 2n ** 250n + 7n;
    const q = await open<{ salt: bigint; xs: bigint[] }, { sum: bigint; at: string }>();
    await q.start(async ({ salt, xs }) => ({ sum: xs.reduce((a, b) => a + b, salt), at: "here" }));
    const id = await q.enqueue({ salt: big, xs: [1n, -2n, 3n] }, "0x" + "cd".repeat(32));
    await q.idle();
    const reader = await open<{ salt: bigint; xs: bigint[] }, { sum: bigint; at: string }>();
    const job = await reader.get(id);
    expect(job!.payload).to.deep.equal({ salt: big, xs: [1n, -2n, 3n] });
    expect(job!.result).to.deep.equal({ sum: big + 2n, at: "here" });
  });

  it("a keyed job is stored once however often it is queued; a failed one is queued again", async () => {
    const q = await open<{ v: number }, number>({ maxAttempts: 1 });
    let fail = true;
    const ran: number[] = [];
    await q.start(async ({ v }) => {
      ran.push(v);
      if (fail) throw new Error("prover down");
      return v;
    });
    const key = "0x" + "ab".repeat(32);
    const ids = await Promise.all([q.enqueue({ v: 1 }, key), q.enqueue({ v: 2 }, key)]);
    expect(ids).to.deep.equal([key, key]);
    await q.idle();
    expect(ran).to.have.length(1);
    const failed = await q.get(key);
    expect([failed!.state, failed!.error, failed!.attempts]).to.deep.equal(["failed", "prover down", 1]);
    expect(await q.counts()).to.deep.equal({ queued: 0, running: 0, done: 0, failed: 1 });

    // Queued again by enqueue: the stored payload stands, attempts start over.
    fail = false;
    expect(await q.enqueue({ v: 3 }, key)).to.equal(key);
    await q.idle();
    const done = await q.get(key);
    expect([done!.state, done!.result, done!.attempts, done!.error]).to.deep.equal(["done", ran[0], 1, undefined]);
    // A done job is returned as it is.
    await q.enqueue({ v: 4 }, key);
    await q.idle();
    expect(ran).to.have.length(2);
    expect(await q.retry(key)).to.equal(false);
    expect(await q.retry("no-such-job")).to.equal(false);

    // Queued again by retry().
    fail = true;
    const other = await q.enqueue({ v: 5 }, "0x" + "ef".repeat(32));
    await q.idle();
    expect((await q.get(other))!.state).to.equal("failed");
    fail = false;
    expect(await q.retry(other)).to.equal(true);
    await q.idle();
    const retried = await q.get(other);
    expect([retried!.state, retried!.result, retried!.attempts]).to.deep.equal(["done", 5, 1]);
  });

  it("retries a failing job with exponential backoff up to maxAttempts, then fails it once", async () => {
    const q = await open<{ v: number }, number>({ maxAttempts: 3, retryDelayMs: 150 });
    const at: number[] = [];
    const settled: Job<{ v: number }, number>[] = [];
    q.onSettled((j) => settled.push(j));
    await q.start(async () => {
      at.push(Date.now());
      throw new Error(`attempt ${at.length} failed`);
    });
    const id = await q.enqueue({ v: 1 });
    await q.idle();
    expect(at).to.have.length(3);
    // 150 ms, then 300 ms (timers may fire a little early; Redis scheduling adds a little).
    expect(at[1] - at[0]).to.be.within(140, 1500);
    expect(at[2] - at[1]).to.be.within(290, 1500);
    const job = await q.get(id);
    expect([job!.state, job!.attempts, job!.error]).to.deep.equal(["failed", 3, "attempt 3 failed"]);
    expect(settled.map((j) => [j.id, j.state, j.attempts])).to.deep.equal([[id, "failed", 3]]);
  });

  it("a job a worker declines goes to another worker without using an attempt", async () => {
    const lines: string[] = [];
    const picky = await open<{ circuit: string }, string>({
      declineDelayMs: 50,
      decline: (p) => (p.circuit === "mine" ? undefined : `circuit ${p.circuit} is not served here`),
      log: (l) => lines.push(l),
    });
    await picky.start(async ({ circuit }) => `picky ran ${circuit}`);
    const id = await picky.enqueue({ circuit: "other" }, "job-for-other");
    await until("the decline", () => lines.length > 0);
    expect(lines[0]).to.equal("job job-for-other: left for another worker (circuit other is not served here)");
    expect((await picky.get(id))!.state).to.equal("queued");
    const serving = await open<{ circuit: string }, string>();
    await serving.start(async ({ circuit }) => `serving ran ${circuit}`);
    await until("the job to finish", async () => (await serving.get(id))?.state === "done");
    const job = await serving.get(id);
    expect([job!.result, job!.attempts]).to.deep.equal(["serving ran other", 1]);
    expect(lines).to.have.length(1);
  });

  it("a worker process killed mid-job: another process takes the job up and finishes it exactly once", async () => {
    const hung = await child(url, prefix, "hang");
    children.push(hung.proc);
    const q = await open<{ v: number }, number>(FAST_STALLS);
    const id = await q.enqueue({ v: 21 }, "0x" + "12".repeat(32));
    await until("the child to start the job", () => hung.lines.includes(`started ${id}`));
    expect((await q.get(id))!.state).to.equal("running");
    hung.proc.kill("SIGKILL");
    await exited(hung.proc);

    let completions = 0;
    const settled: string[] = [];
    q.onSettled((j) => settled.push(`${j.id} ${j.state}`));
    const killedAt = Date.now();
    await q.start(async ({ v }) => {
      // Longer than the lock: the lock is renewed, so no stall check takes the job from us.
      await sleep(FAST_STALLS.lockDurationMs * 1.5);
      completions++;
      return v * 2;
    });
    await until("the job to finish", async () => (await q.get(id))?.state === "done");
    // Give a wrongly requeued copy time to run again.
    await sleep(FAST_STALLS.lockDurationMs);
    expect(completions).to.equal(1);
    expect(settled).to.deep.equal([`${id} done`]);
    const job = await q.get(id);
    expect([job!.state, job!.result]).to.deep.equal(["done", 42]);
    expect(Date.now() - killedAt).to.be.below(10_000);
  });

  it("two worker processes share a queue: every job runs to completion exactly once", async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), "assay-bullmq-")), "completions.txt");
    const a = await child(url, prefix, "work", file);
    const b = await child(url, prefix, "work", file);
    children.push(a.proc, b.proc);
    const q = await open<{ v: number }, number>(FAST_STALLS);
    const ids = await Promise.all(Array.from({ length: 24 }, (_, v) => q.enqueue({ v })));
    await until("every job to finish", async () => (await q.counts()).done === ids.length);
    const lines = readFileSync(file, "utf8").trim().split("\n");
    expect(lines).to.have.length(ids.length);
    expect(new Set(lines.map((l) => l.split(" ")[0]))).to.deep.equal(new Set(ids));
    const pids = new Set(lines.map((l) => l.split(" ")[1]));
    expect([...pids].sort()).to.deep.equal([String(a.proc.pid), String(b.proc.pid)].sort());
    const results = await Promise.all(ids.map(async (id) => (await q.get(id))!.result));
    expect(results).to.deep.equal(ids.map((_, v) => v * 2));
    // SIGTERM: each finishes what it runs and exits 0.
    a.proc.kill("SIGTERM");
    b.proc.kill("SIGTERM");
    expect(await Promise.all([exited(a.proc), exited(b.proc)])).to.deep.equal([0, 0]);
    expect(existsSync(file)).to.equal(true);
  });

  it("an unreachable Redis fails open() with the url (without its password) and the cause", async () => {
    const port = await freePort();
    const err = await BullMqJobQueue.open({ url: `redis://user:s3cret@127.0.0.1:${port}/2` }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err).to.be.instanceOf(BullMqQueueError);
    expect(err!.message).to.equal(
      `cannot reach Redis at redis://user:***@127.0.0.1:${port}/2: connect ECONNREFUSED 127.0.0.1:${port}`,
    );
  });

  it("parses redis urls into connection options; bad ones fail naming the url", () => {
    expect(parseRedisUrl("redis://127.0.0.1:6380/3")).to.deep.equal({ host: "127.0.0.1", port: 6380, db: 3 });
    expect(parseRedisUrl("rediss://me:p%40ss@redis.example:6379")).to.deep.equal({
      host: "redis.example",
      port: 6379,
      db: 0,
      username: "me",
      password: "p@ss",
      tls: {},
    });
    expect(parseRedisUrl("redis://[::1]")).to.deep.equal({ host: "::1", port: 6379, db: 0 });
    const bad = (u: string) => {
      try {
        parseRedisUrl(u);
      } catch (e) {
        return (e as Error).message;
      }
      throw new Error(`${u} was accepted`);
    };
    expect(bad("http://127.0.0.1:6379")).to.equal(
      "queue url http://127.0.0.1:6379: expected redis:// or rediss://, got http://",
    );
    expect(bad("redis://:pw@127.0.0.1/x")).to.equal(
      "queue url redis://:***@127.0.0.1/x: the database (path) must be a number like /0, got /x",
    );
    expect(bad("127.0.0.1:6379")).to.equal("queue url 127.0.0.1:6379 is not a url (expected redis://host:port[/db])");
  });
});
