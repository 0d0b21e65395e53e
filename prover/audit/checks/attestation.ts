// "attestation": the attestation document behind an enclave key (the chain holds only its hash),
// re-verified as the registrar did: its hash, the ES384 chain to a pinned root, the PCRs of the
// key's image, the key binding, and certificates that outlive the key's on-chain expiry.
import { keccak256 } from "ethers";
import { parseAttestationPayload } from "../../attest/attestation-document.js";
import { parseCoseSign1 } from "../../attest/cose-sign1.js";
import { imageMeasurementId } from "../../attest/image-measurement.js";
import type { RootSpec } from "../../attest/pinned-root.js";
import { verifyAttestation } from "../../attest/verify-attestation.js";
import { type AuditCheck, check, firstLine, passIf } from "../audit-report.js";
import { short } from "../detail-format.js";
import type { EnclaveKeyRecord } from "../hub-reads.js";

/** How far (seconds) a key's on-chain expiry may pass its attestation certificates' end. */
export const EXPIRY_CLOCK_TOLERANCE_S = 300;

export interface AttestationDocument {
  bytes: Uint8Array;
  name: string;
}

/** Attestation documents to re-verify: a lookup by keccak256, and the roots they must chain to. */
export interface AttestationSource {
  find(docHash: string): AttestationDocument | undefined;
  roots: readonly RootSpec[];
  rootName: string;
}

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

/** How the certificates' end compares with the key's expiry (empty when they outlive it). */
function expiryNote(overrun: number): string {
  if (overrun <= 0) return "";
  if (overrun <= EXPIRY_CLOCK_TOLERANCE_S)
    return ` (${overrun} s before the key's on-chain expiry: within the clock tolerance)`;
  return `, ${overrun} s BEFORE the key's on-chain expiry`;
}

/** Re-verifies the document behind `key`, as of the document's own timestamp. */
export function verifyAttestationDocument(
  doc: AttestationDocument,
  key: Pick<EnclaveKeyRecord, "address" | "measurement" | "attestationDocHash" | "expiresAt">,
  roots: readonly RootSpec[],
): { ok: boolean; detail: string } {
  const hash = keccak256(doc.bytes);
  if (hash !== key.attestationDocHash)
    return {
      ok: false,
      detail: `${doc.name} hashes to ${hash}, not the registered document hash ${key.attestationDocHash}`,
    };
  try {
    // Certificates valid when the document was made; no freshness window.
    const timestamp = parseAttestationPayload(parseCoseSign1(doc.bytes).payload).timestamp;
    const v = verifyAttestation(doc.bytes, { roots, now: new Date(timestamp), expectedSigner: key.address });
    const measurement = imageMeasurementId(v.pcrs);
    if (measurement.toLowerCase() !== key.measurement.toLowerCase()) {
      return {
        ok: false,
        detail: `${doc.name}: its PCR0..2 hash to image ${measurement}, the key is registered for ${key.measurement}`,
      };
    }
    const certEnd = Math.floor(v.validUntil.getTime() / 1000);
    // The registrar sets the expiry on the chain's clock, which may run a little ahead of the
    // certificates' (wall) clock: tolerate that much, not more.
    const overrun = key.expiresAt - certEnd;
    const verified =
      `${doc.name}: ES384 signature by ${v.leafSubject}, chain to the pinned root ${v.rootSha256.slice(0, 16)}…, ` +
      `non-debug PCRs of the key's image, binds ${v.signer!.address} (${v.signer!.via})`;
    return {
      ok: overrun <= EXPIRY_CLOCK_TOLERANCE_S,
      detail:
        `${verified}; attested ${new Date(timestamp).toISOString()}; ` +
        `certificates valid until ${iso(certEnd)}${expiryNote(overrun)}`,
    };
  } catch (e) {
    return { ok: false, detail: `${doc.name} does not verify: ${firstLine(e)}` };
  }
}

/** Skipped when no documents were given; fails when none of them is the key's. */
export function checkAttestation(key: EnclaveKeyRecord, source: AttestationSource | undefined): AuditCheck {
  if (!source) {
    return check(
      "attestation",
      "skip",
      `document ${short(key.attestationDocHash)} not given (--attestation <file or dir>): ` +
        "the registrar's off-chain check is not repeated",
    );
  }
  const doc = source.find(key.attestationDocHash);
  if (!doc)
    return check(
      "attestation",
      "fail",
      `no document with hash ${key.attestationDocHash} among the given attestation files`,
    );
  const r = verifyAttestationDocument(doc, key, source.roots);
  return check("attestation", passIf(r.ok), `${r.detail} (root: ${source.rootName})`);
}
