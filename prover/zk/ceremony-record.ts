// What a ceremony file says about who contributed to it: the contribution records of a .ptau
// (phase 1, section 7) and of a .zkey (phase 2, section 10), read without touching the points.
//
// Both files are iden3 "binfiles": 4-byte magic | u32 version | u32 section count, then sections
// (u32 id | u64 byte length | body). A contribution is either a secret one (fresh randomness,
// thrown away: its secret is unknown to everybody, if the contributor was honest) or a beacon (a
// public value hashed 2^n times: anyone can recompute its secret). A ceremony whose every
// contribution is a beacon has derivable secrets, and anyone who knows them can forge proofs.
import { open } from "node:fs/promises";
import { InputError } from "../errors.js";

export type ContributionKind = "secret" | "beacon";

export interface ContributionRecord {
  kind: ContributionKind;
  name?: string;
}

/** A ceremony file that cannot be read as the format it claims (not a ptau/zkey, or cut short). */
export class CeremonyFileError extends InputError {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`${file}: ${reason}`);
  }
}

/** Phase 1: tauG1, tauG2, alphaG1, betaG1, betaG2 | public key (6 G1 + 3 G2) | partial hash | challenge. */
const PTAU_CONTRIBUTION_FIXED = 64 + 128 + 64 + 64 + 128 + (6 * 64 + 3 * 128) + 216 + 64;
/** Phase 2: deltaAfter G1 | delta key (g1_s, g1_sx, g2_spx) | transcript. */
const ZKEY_CONTRIBUTION_FIXED = 64 + 64 + 64 + 128 + 64;

/** The body of section `id` of a binfile whose magic must be `magic`. */
export async function readBinfileSection(file: string, magic: string, id: number): Promise<Uint8Array> {
  let fh;
  try {
    fh = await open(file, "r");
  } catch (e) {
    throw new CeremonyFileError(file, `cannot open (${(e as NodeJS.ErrnoException).code ?? e})`);
  }
  try {
    const size = (await fh.stat()).size;
    const read = async (pos: number, n: number): Promise<DataView> => {
      if (pos + n > size) throw new CeremonyFileError(file, `truncated at byte ${size}`);
      const buf = new Uint8Array(n);
      await fh.read(buf, 0, n, pos);
      return new DataView(buf.buffer);
    };
    const head = await read(0, 12);
    const got = new TextDecoder().decode(new Uint8Array(head.buffer, 0, 4));
    if (got !== magic) throw new CeremonyFileError(file, `not a .${magic} file (magic "${got}")`);
    let pos = 12;
    for (let i = head.getUint32(8, true); i > 0; i--) {
      const h = await read(pos, 12);
      const len = Number(h.getBigUint64(4, true));
      if (h.getUint32(0, true) === id) return new Uint8Array((await read(pos + 12, len)).buffer);
      pos += 12 + len;
    }
    throw new CeremonyFileError(file, `has no section ${id} (contributions)`);
  } finally {
    await fh.close();
  }
}

/** A contribution's parameters: its name, and for a beacon the beacon value and iteration exponent. */
interface ContributionParams {
  name?: string;
  numIterationsExp?: number;
  beaconHash?: Uint8Array;
}

/** Contribution records laid out as snarkjs writes them: fixed part, u32 type, u32 params length, params. */
function parseContributions(file: string, body: Uint8Array, start: number, fixed: number): ContributionRecord[] {
  return parseContributionParams(file, body, start, fixed).map(({ kind, name }) => ({
    kind,
    ...(name !== undefined ? { name } : {}),
  }));
}

function parseContributionParams(
  file: string,
  body: Uint8Array,
  start: number,
  fixed: number,
): (ContributionParams & { kind: ContributionKind })[] {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const need = (pos: number, n: number) => {
    if (pos + n > body.byteLength) throw new CeremonyFileError(file, "contributions section is cut short");
  };
  need(start, 4);
  const count = view.getUint32(start, true);
  const out: (ContributionParams & { kind: ContributionKind })[] = [];
  let pos = start + 4;
  for (let i = 0; i < count; i++) {
    need(pos, fixed + 8);
    pos += fixed;
    const type = view.getUint32(pos, true);
    const paramsLength = view.getUint32(pos + 4, true);
    pos += 8;
    need(pos, paramsLength);
    out.push({ kind: type === 1 ? "beacon" : "secret", ...params(file, body.subarray(pos, pos + paramsLength)) });
    pos += paramsLength;
  }
  return out;
}

/** A parameter list: 1 name (length-prefixed), 2 numIterationsExp (a byte), 3 beacon hash (length-prefixed). */
function params(file: string, bytes: Uint8Array): ContributionParams {
  const out: ContributionParams = {};
  let pos = 0;
  const take = (n: number): Uint8Array => {
    if (pos + n > bytes.length) throw new CeremonyFileError(file, "contribution parameters are cut short");
    pos += n;
    return bytes.subarray(pos - n, pos);
  };
  while (pos < bytes.length) {
    const id = take(1)[0];
    if (id === 1) out.name = new TextDecoder().decode(take(take(1)[0]));
    else if (id === 2) out.numIterationsExp = take(1)[0];
    else if (id === 3) out.beaconHash = take(take(1)[0]).slice();
    else break; // parameters this reader does not know end the list it can read
  }
  return out;
}

/** The beacon of a ceremony made of exactly one beacon contribution (a development ceremony), else undefined. */
export async function readPtauSoleBeacon(
  file: string,
): Promise<{ beaconHash: Uint8Array; numIterationsExp: number } | undefined> {
  const all = parseContributionParams(file, await readBinfileSection(file, "ptau", 7), 0, PTAU_CONTRIBUTION_FIXED);
  const [only] = all;
  if (all.length !== 1 || only.kind !== "beacon" || !only.beaconHash || only.numIterationsExp === undefined)
    return undefined;
  return { beaconHash: only.beaconHash, numIterationsExp: only.numIterationsExp };
}

/** The phase-1 contributions of a .ptau file, in order. */
export async function readPtauContributions(file: string): Promise<ContributionRecord[]> {
  return parseContributions(file, await readBinfileSection(file, "ptau", 7), 0, PTAU_CONTRIBUTION_FIXED);
}

/** The phase-2 contributions of a Groth16 .zkey file (after the 64-byte circuit hash), in order. */
export async function readZkeyContributions(file: string): Promise<ContributionRecord[]> {
  return parseContributions(file, await readBinfileSection(file, "zkey", 10), 64, ZKEY_CONTRIBUTION_FIXED);
}

/** Secrets anyone can recompute: no contribution with a secret (only beacons, or none at all). */
export function derivable(contributions: readonly ContributionRecord[]): boolean {
  return !contributions.some((c) => c.kind === "secret");
}
