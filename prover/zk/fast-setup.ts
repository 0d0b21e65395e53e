// Groth16 setup (snarkjs `zkey new` and one phase-2 contribution) computed from the ceremony's
// secrets, for ceremonies whose secrets are public: the development powers of tau (one beacon).
//
// Every point of a Groth16 proving key is s * G for a scalar s that depends on the r1cs and the
// secrets (tau, alpha, beta, delta). snarkjs reads the ceremony's Lagrange points and forms each
// wire's point as a multi-exponentiation over the constraints it appears in (173 s for LeNet on two
// cores); with the secrets known, each point is one fixed-base multiplication of a scalar computed
// in the field, and those run on the development ceremony's worker pool (fixed-base-pool.ts).
// Over the size-n domain with Lagrange values L_c = L_c(tau), wire s has
//   u_s = sum_c A[c][s] L_c,  v_s = sum_c B[c][s] L_c,  w_s = sum_c C[c][s] L_c,
// including snarkjs's extra constraints that put each public wire s <= nPublic into A at row
// nConstraints + s. The key's sections are then
//   A_s = u_s G1, B1_s = v_s G1, B2_s = v_s G2,
//   IC_s = (beta u_s + alpha v_s + w_s) G1 (gamma = 1) for public wires,
//   C_s = (beta u_s + alpha v_s + w_s) / delta G1 for the others,
//   H_i = L'_(2i+1)(tau) / delta G1 over the size-2n domain (the odd points snarkjs copies),
// and the circuit hash snarkjs records is BLAKE2b-512 over the key with delta = 1 and, in place of
// H, the points tau^i (tau^n - 1) G1 (i < n - 1), hashed in snarkjs's order. The file is written
// in `zkey new`'s section order. Without a contribution (delta = 1) it is byte for byte what
// `snarkjs zkey new` writes; with one, delta is fresh randomness (thrown away on return) and the
// contribution record is what `snarkjs zkey contribute` writes, so `snarkjs zkey verify` accepts
// the key (test/prover/zk/fast-setup.test.ts checks both).
//
// A ceremony with a secret contribution (a real one) has no known secrets: groth16Setup() takes
// snarkjs's path for it.
import { createHash, randomBytes } from "node:crypto";
import { type FileHandle, open, rename, rm } from "node:fs/promises";
import { type Bn128Curve, singleThreadBn128 } from "./bn128-curve.js";
import { readPtauSoleBeacon } from "./ceremony-record.js";
import { AFFINE_BYTES, FixedBasePool, type GroupName, MAX_BATCH } from "./fixed-base-pool.js";
import { beaconSecrets, hashToG2 } from "./ptau-beacon-key.js";
import { BN254_Q, PtauSection, readPtauInfo } from "./ptau-file.js";
import { readR1csLayout } from "./r1cs-file.js";
import { BN254_R, invMod, lagrangeScalars, modR, powMod, scalarsToBytes } from "./ptau-scalars.js";

const R = BN254_R;
/** R^2 mod r for R = 2^256: snarkjs stores a coefficient c of section 4 as c * R^2 mod r. */
const R2 = modR((1n << 256n) % R) ** 2n % R;

export interface CeremonySecrets {
  tau: bigint;
  alpha: bigint;
  beta: bigint;
}

/**
 * The secrets of a ceremony made of one public beacon (the development ceremony), checked
 * against three of its points; undefined for any other ceremony.
 */
export async function ceremonySecrets(ptau: string): Promise<CeremonySecrets | undefined> {
  const beacon = await readPtauSoleBeacon(ptau);
  if (!beacon) return undefined;
  const curve = await singleThreadBn128();
  const secrets = beaconSecrets(curve, beacon.beaconHash, beacon.numIterationsExp);
  const info = await readPtauInfo(ptau);
  const fh = await open(ptau, "r");
  try {
    const point = async (section: number, index: number): Promise<Uint8Array> => {
      const buf = new Uint8Array(64);
      await fh.read(buf, 0, 64, info.sections.get(section)!.offset + index * 64);
      return buf;
    };
    const expect = [
      [await point(PtauSection.tauG1, 1), secrets.tau],
      [await point(PtauSection.alphaTauG1, 0), secrets.alpha],
      [await point(PtauSection.betaTauG1, 0), secrets.beta],
    ] as const;
    for (const [bytes, s] of expect) if (Buffer.compare(bytes, g1Lem(curve, s)) !== 0) return undefined;
  } finally {
    await fh.close();
  }
  return secrets;
}

/** s * G as affine LEM bytes, on the calling thread (for the few points outside the sections). */
function pointLem(curve: Bn128Curve, group: GroupName, s: bigint): Uint8Array {
  const G = curve[group];
  const out = new Uint8Array(AFFINE_BYTES[group]);
  G.toRprLEM(out, 0, G.timesFr(G.g, curve.Fr.e(modR(s))));
  return out;
}
const g1Lem = (curve: Bn128Curve, s: bigint) => pointLem(curve, "G1", s);

function pointU(curve: Bn128Curve, group: GroupName, s: bigint): Uint8Array {
  const G = curve[group];
  const out = new Uint8Array(AFFINE_BYTES[group]);
  G.toRprUncompressed(out, 0, G.timesFr(G.g, curve.Fr.e(modR(s))));
  return out;
}

export interface FastSetupOptions {
  r1cs: string;
  ptau: string;
  zkey: string;
  secrets: CeremonySecrets;
  /** Phase-2 contribution with fresh randomness (default); false writes `zkey new`'s key (delta = 1). */
  contribute?: boolean;
  contributor?: string;
  threads?: number;
  onProgress?: (message: string) => void;
}

export interface FastSetupResult {
  zkey: string;
  /** snarkjs's circuit hash (BLAKE2b-512), hex. */
  circuitHash: string;
  /** BLAKE2b-512 of the contribution's public key, as `snarkjs zkey contribute` returns it (hex). */
  contributionHash?: string;
  nVars: number;
  nPublic: number;
  domainSize: number;
}

/** What the setup reads of the r1cs: sizes, and where the constraints lie. */
interface R1csLayout {
  nWires: number;
  nPublic: number;
  nConstraints: number;
  constraintsOffset: number;
  constraintsSize: number;
}

async function r1csLayout(file: string): Promise<R1csLayout> {
  const l = await readR1csLayout(file);
  if (l.n8 !== 32 || l.prime !== R) throw new Error(`${file}: not a BN254 circuit`);
  return {
    nWires: l.nWires,
    nPublic: l.nPubOut + l.nPubIn,
    nConstraints: l.nConstraints,
    constraintsOffset: l.constraints.offset,
    constraintsSize: l.constraints.size,
  };
}

/** Sequential reads of a file region through a fixed-size buffer. */
class RegionReader {
  bytes = new Uint8Array(0);
  view = new DataView(this.bytes.buffer);
  private at = 0;
  private filePos: number;
  private readonly end: number;

  constructor(
    private readonly fh: FileHandle,
    offset: number,
    size: number,
    private readonly chunk = 8 << 20,
  ) {
    this.filePos = offset;
    this.end = offset + size;
  }

  /** Offset in `view` of the next n bytes (consumed), or -1 when they must be read first (fill). */
  take(n: number): number {
    if (this.bytes.length - this.at < n) return -1;
    this.at += n;
    return this.at - n;
  }

  /** Reads ahead so that the next n bytes are buffered. */
  async fill(n: number): Promise<void> {
    const rest = this.bytes.subarray(this.at);
    const next = new Uint8Array(Math.min(Math.max(n, this.chunk), rest.length + (this.end - this.filePos)));
    next.set(rest);
    let got = rest.length;
    while (got < next.length) {
      const { bytesRead } = await this.fh.read(next, got, next.length - got, this.filePos);
      if (bytesRead === 0) break;
      got += bytesRead;
      this.filePos += bytesRead;
    }
    if (got < n) throw new Error("r1cs constraints section is cut short");
    this.bytes = next;
    this.view = new DataView(next.buffer);
    this.at = 0;
  }

  async need(n: number): Promise<number> {
    const at = this.take(n);
    if (at >= 0) return at;
    await this.fill(n);
    return this.take(n);
  }
}

/** The 32-byte little-endian field element at `at`. */
function readScalar(view: DataView, at: number): bigint {
  const l0 = view.getBigUint64(at, true);
  const l1 = view.getBigUint64(at + 8, true);
  const l2 = view.getBigUint64(at + 16, true);
  const l3 = view.getBigUint64(at + 24, true);
  if ((l1 | l2 | l3) === 0n) return l0;
  return l0 | (l1 << 64n) | (l2 << 128n) | (l3 << 192n);
}

/** Appends a binfile section in pieces, then patches its length into the section header. */
class ZkeyWriter {
  pos = 0;
  private sectionStart = -1;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;

  constructor(private readonly fh: FileHandle) {}

  async header(sections: number): Promise<void> {
    const h = new Uint8Array(12);
    h.set(new TextEncoder().encode("zkey"));
    const v = new DataView(h.buffer);
    v.setUint32(4, 1, true);
    v.setUint32(8, sections, true);
    await this.write(h);
  }

  async begin(id: number): Promise<void> {
    const h = new Uint8Array(12);
    new DataView(h.buffer).setUint32(0, id, true);
    this.sectionStart = this.pos;
    await this.write(h);
  }

  /** Appends bytes at `pos` (the logical end, unflushed bytes included). */
  async write(bytes: Uint8Array): Promise<void> {
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
    this.pos += bytes.length;
    if (this.pendingBytes >= 4 << 20) await this.flush();
  }

  async end(): Promise<void> {
    await this.flush();
    const len = new Uint8Array(8);
    new DataView(len.buffer).setBigUint64(0, BigInt(this.pos - this.sectionStart - 12), true);
    await this.fh.write(len, 0, 8, this.sectionStart + 4);
  }

  async flush(): Promise<void> {
    if (this.pendingBytes === 0) return;
    const all = Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    await this.fh.write(all, 0, all.length, this.pos - all.length);
  }
}

/** Points s_i * G for scalars(i), i < count, in chunks, in order; zero scalars skip the pool. */
async function* points(
  pool: FixedBasePool,
  group: GroupName,
  count: number,
  scalar: (i: number) => bigint,
): AsyncGenerator<Uint8Array> {
  const size = AFFINE_BYTES[group];
  const window = Math.max(2, 3 * pool.threads);
  const jobs: Promise<Uint8Array>[] = [];
  const start = (first: number): Promise<Uint8Array> => {
    const n = Math.min(MAX_BATCH, count - first);
    const nonZero: number[] = [];
    const values: bigint[] = [];
    for (let i = 0; i < n; i++) {
      const s = scalar(first + i);
      if (s !== 0n) {
        nonZero.push(i);
        values.push(s);
      }
    }
    if (values.length === 0) return Promise.resolve(new Uint8Array(n * size));
    return pool.multiply(group, scalarsToBytes(values)).then((pts) => {
      if (values.length === n) return pts;
      const out = new Uint8Array(n * size);
      nonZero.forEach((i, k) => out.set(pts.subarray(k * size, (k + 1) * size), i * size));
      return out;
    });
  };
  let next = 0;
  while (next < count || jobs.length > 0) {
    while (next < count && jobs.length < window) {
      jobs.push(start(next));
      next += MAX_BATCH;
    }
    yield await jobs.shift()!;
  }
}

/** Fresh randomness as a non-zero scalar. */
function randomScalar(): bigint {
  for (;;) {
    const s = modR(BigInt(`0x${randomBytes(64).toString("hex")}`));
    if (s !== 0n) return s;
  }
}

/** Groth16 proving key from a ceremony's secrets: see the file comment. */
export async function fastGroth16Setup(opts: FastSetupOptions): Promise<FastSetupResult> {
  const say = opts.onProgress ?? (() => {});
  const { tau } = opts.secrets;
  const curve = await singleThreadBn128();
  const info = await readPtauInfo(opts.ptau);
  const rfh = await open(opts.r1cs, "r");
  const tmp = `${opts.zkey}.${process.pid}.tmp`;
  let zfh: FileHandle | undefined;
  try {
    const r = await r1csLayout(opts.r1cs);
    const cirPower = Math.floor(Math.log2(r.nConstraints + r.nPublic)) + 1;
    if (cirPower > info.power)
      throw new Error(`circuit needs powers of tau 2^${cirPower}, ${opts.ptau} has 2^${info.power}`);
    const n = 2 ** cirPower;
    const delta = opts.contribute === false ? 1n : randomScalar();

    say(`fast setup: Lagrange basis over 2^${cirPower} from the ceremony's secrets`);
    const lagrange = lagrangeScalars(tau, {
      p: cirPower,
      start: 0,
      count: r.nConstraints + r.nPublic + 1,
      multiplier: 1n,
    });
    await checkAgainstCeremony(curve, opts.ptau, info.sections.get(PtauSection.lagrangeTauG1)!.offset, {
      n,
      l0: lagrange[0],
      h0: oddLagrange(tau, cirPower, cirPower === info.ceremonyPower, 1n)(0),
    });

    zfh = await open(tmp, "w");
    const out = new ZkeyWriter(zfh);
    await out.header(10);
    const cs = createHash("blake2b512");
    await headerSections(out, cs, curve, { ...opts.secrets, delta, nWires: r.nWires, nPublic: r.nPublic, n });
    say(`fast setup: ${r.nConstraints} constraints`);
    const sums = await coefficientSection(out, zfh, rfh, r, lagrange, opts.r1cs, say);
    const keys = { curve, out, cs, say, secrets: opts.secrets, delta, info, cirPower, ptau: opts.ptau };
    await pointSections(keys, r, sums, opts.threads);

    const circuitHash = new Uint8Array(cs.digest());
    await out.begin(10);
    await out.write(circuitHash);
    let contributionHash: string | undefined;
    if (delta === 1n) {
      await out.write(new Uint8Array(4));
    } else {
      const c = contribution(curve, circuitHash, delta, opts.contributor ?? "assay phase-2");
      await out.write(c.record);
      contributionHash = c.hash;
    }
    await out.end();
    await zfh.close();
    zfh = undefined;
    await rename(tmp, opts.zkey);
    say("fast setup: done");
    const hex = Buffer.from(circuitHash).toString("hex");
    return { zkey: opts.zkey, circuitHash: hex, contributionHash, nVars: r.nWires, nPublic: r.nPublic, domainSize: n };
  } finally {
    await zfh?.close();
    await rfh.close();
    await rm(tmp, { force: true });
  }
}

type Hasher = ReturnType<typeof createHash>;

function u32be(x: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, x, false);
  return b;
}

/** Sections 1 (protocol) and 2 (sizes and the verifying key's fixed points); hashes what `zkey new` hashes. */
async function headerSections(
  out: ZkeyWriter,
  cs: Hasher,
  curve: Bn128Curve,
  k: CeremonySecrets & { delta: bigint; nWires: number; nPublic: number; n: number },
): Promise<void> {
  await out.begin(1);
  await out.write(Uint8Array.of(1, 0, 0, 0));
  await out.end();
  await out.begin(2);
  const head = new Uint8Array(4 + 32 + 4 + 32 + 12);
  const hv = new DataView(head.buffer);
  hv.setUint32(0, 32, true);
  head.set(scalarsToBytes([BN254_Q]), 4);
  hv.setUint32(36, 32, true);
  head.set(scalarsToBytes([R]), 40);
  hv.setUint32(72, k.nWires, true);
  hv.setUint32(76, k.nPublic, true);
  hv.setUint32(80, k.n, true);
  await out.write(head);
  await out.write(g1Lem(curve, k.alpha));
  await out.write(g1Lem(curve, k.beta));
  await out.write(pointLem(curve, "G2", k.beta));
  await out.write(pointLem(curve, "G2", 1n)); // gamma
  await out.write(g1Lem(curve, k.delta));
  await out.write(pointLem(curve, "G2", k.delta));
  await out.end();
  // The circuit hash is of the key before any contribution: delta = 1.
  for (const [group, s] of [
    ["G1", k.alpha],
    ["G1", k.beta],
    ["G2", k.beta],
    ["G2", 1n],
    ["G1", 1n],
    ["G2", 1n],
  ] as const)
    cs.update(pointU(curve, group, s));
}

/** Section 4's entries (matrix, row, wire, coefficient * R^2 mod r), written in blocks. */
class CoefficientWriter {
  static readonly BLOCK = 44 * 8192;
  count = 0;
  readonly full: Uint8Array[] = [];
  private block = new Uint8Array(CoefficientWriter.BLOCK);
  private at = 0;
  private readonly entry = new Uint8Array(44);
  private readonly view = new DataView(this.entry.buffer);
  private readonly montgomery = new Map<bigint, Uint8Array>();

  add(matrix: number, row: number, wire: number, c: bigint): void {
    this.view.setUint32(0, matrix, true);
    this.view.setUint32(4, row, true);
    this.view.setUint32(8, wire, true);
    let m = this.montgomery.get(c);
    if (!m) {
      m = scalarsToBytes([(c * R2) % R]);
      if (this.montgomery.size < 1 << 16) this.montgomery.set(c, m);
    }
    this.entry.set(m, 12);
    this.block.set(this.entry, this.at);
    this.at += 44;
    this.count++;
    if (this.at === CoefficientWriter.BLOCK) {
      this.full.push(this.block);
      this.block = new Uint8Array(CoefficientWriter.BLOCK);
      this.at = 0;
    }
  }

  async drain(out: ZkeyWriter, all = false): Promise<void> {
    while (this.full.length > 0) await out.write(this.full.shift()!);
    if (all) {
      await out.write(this.block.subarray(0, this.at));
      this.block = new Uint8Array(CoefficientWriter.BLOCK);
      this.at = 0;
    }
  }
}

interface WireSums {
  u: bigint[];
  v: bigint[];
  w: bigint[];
}

/**
 * Section 4 (the A and B coefficients the prover evaluates), from one pass over the r1cs that
 * also sums each wire's u, v and w.
 */
async function coefficientSection(
  out: ZkeyWriter,
  zfh: FileHandle,
  rfh: FileHandle,
  r: R1csLayout,
  lagrange: bigint[],
  file: string,
  say: (m: string) => void,
): Promise<WireSums> {
  const { nWires, nPublic, nConstraints } = r;
  const sums: WireSums = {
    u: new Array(nWires).fill(0n),
    v: new Array(nWires).fill(0n),
    w: new Array(nWires).fill(0n),
  };
  const matrices = [sums.u, sums.v, sums.w];
  await out.begin(4);
  const countAt = out.pos;
  await out.write(new Uint8Array(4));
  const coefs = new CoefficientWriter();
  const reader = new RegionReader(rfh, r.constraintsOffset, r.constraintsSize);
  for (let c = 0; c < nConstraints; c++) {
    if (c % 20000 === 0 && c > 0) say(`fast setup: constraints ${c}/${nConstraints}`);
    const l = lagrange[c];
    for (let m = 0; m < 3; m++) {
      let at = reader.take(4);
      if (at < 0) at = await reader.need(4);
      const terms = reader.view.getUint32(at, true);
      const acc = matrices[m];
      for (let t = 0; t < terms; t++) {
        let ta = reader.take(36);
        if (ta < 0) ta = await reader.need(36);
        const s = reader.view.getUint32(ta, true);
        const k = readScalar(reader.view, ta + 4);
        if (s >= nWires) throw new Error(`${file}: constraint ${c} names wire ${s} of ${nWires}`);
        acc[s] += k * l; // reduced once, below
        if (m < 2) coefs.add(m, c, s, k);
      }
    }
    await coefs.drain(out);
  }
  // snarkjs's extra rows: public wire s (and the constant wire) in A at row nConstraints + s.
  for (let s = 0; s <= nPublic; s++) {
    sums.u[s] += lagrange[nConstraints + s];
    coefs.add(0, nConstraints + s, s, 1n);
  }
  await coefs.drain(out, true);
  await out.flush();
  const cnt = new Uint8Array(4);
  new DataView(cnt.buffer).setUint32(0, coefs.count, true);
  await zfh.write(cnt, 0, 4, countAt);
  await out.end();
  for (const acc of matrices) for (let s = 0; s < nWires; s++) acc[s] %= R;
  return sums;
}

interface KeyContext {
  curve: Bn128Curve;
  out: ZkeyWriter;
  cs: Hasher;
  say: (m: string) => void;
  secrets: CeremonySecrets;
  delta: bigint;
  info: Awaited<ReturnType<typeof readPtauInfo>>;
  cirPower: number;
  ptau: string;
}

/**
 * Sections 3 (IC), 9 (H), 8 (C), 5 (A), 6 (B1), 7 (B2), in `zkey new`'s order. The circuit hash
 * takes IC, then tau^i (tau^n - 1) G1 in H's place, then C with delta = 1, A, B1, B2.
 */
async function pointSections(k: KeyContext, r: R1csLayout, sums: WireSums, threads?: number): Promise<void> {
  const { tau, alpha, beta } = k.secrets;
  const { nWires, nPublic } = r;
  const { u, v, w } = sums;
  const n = 2 ** k.cirPower;
  const invDelta = invMod(k.delta);
  const nPrivate = nWires - nPublic - 1;
  const combined = (s: number) => (beta * u[s] + alpha * v[s] + w[s]) % R;
  const expected = { G1: nPublic + 1 + n + 2 * nPrivate + 2 * nWires + (n - 1), G2: nWires };
  const pool = await FixedBasePool.create({ threads, expectedPoints: expected });
  try {
    const total = expected.G1 + expected.G2;
    let done = 0;
    const section = async (
      id: number | undefined,
      name: string,
      group: GroupName,
      count: number,
      scalar: (i: number) => bigint,
      hashed: boolean,
    ) => {
      if (id !== undefined) await k.out.begin(id);
      if (hashed) k.cs.update(u32be(count));
      let reported = 0;
      for await (const chunk of points(pool, group, count, scalar)) {
        if (id !== undefined) await k.out.write(chunk);
        if (hashed) k.cs.update(await k.curve[group].batchLEMtoU(chunk));
        done += chunk.length / AFFINE_BYTES[group];
        if (done - reported > total / 20) {
          reported = done;
          k.say(`fast setup: ${name} (${Math.round((100 * done) / total)}%)`);
        }
      }
      if (id !== undefined) await k.out.end();
    };
    await section(3, "IC", "G1", nPublic + 1, combined, true);
    await section(
      undefined,
      "circuit hash of H",
      "G1",
      n - 1,
      powerRange(tau, modR(powMod(tau, BigInt(n)) - 1n)),
      true,
    );
    if (n - 1 > H_HASH_CHUNK) k.cs.update(await extraHashPoint(k.curve, k.ptau, k.info, k.cirPower, tau));
    await section(9, "H", "G1", n, oddLagrange(tau, k.cirPower, k.cirPower === k.info.ceremonyPower, invDelta), false);
    const c = (i: number) => combined(nPublic + 1 + i);
    if (k.delta === 1n) {
      await section(8, "C", "G1", nPrivate, c, true);
    } else {
      await section(undefined, "circuit hash of C", "G1", nPrivate, c, true);
      await section(8, "C", "G1", nPrivate, (i) => (c(i) * invDelta) % R, false);
    }
    await section(5, "A", "G1", nWires, (i) => u[i], true);
    await section(6, "B1", "G1", nWires, (i) => v[i], true);
    await section(7, "B2", "G2", nWires, (i) => v[i], true);
  } finally {
    await pool.close();
  }
}

/** A ceremony file that is not what its beacon says (its points differ from the beacon's secrets). */
export class CeremonyMismatchError extends Error {}

/**
 * Checks two of the ceremony's Lagrange points against the scalars computed here: L_0 of the
 * size-n level and the first point H takes from the size-2n level.
 */
async function checkAgainstCeremony(
  curve: Bn128Curve,
  ptau: string,
  lagrangeOffset: number,
  at: { n: number; l0: bigint; h0: bigint },
): Promise<void> {
  const fh = await open(ptau, "r");
  try {
    for (const [index, s, what] of [
      [at.n - 1, at.l0, "L_0"],
      [2 * at.n - 1 + 1, at.h0, "the first H point"],
    ] as const) {
      const buf = new Uint8Array(64);
      await fh.read(buf, 0, 64, lagrangeOffset + index * 64);
      if (Buffer.compare(buf, g1Lem(curve, s)) !== 0)
        throw new CeremonyMismatchError(`${ptau}: ${what} differs from the value its beacon implies`);
    }
  } finally {
    await fh.close();
  }
}

/** snarkjs `zkey new` hashes H's stand-in points in chunks of this many. */
const H_HASH_CHUNK = 1 << 14;

/**
 * The point snarkjs's circuit hash takes after the n - 1 of H when n - 1 > 2^14: its chunked loop
 * always reads 2^14 points, so it hashes one more, tauG1[2n - 1] - tauG1[n - 1] from section 2.
 * When the ceremony's power is the circuit's, section 2 ends at 2n - 2 and the first "point" is the
 * 64 bytes that follow it (section 3's header and the start of tauG2[0]); the same curve
 * arithmetic on those bytes gives the same hash.
 */
async function extraHashPoint(
  curve: Bn128Curve,
  ptau: string,
  info: Awaited<ReturnType<typeof readPtauInfo>>,
  cirPower: number,
  tau: bigint,
): Promise<Uint8Array> {
  const n = 2 ** cirPower;
  const fh = await open(ptau, "r");
  const a = new Uint8Array(64);
  const b = new Uint8Array(64);
  try {
    const start = info.sections.get(PtauSection.tauG1)!.offset;
    await fh.read(a, 0, 64, start + (2 * n - 1) * 64);
    await fh.read(b, 0, 64, start + (n - 1) * 64);
  } finally {
    await fh.close();
  }
  if (cirPower < info.power)
    return pointU(curve, "G1", ((powMod(tau, BigInt(n)) - 1n) * powMod(tau, BigInt(n - 1))) % R);
  const G1 = curve.G1 as unknown as {
    sub(x: Uint8Array, y: Uint8Array): Uint8Array;
    toAffine(p: Uint8Array): Uint8Array;
    batchLEMtoU(p: Uint8Array): Promise<Uint8Array>;
  };
  return G1.batchLEMtoU(G1.toAffine(G1.sub(a, b)));
}

/** i -> m * tau^i, computed in blocks as the pool asks for consecutive indices. */
function powerRange(tau: bigint, m: bigint): (i: number) => bigint {
  let at = -1;
  let value = 0n;
  return (i) => {
    if (i === at + 1 && at >= 0) value = (value * tau) % R;
    else value = (m * powMod(tau, BigInt(i))) % R;
    at = i;
    return value;
  };
}

/**
 * i -> L'_(2i+1)(tau) * scale over the size-2^(p+1) domain: the odd Lagrange points snarkjs copies
 * into H. When the ceremony's power is p, that level of `prepare phase2` lacks its top power.
 */
function oddLagrange(tau: bigint, p: number, withoutTopPower: boolean, scale: bigint): (i: number) => bigint {
  const block = 1 << 14;
  let first = -1;
  let values: bigint[] = [];
  return (i) => {
    if (first < 0 || i < first || i >= first + values.length) {
      first = i - (i % block);
      const all = lagrangeScalars(tau, {
        p: p + 1,
        start: 2 * first,
        count: 2 * block,
        multiplier: scale,
        withoutTopPower,
      });
      values = all.filter((_, k) => k % 2 === 1);
    }
    return values[i - first];
  };
}

/** The contribution record (section 10 after the hash and count) and its hash, as snarkjs writes them. */
function contribution(
  curve: Bn128Curve,
  circuitHash: Uint8Array,
  delta: bigint,
  name: string,
): { record: Uint8Array; hash: string } {
  const k = randomScalar();
  const g1s = g1Lem(curve, k);
  const g1sx = g1Lem(curve, (k * delta) % R);
  const transcript = new Uint8Array(
    createHash("blake2b512")
      .update(circuitHash)
      .update(pointU(curve, "G1", k))
      .update(pointU(curve, "G1", (k * delta) % R))
      .digest(),
  );
  const G2 = curve.G2;
  const sp = hashToG2(curve, transcript);
  const spx = G2.toAffine(G2.timesFr(sp, curve.Fr.e(delta)));
  const spxLem = new Uint8Array(128);
  G2.toRprLEM(spxLem, 0, spx);
  const spxU = new Uint8Array(128);
  G2.toRprUncompressed(spxU, 0, spx);
  const nameBytes = new TextEncoder().encode(name.slice(0, 64));
  const params = Uint8Array.of(1, nameBytes.length, ...nameBytes);
  const tail = new Uint8Array(8);
  new DataView(tail.buffer).setUint32(0, 0, true); // type 0: a secret contribution
  new DataView(tail.buffer).setUint32(4, params.length, true);
  const record = Buffer.concat([
    Uint8Array.of(1, 0, 0, 0),
    g1Lem(curve, delta),
    g1s,
    g1sx,
    spxLem,
    transcript,
    tail,
    params,
  ]);
  const hash = createHash("blake2b512")
    .update(pointU(curve, "G1", delta))
    .update(pointU(curve, "G1", k))
    .update(pointU(curve, "G1", (k * delta) % R))
    .update(spxU)
    .update(transcript)
    .digest("hex");
  return { record: new Uint8Array(record), hash };
}
