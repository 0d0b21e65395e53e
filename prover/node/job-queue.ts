// Proof jobs: slow, parallel, and never lost once accepted.
//
// `JobQueue` is the interface the node programs against. Two implementations:
//   SqlJobQueue (here)             jobs are rows of the node's database (./db/): the embedded
//                                  SQLite file by default, or PostgreSQL shared by several
//                                  processes. The default.
//   BullMqJobQueue (bullmq-queue)  jobs live in Redis under BullMQ; `assay worker` processes on
//                                  any machine run them.
//
// Either way: `enqueue` resolves only once the job is stored (a crash, kill -9 or power loss
// after that loses nothing); a job is keyed (a proof job by its claim id), so queueing the same
// work twice gives the same job, and a failed one is queued again; failures are retried with
// exponential backoff up to `maxAttempts`; a job whose process died while running it (its
// heartbeat stops) is taken up again by another process, or by the next one to start. Handlers
// must be idempotent (proving is: a claim already Proven is reported, not proven again).
import { randomBytes, randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { type Log, logToStderr, processAlive } from "../durable-file.js";
import type { Database } from "./db/database.js";
import { fromJson, toJson } from "./db/json.js";

export type JobState = "queued" | "running" | "done" | "failed";

export const JOB_STATES: readonly JobState[] = ["queued", "running", "done", "failed"];

export interface Job<P, R> {
  id: string;
  state: JobState;
  payload: P;
  result?: R;
  error?: string;
  attempts: number;
  createdAt: string;
  updatedAt: string;
}

export type JobHandler<P, R> = (payload: P, job: Job<P, R>) => Promise<R>;

export interface JobQueue<P, R> {
  /**
   * Stores the job, then schedules it; resolves with its id once it cannot be lost. With `key`,
   * the job's id is the key and enqueueing is idempotent: an existing job with that key is
   * returned as it is, unless it failed, in which case it is queued again.
   */
  enqueue(payload: P, key?: string): Promise<string>;
  get(id: string): Promise<Job<P, R> | undefined>;
  /** Starts running jobs in this process (taking up those a dead process left running). */
  start(handler: JobHandler<P, R>): Promise<void>;
  /** Resolves when no job is queued or running (at once if this process runs no jobs). */
  idle(): Promise<void>;
  /** Stops taking new work; waits for this process's running jobs. */
  close(): Promise<void>;
  /** Jobs this process ran to the end (done, or failed for good). */
  onSettled(listener: (job: Job<P, R>) => void): void;
  /** Jobs per state (queue depth). */
  counts(): Promise<Record<JobState, number>>;
  /** Queues a failed job again (attempts start over); false if there is no failed job `id`. */
  retry(id: string): Promise<boolean>;
}

export interface SqlJobQueueOptions {
  /** Queue name: jobs of different queues share the table (default "proofs"). */
  name?: string;
  /** Jobs this process runs at once (default 1). */
  concurrency?: number;
  /** Attempts before a job is failed for good (default 3). */
  maxAttempts?: number;
  /** First retry delay; doubles per attempt, at most 60 s (default 1000 ms). */
  retryDelayMs?: number;
  /** A running job whose heartbeat is older than this is taken up again (default 30 s). */
  stallMs?: number;
  /** How often to look for jobs other processes queued, and for stalled jobs (default 1000 ms). */
  pollMs?: number;
  /** Problems, one line each (default stderr). */
  log?: Log;
}

interface JobRow {
  id: string;
  state: string;
  payload: string;
  result: string | null;
  error: string | null;
  attempts: number | string;
  created_ms: number | string;
  updated_ms: number | string;
  [k: string]: unknown;
}

/** This process, as a job owner: host, pid and a per-process nonce (pids are reused). */
const OWNER = `${hostname()}/${process.pid}/${randomBytes(4).toString("hex")}`;

function positiveInt(name: string, v: number | undefined, dflt: number, min = 1): number {
  const n = v ?? dflt;
  if (!Number.isInteger(n) || n < min) throw new RangeError(`${name} must be an integer >= ${min}, got ${v}`);
  return n;
}

export class SqlJobQueue<P, R> implements JobQueue<P, R> {
  private readonly name: string;
  private readonly concurrency: number;
  private readonly maxAttempts: number;
  private readonly retryDelayMs: number;
  private readonly stallMs: number;
  private readonly pollMs: number;
  private readonly log: Log;
  private readonly listeners: ((job: Job<P, R>) => void)[] = [];
  private handler?: JobHandler<P, R>;
  private running = 0;
  private closed = false;
  private pumping = false;
  private pumpAgain = false;
  private poll?: NodeJS.Timeout;
  private beat?: NodeJS.Timeout;
  private readonly active = new Set<Promise<void>>();

  constructor(
    private readonly db: Database,
    o: SqlJobQueueOptions = {},
  ) {
    this.name = o.name ?? "proofs";
    this.concurrency = positiveInt("concurrency", o.concurrency, 1);
    this.maxAttempts = positiveInt("maxAttempts", o.maxAttempts, 3);
    this.retryDelayMs = positiveInt("retryDelayMs", o.retryDelayMs, 1000, 0);
    this.stallMs = positiveInt("stallMs", o.stallMs, 30_000);
    this.pollMs = positiveInt("pollMs", o.pollMs, 1000);
    this.log = o.log ?? logToStderr;
  }

  private toJob(row: JobRow): Job<P, R> {
    return {
      id: row.id,
      state: row.state as JobState,
      payload: fromJson<P>(row.payload),
      result: row.result === null ? undefined : fromJson<R>(row.result),
      error: row.error ?? undefined,
      attempts: Number(row.attempts),
      createdAt: new Date(Number(row.created_ms)).toISOString(),
      updatedAt: new Date(Number(row.updated_ms)).toISOString(),
    };
  }

  async enqueue(payload: P, key?: string): Promise<string> {
    if (this.closed) throw new Error("job queue is closed");
    const id = key ?? randomUUID();
    const now = Date.now();
    // Insert-or-nothing, then requeue-if-failed: two statements that are each atomic, so two
    // processes queueing the same key at once store one job.
    let queued =
      (await this.db.run(
        "INSERT INTO jobs (id, queue, state, payload, attempts, run_after_ms, created_ms, updated_ms) " +
          "VALUES ($1, $2, 'queued', $3, 0, $4, $4, $4) ON CONFLICT (id) DO NOTHING",
        [id, this.name, toJson(payload), now],
      )) > 0;
    if (!queued) {
      const [row] = await this.db.query<{ queue: string }>("SELECT queue FROM jobs WHERE id = $1", [id]);
      if (row && row.queue !== this.name) throw new Error(`job ${id} belongs to queue ${row.queue}, not ${this.name}`);
      queued = await this.retry(id);
    }
    if (queued) this.pump();
    return id;
  }

  async get(id: string): Promise<Job<P, R> | undefined> {
    const [row] = await this.db.query<JobRow>("SELECT * FROM jobs WHERE id = $1 AND queue = $2", [id, this.name]);
    if (!row) return undefined;
    try {
      return this.toJob(row);
    } catch (e) {
      this.log(`job ${id}: unreadable record (${(e as Error).message})`);
      return undefined;
    }
  }

  async counts(): Promise<Record<JobState, number>> {
    const rows = await this.db.query<{ state: string; n: number | string }>(
      "SELECT state, COUNT(*) AS n FROM jobs WHERE queue = $1 GROUP BY state",
      [this.name],
    );
    const out: Record<JobState, number> = { queued: 0, running: 0, done: 0, failed: 0 };
    for (const r of rows) if (r.state in out) out[r.state as JobState] = Number(r.n);
    return out;
  }

  async retry(id: string): Promise<boolean> {
    const now = Date.now();
    const n = await this.db.run(
      "UPDATE jobs SET state = 'queued', attempts = 0, error = NULL, run_after_ms = $3, updated_ms = $3 " +
        "WHERE id = $1 AND queue = $2 AND state = 'failed'",
      [id, this.name, now],
    );
    if (n > 0) this.pump();
    return n > 0;
  }

  async start(handler: JobHandler<P, R>): Promise<void> {
    if (this.closed) throw new Error("job queue is closed");
    this.handler = handler;
    await this.recoverStalled(true);
    this.poll = setInterval(() => {
      void this.recoverStalled(false)
        .then(() => this.pump())
        .catch((e) => this.log(`job queue: ${(e as Error).message}`));
    }, this.pollMs);
    this.poll.unref();
    this.beat = setInterval(
      () => {
        void this.db
          .run("UPDATE jobs SET heartbeat_ms = $2 WHERE owner = $1 AND state = 'running'", [OWNER, Date.now()])
          .catch(() => {});
      },
      Math.max(100, Math.floor(this.stallMs / 3)),
    );
    this.beat.unref();
    this.pump();
  }

  /**
   * Puts back in the queue the running jobs whose process is gone: on this host, a dead pid (or
   * this pid with another nonce: an earlier process); anywhere, a heartbeat older than stallMs.
   * A job that has used all its attempts this way is failed instead (it may be what kills them).
   */
  private async recoverStalled(atStart: boolean): Promise<void> {
    const now = Date.now();
    const owners = await this.db.query<{ owner: string | null }>(
      "SELECT DISTINCT owner FROM jobs WHERE queue = $1 AND state = 'running'",
      [this.name],
    );
    const here = `${hostname()}/`;
    const dead = owners
      .map((o) => o.owner)
      .filter((o): o is string => o !== null && o !== OWNER && o.startsWith(here))
      .filter((o) => {
        const pid = Number(o.split("/")[1]);
        return pid === process.pid || !processAlive(pid);
      });
    let n = 0;
    for (const owner of dead) n += await this.requeueStalled("owner = $3", [owner]);
    n += await this.requeueStalled("heartbeat_ms < $3 AND owner <> $4", [now - this.stallMs, OWNER]);
    if (n > 0 && atStart)
      this.log(`job queue ${this.name}: ${n} job(s) left running by a stopped process queued again`);
  }

  private async requeueStalled(where: string, params: unknown[]): Promise<number> {
    const now = Date.now();
    return this.db.run(
      "UPDATE jobs SET owner = NULL, updated_ms = $2, " +
        `state = CASE WHEN attempts >= ${this.maxAttempts} THEN 'failed' ELSE 'queued' END, ` +
        `error = CASE WHEN attempts >= ${this.maxAttempts} ` +
        "THEN 'its worker stopped while running it, on every attempt' ELSE error END " +
        `WHERE queue = $1 AND state = 'running' AND ${where}`,
      [this.name, now, ...params],
    );
  }

  onSettled(listener: (job: Job<P, R>) => void): void {
    this.listeners.push(listener);
  }

  /** Takes the next due job, marking it running by this process. */
  private async claimNext(): Promise<JobRow | undefined> {
    const now = Date.now();
    const skip = this.db.kind === "postgres" ? " FOR UPDATE SKIP LOCKED" : "";
    const [row] = await this.db.query<JobRow>(
      "UPDATE jobs SET state = 'running', attempts = attempts + 1, owner = $2, heartbeat_ms = $3, updated_ms = $3 " +
        "WHERE id = (SELECT id FROM jobs WHERE queue = $1 AND state = 'queued' AND run_after_ms <= $3 " +
        `ORDER BY created_ms, id LIMIT 1${skip}) AND state = 'queued' RETURNING *`,
      [this.name, OWNER, now],
    );
    return row;
  }

  private pump(): void {
    if (!this.handler || this.closed) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    void (async () => {
      try {
        do {
          this.pumpAgain = false;
          while (!this.closed && this.running < this.concurrency) {
            const row = await this.claimNext();
            if (!row) break;
            this.running++;
            const p = this.run(row).finally(() => {
              this.running--;
              this.active.delete(p);
              this.pump();
            });
            this.active.add(p);
          }
        } while (this.pumpAgain && !this.closed);
      } catch (e) {
        this.log(`job queue ${this.name}: ${(e as Error).message}`);
      } finally {
        this.pumping = false;
      }
    })();
  }

  private async run(row: JobRow): Promise<void> {
    let job: Job<P, R>;
    try {
      job = this.toJob(row);
    } catch (e) {
      await this.finish(row.id, "failed", null, `unreadable job record: ${(e as Error).message}`, 0).catch(() => {});
      this.log(`job ${row.id}: unreadable record, failed (${(e as Error).message})`);
      return;
    }
    let state: JobState;
    try {
      job.result = await this.handler!(job.payload, job);
      job.error = undefined;
      state = "done";
    } catch (e) {
      job.error = (e as Error).message ?? String(e);
      state = job.attempts >= this.maxAttempts ? "failed" : "queued";
    }
    const delay = Math.min(60_000, this.retryDelayMs * 2 ** Math.max(0, job.attempts - 1));
    let mine: boolean;
    try {
      mine = await this.finish(
        job.id,
        state,
        job.result === undefined ? null : toJson(job.result),
        job.error ?? null,
        state === "queued" ? delay : 0,
      );
    } catch (e) {
      // The database is unreachable: the job stays running and is taken up again once its
      // heartbeat is stale (the handler is idempotent).
      this.log(`job ${job.id}: its outcome could not be recorded (${(e as Error).message}); it will run again`);
      return;
    }
    if (!mine) {
      this.log(`job ${job.id}: taken up by another process while this one ran it (its result here is dropped)`);
      return;
    }
    job.state = state;
    job.updatedAt = new Date().toISOString();
    if (state === "done" || state === "failed") {
      for (const l of this.listeners) {
        try {
          l(job);
        } catch (e) {
          this.log(`job ${job.id}: listener failed: ${(e as Error).message}`);
        }
      }
    } else if (delay > 0) {
      setTimeout(() => this.pump(), delay + 5).unref();
    }
  }

  /** Records the outcome if this process still owns the job; false if it does not. */
  private async finish(
    id: string,
    state: JobState,
    result: string | null,
    error: string | null,
    delayMs: number,
  ): Promise<boolean> {
    const now = Date.now();
    const n = await this.db.run(
      "UPDATE jobs SET state = $3, result = $4, error = $5, run_after_ms = $6, owner = NULL, updated_ms = $7 " +
        "WHERE id = $1 AND owner = $2 AND state = 'running'",
      [id, OWNER, state, result, error, now + delayMs, now],
    );
    return n > 0;
  }

  async idle(): Promise<void> {
    if (!this.handler) return;
    for (;;) {
      if (this.running === 0 && !this.pumping) {
        const c = await this.counts();
        if (c.queued === 0 && c.running === 0) return;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.poll);
    clearInterval(this.beat);
    while (this.active.size > 0 || this.pumping) {
      await Promise.all([...this.active]);
      if (this.pumping) await new Promise((r) => setTimeout(r, 5));
    }
  }
}
