// The chain of an attestation document: pinned root == cabundle[0] -> cabundle[1..] -> leaf.
// Checks, in order: the bundle starts at a pinned root (byte for byte); every link names its
// issuer, is signed by it, and the issuer is a CA allowed to sign certificates with enough path
// length left; no certificate has a critical extension we do not understand; the leaf holds a
// P-384 key usable for signatures; every certificate is valid at `now`.
import { ChainInvalidError, CertExpiredError, CertNotYetValidError, UntrustedRootError } from "./errors.js";
import { hasKeyUsage, KeyUsageFlags, parseCertificate, sha256Hex, type ParsedCertificate } from "./certificate.js";

export interface VerifiedChain {
  root: ParsedCertificate;
  /** Root first, leaf last. */
  path: ParsedCertificate[];
  leaf: ParsedCertificate;
  /** The earliest notAfter along the path: the chain, and so the document's key, is valid until then. */
  validUntil: Date;
}

/** Checks, in order, that the chain from a pinned root through `cabundle` to the leaf holds at `now`. */
export function verifyCertificateChain(
  roots: readonly ParsedCertificate[],
  cabundle: readonly Uint8Array[],
  leafDer: Uint8Array,
  now: Date,
): VerifiedChain {
  const root = pinnedRoot(roots, cabundle[0]);
  const path = parsePath(root, [...cabundle.slice(1), leafDer]);
  checkCriticalExtensions(path);
  for (let i = 1; i < path.length; i++) checkLink(path, i);
  const leaf = path[path.length - 1];
  checkLeafKey(leaf, path.length - 1);
  checkValidity(path, now);
  const validUntil = new Date(Math.min(...path.map((c) => c.notAfter.getTime())));
  return { root, path, leaf, validUntil };
}

/** The pinned root the bundle starts with, byte for byte. */
function pinnedRoot(roots: readonly ParsedCertificate[], bundleRootDer: Uint8Array): ParsedCertificate {
  const bundleRootSha = sha256Hex(bundleRootDer);
  const root = roots.find((r) => r.sha256 === bundleRootSha);
  if (root) return root;
  let subject = "(unparsable certificate)";
  try {
    subject = parseCertificate(bundleRootDer).subject;
  } catch {
    // the subject is only for the message
  }
  throw new UntrustedRootError(
    bundleRootSha,
    subject,
    roots.map((r) => r.sha256),
  );
}

/** The root, then the certificates below it (intermediates, leaf last). */
function parsePath(root: ParsedCertificate, ders: readonly Uint8Array[]): ParsedCertificate[] {
  const path: ParsedCertificate[] = [root];
  ders.forEach((der, i) => {
    try {
      path.push(parseCertificate(der));
    } catch (e) {
      throw new ChainInvalidError(i + 1, "(unparsable)", `malformed certificate (${(e as Error).message})`);
    }
  });
  return path;
}

function checkCriticalExtensions(path: readonly ParsedCertificate[]): void {
  path.forEach((cert, i) => {
    if (cert.unknownCritical.length > 0) {
      throw new ChainInvalidError(i, cert.subject, `unknown critical extension(s) ${cert.unknownCritical.join(", ")}`);
    }
  });
}

/** path[i] is issued and signed by path[i - 1], a CA allowed to sign it. */
function checkLink(path: readonly ParsedCertificate[], i: number): void {
  const issuer = path[i - 1];
  const cert = path[i];
  if (!issuer.basicConstraints?.ca || !issuer.x509.ca) {
    throw new ChainInvalidError(i - 1, issuer.subject, "issues a certificate but is not a CA");
  }
  if (!hasKeyUsage(issuer, KeyUsageFlags.keyCertSign)) {
    throw new ChainInvalidError(i - 1, issuer.subject, "issues a certificate but its key usage lacks keyCertSign");
  }
  // CA certificates between this issuer and the leaf (RFC 5280 path length).
  const below = path.length - 1 - i;
  const pathLength = issuer.basicConstraints.pathLength;
  if (pathLength !== undefined && below > pathLength) {
    throw new ChainInvalidError(
      i - 1,
      issuer.subject,
      `path length ${pathLength} exceeded (${below} CA certificate(s) below it)`,
    );
  }
  if (!cert.x509.checkIssued(issuer.x509)) {
    throw new ChainInvalidError(i, cert.subject, `its issuer is not ${issuer.subject}`);
  }
  if (!cert.x509.verify(issuer.x509.publicKey)) {
    throw new ChainInvalidError(i, cert.subject, `signature does not verify with the key of ${issuer.subject}`);
  }
}

/** The leaf holds a P-384 key usable for signatures. */
function checkLeafKey(leaf: ParsedCertificate, leafIndex: number): void {
  const key = leaf.x509.publicKey;
  if (key.asymmetricKeyType !== "ec" || key.asymmetricKeyDetails?.namedCurve !== "secp384r1") {
    throw new ChainInvalidError(leafIndex, leaf.subject, "the leaf key is not an EC P-384 key (ES384 needs one)");
  }
  if (!hasKeyUsage(leaf, KeyUsageFlags.digitalSignature)) {
    throw new ChainInvalidError(leafIndex, leaf.subject, "the leaf's key usage lacks digitalSignature");
  }
}

function checkValidity(path: readonly ParsedCertificate[], now: Date): void {
  for (const cert of path) {
    if (now.getTime() < cert.notBefore.getTime()) throw new CertNotYetValidError(cert.subject, cert.notBefore, now);
    if (now.getTime() > cert.notAfter.getTime()) throw new CertExpiredError(cert.subject, cert.notAfter, now);
  }
}
