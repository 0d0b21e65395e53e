// Reader for the iden3 .r1cs binary format (version 1), as written by circom 2.
//
//   "r1cs" | u32 version | u32 nSections | sections: (u32 type, u64 size, bytes)
//   header (type 1):      u32 n8 | prime (n8 bytes LE) | u32 nWires | u32 nPubOut | u32 nPubIn
//                         | u32 nPrvIn | u64 nLabels | u32 nConstraints
//   constraints (type 2): per constraint, three linear combinations A, B, C, each
//                         u32 nTerms | nTerms x (u32 wire | coefficient, n8 bytes LE)
//
// Witness layout (wire order): 1, public outputs, public inputs, private inputs, internal wires.
import { open, readFile } from "node:fs/promises";

export class R1csFormatError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: not a readable r1cs file (${problem})`);
    this.name = "R1csFormatError";
  }
}

export interface R1csHeader {
  prime: bigint;
  /** Field element size in bytes (32 for BN254). */
  n8: number;
  /** Witness length, including the constant wire 0. */
  nWires: number;
  nPubOut: number;
  nPubIn: number;
  nPrvIn: number;
  nLabels: bigint;
  nConstraints: number;
}

/** A linear combination: parallel arrays of wire ids and coefficients (canonical, < prime). */
export interface LinearCombination {
  wires: Uint32Array;
  coeffs: bigint[];
}

export interface R1csConstraint {
  a: LinearCombination;
  b: LinearCombination;
  c: LinearCombination;
}

export interface R1cs extends R1csHeader {
  constraints: R1csConstraint[];
}

const HEADER_SECTION = 1;
const CONSTRAINTS_SECTION = 2;

interface SectionMap {
  view: DataView;
  bytes: Uint8Array;
  sections: Map<number, { offset: number; size: number }>;
}

function sectionsOf(bytes: Uint8Array, file: string): SectionMap {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 12) throw new R1csFormatError(file, "too short");
  const magic = String.fromCharCode(bytes[0], bytes[1], bytes[2], bytes[3]);
  if (magic !== "r1cs") throw new R1csFormatError(file, `magic ${JSON.stringify(magic)}`);
  const version = view.getUint32(4, true);
  if (version !== 1) throw new R1csFormatError(file, `version ${version}`);
  const nSections = view.getUint32(8, true);
  const sections = new Map<number, { offset: number; size: number }>();
  let p = 12;
  for (let i = 0; i < nSections; i++) {
    if (p + 12 > bytes.byteLength) throw new R1csFormatError(file, "truncated section table");
    const type = view.getUint32(p, true);
    const size = Number(view.getBigUint64(p + 4, true));
    p += 12;
    if (p + size > bytes.byteLength) throw new R1csFormatError(file, `section ${type} overruns the file`);
    if (!sections.has(type)) sections.set(type, { offset: p, size });
    p += size;
  }
  return { view, bytes, sections };
}

function readLE(bytes: Uint8Array, offset: number, n8: number): bigint {
  let v = 0n;
  for (let i = n8 - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[offset + i]);
  return v;
}

function parseHeader(m: SectionMap, file: string): R1csHeader {
  const s = m.sections.get(HEADER_SECTION);
  if (!s) throw new R1csFormatError(file, "no header section");
  const { view, bytes } = m;
  let p = s.offset;
  const n8 = view.getUint32(p, true);
  p += 4;
  const prime = readLE(bytes, p, n8);
  p += n8;
  const nWires = view.getUint32(p, true);
  const nPubOut = view.getUint32(p + 4, true);
  const nPubIn = view.getUint32(p + 8, true);
  const nPrvIn = view.getUint32(p + 12, true);
  const nLabels = view.getBigUint64(p + 16, true);
  const nConstraints = view.getUint32(p + 24, true);
  return { prime, n8, nWires, nPubOut, nPubIn, nPrvIn, nLabels, nConstraints };
}

/** Parses an r1cs file held in memory. */
export function parseR1cs(bytes: Uint8Array, file = "<memory>"): R1cs {
  const m = sectionsOf(bytes, file);
  const header = parseHeader(m, file);
  const s = m.sections.get(CONSTRAINTS_SECTION);
  if (!s) throw new R1csFormatError(file, "no constraints section");
  const { view } = m;
  const { n8 } = header;
  let p = s.offset;
  const end = s.offset + s.size;
  const readLc = (): LinearCombination => {
    const n = view.getUint32(p, true);
    p += 4;
    if (p + n * (4 + n8) > end) throw new R1csFormatError(file, "truncated constraint");
    const wires = new Uint32Array(n);
    const coeffs = new Array<bigint>(n);
    for (let i = 0; i < n; i++) {
      wires[i] = view.getUint32(p, true);
      coeffs[i] = readLE(bytes, p + 4, n8);
      p += 4 + n8;
    }
    return { wires, coeffs };
  };
  const constraints: R1csConstraint[] = new Array(header.nConstraints);
  for (let i = 0; i < header.nConstraints; i++) {
    const a = readLc();
    const b = readLc();
    const c = readLc();
    constraints[i] = { a, b, c };
  }
  if (p !== end) throw new R1csFormatError(file, `constraints section has ${end - p} trailing bytes`);
  return { ...header, constraints };
}

/** Reads and parses an r1cs file. */
export async function readR1cs(path: string): Promise<R1cs> {
  return parseR1cs(new Uint8Array(await readFile(path)), path);
}

/** The header and where the constraints section lies in the file (for streaming readers). */
export interface R1csLayout extends R1csHeader {
  constraints: { offset: number; size: number };
}

/**
 * Reads the header and the section table without loading the file (the constraints of a large
 * model run to gigabytes): the section headers and the header section only.
 */
export async function readR1csLayout(path: string): Promise<R1csLayout> {
  const fh = await open(path, "r");
  try {
    const fileSize = (await fh.stat()).size;
    const read = async (pos: number, n: number): Promise<Uint8Array> => {
      if (pos + n > fileSize) throw new R1csFormatError(path, "truncated section table");
      const buf = new Uint8Array(n);
      await fh.read(buf, 0, n, pos);
      return buf;
    };
    const head = await read(0, 12);
    const view = new DataView(head.buffer);
    const magic = String.fromCharCode(...head.subarray(0, 4));
    if (magic !== "r1cs") throw new R1csFormatError(path, `magic ${JSON.stringify(magic)}`);
    if (view.getUint32(4, true) !== 1) throw new R1csFormatError(path, `version ${view.getUint32(4, true)}`);
    const sections = new Map<number, { offset: number; size: number }>();
    let p = 12;
    for (let i = view.getUint32(8, true); i > 0; i--) {
      const h = new DataView((await read(p, 12)).buffer);
      const type = h.getUint32(0, true);
      const size = Number(h.getBigUint64(4, true));
      p += 12;
      if (p + size > fileSize) throw new R1csFormatError(path, `section ${type} overruns the file`);
      if (!sections.has(type)) sections.set(type, { offset: p, size });
      p += size;
    }
    const hs = sections.get(HEADER_SECTION);
    const constraints = sections.get(CONSTRAINTS_SECTION);
    if (!hs) throw new R1csFormatError(path, "no header section");
    if (!constraints) throw new R1csFormatError(path, "no constraints section");
    const bytes = await read(hs.offset, hs.size);
    const header = parseHeader(
      { view: new DataView(bytes.buffer), bytes, sections: new Map([[HEADER_SECTION, { offset: 0, size: hs.size }]]) },
      path,
    );
    return { ...header, constraints };
  } finally {
    await fh.close();
  }
}

/** Reads only the header (cheap: neither loads nor decodes the constraints). */
export async function readR1csHeader(path: string): Promise<R1csHeader> {
  const { constraints: _constraints, ...header } = await readR1csLayout(path);
  return header;
}
