// A pool of worker threads that turn scalars into points s * G for the BN254 generators
// (see fixed-base-worker.ts for the method). Jobs are spread over the workers as they free up.
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { singleThreadBn128 } from "./bn128-curve.js";
import type { GroupName, MultiplyRequest, WorkerInit, WorkerReply } from "./fixed-base-worker.js";

export type { GroupName } from "./fixed-base-worker.js";

/** Largest batch one job may carry. */
export const MAX_BATCH = 4096;

/** Bytes of one affine point in ffjavascript's LEM layout. */
export const AFFINE_BYTES: Record<GroupName, number> = { G1: 64, G2: 128 };

export interface FixedBasePoolOptions {
  /** Worker threads (default: available parallelism). */
  threads?: number;
  /**
   * How many points each group will be asked for in total: sizes the precomputed tables
   * (wider windows pay off only for many points).
   */
  expectedPoints: Record<GroupName, number>;
}

/** Caps a worker's tables at ~21 MB for G1 and ~42 MB for G2 (19 windows of 2^14 - 1 points). */
export const MAX_WINDOW_BITS = 14;

/**
 * Window width minimising (table build + per-point additions) for `points` multiplications
 * by one worker. Building a table entry costs about 1.5 additions (one addition plus its share
 * of the batch conversion to affine).
 */
export function bestWindowBits(points: number): number {
  let best = 4;
  let bestCost = Infinity;
  for (let w = 4; w <= MAX_WINDOW_BITS; w++) {
    const windows = Math.ceil(254 / w);
    const cost = points * windows + 1.5 * windows * ((1 << w) - 1);
    if (cost < bestCost) {
      bestCost = cost;
      best = w;
    }
  }
  return best;
}

/**
 * The worker's entry. From the TypeScript sources it is a small module that registers tsx in the
 * worker first, as bin/assay.mjs does for the main thread (Node 20 has no type stripping, and
 * workers do not inherit loaders registered through an API); compiled, the worker's own .js.
 */
function workerUrl(): URL {
  const entry = import.meta.url.endsWith(".ts") ? "./fixed-base-worker-entry.mjs" : "./fixed-base-worker.js";
  return new URL(entry, import.meta.url);
}

interface Pending {
  resolve: (points: Uint8Array) => void;
  reject: (err: Error) => void;
}

interface Job {
  request: MultiplyRequest;
  pending: Pending;
}

export class FixedBasePool {
  private readonly idle: Worker[] = [];
  private readonly queue: Job[] = [];
  private readonly inFlight = new Map<number, { worker: Worker; pending: Pending }>();
  private nextId = 1;
  private failure: Error | undefined;

  private constructor(private readonly workers: Worker[]) {}

  static async create(options: FixedBasePoolOptions): Promise<FixedBasePool> {
    const threads = Math.max(1, options.threads ?? availableParallelism());
    const windowBits: Record<GroupName, number> = {
      G1: bestWindowBits(Math.ceil(options.expectedPoints.G1 / threads)),
      G2: bestWindowBits(Math.ceil(options.expectedPoints.G2 / threads)),
    };
    // A single-threaded ffjavascript curve (no workers of its own) supplies the wasm code.
    const curve = await singleThreadBn128();
    const wasmCode: unknown = curve.tm?.code;
    if (!(wasmCode instanceof Uint8Array)) throw new Error("ffjavascript did not expose the curve's WebAssembly code");
    const generators: Record<GroupName, Uint8Array> = { G1: curve.G1.oneAffine, G2: curve.G2.oneAffine };
    const url = workerUrl();
    const workers: Worker[] = [];
    const pool = new FixedBasePool(workers);
    try {
      await Promise.all(
        Array.from({ length: threads }, async () => {
          const worker = new Worker(url);
          workers.push(worker);
          await new Promise<void>((resolve, reject) => {
            const onError = (err: Error): void => reject(err);
            worker.once("error", onError);
            worker.once("message", (reply: WorkerReply) => {
              worker.off("error", onError);
              if (reply.type === "ready") resolve();
              else reject(new Error(`fixed-base worker failed to start: ${JSON.stringify(reply)}`));
            });
            const init: WorkerInit = { type: "init", wasmCode, generators, windowBits, maxBatch: MAX_BATCH };
            worker.postMessage(init);
          });
          pool.attach(worker);
        }),
      );
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  get threads(): number {
    return this.workers.length;
  }

  /** Points s_i * G as affine LEM bytes, for scalars given as 32-byte little-endian integers. */
  multiply(group: GroupName, scalars: Uint8Array): Promise<Uint8Array> {
    if (this.failure) return Promise.reject(this.failure);
    if (scalars.byteLength % 32 !== 0 || scalars.byteLength / 32 > MAX_BATCH) {
      return Promise.reject(new RangeError(`a job takes 1..${MAX_BATCH} scalars of 32 bytes`));
    }
    // The scalar buffer is transferred to the worker; copy views of larger buffers first.
    if (scalars.byteOffset !== 0 || scalars.byteLength !== scalars.buffer.byteLength) scalars = scalars.slice();
    return new Promise<Uint8Array>((resolve, reject) => {
      const request: MultiplyRequest = { type: "multiply", id: this.nextId++, group, scalars };
      this.queue.push({ request, pending: { resolve, reject } });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    const err = new Error("fixed-base pool closed");
    for (const job of this.queue.splice(0)) job.pending.reject(err);
    for (const { pending } of this.inFlight.values()) pending.reject(err);
    this.inFlight.clear();
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
    this.idle.length = 0;
  }

  private attach(worker: Worker): void {
    worker.on("message", (reply: WorkerReply) => {
      if (reply.type === "ready") return;
      const entry = this.inFlight.get(reply.id);
      if (!entry) return;
      this.inFlight.delete(reply.id);
      this.idle.push(worker);
      if (reply.type === "result") entry.pending.resolve(reply.points);
      else entry.pending.reject(new Error(`fixed-base worker: ${reply.message}`));
      this.dispatch();
    });
    worker.on("error", (err: Error) => this.fail(err));
    worker.on("exit", (code: number) => {
      if (code !== 0) this.fail(new Error(`fixed-base worker exited with code ${code}`));
    });
    this.idle.push(worker);
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    for (const job of this.queue.splice(0)) job.pending.reject(err);
    for (const { pending } of this.inFlight.values()) pending.reject(err);
    this.inFlight.clear();
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.pop()!;
      const job = this.queue.shift()!;
      this.inFlight.set(job.request.id, { worker, pending: job.pending });
      worker.postMessage(job.request, [job.request.scalars.buffer as ArrayBuffer]);
    }
  }
}
