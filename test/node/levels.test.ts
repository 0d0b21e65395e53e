// Each level end to end through the inference service on the embedded chain: Signed claims
// batched into Merkle roots (by size, by interval, on shutdown) and provable from the batch;
// Attested claims computed and signed inside the enclave process; Proven claims through the
// persistent proof queue, including a job accepted by one service and finished by the next.
import { expect } from "chai";
import { network } from "hardhat";
import { getBytes, keccak256, recoverAddress, Signature, toUtf8Bytes } from "ethers";
import { EnclaveProcessError } from "../../prover/attest/enclave-client.js";
import { bindingFor } from "../../prover/chain/binding.js";
import { attestedClaimDigest, type Claim, claimIdOf } from "../../prover/chain/claim.js";
import { LEVEL } from "../../prover/chain/protocol-client.js";
import { ClaimStore } from "../../prover/node/claim-store.js";
import { openDatabase } from "../../prover/node/db/database.js";
import { NodeError } from "../../prover/node/errors.js";
import { SqlJobQueue } from "../../prover/node/job-queue.js";
import type { ProofJobPayload, ProofJobResult } from "../../prover/node/proof-job.js";
import { infer, proveInference } from "../../prover/prove-inference.js";
import { releaseCurve } from "../../prover/zk/groth16.js";
import { encodeProof, verifyingKeyId } from "../../prover/zk/vkey-encoding.js";
import { expectRejection } from "../helpers/reject.js";
import { digits, digitsModel, type TestNode, tempDir, testNode } from "./fixtures/node.js";

const { ethers } = await network.create();

const until = async (check: () => Promise<boolean>, ms = 5_000) => {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
};

const asTuple = (c: Claim) => ({ ...c });

describe("node: levels of evidence through the service", function () {
  let node: TestNode;
  const xs = digits().xs;

  before(async () => {
    node = await testNode(ethers);
  });
  after(async () => {
    await node?.stop();
    await releaseCurve();
  });

  describe("Signed, batched", () => {
    it("a full batch posts one root; each claim checks against it and imports as Signed", async () => {
      const service = await node.service({
        runProofJobs: false,
        config: { batch: { size: 3, intervalMs: 3_600_000 } },
      });
      const rs = [];
      for (const x of xs.slice(0, 3)) rs.push(await service.infer({ model: "digits", input: x, valueAtRisk: 1 }));
      expect(rs.map((r) => [r.level, r.status])).to.deep.equal(Array(3).fill(["Signed", "batching"]));
      await service.flushBatch();
      const views = await Promise.all(rs.map((r) => service.claim(r.claimId)));
      const root = views[0].batch!.root;
      expect(views.map((v) => [v.status, v.batch!.root, v.batch!.index, v.batch!.size])).to.deep.equal([
        ["batched", root, 0, 3],
        ["batched", root, 1, 3],
        ["batched", root, 2, 3],
      ]);
      const batch = await node.hub.batchOf(node.operator.address, root);
      expect(batch.operator).to.equal(node.operator.address);
      for (const v of views) {
        expect(
          await node.hub.checkBatchedClaim(node.operator.address, root, asTuple(v.claim), v.batch!.proof),
        ).to.equal(v.claimId);
        expect(v.onChain!.level).to.equal("None"); // in the batch, not yet imported
      }
      // A claim with a changed output is not under the root.
      const forged = { ...views[1].claim, output: views[1].claim.output ^ 1n };
      await expect(node.hub.checkBatchedClaim(node.operator.address, root, forged, views[1].batch!.proof))
        .to.be.revertedWithCustomError(node.hub, "BatchNotMember")
        .withArgs(root, claimIdOf(forged, BigInt(node.deployment.chainId), node.deployment.protocol));
      await (
        await node.hub.importBatchedClaim(node.operator.address, root, asTuple(views[2].claim), views[2].batch!.proof)
      ).wait();
      expect(Number(await node.hub.levelOf(views[2].claimId))).to.equal(LEVEL.Signed);
      expect((await node.hub.receiptOf(views[2].claimId)).signer).to.equal(node.operator.address);
      // The operator's signature on the claim itself also travels with it.
      expect(recoverAddress(views[0].claimId, views[0].signature!)).to.equal(node.operator.address);
      await service.close();
    });

    it("a partial batch is posted after the interval, and what waits at shutdown is posted by close()", async () => {
      const timed = await node.service({ runProofJobs: false, config: { batch: { size: 100, intervalMs: 50 } } });
      const a = await timed.infer({ model: "digits", input: xs[3], valueAtRisk: 1 });
      await until(async () => (await timed.claim(a.claimId)).status === "batched");
      expect((await timed.claim(a.claimId)).batch!.size).to.equal(1);
      await timed.close();

      const slow = await node.service({ runProofJobs: false, config: { batch: { size: 100, intervalMs: 3_600_000 } } });
      const b = await slow.infer({ model: "digits", input: xs[4], valueAtRisk: 1 });
      const c = await slow.infer({ model: "digits", input: xs[5], valueAtRisk: 1 });
      expect(slow.pendingBatch).to.equal(2);
      await slow.close();
      // The records, as the next service on this state reads them.
      const reader = await node.service({ runProofJobs: false, watchChallenges: false });
      const vb = await reader.claim(b.claimId);
      const vc = await reader.claim(c.claimId);
      await reader.close();
      expect([vb.status, vc.status, vb.batch!.root === vc.batch!.root, vb.batch!.size]).to.deep.equal([
        "batched",
        "batched",
        true,
        2,
      ]);
      expect((await node.hub.batchOf(node.operator.address, vb.batch!.root)).operator).to.equal(node.operator.address);
    });
  });

  describe("Attested, inside the enclave process", () => {
    it("the enclave computes and signs the claim and its model's key id; submitAttested accepts it", async () => {
      const service = await node.service({ runProofJobs: false });
      const r = await service.infer({ model: "digits", input: xs[6], valueAtRisk: 1, level: "attested" });
      expect([r.level, r.status, r.signer]).to.deep.equal(["Attested", "recorded", node.enclave!.address]);
      expect(r.onChain).to.deep.equal({ level: "Attested", final: false });
      const receipt = await node.hub.receiptOf(r.claimId);
      expect([Number(receipt.level), receipt.signer]).to.deep.equal([LEVEL.Attested, node.enclave!.address]);
      // The claim is the one the node's own circuit would prove for this input and salt.
      const mine = await infer(await digitsModel(), xs[6], { salt: r.salt });
      expect([r.claim.inputCommitment, r.claim.output]).to.deep.equal([mine.inputCommitment, mine.output]);
      expect(r.output.label).to.equal(mine.result.label);
      await service.close();
    });

    it("a tampered host cannot get the enclave key onto a digest, output or model it chose", async () => {
      const enclave = node.enclave!;
      const chainId = BigInt(node.deployment.chainId);
      const hub = node.deployment.protocol;
      const keyId = verifyingKeyId((await digitsModel()).vkey!);
      // 1. There is no raw signing method.
      const digest = getBytes(keccak256(toUtf8Bytes("pay me")));
      const raw = await expectRejection(enclave.request("sign", { digest }), EnclaveProcessError);
      expect(raw.code).to.equal("UnknownMethod");
      // 2. Smuggled claim fields are ignored: the enclave signs the output it computed, under the
      //    key id of the model it ran (computed from the verifying key in its image).
      const context = {
        modelId: node.served[0].modelId,
        requestId: keccak256(toUtf8Bytes("req")),
        deadline: 2n ** 40n,
        chainId,
        hub,
      };
      const smuggled = (await enclave.request("infer", {
        circuitId: node.served[0].model.ref.circuitId,
        input: xs[7],
        context,
        output: 9n,
        inputCommitment: 1n,
        digest,
        verifyingKeyId: keccak256(toUtf8Bytes("another key")),
        claim: { output: 9n },
      })) as { claim: Claim; claimId: string; verifyingKeyId: string; signature: string; salt: bigint };
      const honest = await infer(await digitsModel(), xs[7], { salt: smuggled.salt });
      expect([smuggled.claim.output, smuggled.claim.inputCommitment]).to.deep.equal([
        honest.output,
        honest.inputCommitment,
      ]);
      expect(smuggled.verifyingKeyId).to.equal(keyId);
      const signed = attestedClaimDigest(smuggled.claimId, keyId, chainId, hub);
      expect(await node.hub.attestedDigestOf(smuggled.claimId, keyId)).to.equal(signed);
      expect(recoverAddress(signed, smuggled.signature)).to.equal(enclave.address);
      // 3. Moving the signature to a claim with another output recovers another key, which the hub refuses.
      const lie = { ...smuggled.claim, output: smuggled.claim.output === 9n ? 8n : 9n };
      const lieId = claimIdOf(lie, chainId, hub);
      const recovered = recoverAddress(attestedClaimDigest(lieId, keyId, chainId, hub), smuggled.signature);
      expect(recovered).to.not.equal(enclave.address);
      const { r: sr, yParityAndS: vs } = Signature.from(smuggled.signature);
      await expect(node.hub.submitAttested(lie, keyId, sr, vs))
        .to.be.revertedWithCustomError(node.hub, "EnclaveRegistryUnknownKey")
        .withArgs(recovered);
      // 4. A model id the enclave was not bound to is refused inside it (test/attacks/enclave-binding.test.ts).
      const other = await expectRejection(
        enclave.infer(node.served[0].model.ref.circuitId, xs[7], { ...context, modelId: keccak256("0x01") }),
        EnclaveProcessError,
      );
      expect(other.code).to.equal("ModelMismatch");
      // 5. The honest claim goes through.
      await (await node.hub.submitAttested(smuggled.claim, keyId, sr, vs)).wait();
      expect(Number(await node.hub.levelOf(smuggled.claimId))).to.equal(LEVEL.Attested);
    });
  });

  describe("Proven, through the persistent queue", () => {
    it("a proof job the queue refuses (Redis down) fails the request (503) and marks its claim failed", async () => {
      const db = await openDatabase({ stateDir: tempDir("queue-down") });
      class DownQueue extends SqlJobQueue<ProofJobPayload, ProofJobResult> {
        override enqueue(): Promise<string> {
          return Promise.reject(new Error("Stream isn't writeable"));
        }
      }
      const svc = await node.service({ db, jobQueue: new DownQueue(db), runProofJobs: false });
      try {
        const err = await expectRejection(
          svc.infer({ model: "digits", input: xs[9], valueAtRisk: 1, level: "proven" }),
          NodeError,
          /the proof queue is unavailable, try again: Stream isn't writeable/,
        );
        expect(err.kind).to.equal("unavailable");
        const [record] = await new ClaimStore(db).list({ level: "Proven" });
        expect([record.status, record.error]).to.deep.equal([
          "failed",
          "its proof job could not be queued: Stream isn't writeable",
        ]);
      } finally {
        await svc.close();
        await db.close();
      }
    });

    it("a job accepted by a service stopped before running it is proven by the next one on its state", async () => {
      const first = await node.service({ runProofJobs: false });
      const r = await first.infer({ model: "digits", input: xs[8], valueAtRisk: 1, level: "proven" });
      expect([r.level, r.status, r.job!.state, r.onChain!.level]).to.deep.equal([
        "Proven",
        "proving",
        "queued",
        "None",
      ]);
      expect((await first.claim(r.claimId)).job!.state).to.equal("queued");
      await first.close();

      const second = await node.service({ config: { proveConcurrency: 1 } });
      await second.idle();
      const v = await second.claim(r.claimId);
      expect([v.status, v.job!.state, v.job!.attempts, v.onChain!.level, v.onChain!.final]).to.deep.equal([
        "proven",
        "done",
        1,
        "Proven",
        true,
      ]);
      expect(v.transaction!.hash).to.match(/^0x[0-9a-f]{64}$/);
      const events = await node.hub.queryFilter(node.hub.filters.ClaimProven(r.claimId));
      expect(
        events.map((e) => [
          e.transactionHash,
          (e as unknown as { args: unknown[] }).args[1],
          Number((e as unknown as { args: unknown[] }).args[2]),
        ]),
      ).to.deep.equal([[v.transaction!.hash, node.operator.address, LEVEL.None]]);
      // The output the caller got at once is the one now proven on chain.
      expect(await node.hub.outputOf(asTuple(v.claim))).to.equal(r.output.signal);
      await second.close();
    });

    it("a Signed claim submitted alone can be raised to Proven by anyone holding the input and the salt", async () => {
      const service = await node.service({ config: { batch: null } });
      const r = await service.infer({ model: "digits", input: xs[9], valueAtRisk: 1 });
      expect([r.level, r.status, r.onChain!.level]).to.deep.equal(["Signed", "recorded", "Signed"]);
      const [, , , , caller] = await ethers.getSigners();
      const p = await proveInference(await digitsModel(), xs[9], {
        salt: r.salt,
        binding: bindingFor(r.claimId, caller.address),
      });
      await (
        await (node.hub.connect(caller) as typeof node.hub).submitProven(asTuple(r.claim), encodeProof(p.proof))
      ).wait();
      expect(Number(await node.hub.levelOf(r.claimId))).to.equal(LEVEL.Proven);
      await service.close();
    });
  });
});
