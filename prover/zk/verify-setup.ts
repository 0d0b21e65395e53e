// Re-checks Groth16 keys against the circuit and the ceremony they claim to come from: what
// `snarkjs zkey verify` does (snarkjs's own zKey.verifyFromR1cs: the keys are recomputed from the
// r1cs and the powers of tau, and every phase-2 contribution is checked against its public key),
// then that the verifying key inside the zkey is the model's, and that the zkey is the file its
// setup recorded. Also reports where the keys came from (setup-provenance.ts).
import * as snarkjs from "snarkjs";
import { firstLine } from "../errors.js";
import { ceremonyProvenance, type SetupProvenanceRecord } from "./setup-provenance.js";
import { type SnarkjsVerificationKey, verifyingKeyId } from "./vkey-encoding.js";

export interface VerifySetupInput {
  r1cs: string;
  ptau: string;
  zkey: string;
  /** The model's verifying key (vkey.json), which the zkey must hold. */
  vkey: SnarkjsVerificationKey;
  /** The zkey's SHA-256 as its setup recorded it (hex, with or without 0x), when known. */
  recordedPhase2Hash?: string;
  onProgress?: (line: string) => void;
}

export type SetupCheckName = "zkey" | "verifying-key" | "recorded-zkey";

export interface SetupCheck {
  name: SetupCheckName;
  ok: boolean;
  detail: string;
}

export interface VerifySetupResult {
  ok: boolean;
  /** The first failed check's detail (absent when ok). */
  reason?: string;
  checks: SetupCheck[];
  keyId: `0x${string}`;
  provenance?: SetupProvenanceRecord;
}

/** snarkjs reports a failed check partly through the logger and partly through console.log. */
const SNARKJS_FAILURE = /INVALID|not identical|does not match|do not have|not match|Error/i;

/** Runs snarkjs's zkey verification, returning its failure line (undefined when the zkey verifies). */
async function snarkjsZkeyVerify(r1cs: string, ptau: string, zkey: string, say: (l: string) => void) {
  const failures: string[] = [];
  const note = (m: unknown) => {
    const line = String(m).replace(/\s+/g, " ").trim();
    if (SNARKJS_FAILURE.test(line)) failures.push(line);
    else say(line);
  };
  const logger = { info: note, warn: note, error: note, debug: () => {} };
  const consoleLog = console.log;
  console.log = note;
  try {
    const ok = await snarkjs.zKey.verifyFromR1cs(r1cs, ptau, zkey, logger);
    if (ok === true) return undefined;
    return failures.at(-1)?.replace(/^INVALID(\(\d+\))?:?\s*/, "") ?? "snarkjs rejected it";
  } catch (e) {
    return `cannot be read (${firstLine(e)})`;
  } finally {
    console.log = consoleLog;
  }
}

async function checkZkey(i: VerifySetupInput, say: (l: string) => void): Promise<SetupCheck> {
  say(`re-deriving the keys from ${i.r1cs} and ${i.ptau} and checking ${i.zkey} against them (slow)`);
  const failure = await snarkjsZkeyVerify(i.r1cs, i.ptau, i.zkey, say);
  if (failure === undefined)
    return { name: "zkey", ok: true, detail: "matches the circuit and the powers of tau; contributions verify" };
  return { name: "zkey", ok: false, detail: `the zkey does not match the circuit and ceremony: ${failure}` };
}

async function checkVerifyingKey(i: VerifySetupInput): Promise<{ check: SetupCheck; keyId: `0x${string}` }> {
  const expected = verifyingKeyId(i.vkey);
  let inside: `0x${string}`;
  try {
    inside = verifyingKeyId((await snarkjs.zKey.exportVerificationKey(i.zkey)) as SnarkjsVerificationKey);
  } catch (e) {
    return { check: { name: "verifying-key", ok: false, detail: `cannot read it (${firstLine(e)})` }, keyId: expected };
  }
  const ok = inside === expected;
  const detail = ok
    ? `the zkey's verifying key is the model's (key id ${expected})`
    : `the zkey's verifying key ${inside} is not the model's ${expected}`;
  return { check: { name: "verifying-key", ok, detail }, keyId: expected };
}

function checkRecorded(recorded: string | undefined, provenance: SetupProvenanceRecord | undefined): SetupCheck[] {
  if (recorded === undefined || provenance === undefined) return [];
  const want = `0x${recorded.replace(/^0x/, "").toLowerCase()}`;
  const ok = provenance.phase2Hash === want;
  const detail = ok
    ? `sha256 ${want}, as recorded at setup`
    : `the zkey changed since setup: sha256 ${provenance.phase2Hash}, setup recorded ${want}`;
  return [{ name: "recorded-zkey", ok, detail }];
}

/** Verifies a model's keys against its r1cs and ceremony; never throws for a bad zkey (see `reason`). */
export async function verifySetup(i: VerifySetupInput): Promise<VerifySetupResult> {
  const say = i.onProgress ?? (() => {});
  const zkey = await checkZkey(i, say);
  const key = await checkVerifyingKey(i);
  say("hashing the ceremony files");
  const provenance = await ceremonyProvenance({ ptau: i.ptau, zkey: i.zkey }).catch(() => undefined);
  const checks = [zkey, key.check, ...checkRecorded(i.recordedPhase2Hash, provenance)];
  const failed = checks.find((c) => !c.ok);
  return {
    ok: failed === undefined,
    ...(failed ? { reason: failed.detail } : {}),
    checks,
    keyId: key.keyId,
    provenance,
  };
}
