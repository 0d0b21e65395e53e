// prover/audit against a real chain (the embedded Hardhat network, the toy model's key): claims
// recorded at each level, batched, challenged and refuted, audited from chain data alone. The
// checks' details, one by one, are in checks.test.ts; here, what the audit reads and in which order
// it runs them.
import { expect } from "chai";
import { network } from "hardhat";
import { getAddress, id } from "ethers";
import { auditClaim, type AuditContext, type AuditReport, UnknownClaimError } from "../../../prover/audit/index.js";
import { fetchVerifyingKey, readModel } from "../../../prover/audit/hub-reads.js";
import { BatchTree } from "../../../prover/chain/batch-tree.js";
import { bindingFor } from "../../../prover/chain/binding.js";
import { InputError } from "../../../prover/errors.js";
import { releaseCurve } from "../../../prover/zk/groth16.js";
import {
  idOf,
  latest,
  makeClaim,
  type Ready,
  readyProtocol,
  challengeAs,
  submitAttested,
  submitSigned,
} from "../../contracts/fixtures/protocol.js";
import { proveToy, toyCommitment, toyOutput } from "../../contracts/fixtures/toy-model.js";

const { ethers, networkHelpers } = await network.create();

const fixture = () => readyProtocol(ethers);

function context(r: Ready): AuditContext {
  return { provider: ethers.provider, chainId: r.chainId, protocol: r.hub, verifier: r.verifier };
}

const statuses = (report: AuditReport) => report.checks.map((c) => `${c.id}:${c.status}`);
const detail = (report: AuditReport, checkId: string) => report.checks.find((c) => c.id === checkId)!.detail;

/** A claim the toy model proves for x and salt (output given to make a false one). */
async function toyClaim(r: Ready, x: bigint, salt: bigint, output = toyOutput(x)) {
  return makeClaim(r.modelId, await latest(ethers), { inputCommitment: await toyCommitment(x, salt), output });
}

describe("prover/audit: auditClaim on a chain", function () {
  after(releaseCurve);

  it("a Signed claim: recorded, fields, model, key, the operator's signature and stake, not final", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    const claim = makeClaim(r.modelId, await latest(ethers));
    const claimId = await submitSigned(r, r.operator, claim);
    const report = await auditClaim(context(r), claimId);
    expect(statuses(report)).to.deep.equal([
      "recorded:pass",
      "claim-fields:pass",
      "model:pass",
      "verifying-key:pass",
      "setup:pass",
      "input-commitment:skip",
      "proof:skip",
      "signature:pass",
      "signer-staked:pass",
      "backer:info",
      "finality:info",
    ]);
    expect(report).to.include({ claimId, chainId: "31337", hub: r.hubAddress, level: "Signed", ok: true });
    expect(report.claim).to.deep.equal({
      modelId: claim.modelId,
      inputCommitment: claim.inputCommitment.toString(),
      output: "7",
      requestId: claim.requestId,
      deadline: claim.deadline.toString(),
    });
    expect(detail(report, "signature")).to.match(
      new RegExp(`recovers to ${r.operator.address}, the recorded operator$`),
    );
    expect(detail(report, "signer-staked")).to.match(
      new RegExp(`^operator ${r.operator.address} had the minimum stake \\(1\\.0 ETH\\) when the claim was recorded`),
    );
    expect(detail(report, "backer")).to.equal(
      `operator ${r.operator.address} now has 2.0 ETH active and 0.0 ETH unbonding stake`,
    );
    expect(detail(report, "finality")).to.match(/^not final: open to challenges until .+ \(never challenged\)$/);
  });

  it("a Signed claim past its window whose backer unbonded below the minimum: not final, and why", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    const claimId = await submitSigned(r, r.operator, makeClaim(r.modelId, await latest(ethers)));
    await (await r.hub.connect(r.operator).requestUnbonding(ethers.parseEther("1.5"))).wait();
    await networkHelpers.time.increase(2 * 3600);
    expect(await r.hub.isFinal(claimId)).to.equal(false);
    let report = await auditClaim(context(r), claimId);
    expect(detail(report, "finality")).to.match(
      new RegExp(
        `^not final: its backer ${r.operator.address} has 0\\.5 ETH active stake, below the protocol minimum of ` +
          "1\\.0 ETH \\(the hub holds a Signed or Attested claim final only while its backer is staked; " +
          "challenge window closed .+; never challenged\\)$",
      ),
    );
    await (await r.hub.connect(r.operator).stake({ value: ethers.parseEther("0.5") })).wait();
    report = await auditClaim(context(r), claimId);
    expect(detail(report, "finality")).to.match(/^final \(challenge window closed .+; never challenged\)$/);
  });

  it("an Attested claim: the enclave's signature, key, image and backer; a revoked image fails", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    const claimId = await submitAttested(r, makeClaim(r.modelId, await latest(ethers)));
    let report = await auditClaim(context(r), claimId);
    expect(statuses(report).slice(5)).to.deep.equal([
      "input-commitment:skip",
      "proof:skip",
      "attested-signature:pass",
      "enclave-key:pass",
      "attestation:skip",
      "enclave-image:pass",
      "backer:info",
      "finality:info",
    ]);
    expect(report.ok).to.equal(true);
    expect(detail(report, "enclave-key")).to.match(
      new RegExp(`^${r.enclave.address}: registered for image ${r.image.slice(0, 10)}… .*; not revoked$`),
    );
    expect(detail(report, "backer")).to.match(new RegExp(`^enclave key's operator ${r.enclaveOperator.address} now`));
    await (await r.hub.connect(r.attester).revokeImage(r.image)).wait();
    report = await auditClaim(context(r), claimId);
    expect(report.ok).to.equal(false);
    expect(statuses(report)).to.include("enclave-image:fail");
    expect(detail(report, "enclave-image")).to.match(/is approved for the model and was REVOKED at \S+Z$/);
  });

  it("a Proven claim: its proof verifies off-chain; an input for a model not compiled here fails", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    const claim = await toyClaim(r, 5n, 77n);
    const claimId = idOf(r, claim);
    const p = await proveToy(r.toy, 5n, 77n, bindingFor(claimId, r.user.address));
    await (await r.hub.connect(r.user).submitProven(claim, p.proof)).wait();
    const report = await auditClaim(context(r), claimId, { input: [5], salt: 77n, inputName: "x.json" });
    expect(statuses(report)).to.deep.equal([
      "recorded:pass",
      "claim-fields:pass",
      "model:pass",
      "verifying-key:pass",
      "setup:pass",
      "input-commitment:fail",
      "proof:pass",
      "finality:pass",
    ]);
    expect(report).to.include({ level: "Proven", ok: false });
    expect(detail(report, "input-commitment")).to.match(
      new RegExp(
        `^cannot evaluate the model here: model ${r.modelId} is circuit [0-9a-f]+, which is not compiled here`,
      ),
    );
    expect(detail(report, "proof")).to.contain(`binding(claim, ${r.user.address})`);
    expect(detail(report, "finality")).to.equal("final (Proven; never challenged)");
  });

  it("Proven claims of one submitProvenBatch: each proof is read back from its place in the batch", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    const claims = [await toyClaim(r, 3n, 1n), await toyClaim(r, 4n, 2n)];
    const proofs = [
      (await proveToy(r.toy, 3n, 1n, bindingFor(idOf(r, claims[0]), r.user.address))).proof,
      (await proveToy(r.toy, 4n, 2n, bindingFor(idOf(r, claims[1]), r.user.address))).proof,
    ];
    await (await r.hub.connect(r.user).submitProvenBatch(claims, proofs)).wait();
    for (const claim of claims) {
      const report = await auditClaim(context(r), idOf(r, claim));
      expect(report.checks.find((c) => c.id === "proof")!.status).to.equal("pass");
      expect(detail(report, "proof")).to.match(/verifies off-chain/);
    }
  });

  it("a batched claim: its Merkle proof, read back from the import, is under the operator's root", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    const now = await latest(ethers);
    const claims = [0, 1, 2].map(() => makeClaim(r.modelId, now));
    const tree = BatchTree.fromClaimIds(claims.map((c) => idOf(r, c)));
    await (await r.hub.connect(r.operator).postBatch(tree.root, 3)).wait();
    await (
      await r.hub.connect(r.user).importBatchedClaim(r.operator.address, tree.root, claims[2], tree.proof(2))
    ).wait();
    const report = await auditClaim(context(r), idOf(r, claims[2]));
    expect(statuses(report).slice(7)).to.deep.equal([
      "batch-membership:pass",
      "signer-staked:pass",
      "backer:info",
      "finality:info",
    ]);
    expect(detail(report, "recorded")).to.match(/, imported from a batch$/);
    expect(detail(report, "batch-membership")).to.contain(
      `under root ${tree.root.slice(0, 10)}…, posted by ${r.operator.address} at`,
    );
  });

  it("a challenged claim is not final until the backer answers; a refuted one fails, at no level", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    const challenged = await submitSigned(r, r.operator, makeClaim(r.modelId, await latest(ethers)));
    await (await challengeAs(r.hub, r.challenger, challenged)).wait();
    let report = await auditClaim(context(r), challenged);
    expect(report.ok).to.equal(true);
    expect(detail(report, "finality")).to.match(
      new RegExp(`^not final: challenged by ${r.challenger.address}, the backer must answer with a proof by \\S+Z$`),
    );
    expect(detail(report, "backer")).to.match(/, 1 open dispute\(s\)$/);

    const lie = await toyClaim(r, 8n, 5n, toyOutput(8n) + 1n);
    const refuted = await submitSigned(r, r.operator, lie);
    const p = await proveToy(r.toy, 8n, 5n, bindingFor(refuted, r.challenger.address));
    await (await r.hub.connect(r.challenger).refute(lie, toyOutput(8n), p.proof)).wait();
    report = await auditClaim(context(r), refuted);
    expect(report).to.include({ level: "None", ok: false });
    expect(report.checks[0]).to.deep.include({ id: "recorded", status: "fail" });
    expect(report.checks[0].detail).to.match(
      /^refuted by a proof of a different output in tx 0x[0-9a-f]{64} \(\S+Z\): the claim stands at no level$/,
    );
    expect(report.checks.map((c) => c.id)).not.to.include("finality");
  });

  it("refuses an unknown claim, and an input without its salt", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    const unknown = id("no such claim");
    const e = await auditClaim(context(r), unknown).catch((err) => err);
    expect(e).to.be.instanceOf(UnknownClaimError);
    expect(e.message).to.equal(
      `unknown claim ${unknown}: the hub ${getAddress(r.hubAddress)} on chain 31337 has no record or event of it ` +
        "(a batched claim is recorded once imported from its root)",
    );
    const claimId = await submitSigned(r, r.operator, makeClaim(r.modelId, await latest(ethers)));
    const noSalt = await auditClaim(context(r), claimId, { input: [1] }).catch((err) => err);
    expect(noSalt).to.be.instanceOf(InputError);
    expect(noSalt.message).to.equal(
      "the input commitment is salted: give the input and its salt together (--input f.json --salt n)",
    );
  });

  it("reads an unregistered model as absent and an unknown key as unreadable", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    expect(await readModel(r.hub, id("no model"), r.chainId, 0)).to.equal(undefined);
    expect((await readModel(r.hub, r.modelId, r.chainId, 0))?.verifyingKeyId).to.equal(r.toy.keyId);
    const unknownKey = id("no key");
    expect(await fetchVerifyingKey(r.verifier, unknownKey))
      .to.have.property("error")
      .that.contains(`Groth16VerifierUnknownKey("${unknownKey}")`);
    expect(await fetchVerifyingKey(r.verifier, r.toy.keyId)).to.deep.equal({ bytes: r.toy.keyBytes });
  });
});
