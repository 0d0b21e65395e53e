// The contributions section (7) of a .ptau file and the transcript hashes it records.
//
// Transcript (facts of the snarkjs format):
//   challenge_0   = blake2b512(blake2b512("") | U(sections 2..6 of the blank accumulator))
//   response      = blake2b512(challenge | C(sections 2..6) | U(public key))
//   nextChallenge = blake2b512(response | U(sections 2..6))
// where C / U are the compressed / uncompressed encodings of the points in file order. The
// contribution stores the hasher state right after C(sections 2..6) ("partial hash", 216 bytes:
// the layout of @noble/hashes' BLAKE2b object that snarkjs itself serialises), so a verifier can
// finish the response hash from the public key.
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import type { Bn128Curve as Curve, CurvePoint } from "./bn128-curve.js";
import type { BeaconKey } from "./ptau-beacon-key.js";
import { G1_BYTES, G2_BYTES } from "./ptau-file.js";

/** The incremental BLAKE2b-512 hasher of snarkjs's own @noble/hashes (its state is serialised). */
export interface NobleBlake2b {
  update(data: Uint8Array): NobleBlake2b;
  digest(): Uint8Array;
}

let nobleBlake2b: { create(opts: { dkLen: number }): NobleBlake2b } | undefined;

/** A BLAKE2b-512 hasher from the very @noble/hashes copy snarkjs resolves. */
export function createResponseHasher(): NobleBlake2b {
  if (!nobleBlake2b) {
    const requireHere = createRequire(import.meta.url);
    const requireFromSnarkjs = createRequire(requireHere.resolve("snarkjs"));
    nobleBlake2b = (requireFromSnarkjs("@noble/hashes/blake2b") as { blake2b: typeof nobleBlake2b }).blake2b;
  }
  return nobleBlake2b!.create({ dkLen: 64 });
}

/** 216 bytes: 128-byte block buffer, 8 state words as 16 u32 halves, absorbed length, position. */
export function partialHashBytes(hasher: NobleBlake2b): Uint8Array {
  const h = hasher as unknown as Record<string, unknown>;
  const words = [
    "v0l",
    "v0h",
    "v1l",
    "v1h",
    "v2l",
    "v2h",
    "v3l",
    "v3h",
    "v4l",
    "v4h",
    "v5l",
    "v5h",
    "v6l",
    "v6h",
    "v7l",
    "v7h",
  ];
  const buffer = h.buffer;
  if (
    !(buffer instanceof Uint8Array) ||
    buffer.byteLength !== 128 ||
    typeof h.pos !== "number" ||
    typeof h.length !== "number" ||
    words.some((w) => typeof h[w] !== "number")
  ) {
    throw new Error("@noble/hashes BLAKE2b internals changed: cannot serialise the partial hash snarkjs expects");
  }
  const out = new Uint8Array(216);
  out.set(buffer, 0);
  const view = new DataView(out.buffer);
  words.forEach((w, i) => view.setUint32(128 + 4 * i, (h[w] as number) >>> 0, true));
  const pos = h.pos as number;
  const length = h.length as number;
  view.setUint32(128 + 64, (length - pos) >>> 0, true);
  view.setUint32(128 + 68, Math.floor((length - pos) / 2 ** 32), true);
  view.setUint32(128 + 72, pos >>> 0, true);
  view.setUint32(128 + 76, 0, true);
  return out;
}

/**
 * Feeds one section's compressed points to the response hasher in the pieces snarkjs's beacon
 * uses: the compressed form of 2^20 bytes of LEM points per update (16384 G1 / 8192 G2 points).
 * The final hash does not depend on the pieces, but the serialised partial hash does (its block
 * buffer keeps stale bytes past the current position), so matching them keeps files identical.
 */
export class SectionHashFeeder {
  private readonly piece: Uint8Array;
  private filled = 0;

  constructor(
    private readonly hasher: NobleBlake2b,
    lemPointBytes: number,
  ) {
    this.piece = new Uint8Array(Math.floor(2 ** 20 / lemPointBytes) * (lemPointBytes / 2));
  }

  push(compressed: Uint8Array): void {
    let off = 0;
    while (off < compressed.byteLength) {
      const n = Math.min(this.piece.byteLength - this.filled, compressed.byteLength - off);
      this.piece.set(compressed.subarray(off, off + n), this.filled);
      this.filled += n;
      off += n;
      if (this.filled === this.piece.byteLength) this.flush();
    }
  }

  /** Call at the end of the section. */
  flush(): void {
    if (this.filled === 0) return;
    // A fresh copy at offset 0, like the buffers snarkjs passes (the hasher's fast path
    // depends on 4-byte alignment).
    this.hasher.update(this.piece.slice(0, this.filled));
    this.filled = 0;
  }
}

/** Hash of the blank accumulator (every point the generator): the first challenge. */
export function firstChallengeHash(curve: Curve, power: number): Uint8Array {
  const g1 = new Uint8Array(G1_BYTES);
  const g2 = new Uint8Array(G2_BYTES);
  curve.G1.toRprUncompressed(g1, 0, curve.G1.g);
  curve.G2.toRprUncompressed(g2, 0, curve.G2.g);
  const hasher = createHash("blake2b512");
  hasher.update(createHash("blake2b512").digest());
  const repeat = (point: Uint8Array, count: number): void => {
    const perBlock = 16384;
    const block = new Uint8Array(point.byteLength * Math.min(perBlock, count));
    for (let i = 0; i < block.byteLength; i += point.byteLength) block.set(point, i);
    let left = count;
    while (left > 0) {
      const n = Math.min(left, perBlock);
      hasher.update(block.subarray(0, n * point.byteLength));
      left -= n;
    }
  };
  const n = 2 ** power;
  repeat(g1, 2 * n - 1);
  repeat(g2, n);
  repeat(g1, n);
  repeat(g1, n);
  hasher.update(g2);
  return new Uint8Array(hasher.digest());
}

/** The public key in the order the format fixes, as U (uncompressed, hashed) or LEM (stored). */
export function publicKeyBytes(curve: Curve, key: BeaconKey, encoding: "uncompressed" | "lem"): Uint8Array {
  const out = new Uint8Array(6 * G1_BYTES + 3 * G2_BYTES);
  let pos = 0;
  const put = (group: "G1" | "G2", p: CurvePoint): void => {
    if (encoding === "lem") curve[group].toRprLEM(out, pos, p);
    else curve[group].toRprUncompressed(out, pos, p);
    pos += group === "G1" ? G1_BYTES : G2_BYTES;
  };
  for (const part of [key.tau, key.alpha, key.beta]) {
    put("G1", part.g1_s);
    put("G1", part.g1_sx);
  }
  for (const part of [key.tau, key.alpha, key.beta]) put("G2", part.g2_spx);
  return out;
}

export interface BeaconContributionRecord {
  /** First points of the sections after the contribution, LEM: tau*G1, tau*G2, alpha*G1, beta*G1, beta*G2. */
  tauG1: Uint8Array;
  tauG2: Uint8Array;
  alphaG1: Uint8Array;
  betaG1: Uint8Array;
  betaG2: Uint8Array;
  /** publicKeyBytes(curve, key, "lem"). */
  publicKeyLem: Uint8Array;
  partialHash: Uint8Array;
  nextChallenge: Uint8Array;
  /** At most 64 ASCII characters. */
  name: string;
  numIterationsExp: number;
  beaconHash: Uint8Array;
}

/** Body of section 7 holding one beacon contribution. */
export function contributionsSectionBody(c: BeaconContributionRecord): Uint8Array {
  if (!/^[\x20-\x7e]{0,64}$/.test(c.name))
    throw new RangeError("contribution name must be at most 64 printable ASCII characters");
  if (c.beaconHash.byteLength === 0 || c.beaconHash.byteLength > 255)
    throw new RangeError("beacon hash must be 1..255 bytes");
  const params: number[] = [];
  if (c.name.length > 0) params.push(1, c.name.length, ...new TextEncoder().encode(c.name));
  params.push(2, c.numIterationsExp);
  params.push(3, c.beaconHash.byteLength, ...c.beaconHash);

  const parts: Uint8Array[] = [];
  const u32 = (v: number): Uint8Array => {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v, true);
    return b;
  };
  parts.push(u32(1)); // one contribution
  parts.push(c.tauG1, c.tauG2, c.alphaG1, c.betaG1, c.betaG2, c.publicKeyLem, c.partialHash, c.nextChallenge);
  parts.push(u32(1)); // type 1: beacon
  parts.push(u32(params.length), Uint8Array.from(params));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.byteLength;
  }
  return out;
}
