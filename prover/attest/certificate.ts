// One parsed X.509 certificate: Node's X509Certificate (OpenSSL) for signatures and issuer
// checks, @peculiar/asn1-x509 for the fields Node does not expose (validity as dates, basic
// constraints with path length, key usage bits, which extensions are critical).
import { createHash, X509Certificate } from "node:crypto";
import { AsnConvert } from "@peculiar/asn1-schema";
import {
  BasicConstraints,
  Certificate,
  ExtendedKeyUsage,
  id_ce_basicConstraints,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  KeyUsage,
  KeyUsageFlags,
} from "@peculiar/asn1-x509";

/** Extensions whose meaning this verifier enforces (or that restrict nothing it relies on). */
const UNDERSTOOD_EXTENSIONS = new Set([
  id_ce_basicConstraints,
  id_ce_keyUsage,
  id_ce_extKeyUsage,
  "2.5.29.14", // subject key identifier
  "2.5.29.35", // authority key identifier
  "2.5.29.31", // CRL distribution points
  "2.5.29.17", // subject alternative name
]);

export interface ParsedCertificate {
  der: Uint8Array;
  x509: X509Certificate;
  /** Lowercase hex SHA-256 of the DER, the form AWS publishes for its root. */
  sha256: string;
  /** One-line subject, e.g. "CN=aws.nitro-enclaves, OU=AWS, O=Amazon, C=US". */
  subject: string;
  notBefore: Date;
  notAfter: Date;
  /** Basic constraints, if the extension is present. */
  basicConstraints?: { ca: boolean; pathLength?: number };
  /** Key usage bits (KeyUsageFlags), if the extension is present. */
  keyUsage?: number;
  /** OIDs of critical extensions this verifier does not understand (RFC 5280: must reject). */
  unknownCritical: string[];
}

/** Parses DER. Throws the library's error on malformed input; callers wrap it with context. */
export function parseCertificate(der: Uint8Array): ParsedCertificate {
  const x509 = new X509Certificate(der);
  const asn = AsnConvert.parse(der, Certificate);
  const tbs = asn.tbsCertificate;
  let basicConstraints: ParsedCertificate["basicConstraints"];
  let keyUsage: number | undefined;
  const unknownCritical: string[] = [];
  for (const ext of tbs.extensions ?? []) {
    const value = ext.extnValue.buffer;
    if (ext.extnID === id_ce_basicConstraints) {
      const bc = AsnConvert.parse(value, BasicConstraints);
      basicConstraints = { ca: bc.cA, pathLength: bc.pathLenConstraint };
    } else if (ext.extnID === id_ce_keyUsage) {
      keyUsage = AsnConvert.parse(value, KeyUsage).toNumber();
    } else if (ext.extnID === id_ce_extKeyUsage) {
      AsnConvert.parse(value, ExtendedKeyUsage); // must at least be well formed
    }
    if (ext.critical && !UNDERSTOOD_EXTENSIONS.has(ext.extnID)) unknownCritical.push(ext.extnID);
  }
  return {
    der: new Uint8Array(der),
    x509,
    sha256: sha256Hex(der),
    subject: x509.subject.split("\n").reverse().join(", "),
    notBefore: tbs.validity.notBefore.getTime(),
    notAfter: tbs.validity.notAfter.getTime(),
    basicConstraints,
    keyUsage,
    unknownCritical,
  };
}

export function hasKeyUsage(cert: ParsedCertificate, flag: KeyUsageFlags): boolean {
  return cert.keyUsage === undefined || (cert.keyUsage & flag) !== 0;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

export { KeyUsageFlags };
