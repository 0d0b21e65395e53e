// The development enclave's documents: accepted with the development root pinned, and each
// check of the verifier triggered by one changed fact.
import { expect } from "chai";
import { createPublicKey, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Wallet, getBytes } from "ethers";
import {
  AttestationError,
  awsNitroRoot,
  createDevCa,
  DevSecurityModule,
  encodeAttestationPayload,
  loadOrCreateDevCa,
  signCoseSign1,
  signerUserData,
  verifyAttestation,
  type AttestationPayload,
  type VerifyAttestationOptions,
} from "../../../prover/attest/index.js";
import { issueCertificate, generateP384Key } from "../../../prover/attest/dev-ca.js";
import { KeyUsageFlags } from "../../../prover/attest/certificate.js";
import { expectThrow } from "../../helpers/reject.js";

const IMAGE = { 0: "a0".repeat(48), 1: "a1".repeat(48), 2: "a2".repeat(48) };

/** Runs `f`, which must throw an AttestationError; returns it for its facts. */
const rejection = (f: () => unknown): AttestationError => expectThrow(f, AttestationError);

describe("attest: development enclave documents", () => {
  const ca = createDevCa();
  const nsm = DevSecurityModule.create(ca, { moduleId: "i-0123456789abcdef0-enc0123456789abcdef" });
  const wallet = Wallet.createRandom();
  const publicKey = getBytes(wallet.signingKey.publicKey);
  const nonce = new Uint8Array(randomBytes(16));

  const opts = (extra: Partial<VerifyAttestationOptions> = {}): VerifyAttestationOptions => ({
    roots: [nsm.root],
    now: new Date(),
    allowedPcrs: [IMAGE],
    expectedNonce: nonce,
    expectedSigner: wallet.address,
    ...extra,
  });
  const doc = (extra: Partial<Parameters<DevSecurityModule["createAttestationDocument"]>[0]> = {}) =>
    nsm.createAttestationDocument({ pcrs: IMAGE, publicKey, nonce, ...extra });
  /** A payload like the module's, with fields replaced, for documents the module would not write. */
  const payload = (extra: Partial<AttestationPayload>): AttestationPayload => ({
    moduleId: nsm.moduleId,
    digest: "SHA384",
    timestamp: Date.now(),
    pcrs: new Map(Object.entries(IMAGE).map(([k, v]) => [Number(k), Buffer.from(v, "hex")])),
    certificate: nsm.certificate,
    cabundle: [ca.root.der, ca.intermediate.der],
    publicKey,
    userData: null,
    nonce,
    ...extra,
  });

  it("verifies with the development root pinned, untagged and with COSE tag 18; binds the enclave's address", () => {
    for (const tagged of [false, true]) {
      const d = nsm.createAttestationDocument({ pcrs: IMAGE, publicKey, nonce }, { tagged });
      const v = verifyAttestation(d, opts());
      expect(v.moduleId).to.equal(nsm.moduleId);
      expect(v.pcrs.size).to.equal(16);
      expect(v.approvedImage).to.equal(0);
      expect(v.signer).to.deep.include({ address: wallet.address, via: "public_key" });
    }
  });

  it("is rejected when only the AWS root is pinned (UntrustedRoot)", () => {
    expect(rejection(() => verifyAttestation(doc(), opts({ roots: [awsNitroRoot()] }))).code).to.equal("UntrustedRoot");
  });

  it("all-zero image PCRs are debug mode (DebugPcrs), with or without an allowlist", () => {
    const debug = doc({ pcrs: {} });
    const zeros = { 0: "00".repeat(48), 1: "00".repeat(48), 2: "00".repeat(48) };
    expect(rejection(() => verifyAttestation(debug, opts({ allowedPcrs: undefined }))).code).to.equal("DebugPcrs");
    expect(rejection(() => verifyAttestation(debug, opts({ allowedPcrs: [zeros] }))).code).to.equal("DebugPcrs");
  });

  it("a PCR differing from the approved image (PcrMismatch); another approved image matches", () => {
    const other = { ...IMAGE, 2: "b2".repeat(48) };
    expect(rejection(() => verifyAttestation(doc(), opts({ allowedPcrs: [other] }))).code).to.equal("PcrMismatch");
    expect(verifyAttestation(doc(), opts({ allowedPcrs: [other, IMAGE] })).approvedImage).to.equal(1);
  });

  it("a timestamp ahead of the clock (FutureTimestamp); within the allowed skew it passes", () => {
    const now = Date.now();
    const ahead = doc({ timestamp: now + 10 * 60_000 });
    expect(rejection(() => verifyAttestation(ahead, opts({ now: new Date(now) }))).code).to.equal("FutureTimestamp");
    expect(verifyAttestation(doc({ timestamp: now + 30_000 }), opts({ now: new Date(now) })).timestamp).to.equal(
      now + 30_000,
    );
  });

  it("an old timestamp (Stale)", () => {
    const old = doc({ timestamp: Date.now() - 10 * 60_000 });
    expect(rejection(() => verifyAttestation(old, opts())).code).to.equal("Stale");
  });

  it("a wrong or missing nonce (NonceMismatch)", () => {
    expect(rejection(() => verifyAttestation(doc({ nonce: new Uint8Array(16) }), opts())).code).to.equal(
      "NonceMismatch",
    );
    expect(rejection(() => verifyAttestation(doc({ nonce: null }), opts())).code).to.equal("NonceMismatch");
  });

  it("a key that is not the expected signer's, or no key at all (KeyNotBound)", () => {
    const stranger = Wallet.createRandom();
    expect(rejection(() => verifyAttestation(doc(), opts({ expectedSigner: stranger.address }))).code).to.equal(
      "KeyNotBound",
    );
    expect(rejection(() => verifyAttestation(doc({ publicKey: null }), opts())).code).to.equal("KeyNotBound");
    const notOnCurve = new Uint8Array(publicKey);
    notOnCurve[64] ^= 0x01;
    expect(rejection(() => verifyAttestation(doc({ publicKey: notOnCurve }), opts())).code).to.equal("KeyNotBound");
  });

  it("user_data alone binds; public_key and user_data naming different signers is refused (KeyNotBound)", () => {
    const viaUserData = doc({ publicKey: null, userData: signerUserData(wallet.address) });
    expect(verifyAttestation(viaUserData, opts()).signer).to.deep.include({
      address: wallet.address,
      via: "user_data",
    });
    const conflicting = doc({ userData: signerUserData(Wallet.createRandom().address) });
    expect(rejection(() => verifyAttestation(conflicting, opts())).code).to.equal("KeyNotBound");
  });

  it("the public key as a DER SubjectPublicKeyInfo binds the same signer", () => {
    const spki = createPublicKey({
      key: {
        kty: "EC",
        crv: "secp256k1",
        x: Buffer.from(publicKey.subarray(1, 33)).toString("base64url"),
        y: Buffer.from(publicKey.subarray(33)).toString("base64url"),
      },
      format: "jwk",
    }).export({ type: "spki", format: "der" });
    expect(verifyAttestation(doc({ publicKey: new Uint8Array(spki) }), opts()).signer?.address).to.equal(
      wallet.address,
    );
  });

  it("a leaf whose certificate has expired (CertExpired)", () => {
    const hour = 3_600_000;
    const expired = DevSecurityModule.create(ca, {
      notBefore: new Date(Date.now() - 5 * hour),
      notAfter: new Date(Date.now() - 2 * hour),
    });
    const d = expired.createAttestationDocument({ pcrs: IMAGE, publicKey, nonce });
    expect(rejection(() => verifyAttestation(d, opts())).code).to.equal("CertExpired");
  });

  it("a cabundle without the leaf's issuer (ChainInvalid)", () => {
    const d = nsm.signPayload(encodeAttestationPayload(payload({ cabundle: [ca.root.der] })));
    expect(rejection(() => verifyAttestation(d, opts())).code).to.equal("ChainInvalid");
  });

  it("a leaf from another CA's same-named intermediate: the link's signature fails (ChainInvalid)", () => {
    const foreign = DevSecurityModule.create(createDevCa(), { moduleId: nsm.moduleId });
    const d = foreign.signPayload(encodeAttestationPayload(payload({ certificate: foreign.certificate })));
    const e = rejection(() => verifyAttestation(d, opts()));
    expect(e.code).to.equal("ChainInvalid");
    expect(e.message).to.contain("signature does not verify");
  });

  it("a leaf certificate used as a CA (ChainInvalid: not a CA)", () => {
    const now = Date.now();
    // A non-CA certificate straight under the root (no path length limit there), then a leaf "issued" by it.
    const leafKeyA = generateP384Key();
    const leafA = {
      key: leafKeyA,
      der: issueCertificate({
        commonName: "leaf-a.dev.assay",
        publicKey: createPublicKey(leafKeyA),
        issuer: ca.root,
        notBefore: new Date(now - 60_000),
        notAfter: new Date(now + 3_600_000),
        ca: false,
        keyUsage: KeyUsageFlags.digitalSignature | KeyUsageFlags.keyCertSign,
      }),
    };
    const forgedKey = generateP384Key();
    const forged = issueCertificate({
      commonName: "forged.dev.assay",
      publicKey: createPublicKey(forgedKey),
      issuer: leafA,
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + 3_600_000),
      ca: false,
      keyUsage: KeyUsageFlags.digitalSignature,
    });
    const p = payload({ certificate: forged, cabundle: [ca.root.der, leafA.der] });
    const e = rejection(() => verifyAttestation(signCoseSign1(encodeAttestationPayload(p), forgedKey), opts()));
    expect(e.code).to.equal("ChainInvalid");
    expect(e.message).to.contain("not a CA");
  });

  it("a sub-CA below the intermediate (path length 0) is refused (ChainInvalid: path length)", () => {
    const now = Date.now();
    const subKey = generateP384Key();
    const sub = {
      key: subKey,
      der: issueCertificate({
        commonName: "sub-ca.dev.assay",
        publicKey: createPublicKey(subKey),
        issuer: ca.intermediate,
        notBefore: new Date(now - 60_000),
        notAfter: new Date(now + 3_600_000),
        ca: true,
        keyUsage: KeyUsageFlags.keyCertSign,
      }),
    };
    const leafKey = generateP384Key();
    const leaf = issueCertificate({
      commonName: "leaf.dev.assay",
      publicKey: createPublicKey(leafKey),
      issuer: sub,
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + 3_600_000),
      ca: false,
      keyUsage: KeyUsageFlags.digitalSignature,
    });
    const p = payload({ certificate: leaf, cabundle: [ca.root.der, ca.intermediate.der, sub.der] });
    const e = rejection(() => verifyAttestation(signCoseSign1(encodeAttestationPayload(p), leafKey), opts()));
    expect(e.code).to.equal("ChainInvalid");
    expect(e.message).to.contain("path length 0 exceeded");
  });

  it("payload fields of the wrong kind (BadPayload): another digest, a 32-byte PCR", () => {
    const sha256 = nsm.signPayload(encodeAttestationPayload(payload({ digest: "SHA256" as "SHA384" })));
    const e1 = rejection(() => verifyAttestation(sha256, opts()));
    expect(e1.code).to.equal("BadPayload");
    expect((e1 as unknown as { field: string }).field).to.equal("digest");
    const shortPcr = nsm.signPayload(
      encodeAttestationPayload(payload({ pcrs: new Map([[0, new Uint8Array(32).fill(1)]]) })),
    );
    const e2 = rejection(() => verifyAttestation(shortPcr, opts()));
    expect(e2.code).to.equal("BadPayload");
    expect((e2 as unknown as { field: string }).field).to.equal("pcrs[0]");
  });

  it("the cached development CA is created once, kept private (0600) and reloaded identically", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "assay-dev-ca-"));
    try {
      const first = loadOrCreateDevCa(dir);
      const second = loadOrCreateDevCa(dir);
      expect(Buffer.from(second.root.der).equals(Buffer.from(first.root.der))).to.equal(true);
      expect(Buffer.from(second.intermediate.der).equals(Buffer.from(first.intermediate.der))).to.equal(true);
      expect(statSync(path.join(dir, "dev-ca.json")).mode & 0o777).to.equal(0o600);
      const d = DevSecurityModule.create(second).createAttestationDocument({ pcrs: IMAGE, publicKey, nonce });
      expect(verifyAttestation(d, opts({ roots: [DevSecurityModule.create(first).root] })).signer?.address).to.equal(
        wallet.address,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
