// Proof jobs in Redis under BullMQ: the node queues them, `assay worker` processes on any machine
// run them (job-queue.ts documents the `JobQueue` semantics; this is the distributed
// implementation, SqlJobQueue the embedded one). How each promise is kept:
//
//   stored before enqueue resolves   Queue.add resolves once Redis holds the job. Surviving a Redis
//                                    crash is Redis's part: run it with appendonly yes (fsync
//                                    everysec loses at most a second of jobs).
//   keyed, idempotent                the key is the BullMQ job id, and adding an id that exists is a
//                                    no-op in Redis (atomic, so concurrent enqueues give one job);
//                                    a job found failed is retried (attempts start over).
//   retries with backoff             attempts = maxAttempts; delay retryDelayMs * 2^(n-1), at most
//                                    60 s (the strategy below, which every worker here defines).
//   a dead worker's job runs again   BullMQ's stalled checker: a running job's lock (lockDurationMs)
//                                    is renewed by its worker; once it lapses, a checker in any live
//                                    worker (every stalledIntervalMs) puts the job back. A job whose
//                                    workers keep dying is failed after maxStalls such recoveries.
//   this process's outcomes          onSettled fires in the process whose worker completed the job
//                                    or failed it for the last time (a job past maxStalls is failed
//                                    by the worker that takes it up next); no other process sees it.
//
// Finished jobs are kept in Redis, bounded by age and count (keepDone: 24 h and at most 10,000
// jobs; keepFailed: 7 days and at most 10,000): a finished proof job stays readable (its state on
// GET /v1/claims/:id, `retry` of a failed one) for at least a day unless more than 10,000 jobs
// finish in that day, and Redis memory stays bounded (a proof job is a few kB). The claim record in
// the database (ClaimStore) is what the node reports for good; a job no longer in Redis shows as
// state "unknown" there. Queueing a removed job's key again makes a new job, which is harmless for
// proof jobs: their handler reports a claim already Proven instead of proving it again.
//
// A worker may decline a job (`decline`, e.g. for a circuit it does not serve): the job goes back
// to the queue after declineDelayMs without using an attempt, for a worker that takes it.
//
// Payloads and results hold bigints: they are stored as JSON text (./db/json.ts).
import { randomUUID } from "node:crypto";
import {
  type Job as BullJob,
  DelayedError,
  type KeepJobs,
  type MinimalJob,
  Queue,
  UnrecoverableError,
  Worker,
} from "bullmq";
import { type Log, logToStderr } from "../durable-file.js";
import { AssayError } from "../errors.js";
import { fromJson, toJson } from "./db/json.js";
import type { Job, JobHandler, JobQueue, JobState } from "./job-queue.js";

export class BullMqQueueError extends AssayError {}

/** How long finished jobs are kept: the younger than `ageSeconds`, at most `count` of them. */
export interface KeepFinished {
  ageSeconds: number;
  count: number;
}

export const DEFAULT_KEEP_DONE: KeepFinished = { ageSeconds: 24 * 3600, count: 10_000 };
export const DEFAULT_KEEP_FAILED: KeepFinished = { ageSeconds: 7 * 24 * 3600, count: 10_000 };

export interface BullMqJobQueueOptions<P> {
  /** `redis://[user:password@]host[:port][/db]` (or `rediss://` for TLS). */
  url: string;
  /** Queue name (default "proofs"); the node and its workers must agree on it and on `prefix`. */
  name?: string;
  /** Prefix of every Redis key of the queue (default "assay"): separate deployments or tests share a Redis. */
  prefix?: string;
  /** Jobs this process runs at once (default 1). */
  concurrency?: number;
  /** Attempts before a job is failed for good (default 3); set by the process that queues it. */
  maxAttempts?: number;
  /** First retry delay; doubles per attempt, at most 60 s (default 1000 ms). */
  retryDelayMs?: number;
  /** A running job's lock lasts this long and is renewed at half of it (default 30 s). */
  lockDurationMs?: number;
  /** How often this process's worker looks for jobs whose lock lapsed (default 30 s). */
  stalledIntervalMs?: number;
  /** Times a job is put back after its worker died before it is failed (default maxAttempts - 1, at least 1). */
  maxStalls?: number;
  /** Finished jobs kept (default DEFAULT_KEEP_DONE); set by the process that queues them. */
  keepDone?: KeepFinished;
  /** Failed jobs kept (default DEFAULT_KEEP_FAILED). */
  keepFailed?: KeepFinished;
  /** Why this process leaves a job to other workers (undefined: it runs it). */
  decline?: (payload: P) => string | undefined | Promise<string | undefined>;
  /** A declined job is offered again after this long (default 5000 ms). */
  declineDelayMs?: number;
  /** How long `open` waits for Redis to answer (default 10 s). */
  connectTimeoutMs?: number;
  /** Problems and declined jobs, one line each (default stderr). */
  log?: Log;
}

/** The connection options of a Redis url, as BullMQ (ioredis) takes them. */
export interface RedisConnectionOptions {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  tls?: Record<string, never>;
}

/** `url` as given, its password (if any) replaced by ***. */
export function redactRedisUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/]*):[^@]*@/i, "$1:***@");
}

/** Parses `redis://[user:password@]host[:port][/db]`; errors name the url without its password. */
export function parseRedisUrl(url: string): RedisConnectionOptions {
  const shown = redactRedisUrl(url);
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new BullMqQueueError(`queue url ${shown} is not a url (expected redis://host:port[/db])`);
  }
  if (u.protocol !== "redis:" && u.protocol !== "rediss:")
    throw new BullMqQueueError(`queue url ${shown}: expected redis:// or rediss://, got ${u.protocol}//`);
  if (!u.hostname) throw new BullMqQueueError(`queue url ${shown} has no host`);
  const dbPath = u.pathname.replace(/^\//, "");
  if (dbPath !== "" && !/^(0|[1-9][0-9]{0,3})$/.test(dbPath))
    throw new BullMqQueueError(`queue url ${shown}: the database (path) must be a number like /0, got /${dbPath}`);
  if (u.search || u.hash) throw new BullMqQueueError(`queue url ${shown}: query and fragment are not supported`);
  const out: RedisConnectionOptions = {
    host: u.hostname.replace(/^\[(.*)\]$/, "$1"),
    port: u.port ? Number(u.port) : 6379,
    db: dbPath === "" ? 0 : Number(dbPath),
  };
  if (u.username) out.username = decodeURIComponent(u.username);
  if (u.password) out.password = decodeURIComponent(u.password);
  if (u.protocol === "rediss:") out.tls = {};
  return out;
}

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;
/** The custom strategy name jobs carry; every BullMqJobQueue worker implements it. */
const BACKOFF = "assay-exponential";
const MAX_RETRY_DELAY_MS = 60_000;
/** What BullMQ says of a job failed by its stall count, and what this queue says instead. */
const STALLED_REASON = "job stalled more than allowable limit";
const STALLED_TEXT = "its worker stopped while running it, on every attempt";

/** What a job holds in Redis: the payload as bigint-safe JSON text. */
interface Data {
  payload: string;
}

function positiveInt(name: string, v: number | undefined, dflt: number, min = 1): number {
  const n = v ?? dflt;
  if (!Number.isInteger(n) || n < min) throw new RangeError(`${name} must be an integer >= ${min}, got ${v}`);
  return n;
}

function keepJobs(name: string, k: KeepFinished): KeepJobs {
  positiveInt(`${name}.ageSeconds`, k.ageSeconds, 0);
  positiveInt(`${name}.count`, k.count, 0);
  return { age: k.ageSeconds, count: k.count };
}

function stateOf(s: string): JobState | undefined {
  if (s === "active") return "running";
  if (s === "completed") return "done";
  if (s === "failed") return "failed";
  if (s === "waiting" || s === "delayed" || s === "prioritized" || s === "waiting-children" || s === "wait")
    return "queued";
  return undefined;
}

/** The delay before retry `attemptsMade` + 1: the job's first delay, doubled per attempt, at most 60 s. */
function retryDelay(attemptsMade: number, _type?: string, _err?: Error, bj?: MinimalJob): number {
  const first = (bj?.opts.backoff as { delay?: number } | undefined)?.delay ?? 1000;
  return Math.min(MAX_RETRY_DELAY_MS, first * 2 ** Math.max(0, attemptsMade - 1));
}

function checkKey(key: string): void {
  // BullMQ's rules for custom ids: not an integer (those are its own), no ":" (its key separator).
  if (key.length === 0 || key.includes(":") || `${parseInt(key, 10)}` === key)
    throw new RangeError(`job key must be a non-empty string without ":" that is not an integer, got ${key}`);
}

export class BullMqJobQueue<P, R> implements JobQueue<P, R> {
  readonly name: string;
  readonly prefix: string;
  /** The url without its password, for messages. */
  readonly label: string;
  private readonly connection: RedisConnectionOptions;
  private readonly queue: Queue<Data, string>;
  private readonly concurrency: number;
  private readonly maxAttempts: number;
  private readonly retryDelayMs: number;
  private readonly lockDurationMs: number;
  private readonly stalledIntervalMs: number;
  private readonly maxStalls: number;
  private readonly keepDone: KeepJobs;
  private readonly keepFailed: KeepJobs;
  private readonly declineDelayMs: number;
  private readonly connectTimeoutMs: number;
  private readonly decline?: (payload: P) => string | undefined | Promise<string | undefined>;
  private readonly log: Log;
  private readonly listeners: ((job: Job<P, R>) => void)[] = [];
  /** Jobs this process declined, so each is logged once (bounded). */
  private readonly declined = new Set<string>();
  private readonly lastLogged = new Map<string, number>();
  private worker?: Worker<Data, string>;
  private closed = false;
  private connecting = false;

  /** Prefer `BullMqJobQueue.open`, which also checks that Redis answers. */
  constructor(o: BullMqJobQueueOptions<P>) {
    this.connection = parseRedisUrl(o.url);
    this.label = redactRedisUrl(o.url);
    this.name = o.name ?? "proofs";
    this.prefix = o.prefix ?? "assay";
    if (!NAME.test(this.name)) throw new RangeError(`queue name must match ${NAME}, got ${JSON.stringify(o.name)}`);
    if (!NAME.test(this.prefix))
      throw new RangeError(`queue prefix must match ${NAME}, got ${JSON.stringify(o.prefix)}`);
    this.concurrency = positiveInt("concurrency", o.concurrency, 1);
    this.maxAttempts = positiveInt("maxAttempts", o.maxAttempts, 3);
    this.retryDelayMs = positiveInt("retryDelayMs", o.retryDelayMs, 1000, 0);
    this.lockDurationMs = positiveInt("lockDurationMs", o.lockDurationMs, 30_000, 100);
    this.stalledIntervalMs = positiveInt("stalledIntervalMs", o.stalledIntervalMs, 30_000, 50);
    this.maxStalls = positiveInt("maxStalls", o.maxStalls, Math.max(1, this.maxAttempts - 1), 0);
    this.keepDone = keepJobs("keepDone", o.keepDone ?? DEFAULT_KEEP_DONE);
    this.keepFailed = keepJobs("keepFailed", o.keepFailed ?? DEFAULT_KEEP_FAILED);
    this.declineDelayMs = positiveInt("declineDelayMs", o.declineDelayMs, 5000, 0);
    this.connectTimeoutMs = positiveInt("connectTimeoutMs", o.connectTimeoutMs, 10_000);
    this.decline = o.decline;
    this.log = o.log ?? logToStderr;
    this.queue = new Queue<Data, string>(this.name, {
      // Fail fast rather than hold a request while Redis is away (ioredis would buffer it).
      connection: { ...this.connection, enableOfflineQueue: false },
      prefix: this.prefix,
      defaultJobOptions: {
        attempts: this.maxAttempts,
        backoff: { type: BACKOFF, delay: this.retryDelayMs },
        removeOnComplete: this.keepDone,
        removeOnFail: this.keepFailed,
      },
    });
    // While `ready` waits, a connection error is its to report (as the error it throws).
    this.queue.on("error", (e) => {
      if (!this.connecting && !this.closed) this.problem(`queue ${this.name} at ${this.label}: ${e.message}`);
    });
  }

  /** A queue whose Redis answered; throws BullMqQueueError (url without password) when it does not. */
  static async open<P, R>(o: BullMqJobQueueOptions<P>): Promise<BullMqJobQueue<P, R>> {
    const q = new BullMqJobQueue<P, R>(o);
    try {
      await q.ready();
    } catch (e) {
      q.closed = true;
      await q.queue.close().catch(() => {});
      throw e;
    }
    return q;
  }

  /** Resolves once Redis answers; rejects with the connection's first error, or after connectTimeoutMs. */
  async ready(): Promise<void> {
    let onError!: (e: Error) => void;
    let timer: NodeJS.Timeout | undefined;
    const failed = new Promise<never>((_, reject) => {
      onError = (e) => reject(e);
      this.queue.once("error", onError);
      timer = setTimeout(() => reject(new Error(`no answer in ${this.connectTimeoutMs} ms`)), this.connectTimeoutMs);
    });
    this.connecting = true;
    try {
      await Promise.race([this.queue.waitUntilReady(), failed]);
    } catch (e) {
      throw new BullMqQueueError(`cannot reach Redis at ${this.label}: ${(e as Error).message}`);
    } finally {
      this.connecting = false;
      clearTimeout(timer);
      this.queue.off("error", onError);
    }
  }

  /** One line per problem, the same one at most every 30 s (a Redis outage repeats itself). */
  private problem(line: string): void {
    const now = Date.now();
    if (now - (this.lastLogged.get(line) ?? 0) < 30_000) return;
    if (this.lastLogged.size > 100) this.lastLogged.clear();
    this.lastLogged.set(line, now);
    this.log(line);
  }

  private toJob(bj: BullJob<Data, string>, state: JobState): Job<P, R> {
    const reason = bj.failedReason === STALLED_REASON ? STALLED_TEXT : bj.failedReason || undefined;
    return {
      id: bj.id!,
      state,
      payload: fromJson<P>(bj.data.payload),
      result: state === "done" && typeof bj.returnvalue === "string" ? fromJson<R>(bj.returnvalue) : undefined,
      error: state === "done" ? undefined : reason,
      // BullMQ counts an attempt when it ends; the one running counts too (as in SqlJobQueue).
      attempts: bj.attemptsMade + (state === "running" ? 1 : 0),
      createdAt: new Date(bj.timestamp).toISOString(),
      updatedAt: new Date(bj.finishedOn ?? bj.processedOn ?? bj.timestamp).toISOString(),
    };
  }

  async enqueue(payload: P, key?: string): Promise<string> {
    if (this.closed) throw new Error("job queue is closed");
    const id = key ?? randomUUID();
    if (key !== undefined) {
      checkKey(key);
      // Looked at first, so a job that fails after this look is not queued again by this call.
      const state = await this.queue.getJobState(key);
      if (state === "failed") {
        if (await this.retry(key)) return key;
      } else if (state !== "unknown") return key;
    }
    // A no-op when a job with this id exists by now (a concurrent enqueue): the existing job stands.
    await this.queue.add(this.name, { payload: toJson(payload) }, { jobId: id });
    return id;
  }

  async get(id: string): Promise<Job<P, R> | undefined> {
    const bj = await this.queue.getJob(id);
    if (!bj) return undefined;
    const state = stateOf(await bj.getState());
    if (!state) return undefined;
    try {
      return this.toJob(bj, state);
    } catch (e) {
      this.log(`job ${id}: unreadable record (${(e as Error).message})`);
      return undefined;
    }
  }

  async counts(): Promise<Record<JobState, number>> {
    const c = await this.queue.getJobCounts(
      "waiting",
      "delayed",
      "prioritized",
      "waiting-children",
      "active",
      "completed",
      "failed",
    );
    const n = (k: string) => c[k] ?? 0;
    return {
      queued: n("waiting") + n("delayed") + n("prioritized") + n("waiting-children"),
      running: n("active"),
      done: n("completed"),
      failed: n("failed"),
    };
  }

  async retry(id: string): Promise<boolean> {
    const bj = await this.queue.getJob(id);
    if (!bj || (await bj.getState()) !== "failed") return false;
    try {
      // The stall count is BullMQ's and is kept: a job whose workers died is failed at the next death.
      await bj.retry("failed", { resetAttemptsMade: true, resetAttemptsStarted: true });
      return true;
    } catch {
      // Retried (or removed) by another process between the two calls.
      return false;
    }
  }

  async start(handler: JobHandler<P, R>): Promise<void> {
    if (this.closed) throw new Error("job queue is closed");
    if (this.worker) throw new Error("job queue already started");
    const worker = new Worker<Data, string>(
      this.name,
      async (bj, token) => {
        let payload: P;
        try {
          payload = fromJson<P>(bj.data.payload);
        } catch (e) {
          throw new UnrecoverableError(`unreadable job record: ${(e as Error).message}`);
        }
        const why = await this.decline?.(payload);
        if (why !== undefined) {
          if (!this.declined.has(bj.id!)) {
            if (this.declined.size > 10_000) this.declined.clear();
            this.declined.add(bj.id!);
            this.log(`job ${bj.id}: left for another worker (${why})`);
          }
          // Back to the queue without using an attempt.
          await bj.moveToDelayed(Date.now() + this.declineDelayMs, token);
          throw new DelayedError();
        }
        const job = this.toJob(bj, "running");
        return toJson(await handler(payload, job));
      },
      {
        // A worker blocks on Redis waiting for jobs: its commands must wait out a reconnect.
        connection: { ...this.connection, maxRetriesPerRequest: null },
        prefix: this.prefix,
        concurrency: this.concurrency,
        lockDuration: this.lockDurationMs,
        stalledInterval: this.stalledIntervalMs,
        maxStalledCount: this.maxStalls,
        settings: { backoffStrategy: retryDelay },
      },
    );
    worker.on("error", (e) => this.problem(`worker of queue ${this.name} at ${this.label}: ${e.message}`));
    worker.on("completed", (bj) => this.settled(bj, "done"));
    worker.on("failed", (bj) => {
      // Emitted for every failed attempt: only the last one (finishedOn set) settles the job.
      if (bj?.finishedOn) this.settled(bj, "failed");
    });
    this.worker = worker;
    await worker.waitUntilReady();
  }

  private settled(bj: BullJob<Data, string>, state: JobState): void {
    let job: Job<P, R>;
    try {
      job = this.toJob(bj, state);
    } catch (e) {
      this.log(`job ${bj.id}: unreadable record (${(e as Error).message})`);
      return;
    }
    for (const l of this.listeners) {
      try {
        l(job);
      } catch (e) {
        this.log(`job ${job.id}: listener failed: ${(e as Error).message}`);
      }
    }
  }

  onSettled(listener: (job: Job<P, R>) => void): void {
    this.listeners.push(listener);
  }

  async idle(): Promise<void> {
    if (!this.worker) return;
    for (;;) {
      const c = await this.counts();
      if (c.queued === 0 && c.running === 0) return;
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Worker.close waits for the jobs this process runs; queued ones stay in Redis.
    await this.worker?.close();
    await this.queue.close();
  }
}
