// Setup provenance: which ceremony a model's Groth16 keys came from, as the chain records it
// (ModelVersionInput.setup): the SHA-256 of the powers-of-tau file (phase 1), the SHA-256 of the
// final .zkey (phase 2: it carries every phase-2 contribution) and whether it is a development
// setup, i.e. one whose secrets anyone can recompute and so forge proofs with.
//
// A setup is development when either phase has no secret contribution: the development powers
// of tau (a single public beacon, prover/zk/dev-ptau.ts) whether it came from the cache or was
// passed as a file, any other beacon-only ceremony, or a zkey with no phase-2 contribution or
// only beacons. Knowing phase 1's tau, alpha and beta is enough to forge (snarkjs fixes gamma),
// and so is knowing phase 2's delta.
//
// `assay model compile` records it in the setup manifest (setup.json, format v2). Setups cached
// before (v1) get it computed on first use and written back.
import { createHash } from "node:crypto";
import { createReadStream, existsSync } from "node:fs";
import { type ArtifactRef, artifactPath, cacheRoot } from "../artifacts.js";
import { InputError } from "../errors.js";
import { type ContributionRecord, derivable, readPtauContributions, readZkeyContributions } from "./ceremony-record.js";
import { writeJsonAtomic } from "./groth16.js";
import { ensureDevPtau } from "./ptau-cache.js";

/** setup.json versions: 1 had no provenance, 2 records it. */
export const SETUP_FORMAT_VERSION = 2;

export type Hex32 = `0x${string}`;

/** What the chain records for a verifying key (ModelVersionInput.setup). */
export interface SetupProvenance {
  ptauHash: Hex32;
  phase2Hash: Hex32;
  development: boolean;
}

/** The provenance plus what it was decided from (kept in setup.json). */
export interface SetupProvenanceRecord extends SetupProvenance {
  ptauContributions: ContributionRecord[];
  phase2Contributions: ContributionRecord[];
  /** Why the setup is development (absent when it is not). */
  reason?: string;
}

/** What a compiled model's setup manifest holds that provenance needs (a CompiledModel fits). */
export interface ProvenanceSubject {
  ref: ArtifactRef;
  setup?: {
    version: number;
    ptau: { kind: "development" | "file"; power: number; path: string };
    provenance?: SetupProvenanceRecord;
  };
}

/** SHA-256 of a file, streamed (ceremony files run to gigabytes). */
export async function sha256File(file: string): Promise<Hex32> {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return `0x${h.digest("hex")}`;
}

function developmentReason(ptau: ContributionRecord[], phase2: ContributionRecord[]): string | undefined {
  const phase = (what: string, cs: ContributionRecord[]) =>
    cs.length === 0 ? `${what} has no contribution` : `every ${what} contribution is a public beacon`;
  if (derivable(ptau)) return `${phase("powers-of-tau", ptau)}${ptau[0]?.name ? ` ("${ptau[0].name}")` : ""}`;
  if (derivable(phase2)) return phase("phase-2", phase2);
  return undefined;
}

/** Provenance of the keys in `zkey`, set up from the ceremony `ptau` (both files read now). */
export async function ceremonyProvenance(files: { ptau: string; zkey: string }): Promise<SetupProvenanceRecord> {
  const ptauContributions = await readPtauContributions(files.ptau);
  const phase2Contributions = await readZkeyContributions(files.zkey);
  const reason = developmentReason(ptauContributions, phase2Contributions);
  return {
    ptauHash: await sha256File(files.ptau),
    phase2Hash: await sha256File(files.zkey),
    development: reason !== undefined,
    ptauContributions,
    phase2Contributions,
    ...(reason !== undefined ? { reason } : {}),
  };
}

/**
 * The ceremony file a model was set up with: the recorded path, or for a development setup whose
 * cached file is gone, the same development ceremony generated again (it is deterministic).
 */
export async function setupPtauFile(model: ProvenanceSubject): Promise<string> {
  const setup = requireSetup(model);
  if (existsSync(setup.ptau.path)) return setup.ptau.path;
  if (setup.ptau.kind === "development") return ensureDevPtau(setup.ptau.power, { cacheDir: cacheRoot() });
  const gone = `model ${model.ref.circuitId} was set up with ${setup.ptau.path}, which is gone`;
  throw new InputError(`${gone}: pass that ceremony file with --ptau`);
}

function requireSetup(model: ProvenanceSubject): NonNullable<ProvenanceSubject["setup"]> {
  if (!model.setup || !model.ref.ptauId)
    throw new InputError(`model ${model.ref.circuitId} has no keys: run \`assay model compile\` without --no-setup`);
  return model.setup;
}

/** The full record: from the setup manifest, else computed from the files and written back. */
export async function setupProvenanceRecord(model: ProvenanceSubject): Promise<SetupProvenanceRecord> {
  const setup = requireSetup(model);
  if (setup.provenance) return setup.provenance;
  const record = await ceremonyProvenance({ ptau: await setupPtauFile(model), zkey: artifactPath(model.ref, "zkey") });
  setup.provenance = record;
  setup.version = Math.max(setup.version, SETUP_FORMAT_VERSION);
  await writeJsonAtomic(artifactPath(model.ref, "setup"), setup);
  return record;
}

/** The setup provenance the chain records for a compiled model's verifying key. */
export async function setupProvenance(model: ProvenanceSubject): Promise<SetupProvenance> {
  const { ptauHash, phase2Hash, development } = await setupProvenanceRecord(model);
  return { ptauHash, phase2Hash, development };
}
