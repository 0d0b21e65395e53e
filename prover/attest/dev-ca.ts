// The development CA: a P-384 root and intermediate that stand in for the AWS Nitro PKI, and the
// per-instance leaf certificates that sign development attestation documents. Same shape as
// Nitro's chain (root -> intermediate -> leaf, ECDSA P-384 with SHA-384, critical basic
// constraints and key usage), so the one verifier handles both; trust differs only in which root
// is pinned. DEVELOPMENT ONLY: its private keys sit on disk.
//
// loadOrCreateDevCa(dir) creates the CA once and keeps it in <cache>/attest/dev-ca/dev-ca.json
// (mode 0600), so a development root pinned once stays valid across runs; createDevCa() makes an
// ephemeral one in memory.
//
// Development trust is for local development chains only (chain/dev-chain.ts): starting the
// development enclave for, or accepting a development root on, any other chain throws
// DevelopmentOnlyError (requireDevelopmentChain, isDevRoot).
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  X509Certificate,
  type KeyObject,
} from "node:crypto";
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  BasicConstraints,
  Certificate,
  Extension,
  Extensions,
  id_ce_basicConstraints,
  id_ce_keyUsage,
  KeyUsage,
  KeyUsageFlags,
  Name,
  RelativeDistinguishedName,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
} from "@peculiar/asn1-x509";
import { cacheRoot } from "../artifacts.js";
import { DEVELOPMENT_CHAIN_IDS, isDevelopmentChain } from "../chain/dev-chain.js";
import { AssayError } from "../errors.js";
import { sha256Hex } from "./certificate.js";
import { loadRoot, type RootSpec } from "./pinned-root.js";

const ECDSA_WITH_SHA384 = "1.2.840.10045.4.3.3";
const OID_ORGANIZATION = "2.5.4.10";
const OID_ORGANIZATIONAL_UNIT = "2.5.4.11";
const OID_COMMON_NAME = "2.5.4.3";
const DAY_MS = 86_400_000;
const DEV_CA_FORMAT = 1;

export const DEV_ORGANIZATION = "assay development (NOT FOR PRODUCTION)";
/** Nitro's instance leaf certificates live about three hours; development leaves default to the same. */
export const DEFAULT_LEAF_VALIDITY_MS = 3 * 3_600_000;

export interface CertifiedKey {
  /** DER of the certificate. */
  der: Uint8Array;
  /** P-384 private key. */
  key: KeyObject;
}

export interface DevCa {
  root: CertifiedKey;
  intermediate: CertifiedKey;
}

export interface CertificateSpec {
  commonName: string;
  publicKey: KeyObject;
  /** Issuer's certificate and key; absent for a self-signed root. */
  issuer?: CertifiedKey;
  /** Private key of a self-signed certificate (the root). */
  selfKey?: KeyObject;
  notBefore: Date;
  notAfter: Date;
  ca: boolean;
  pathLength?: number;
  keyUsage: KeyUsageFlags;
}

/** Builds and signs an X.509 v3 certificate with ECDSA P-384 / SHA-384. */
export function issueCertificate(spec: CertificateSpec): Uint8Array {
  const signingKey = spec.issuer?.key ?? spec.selfKey;
  if (!signingKey) throw new Error("issueCertificate needs an issuer or, for a root, its own key");
  const subject = devName(spec.commonName);
  const issuer = spec.issuer
    ? AsnConvert.parse(new X509Certificate(spec.issuer.der).raw, Certificate).tbsCertificate.subject
    : subject;
  const serial = randomBytes(16);
  serial[0] = (serial[0] & 0x7f) | 0x01; // positive, minimally encoded
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: toArrayBuffer(serial),
    signature: new AlgorithmIdentifier({ algorithm: ECDSA_WITH_SHA384 }),
    issuer,
    validity: new Validity({ notBefore: spec.notBefore, notAfter: spec.notAfter }),
    subject,
    subjectPublicKeyInfo: AsnConvert.parse(
      spec.publicKey.export({ type: "spki", format: "der" }),
      SubjectPublicKeyInfo,
    ),
    extensions: new Extensions([
      new Extension({
        extnID: id_ce_basicConstraints,
        critical: true,
        extnValue: new OctetString(
          AsnConvert.serialize(new BasicConstraints({ cA: spec.ca, pathLenConstraint: spec.pathLength })),
        ),
      }),
      new Extension({
        extnID: id_ce_keyUsage,
        critical: true,
        extnValue: new OctetString(AsnConvert.serialize(new KeyUsage(spec.keyUsage))),
      }),
    ]),
  });
  const tbsDer = new Uint8Array(AsnConvert.serialize(tbs));
  const signature = sign("sha384", tbsDer, signingKey); // DER ECDSA-Sig-Value, as X.509 wants
  const cert = new Certificate({
    tbsCertificate: tbs,
    signatureAlgorithm: new AlgorithmIdentifier({ algorithm: ECDSA_WITH_SHA384 }),
    signatureValue: toArrayBuffer(signature),
  });
  return new Uint8Array(AsnConvert.serialize(cert));
}

export function generateP384Key(): KeyObject {
  return generateKeyPairSync("ec", { namedCurve: "secp384r1" }).privateKey;
}

/** A fresh development CA: root valid 30 years, intermediate 10 years (from `now`, back-dated a day). */
export function createDevCa(now = new Date()): DevCa {
  const notBefore = new Date(now.getTime() - DAY_MS);
  const rootKey = generateP384Key();
  const rootDer = issueCertificate({
    commonName: "assay development enclave root",
    publicKey: createPublicKey(rootKey),
    selfKey: rootKey,
    notBefore,
    notAfter: new Date(now.getTime() + 30 * 365 * DAY_MS),
    ca: true,
    keyUsage: KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign | KeyUsageFlags.digitalSignature,
  });
  const root = { der: rootDer, key: rootKey };
  const intermediateKey = generateP384Key();
  const intermediateDer = issueCertificate({
    commonName: "assay development enclave intermediate",
    publicKey: createPublicKey(intermediateKey),
    issuer: root,
    notBefore,
    notAfter: new Date(now.getTime() + 10 * 365 * DAY_MS),
    ca: true,
    pathLength: 0,
    keyUsage: KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign | KeyUsageFlags.digitalSignature,
  });
  return { root, intermediate: { der: intermediateDer, key: intermediateKey } };
}

/** A leaf certificate for one development enclave instance, issued by the intermediate. */
export function issueDevLeaf(
  ca: DevCa,
  options: { commonName: string; notBefore?: Date; notAfter?: Date },
): CertifiedKey {
  const key = generateP384Key();
  const notBefore = options.notBefore ?? new Date(Date.now() - 60_000);
  const der = issueCertificate({
    commonName: options.commonName,
    publicKey: createPublicKey(key),
    issuer: ca.intermediate,
    notBefore,
    notAfter: options.notAfter ?? new Date(notBefore.getTime() + DEFAULT_LEAF_VALIDITY_MS),
    ca: false,
    keyUsage: KeyUsageFlags.digitalSignature | KeyUsageFlags.nonRepudiation,
  });
  return { der, key };
}

/** The development root as a pinned trust anchor (certificate and fingerprint). */
export function devRoot(ca: DevCa): RootSpec {
  return { certificate: ca.root.der, sha256: sha256Hex(ca.root.der) };
}

/** Whether `root` is a development CA root (its subject names the development organization). */
export function isDevRoot(root: RootSpec): boolean {
  const subject = loadRoot(root).x509.subject.split("\n");
  return subject.includes(`O=${DEV_ORGANIZATION}`);
}

/** Development-only trust (the development enclave or its CA) was asked for on another chain. */
export class DevelopmentOnlyError extends AssayError {
  readonly code = "DevelopmentOnly";
}

/**
 * Throws DevelopmentOnlyError unless `chainId` is a local development chain: `what` (the
 * development enclave, the development CA root) must not vouch for anything on a chain where
 * someone could lose money, because its keys sit on disk.
 */
export function requireDevelopmentChain(chainId: bigint | number | string, what: string, hint?: string): void {
  if (isDevelopmentChain(chainId)) return;
  throw new DevelopmentOnlyError(
    `${what} is refused on chain ${chainId}: it is for local development chains only ` +
      `(${DEVELOPMENT_CHAIN_IDS.join(", ")}); run a real AWS Nitro enclave and pin the AWS Nitro root there` +
      (hint ? `, ${hint}` : ""),
  );
}

export function devCaDir(): string {
  return path.join(cacheRoot(), "attest", "dev-ca");
}

/**
 * The development CA kept in `dir` (default <cache>/attest/dev-ca), created on first use.
 * Concurrent first uses agree on one CA: the file is published with an exclusive link.
 */
export function loadOrCreateDevCa(dir = devCaDir()): DevCa {
  const file = path.join(dir, "dev-ca.json");
  const existing = tryRead(file);
  if (existing) return decodeDevCa(existing, file);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const ca = createDevCa();
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  writeFileSync(tmp, encodeDevCa(ca), { mode: 0o600 });
  try {
    linkSync(tmp, file);
    return ca;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    return decodeDevCa(readFileSync(file, "utf8"), file);
  } finally {
    unlinkSync(tmp);
  }
}

function encodeDevCa(ca: DevCa): string {
  const pem = (k: KeyObject) => k.export({ type: "pkcs8", format: "pem" }) as string;
  return (
    JSON.stringify(
      {
        format: DEV_CA_FORMAT,
        warning: "assay DEVELOPMENT enclave CA. Its private keys are on disk: never pin this root in production.",
        root: { certificate: new X509Certificate(ca.root.der).toString(), key: pem(ca.root.key) },
        intermediate: {
          certificate: new X509Certificate(ca.intermediate.der).toString(),
          key: pem(ca.intermediate.key),
        },
      },
      null,
      2,
    ) + "\n"
  );
}

function decodeDevCa(text: string, file: string): DevCa {
  const json = JSON.parse(text);
  if (json.format !== DEV_CA_FORMAT) throw new Error(`${file}: unknown development CA format ${json.format}`);
  const load = (entry: { certificate: string; key: string }): CertifiedKey => ({
    der: new Uint8Array(new X509Certificate(entry.certificate).raw),
    key: createPrivateKey(entry.key),
  });
  return { root: load(json.root), intermediate: load(json.intermediate) };
}

function tryRead(file: string): string | null {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
}

function devName(commonName: string): Name {
  const rdn = (type: string, value: string) =>
    new RelativeDistinguishedName([
      new AttributeTypeAndValue({ type, value: new AttributeValue({ utf8String: value }) }),
    ]);
  return new Name([
    rdn(OID_ORGANIZATION, DEV_ORGANIZATION),
    rdn(OID_ORGANIZATIONAL_UNIT, "enclave"),
    rdn(OID_COMMON_NAME, commonName),
  ]);
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}
