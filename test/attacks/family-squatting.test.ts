// Attack: squat a model family name before its real owner registers it, so the owner's versions
// cannot be registered under the name users know (or users are pointed at the squatter's).
// Defence: family ids are namespaced by their creator (the top 20 bytes of a new family's id must
// be the registering account), so a name can only be taken in one's own namespace. Nobody's
// stake moves; what is at stake is users' trust in a family name.
import { expect } from "chai";
import { network } from "hardhat";
import { anyValue } from "@nomicfoundation/hardhat-ethers-chai-matchers/withArgs";
import { fam, modelInput, readyProtocol } from "../contracts/fixtures/protocol.js";
import { releaseToyModel } from "../contracts/fixtures/toy-model.js";

const { ethers, networkHelpers } = await network.create();

describe("attack: squatting a model family name", function () {
  const fixture = () => readyProtocol(ethers);
  after(releaseToyModel);

  it("a squatter cannot create a family in the owner's namespace; transfers keep the id", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    const victim = r.others[0];
    const squatter = r.others[1];
    const theirs = fam("mnist", victim.address);
    expect(await r.hub.familyIdOf(victim.address, "mnist")).to.equal(theirs);
    // The squatter cannot create the victim's family first...
    await expect(r.hub.connect(squatter).registerModelVersion(modelInput(r.toy, { family: theirs })))
      .to.be.revertedWithCustomError(r.hub, "ModelRegistryFamilyNotInNamespace")
      .withArgs(theirs, squatter.address);
    // ...only the same label in its own namespace, a different id.
    const own = fam("mnist", squatter.address);
    await (await r.hub.connect(squatter).registerModelVersion(modelInput(r.toy, { family: own }))).wait();
    expect(own).to.not.equal(theirs);
    await (await r.hub.connect(victim).registerModelVersion(modelInput(r.toy, { family: theirs }))).wait();
    expect(await r.hub.familyOwner(theirs)).to.equal(victim.address);
    // A transferred family keeps its id; the new owner adds versions under it.
    await (await r.hub.connect(victim).transferModelFamily(theirs, squatter.address)).wait();
    await expect(r.hub.connect(squatter).registerModelVersion(modelInput(r.toy, { family: theirs })))
      .to.emit(r.hub, "ModelVersionRegistered")
      .withArgs(await r.hub.modelIdOf(theirs, 2), theirs, 2, anyValue, anyValue);
  });
});
