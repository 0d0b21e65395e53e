// Proof jobs: slow, parallel, and never lost once accepted.
//
// `JobQueue` is the interface the node programs against; `FileJobQueue` is the in-process
// implementation: each job is one JSON file written atomically (write + rename) before
// `enqueue` returns, so a crash or restart loses no accepted job: on `start` every job found
// queued or running is run again (handlers must be idempotent: proving is). A distributed
// implementation (e.g. Redis streams or BullMQ) implements the same interface.
import { randomUUID } from "node:crypto";
import { mkdir, readdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";

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

  constructor(
    private readonly dir: string,
    private readonly concurrency = 1,
    private readonly maxAttempts = 3,
  ) {
    if (!Number.isInteger(concurrency) || concurrency < 1)
      throw new RangeError(`concurrency must be >= 1, got ${concurrency}`);
  }

  private file(id: string): string {
    return path.join(this.dir, `${id}.json`);
  }

  private async persist(job: Job<P, R>): Promise<void> {
    job.updatedAt = new Date().toISOString();
    const tmp = `${this.file(job.id)}.${process.pid}.tmp`;
    await writeFile(
      tmp,
      JSON.stringify(job, (_k, v) => (typeof v === "bigint" ? { $bigint: v.toString() } : v)),
    );
    await rename(tmp, this.file(job.id));
  }

  private static revive(text: string) {
    return JSON.parse(text, (_k, v) =>
      v && typeof v === "object" && typeof v.$bigint === "string" ? BigInt(v.$bigint) : v,
    );
  }

  async enqueue(payload: P): Promise<string> {
    if (this.closed) throw new Error("job queue is closed");
    await mkdir(this.dir, { recursive: true });
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
      return FileJobQueue.revive(await readFile(this.file(id), "utf8")) as Job<P, R>;
    } catch {
      return undefined;
    }
  }

  async start(handler: JobHandler<P, R>): Promise<void> {
    this.handler = handler;
    await mkdir(this.dir, { recursive: true });
    const files = (await readdir(this.dir)).filter((f) => f.endsWith(".json"));
    const found: Job<P, R>[] = [];
    for (const f of files) {
      const job = FileJobQueue.revive(await readFile(path.join(this.dir, f), "utf8")) as Job<P, R>;
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
