import { expect } from "chai";
import { network } from "hardhat";
import { Wallet, id, ZeroAddress, ZeroHash } from "ethers";
import { readyProtocol } from "./fixtures/protocol.js";
import { releaseToyModel } from "./fixtures/toy-model.js";

const { ethers, networkHelpers } = await network.create();

describe("EnclaveRegistry", function () {
  const fixture = () => readyProtocol(ethers);
  after(releaseToyModel);

  it("registers images once, permissionlessly", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    const m = id("image two");
    await expect(r.hub.connect(r.user).registerImage(ZeroHash)).to.be.revertedWithCustomError(
      r.hub,
      "EnclaveRegistryZeroMeasurement",
    );
    await expect(r.hub.connect(r.user).registerImage(m))
      .to.emit(r.hub, "EnclaveImageRegistered")
      .withArgs(m, 2, r.user.address);
    expect(await r.hub.registerImage.staticCall(m)).to.equal(2n);
    await expect(r.hub.registerImage(m)).not.to.emit(r.hub, "EnclaveImageRegistered");
    const image = await r.hub.enclaveImage(m);
    expect(image.measurement).to.equal(m);
    expect(image.index).to.equal(2n);
    expect(image.revoked).to.equal(false);
    const unknown = await r.hub.enclaveImage(id("nope"));
    expect(unknown.index).to.equal(0n);
    expect(unknown.measurement).to.equal(ZeroHash);
  });

  it("registers keys only through the attestation-verifier role, with the facts checked", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    const role = await r.hub.ATTESTATION_VERIFIER_ROLE();
    const key = Wallet.createRandom().address;
    const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
    const expiry = now + 1000n;
    const doc = id("doc 2");
    await expect(r.hub.connect(r.user).registerEnclaveKey(key, r.image, doc, expiry, r.operator.address))
      .to.be.revertedWithCustomError(r.hub, "AccessControlUnauthorizedAccount")
      .withArgs(r.user.address, role);
    const asAttester = r.hub.connect(r.attester);
    await expect(
      asAttester.registerEnclaveKey(ZeroAddress, r.image, doc, expiry, r.operator.address),
    ).to.be.revertedWithCustomError(r.hub, "EnclaveRegistryZeroKey");
    await expect(asAttester.registerEnclaveKey(r.enclave.address, r.image, doc, expiry, r.operator.address))
      .to.be.revertedWithCustomError(r.hub, "EnclaveRegistryKeyExists")
      .withArgs(r.enclave.address);
    const unknownImage = id("unknown image");
    await expect(asAttester.registerEnclaveKey(key, unknownImage, doc, expiry, r.operator.address))
      .to.be.revertedWithCustomError(r.hub, "EnclaveRegistryUnknownImage")
      .withArgs(unknownImage);
    await networkHelpers.time.setNextBlockTimestamp(now + 10n);
    await expect(asAttester.registerEnclaveKey(key, r.image, doc, now + 10n, r.operator.address))
      .to.be.revertedWithCustomError(r.hub, "EnclaveRegistryExpiryInPast")
      .withArgs(now + 10n, now + 10n);
    await expect(asAttester.registerEnclaveKey(key, r.image, doc, expiry, r.operator.address))
      .to.emit(r.hub, "EnclaveKeyRegistered")
      .withArgs(key, r.image, doc, expiry, r.operator.address);
    const record = await r.hub.enclaveKey(key);
    expect(record.measurement).to.equal(r.image);
    expect(record.imageIndex).to.equal(1n);
    expect(record.expiresAt).to.equal(expiry);
    expect(record.revoked).to.equal(false);
    expect(record.operator).to.equal(r.operator.address);
    expect(record.attestationDocHash).to.equal(doc);
    expect(await r.hub.canAttest(key, r.modelId)).to.equal(true);
    expect(await r.hub.canAttest(key, id("other model"))).to.equal(false);
  });

  it("expires keys at their expiry", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    await networkHelpers.time.increaseTo(r.enclaveExpiry - 1n);
    expect(await r.hub.canAttest(r.enclave.address, r.modelId)).to.equal(true);
    await networkHelpers.time.increaseTo(r.enclaveExpiry);
    expect(await r.hub.canAttest(r.enclave.address, r.modelId)).to.equal(false);
  });

  it("revokes one key", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    const role = await r.hub.ATTESTATION_VERIFIER_ROLE();
    await expect(r.hub.connect(r.user).revokeEnclaveKey(r.enclave.address))
      .to.be.revertedWithCustomError(r.hub, "AccessControlUnauthorizedAccount")
      .withArgs(r.user.address, role);
    const stranger = Wallet.createRandom().address;
    await expect(r.hub.connect(r.attester).revokeEnclaveKey(stranger))
      .to.be.revertedWithCustomError(r.hub, "EnclaveRegistryUnknownKey")
      .withArgs(stranger);
    await expect(r.hub.connect(r.attester).revokeEnclaveKey(r.enclave.address))
      .to.emit(r.hub, "EnclaveKeyRevoked")
      .withArgs(r.enclave.address, false);
    expect((await r.hub.enclaveKey(r.enclave.address)).revoked).to.equal(true);
    expect(await r.hub.canAttest(r.enclave.address, r.modelId)).to.equal(false);
    await expect(r.hub.connect(r.attester).revokeEnclaveKey(r.enclave.address))
      .to.be.revertedWithCustomError(r.hub, "EnclaveRegistryKeyRevoked")
      .withArgs(r.enclave.address);
  });

  it("revoking an image disables every key of it at once and blocks new ones", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    const second = Wallet.createRandom().address;
    await (
      await r.hub.connect(r.attester).registerEnclaveKey(second, r.image, id("doc"), r.enclaveExpiry, ZeroAddress)
    ).wait();
    const role = await r.hub.ATTESTATION_VERIFIER_ROLE();
    await expect(r.hub.connect(r.user).revokeImage(r.image))
      .to.be.revertedWithCustomError(r.hub, "AccessControlUnauthorizedAccount")
      .withArgs(r.user.address, role);
    const unknown = id("no image");
    await expect(r.hub.connect(r.attester).revokeImage(unknown))
      .to.be.revertedWithCustomError(r.hub, "EnclaveRegistryUnknownImage")
      .withArgs(unknown);
    const tx = await r.hub.connect(r.attester).revokeImage(r.image);
    await expect(tx).to.emit(r.hub, "EnclaveImageRevoked").withArgs(r.image, 1, r.attester.address);
    const ts = (await ethers.provider.getBlock((await tx.wait())!.blockNumber))!.timestamp;
    const image = await r.hub.enclaveImage(r.image);
    expect(image.revoked).to.equal(true);
    expect(image.revokedAt).to.equal(BigInt(ts));
    expect(await r.hub.canAttest(r.enclave.address, r.modelId)).to.equal(false);
    expect(await r.hub.canAttest(second, r.modelId)).to.equal(false);
    // The keys themselves are untouched: the image's status disables them.
    expect((await r.hub.enclaveKey(second)).revoked).to.equal(false);
    await expect(r.hub.connect(r.attester).revokeImage(r.image))
      .to.be.revertedWithCustomError(r.hub, "EnclaveRegistryImageRevoked")
      .withArgs(r.image);
    await expect(
      r.hub
        .connect(r.attester)
        .registerEnclaveKey(Wallet.createRandom().address, r.image, id("d"), r.enclaveExpiry, ZeroAddress),
    )
      .to.be.revertedWithCustomError(r.hub, "EnclaveRegistryImageRevoked")
      .withArgs(r.image);
  });
});
