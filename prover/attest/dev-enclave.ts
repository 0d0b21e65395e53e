// The development stand-in for the Nitro Security Module: it holds a leaf certificate from the
// development CA and signs attestation documents exactly as Nitro does (COSE_Sign1, ES384, the
// same CBOR payload), so verifyAttestation accepts them when the development root is pinned and
// rejects them (UntrustedRoot) when only the AWS root is.
import { randomBytes } from "node:crypto";
import { encodeAttestationPayload, NITRO_DIGEST, PCR_BYTES } from "./attestation-document.js";
import { signCoseSign1 } from "./cose-sign1.js";
import { devRoot, issueDevLeaf, type CertifiedKey, type DevCa } from "./dev-ca.js";
import type { RootSpec } from "./pinned-root.js";

/** Nitro reports PCR0..PCR15; registers the image does not use stay zero. */
export const REPORTED_PCRS = 16;

export type PcrInput = ReadonlyMap<number, Uint8Array> | Readonly<Record<number, string | Uint8Array>>;

export interface AttestationFields {
  moduleId?: string;
  /** PCR index -> value (bytes or hex); unlisted registers among 0..15 are reported as zero. */
  pcrs: PcrInput;
  publicKey?: Uint8Array | null;
  userData?: Uint8Array | null;
  nonce?: Uint8Array | null;
  /** Milliseconds since the Unix epoch; default now. */
  timestamp?: number;
}

export class DevSecurityModule {
  readonly moduleId: string;

  private constructor(
    private readonly ca: DevCa,
    private readonly leaf: CertifiedKey,
    moduleId: string,
  ) {
    this.moduleId = moduleId;
  }

  /** A module with a fresh leaf certificate (valid from a minute ago for three hours unless given). */
  static create(ca: DevCa, options: { moduleId?: string; notBefore?: Date; notAfter?: Date } = {}): DevSecurityModule {
    const moduleId = options.moduleId ?? `i-dev${randomBytes(8).toString("hex")}-enc${randomBytes(8).toString("hex")}`;
    const leaf = issueDevLeaf(ca, {
      commonName: `${moduleId}.dev.assay`,
      notBefore: options.notBefore,
      notAfter: options.notAfter,
    });
    return new DevSecurityModule(ca, leaf, moduleId);
  }

  /** The root to pin to trust this module's documents. */
  get root(): RootSpec {
    return devRoot(this.ca);
  }

  get certificate(): Uint8Array {
    return this.leaf.der;
  }

  /** A COSE_Sign1 attestation document over the given fields, signed with the leaf key. */
  createAttestationDocument(fields: AttestationFields, options: { tagged?: boolean } = {}): Uint8Array {
    const payload = encodeAttestationPayload({
      moduleId: fields.moduleId ?? this.moduleId,
      digest: NITRO_DIGEST,
      timestamp: fields.timestamp ?? Date.now(),
      pcrs: reportedPcrs(fields.pcrs),
      certificate: this.leaf.der,
      cabundle: [this.ca.root.der, this.ca.intermediate.der],
      publicKey: fields.publicKey ?? null,
      userData: fields.userData ?? null,
      nonce: fields.nonce ?? null,
    });
    return signCoseSign1(payload, this.leaf.key, options);
  }

  /** Signs an arbitrary payload as this module (for building malformed or re-chained documents in tests). */
  signPayload(payload: Uint8Array): Uint8Array {
    return signCoseSign1(payload, this.leaf.key);
  }
}

function reportedPcrs(input: PcrInput): Map<number, Uint8Array> {
  const given = input instanceof Map ? [...input] : Object.entries(input).map(([k, v]) => [Number(k), v] as const);
  const out = new Map<number, Uint8Array>();
  for (let i = 0; i < REPORTED_PCRS; i++) out.set(i, new Uint8Array(PCR_BYTES));
  for (const [index, value] of given) {
    const bytes = typeof value === "string" ? Buffer.from(value.replace(/^0x/, ""), "hex") : value;
    if (bytes.length !== PCR_BYTES) throw new Error(`PCR${index} must be ${PCR_BYTES} bytes`);
    out.set(index, new Uint8Array(bytes));
  }
  return out;
}
