import { expect } from "chai";
import { network } from "hardhat";
import { compileModel } from "../../../prover/compile-model.js";
import { attach, deployAssay, DeploymentError, LEVEL, registerModel } from "../../../prover/chain/protocol-client.js";
import { loadDigits, modelPath } from "../../helpers/data.js";

const { ethers } = await network.create();

describe("chain: protocol client", () => {
  it("deploys the protocol, registers a compiled model (key + version) and refuses a wrong chain", async () => {
    const d = await deployAssay(ethers);
    const { verifier, protocol } = await attach(ethers, d);
    const model = await compileModel({
      onnx: modelPath("digits-mlp-64-32-10"),
      calibration: loadDigits(8, "calib").xs,
    });
    const image = ethers.id("image");
    const r = await registerModel({ verifier, protocol }, model, {
      family: "digits",
      levels: ["Signed", "Attested"],
      enclaveImages: [image],
    });
    expect(r.version).to.equal(1);
    const v = await protocol.modelVersion(r.modelId);
    expect(v.verifyingKeyId).to.equal(r.keyId);
    for (const lvl of [LEVEL.Signed, LEVEL.Attested, LEVEL.Proven])
      expect(await protocol.acceptsLevel(r.modelId, lvl)).to.equal(true);
    expect(await protocol.approvedImages(r.modelId)).to.deep.equal([image]);
    // A second registration of the same family is version 2; the key is not registered twice.
    const r2 = await registerModel({ verifier, protocol }, model, { family: "digits", levels: ["Signed"] });
    expect(r2.version).to.equal(2);
    expect(await protocol.acceptsLevel(r2.modelId, LEVEL.Attested)).to.equal(false);
    const failure = (p: Promise<unknown>) =>
      p.then(
        () => undefined,
        (e: unknown) => e,
      );
    const wrongChain = await failure(attach(ethers, { ...d, chainId: "1" }));
    expect(wrongChain).to.be.instanceOf(DeploymentError);
    expect((wrongChain as Error).message).to.equal(
      "wrong chain: the deployment is on chain 1, the connected chain is 31337",
    );
    const noCode = await failure(attach(ethers, { ...d, protocol: ethers.ZeroAddress.replace(/0$/, "1") }));
    expect(noCode).to.be.instanceOf(DeploymentError);
    expect((noCode as Error).message).to.match(/^no contract at protocol address 0x0{39}1 on chain 31337$/);
  });
});
