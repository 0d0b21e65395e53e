// prover/audit/checks: each check of the claim audit called directly on inputs built here (events,
// records and calldata as the chain would give them), a passing and a failing case each, with
// the detail asserted. The same checks against a real chain are in audit-claim.test.ts.
import { expect } from "chai";
import { id, type Interface, keccak256, parseEther, type TransactionDescription, Wallet } from "ethers";
import { createDevCa, devRoot } from "../../../prover/attest/dev-ca.js";
import { DevSecurityModule } from "../../../prover/attest/dev-enclave.js";
import { imageMeasurementId } from "../../../prover/attest/image-measurement.js";
import { signerUserData } from "../../../prover/attest/key-binding.js";
import { awsNitroRoot } from "../../../prover/attest/pinned-root.js";
import { checkAttestation, EXPIRY_CLOCK_TOLERANCE_S } from "../../../prover/audit/checks/attestation.js";
import { checkBacker } from "../../../prover/audit/checks/backer.js";
import { checkBatchMembership } from "../../../prover/audit/checks/batch-membership.js";
import { checkClaimFields } from "../../../prover/audit/checks/claim-fields.js";
import { checkAttestedSignature, checkEnclaveImage, checkEnclaveKey } from "../../../prover/audit/checks/enclave.js";
import { checkFinality } from "../../../prover/audit/checks/finality.js";
import { checkInputCommitment, checkOutput } from "../../../prover/audit/checks/input-output.js";
import { checkModel } from "../../../prover/audit/checks/model.js";
import { checkNoProof, checkProof, checkProofs } from "../../../prover/audit/checks/proof.js";
import { checkRecorded } from "../../../prover/audit/checks/recorded.js";
import { checkSetup } from "../../../prover/audit/checks/setup.js";
import { checkSignature, checkSignerStaked } from "../../../prover/audit/checks/signer.js";
import { checkVerifyingKey } from "../../../prover/audit/checks/verifying-key.js";
import type { ClaimEvent, ClaimEventName } from "../../../prover/audit/claim-history.js";
import type { EnclaveKeyRecord, HubReceipt } from "../../../prover/audit/hub-reads.js";
import { evaluateInput, type GivenInput } from "../../../prover/audit/input-evaluation.js";
import { BatchTree, batchRootOf } from "../../../prover/chain/batch-tree.js";
import { bindingFor } from "../../../prover/chain/binding.js";
import {
  type Claim,
  claimIdOf,
  compactSignature,
  signAttestedClaim,
  signClaimCompact,
} from "../../../prover/chain/claim.js";
import type { RegisteredModel } from "../../../prover/chain/registered-model.js";
import { releaseCurve } from "../../../prover/zk/groth16.js";
import { AssayProtocol__factory } from "../../../types/ethers-contracts/index.js";
import { proveToy, toyCommitment, toyModel, toyOutput } from "../../contracts/fixtures/toy-model.js";

const HUB = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const FORWARDER = "0x000000000000000000000000000000000000F0F0";
const CHAIN = 31337n;
const T0 = 1_700_000_000; // 2023-11-14T22:13:20Z
const iface: Interface = AssayProtocol__factory.createInterface();
const operator = new Wallet(id("audit test operator"));
const stranger = new Wallet(id("audit test stranger"));

const claim: Claim = {
  modelId: id("model"),
  inputCommitment: 11n,
  output: 7n,
  requestId: id("r"),
  deadline: 1n << 40n,
};
const claimId = claimIdOf(claim, CHAIN, HUB);
const tx = (n: number) => `0x${n.toString(16).padStart(2, "0").repeat(32)}`;

/** A hub call as readClaimHistory parses it from a transaction's input. */
function hubCall(name: string, args: readonly unknown[]): TransactionDescription {
  return iface.parseTransaction({ data: iface.encodeFunctionData(name, args) })!;
}

function event(name: ClaimEventName, args: Record<string, unknown> = {}, more: Partial<ClaimEvent> = {}): ClaimEvent {
  return {
    name,
    args: { claimId, ...args },
    txHash: tx(1),
    blockNumber: 5,
    logIndex: 0,
    timestamp: T0,
    from: operator.address,
    to: HUB,
    ...more,
  };
}

function receipt(over: Partial<HubReceipt> = {}): HubReceipt {
  return { level: 1, disputed: false, refuted: false, batched: false, challengeEnd: T0 + 3600, ...over };
}

function model(over: Partial<RegisteredModel> = {}): RegisteredModel {
  return {
    modelId: claim.modelId,
    family: id("family"),
    version: 2,
    status: "Active",
    allowedLevels: (1 << 1) | (1 << 3),
    registeredAt: T0 - 100,
    deprecatedAt: 0,
    verifyingKeyId: id("key"),
    descriptorHash: id("descriptor"),
    ...over,
  };
}

describe("prover/audit/checks", function () {
  after(releaseCurve);

  describe("recorded", function () {
    it("passes with the level, the recording transaction, a raise and a batch import", function () {
      const events = [event("ClaimSigned"), event("ClaimProven", { previousLevel: 1n }, { txHash: tx(2) })];
      const c = checkRecorded(receipt({ level: 3, batched: true }), events);
      expect(c).to.deep.equal({
        id: "recorded",
        status: "pass",
        detail:
          `Proven, recorded Signed in tx ${tx(1)} (block 5, 2023-11-14T22:13:20Z), ` +
          `raised to Proven in tx ${tx(2)}, imported from a batch`,
      });
      expect(checkRecorded(receipt({ level: 2 }), []).detail).to.equal("Attested");
    });

    it("fails a refuted claim, naming how it was refuted", function () {
      const refuted = event("ClaimRefuted", {}, { txHash: tx(3), timestamp: T0 + 60 });
      expect(checkRecorded(receipt({ refuted: true, level: 0 }), [event("ClaimSigned"), refuted])).to.deep.equal({
        id: "recorded",
        status: "fail",
        detail:
          `refuted by a proof of a different output in tx ${tx(3)} (2023-11-14T22:14:20Z): ` +
          "the claim stands at no level",
      });
      const timedOut = event("ChallengeTimedOut", {}, { txHash: tx(4) });
      expect(checkRecorded(receipt({ refuted: true }), [timedOut]).detail).to.equal(
        `refuted by an unanswered challenge in tx ${tx(4)} (2023-11-14T22:13:20Z): the claim stands at no level`,
      );
      expect(checkRecorded(receipt({ refuted: true }), []).detail).to.equal("refuted: the claim stands at no level");
    });

    it("fails when events mention the claim but the hub holds no record", function () {
      const c = checkRecorded(receipt({ level: 0 }), [event("ClaimChallenged")]);
      expect(c.status).to.equal("fail");
      expect(c.detail).to.equal("the hub holds no record of it although events mention it");
    });
  });

  describe("claim-fields", function () {
    it("passes when the fields read from the hub call hash to the claim id", function () {
      const call = hubCall("submitSigned", [claim, id("r"), id("vs")]);
      const history = { claimId, events: [event("ClaimSigned", {}, { call, claim })], claim };
      expect(checkClaimFields(history, claimId, CHAIN, HUB)).to.deep.equal({
        id: "claim-fields",
        status: "pass",
        detail:
          `read from submitSigned calldata in tx ${tx(1)}; ` +
          `they hash (EIP-712, chain 31337, hub ${HUB}) to the claim id`,
      });
      const forwarded = { claimId, events: [event("ClaimSigned", {}, { to: FORWARDER, claim })], claim };
      expect(checkClaimFields(forwarded, claimId, CHAIN, HUB).detail).to.contain(
        `read from the calldata of ${FORWARDER} (a contract that forwarded it) in tx`,
      );
    });

    it("fails when the fields hash to another id, or no transaction carries them", function () {
      const other = { ...claim, output: 8n };
      const history = { claimId, events: [event("ClaimSigned", {}, { claim: other })], claim: other };
      const c = checkClaimFields(history, claimId, CHAIN, HUB);
      expect(c.status).to.equal("fail");
      expect(c.detail).to.match(new RegExp(`to ${claimIdOf(other, CHAIN, HUB)}$`));
      const events = [event("ClaimSigned"), event("ClaimChallenged", {}, { txHash: tx(2) }), event("ClaimRefuted")];
      expect(checkClaimFields({ claimId, events }, claimId, CHAIN, HUB)).to.deep.equal({
        id: "claim-fields",
        status: "fail",
        detail: "no transaction that records it carries the claim's fields (events in 0x01010101…, 0x02020202…)",
      });
    });
  });

  describe("model", function () {
    const first = { event: event("ClaimSigned"), level: 1 };

    it("passes an active model that allows the recorded level, and one deprecated after the claim", function () {
      expect(checkModel(claim.modelId, model(), first)).to.deep.equal({
        id: "model",
        status: "pass",
        detail:
          `${claim.modelId}: version 2 of family ${id("family").slice(0, 10)}…, Active; ` +
          "allows Signed, Proven; recorded at Signed: allowed",
      });
      const later = checkModel(claim.modelId, model({ status: "Deprecated", deprecatedAt: T0 + 1 }), first);
      expect(later.status).to.equal("pass");
      expect(later.detail).to.contain(", Deprecated since 2023-11-14T22:13:21Z (after the claim was recorded);");
    });

    it("fails an unregistered model, a level it does not allow, and a deprecation before the claim", function () {
      expect(checkModel(claim.modelId, undefined, first)).to.deep.equal({
        id: "model",
        status: "fail",
        detail: `model ${claim.modelId} is not registered`,
      });
      const attested = checkModel(claim.modelId, model(), { event: event("ClaimAttested"), level: 2 });
      expect(attested.status).to.equal("fail");
      expect(attested.detail).to.match(/; allows Signed, Proven; recorded at Attested: NOT allowed$/);
      const before = checkModel(claim.modelId, model({ status: "Deprecated", deprecatedAt: T0 }), first);
      expect(before.status).to.equal("fail");
      expect(before.detail).to.contain(", Deprecated since 2023-11-14T22:13:20Z (before the claim was recorded);");
    });
  });

  describe("verifying-key", function () {
    it("passes the key the verifier holds under the registered id, and returns it decoded", async function () {
      const toy = await toyModel();
      const r = checkVerifyingKey(toy.keyId, { bytes: toy.keyBytes });
      expect(r.check).to.deep.equal({
        id: "verifying-key",
        status: "pass",
        detail:
          `${toy.keyId}: ${(toy.keyBytes.length - 2) / 2} bytes from the verifier, ` +
          "keccak256 matches its id, 3 public signals",
      });
      expect(r.vkey?.nPublic).to.equal(3);
    });

    it("fails a key hashing to another id, one the verifier cannot give, one that does not decode", async function () {
      const toy = await toyModel();
      const other = id("another key");
      const r = checkVerifyingKey(other, { bytes: toy.keyBytes });
      expect(r.check.status).to.equal("fail");
      expect(r.check.detail).to.contain(", keccak256 does NOT match its id, 3 public signals");
      expect(checkVerifyingKey(other, { error: "execution reverted" })).to.deep.equal({
        check: {
          id: "verifying-key",
          status: "fail",
          detail: `cannot read key ${other} from the verifier: execution reverted`,
        },
      });
      const garbage = checkVerifyingKey(other, { bytes: "0x1234" });
      expect(garbage.vkey).to.equal(undefined);
      expect(garbage.check.status).to.equal("fail");
      expect(garbage.check.detail).to.match(new RegExp(`^cannot read key ${other} from the verifier: .+`));
    });
  });

  describe("setup", function () {
    const receipt = (level: number, refuted = false): HubReceipt => ({
      level,
      disputed: false,
      refuted,
      batched: false,
      challengeEnd: 0,
    });
    const declared = (development: boolean) => ({ ptauHash: id("ptau"), phase2Hash: id("zkey"), development });
    const dev = { developmentSetup: true, declared: declared(true) };
    const REAL = 8453n;

    it("passes a ceremony setup anywhere, and a development one on a development chain with a note", function () {
      const hashes = `ptau sha256 ${id("ptau").slice(0, 10)}…, phase 2 sha256 ${id("zkey").slice(0, 10)}…`;
      const ceremony = checkSetup({ developmentSetup: false, declared: declared(false) }, receipt(3), REAL);
      expect(ceremony).to.deep.equal({
        id: "setup",
        status: "pass",
        detail: `not a development setup (${hashes}; re-check: assay model verify-setup)`,
      });
      const local = checkSetup(dev, receipt(3), CHAIN);
      expect(local.status).to.equal("pass");
      expect(local.detail).to.equal(
        `development setup (${hashes}): its secrets are public, anyone can forge its proofs; ` +
          "chain 31337 is a development chain: fine for testing only",
      );
    });

    it("fails a Proven claim of a development setup elsewhere; notes a Signed one; skips an old registry", function () {
      const proven = checkSetup(dev, receipt(3), REAL);
      expect(proven.status).to.equal("fail");
      expect(proven.detail).to.match(/, so this Proven claim proves nothing on chain 8453$/);
      // The flag alone (descriptor event not found) is enough.
      expect(checkSetup({ developmentSetup: true }, receipt(3), REAL).status).to.equal("fail");
      const signed = checkSetup(dev, receipt(1), REAL);
      expect(signed.status).to.equal("info");
      expect(signed.detail).to.match(/, so a dispute of this claim on chain 8453 proves nothing$/);
      expect(checkSetup(dev, receipt(3, true), REAL).status).to.equal("info");
      expect(checkSetup({}, receipt(3), REAL)).to.deep.equal({
        id: "setup",
        status: "skip",
        detail: "the registry does not record the key's setup provenance",
      });
    });
  });

  describe("input-commitment and output", function () {
    const given = (inputCommitment: bigint, output: bigint): GivenInput => ({
      name: "in.json",
      salt: 5n,
      evaluation: { circuitId: "c0ffee", inputCommitment, output, labels: [7] },
    });

    it("pass when the input and salt give the claim's commitment and output", function () {
      expect(checkInputCommitment(claim, given(11n, 7n))).to.deep.equal({
        id: "input-commitment",
        status: "pass",
        detail: "Poseidon commitment of in.json with salt 5 equals the claim's",
      });
      expect(checkOutput(claim, given(11n, 7n))).to.deep.equal({
        id: "output",
        status: "pass",
        detail: "the integer evaluator of circuit c0ffee on in.json gives the claim's output 7 (label 7)",
      });
    });

    it("name every label of a model with several ArgMax groups", function () {
      const multi: GivenInput = {
        name: "in.json",
        salt: 5n,
        evaluation: { circuitId: "c0ffee", inputCommitment: 11n, output: 7n, labels: [3, 1, 0] },
      };
      expect(checkOutput(claim, multi)).to.deep.equal({
        id: "output",
        status: "pass",
        detail: "the integer evaluator of circuit c0ffee on in.json gives the claim's output 7 (labels 3, 1, 0)",
      });
    });

    it("fail on other values; skip without an input; fail when the model is not compiled here", function () {
      expect(checkInputCommitment(claim, given(12n, 8n))).to.deep.equal({
        id: "input-commitment",
        status: "fail",
        detail: "Poseidon commitment of in.json with salt 5 is 12, the claim's is 11",
      });
      expect(checkOutput(claim, given(12n, 8n))).to.deep.equal({
        id: "output",
        status: "fail",
        detail: "the integer evaluator of circuit c0ffee on in.json gives 8 (label 7), the claim says 7",
      });
      expect(checkInputCommitment(claim, undefined)).to.deep.equal({
        id: "input-commitment",
        status: "skip",
        detail: "no input given (--input f.json --salt n re-computes the input commitment and the output)",
      });
      expect(checkOutput(claim, undefined)).to.equal(undefined);
      const uncompiled: GivenInput = { name: "in.json", salt: 5n, evaluation: { error: "not compiled" } };
      expect(checkInputCommitment(claim, uncompiled)).to.deep.equal({
        id: "input-commitment",
        status: "fail",
        detail: "cannot evaluate the model here: not compiled",
      });
      expect(checkOutput(claim, uncompiled)).to.equal(undefined);
    });

    it("evaluateInput reports a model whose circuit it cannot find instead of throwing", async function () {
      expect(await evaluateInput(model(), [1, 2, 3], 5n)).to.deep.equal({
        error: `model ${claim.modelId}: its registration event was not found, so its circuit is unknown`,
      });
    });
  });

  describe("proof", function () {
    const x = 6n;
    const salt = 9n;

    async function provenClaim() {
      const toy = await toyModel();
      const c: Claim = { ...claim, inputCommitment: await toyCommitment(x, salt), output: toyOutput(x) };
      const cid = claimIdOf(c, CHAIN, HUB);
      const p = await proveToy(toy, x, salt, bindingFor(cid, operator.address));
      const call = hubCall("submitProven", [c, p.proof]);
      const e = event("ClaimProven", { beneficiary: operator.address, previousLevel: 0n }, { call, claim: c });
      return { toy, subject: { claimId: cid, claim: c, keyId: toy.keyId, vkey: toy.vkey }, e };
    }

    it("passes a proof that verifies against the registered key for the claim and its beneficiary", async function () {
      const { toy, subject, e } = await provenClaim();
      expect(await checkProof(e, subject)).to.deep.equal({
        id: "proof",
        status: "pass",
        detail:
          `Groth16 proof from tx ${tx(1)} verifies off-chain against key ${toy.keyId.slice(0, 10)}… ` +
          `for [input commitment, output, binding(claim, ${operator.address})]`,
      });
    });

    it("fails a proof bound to someone else, one sent through a forwarder, one without a key", async function () {
      const { subject, e } = await provenClaim();
      const rebound = await checkProof({ ...e, args: { ...e.args, beneficiary: stranger.address } }, subject);
      expect(rebound.status).to.equal("fail");
      expect(rebound.detail).to.match(/^Groth16 proof from tx 0x(01){32} does NOT verify off-chain against key/);
      expect(await checkProof({ ...e, call: undefined, to: FORWARDER }, subject)).to.deep.equal({
        id: "proof",
        status: "fail",
        detail:
          `the proof in tx ${tx(1)} was submitted through ${FORWARDER}: ` +
          "its calldata is not the hub's, so the proof cannot be read back",
      });
      expect(await checkProof(e, { ...subject, vkey: undefined })).to.deep.equal({
        id: "proof",
        status: "fail",
        detail: `the proof in tx ${tx(1)} cannot be checked without the registered key`,
      });
    });

    it("skips when no proof was submitted", async function () {
      const { subject } = await provenClaim();
      expect(await checkProofs([], subject, 1)).to.deep.equal([
        {
          id: "proof",
          status: "skip",
          detail: "not Proven: no proof was submitted (it stands on a signature; a proof can still raise or refute it)",
        },
      ]);
      expect(checkNoProof(0).detail).to.equal("not Proven: no proof was submitted");
    });
  });

  describe("signature and signer-staked", function () {
    async function signedBy(w: Wallet): Promise<ClaimEvent> {
      const s = await signClaimCompact(w, claim, CHAIN, HUB);
      return event(
        "ClaimSigned",
        { operator: operator.address },
        { call: hubCall("submitSigned", [claim, s.r, s.vs]) },
      );
    }

    it("passes a signature by the recorded operator, staked when the claim was recorded", async function () {
      expect(checkSignature(await signedBy(operator), claimId)).to.deep.equal({
        id: "signature",
        status: "pass",
        detail: `signature in tx ${tx(1)} recovers to ${operator.address}, the recorded operator`,
      });
      expect(
        checkSignerStaked({ operator: operator.address, block: 5, staked: true, minStake: 10n ** 18n }),
      ).to.deep.equal({
        id: "signer-staked",
        status: "pass",
        detail: `operator ${operator.address} had the minimum stake (1.0 ETH) when the claim was recorded (block 5)`,
      });
    });

    it("fails a signature by someone else, one sent through a forwarder, and an unstaked operator", async function () {
      expect(checkSignature(await signedBy(stranger), claimId)).to.deep.equal({
        id: "signature",
        status: "fail",
        detail:
          `signature in tx ${tx(1)} recovers to ${stranger.address}, ` +
          `not the recorded operator ${operator.address}`,
      });
      const forwarded = { ...(await signedBy(operator)), call: undefined, to: FORWARDER };
      expect(checkSignature(forwarded, claimId)).to.deep.equal({
        id: "signature",
        status: "fail",
        detail: `the signature in tx ${tx(1)} went through ${FORWARDER}: it cannot be read back`,
      });
      const unstaked = checkSignerStaked({ operator: operator.address, block: 5, staked: false, minStake: 10n ** 18n });
      expect(unstaked.status).to.equal("fail");
      expect(unstaked.detail).to.equal(
        `operator ${operator.address} did NOT have the minimum stake (1.0 ETH) when the claim was recorded (block 5)`,
      );
    });
  });

  describe("batch-membership", function () {
    const ids = [0, 1, 2, 3, 4].map((i) => claimIdOf({ ...claim, requestId: id(`b${i}`) }, CHAIN, HUB));
    const tree = BatchTree.fromClaimIds(ids);
    const signed = event("ClaimSigned", { operator: operator.address });
    const imported = (i: number) =>
      event(
        "BatchClaimImported",
        { operator: operator.address, root: tree.root },
        { call: hubCall("importBatchedClaim", [operator.address, tree.root, claim, tree.proof(i)]) },
      );
    const batch = { root: tree.root, operator: operator.address, postedAt: T0 - 60 };

    it("every leaf's proof folds to the batch tree's root", function () {
      for (let i = 0; i < ids.length; i++) expect(batchRootOf(keccak256(ids[i]), tree.proof(i))).to.equal(tree.root);
    });

    it("passes a claim whose proof folds to the root of a batch its operator posted", function () {
      expect(checkBatchMembership(ids[3], signed, imported(3), batch)).to.deep.equal({
        id: "batch-membership",
        status: "pass",
        detail:
          `Merkle proof from tx ${tx(1)} places the claim under root ${tree.root.slice(0, 10)}…, ` +
          `posted by ${operator.address} at 2023-11-14T22:12:20Z`,
      });
    });

    it("fails a proof folding elsewhere, a batch posted by another operator, an import it cannot read", function () {
      const wrong = checkBatchMembership(ids[3], signed, imported(2), batch);
      expect(wrong.status).to.equal("fail");
      expect(wrong.detail).to.match(
        /under root 0x[0-9a-f]{8}… \(it folds to 0x[0-9a-f]{8}…, NOT the root\), posted by/,
      );
      const foreign = checkBatchMembership(ids[3], signed, imported(3), { ...batch, operator: stranger.address });
      expect(foreign.status).to.equal("fail");
      expect(foreign.detail).to.contain(
        `posted by ${stranger.address}, not the recorded operator ${operator.address} at`,
      );
      expect(checkBatchMembership(ids[3], signed, { ...imported(3), call: undefined }, batch)).to.deep.equal({
        id: "batch-membership",
        status: "fail",
        detail: `the import in tx ${tx(1)} was not a direct hub call: its Merkle proof cannot be read back`,
      });
    });
  });

  describe("attested-signature, enclave-key and enclave-image", function () {
    const enclave = new Wallet(id("audit test enclave"));
    const key: EnclaveKeyRecord = {
      address: enclave.address,
      registered: true,
      measurement: id("image"),
      attestationDocHash: id("doc"),
      expiresAt: T0 + 86400,
      revoked: false,
      operator: operator.address,
    };
    const keyId = id("the model's verifying key");
    const hub = { chainId: BigInt(CHAIN), address: HUB };
    async function attestedBy(w: Wallet, signedKeyId = keyId): Promise<ClaimEvent> {
      const s = compactSignature(await signAttestedClaim(w, claimId, signedKeyId, CHAIN, HUB));
      const call = hubCall("submitAttested", [claim, signedKeyId, s.r, s.vs]);
      return event("ClaimAttested", { key: enclave.address }, { call });
    }

    it("pass a signature by the enclave key, a registered unexpired key and an approved image", async function () {
      expect(checkAttestedSignature(await attestedBy(enclave), claimId, hub, keyId)).to.deep.equal({
        id: "attested-signature",
        status: "pass",
        detail:
          `signature in tx ${tx(1)} recovers to ${enclave.address}, the enclave key; ` +
          `signed for verifying key ${keyId.slice(0, 10)}…, the model's`,
      });
      expect(checkEnclaveKey(event("ClaimAttested"), key, T0 + 10)).to.deep.equal({
        id: "enclave-key",
        status: "pass",
        detail:
          `${enclave.address}: registered for image ${id("image").slice(0, 10)}… ` +
          `from attestation document ${id("doc").slice(0, 10)}…; ` +
          "expires 2023-11-15T22:13:20Z (valid when the claim was recorded); not revoked",
      });
      const image = { measurement: key.measurement, approved: true, revoked: false, revokedAt: 0 };
      expect(checkEnclaveImage(image)).to.deep.equal({
        id: "enclave-image",
        status: "pass",
        detail: `image ${id("image").slice(0, 10)}… is approved for the model, not revoked`,
      });
    });

    it("fail another signer, an unregistered, expired or revoked key, a disallowed image", async function () {
      const wrong = checkAttestedSignature(await attestedBy(stranger), claimId, hub, keyId)!;
      expect(wrong.status).to.equal("fail");
      expect(wrong.detail).to.match(
        new RegExp(
          `^signature in tx ${tx(1)} recovers to ${stranger.address}, not the enclave key ${enclave.address};`,
        ),
      );
      // The enclave's own key, but signing for another model's verifying key.
      const other = checkAttestedSignature(await attestedBy(enclave, id("another model's key")), claimId, hub, keyId)!;
      expect(other.status).to.equal("fail");
      expect(other.detail).to.contain(`NOT the model's ${keyId.slice(0, 10)}…`);
      const noCall = { ...(await attestedBy(enclave)), call: undefined };
      expect(checkAttestedSignature(noCall, claimId, hub, keyId)).to.equal(undefined);
      expect(checkEnclaveKey(event("ClaimAttested"), { ...key, registered: false }, T0)).to.deep.equal({
        id: "enclave-key",
        status: "fail",
        detail: `enclave key ${enclave.address} is not registered`,
      });
      const late = event("ClaimAttested", {}, { timestamp: key.expiresAt + 1 });
      const expired = checkEnclaveKey(late, key, key.expiresAt + 10);
      expect(expired.status).to.equal("fail");
      expect(expired.detail).to.contain("(EXPIRED when the claim was recorded, expired since); not revoked");
      const revoked = checkEnclaveKey(event("ClaimAttested"), { ...key, revoked: true }, T0);
      expect(revoked.status).to.equal("fail");
      expect(revoked.detail).to.match(/\(valid when the claim was recorded\); REVOKED$/);
      const unapproved = { measurement: key.measurement, approved: false, revoked: false, revokedAt: 0 };
      expect(checkEnclaveImage(unapproved)).to.deep.equal({
        id: "enclave-image",
        status: "fail",
        detail: `image ${id("image").slice(0, 10)}… is NOT approved for the model, not revoked`,
      });
      const revokedImage = checkEnclaveImage({ ...unapproved, approved: true, revoked: true, revokedAt: T0 });
      expect(revokedImage.status).to.equal("fail");
      expect(revokedImage.detail).to.match(/is approved for the model and was REVOKED at 2023-11-14T22:13:20Z$/);
    });
  });

  describe("attestation", function () {
    const ca = createDevCa();
    const notAfter = new Date((Math.floor(Date.now() / 1000) + 3600) * 1000);
    const nsm = DevSecurityModule.create(ca, { notAfter });
    const certEnd = notAfter.getTime() / 1000;
    const enclave = Wallet.createRandom();
    const pcrs = { 0: new Uint8Array(48).fill(1), 1: new Uint8Array(48).fill(2), 2: new Uint8Array(48).fill(3) };
    const doc = nsm.createAttestationDocument({ pcrs, userData: signerUserData(enclave.address) });
    const key: EnclaveKeyRecord = {
      address: enclave.address,
      registered: true,
      measurement: imageMeasurementId(pcrs),
      attestationDocHash: keccak256(doc),
      expiresAt: certEnd,
      revoked: false,
      operator: operator.address,
    };
    const source = (roots = [devRoot(ca)], rootName = "the development CA") => ({
      find: (h: string) => (h === keccak256(doc) ? { bytes: doc, name: "enclave.cose" } : undefined),
      roots,
      rootName,
    });

    it("passes the key's document: chained to the root, of its image, binding it, outliving its expiry", function () {
      const c = checkAttestation(key, source());
      expect(c.status).to.equal("pass");
      expect(c.detail)
        .to.match(/^enclave\.cose: ES384 signature by .+, chain to the pinned root [0-9a-f]{16}…, non-debug PCRs/)
        .and.contain(`binds ${enclave.address} (user_data); attested `)
        .and.match(new RegExp(`; certificates valid until ${notAfter.toISOString()} \\(root: the development CA\\)$`));
      const skew = checkAttestation({ ...key, expiresAt: certEnd + 100 }, source());
      expect(skew.status).to.equal("pass");
      expect(skew.detail).to.contain(" (100 s before the key's on-chain expiry: within the clock tolerance)");
    });

    it("skips without documents", function () {
      expect(checkAttestation(key, undefined)).to.deep.equal({
        id: "attestation",
        status: "skip",
        detail:
          `document ${key.attestationDocHash.slice(0, 10)}… not given (--attestation <file or dir>): ` +
          "the registrar's off-chain check is not repeated",
      });
    });

    it("fails a missing document, another root or image, another hash, an expiry past its certificates", function () {
      expect(checkAttestation({ ...key, attestationDocHash: id("other") }, source())).to.deep.equal({
        id: "attestation",
        status: "fail",
        detail: `no document with hash ${id("other")} among the given attestation files`,
      });
      const aws = checkAttestation(key, source([awsNitroRoot()], "AWS Nitro root G1"));
      expect(aws.status).to.equal("fail");
      expect(aws.detail).to.match(/^enclave\.cose does not verify: .+ \(root: AWS Nitro root G1\)$/);
      const image = checkAttestation({ ...key, measurement: id("other image") }, source());
      expect(image.status).to.equal("fail");
      expect(image.detail).to.equal(
        `enclave.cose: its PCR0..2 hash to image ${key.measurement}, ` +
          `the key is registered for ${id("other image")} (root: the development CA)`,
      );
      const misfiled = { ...source(), find: () => ({ bytes: doc, name: "enclave.cose" }) };
      const hash = checkAttestation({ ...key, attestationDocHash: id("other") }, misfiled);
      expect(hash.status).to.equal("fail");
      expect(hash.detail).to.equal(
        `enclave.cose hashes to ${keccak256(doc)}, ` +
          `not the registered document hash ${id("other")} (root: the development CA)`,
      );
      const over = EXPIRY_CLOCK_TOLERANCE_S + 1;
      const outlived = checkAttestation({ ...key, expiresAt: certEnd + over }, source());
      expect(outlived.status).to.equal("fail");
      expect(outlived.detail).to.contain(`, ${over} s BEFORE the key's on-chain expiry (root: the development CA)`);
    });
  });

  describe("backer", function () {
    it("reports the backer's stake now, with open disputes", function () {
      const account = { active: 2n * 10n ** 18n, unbonding: 5n * 10n ** 17n, openDisputes: 1 };
      expect(checkBacker("operator", operator.address.toLowerCase(), account)).to.deep.equal({
        id: "backer",
        status: "info",
        detail: `operator ${operator.address} now has 2.0 ETH active and 0.5 ETH unbonding stake, 1 open dispute(s)`,
      });
    });

    it("reports that nothing can be slashed without a backer", function () {
      expect(
        checkBacker("enclave key's operator", "0x0000000000000000000000000000000000000000", undefined),
      ).to.deep.equal({
        id: "backer",
        status: "info",
        detail: "no staked enclave key's operator: nothing can be slashed if a proof refutes the claim",
      });
    });
  });

  describe("finality", function () {
    it("passes a final claim: Proven at once, Signed once its window closed (with its dispute history)", function () {
      expect(checkFinality(receipt({ level: 3 }), [], { final: true })).to.deep.equal({
        id: "finality",
        status: "pass",
        detail: "final (Proven; never challenged)",
      });
      const events = [event("ClaimChallenged"), event("ChallengeDefeated")];
      expect(checkFinality(receipt({ level: 1 }), events, { final: true }).detail).to.equal(
        "final (challenge window closed 2023-11-14T23:13:20Z; 1 challenge(s), 1 defended by proof)",
      );
    });

    it("reports a claim that is not final yet (information, not a failure): open, or awaiting a defence", function () {
      expect(checkFinality(receipt(), [], { final: false })).to.deep.equal({
        id: "finality",
        status: "info",
        detail: "not final: open to challenges until 2023-11-14T23:13:20Z (never challenged)",
      });
      const dispute = { challenger: stranger.address, responseDeadline: T0 + 1800 };
      expect(checkFinality(receipt({ disputed: true }), [], { final: false, dispute })).to.deep.equal({
        id: "finality",
        status: "info",
        detail:
          `not final: challenged by ${stranger.address}, ` +
          "the backer must answer with a proof by 2023-11-14T22:43:20Z",
      });
    });

    it("names the backer's stake below the minimum, not a past window, when that holds the claim up", function () {
      const min = parseEther("1");
      const backing = (active: string) => ({
        backer: operator.address,
        activeStake: parseEther(active),
        minStake: min,
      });
      // The window closed an hour ago; the backer unstaked to half the minimum.
      expect(checkFinality(receipt(), [], { final: false, now: T0 + 7200, backing: backing("0.5") })).to.deep.equal({
        id: "finality",
        status: "info",
        detail:
          `not final: its backer ${operator.address} has 0.5 ETH active stake, below the protocol minimum ` +
          "of 1.0 ETH (the hub holds a Signed or Attested claim final only while its backer is staked; " +
          "challenge window closed 2023-11-14T23:13:20Z; never challenged)",
      });
      // Both hold it up: the window is still open too.
      expect(checkFinality(receipt(), [], { final: false, now: T0, backing: backing("0") }).detail).to.equal(
        "not final: open to challenges until 2023-11-14T23:13:20Z, and its backer " +
          `${operator.address} has 0.0 ETH active stake, below the protocol minimum of 1.0 ETH (never challenged)`,
      );
      // A staked backer and an open window: the window alone.
      expect(checkFinality(receipt(), [], { final: false, now: T0, backing: backing("1") }).detail).to.equal(
        "not final: open to challenges until 2023-11-14T23:13:20Z (never challenged)",
      );
    });

    it("says when no account backs the claim, and when the hub is not final past every known reason", function () {
      const none = { backer: "0x0000000000000000000000000000000000000000", activeStake: 0n, minStake: parseEther("1") };
      expect(checkFinality(receipt({ level: 2 }), [], { final: false, now: T0 + 7200, backing: none }).detail).to.equal(
        "not final: no account with the protocol minimum of 1.0 ETH of active stake backs it (the hub holds " +
          "a Signed or Attested claim final only while its backer is staked; " +
          "challenge window closed 2023-11-14T23:13:20Z; never challenged)",
      );
      // The window ends at the latest block's second: the hub needs a later block.
      const staked = { ...none, backer: operator.address, activeStake: parseEther("2") };
      expect(checkFinality(receipt(), [], { final: false, now: T0 + 3600, backing: staked }).detail).to.equal(
        "not final: open to challenges until 2023-11-14T23:13:20Z (never challenged)",
      );
      expect(checkFinality(receipt(), [], { final: false, now: T0 + 3601, backing: staked }).detail).to.equal(
        "not final: the hub does not report it final yet (challenge window closed 2023-11-14T23:13:20Z; " +
          "never challenged)",
      );
    });
  });
});
