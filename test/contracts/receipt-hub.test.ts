import { expect } from "chai";
import { network } from "hardhat";
import { AbiCoder, Signature, TypedDataEncoder, Wallet, id, keccak256, recoverAddress, toBeHex } from "ethers";
import { bindingFor } from "../../prover/chain/binding.js";
import {
  CLAIM_TYPES,
  CLAIM_TYPE_STRING,
  claimIdOf,
  hubDomain,
  signClaim,
  signClaimCompact,
  type Claim,
} from "../../prover/chain/claim.js";
import { FIELD_MODULUS } from "../../prover/field.js";
import {
  LEVEL,
  deployProtocolContracts,
  idOf,
  latest,
  makeClaim,
  fam,
  modelInput,
  readyProtocol,
  sign,
  signAttested,
  backingConsent,
  submitAttested,
  submitSigned,
} from "./fixtures/protocol.js";
import { proveToy, releaseToyModel, toyCommitment, toyOutput } from "./fixtures/toy-model.js";

const { ethers, networkHelpers } = await network.create();

/** BN254 scalar field order, written out so the test trusts no module's copy. */
const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
/** secp256k1 group order. */
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

type R = Awaited<ReturnType<typeof readyProtocol>>;

/** Signs without the TypeScript field checks (to show the contract's own). */
async function rawSign(r: R, signer: Wallet | R["operator"], claim: Claim) {
  const sig = Signature.from(await signer.signTypedData(hubDomain(r.chainId, r.hubAddress), CLAIM_TYPES, { ...claim }));
  return { r: sig.r, vs: sig.yParityAndS };
}

function rawId(r: R, claim: Claim): string {
  return TypedDataEncoder.hash(hubDomain(r.chainId, r.hubAddress), CLAIM_TYPES, { ...claim });
}

describe("ReceiptHub", function () {
  const fixture = () => readyProtocol(ethers);
  after(releaseToyModel);

  describe("claim ids, bindings and the TypeScript helpers", function () {
    it("computes the claim id exactly as prover/chain/claim.ts", async function () {
      const r = await networkHelpers.loadFixture(fixture);
      expect(FIELD_MODULUS).to.equal(R);
      const domain = hubDomain(r.chainId, r.hubAddress);
      expect(await r.hub.domainSeparator()).to.equal(TypedDataEncoder.hashDomain(domain));
      const now = await latest(ethers);
      for (const claim of [
        makeClaim(r.modelId, now),
        makeClaim(r.modelId, now, {
          inputCommitment: 0n,
          output: R - 1n,
          requestId: toBeHex(1n, 32),
          deadline: (1n << 64n) - 1n,
        }),
        makeClaim(id("another model"), now, { output: 123456789n }),
      ]) {
        expect(await r.hub.claimIdOf(claim)).to.equal(claimIdOf(claim, r.chainId, r.hubAddress));
      }
      // The type string is the one the contract hashes.
      const structHash = keccak256(
        AbiCoder.defaultAbiCoder().encode(
          ["bytes32", "bytes32", "uint256", "uint256", "bytes32", "uint64"],
          [id(CLAIM_TYPE_STRING), r.modelId, 5n, 6n, id("q"), 7n],
        ),
      );
      const claim = { modelId: r.modelId, inputCommitment: 5n, output: 6n, requestId: id("q"), deadline: 7n };
      expect(
        TypedDataEncoder.hashStruct(
          "Claim",
          {
            Claim: [
              { name: "modelId", type: "bytes32" },
              { name: "inputCommitment", type: "uint256" },
              { name: "output", type: "uint256" },
              { name: "requestId", type: "bytes32" },
              { name: "deadline", type: "uint64" },
            ],
          },
          claim,
        ),
      ).to.equal(structHash);
    });

    it("computes the binding exactly as prover/chain/binding.ts, below r", async function () {
      const r = await networkHelpers.loadFixture(fixture);
      for (let i = 0; i < 8; i++) {
        const claimId = id(`claim ${i}`);
        const who = Wallet.createRandom().address;
        const b = await r.hub.bindingOf(claimId, who);
        expect(b).to.equal(bindingFor(claimId, who));
        expect(b < R).to.equal(true);
        expect(b).to.equal(
          BigInt(keccak256(AbiCoder.defaultAbiCoder().encode(["bytes32", "address"], [claimId, who]))) % R,
        );
      }
    });
  });

  describe("submitSigned", function () {
    it("records a staked operator's claim, final after the window", async function () {
      const r = await networkHelpers.loadFixture(fixture);
      const claim = makeClaim(r.modelId, await latest(ethers));
      const claimId = idOf(r, claim);
      const { r: sr, vs } = await sign(r, r.operator, claim);
      const tx = await r.hub.connect(r.user).submitSigned(claim, sr, vs);
      await expect(tx).to.emit(r.hub, "ClaimSigned").withArgs(claimId, r.operator.address);
      const ts = BigInt((await ethers.provider.getBlock((await tx.wait())!.blockNumber))!.timestamp);
      const end = ts + BigInt(r.params.challengeWindow);
      const receipt = await r.hub.receiptOf(claimId);
      expect(receipt.level).to.equal(BigInt(LEVEL.Signed));
      expect(receipt.signer).to.equal(r.operator.address);
      expect(receipt.challengeEnd).to.equal(end);
      expect([receipt.disputed, receipt.refuted, receipt.batched]).to.deep.equal([false, false, false]);
      expect(await r.hub.levelOf(claimId)).to.equal(BigInt(LEVEL.Signed));
      expect(await r.hub.outputOf(claim)).to.equal(claim.output);
      expect(await r.hub.isFinal(claimId)).to.equal(false);
      await expect(r.hub.requireLevel(claim, LEVEL.Signed))
        .to.be.revertedWithCustomError(r.hub, "ReceiptHubNotFinal")
        .withArgs(claimId, end, false);
      await networkHelpers.time.increaseTo(end);
      expect(await r.hub.isFinal(claimId)).to.equal(false); // the last second is still open
      await networkHelpers.time.increaseTo(end + 1n);
      expect(await r.hub.isFinal(claimId)).to.equal(true);
      expect(await r.hub.requireLevel(claim, LEVEL.Signed)).to.deep.equal([claimId, claim.output]);
      await expect(r.hub.requireLevel(claim, LEVEL.Attested))
        .to.be.revertedWithCustomError(r.hub, "ReceiptHubLevelTooLow")
        .withArgs(claimId, LEVEL.Signed, LEVEL.Attested);
    });

    it("rejects expired, duplicate, out-of-field and unstaked claims", async function () {
      const r = await networkHelpers.loadFixture(fixture);
      const now = await latest(ethers);
      const expired = makeClaim(r.modelId, now, { deadline: now + 5n });
      const s1 = await sign(r, r.operator, expired);
      await networkHelpers.time.setNextBlockTimestamp(now + 6n);
      await expect(r.hub.submitSigned(expired, s1.r, s1.vs))
        .to.be.revertedWithCustomError(r.hub, "ReceiptHubClaimExpired")
        .withArgs(idOf(r, expired), now + 5n);

      const claim = makeClaim(r.modelId, now + 6n, { deadline: now + 100n });
      const claimId = await submitSigned(r, r.operator, claim);
      const again = await sign(r, r.operator, claim);
      await expect(r.hub.submitSigned(claim, again.r, again.vs))
        .to.be.revertedWithCustomError(r.hub, "ReceiptHubClaimExists")
        .withArgs(claimId, LEVEL.Signed);
      // The same claim signed by another operator is the same claim: recorded once.
      const other = await sign(r, r.operator2, claim);
      await expect(r.hub.submitSigned(claim, other.r, other.vs))
        .to.be.revertedWithCustomError(r.hub, "ReceiptHubClaimExists")
        .withArgs(claimId, LEVEL.Signed);

      for (const field of ["inputCommitment", "output"] as const) {
        const bad = makeClaim(r.modelId, now + 6n, { [field]: R });
        const s = await rawSign(r, r.operator, bad);
        await expect(r.hub.submitSigned(bad, s.r, s.vs))
          .to.be.revertedWithCustomError(r.hub, "ReceiptHubNotInField")
          .withArgs(rawId(r, bad), R);
      }

      const unstaked = makeClaim(r.modelId, now + 6n);
      const su = await sign(r, r.user, unstaked);
      await expect(r.hub.submitSigned(unstaked, su.r, su.vs))
        .to.be.revertedWithCustomError(r.hub, "ReceiptHubSignerNotStaked")
        .withArgs(r.user.address, 0, r.params.minStake);
      // Stake that is unbonding does not count.
      await (await r.hub.connect(r.operator2).requestUnbonding(1n)).wait();
      const s2 = await sign(r, r.operator2, unstaked);
      await expect(r.hub.submitSigned(unstaked, s2.r, s2.vs))
        .to.be.revertedWithCustomError(r.hub, "ReceiptHubSignerNotStaked")
        .withArgs(r.operator2.address, r.params.minStake - 1n, r.params.minStake);
    });

    it("checks the model: known, active, allowing Signed", async function () {
      const r = await networkHelpers.loadFixture(fixture);
      const now = await latest(ethers);
      const unknown = makeClaim(id("no model"), now);
      const s = await sign(r, r.operator, unknown);
      await expect(r.hub.submitSigned(unknown, s.r, s.vs))
        .to.be.revertedWithCustomError(r.hub, "ModelRegistryUnknownModel")
        .withArgs(unknown.modelId);
      const provenOnly = modelInput(r.toy, { family: fam("proven only"), allowedLevels: 1 << LEVEL.Proven });
      await (await r.hub.registerModelVersion(provenOnly)).wait();
      const provenOnlyId = await r.hub.modelIdOf(provenOnly.family, 1);
      const c1 = makeClaim(provenOnlyId, now);
      const s1 = await sign(r, r.operator, c1);
      await expect(r.hub.submitSigned(c1, s1.r, s1.vs))
        .to.be.revertedWithCustomError(r.hub, "ModelRegistryLevelNotAllowed")
        .withArgs(provenOnlyId, LEVEL.Signed);
      await (await r.hub.deprecateModelVersion(r.modelId)).wait();
      const c2 = makeClaim(r.modelId, now);
      const s2 = await sign(r, r.operator, c2);
      await expect(r.hub.submitSigned(c2, s2.r, s2.vs))
        .to.be.revertedWithCustomError(r.hub, "ModelRegistryModelDeprecated")
        .withArgs(r.modelId);
    });

    it("rejects signatures replayed across claims, hubs and chains", async function () {
      const r = await networkHelpers.loadFixture(fixture);
      const now = await latest(ethers);
      const a = makeClaim(r.modelId, now);
      const b = makeClaim(r.modelId, now);
      const sigA = await signClaim(r.operator, a, r.chainId, r.hubAddress);
      const { r: ar, vs: avs } = await signClaimCompact(r.operator, a, r.chainId, r.hubAddress);
      // Claim B with A's signature recovers some other key, which is not staked.
      const strayB = recoverAddress(idOf(r, b), sigA);
      expect(strayB).to.not.equal(r.operator.address);
      await expect(r.hub.submitSigned(b, ar, avs))
        .to.be.revertedWithCustomError(r.hub, "ReceiptHubSignerNotStaked")
        .withArgs(strayB, 0, r.params.minStake);

      // Another hub on the same chain: another domain, another claim id.
      const hub2 = await deployProtocolContracts(ethers, await r.verifier.getAddress(), r.admin.address, r.params);
      await (await hub2.registerImage(r.image)).wait();
      await (await hub2.registerModelVersion(r.model)).wait();
      expect(await hub2.modelIdOf(r.model.family, 1)).to.equal(r.modelId);
      await (await hub2.connect(r.operator).stake({ value: r.params.minStake })).wait();
      const id2 = claimIdOf(a, r.chainId, await hub2.getAddress());
      expect(id2).to.not.equal(idOf(r, a));
      await expect(hub2.submitSigned(a, ar, avs))
        .to.be.revertedWithCustomError(hub2, "ReceiptHubSignerNotStaked")
        .withArgs(recoverAddress(id2, sigA), 0, r.params.minStake);

      // A signature made for another chain id.
      const foreign = await signClaim(r.operator, a, r.chainId + 1n, r.hubAddress);
      const f = Signature.from(foreign);
      await expect(r.hub.submitSigned(a, f.r, f.yParityAndS))
        .to.be.revertedWithCustomError(r.hub, "ReceiptHubSignerNotStaked")
        .withArgs(recoverAddress(idOf(r, a), foreign), 0, r.params.minStake);

      // The genuine signature still works, once.
      await expect(r.hub.submitSigned(a, ar, avs))
        .to.emit(r.hub, "ClaimSigned")
        .withArgs(idOf(r, a), r.operator.address);
      await expect(hub2.submitSigned(a, ar, avs)).to.be.revertedWithCustomError(hub2, "ReceiptHubSignerNotStaked");
    });

    it("rejects malleable (high-s) and invalid signatures through OpenZeppelin ECDSA", async function () {
      const r = await networkHelpers.loadFixture(fixture);
      const claim = makeClaim(r.modelId, await latest(ethers));
      const sig = Signature.from(await signClaim(r.operator, claim, r.chainId, r.hubAddress));
      const s = BigInt(sig.s);
      expect(s <= N / 2n).to.equal(true);
      // The twin (r, n - s, other parity) is the same signature to ecrecover. In compact form its
      // s must sit in the low 255 bits; any s above n/2 there is refused before ecrecover runs.
      const twinS = N - s;
      const highS = twinS < 1n << 255n ? twinS : N / 2n + 1n + (s % 1000n);
      const vsHigh = toBeHex((BigInt(1 - sig.yParity) << 255n) | highS, 32);
      await expect(r.hub.submitSigned(claim, sig.r, vsHigh))
        .to.be.revertedWithCustomError(r.hub, "ECDSAInvalidSignatureS")
        .withArgs(toBeHex(highS, 32));
      // A signature that recovers no address.
      await expect(r.hub.submitSigned(claim, toBeHex(0n, 32), toBeHex(1n, 32))).to.be.revertedWithCustomError(
        r.hub,
        "ECDSAInvalidSignature",
      );
      expect(await r.hub.levelOf(idOf(r, claim))).to.equal(BigInt(LEVEL.None));
    });
  });

  describe("submitAttested", function () {
    it("records an enclave key's claim", async function () {
      const r = await networkHelpers.loadFixture(fixture);
      const claim = makeClaim(r.modelId, await latest(ethers));
      const claimId = idOf(r, claim);
      const { r: sr, vs } = await signAttested(r, r.enclave, claim);
      const tx = await r.hub.connect(r.user).submitAttested(claim, r.toy.keyId, sr, vs);
      await expect(tx).to.emit(r.hub, "ClaimAttested").withArgs(claimId, r.enclave.address);
      const ts = BigInt((await ethers.provider.getBlock((await tx.wait())!.blockNumber))!.timestamp);
      const receipt = await r.hub.receiptOf(claimId);
      expect(receipt.level).to.equal(BigInt(LEVEL.Attested));
      expect(receipt.signer).to.equal(r.enclave.address);
      expect(receipt.challengeEnd).to.equal(ts + BigInt(r.params.challengeWindow));
      await networkHelpers.time.increase(r.params.challengeWindow + 1);
      expect(await r.hub.requireLevel(claim, LEVEL.Attested)).to.deep.equal([claimId, claim.output]);
      await expect(r.hub.requireLevel(claim, LEVEL.Proven))
        .to.be.revertedWithCustomError(r.hub, "ReceiptHubLevelTooLow")
        .withArgs(claimId, LEVEL.Attested, LEVEL.Proven);
      const s2 = await signAttested(r, r.enclave, claim);
      await expect(r.hub.submitAttested(claim, r.toy.keyId, s2.r, s2.vs))
        .to.be.revertedWithCustomError(r.hub, "ReceiptHubClaimExists")
        .withArgs(claimId, LEVEL.Attested);
    });

    it("rejects unknown, revoked and expired keys, and stops every key of a revoked image", async function () {
      const r = await networkHelpers.loadFixture(fixture);
      const now = await latest(ethers);
      const stranger = Wallet.createRandom();
      const c0 = makeClaim(r.modelId, now);
      const s0 = await signAttested(r, stranger, c0);
      await expect(r.hub.submitAttested(c0, r.toy.keyId, s0.r, s0.vs))
        .to.be.revertedWithCustomError(r.hub, "EnclaveRegistryUnknownKey")
        .withArgs(stranger.address);
      // An operator's key is not an enclave key.
      const so = await signAttested(r, r.operator, c0);
      await expect(r.hub.submitAttested(c0, r.toy.keyId, so.r, so.vs))
        .to.be.revertedWithCustomError(r.hub, "EnclaveRegistryUnknownKey")
        .withArgs(r.operator.address);

      const second = new Wallet(id("enclave key 2"));
      await (
        await r.hub
          .connect(r.attester)
          .registerEnclaveKey(
            second.address,
            r.image,
            id("doc 2"),
            now + 100n,
            r.enclaveOperator.address,
            await backingConsent(r.hub, r.enclaveOperator, second.address, r.image, now + 100n),
          )
      ).wait();
      const c1 = makeClaim(r.modelId, now, { deadline: now + 10_000n });
      const s1 = await signAttested(r, second, c1);
      await networkHelpers.time.setNextBlockTimestamp(now + 100n);
      await expect(r.hub.submitAttested(c1, r.toy.keyId, s1.r, s1.vs))
        .to.be.revertedWithCustomError(r.hub, "EnclaveRegistryKeyExpired")
        .withArgs(second.address, now + 100n);

      await (await r.hub.connect(r.attester).revokeEnclaveKey(r.enclave.address)).wait();
      const c2 = makeClaim(r.modelId, now + 100n);
      const s2 = await signAttested(r, r.enclave, c2);
      await expect(r.hub.submitAttested(c2, r.toy.keyId, s2.r, s2.vs))
        .to.be.revertedWithCustomError(r.hub, "EnclaveRegistryKeyRevoked")
        .withArgs(r.enclave.address);
    });

    it("cascades an image revocation to all its keys", async function () {
      const r = await networkHelpers.loadFixture(fixture);
      const now = await latest(ethers);
      const second = new Wallet(id("enclave key 2"));
      await (
        await r.hub
          .connect(r.attester)
          .registerEnclaveKey(
            second.address,
            r.image,
            id("doc 2"),
            r.enclaveExpiry,
            r.enclaveOperator.address,
            await backingConsent(r.hub, r.enclaveOperator, second.address, r.image, r.enclaveExpiry),
          )
      ).wait();
      const before = makeClaim(r.modelId, now);
      await submitAttested(r, before);
      await (await r.hub.connect(r.attester).revokeImage(r.image)).wait();
      for (const key of [r.enclave, second]) {
        const c = makeClaim(r.modelId, now);
        const s = await signAttested(r, key, c);
        await expect(r.hub.submitAttested(c, r.toy.keyId, s.r, s.vs))
          .to.be.revertedWithCustomError(r.hub, "EnclaveRegistryImageRevoked")
          .withArgs(r.image);
      }
      // A claim recorded before the revocation keeps its level (it can still be disputed).
      expect(await r.hub.levelOf(idOf(r, before))).to.equal(BigInt(LEVEL.Attested));
    });

    it("checks that the model approves the key's image and is active", async function () {
      const r = await networkHelpers.loadFixture(fixture);
      const now = await latest(ethers);
      const image2 = id("enclave image v2");
      await (await r.hub.registerImage(image2)).wait();
      const k2 = new Wallet(id("image 2 key"));
      await (
        await r.hub
          .connect(r.attester)
          .registerEnclaveKey(
            k2.address,
            image2,
            id("doc"),
            r.enclaveExpiry,
            r.enclaveOperator.address,
            await backingConsent(r.hub, r.enclaveOperator, k2.address, image2, r.enclaveExpiry),
          )
      ).wait();
      const c = makeClaim(r.modelId, now);
      const s = await signAttested(r, k2, c);
      await expect(r.hub.submitAttested(c, r.toy.keyId, s.r, s.vs))
        .to.be.revertedWithCustomError(r.hub, "EnclaveRegistryImageNotApproved")
        .withArgs(r.modelId, image2);
      // A version without Attested names that, not the image.
      const signedOnly = modelInput(r.toy, { family: fam("signed only") });
      await (await r.hub.registerModelVersion(signedOnly)).wait();
      const signedOnlyId = await r.hub.modelIdOf(signedOnly.family, 1);
      const c2 = makeClaim(signedOnlyId, now);
      const s2 = await signAttested(r, r.enclave, c2);
      await expect(r.hub.submitAttested(c2, r.toy.keyId, s2.r, s2.vs))
        .to.be.revertedWithCustomError(r.hub, "ModelRegistryLevelNotAllowed")
        .withArgs(signedOnlyId, LEVEL.Attested);
      const c3 = makeClaim(id("no model"), now);
      const s3 = await signAttested(r, r.enclave, c3);
      await expect(r.hub.submitAttested(c3, r.toy.keyId, s3.r, s3.vs))
        .to.be.revertedWithCustomError(r.hub, "ModelRegistryUnknownModel")
        .withArgs(c3.modelId);
      await (await r.hub.deprecateModelVersion(r.modelId)).wait();
      const c4 = makeClaim(r.modelId, now);
      const s4 = await signAttested(r, r.enclave, c4);
      await expect(r.hub.submitAttested(c4, r.toy.keyId, s4.r, s4.vs))
        .to.be.revertedWithCustomError(r.hub, "ModelRegistryModelDeprecated")
        .withArgs(r.modelId);
    });
  });

  describe("submitProven", function () {
    async function provenClaim(
      r: Awaited<ReturnType<typeof readyProtocol>>,
      x: bigint,
      salt: bigint,
      output = toyOutput(x),
    ) {
      return makeClaim(r.modelId, await latest(ethers), { inputCommitment: await toyCommitment(x, salt), output });
    }

    it("records a new claim with a proof bound to its submitter", async function () {
      const r = await networkHelpers.loadFixture(fixture);
      const claim = await provenClaim(r, 5n, 77n);
      const claimId = idOf(r, claim);
      const p = await proveToy(r.toy, 5n, 77n, bindingFor(claimId, r.user.address));
      expect([p.inputCommitment, p.output]).to.deep.equal([claim.inputCommitment, claim.output]);
      // Front-running: another sender submitting the same proof binds itself, and fails.
      await expect(r.hub.connect(r.challenger).submitProven(claim, p.proof))
        .to.be.revertedWithCustomError(r.hub, "ReceiptHubProofRejected")
        .withArgs(claimId, r.toy.keyId);
      await expect(r.hub.connect(r.user).submitProven(claim, p.proof))
        .to.emit(r.hub, "ClaimProven")
        .withArgs(claimId, r.user.address, LEVEL.None);
      const receipt = await r.hub.receiptOf(claimId);
      expect(receipt.level).to.equal(BigInt(LEVEL.Proven));
      expect(receipt.signer).to.equal(r.user.address);
      expect(receipt.challengeEnd).to.equal(0n);
      expect(await r.hub.isFinal(claimId)).to.equal(true);
      expect(await r.hub.requireLevel(claim, LEVEL.Proven)).to.deep.equal([claimId, claim.output]);
      await expect(r.hub.connect(r.user).submitProven(claim, p.proof))
        .to.be.revertedWithCustomError(r.hub, "ReceiptHubAlreadyProven")
        .withArgs(claimId);
    });

    it("rejects a proof of another claim, a wrong output and a tampered proof", async function () {
      const r = await networkHelpers.loadFixture(fixture);
      const claim = await provenClaim(r, 9n, 1n);
      const claimId = idOf(r, claim);
      const good = await proveToy(r.toy, 9n, 1n, bindingFor(claimId, r.user.address));
      // Same statement, other request id: other claim id, other binding.
      const sibling = { ...claim, requestId: id("sibling") };
      await expect(r.hub.connect(r.user).submitProven(sibling, good.proof))
        .to.be.revertedWithCustomError(r.hub, "ReceiptHubProofRejected")
        .withArgs(idOf(r, sibling), r.toy.keyId);
      const wrongOutput = { ...claim, output: claim.output + 1n };
      await expect(r.hub.connect(r.user).submitProven(wrongOutput, good.proof))
        .to.be.revertedWithCustomError(r.hub, "ReceiptHubProofRejected")
        .withArgs(idOf(r, wrongOutput), r.toy.keyId);
      const tampered = [...good.proof] as typeof good.proof;
      tampered[7] = (tampered[7] + 1n) % 21888242871839275222246405745257275088696311157297823662689037894645226208583n;
      await expect(r.hub.connect(r.user).submitProven(claim, tampered))
        .to.be.revertedWithCustomError(r.hub, "ReceiptHubProofRejected")
        .withArgs(claimId, r.toy.keyId);
      const outOfField = { ...claim, output: R + 3n };
      await expect(r.hub.connect(r.user).submitProven(outOfField, good.proof))
        .to.be.revertedWithCustomError(r.hub, "ReceiptHubNotInField")
        .withArgs(rawId(r, outOfField), R + 3n);
      const now = await latest(ethers);
      const late = { ...claim, deadline: now };
      await networkHelpers.time.setNextBlockTimestamp(now + 1n);
      await expect(r.hub.connect(r.user).submitProven(late, good.proof))
        .to.be.revertedWithCustomError(r.hub, "ReceiptHubClaimExpired")
        .withArgs(idOf(r, late), now);
    });

    it("raises a Signed claim to Proven, even after its deadline", async function () {
      const r = await networkHelpers.loadFixture(fixture);
      const claim = await provenClaim(r, 3n, 4n);
      const claimId = await submitSigned(r, r.operator, claim);
      await networkHelpers.time.increase(2 * 3600);
      const p = await proveToy(r.toy, 3n, 4n, bindingFor(claimId, r.operator.address));
      await expect(r.hub.connect(r.operator).submitProven(claim, p.proof))
        .to.emit(r.hub, "ClaimProven")
        .withArgs(claimId, r.operator.address, LEVEL.Signed);
      const receipt = await r.hub.receiptOf(claimId);
      expect(receipt.level).to.equal(BigInt(LEVEL.Proven));
      expect(receipt.signer).to.equal(r.operator.address);
      expect(await r.hub.requireLevel(claim, LEVEL.Proven)).to.deep.equal([claimId, claim.output]);
    });
  });

  describe("submitProvenBatch", function () {
    /** Claims on x = 2, 3, 4, ... with proofs bound to `who`. */
    async function batch(r: R, who: string, xs: bigint[]) {
      const now = await latest(ethers);
      const claims = [];
      const proofs = [];
      for (const x of xs) {
        const claim = makeClaim(r.modelId, now, { inputCommitment: await toyCommitment(x, 9n), output: toyOutput(x) });
        claims.push(claim);
        proofs.push((await proveToy(r.toy, x, 9n, bindingFor(idOf(r, claim), who))).proof);
      }
      return { claims, proofs, ids: claims.map((c) => idOf(r, c)) };
    }

    it("records every claim at Proven for the caller, with one event each", async function () {
      const r = await networkHelpers.loadFixture(fixture);
      const b = await batch(r, r.user.address, [2n, 3n, 4n]);
      expect(await r.hub.connect(r.user).submitProvenBatch.staticCall(b.claims, b.proofs)).to.deep.equal(b.ids);
      const tx = r.hub.connect(r.user).submitProvenBatch(b.claims, b.proofs);
      for (const claimId of b.ids)
        await expect(tx).to.emit(r.hub, "ClaimProven").withArgs(claimId, r.user.address, LEVEL.None);
      for (const [i, claimId] of b.ids.entries()) {
        const receipt = await r.hub.receiptOf(claimId);
        expect(receipt.level).to.equal(BigInt(LEVEL.Proven));
        expect(receipt.signer).to.equal(r.user.address);
        expect(await r.hub.requireLevel(b.claims[i], LEVEL.Proven)).to.deep.equal([claimId, b.claims[i].output]);
      }
    });

    it("one proof that does not verify, at any position, records nothing", async function () {
      const r = await networkHelpers.loadFixture(fixture);
      const b = await batch(r, r.user.address, [5n, 6n, 7n]);
      for (let at = 0; at < 3; at++) {
        const claims = b.claims.map((c, i) => (i === at ? { ...c, output: c.output + 1n } : c));
        await expect(r.hub.connect(r.user).submitProvenBatch(claims, b.proofs)).to.be.revertedWithCustomError(
          r.hub,
          "ReceiptHubBatchRejected",
        );
      }
      for (const claimId of b.ids) expect(await r.hub.levelOf(claimId)).to.equal(BigInt(LEVEL.None));
      // Copied from the mempool by another sender: every binding is wrong for it.
      await expect(r.hub.connect(r.challenger).submitProvenBatch(b.claims, b.proofs)).to.be.revertedWithCustomError(
        r.hub,
        "ReceiptHubBatchRejected",
      );
      await (await r.hub.connect(r.user).submitProvenBatch(b.claims, b.proofs)).wait();
      await expect(r.hub.connect(r.user).submitProvenBatch(b.claims.slice(0, 1), b.proofs.slice(0, 1)))
        .to.be.revertedWithCustomError(r.hub, "ReceiptHubAlreadyProven")
        .withArgs(b.ids[0]);
    });

    it("refuses the same claim twice in one batch, and malformed batches", async function () {
      const r = await networkHelpers.loadFixture(fixture);
      const b = await batch(r, r.user.address, [8n, 9n]);
      await expect(
        r.hub.connect(r.user).submitProvenBatch([b.claims[0], b.claims[1], b.claims[0]], [...b.proofs, b.proofs[0]]),
      )
        .to.be.revertedWithCustomError(r.hub, "ReceiptHubAlreadyProven")
        .withArgs(b.ids[0]);
      await expect(r.hub.connect(r.user).submitProvenBatch([], []))
        .to.be.revertedWithCustomError(r.hub, "ReceiptHubBatchShape")
        .withArgs(0, 0, 64);
      await expect(r.hub.connect(r.user).submitProvenBatch(b.claims, b.proofs.slice(1)))
        .to.be.revertedWithCustomError(r.hub, "ReceiptHubBatchShape")
        .withArgs(2, 1, 64);
      const outOfField = { ...b.claims[1], output: R + 1n };
      await expect(r.hub.connect(r.user).submitProvenBatch([b.claims[0], outOfField], b.proofs))
        .to.be.revertedWithCustomError(r.hub, "ReceiptHubNotInField")
        .withArgs(rawId(r, outOfField), R + 1n);
    });

    it("raises a Signed claim and records a new one in the same batch", async function () {
      const r = await networkHelpers.loadFixture(fixture);
      const b = await batch(r, r.operator.address, [10n, 11n]);
      const s = await sign(r, r.operator, b.claims[0]);
      await (await r.hub.submitSigned(b.claims[0], s.r, s.vs)).wait();
      const tx = r.hub.connect(r.operator).submitProvenBatch(b.claims, b.proofs);
      await expect(tx).to.emit(r.hub, "ClaimProven").withArgs(b.ids[0], r.operator.address, LEVEL.Signed);
      await expect(tx).to.emit(r.hub, "ClaimProven").withArgs(b.ids[1], r.operator.address, LEVEL.None);
      expect(await r.hub.levelOf(b.ids[0])).to.equal(BigInt(LEVEL.Proven));
      expect((await r.hub.receiptOf(b.ids[0])).signer).to.equal(r.operator.address);
    });
  });

  it("keeps the hot paths within their gas targets", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    const now = await latest(ethers);
    // A realistic claim: random commitment and request id, a label as output.
    const claim = makeClaim(r.modelId, now, { output: 7n });
    const s = await sign(r, r.operator, claim);
    const signed = await (await r.hub.submitSigned(claim, s.r, s.vs)).wait();
    expect(signed!.gasUsed <= 60_000n).to.equal(true, `submitSigned used ${signed!.gasUsed}`);
    const claim2 = makeClaim(r.modelId, now, { output: 7n });
    const s2 = await signAttested(r, r.enclave, claim2);
    const attested = await (await r.hub.submitAttested(claim2, r.toy.keyId, s2.r, s2.vs)).wait();
    expect(attested!.gasUsed <= 60_000n).to.equal(true, `submitAttested used ${attested!.gasUsed}`);
    const claim3 = makeClaim(r.modelId, now, { inputCommitment: await toyCommitment(11n, 2n), output: toyOutput(11n) });
    const p = await proveToy(r.toy, 11n, 2n, bindingFor(idOf(r, claim3), r.user.address));
    const proven = await (await r.hub.connect(r.user).submitProven(claim3, p.proof)).wait();
    expect(proven!.gasUsed <= 300_000n).to.equal(true, `submitProven used ${proven!.gasUsed}`);
  });
});
