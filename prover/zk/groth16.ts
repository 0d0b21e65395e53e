// Groth16 over BN254 with snarkjs: key setup (with a phase-2 contribution), proving and
// off-chain verification. Progress goes to an optional callback; snarkjs's own worker threads
// are released with `releaseCurve()`.
//
// Threads: snarkjs runs its curve arithmetic on one worker thread per CPU. $ASSAY_PROVER_THREADS=1
// makes proving and verifying in this process run on the calling thread instead (several proving
// processes on one machine, each on one core, without oversubscribing it): a single-threaded
// curve is built once and put where snarkjs looks for its shared one (ffjavascript's
// globalThis.curve_bn128). snarkjs's own { singleThread } option would build a new curve on every
// proof (about 170 ms, half the proof of a small model).
import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { buildBn128 } from "ffjavascript";
import * as snarkjs from "snarkjs";
import { AssayError, InputError } from "../errors.js";
import { CeremonyMismatchError, ceremonySecrets, fastGroth16Setup } from "./fast-setup.js";

export type Progress = (message: string) => void;

import type { SnarkjsProof, SnarkjsVerificationKey } from "./vkey-encoding.js";

export type Groth16Proof = SnarkjsProof;
export type VerificationKey = SnarkjsVerificationKey;

function logger(onProgress?: Progress) {
  const say = (m: unknown) => onProgress?.(String(m));
  return { info: say, debug: () => {}, warn: say, error: say, log: say };
}

/** How the proving key was computed: from the ceremony's public secrets, or by snarkjs from its points. */
export type SetupEngine = "fixed-base" | "snarkjs";

export interface SetupResult {
  zkey: string;
  vkey: VerificationKey;
  contributionHash: string;
  engine: SetupEngine;
}

/**
 * Groth16 setup: circuit-specific keys from a prepared powers-of-tau file, then one phase-2
 * contribution with fresh OS randomness (its secret is discarded when this returns).
 *
 * A ceremony whose secrets are public (the development powers of tau: one beacon) is set up by
 * fast-setup.ts, one fixed-base multiplication per key point on a worker pool (LeNet: ~17 s
 * against snarkjs's ~270 s, bench/setup.ts); any other ceremony, or `engine: "snarkjs"`, by
 * snarkjs `zkey new` + `zkey contribute`. Both write the same format: snarkjs proves with either.
 */
export async function groth16Setup(opts: {
  r1cs: string;
  ptau: string;
  zkey: string;
  contributor?: string;
  onProgress?: Progress;
  engine?: SetupEngine;
}): Promise<SetupResult> {
  await mkdir(path.dirname(opts.zkey), { recursive: true });
  if (opts.engine !== "snarkjs") {
    const secrets = await ceremonySecrets(opts.ptau);
    if (secrets) {
      try {
        const res = await fastGroth16Setup({
          r1cs: opts.r1cs,
          ptau: opts.ptau,
          zkey: opts.zkey,
          secrets,
          contributor: opts.contributor,
          onProgress: opts.onProgress,
        });
        const vkey = (await snarkjs.zKey.exportVerificationKey(opts.zkey)) as VerificationKey;
        return { zkey: opts.zkey, vkey, contributionHash: res.contributionHash!, engine: "fixed-base" };
      } catch (e) {
        if (!(e instanceof CeremonyMismatchError)) throw e;
        opts.onProgress?.(`groth16 setup: ${e.message}; using snarkjs`);
      }
    }
  }
  return snarkjsSetup(opts);
}

async function snarkjsSetup(opts: {
  r1cs: string;
  ptau: string;
  zkey: string;
  contributor?: string;
  onProgress?: Progress;
}): Promise<SetupResult> {
  const z0 = `${opts.zkey}.0.tmp`;
  const z1 = `${opts.zkey}.1.tmp`;
  opts.onProgress?.("groth16 setup: circuit keys from powers of tau");
  // newZKey reports a too-small or unprepared ceremony by returning -1, not by throwing.
  const made = await snarkjs.zKey.newZKey(opts.r1cs, opts.ptau, z0, logger(opts.onProgress));
  if (made === -1)
    throw new AssayError(
      `groth16 setup refused ${opts.ptau} for ${opts.r1cs} (ceremony too small or not prepared for phase 2)`,
    );
  opts.onProgress?.("groth16 setup: phase-2 contribution");
  const entropy = randomBytes(64).toString("hex");
  const hash: Uint8Array = await snarkjs.zKey.contribute(
    z0,
    z1,
    opts.contributor ?? "assay phase-2",
    entropy,
    logger(opts.onProgress),
  );
  await rename(z1, opts.zkey);
  await rm(z0, { force: true });
  const vkey = (await snarkjs.zKey.exportVerificationKey(opts.zkey)) as VerificationKey;
  return { zkey: opts.zkey, vkey, contributionHash: Buffer.from(hash).toString("hex"), engine: "snarkjs" };
}

export async function readVerificationKey(file: string): Promise<VerificationKey> {
  return JSON.parse(await readFile(file, "utf8")) as VerificationKey;
}

export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(
    tmp,
    JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2),
  );
  await rename(tmp, file);
}

/** The environment variable that sets the prover's threads: unset (one per CPU) or 1. */
export const PROVER_THREADS_ENV = "ASSAY_PROVER_THREADS";

let singleThreadCurve: Promise<unknown> | undefined;

/** With $ASSAY_PROVER_THREADS=1, installs the single-threaded curve snarkjs will use (once). */
async function applyProverThreads(): Promise<void> {
  const v = process.env[PROVER_THREADS_ENV];
  if (v === undefined || v === "") return;
  if (v !== "1")
    throw new InputError(
      `$${PROVER_THREADS_ENV} must be 1 (prove on the calling thread) or unset (one thread per CPU), got "${v}"`,
    );
  const g = globalThis as { curve_bn128?: unknown };
  if (g.curve_bn128) return;
  singleThreadCurve ??= buildBn128(true);
  g.curve_bn128 = await singleThreadCurve;
}

/** Proves from a witness (.wtns bytes). Public signals come back as bigints. */
export async function groth16Prove(
  zkey: string,
  wtns: Uint8Array,
): Promise<{ proof: Groth16Proof; publicSignals: bigint[] }> {
  await applyProverThreads();
  const { proof, publicSignals } = await snarkjs.groth16.prove(zkey, { type: "mem", data: wtns });
  return { proof: proof as Groth16Proof, publicSignals: (publicSignals as string[]).map((s) => BigInt(s)) };
}

export async function groth16Verify(
  vkey: VerificationKey,
  publicSignals: readonly bigint[],
  proof: Groth16Proof,
): Promise<boolean> {
  await applyProverThreads();
  return snarkjs.groth16.verify(vkey, publicSignals.map(String), proof, {
    info() {},
    error() {},
    debug() {},
    warn() {},
  });
}

/** Terminates snarkjs's worker threads so the process can exit. */
export async function releaseCurve(): Promise<void> {
  const g = globalThis as { curve_bn128?: { terminate(): Promise<void> } };
  await g.curve_bn128?.terminate();
  delete g.curve_bn128;
  singleThreadCurve = undefined;
}
