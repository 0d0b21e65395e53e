import { expect } from "chai";
import { network } from "hardhat";
const { ethers } = await network.create();
describe("probe", () => {
  it("deploys", async () => {
    const p = await ethers.deployContract("Probe");
    expect(await p.hi()).to.equal(42n);
  });
});
