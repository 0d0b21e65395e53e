// Enclave key registration: the attestation document is verified off-chain (pinned root, nonce,
// PCRs of an image the model approves on chain, key binding) before the key is registered
// through the attestation-verifier role; every failure leaves the key unregistered.
import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { network } from "hardhat";
import { type Contract, keccak256 } from "ethers";
import type { ArtifactRef } from "../../prover/artifacts.js";
import { createDevCa, devRoot, loadOrCreateDevCa } from "../../prover/attest/dev-ca.js";
import { EnclaveClient, enclaveImage } from "../../prover/attest/enclave-client.js";
import { PcrMismatchError, UntrustedRootError } from "../../prover/attest/errors.js";
import { verifyAttestation } from "../../prover/attest/verify-attestation.js";
import {
  EnclaveRegistrationError,
  imageMeasurementId,
  registerEnclave,
} from "../../prover/node/enclave-registration.js";
import { ChainTransactionError } from "../../prover/node/errors.js";
import { expectRejection } from "../helpers/reject.js";
import { type TestNode, testNode } from "./fixtures/node.js";

const { ethers } = await network.create();

describe("node: enclave key registration", function () {
  let node: TestNode;
  let modelId: string;
  let modelRef: ArtifactRef;

  before(async () => {
    node = await testNode(ethers);
    modelId = node.served[0].modelId;
    modelRef = node.served[0].model.ref;
  });
  after(async () => node?.stop());

  const asAttester = () => node.hub.connect(node.attester) as Contract;
  const roots = () => [devRoot(loadOrCreateDevCa(node.caDir))];
  const unregistered = async (key: string) => expect(Number((await node.hub.enclaveKey(key)).imageIndex)).to.equal(0);

  it("registers the bootstrapped enclave: PCR measurement, kept document hash, expiry, operator", async () => {
    const enclave = node.enclave!;
    const reg = node.registration!;
    const key = await node.hub.enclaveKey(enclave.address);
    expect(key.measurement).to.equal(imageMeasurementId(enclave.pcrs));
    expect(key.measurement).to.equal(imageMeasurementId(enclaveImage({ models: [modelRef] })));
    expect(await node.hub.approvedImages(modelId)).to.deep.equal([key.measurement]);
    expect([key.operator, Number(key.expiresAt), key.revoked]).to.deep.equal([
      node.operator.address,
      reg.expiresAt,
      false,
    ]);
    const doc = new Uint8Array(readFileSync(reg.documentFile!));
    expect(key.attestationDocHash).to.equal(keccak256(doc));
    // An auditor re-checks the kept document: it chains to the root and binds the key.
    const v = verifyAttestation(doc, {
      roots: roots(),
      now: new Date(),
      expectedSigner: enclave.address,
      allowedPcrs: [enclave.pcrs],
    });
    expect(imageMeasurementId(v.pcrs)).to.equal(key.measurement);
    const block = await ethers.provider.getBlock("latest");
    expect(reg.expiresAt)
      .to.be.greaterThan(block!.timestamp)
      .and.at.most(block!.timestamp + 86_400);
    expect(reg.expiresAt * 1000).to.be.at.most(v.validUntil.getTime() + 60_000);
    expect(await node.hub.canAttest(enclave.address, modelId)).to.equal(true);
  });

  it("an enclave whose image is not approved for the model is refused before any document is read", async () => {
    const extra = path.join(node.stateDir, "extra.bin");
    writeFileSync(extra, randomBytes(16));
    const other = await EnclaveClient.start({ caDir: node.caDir, models: [modelRef], extraImageFiles: [extra] });
    try {
      const e = await expectRejection(
        registerEnclave({
          protocol: asAttester(),
          enclave: other,
          roots: roots(),
          modelIds: [modelId],
          images: [other.pcrs],
          operator: node.operator.address,
          operatorSigner: node.operator,
        }),
        EnclaveRegistrationError,
      );
      expect(e.message).to.equal(`none of the 1 known enclave image(s) is approved on chain for model ${modelId}`);
      // Told the approved image, the verifier finds the document's PCRs differ from it.
      const e2 = await expectRejection(
        registerEnclave({
          protocol: asAttester(),
          enclave: other,
          roots: roots(),
          modelIds: [modelId],
          images: [node.image!.pcrs],
          operator: node.operator.address,
          operatorSigner: node.operator,
        }),
        PcrMismatchError,
      );
      expect(e2.code).to.equal("PcrMismatch");
      await unregistered(other.address);
    } finally {
      await other.stop();
    }
  });

  it("a document from a foreign root is refused (UntrustedRoot)", async () => {
    const fresh = await EnclaveClient.start({ caDir: node.caDir, models: [modelRef] });
    try {
      const foreign = [devRoot(createDevCa())];
      const e = await expectRejection(
        registerEnclave({
          protocol: asAttester(),
          enclave: fresh,
          roots: foreign,
          modelIds: [modelId],
          images: [node.image!.pcrs],
          operator: node.operator.address,
          operatorSigner: node.operator,
        }),
        UntrustedRootError,
      );
      expect(e.code).to.equal("UntrustedRoot");
      await unregistered(fresh.address);

      // Verified, but sent by an account without the attestation-verifier role: the chain refuses.
      const role = await node.hub.ATTESTATION_VERIFIER_ROLE();
      const e2 = await expectRejection(
        registerEnclave({
          protocol: node.hub.connect(node.operator) as Contract,
          enclave: fresh,
          roots: roots(),
          modelIds: [modelId],
          images: [node.image!.pcrs],
          operator: node.operator.address,
          operatorSigner: node.operator,
        }),
        ChainTransactionError,
      );
      expect(e2.message).to.equal(
        `registerEnclaveKey failed on chain: AccessControlUnauthorizedAccount(${node.operator.address}, ${role})`,
      );
      await unregistered(fresh.address);

      // With the role it goes through, once: a key is write-once.
      const ok = await registerEnclave({
        protocol: asAttester(),
        enclave: fresh,
        roots: roots(),
        modelIds: [modelId],
        images: [node.image!.pcrs],
        operator: node.operator.address,
        operatorSigner: node.operator,
      });
      expect(await node.hub.canAttest(fresh.address, modelId)).to.equal(true);
      expect(ok.measurement).to.equal(node.image!.measurement);
      const again = await expectRejection(
        registerEnclave({
          protocol: asAttester(),
          enclave: fresh,
          roots: roots(),
          modelIds: [modelId],
          images: [node.image!.pcrs],
          operator: node.operator.address,
          operatorSigner: node.operator,
        }),
        ChainTransactionError,
      );
      expect(again.message).to.equal(`registerEnclaveKey failed on chain: EnclaveRegistryKeyExists(${fresh.address})`);
    } finally {
      await fresh.stop();
    }
  });
});
