import { expect } from "chai";
import { network } from "hardhat";
import { AbiCoder, id, keccak256, ZeroAddress, ZeroHash } from "ethers";
import { anyValue } from "@nomicfoundation/hardhat-ethers-chai-matchers/withArgs";
import { encodeVerifyingKey, verifyingKeyId } from "../../prover/zk/vkey-encoding.js";
import { LEVEL, LEVEL_BITS, fam, modelInput, readyProtocol, type ModelInput } from "./fixtures/protocol.js";
import { releaseToyModel } from "./fixtures/toy-model.js";

const { ethers, networkHelpers } = await network.create();

const MODEL_TUPLE =
  "tuple(bytes32 family,bytes32 onnxSha256,bytes32 quantizationHash,bytes32 circuitHash,bytes32 verifyingKeyId," +
  "uint8 allowedLevels," +
  "tuple(uint32[] shape,int16 frac,uint8 bits,bool isSigned) input," +
  "tuple(uint32[] shape,int16 frac,uint8 bits,bool isSigned) output," +
  "string storageUri,bytes32[] enclaveImages," +
  "tuple(bytes32 ptauHash,bytes32 phase2Hash,bool development) setup)";

function descriptorHash(m: ModelInput): string {
  return keccak256(AbiCoder.defaultAbiCoder().encode([MODEL_TUPLE], [m]));
}

describe("ModelRegistry", function () {
  const fixture = () => readyProtocol(ethers);

  after(releaseToyModel);

  it("registers a version: id, stored fields, descriptor hash and events", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    const owner = r.others[0];
    const input = modelInput(r.toy, {
      family: fam("fresh family", owner.address),
      setup: { ptauHash: id("a real ptau"), phase2Hash: id("a real zkey"), development: false },
    });
    const expectedId = keccak256(AbiCoder.defaultAbiCoder().encode(["bytes32", "uint32"], [input.family, 1]));
    await expect(r.hub.connect(owner).registerModelVersion(input))
      .to.emit(r.hub, "ModelFamilyCreated")
      .withArgs(input.family, owner.address)
      .and.to.emit(r.hub, "ModelVersionRegistered")
      .withArgs(expectedId, input.family, 1, descriptorHash(input), anyValue);
    expect(await r.hub.modelIdOf(input.family, 1)).to.equal(expectedId);
    expect(await r.hub.descriptorHashOf(input)).to.equal(descriptorHash(input));
    const v = await r.hub.modelVersion(expectedId);
    const block = await ethers.provider.getBlock("latest");
    expect(v.family).to.equal(input.family);
    expect(v.version).to.equal(1n);
    expect(v.status).to.equal(1n); // Active
    expect(v.allowedLevels).to.equal(BigInt(input.allowedLevels));
    expect(v.registeredAt).to.equal(BigInt(block!.timestamp));
    expect(v.deprecatedAt).to.equal(0n);
    expect(v.verifyingKeyId).to.equal(r.toy.keyId);
    expect(v.descriptorHash).to.equal(descriptorHash(input));
    expect(v.developmentSetup).to.equal(false);
    expect((await r.hub.modelVersion(r.modelId)).developmentSetup).to.equal(true);
    expect(await r.hub.familyOwner(input.family)).to.equal(owner.address);
    expect(await r.hub.latestVersion(input.family)).to.equal(1n);
    expect(await r.hub.acceptsLevel(expectedId, LEVEL.Signed)).to.equal(true);
    expect(await r.hub.acceptsLevel(expectedId, LEVEL.Attested)).to.equal(false);
    expect(await r.hub.acceptsLevel(expectedId, LEVEL.Proven)).to.equal(true);
    expect(await r.hub.acceptsLevel(expectedId, LEVEL.None)).to.equal(false);
    expect(await r.hub.approvedImages(expectedId)).to.deep.equal([]);
  });

  it("numbers later versions of a family and only lets its owner add them", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    const input = modelInput(r.toy, { enclaveImages: [r.image], onnxSha256: id("v2.onnx") });
    const v2 = keccak256(AbiCoder.defaultAbiCoder().encode(["bytes32", "uint32"], [input.family, 2]));
    await expect(r.hub.registerModelVersion(input))
      .to.emit(r.hub, "ModelVersionRegistered")
      .withArgs(v2, input.family, 2, descriptorHash(input), anyValue)
      .and.not.to.emit(r.hub, "ModelFamilyCreated");
    expect(await r.hub.latestVersion(input.family)).to.equal(2n);
    expect(await r.hub.approvedImages(v2)).to.deep.equal([r.image]);
    await expect(r.hub.connect(r.user).registerModelVersion(input))
      .to.be.revertedWithCustomError(r.hub, "ModelRegistryNotFamilyOwner")
      .withArgs(input.family, r.user.address, r.admin.address);
  });

  it("rejects malformed versions with the facts", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    const bad = (o: Partial<ModelInput>) => r.hub.registerModelVersion(modelInput(r.toy, { family: fam("bad"), ...o }));
    await expect(bad({ family: ZeroHash })).to.be.revertedWithCustomError(r.hub, "ModelRegistryZeroFamily");
    for (const levels of [
      0,
      LEVEL_BITS.Signed,
      LEVEL_BITS.Signed | LEVEL_BITS.Attested,
      1 | LEVEL_BITS.Proven,
      16 | LEVEL_BITS.Proven,
    ]) {
      await expect(bad({ allowedLevels: levels }))
        .to.be.revertedWithCustomError(r.hub, "ModelRegistryInvalidLevels")
        .withArgs(levels);
    }
    const unknownKey = id("no such key");
    await expect(bad({ verifyingKeyId: unknownKey }))
      .to.be.revertedWithCustomError(r.hub, "ModelRegistryUnknownVerifyingKey")
      .withArgs(unknownKey);
    // A valid key with two public signals: the toy key without its last IC point.
    const twoSignals = { ...r.toy.vkey, nPublic: 2, IC: r.toy.vkey.IC.slice(0, 3) };
    await (await r.verifier.registerKey(encodeVerifyingKey(twoSignals))).wait();
    const twoId = verifyingKeyId(twoSignals);
    await expect(bad({ verifyingKeyId: twoId }))
      .to.be.revertedWithCustomError(r.hub, "ModelRegistryKeySignalCount")
      .withArgs(twoId, 2);
    const all = LEVEL_BITS.Signed | LEVEL_BITS.Attested | LEVEL_BITS.Proven;
    await expect(bad({ allowedLevels: all, enclaveImages: [] }))
      .to.be.revertedWithCustomError(r.hub, "ModelRegistryImagesMismatch")
      .withArgs(all, 0);
    await expect(bad({ allowedLevels: LEVEL_BITS.Signed | LEVEL_BITS.Proven, enclaveImages: [r.image] }))
      .to.be.revertedWithCustomError(r.hub, "ModelRegistryImagesMismatch")
      .withArgs(LEVEL_BITS.Signed | LEVEL_BITS.Proven, 1);
    const unknownImage = id("unknown image");
    await expect(bad({ allowedLevels: all, enclaveImages: [unknownImage] }))
      .to.be.revertedWithCustomError(r.hub, "EnclaveRegistryUnknownImage")
      .withArgs(unknownImage);
    await expect(bad({ allowedLevels: all, enclaveImages: [r.image, r.image] }))
      .to.be.revertedWithCustomError(r.hub, "ModelRegistryDuplicateImage")
      .withArgs(r.image);
    const nine = Array.from({ length: 9 }, (_, i) => id(`image ${i}`));
    for (const m of nine) await (await r.hub.registerImage(m)).wait();
    await expect(bad({ allowedLevels: all, enclaveImages: nine }))
      .to.be.revertedWithCustomError(r.hub, "ModelRegistryTooManyImages")
      .withArgs(9, 8);
    // Eight is the limit, and fits.
    await expect(bad({ allowedLevels: all, enclaveImages: nine.slice(0, 8) })).to.emit(r.hub, "ModelVersionRegistered");
    expect(await r.hub.approvedImages(await r.hub.modelIdOf(fam("bad"), 1))).to.deep.equal(nine.slice(0, 8));
  });

  it("deprecates a version without deleting it", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    expect(await r.hub.canAttest(r.enclave.address, r.modelId)).to.equal(true);
    await expect(r.hub.connect(r.user).deprecateModelVersion(r.modelId))
      .to.be.revertedWithCustomError(r.hub, "ModelRegistryNotFamilyOwner")
      .withArgs(r.model.family, r.user.address, r.admin.address);
    await expect(r.hub.deprecateModelVersion(r.modelId))
      .to.emit(r.hub, "ModelVersionDeprecated")
      .withArgs(r.modelId, r.model.family);
    const v = await r.hub.modelVersion(r.modelId);
    expect(v.status).to.equal(2n); // Deprecated
    expect(v.deprecatedAt).to.equal(BigInt((await ethers.provider.getBlock("latest"))!.timestamp));
    expect(v.verifyingKeyId).to.equal(r.toy.keyId);
    expect(await r.hub.approvedImages(r.modelId)).to.deep.equal([r.image]);
    expect(await r.hub.acceptsLevel(r.modelId, LEVEL.Signed)).to.equal(false);
    expect(await r.hub.acceptsLevel(r.modelId, LEVEL.Proven)).to.equal(false);
    expect(await r.hub.canAttest(r.enclave.address, r.modelId)).to.equal(false);
    await expect(r.hub.deprecateModelVersion(r.modelId))
      .to.be.revertedWithCustomError(r.hub, "ModelRegistryAlreadyDeprecated")
      .withArgs(r.modelId);
    const unknown = id("unknown model");
    await expect(r.hub.deprecateModelVersion(unknown))
      .to.be.revertedWithCustomError(r.hub, "ModelRegistryUnknownModel")
      .withArgs(unknown);
    await expect(r.hub.modelVersion(unknown))
      .to.be.revertedWithCustomError(r.hub, "ModelRegistryUnknownModel")
      .withArgs(unknown);
  });

  it("transfers a family to a new owner", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    const family = r.model.family;
    await expect(r.hub.connect(r.user).transferModelFamily(family, r.user.address))
      .to.be.revertedWithCustomError(r.hub, "ModelRegistryNotFamilyOwner")
      .withArgs(family, r.user.address, r.admin.address);
    await expect(r.hub.transferModelFamily(family, ZeroAddress)).to.be.revertedWithCustomError(
      r.hub,
      "ModelRegistryZeroOwner",
    );
    await expect(r.hub.transferModelFamily(family, r.user.address))
      .to.emit(r.hub, "ModelFamilyOwnershipTransferred")
      .withArgs(family, r.admin.address, r.user.address);
    expect(await r.hub.familyOwner(family)).to.equal(r.user.address);
    await expect(r.hub.registerModelVersion(modelInput(r.toy)))
      .to.be.revertedWithCustomError(r.hub, "ModelRegistryNotFamilyOwner")
      .withArgs(family, r.admin.address, r.user.address);
    await expect(r.hub.connect(r.user).registerModelVersion(modelInput(r.toy)))
      .to.emit(r.hub, "ModelVersionRegistered")
      .withArgs(await r.hub.modelIdOf(family, 2), family, 2, anyValue, anyValue);
    await expect(r.hub.connect(r.user).deprecateModelVersion(r.modelId)).to.emit(r.hub, "ModelVersionDeprecated");
  });
});
