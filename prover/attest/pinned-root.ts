// Trust anchors. A document is trusted only if its CA bundle starts at a pinned root, byte for
// byte. The AWS Nitro Enclaves root G1 is built in, pinned by its certificate and by the SHA-256
// fingerprint of its DER that AWS publishes; loading it re-checks the fingerprint.
import { X509Certificate } from "node:crypto";
import { parseCertificate, type ParsedCertificate } from "./certificate.js";
import { BadRootError } from "./errors.js";

/** AWS Nitro Enclaves root G1: CN=aws.nitro-enclaves, O=Amazon, OU=AWS, C=US, 2019-10-28 .. 2049-10-28. */
export const AWS_NITRO_ROOT_G1_PEM = `-----BEGIN CERTIFICATE-----
MIICETCCAZagAwIBAgIRAPkxdWgbkK/hHUbMtOTn+FYwCgYIKoZIzj0EAwMwSTEL
MAkGA1UEBhMCVVMxDzANBgNVBAoMBkFtYXpvbjEMMAoGA1UECwwDQVdTMRswGQYD
VQQDDBJhd3Mubml0cm8tZW5jbGF2ZXMwHhcNMTkxMDI4MTMyODA1WhcNNDkxMDI4
MTQyODA1WjBJMQswCQYDVQQGEwJVUzEPMA0GA1UECgwGQW1hem9uMQwwCgYDVQQL
DANBV1MxGzAZBgNVBAMMEmF3cy5uaXRyby1lbmNsYXZlczB2MBAGByqGSM49AgEG
BSuBBAAiA2IABPwCVOumCMHzaHDimtqQvkY4MpJzbolL//Zy2YlES1BR5TSksfbb
48C8WBoyt7F2Bw7eEtaaP+ohG2bnUs990d0JX28TcPQXCEPZ3BABIeTPYwEoCWZE
h8l5YoQwTcU/9KNCMEAwDwYDVR0TAQH/BAUwAwEB/zAdBgNVHQ4EFgQUkCW1DdkF
R+eWw5b6cp3PmanfS5YwDgYDVR0PAQH/BAQDAgGGMAoGCCqGSM49BAMDA2kAMGYC
MQCjfy+Rocm9Xue4YnwWmNJVA44fA0P5W2OpYow9OYCVRaEevL8uO1XYru5xtMPW
rfMCMQCi85sWBbJwKKXdS6BptQFuZbT73o/gBh1qUxl/nNr12UO8Yfwr6wPLb+6N
IwLz3/Y=
-----END CERTIFICATE-----
`;

/** SHA-256 of the DER of the AWS Nitro Enclaves root G1, as AWS publishes it. */
export const AWS_NITRO_ROOT_G1_SHA256 = "641a0321a3e244efe456463195d606317ed7cdcc3c1756e09893f3c68f79bb5b";

/** A root given as PEM text, DER bytes, a parsed certificate, or any of these with its expected SHA-256. */
export type RootSpec =
  string | Uint8Array | X509Certificate | { certificate: string | Uint8Array | X509Certificate; sha256: string };

/** Parses and checks one pinned root: well formed, a CA, and (when given) with the expected fingerprint. */
export function loadRoot(spec: RootSpec): ParsedCertificate {
  const source = isPinned(spec) ? spec.certificate : spec;
  let root: ParsedCertificate;
  try {
    const der =
      source instanceof X509Certificate
        ? source.raw
        : typeof source === "string"
          ? new X509Certificate(source).raw
          : source;
    root = parseCertificate(der);
  } catch (e) {
    throw new BadRootError(`not a certificate (${(e as Error).message})`);
  }
  if (isPinned(spec)) {
    const want = spec.sha256.toLowerCase().replace(/^0x/, "").replace(/:/g, "");
    if (root.sha256 !== want) throw new BadRootError(`${root.subject} has SHA-256 ${root.sha256}, pinned ${want}`);
  }
  if (!root.x509.ca || !root.basicConstraints?.ca) throw new BadRootError(`${root.subject} is not a CA certificate`);
  if (!root.x509.verify(root.x509.publicKey)) throw new BadRootError(`${root.subject} is not self-signed`);
  return root;
}

export function loadRoots(specs: readonly RootSpec[]): ParsedCertificate[] {
  if (specs.length === 0) throw new BadRootError("no root pinned");
  return specs.map(loadRoot);
}

/** The AWS Nitro Enclaves root G1, pinned by certificate and fingerprint. */
export function awsNitroRoot(): RootSpec {
  return { certificate: AWS_NITRO_ROOT_G1_PEM, sha256: AWS_NITRO_ROOT_G1_SHA256 };
}

function isPinned(spec: RootSpec): spec is { certificate: string | Uint8Array | X509Certificate; sha256: string } {
  return typeof spec === "object" && !(spec instanceof Uint8Array) && !(spec instanceof X509Certificate);
}
