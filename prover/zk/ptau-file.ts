// The .ptau container (snarkjs / iden3 "binfile"), BN254 only.
//
//   "ptau" | u32 version (1) | u32 number of sections | sections...
//   section: u32 id | u64 byte length | body
//
//   1  header: u32 n8 (32) | q (32 bytes LE) | u32 power | u32 ceremonyPower
//   2  tauG1        (2^(power+1) - 1) G1 points   tau^i * G1
//   3  tauG2         2^power G2 points           tau^i * G2
//   4  alphaTauG1    2^power G1 points           alpha * tau^i * G1
//   5  betaTauG1     2^power G1 points           beta * tau^i * G1
//   6  betaG2        1 G2 point                  beta * G2
//   7  contributions
//   12..15 (written by `prepare phase2`): Lagrange-basis versions of 2..5 for every domain
//      2^0 .. 2^power, and for tauG1 also 2^(power+1).
// Points are affine, little-endian Montgomery ("LEM"): G1 64 bytes, G2 128 bytes. All integers
// little-endian.
import { open } from "node:fs/promises";
import { PtauFileError, PtauNotPreparedError, PtauTooSmallError } from "./ptau-errors.js";

/** BN254 base field modulus q (the header records it to name the curve). */
export const BN254_Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;

export const PTAU_MAGIC = "ptau";
export const PTAU_VERSION = 1;
export const G1_BYTES = 64;
export const G2_BYTES = 128;
/** Largest power a BN254 ceremony can have (two-adicity of the scalar field). */
export const PTAU_MAX_POWER = 28;

export const PtauSection = {
  header: 1,
  tauG1: 2,
  tauG2: 3,
  alphaTauG1: 4,
  betaTauG1: 5,
  betaG2: 6,
  contributions: 7,
  lagrangeTauG1: 12,
  lagrangeTauG2: 13,
  lagrangeAlphaTauG1: 14,
  lagrangeBetaTauG1: 15,
} as const;

/** Number of points of each point section of a prepared file of the given power. */
export function ptauSectionPoints(power: number): Record<2 | 3 | 4 | 5 | 6 | 12 | 13 | 14 | 15, number> {
  const n = 2 ** power;
  return {
    2: 2 * n - 1,
    3: n,
    4: n,
    5: n,
    6: 1,
    12: 4 * n - 1, // domains 2^0 .. 2^(power+1)
    13: 2 * n - 1, // domains 2^0 .. 2^power
    14: 2 * n - 1,
    15: 2 * n - 1,
  };
}

export function sectionPointBytes(section: number): number {
  return section === 3 || section === 6 || section === 13 ? G2_BYTES : G1_BYTES;
}

/** u32 id + u64 length. */
export function sectionHeader(id: number, byteLength: number): Uint8Array {
  const out = new Uint8Array(12);
  const view = new DataView(out.buffer);
  view.setUint32(0, id, true);
  view.setBigUint64(4, BigInt(byteLength), true);
  return out;
}

/** Magic, version and section count. */
export function fileHeader(sectionCount: number): Uint8Array {
  const out = new Uint8Array(12);
  out.set(new TextEncoder().encode(PTAU_MAGIC), 0);
  const view = new DataView(out.buffer);
  view.setUint32(4, PTAU_VERSION, true);
  view.setUint32(8, sectionCount, true);
  return out;
}

/** Body of section 1. */
export function headerSectionBody(power: number, ceremonyPower = power): Uint8Array {
  const out = new Uint8Array(4 + 32 + 4 + 4);
  const view = new DataView(out.buffer);
  view.setUint32(0, 32, true);
  let q = BN254_Q;
  for (let i = 0; i < 32; i++) {
    out[4 + i] = Number(q & 0xffn);
    q >>= 8n;
  }
  view.setUint32(36, power, true);
  view.setUint32(40, ceremonyPower, true);
  return out;
}

export interface PtauSectionLocation {
  /** Byte offset of the section body in the file. */
  offset: number;
  size: number;
}

export interface PtauInfo {
  path: string;
  power: number;
  /** Power of the original ceremony (larger than `power` for a truncated file). */
  ceremonyPower: number;
  sections: Map<number, PtauSectionLocation>;
  /** Has the phase-2 Lagrange sections 12..15 with the sizes its power implies. */
  prepared: boolean;
  fileSize: number;
}

/** Reads and checks the section table and header of a .ptau file (not the points). */
export async function readPtauInfo(path: string): Promise<PtauInfo> {
  let fh;
  try {
    fh = await open(path, "r");
  } catch (err) {
    throw new PtauFileError(path, `cannot open: ${(err as Error).message}`);
  }
  try {
    const fileSize = (await fh.stat()).size;
    const read = async (position: number, length: number): Promise<DataView> => {
      if (position + length > fileSize) throw new PtauFileError(path, `truncated at byte ${fileSize}`);
      const buf = new Uint8Array(length);
      await fh!.read(buf, 0, length, position);
      return new DataView(buf.buffer);
    };
    const head = await read(0, 12);
    const magic = new TextDecoder().decode(new Uint8Array(head.buffer, 0, 4));
    if (magic !== PTAU_MAGIC) throw new PtauFileError(path, `not a .ptau file (magic "${magic}")`);
    const version = head.getUint32(4, true);
    if (version !== PTAU_VERSION) throw new PtauFileError(path, `unsupported .ptau version ${version}`);
    const count = head.getUint32(8, true);

    const sections = new Map<number, PtauSectionLocation>();
    let pos = 12;
    for (let i = 0; i < count; i++) {
      const h = await read(pos, 12);
      const id = h.getUint32(0, true);
      const size = Number(h.getBigUint64(4, true));
      if (sections.has(id)) throw new PtauFileError(path, `section ${id} appears twice`);
      if (pos + 12 + size > fileSize) throw new PtauFileError(path, `section ${id} runs past the end of the file`);
      sections.set(id, { offset: pos + 12, size });
      pos += 12 + size;
    }

    const header = sections.get(PtauSection.header);
    if (!header || header.size !== 44) throw new PtauFileError(path, "missing or malformed header section");
    const body = await read(header.offset, 44);
    const n8 = body.getUint32(0, true);
    let q = 0n;
    for (let i = 31; i >= 0; i--) q = (q << 8n) | BigInt(body.getUint8(4 + i));
    if (n8 !== 32 || q !== BN254_Q) throw new PtauFileError(path, "not a BN254 (bn128) ceremony");
    const power = body.getUint32(36, true);
    const ceremonyPower = body.getUint32(40, true);
    if (power < 1 || power > PTAU_MAX_POWER) throw new PtauFileError(path, `power ${power} out of range`);

    const points = ptauSectionPoints(power);
    for (const id of [2, 3, 4, 5, 6] as const) {
      const s = sections.get(id);
      if (!s || s.size !== points[id] * sectionPointBytes(id)) {
        throw new PtauFileError(path, `section ${id} missing or not sized for power ${power}`);
      }
    }
    const prepared = ([12, 13, 14, 15] as const).every((id) => {
      const s = sections.get(id);
      return s !== undefined && s.size === points[id] * sectionPointBytes(id);
    });
    return { path, power, ceremonyPower, sections, prepared, fileSize };
  } finally {
    await fh.close();
  }
}

/**
 * Checks that a user-supplied ceremony file can serve a circuit needing 2^minPower points:
 * a BN254 .ptau of power >= minPower with the phase-2 sections. Returns what it read.
 */
export async function checkPtauFile(path: string, minPower: number): Promise<PtauInfo> {
  const info = await readPtauInfo(path);
  if (info.power < minPower) throw new PtauTooSmallError(path, info.power, minPower);
  if (!info.prepared) throw new PtauNotPreparedError(path, info.power);
  return info;
}
