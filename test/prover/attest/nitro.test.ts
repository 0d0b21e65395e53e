// The verifier against a real AWS Nitro Enclaves attestation document and the real AWS root,
// and that document mutated one fact at a time.
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { X509Certificate } from "node:crypto";
import {
  AWS_NITRO_ROOT_G1_PEM,
  AWS_NITRO_ROOT_G1_SHA256,
  AttestationError,
  awsNitroRoot,
  createDevCa,
  devRoot,
  encodeAttestationPayload,
  loadRoot,
  parseAttestationPayload,
  parseCoseSign1,
  verifyAttestation,
  type VerifyAttestationOptions,
} from "../../../prover/attest/index.js";
import { expectThrow } from "../../helpers/reject.js";

const fixture = (name: string) => new URL(`../../fixtures/nitro/${name}`, import.meta.url);
const DOC = new Uint8Array(
  Buffer.from(readFileSync(fixture("nitro-attestation-2022-09-15.b64"), "utf8").trim(), "base64"),
);
const ROOT_PEM = readFileSync(fixture("aws-nitro-enclaves-root-g1.pem"), "utf8");

const MODULE_ID = "i-0697c9729fa547b20-enc0183422ede9a5dc8";
const TIMESTAMP = Date.parse("2022-09-15T17:43:28.848Z");
const LEAF_NOT_AFTER = Date.parse("2022-09-15T20:43:27Z");
const PCR0 = "ea4212ee889ba1b4dbfe744aadecca8b1930de60a3a1ce3b0c79f42b231700fc561c3d9b34f0565ed9eb6f460996624c";
const PCR1 = "bcdf05fefccaa8e55bf2c8d6dee9e79bbff31e34bf28a99aa19e6b29c37ee80b214a414b7607236edf26fcb78654e63f";
const PCR2 = "1c8bc2d84761b0da2777d07d889792540966f88930417c214659ec2f2996534e7894b98bf46e5bc83263825e3ce307b8";
const NONCE = "47b5fba6979cbf7e567e2629";
/** A minute after the document was made: inside the leaf's validity and the default 5-minute freshness. */
const AT_ITS_TIME = new Date(TIMESTAMP + 60_000);

function opts(extra: Partial<VerifyAttestationOptions> = {}): VerifyAttestationOptions {
  return { roots: [awsNitroRoot()], now: AT_ITS_TIME, ...extra };
}

/** Runs `f`, which must throw an AttestationError; returns it for its facts. */
const rejection = (f: () => unknown): AttestationError => expectThrow(f, AttestationError);

function flipByteAt(bytes: Uint8Array, offset: number): Uint8Array {
  const out = new Uint8Array(bytes);
  out[offset] ^= 0x01;
  return out;
}

function offsetOf(haystack: Uint8Array, needle: Uint8Array): number {
  const at = Buffer.from(haystack).indexOf(Buffer.from(needle));
  expect(at, "needle present").to.be.greaterThan(-1);
  return at;
}

describe("attest: a real AWS Nitro document against the real AWS root", () => {
  it("the built-in root is the published AWS Nitro root G1 and has the pinned fingerprint", () => {
    expect(new X509Certificate(AWS_NITRO_ROOT_G1_PEM).raw.equals(new X509Certificate(ROOT_PEM).raw)).to.equal(true);
    expect(AWS_NITRO_ROOT_G1_SHA256).to.equal("641a0321a3e244efe456463195d606317ed7cdcc3c1756e09893f3c68f79bb5b");
    expect(loadRoot({ certificate: ROOT_PEM, sha256: AWS_NITRO_ROOT_G1_SHA256 }).sha256).to.equal(
      AWS_NITRO_ROOT_G1_SHA256,
    );
    const wrong = AWS_NITRO_ROOT_G1_SHA256.replace(/^64/, "65");
    expect(rejection(() => loadRoot({ certificate: ROOT_PEM, sha256: wrong })).code).to.equal("BadRoot");
  });

  it("verifies at its time and returns the document's facts", () => {
    const v = verifyAttestation(DOC, opts({ expectedNonce: Buffer.from(NONCE, "hex") }));
    expect(v.moduleId).to.equal(MODULE_ID);
    expect(v.timestamp).to.equal(TIMESTAMP);
    expect(v.digest).to.equal("SHA384");
    expect(v.pcrs.size).to.equal(16);
    expect([...v.pcrs.keys()]).to.deep.equal([...Array(16).keys()]);
    expect(Buffer.from(v.pcrs.get(0)!).toString("hex")).to.equal(PCR0);
    expect(Buffer.from(v.nonce!).toString("hex")).to.equal(NONCE);
    expect(v.publicKey!.length).to.equal(32);
    expect(JSON.parse(Buffer.from(v.userData!).toString("utf8"))).to.have.property("func_hash");
    expect(v.cabundle.length).to.equal(4);
    expect(v.rootSha256).to.equal(AWS_NITRO_ROOT_G1_SHA256);
    expect(v.leafSubject).to.contain(MODULE_ID);
    expect(v.validUntil.getTime()).to.equal(LEAF_NOT_AFTER);
    // Its 32-byte public_key is no secp256k1 key, so it binds no signer.
    expect(v.signer).to.equal(null);
  });

  it("our CBOR encoder reproduces the signed payload byte for byte (the dev enclave writes this format)", () => {
    const cose = parseCoseSign1(DOC);
    expect(cose.tagged).to.equal(false);
    const reencoded = encodeAttestationPayload(parseAttestationPayload(cose.payload));
    expect(Buffer.from(reencoded).equals(Buffer.from(cose.payload))).to.equal(true);
  });

  it("accepts its image and rejects an allowlist whose PCR0 differs in one nibble (PcrMismatch)", () => {
    expect(verifyAttestation(DOC, opts({ allowedPcrs: [{ 0: PCR0, 1: PCR1, 2: PCR2 }] })).approvedImage).to.equal(0);
    const otherPcr0 = (PCR0[0] === "e" ? "f" : "e") + PCR0.slice(1);
    const e = rejection(() => verifyAttestation(DOC, opts({ allowedPcrs: [{ 0: otherPcr0, 1: PCR1, 2: PCR2 }] })));
    expect(e.code).to.equal("PcrMismatch");
    expect(e.message).to.contain("PCR0");
    expect(rejection(() => verifyAttestation(DOC, opts({ allowedPcrs: [] }))).code).to.equal("PcrMismatch");
  });

  it("one byte of the payload changed (a PCR value) fails the ES384 signature (BadSignature)", () => {
    const tampered = flipByteAt(DOC, offsetOf(DOC, Buffer.from(PCR0, "hex")) + 10);
    expect(rejection(() => verifyAttestation(tampered, opts())).code).to.equal("BadSignature");
  });

  it("one byte of the signature changed (BadSignature)", () => {
    expect(rejection(() => verifyAttestation(flipByteAt(DOC, DOC.length - 1), opts())).code).to.equal("BadSignature");
  });

  it("a truncated document is no COSE_Sign1 (BadCose); a header naming ES512 is refused (UnsupportedAlgorithm)", () => {
    expect(rejection(() => verifyAttestation(DOC.subarray(0, DOC.length - 7), opts())).code).to.equal("BadCose");
    // 84 44 a1 01 38 22: array(4), bstr(4) {1: -35}; -36 is ES512.
    expect(Buffer.from(DOC.subarray(0, 6)).toString("hex")).to.equal("8444a1013822");
    const es512 = new Uint8Array(DOC);
    es512[5] = 0x23;
    const e = rejection(() => verifyAttestation(es512, opts()));
    expect(e.code).to.equal("UnsupportedAlgorithm");
    expect((e as unknown as { alg: number }).alg).to.equal(-36);
  });

  it("an intermediate certificate's signature changed breaks the chain (ChainInvalid)", () => {
    const intermediate = parseAttestationPayload(parseCoseSign1(DOC).payload).cabundle[2];
    const at = offsetOf(DOC, intermediate) + intermediate.length - 1;
    const e = rejection(() => verifyAttestation(flipByteAt(DOC, at), opts()));
    expect(e.code).to.equal("ChainInvalid");
    expect((e as unknown as { position: number }).position).to.equal(2);
  });

  it("the clock after the leaf's expiry (CertExpired) or before its start (CertNotYetValid)", () => {
    const after = rejection(() =>
      verifyAttestation(DOC, opts({ now: new Date(LEAF_NOT_AFTER + 1000), maxAgeMs: Infinity })),
    );
    expect(after.code).to.equal("CertExpired");
    expect((after as unknown as { notAfter: Date }).notAfter.getTime()).to.equal(LEAF_NOT_AFTER);
    const before = rejection(() => verifyAttestation(DOC, opts({ now: new Date("2022-09-15T17:43:00Z") })));
    expect(before.code).to.equal("CertNotYetValid");
  });

  it("the clock far after the timestamp but inside the leaf's validity (Stale)", () => {
    const now = new Date(TIMESTAMP + 2 * 3_600_000);
    expect(rejection(() => verifyAttestation(DOC, opts({ now }))).code).to.equal("Stale");
    expect(verifyAttestation(DOC, opts({ now, maxAgeMs: 3 * 3_600_000 })).moduleId).to.equal(MODULE_ID);
  });

  it("pinning a foreign root instead of AWS's (UntrustedRoot)", () => {
    const e = rejection(() => verifyAttestation(DOC, opts({ roots: [devRoot(createDevCa())] })));
    expect(e.code).to.equal("UntrustedRoot");
    expect((e as unknown as { bundleRootSha256: string }).bundleRootSha256).to.equal(AWS_NITRO_ROOT_G1_SHA256);
  });

  it("a different nonce (NonceMismatch)", () => {
    const wrong = Buffer.from(NONCE, "hex");
    wrong[0] ^= 0xff;
    expect(rejection(() => verifyAttestation(DOC, opts({ expectedNonce: wrong }))).code).to.equal("NonceMismatch");
  });

  it("asking it to bind an Ethereum signer, which its public_key does not (KeyNotBound)", () => {
    const e = rejection(() =>
      verifyAttestation(DOC, opts({ expectedSigner: "0x000000000000000000000000000000000000dEaD" })),
    );
    expect(e.code).to.equal("KeyNotBound");
    const pk = parseAttestationPayload(parseCoseSign1(DOC).payload).publicKey!;
    expect(verifyAttestation(DOC, opts({ expectedPublicKey: pk })).publicKey).to.deep.equal(pk);
    const otherPk = flipByteAt(pk, 0);
    expect(rejection(() => verifyAttestation(DOC, opts({ expectedPublicKey: otherPk }))).code).to.equal("KeyNotBound");
  });
});
