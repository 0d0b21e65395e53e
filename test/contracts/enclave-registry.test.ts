import { expect } from "chai";
import { network } from "hardhat";
import { Wallet, id, ZeroAddress, ZeroHash } from "ethers";
import { backingConsent, readyProtocol } from "./fixtures/protocol.js";
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
    await expect(
      r.hub
        .connect(r.user)
        .registerEnclaveKey(
          key,
          r.image,
          doc,
          expiry,
          r.operator.address,
          await backingConsent(r.hub, r.operator, key, r.image, expiry),
        ),
    )
      .to.be.revertedWithCustomError(r.hub, "AccessControlUnauthorizedAccount")
      .withArgs(r.user.address, role);
    const asAttester = r.hub.connect(r.attester);
    await expect(
      asAttester.registerEnclaveKey(
        ZeroAddress,
        r.image,
        doc,
        expiry,
        r.operator.address,
        await backingConsent(r.hub, r.operator, ZeroAddress, r.image, expiry),
      ),
    ).to.be.revertedWithCustomError(r.hub, "EnclaveRegistryZeroKey");
    await expect(
      asAttester.registerEnclaveKey(
        r.enclave.address,
        r.image,
        doc,
        expiry,
        r.operator.address,
        await backingConsent(r.hub, r.operator, r.enclave.address, r.image, expiry),
      ),
    )
      .to.be.revertedWithCustomError(r.hub, "EnclaveRegistryKeyExists")
      .withArgs(r.enclave.address);
    const unknownImage = id("unknown image");
    await expect(
      asAttester.registerEnclaveKey(
        key,
        unknownImage,
        doc,
        expiry,
        r.operator.address,
        await backingConsent(r.hub, r.operator, key, unknownImage, expiry),
      ),
    )
      .to.be.revertedWithCustomError(r.hub, "EnclaveRegistryUnknownImage")
      .withArgs(unknownImage);
    await networkHelpers.time.setNextBlockTimestamp(now + 10n);
    await expect(
      asAttester.registerEnclaveKey(
        key,
        r.image,
        doc,
        now + 10n,
        r.operator.address,
        await backingConsent(r.hub, r.operator, key, r.image, now + 10n),
      ),
    )
      .to.be.revertedWithCustomError(r.hub, "EnclaveRegistryExpiryInPast")
      .withArgs(now + 10n, now + 10n);
    await expect(
      asAttester.registerEnclaveKey(
        key,
        r.image,
        doc,
        expiry,
        r.operator.address,
        await backingConsent(r.hub, r.operator, key, r.image, expiry),
      ),
    )
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

  it("puts a key on an operator's stake only with its consent, and only if it is staked", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    const asAttester = r.hub.connect(r.attester);
    const key = Wallet.createRandom().address;
    const expiry = BigInt((await ethers.provider.getBlock("latest"))!.timestamp) + 1000n;
    const doc = id("doc 3");
    await expect(
      asAttester.registerEnclaveKey(key, r.image, doc, expiry, ZeroAddress, "0x"),
    ).to.be.revertedWithCustomError(r.hub, "EnclaveRegistryZeroOperator");
    // No signature, a signature by someone else, and a signature over other terms are refused.
    for (const sig of [
      "0x",
      await backingConsent(r.hub, r.user, key, r.image, expiry),
      await backingConsent(r.hub, r.operator, key, r.image, expiry + 1n),
      await backingConsent(r.hub, r.operator, Wallet.createRandom().address, r.image, expiry),
    ]) {
      await expect(asAttester.registerEnclaveKey(key, r.image, doc, expiry, r.operator.address, sig))
        .to.be.revertedWithCustomError(r.hub, "EnclaveRegistryNoOperatorConsent")
        .withArgs(r.operator.address, key);
    }
    // An unstaked account cannot back a key even if it consents.
    await expect(
      asAttester.registerEnclaveKey(
        key,
        r.image,
        doc,
        expiry,
        r.user.address,
        await backingConsent(r.hub, r.user, key, r.image, expiry),
      ),
    )
      .to.be.revertedWithCustomError(r.hub, "EnclaveRegistryOperatorNotStaked")
      .withArgs(r.user.address, 0, r.params.minStake);
    // An operator holding the role registers its own key without a signature.
    await (await r.hub.grantRole(await r.hub.ATTESTATION_VERIFIER_ROLE(), r.operator.address)).wait();
    await expect(r.hub.connect(r.operator).registerEnclaveKey(key, r.image, doc, expiry, r.operator.address, "0x"))
      .to.emit(r.hub, "EnclaveKeyRegistered")
      .withArgs(key, r.image, doc, expiry, r.operator.address);
    expect(await r.hub.enclaveKeyBackingDigest(key, r.image, expiry)).to.match(/^0x[0-9a-f]{64}$/);
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
      await r.hub
        .connect(r.attester)
        .registerEnclaveKey(
          second,
          r.image,
          id("doc"),
          r.enclaveExpiry,
          r.enclaveOperator.address,
          await backingConsent(r.hub, r.enclaveOperator, second, r.image, r.enclaveExpiry),
        )
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
    // Revoking the image revoked each of its keys in the same transaction.
    expect((await r.hub.enclaveKey(second)).revoked).to.equal(true);
    expect((await r.hub.enclaveKey(r.enclave.address)).revoked).to.equal(true);
    await expect(r.hub.connect(r.attester).revokeImage(r.image))
      .to.be.revertedWithCustomError(r.hub, "EnclaveRegistryImageRevoked")
      .withArgs(r.image);
    await expect(
      r.hub
        .connect(r.attester)
        .registerEnclaveKey(
          Wallet.createRandom().address,
          r.image,
          id("d"),
          r.enclaveExpiry,
          r.enclaveOperator.address,
          await backingConsent(r.hub, r.enclaveOperator, Wallet.createRandom().address, r.image, r.enclaveExpiry),
        ),
    )
      .to.be.revertedWithCustomError(r.hub, "EnclaveRegistryImageRevoked")
      .withArgs(r.image);
  });
});
