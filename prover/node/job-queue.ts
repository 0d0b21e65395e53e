// Proof jobs: slow, parallel, and never lost once accepted.
//
// `JobQueue` is the interface the node programs against; `FileJobQueue` is the in-process
// implementation: each job is one JSON file (0600: payloads hold inputs and salts) written
// durably (./durable-file.ts: temp file, fsync, rename, fsync of the directory) before `enqueue`
// returns, so a crash, kill -9 or power loss loses no accepted job: on `start` every job found
// queued or running is run again (handlers must be idempotent: proving is). A job file that
// cannot be read back is quarantined with a logged line and the rest run. A distributed
// implementation (e.g. Redis streams or BullMQ) implements the same interface.
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { ensurePrivateDir, loadRecords, type Log, logToStderr, writeFileDurably } from "../durable-file.js";

export type JobState = "queued" | "running" | "done" | "failed";

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

const JOB_STATES: readonly JobState[] = ["queued", "running", "done", "failed"];
const JOB_FILE = /^[0-9a-f-]{36}\.json$/;

export interface FileJobQueueOptions {
  /** Where unreadable job files are moved (default `<dir>/quarantine`). */
  quarantineDir?: string;
  /** Problems with the files, one line each (default stderr). */
  log?: Log;
}

export type JobHandler<P, R> = (payload: P, job: Job<P, R>) => Promise<R>;

export interface JobQueue<P, R> {
  /** Persists the job, then schedules it. Resolves with its id once it cannot be lost. */
  enqueue(payload: P): Promise<string>;
  get(id: string): Promise<Job<P, R> | undefined>;
  /** Starts workers (re-running jobs a previous process accepted but did not finish). */
  start(handler: JobHandler<P, R>): Promise<void>;
  /** Resolves when nothing is queued or running. */
  idle(): Promise<void>;
  /** Stops taking new work; waits for running jobs. */
  close(): Promise<void>;
  onSettled(listener: (job: Job<P, R>) => void): void;
}

export class FileJobQueue<P, R> implements JobQueue<P, R> {
  private readonly pending: string[] = [];
  private readonly jobs = new Map<string, Job<P, R>>();
  private running = 0;
  private handler?: JobHandler<P, R>;
  private closed = false;
  private readonly listeners: ((job: Job<P, R>) => void)[] = [];
  private idleWaiters: (() => void)[] = [];
  private ready?: Promise<void>;
  private readonly log: Log;

  constructor(
    private readonly dir: string,
    private readonly concurrency = 1,
    private readonly maxAttempts = 3,
    private readonly options: FileJobQueueOptions = {},
  ) {
    if (!Number.isInteger(concurrency) || concurrency < 1)
      throw new RangeError(`concurrency must be >= 1, got ${concurrency}`);
    this.log = options.log ?? logToStderr;
  }

  /** Creates the directory 0700 (tightening it if needed), once. */
  private prepare(): Promise<void> {
    this.ready ??= ensurePrivateDir(this.dir, this.log).catch((e) => {
      this.ready = undefined;
      throw e;
    });
    return this.ready;
  }

  private file(id: string): string {
    return path.join(this.dir, `${id}.json`);
  }

  private async persist(job: Job<P, R>): Promise<void> {
    job.updatedAt = new Date().toISOString();
    await this.prepare();
    await writeFileDurably(
      this.file(job.id),
      JSON.stringify(job, (_k, v) => (typeof v === "bigint" ? { $bigint: v.toString() } : v)),
    );
  }

  /** The job in `text`; throws a short reason if it is not one (`name`: its file name, if known). */
  private static revive<P, R>(text: string, name?: string): Job<P, R> {
    const job = JSON.parse(text, (_k, v) =>
      v && typeof v === "object" && typeof v.$bigint === "string" ? BigInt(v.$bigint) : v,
    ) as Job<P, R> | null;
    if (typeof job !== "object" || job === null || Array.isArray(job)) throw new Error("not a job record");
    if (name !== undefined && `${job.id}.json` !== name)
      throw new Error(`job id ${job.id} does not match the file name`);
    if (!JOB_STATES.includes(job.state)) throw new Error(`unknown job state ${JSON.stringify(job.state)}`);
    if (!Number.isInteger(job.attempts) || typeof job.createdAt !== "string" || !("payload" in job))
      throw new Error("not a job record (attempts, createdAt or payload missing)");
    return job;
  }

  async enqueue(payload: P): Promise<string> {
    if (this.closed) throw new Error("job queue is closed");
    const now = new Date().toISOString();
    const job: Job<P, R> = { id: randomUUID(), state: "queued", payload, attempts: 0, createdAt: now, updatedAt: now };
    await this.persist(job);
    this.jobs.set(job.id, job);
    this.pending.push(job.id);
    this.pump();
    return job.id;
  }

  async get(id: string): Promise<Job<P, R> | undefined> {
    const mem = this.jobs.get(id);
    if (mem) return mem;
    if (!/^[0-9a-f-]{36}$/.test(id)) return undefined;
    try {
      return FileJobQueue.revive<P, R>(await readFile(this.file(id), "utf8"), `${id}.json`);
    } catch {
      return undefined; // missing, or unreadable (the next start quarantines it)
    }
  }

  async start(handler: JobHandler<P, R>): Promise<void> {
    this.handler = handler;
    await this.prepare();
    const loaded = await loadRecords({
      dir: this.dir,
      isRecord: (name) => JOB_FILE.test(name),
      parse: (text, name) => FileJobQueue.revive<P, R>(text, name),
      quarantineDir: this.options.quarantineDir ?? path.join(this.dir, "quarantine"),
      log: this.log,
    });
    const found: Job<P, R>[] = [];
    for (const job of loaded.values()) {
      if (this.jobs.has(job.id)) continue; // enqueued by this process before start: memory is newer
      this.jobs.set(job.id, job);
      if (job.state === "queued" || job.state === "running") found.push(job);
    }
    found.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    for (const job of found) {
      if (job.state === "running") {
        job.state = "queued"; // the process that ran it stopped before finishing
        await this.persist(job);
      }
      if (!this.pending.includes(job.id)) this.pending.push(job.id);
    }
    this.pump();
  }

  onSettled(listener: (job: Job<P, R>) => void): void {
    this.listeners.push(listener);
  }

  private pump(): void {
    while (this.handler && !this.closed && this.running < this.concurrency && this.pending.length > 0) {
      const job = this.jobs.get(this.pending.shift()!)!;
      this.running++;
      void this.run(job).finally(() => {
        this.running--;
        this.pump();
        if (this.running === 0 && this.pending.length === 0) {
          const w = this.idleWaiters;
          this.idleWaiters = [];
          w.forEach((f) => f());
        }
      });
    }
  }

  private async run(job: Job<P, R>): Promise<void> {
    job.state = "running";
    job.attempts++;
    await this.persist(job);
    try {
      job.result = await this.handler!(job.payload, job);
      job.state = "done";
      job.error = undefined;
    } catch (e) {
      job.error = (e as Error).message ?? String(e);
      job.state = job.attempts >= this.maxAttempts ? "failed" : "queued";
      if (job.state === "queued") this.pending.push(job.id);
    }
    await this.persist(job);
    if (job.state === "done" || job.state === "failed") this.listeners.forEach((l) => l(job));
  }

  idle(): Promise<void> {
    if (this.running === 0 && (this.pending.length === 0 || !this.handler)) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async close(): Promise<void> {
    this.closed = true;
    while (this.running > 0) await new Promise((r) => setTimeout(r, 20));
  }
}
