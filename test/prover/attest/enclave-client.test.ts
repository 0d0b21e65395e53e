// The development enclave as a separate process: it attests its own secp256k1 key, the host
// verifies the document, and signatures from the enclave recover to the attested address. It
// signs AttestedClaim(claimId, verifyingKeyId) with the key id it computed from the verifying key
// in its image, only for model ids bound (once) to the circuit it runs, and only for development
// chains.
import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { keccak256, toUtf8Bytes, getBytes, recoverAddress } from "ethers";
import { artifactPath } from "../../../prover/artifacts.js";
import { attestedClaimDigest, claimIdOf } from "../../../prover/chain/claim.js";
import type { CompiledModel } from "../../../prover/compile-model.js";
import { DevelopmentOnlyError } from "../../../prover/attest/dev-ca.js";
import { releaseCurve } from "../../../prover/zk/groth16.js";
import { verifyingKeyId } from "../../../prover/zk/vkey-encoding.js";
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
import { expectRejection, expectThrow } from "../../helpers/reject.js";
import { tinyInput, tinyModel } from "./fixtures/tiny-model.js";

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

  describe("serving a model", () => {
    let model: CompiledModel;
    let served: EnclaveClient;
    const modelId = keccak256(toUtf8Bytes("tiny model id"));
    const context = (over: Partial<{ modelId: string; chainId: bigint }> = {}) => ({
      modelId,
      requestId: keccak256(toUtf8Bytes("request")),
      deadline: 2n ** 40n,
      chainId: 31337n,
      hub: "0x00000000000000000000000000000000000000aa",
      ...over,
    });

    before(async () => {
      model = await tinyModel();
      served = await EnclaveClient.start({ caDir: path.join(dir, "ca"), models: [model.ref] });
    });
    after(async () => {
      await served?.stop();
      await releaseCurve();
    });

    it("the verifying key is in the image and the enclave computes its key id itself", () => {
      const keyId = verifyingKeyId(model.vkey!);
      expect(served.verifyingKeys).to.deep.equal({ [model.ref.circuitId]: keyId });
      const vkeyFile = artifactPath(model.ref, "vkey");
      const files = enclaveImageFiles([], [model.ref]);
      expect(files).to.include(vkeyFile);
      expect(served.pcrs[0]).to.equal(measureDevImage(files, IMAGE_BASE_DIR).image[0]);
      const withoutKey = files.filter((f) => f !== vkeyFile);
      expect(served.pcrs[0]).to.not.equal(measureDevImage(withoutKey, IMAGE_BASE_DIR).image[0]);
    });

    it("an unbound model id is refused (ModelMismatch); bound, it signs AttestedClaim with its key id", async () => {
      const input = tinyInput(3);
      const unbound = await expectRejection(served.infer(model.ref.circuitId, input, context()), EnclaveProcessError);
      expect([unbound.code, unbound.message]).to.deep.equal([
        "ModelMismatch",
        `enclave: model ${modelId} is not bound to circuit ${model.ref.circuitId} in this enclave (bind it first)`,
      ]);
      const bound = await served.bind(modelId, model.ref.circuitId);
      expect(bound).to.deep.equal({
        modelId,
        circuitId: model.ref.circuitId,
        verifyingKeyId: served.verifyingKeys[model.ref.circuitId],
      });
      expect(served.boundCircuit(modelId)).to.equal(model.ref.circuitId);
      // The same binding again is accepted; a circuit the image does not hold is not.
      await served.bind(modelId, model.ref.circuitId);
      const unknown = await expectRejection(served.bind(modelId, "f".repeat(32)), EnclaveProcessError);
      expect(unknown.code).to.equal("UnknownModel");
      const r = await served.infer(model.ref.circuitId, input, context());
      const ctx = context();
      expect(r.claimId).to.equal(claimIdOf(r.claim, ctx.chainId, ctx.hub));
      expect(r.verifyingKeyId).to.equal(verifyingKeyId(model.vkey!));
      const digest = attestedClaimDigest(r.claimId, r.verifyingKeyId, ctx.chainId, ctx.hub);
      expect(recoverAddress(digest, r.signature)).to.equal(served.address);
      // The signature is not over the bare claim id (what a Signed claim is signed over).
      expect(recoverAddress(r.claimId, r.signature)).to.not.equal(served.address);
    });

    it("the development enclave refuses to sign for a chain that is not a development chain", async () => {
      await served.bind(modelId, model.ref.circuitId);
      const e = await expectRejection(
        served.infer(model.ref.circuitId, tinyInput(4), context({ chainId: 8453n })),
        EnclaveProcessError,
      );
      expect([e.code, e.message]).to.deep.equal([
        "DevelopmentOnly",
        "enclave: the development enclave signs for local development chains only, not chain 8453: " +
          "run a real Nitro enclave there",
      ]);
    });

    it("start is refused off development chains, for a model without keys, for a binding to no circuit", async () => {
      const caDir = path.join(dir, "ca");
      const refused = await expectRejection(EnclaveClient.start({ caDir, chainId: 8453n }), DevelopmentOnlyError);
      expect(refused.message).to.equal(
        "the development enclave is refused on chain 8453: it is for local development chains only (31337, 1337); " +
          "run a real AWS Nitro enclave and pin the AWS Nitro root there",
      );
      const noKeys = await expectRejection(
        EnclaveClient.start({ caDir, models: [{ circuitId: model.ref.circuitId }] }),
        EnclaveProcessError,
      );
      expect(noKeys.code).to.equal("NoVerifyingKey");
      const elsewhere = await expectRejection(
        EnclaveClient.start({
          caDir,
          models: [model.ref],
          bindings: [
            { modelId, circuitId: model.ref.circuitId },
            { modelId, circuitId: "0".repeat(32) },
          ],
        }),
        EnclaveProcessError,
      );
      expect(elsewhere.code).to.equal("UnknownModel");
    });
  });
});
