import { expect } from "chai";
import { network } from "hardhat";
import { DEFAULTS } from "../../ignition/modules/AssayProtocol.js";
import InsuranceModule from "../../ignition/modules/ParametricInsurance.js";
import RoleModule from "../../ignition/modules/AttestationVerifierRole.js";
import { signClaimCompact } from "../../prover/chain/claim.js";
import { defaultParams, deployProtocolContracts, makeClaim, fam, modelInput } from "./fixtures/protocol.js";
import { releaseToyModel, toyModel } from "./fixtures/toy-model.js";

const { ethers, ignition } = await network.create();

describe("Deployment", function () {
  after(releaseToyModel);

  it("deploys the whole protocol with Ignition, linked and usable", async function () {
    const [deployer, treasury, operator, attester] = await ethers.getSigners();
    const { protocol, verifier, insurance } = await ignition.deploy(InsuranceModule, {
      parameters: {
        AssayProtocol: { treasury: treasury.address, challengeWindow: 600, responseWindow: 300, unbondingDelay: 2000 },
        ParametricInsurance: { signedMax: 5n, attestedMax: 50n },
      },
    });
    const hub = await ethers.getContractAt("AssayProtocol", await protocol.getAddress());
    const p = await hub.protocolParams();
    expect(p.minStake).to.equal(DEFAULTS.minStake);
    expect(p.challengeBond).to.equal(DEFAULTS.challengeBond);
    expect(p.slashAmount).to.equal(DEFAULTS.slashAmount);
    expect(p.challengerShareBps).to.equal(BigInt(DEFAULTS.challengerShareBps));
    expect([p.challengeWindow, p.responseWindow, p.unbondingDelay]).to.deep.equal([600n, 300n, 2000n]);
    expect(p.treasury).to.equal(treasury.address);
    expect(await hub.verifier()).to.equal(await verifier.getAddress());
    expect(await hub.hasRole(await hub.DEFAULT_ADMIN_ROLE(), deployer.address)).to.equal(true);
    const ins = await ethers.getContractAt("ParametricInsurance", await insurance.getAddress());
    expect(await ins.hub()).to.equal(await hub.getAddress());
    expect(await ins.thresholds()).to.deep.equal([5n, 50n]);

    // The libraries are linked: registry writes and a claim go through.
    const toy = await toyModel();
    const v = await ethers.getContractAt("Groth16Verifier", await verifier.getAddress());
    await (await v.registerKey(toy.keyBytes)).wait();
    const input = modelInput(toy, { family: fam("deployed") });
    await (await hub.registerModelVersion(input)).wait();
    const modelId = await hub.modelIdOf(input.family, 1);
    await (await (hub.connect(operator) as typeof hub).stake({ value: DEFAULTS.minStake })).wait();
    const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
    const claim = makeClaim(modelId, now);
    const chainId = (await ethers.provider.getNetwork()).chainId;
    const s = await signClaimCompact(operator, claim, chainId, await hub.getAddress());
    await expect(hub.submitSigned(claim, s.r, s.vs)).to.emit(hub, "ClaimSigned");

    // The role module grants the attestation-verifier role on its protocol (on a real network the
    // journal makes that the protocol deployed before; in-process deployments start afresh).
    const { protocol: roled } = await ignition.deploy(RoleModule, {
      parameters: {
        AssayProtocol: { treasury: treasury.address, challengeWindow: 600, responseWindow: 300, unbondingDelay: 2000 },
        AttestationVerifierRole: { attestationVerifier: attester.address },
      },
    });
    const hub2 = await ethers.getContractAt("AssayProtocol", await roled.getAddress());
    expect(await hub2.hasRole(await hub2.ATTESTATION_VERIFIER_ROLE(), attester.address)).to.equal(true);
  });

  it("refuses inconsistent parameters at construction", async function () {
    const [admin, treasury] = await ethers.getSigners();
    const verifier = await ethers.deployContract("Groth16Verifier");
    const v = await verifier.getAddress();
    const good = defaultParams(treasury.address);
    const factory = await ethers.getContractFactory("AssayProtocol", {
      libraries: {
        ModelRegistryLogic: await (await ethers.deployContract("ModelRegistryLogic")).getAddress(),
        EnclaveRegistryLogic: await (await ethers.deployContract("EnclaveRegistryLogic")).getAddress(),
      },
    });
    const minimum = 2 * good.challengeWindow + good.responseWindow;
    await expect(deployProtocolContracts(ethers, v, admin.address, { ...good, unbondingDelay: minimum }))
      .to.be.revertedWithCustomError(factory, "AssayProtocolUnbondingTooShort")
      .withArgs(minimum, minimum);
    await expect(deployProtocolContracts(ethers, v, admin.address, { ...good, challengerShareBps: 10_001 }))
      .to.be.revertedWithCustomError(factory, "AssayProtocolShareTooHigh")
      .withArgs(10_001);
    for (const bad of [{ minStake: 0n }, { challengeWindow: 0 }, { responseWindow: 0 }]) {
      await expect(
        deployProtocolContracts(ethers, v, admin.address, { ...good, ...bad }),
      ).to.be.revertedWithCustomError(factory, "AssayProtocolZeroParameter");
    }
    const zero = "0x0000000000000000000000000000000000000000";
    await expect(deployProtocolContracts(ethers, zero, admin.address, good)).to.be.revertedWithCustomError(
      factory,
      "AssayProtocolZeroAddress",
    );
    await expect(deployProtocolContracts(ethers, v, zero, good)).to.be.revertedWithCustomError(
      factory,
      "AssayProtocolZeroAddress",
    );
    await expect(
      deployProtocolContracts(ethers, v, admin.address, { ...good, treasury: zero }),
    ).to.be.revertedWithCustomError(factory, "AssayProtocolZeroAddress");
    const hub = await deployProtocolContracts(ethers, v, admin.address, good);
    await expect(hub.deploymentTransaction())
      .to.emit(hub, "ProtocolDeployed")
      .withArgs(v, admin.address, Object.values(good));
  });
});
