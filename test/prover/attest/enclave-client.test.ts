// The development enclave as a separate process: it attests its own secp256k1 key, the host
// verifies the document, and signatures from the enclave recover to the attested address.
import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { keccak256, toUtf8Bytes, getBytes } from "ethers";
import {
  AttestationError,
  EnclaveClient,
  EnclaveProcessError,
  IMAGE_BASE_DIR,
  enclaveImageFiles,
  loadOrCreateDevCa,
  devRoot,
  measureDevImage,
  verifyAttestation,
} from "../../../prover/attest/index.js";
import { expectThrow } from "../../helpers/reject.js";

describe("attest: the enclave process", () => {
  let dir: string;
  let enclave: EnclaveClient;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "assay-enclave-"));
    enclave = await EnclaveClient.start({ caDir: path.join(dir, "ca") });
  });

  after(async () => {
    await enclave?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("attest -> verify gives the enclave's own address (claims it signs: test/node/enclave.test.ts)", async () => {
    const approved = measureDevImage(enclaveImageFiles(), IMAGE_BASE_DIR).image;
    expect(enclave.pcrs[0]).to.equal(approved[0]);
    const nonce = new Uint8Array(randomBytes(32));
    const doc = await enclave.attest(nonce);
    const v = verifyAttestation(doc, {
      roots: [devRoot(loadOrCreateDevCa(path.join(dir, "ca")))],
      now: new Date(),
      expectedNonce: nonce,
      allowedPcrs: [approved],
      expectedSigner: enclave.address,
    });
    expect(v.signer?.address).to.equal(enclave.address);
    expect(v.signer?.via).to.equal("public_key");
    expect(v.moduleId).to.equal(enclave.moduleId);
  });

  it("a document from an enclave whose image holds one more file misses the approved image (PcrMismatch)", async () => {
    const model = path.join(dir, "model.bin");
    writeFileSync(model, randomBytes(64));
    const other = await EnclaveClient.start({ caDir: path.join(dir, "ca"), extraImageFiles: [model] });
    try {
      const approved = measureDevImage(enclaveImageFiles(), IMAGE_BASE_DIR).image;
      expect(other.pcrs[0]).to.not.equal(approved[0]);
      expect(other.pcrs[1]).to.equal(approved[1]); // same runtime
      const nonce = new Uint8Array(randomBytes(32));
      const doc = await other.attest(nonce);
      const roots = [devRoot(loadOrCreateDevCa(path.join(dir, "ca")))];
      const caught = expectThrow(
        () => verifyAttestation(doc, { roots, now: new Date(), expectedNonce: nonce, allowedPcrs: [approved] }),
        AttestationError,
      );
      expect(caught.code).to.equal("PcrMismatch");
      const withModel = measureDevImage(enclaveImageFiles([model]), IMAGE_BASE_DIR).image;
      expect(
        verifyAttestation(doc, { roots, now: new Date(), expectedNonce: nonce, allowedPcrs: [withModel] })
          .approvedImage,
      ).to.equal(0);
    } finally {
      await other.stop();
    }
  });

  it("there is no raw signing method; infer for a model outside the image is refused; each with its code", async () => {
    const digest = getBytes(keccak256(toUtf8Bytes("assay claim")));
    const raw = await enclave.request("sign", { digest }).then(
      () => null,
      (e) => e,
    );
    expect(raw).to.be.instanceOf(EnclaveProcessError);
    expect(raw.code).to.equal("UnknownMethod");
    const unknown = await enclave.request("infer", { circuitId: "0".repeat(32), input: [] }).then(
      () => null,
      (e) => e,
    );
    expect(unknown).to.be.instanceOf(EnclaveProcessError);
    expect(unknown.code).to.equal("UnknownModel");
    const badNonce = await enclave.request("attest", { nonce: "00" }).then(
      () => null,
      (e) => e,
    );
    expect(badNonce).to.be.instanceOf(EnclaveProcessError);
    expect(badNonce.code).to.equal("BadParams");
  });

  it("after stop, requests fail (Exited)", async () => {
    const temp = await EnclaveClient.start({ caDir: path.join(dir, "ca") });
    await temp.stop();
    const e = await temp.attest(new Uint8Array(8)).then(
      () => null,
      (err) => err,
    );
    expect(e).to.be.instanceOf(EnclaveProcessError);
    expect(e.code).to.equal("Exited");
  });
});
