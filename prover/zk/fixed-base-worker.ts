// Worker thread: fixed-base scalar multiplication on BN254 G1/G2 with ffjavascript's
// WebAssembly curve code.
//
// For a fixed generator G and window width w, the worker precomputes, for every window k,
// the affine points d * 2^(w*k) * G for d = 1 .. 2^w - 1. Then s * G is the sum of one table
// entry per non-zero w-bit digit of s: ceil(254 / w) mixed additions, against ~254 doublings
// plus ~127 additions for a generic scalar multiplication. Results come back as affine points
// in ffjavascript's "LEM" layout (little-endian Montgomery x, y), the layout of .ptau files.
//
// Self-contained on purpose: worker threads do not inherit a parent's TypeScript loader
// registered through an API, so this file must run under plain Node type stripping as well as
// under tsx or as compiled JavaScript (keep its syntax erasable, import nothing local). It does
// not import ffjavascript either: that package's web-worker dependency takes over any worker
// thread it is loaded in. The parent sends the curve's WebAssembly code and generators instead.
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

interface Wasm {
  exports: Record<string, (...args: number[]) => number>;
  memory: WebAssembly.Memory;
}

async function start(port: NonNullable<typeof parentPort>, init: WorkerInit): Promise<void> {
  const memory = new WebAssembly.Memory({ initial: 32 });
  const module = await WebAssembly.compile(init.wasmCode as Uint8Array<ArrayBuffer>);
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  const wasm: Wasm = { exports: instance.exports as Wasm["exports"], memory };

  let u8 = new Uint8Array(memory.buffer);
  let u32 = new Uint32Array(memory.buffer);
  // The module keeps its free-memory pointer at address 0; its batch functions take scratch
  // space above it. Everything this worker allocates stays below that pointer.
  const scratchReserve = 4 << 20;

  function refreshViews(): void {
    if (u8.buffer !== memory.buffer) {
      u8 = new Uint8Array(memory.buffer);
      u32 = new Uint32Array(memory.buffer);
    }
  }

  function alloc(bytes: number): number {
    refreshViews();
    const p = (u32[0] + 7) & ~7;
    const end = p + bytes;
    const needed = end + scratchReserve;
    if (needed > memory.buffer.byteLength) {
      memory.grow(Math.ceil((needed - memory.buffer.byteLength) / 65536));
      refreshViews();
    }
    u32[0] = end;
    return p;
  }

  const { windowBits, maxBatch, generators } = init;
  const tables: Partial<Record<GroupName, GroupTable>> = {};
  // Job buffers sized for the larger group (G2: 192-byte Jacobian, 128-byte affine points).
  const pJac = alloc(maxBatch * 192);
  const pAff = alloc(maxBatch * 128);

  function buildTable(group: GroupName): GroupTable {
    const n8 = group === "G1" ? 32 : 64;
    const prefix = group === "G1" ? "g1m" : "g2m";
    const sA = 2 * n8;
    const sJ = 3 * n8;
    const w = windowBits[group];
    const windows = Math.ceil(SCALAR_BITS / w);
    const entries = (1 << w) - 1;
    const pTable = alloc(windows * entries * sA);
    const pTmp = alloc(entries * sJ);
    const pBase = alloc(sA);
    const pAcc = alloc(sJ);
    const ex = wasm.exports;
    const generator = generators[group];
    refreshViews();
    u8.set(generator, pBase);
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

  function multiply(group: GroupName, scalars: Uint8Array): Uint8Array {
    const table = tables[group] ?? (tables[group] = buildTable(group));
    const count = scalars.byteLength / 32;
    if (!Number.isInteger(count) || count > maxBatch) {
      throw new RangeError(`batch of ${scalars.byteLength} scalar bytes (max ${maxBatch} scalars)`);
    }
    const words =
      scalars.byteOffset % 4 === 0
        ? new Uint32Array(scalars.buffer, scalars.byteOffset, count * 8)
        : new Uint32Array(scalars.slice().buffer);
    const ex = wasm.exports;
    const addMixed = ex[`${table.prefix}_addMixed`];
    const zero = ex[`${table.prefix}_zero`];
    const { windowBits: w, windows, entriesPerWindow, pTable, pointAffineBytes: sA, pointJacobianBytes: sJ } = table;
    const mask = (1 << w) - 1;
    for (let i = 0; i < count; i++) {
      const acc = pJac + i * sJ;
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
    ex[`${table.prefix}_batchToAffine`](pJac, count, pAff);
    refreshViews();
    return u8.slice(pAff, pAff + count * sA);
  }

  port.on("message", (msg: MultiplyRequest) => {
    try {
      const points = multiply(msg.group, msg.scalars);
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
