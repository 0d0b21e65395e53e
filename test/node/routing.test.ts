// Consequence routing: the node reads the consumer's on-chain policy (ParametricInsurance's
// requiredLevel, thresholds from its constructor) or its own thresholds, and gives the cheapest
// level that suffices; a caller may ask for more, never less.
import { expect } from "chai";
import { network } from "hardhat";
import { LEVEL } from "../../prover/chain/protocol-client.js";
import { LevelTooLowError, LevelUnavailableError } from "../../prover/node/errors.js";
import type { InferenceService } from "../../prover/node/inference-service.js";
import { chooseLevel, minLevel } from "../../prover/node/routing.js";
import { releaseCurve } from "../../prover/zk/groth16.js";
import { expectRejection } from "../helpers/reject.js";
import { digits, INSURANCE_THRESHOLDS, type TestNode, testNode } from "./fixtures/node.js";

const { ethers } = await network.create();

describe("node: consequence routing", function () {
  let node: TestNode;
  let service: InferenceService;
  let consumer: string;
  const x = digits().xs[0];

  before(async () => {
    node = await testNode(ethers);
    // Proof jobs are accepted and persisted but not run here: routing is the subject.
    service = await node.service({
      runProofJobs: false,
      config: { batch: null, policy: { signedMax: 10n, attestedMax: 20n } },
    });
    consumer = await node.insurance.getAddress();
  });
  after(async () => {
    await node?.stop();
    await releaseCurve();
  });

  it("the pure rule matches ConsequencePolicy at and around both thresholds", () => {
    const t = INSURANCE_THRESHOLDS;
    expect(
      [0n, t.signedMax, t.signedMax + 1n, t.attestedMax, t.attestedMax + 1n].map((v) => minLevel(t, v)),
    ).to.deep.equal(["Signed", "Signed", "Attested", "Attested", "Proven"]);
  });

  for (const [name, value, expected] of [
    ["low", 999n, "Signed"],
    ["middle", 1001n, "Attested"],
    ["high", 50_001n, "Proven"],
  ] as const) {
    it(`${name} risk (${value}), insurer as consumer -> ${expected}, the cheapest sufficient level`, async () => {
      expect(Number(await node.insurance.requiredLevel(value))).to.equal(LEVEL[expected]);
      const r = await service.infer({ model: "digits", input: x, valueAtRisk: value.toString(), consumer });
      expect(r.level).to.equal(expected);
      expect(r.requiredLevel).to.equal(expected);
      expect(r.policy).to.deep.include({ source: "consumer", consumer });
      if (expected === "Proven") {
        expect(r.status).to.equal("proving");
        expect(r.job?.state).to.equal("queued");
      } else {
        expect(r.status).to.equal("recorded");
        expect(Number(await node.hub.levelOf(r.claimId))).to.equal(LEVEL[expected]);
      }
    });
  }

  it("without a consumer the node's configured thresholds apply", async () => {
    const levels = [];
    for (const v of [10, 11, 21])
      levels.push((await service.infer({ model: "digits", input: x, valueAtRisk: v, level: "auto" })).level);
    expect(levels).to.deep.equal(["Signed", "Attested", "Proven"]);
  });

  it("a caller may ask for more evidence than the policy needs", async () => {
    const r = await service.infer({ model: "digits", input: x, valueAtRisk: 5, level: "attested", consumer });
    expect([r.requiredLevel, r.level]).to.deep.equal(["Signed", "Attested"]);
    expect(Number(await node.hub.levelOf(r.claimId))).to.equal(LEVEL.Attested);
  });

  it("a caller asking for less than the policy requires is refused, naming the required level", async () => {
    const e = await expectRejection(
      service.infer({ model: "digits", input: x, valueAtRisk: "60000", level: "signed", consumer }),
      LevelTooLowError,
    );
    expect(e.kind).to.equal("unprocessable");
    expect([e.requested, e.required, e.valueAtRisk]).to.deep.equal(["Signed", "Proven", 60000n]);
    expect(e.message).to.equal(
      `level Signed is below the required level Proven for value at risk 60000 (consumer ${consumer}'s requiredLevel)`,
    );
    const e2 = await expectRejection(
      service.infer({ model: "digits", input: x, valueAtRisk: 1500, level: "signed", consumer }),
      LevelTooLowError,
    );
    expect(e2.required).to.equal("Attested");
  });

  it("skips a level the model or node cannot give: auto goes up, an explicit request is refused", () => {
    const base = { valueAtRisk: 5n, policy: { source: "node" as const, describe: "node policy" }, modelId: "0xab" };
    const noEnclave = { Signed: null, Attested: "this node runs no enclave", Proven: null };
    expect(chooseLevel({ ...base, required: "Attested", requested: "auto", unavailable: noEnclave })).to.equal(
      "Proven",
    );
    expect(chooseLevel({ ...base, required: "Signed", requested: "auto", unavailable: noEnclave })).to.equal("Signed");
    expect(() => chooseLevel({ ...base, required: "Signed", requested: "attested", unavailable: noEnclave })).to.throw(
      LevelUnavailableError,
      "level Attested is not available for model 0xab: this node runs no enclave",
    );
  });
});
