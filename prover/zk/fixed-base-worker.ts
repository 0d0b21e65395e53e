// Worker thread: fixed-base scalar multiplication on BN254 G1/G2 with ffjavascript's
// WebAssembly curve code.
//
// For a fixed generator G and window width w, the worker precomputes, for every window k,
// the affine points d * 2^(w*k) * G for d = 1 .. 2^w - 1. Then s * G is the sum of one table
// entry per non-zero w-bit digit of s: ceil(254 / w) mixed additions, against ~254 doublings
// plus ~127 additions for a generic scalar multiplication. Results come back as affine points
// in ffjavascript's "LEM" layout (little-endian Montgomery x, y), the layout of .ptau files.
//
// Self-contained on purpose: from the TypeScript sources it is loaded through
// fixed-base-worker-entry.mjs, which registers tsx in the worker first; compiled, it runs as
// plain JavaScript (keep its syntax erasable, import nothing local). It does not import
// ffjavascript either: that package's web-worker dependency takes over any worker thread it is
// loaded in. The parent sends the curve's WebAssembly code and generators instead.
import { parentPort } from "node:worker_threads";

export type GroupName = "G1" | "G2";

export interface WorkerInit {
  type: "init";
  /** ffjavascript's bn128 WebAssembly module (it imports only env.memory). */
  wasmCode: Uint8Array;
  /** Affine LEM generators. */
  generators: Record<GroupName, Uint8Array>;
  windowBits: Record<GroupName, number>;
  maxBatch: number;
}

export interface MultiplyRequest {
  type: "multiply";
  id: number;
  group: GroupName;
  /** count scalars, 32 bytes each, little-endian, each below the group order. */
  scalars: Uint8Array;
}

export type WorkerReply =
  | { type: "ready" }
  | { type: "result"; id: number; points: Uint8Array }
  | { type: "error"; id: number; message: string };

const SCALAR_BITS = 254;

interface GroupTable {
  prefix: string;
  pointAffineBytes: number;
  pointJacobianBytes: number;
  windowBits: number;
  windows: number;
  entriesPerWindow: number;
  pTable: number;
}

type WasmExports = Record<string, (...args: number[]) => number>;

/**
 * The curve module's linear memory, with a bump allocator. The module keeps its free-memory
 * pointer at address 0 and its batch functions take scratch space above it: everything
 * allocated here stays below that pointer, with SCRATCH_RESERVE bytes free above.
 */
class WasmHeap {
  static readonly SCRATCH_RESERVE = 4 << 20;
  readonly memory: WebAssembly.Memory;
  u8: Uint8Array;
  private u32: Uint32Array;

  constructor(memory: WebAssembly.Memory) {
    this.memory = memory;
    this.u8 = new Uint8Array(memory.buffer);
    this.u32 = new Uint32Array(memory.buffer);
  }

  /** Re-creates the views after the memory grew (its buffer is replaced). */
  refreshViews(): void {
    if (this.u8.buffer !== this.memory.buffer) {
      this.u8 = new Uint8Array(this.memory.buffer);
      this.u32 = new Uint32Array(this.memory.buffer);
    }
  }

  alloc(bytes: number): number {
    this.refreshViews();
    const p = (this.u32[0] + 7) & ~7;
    const end = p + bytes;
    const needed = end + WasmHeap.SCRATCH_RESERVE;
    if (needed > this.memory.buffer.byteLength) {
      this.memory.grow(Math.ceil((needed - this.memory.buffer.byteLength) / 65536));
      this.refreshViews();
    }
    this.u32[0] = end;
    return p;
  }
}

/** For every window k, the affine points d * 2^(w*k) * G for d = 1 .. 2^w - 1, in the heap. */
function buildTable(heap: WasmHeap, ex: WasmExports, group: GroupName, w: number, generator: Uint8Array): GroupTable {
  const n8 = group === "G1" ? 32 : 64;
  const prefix = group === "G1" ? "g1m" : "g2m";
  const sA = 2 * n8;
  const sJ = 3 * n8;
  const windows = Math.ceil(SCALAR_BITS / w);
  const entries = (1 << w) - 1;
  const pTable = heap.alloc(windows * entries * sA);
  const pTmp = heap.alloc(entries * sJ);
  const pBase = heap.alloc(sA);
  const pAcc = heap.alloc(sJ);
  heap.refreshViews();
  heap.u8.set(generator, pBase);
  for (let k = 0; k < windows; k++) {
    // pBase = 2^(w*k) * G (affine). Entries d * pBase for d = 1 .. 2^w - 1.
    ex[`${prefix}_toJacobian`](pBase, pAcc);
    for (let d = 0; d < entries; d++) {
      ex[`${prefix}_copy`](pAcc, pTmp + d * sJ);
      ex[`${prefix}_addMixed`](pAcc, pBase, pAcc);
    }
    ex[`${prefix}_batchToAffine`](pTmp, entries, pTable + k * entries * sA);
    ex[`${prefix}_toAffine`](pAcc, pBase); // 2^w * pBase
  }
  return {
    prefix,
    pointAffineBytes: sA,
    pointJacobianBytes: sJ,
    windowBits: w,
    windows,
    entriesPerWindow: entries,
    pTable,
  };
}

/** The scalars' 32-bit little-endian words (a copy when the bytes are not 4-aligned). */
function scalarWords(scalars: Uint8Array, count: number): Uint32Array {
  return scalars.byteOffset % 4 === 0
    ? new Uint32Array(scalars.buffer, scalars.byteOffset, count * 8)
    : new Uint32Array(scalars.slice().buffer);
}

/** Multiplies batches of scalars by the generators, building each group's table on first use. */
class FixedBaseMultiplier {
  private readonly heap: WasmHeap;
  private readonly ex: WasmExports;
  private readonly init: WorkerInit;
  private readonly tables: Partial<Record<GroupName, GroupTable>> = {};
  /** Job buffers sized for the larger group (G2: 192-byte Jacobian, 128-byte affine points). */
  private readonly pJac: number;
  private readonly pAff: number;

  constructor(heap: WasmHeap, ex: WasmExports, init: WorkerInit) {
    this.heap = heap;
    this.ex = ex;
    this.init = init;
    this.pJac = heap.alloc(init.maxBatch * 192);
    this.pAff = heap.alloc(init.maxBatch * 128);
  }

  static async create(init: WorkerInit): Promise<FixedBaseMultiplier> {
    const memory = new WebAssembly.Memory({ initial: 32 });
    const module = await WebAssembly.compile(init.wasmCode as Uint8Array<ArrayBuffer>);
    const instance = await WebAssembly.instantiate(module, { env: { memory } });
    return new FixedBaseMultiplier(new WasmHeap(memory), instance.exports as WasmExports, init);
  }

  /** Points s_i * G as affine LEM bytes. */
  multiply(group: GroupName, scalars: Uint8Array): Uint8Array {
    const { maxBatch } = this.init;
    const count = scalars.byteLength / 32;
    if (!Number.isInteger(count) || count > maxBatch) {
      throw new RangeError(`batch of ${scalars.byteLength} scalar bytes (max ${maxBatch} scalars)`);
    }
    const table = this.table(group);
    this.accumulate(table, scalarWords(scalars, count), count);
    this.ex[`${table.prefix}_batchToAffine`](this.pJac, count, this.pAff);
    this.heap.refreshViews();
    return this.heap.u8.slice(this.pAff, this.pAff + count * table.pointAffineBytes);
  }

  private table(group: GroupName): GroupTable {
    const built = this.tables[group];
    if (built) return built;
    const table = buildTable(this.heap, this.ex, group, this.init.windowBits[group], this.init.generators[group]);
    this.tables[group] = table;
    return table;
  }

  /** Jacobian s_i * G at pJac + i * sJ: one table entry added per non-zero w-bit digit of s_i. */
  private accumulate(table: GroupTable, words: Uint32Array, count: number): void {
    const addMixed = this.ex[`${table.prefix}_addMixed`];
    const zero = this.ex[`${table.prefix}_zero`];
    const { windowBits: w, windows, entriesPerWindow, pTable, pointAffineBytes: sA, pointJacobianBytes: sJ } = table;
    const mask = (1 << w) - 1;
    for (let i = 0; i < count; i++) {
      const acc = this.pJac + i * sJ;
      zero(acc);
      const base = i * 8;
      for (let k = 0; k < windows; k++) {
        const bit = k * w;
        const wordIndex = bit >>> 5;
        const offset = bit & 31;
        let v = words[base + wordIndex] >>> offset;
        if (offset + w > 32 && wordIndex < 7) v |= words[base + wordIndex + 1] << (32 - offset);
        const digit = v & mask;
        if (digit !== 0) addMixed(acc, pTable + (k * entriesPerWindow + digit - 1) * sA, acc);
      }
    }
  }
}

async function start(port: NonNullable<typeof parentPort>, init: WorkerInit): Promise<void> {
  const multiplier = await FixedBaseMultiplier.create(init);
  port.on("message", (msg: MultiplyRequest) => {
    try {
      const points = multiplier.multiply(msg.group, msg.scalars);
      const reply: WorkerReply = { type: "result", id: msg.id, points };
      port.postMessage(reply, [points.buffer as ArrayBuffer]);
    } catch (err) {
      const reply: WorkerReply = { type: "error", id: msg.id, message: (err as Error).stack ?? String(err) };
      port.postMessage(reply);
    }
  });
  const ready: WorkerReply = { type: "ready" };
  port.postMessage(ready);
}

const port = parentPort;
if (port) {
  port.once("message", (init: WorkerInit) => {
    start(port, init).catch((err: unknown) => {
      // Surfaces as the Worker's "error" event in the parent.
      setImmediate(() => {
        throw err;
      });
    });
  });
}
