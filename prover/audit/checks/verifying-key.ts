// "verifying-key": the key the model registered is what the verifier holds (its bytes hash to
// the registered id) and has the three public signals of every model circuit.
import { keccak256 } from "ethers";
import { decodeVerifyingKey, type SnarkjsVerificationKey } from "../../zk/vkey-encoding.js";
import { type AuditCheck, check, firstLine, passIf } from "../audit-report.js";
import type { FetchedKey } from "../hub-reads.js";

/** The public signals of a model circuit: input commitment, output, binding. */
export const MODEL_PUBLIC_SIGNALS = 3;

export interface VerifyingKeyResult {
  check: AuditCheck;
  /** The decoded key, for the proof check (absent when it could not be read or decoded). */
  vkey?: SnarkjsVerificationKey;
}

export function checkVerifyingKey(keyId: string, fetched: FetchedKey): VerifyingKeyResult {
  const unreadable = (reason: string) => ({
    check: check("verifying-key", "fail", `cannot read key ${keyId} from the verifier: ${reason}`),
  });
  if ("error" in fetched) return unreadable(fetched.error);
  let vkey: SnarkjsVerificationKey;
  try {
    vkey = decodeVerifyingKey(fetched.bytes);
  } catch (e) {
    return unreadable(firstLine(e));
  }
  const matches = keccak256(fetched.bytes) === keyId;
  const hash = matches ? "keccak256 matches its id" : "keccak256 does NOT match its id";
  const size = (fetched.bytes.length - 2) / 2;
  return {
    check: check(
      "verifying-key",
      passIf(matches && vkey.nPublic === MODEL_PUBLIC_SIGNALS),
      `${keyId}: ${size} bytes from the verifier, ${hash}, ${vkey.nPublic} public signals`,
    ),
    vkey,
  };
}
