// A development powers-of-tau ceremony for snarkjs Groth16, computed directly from its secret.
//
// UNSAFE FOR PRODUCTION. The ceremony has a single contribution, a `powersoftau beacon` from
// a public beacon value, so anyone can recompute tau, alpha and beta from the file itself and
// forge proofs for every circuit set up with it. It exists so that development and tests need
// neither a download nor the ~25 minutes `snarkjs powersoftau new/contribute/beacon/prepare
// phase2` take for 2^16 on two cores. Use a real ceremony file (resolvePtau({ ptau })) for
// anything that matters.
//
// The file is exactly what the snarkjs path produces for the same beacon:
//   powersoftau new <power>; powersoftau beacon <hash> <iterationsExp>; powersoftau prepare phase2
// (byte for byte with snarkjs 0.7.6: same points, same contribution record and transcript
// hashes; checked at 2^4 in the tests and at 2^9 and 2^14 by hand), so `snarkjs powersoftau
// verify` and `zkey new` accept it. Because the secret is known, every
// point is s * G for a scalar s computed in the field (powers of tau, and Lagrange basis values
// L_j(tau) instead of prepare phase2's point FFTs), and the scalar multiplications run on a pool
// of worker threads with precomputed fixed-base tables. Sections are streamed to disk in
// chunks, so memory stays flat whatever the power (2^16: ~17 s, ~320 MB peak RSS on two cores;
// see bench/ptau.ts).
import { createHash, randomBytes } from "node:crypto";
import { type FileHandle, mkdir, open, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { type Bn128Curve, type CurveGroup, singleThreadBn128 } from "./bn128-curve.js";
import { FixedBasePool, MAX_BATCH, type GroupName } from "./fixed-base-pool.js";
import { BEACON_MIN_ITERATIONS_EXP, beaconKey, beaconSecrets, type BeaconKey } from "./ptau-beacon-key.js";
import {
  contributionsSectionBody,
  createResponseHasher,
  firstChallengeHash,
  type NobleBlake2b,
  partialHashBytes,
  publicKeyBytes,
  SectionHashFeeder,
} from "./ptau-contribution.js";
import { PtauPowerError } from "./ptau-errors.js";
import {
  fileHeader,
  G1_BYTES,
  headerSectionBody,
  ptauSectionPoints,
  sectionHeader,
  sectionPointBytes,
  PtauSection,
} from "./ptau-file.js";
import { lagrangeScalars, powerScalars, scalarsToBytes } from "./ptau-scalars.js";

/** Default text whose SHA-256 is the beacon value. */
export const DEV_PTAU_DEFAULT_SEED = "assay development powers of tau v1";
/** Contribution name written into every development ceremony. */
export const DEV_PTAU_CONTRIBUTION_NAME = "assay dev ptau UNSAFE FOR PRODUCTION: secret derivable";
/** Default beacon iteration exponent (2^10 SHA-256 rounds, the minimum snarkjs allows). */
export const DEV_PTAU_DEFAULT_ITERATIONS_EXP = BEACON_MIN_ITERATIONS_EXP;
export const DEV_PTAU_MIN_POWER = 1;
/** The extra 2^(power+1) tauG1 level must stay within the 2^28 two-adic domain. */
export const DEV_PTAU_MAX_POWER = 27;

export interface DevPtauProgress {
  /** Section being written: tauG1, tauG2, alphaTauG1, betaTauG1, betaG2, contributions, lagrange*. */
  stage: string;
  /** Points written so far, over all sections, and in total. */
  done: number;
  total: number;
}

export interface DevPtauOptions {
  /** The ceremony supports circuits with up to 2^power constraints (plus public inputs). */
  power: number;
  outFile: string;
  /** Beacon value as hex (what `snarkjs powersoftau beacon` takes). Default: SHA-256 of `seed`. */
  beacon?: string;
  /** Text hashed (SHA-256) into the beacon value when `beacon` is not given. */
  seed?: string;
  /** The beacon is hashed 2^numIterationsExp times (default 10). */
  numIterationsExp?: number;
  /** Contribution name, at most 64 ASCII characters. Default DEV_PTAU_CONTRIBUTION_NAME. */
  name?: string;
  /** Worker threads (default: available parallelism). */
  threads?: number;
  /** Points per worker job, 1..MAX_BATCH (default MAX_BATCH). */
  batch?: number;
  onProgress?: (progress: DevPtauProgress) => void;
}

export interface DevPtauResult {
  path: string;
  power: number;
  /** Hex beacon value: with numIterationsExp, it determines the secret. */
  beacon: string;
  numIterationsExp: number;
  /** The contribution's next-challenge hash (hex), what `powersoftau verify` recomputes. */
  challengeHash: string;
  bytes: number;
}

/** The beacon value (bytes) for the given options. */
export function devPtauBeacon(options: { beacon?: string; seed?: string }): Uint8Array {
  if (options.beacon !== undefined) {
    const hex = options.beacon.startsWith("0x") ? options.beacon.slice(2) : options.beacon;
    if (hex.length === 0 || hex.length % 2 !== 0 || hex.length > 510 || !/^[0-9a-fA-F]+$/.test(hex)) {
      throw new RangeError(`beacon must be 1..255 bytes of hex, got "${options.beacon}"`);
    }
    return Uint8Array.from(Buffer.from(hex, "hex"));
  }
  return new Uint8Array(
    createHash("sha256")
      .update(options.seed ?? DEV_PTAU_DEFAULT_SEED)
      .digest(),
  );
}

/**
 * The secrets of a development ceremony: anyone holding the (public) beacon gets them.
 * Exposed for tests and to make the point: never use such a ceremony in production.
 */
export async function devPtauSecrets(
  options: { beacon?: string; seed?: string; numIterationsExp?: number } = {},
): Promise<{ tau: bigint; alpha: bigint; beta: bigint }> {
  const curve = await singleThreadBn128();
  return beaconSecrets(curve, devPtauBeacon(options), options.numIterationsExp ?? DEV_PTAU_DEFAULT_ITERATIONS_EXP);
}

type PointSection = 2 | 3 | 4 | 5 | 6 | 12 | 13 | 14 | 15;

const STAGE: Record<PointSection, string> = {
  2: "tauG1",
  3: "tauG2",
  4: "alphaTauG1",
  5: "betaTauG1",
  6: "betaG2",
  12: "lagrangeTauG1",
  13: "lagrangeTauG2",
  14: "lagrangeAlphaTauG1",
  15: "lagrangeBetaTauG1",
};

interface Chunk {
  group: GroupName;
  scalars: () => bigint[];
}

function* powerChunks(
  group: GroupName,
  tau: bigint,
  multiplier: bigint,
  count: number,
  batch: number,
): Generator<Chunk> {
  for (let start = 0; start < count; start += batch) {
    const n = Math.min(batch, count - start);
    yield { group, scalars: () => powerScalars(tau, multiplier, start, n) };
  }
}

/** Levels 2^0 .. 2^topLevel; the level 2^(power+1) (tauG1 only) lacks the top power. */
function* lagrangeChunks(
  group: GroupName,
  tau: bigint,
  multiplier: bigint,
  topLevel: number,
  power: number,
  batch: number,
): Generator<Chunk> {
  for (let p = 0; p <= topLevel; p++) {
    const size = 2 ** p;
    const withoutTopPower = p === power + 1;
    for (let start = 0; start < size; start += batch) {
      const n = Math.min(batch, size - start);
      yield { group, scalars: () => lagrangeScalars(tau, { p, start, count: n, multiplier, withoutTopPower }) };
    }
  }
}

/** The scalars of one section, in file order, cut into jobs of at most `batch` points. */
function sectionChunks(
  section: PointSection,
  power: number,
  secrets: { tau: bigint; alpha: bigint; beta: bigint },
  batch: number,
): Generator<Chunk> {
  const { tau, alpha, beta } = secrets;
  const group = sectionGroup(section);
  const count = ptauSectionPoints(power)[section];
  switch (section) {
    case 2:
    case 3:
      return powerChunks(group, tau, 1n, count, batch);
    case 4:
      return powerChunks(group, tau, alpha, count, batch);
    case 5:
    case 6:
      return powerChunks(group, tau, beta, count, batch);
    case 12:
      return lagrangeChunks(group, tau, 1n, power + 1, power, batch);
    case 13:
      return lagrangeChunks(group, tau, 1n, power, power, batch);
    case 14:
      return lagrangeChunks(group, tau, alpha, power, power, batch);
    case 15:
      return lagrangeChunks(group, tau, beta, power, power, batch);
  }
}

function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex");
}

const HASHED_SECTIONS = [2, 3, 4, 5, 6] as const;
const LAGRANGE_SECTIONS = [12, 13, 14, 15] as const;
const POINT_SECTIONS: readonly PointSection[] = [...HASHED_SECTIONS, ...LAGRANGE_SECTIONS];

/** The options checked, with their defaults. */
interface DevPtauPlan {
  power: number;
  outFile: string;
  batch: number;
  numIterationsExp: number;
  beacon: Uint8Array;
  name: string;
}

function planDevPtau(options: DevPtauOptions): DevPtauPlan {
  const { power, outFile } = options;
  if (!Number.isInteger(power) || power < DEV_PTAU_MIN_POWER || power > DEV_PTAU_MAX_POWER) {
    throw new PtauPowerError(power, DEV_PTAU_MIN_POWER, DEV_PTAU_MAX_POWER);
  }
  const batch = options.batch ?? MAX_BATCH;
  if (!Number.isInteger(batch) || batch < 1 || batch > MAX_BATCH)
    throw new RangeError(`batch ${batch} outside 1..${MAX_BATCH}`);
  const numIterationsExp = options.numIterationsExp ?? DEV_PTAU_DEFAULT_ITERATIONS_EXP;
  const beacon = devPtauBeacon(options);
  const name = options.name ?? DEV_PTAU_CONTRIBUTION_NAME;
  return { power, outFile, batch, numIterationsExp, beacon, name };
}

function sectionGroup(section: PointSection): GroupName {
  return sectionPointBytes(section) === G1_BYTES ? "G1" : "G2";
}

function curveGroup(curve: Bn128Curve, section: PointSection): CurveGroup {
  return curve[sectionGroup(section)];
}

/** Points per group over all sections (sizes the workers' tables). */
function expectedPoints(power: number): Record<GroupName, number> {
  const points = ptauSectionPoints(power);
  const expected: Record<GroupName, number> = { G1: 0, G2: 0 };
  for (const s of POINT_SECTIONS) expected[sectionGroup(s)] += points[s];
  return expected;
}

/**
 * Streams a .ptau into an open file, section after section, the points of each computed on the
 * worker pool; remembers where each section starts so that points can be read back.
 */
class DevPtauWriter {
  private pos = 0;
  private done = 0;
  private readonly total: number;
  private readonly points: Record<PointSection, number>;
  private readonly sectionOffsets = new Map<PointSection, number>();

  constructor(
    private readonly fh: FileHandle,
    private readonly pool: FixedBasePool,
    private readonly plan: DevPtauPlan,
    private readonly secrets: { tau: bigint; alpha: bigint; beta: bigint },
    private readonly onProgress?: (progress: DevPtauProgress) => void,
  ) {
    this.points = ptauSectionPoints(plan.power);
    this.total = POINT_SECTIONS.reduce((n, s) => n + this.points[s], 0);
  }

  get bytesWritten(): number {
    return this.pos;
  }

  async write(bytes: Uint8Array): Promise<void> {
    let off = 0;
    while (off < bytes.byteLength) {
      const { bytesWritten } = await this.fh.write(bytes, off, bytes.byteLength - off, this.pos + off);
      off += bytesWritten;
    }
    this.pos += bytes.byteLength;
  }

  progress(stage: string): void {
    this.onProgress?.({ stage, done: this.done, total: this.total });
  }

  /** Writes one section's points in order, handing each chunk to `onChunk` once written. */
  async writeSection(section: PointSection, onChunk?: (pts: Uint8Array) => Promise<void>): Promise<void> {
    const pointBytes = sectionPointBytes(section);
    await this.write(sectionHeader(section, this.points[section] * pointBytes));
    this.sectionOffsets.set(section, this.pos);
    // Keep a few jobs queued per worker, write results in order.
    const maxInFlight = 2 * this.pool.threads + 1;
    const inFlight: Promise<Uint8Array>[] = [];
    const drain = async (): Promise<void> => {
      const pts = await inFlight.shift()!;
      await this.write(pts);
      if (onChunk) await onChunk(pts);
      this.done += pts.byteLength / pointBytes;
      this.progress(STAGE[section]);
    };
    for (const chunk of sectionChunks(section, this.plan.power, this.secrets, this.plan.batch)) {
      const job = this.pool.multiply(chunk.group, scalarsToBytes(chunk.scalars()));
      job.catch(() => undefined); // observed by drain(); avoids unhandled rejections after a failure
      inFlight.push(job);
      if (inFlight.length >= maxInFlight) await drain();
    }
    while (inFlight.length > 0) await drain();
  }

  /** Points `start .. start + count - 1` of a written section, read back from the file. */
  async readPoints(section: PointSection, start: number, count: number): Promise<Uint8Array> {
    const pointBytes = sectionPointBytes(section);
    const buf = new Uint8Array(count * pointBytes);
    await this.fh.read(buf, 0, buf.byteLength, this.sectionOffsets.get(section)! + start * pointBytes);
    return buf;
  }

  sectionPoints(section: PointSection): number {
    return this.points[section];
  }
}

/** Sections 2..6, hashing their compressed form into the response as they stream out. */
async function writeHashedSections(writer: DevPtauWriter, curve: Bn128Curve, hasher: NobleBlake2b): Promise<void> {
  for (const section of HASHED_SECTIONS) {
    const G = curveGroup(curve, section);
    const feeder = new SectionHashFeeder(hasher, sectionPointBytes(section));
    await writer.writeSection(section, async (pts) => feeder.push(await G.batchLEMtoC(pts)));
    feeder.flush();
  }
}

/** Next challenge: the response, then sections 2..6 uncompressed (read back from disk). */
async function nextChallengeHash(
  writer: DevPtauWriter,
  curve: Bn128Curve,
  responseHash: Uint8Array,
): Promise<Uint8Array> {
  const next = createHash("blake2b512").update(responseHash);
  const chunkPoints = 16384;
  for (const section of HASHED_SECTIONS) {
    const G = curveGroup(curve, section);
    const count = writer.sectionPoints(section);
    for (let i = 0; i < count; i += chunkPoints) {
      next.update(await G.batchLEMtoU(await writer.readPoints(section, i, Math.min(chunkPoints, count - i))));
    }
  }
  return new Uint8Array(next.digest());
}

/** Section 7: the beacon contribution, with the first points of sections 2..6 read back. */
async function writeContribution(
  writer: DevPtauWriter,
  plan: DevPtauPlan,
  publicKeyLem: Uint8Array,
  hashes: { partialHash: Uint8Array; nextChallenge: Uint8Array },
): Promise<void> {
  const contributions = contributionsSectionBody({
    tauG1: await writer.readPoints(2, 1, 1),
    tauG2: await writer.readPoints(3, 1, 1),
    alphaG1: await writer.readPoints(4, 0, 1),
    betaG1: await writer.readPoints(5, 0, 1),
    betaG2: await writer.readPoints(6, 0, 1),
    publicKeyLem,
    ...hashes,
    name: plan.name,
    numIterationsExp: plan.numIterationsExp,
    beaconHash: plan.beacon,
  });
  await writer.write(sectionHeader(PtauSection.contributions, contributions.byteLength));
  await writer.write(contributions);
  writer.progress("contributions");
}

/** All eleven sections in file order; returns the contribution's next-challenge hash. */
async function writeCeremony(
  writer: DevPtauWriter,
  curve: Bn128Curve,
  plan: DevPtauPlan,
  ceremony: { challenge: Uint8Array; key: BeaconKey },
): Promise<Uint8Array> {
  await writer.write(fileHeader(11));
  await writer.write(sectionHeader(PtauSection.header, 44));
  await writer.write(headerSectionBody(plan.power));

  const responseHasher = createResponseHasher();
  responseHasher.update(ceremony.challenge);
  await writeHashedSections(writer, curve, responseHasher);
  const partialHash = partialHashBytes(responseHasher);
  responseHasher.update(publicKeyBytes(curve, ceremony.key, "uncompressed"));
  const nextChallenge = await nextChallengeHash(writer, curve, responseHasher.digest());

  await writeContribution(writer, plan, publicKeyBytes(curve, ceremony.key, "lem"), { partialHash, nextChallenge });
  for (const section of LAGRANGE_SECTIONS) await writer.writeSection(section);
  return nextChallenge;
}

/**
 * Writes a prepared (phase-2 ready) development .ptau of the given power to `outFile`
 * (atomically: a temporary file in the same directory, then a rename).
 * UNSAFE FOR PRODUCTION: the secret is derivable from the file.
 */
export async function generateDevPtau(options: DevPtauOptions): Promise<DevPtauResult> {
  const plan = planDevPtau(options);
  const { power, outFile, numIterationsExp } = plan;
  const curve = await singleThreadBn128();
  const challenge = firstChallengeHash(curve, power);
  const key: BeaconKey = beaconKey(curve, challenge, plan.beacon, numIterationsExp);
  const secrets = { tau: key.tau.secret, alpha: key.alpha.secret, beta: key.beta.secret };

  await mkdir(dirname(outFile), { recursive: true });
  const tmpFile = `${outFile}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  const fh = await open(tmpFile, "w+");
  let pool: FixedBasePool | undefined;
  try {
    pool = await FixedBasePool.create({ threads: options.threads, expectedPoints: expectedPoints(power) });
    const writer = new DevPtauWriter(fh, pool, plan, secrets, options.onProgress);
    const nextChallenge = await writeCeremony(writer, curve, plan, { challenge, key });
    await fh.sync();
    await fh.close();
    await rename(tmpFile, outFile);
    return {
      path: outFile,
      power,
      beacon: toHex(plan.beacon),
      numIterationsExp,
      challengeHash: toHex(nextChallenge),
      bytes: writer.bytesWritten,
    };
  } catch (err) {
    await fh.close().catch(() => undefined);
    await rm(tmpFile, { force: true });
    throw err;
  } finally {
    await pool?.close();
  }
}
