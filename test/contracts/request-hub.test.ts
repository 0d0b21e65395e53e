import { expect } from "chai";
import { network } from "hardhat";
import { buildPoseidon } from "circomlibjs";
import { id, ZeroAddress } from "ethers";
import { compactSignature, signClaim } from "../../prover/chain/claim.js";
import { fulfilmentIdOf, inputTensorOf, requestIdOf, type InputTensor } from "../../prover/chain/request-hub.js";
import { commitTensor, type TensorEncoding } from "../../prover/commit/tensor-commitment.js";
import { FIELD_MODULUS } from "../../prover/field.js";
import { releaseCurve } from "../../prover/zk/groth16.js";
import { latest, signAttested } from "./fixtures/protocol.js";
import {
  answerClaim,
  ask,
  LEVEL,
  MAX_CALLBACK_GAS,
  proveFor,
  REQUEST_TTL,
  requestsReady,
  tinyTensor,
  type RequestsReady,
} from "./fixtures/requests.js";

const { ethers, networkHelpers } = await network.create();

const ready = () => requestsReady(ethers);

/** Deterministic pseudo-random field elements. */
function fieldVector(tag: string, n = 16): bigint[] {
  return Array.from({ length: n }, (_, i) => BigInt(id(`${tag} ${i}`)) % FIELD_MODULUS);
}

/** Deterministic values in [-offset, 2^bits - offset). */
function valuesFor(enc: TensorEncoding, tag: string): bigint[] {
  return Array.from({ length: enc.n }, (_, i) => (BigInt(id(`${tag} ${i}`)) % (1n << BigInt(enc.bits))) - enc.offset);
}

/** The hub's balance equals the open requests' fees plus every balance owed to `accounts`. */
async function expectHeld(r: RequestsReady, openFees: bigint, accounts: string[]): Promise<void> {
  let owed = 0n;
  for (const a of accounts) owed += (await r.requestHub.owedTo(a)) as bigint;
  expect(await ethers.provider.getBalance(r.requestHubAddress)).to.equal(openFees + owed);
}

async function signedBy(r: RequestsReady, signer: RequestsReady["operator"], claim: Parameters<typeof signClaim>[1]) {
  return compactSignature(await signClaim(signer, claim, r.chainId, r.hubAddress));
}

describe("AssayRequestHub: on-chain inference requests", function () {
  after(releaseCurve);

  it("PoseidonT17 equals circomlibjs Poseidon with 16 inputs on several vectors", async function () {
    const r = await networkHelpers.loadFixture(ready);
    const h = await buildPoseidon();
    const vectors = [
      Array<bigint>(16).fill(0n),
      Array.from({ length: 16 }, (_, i) => BigInt(i + 1)),
      Array<bigint>(16).fill(FIELD_MODULUS - 1n),
      fieldVector("a"),
      fieldVector("b"),
      [...fieldVector("c", 15), (1n << 256n) - 1n], // a word above r is reduced first, as circomlibjs does
    ];
    for (const v of vectors) {
      const expected = h.F.toObject(h(v)) as bigint;
      expect(await r.poseidon.hash(v)).to.equal(expected);
    }
  });

  it("recomputes the circuits' input commitment (salt 0) for one and several words and blocks", async function () {
    const r = await networkHelpers.loadFixture(ready);
    const encodings: TensorEncoding[] = [
      { n: 1, bits: 8, offset: 0n },
      { n: 8, bits: 8, offset: 128n },
      { n: 64, bits: 8, offset: 0n },
      { n: 40, bits: 16, offset: 1n << 15n },
      { n: 31 * 20, bits: 8, offset: 0n }, // 20 words: the salt and 20 words take two permutations
    ];
    for (const enc of encodings) {
      const values = valuesFor(enc, `enc ${enc.n} ${enc.bits}`);
      const tensor = inputTensorOf(values, enc);
      expect(await r.requestHub.inputCommitmentOf(tensor)).to.equal(await commitTensor(values, enc, 0n));
    }
    // The tiny model's own input: what its circuit proves with salt 0.
    const { tensor, x } = tinyTensor(r.tiny);
    const a = await ask(r, tensor);
    expect(a.req.inputCommitment).to.equal((await answerClaim(r, a, x, r.operator.address, 0n)).claim.inputCommitment);
  });

  it("refuses input tensors whose encoding or words are malformed", async function () {
    const r = await networkHelpers.loadFixture(ready);
    const enc = { n: 40, bits: 16, offset: 0n };
    const good = inputTensorOf(
      valuesFor({ ...enc, offset: 0n }, "w").map((v) => (v < 0n ? -v : v)),
      enc,
    );
    const hub = r.requestHub;
    const bad = (t: Partial<InputTensor>) => hub.inputCommitmentOf({ ...good, ...t });
    await expect(bad({ words: good.words.slice(1) }))
      .to.be.revertedWithCustomError(hub, "AssayInputWordCount")
      .withArgs(3n, 2n);
    await expect(bad({ words: [good.words[0], good.words[1], good.words[2] | (1n << 200n)] }))
      .to.be.revertedWithCustomError(hub, "AssayInputWordRange")
      .withArgs(2n);
    await expect(bad({ bits: 0n }))
      .to.be.revertedWithCustomError(hub, "AssayInputBadEncoding")
      .withArgs(40n, 0n, 0n);
    await expect(bad({ bits: 254n })).to.be.revertedWithCustomError(hub, "AssayInputBadEncoding");
    await expect(bad({ n: 0n, words: [] })).to.be.revertedWithCustomError(hub, "AssayInputBadEncoding");
    await expect(bad({ offset: 1n << 188n })).to.be.revertedWithCustomError(hub, "AssayInputBadEncoding");
  });

  it("records a request: fee, requester's level, input commitment, deadline, id per chain and hub", async function () {
    const r = await networkHelpers.loadFixture(ready);
    const { tensor } = tinyTensor(r.tiny);
    const a = await ask(r, tensor, { fee: 5000n, level: LEVEL.Attested, valueAtRisk: 77n, callbackGas: 123_456 });
    const now = await latest(ethers);
    expect(a.requestId).to.equal(requestIdOf(r.chainId, r.requestHubAddress, 0n));
    expect(await r.requestHub.requestIdOf(0n)).to.equal(a.requestId);
    expect(a.req).to.deep.equal({
      requester: r.requesterAddress,
      fee: 5000n,
      modelId: r.tinyId,
      inputCommitment: await r.requestHub.inputCommitmentOf(tensor),
      requiredLevel: LEVEL.Attested,
      callbackGas: 123_456n,
      deadline: now + BigInt(REQUEST_TTL),
    });
    await expect(a.tx).to.emit(r.requestHub, "Requested");
    expect(await r.requestHub.statusOf(a.requestId)).to.equal(1n);
    expect(await r.requestHub.requestCount()).to.equal(1n);
    await expectHeld(r, 5000n, []);
    // A policy that answers None still gets at least a Signed claim.
    const b = await ask(r, tensor, { level: LEVEL.None });
    expect(b.req.requiredLevel).to.equal(LEVEL.Signed);
    expect(b.requestId).to.equal(requestIdOf(r.chainId, r.requestHubAddress, 1n));
  });

  it("refuses requests for an unknown model or with too much callback gas", async function () {
    const r = await networkHelpers.loadFixture(ready);
    const { tensor } = tinyTensor(r.tiny);
    await expect(r.requester.ask(id("no such model"), tensor, 1n, 1000, { value: 1n }))
      .to.be.revertedWithCustomError(r.requestHub, "AssayRequestHubModelRefuses")
      .withArgs(id("no such model"), LEVEL.Signed);
    await expect(r.requester.ask(r.tinyId, tensor, 1n, MAX_CALLBACK_GAS + 1, { value: 1n }))
      .to.be.revertedWithCustomError(r.requestHub, "AssayRequestHubCallbackGasTooHigh")
      .withArgs(MAX_CALLBACK_GAS + 1, MAX_CALLBACK_GAS);
  });

  it("fulfils with a Signed claim in one transaction: fee to the payee, callback with output", async function () {
    const r = await networkHelpers.loadFixture(ready);
    const { tensor, x } = tinyTensor(r.tiny);
    const a = await ask(r, tensor, { fee: 10_000n });
    const { claim, claimId } = await answerClaim(r, a, x, r.operator.address, (await latest(ethers)) + 3600n);
    const sig = await signedBy(r, r.operator, claim);
    const tx = r.requestHub
      .connect(r.operator)
      .fulfilSigned(a.requestId, a.req, r.operator.address, claim, sig.r, sig.vs);
    await expect(tx)
      .to.emit(r.requestHub, "Fulfilled")
      .withArgs(a.requestId, claimId, r.operator.address, LEVEL.Signed, 10_000n);
    await expect(tx).to.emit(r.requestHub, "CallbackResult").withArgs(a.requestId, true);
    expect(await r.hub.levelOf(claimId)).to.equal(BigInt(LEVEL.Signed));
    expect(await r.requester.lastRequestId()).to.equal(a.requestId);
    expect(await r.requester.lastClaimId()).to.equal(claimId);
    expect(await r.requester.lastOutput()).to.equal(claim.output);
    expect(await r.requester.lastLevel()).to.equal(BigInt(LEVEL.Signed));
    expect(await r.requestHub.statusOf(a.requestId)).to.equal(2n);
    await expectHeld(r, 0n, [r.operator.address]);
    // The payee withdraws exactly the fee (its balance changes by the fee less its gas).
    const before = await ethers.provider.getBalance(r.operator.address);
    const receipt = await (await r.requestHub.connect(r.operator).withdraw()).wait();
    const gas = receipt!.gasUsed * receipt!.gasPrice;
    expect(await ethers.provider.getBalance(r.operator.address)).to.equal(before + 10_000n - gas);
    expect(await ethers.provider.getBalance(r.requestHubAddress)).to.equal(0n);
    await expect(r.requestHub.connect(r.operator).withdraw())
      .to.be.revertedWithCustomError(r.requestHub, "AssayRequestHubNothingOwed")
      .withArgs(r.operator.address);
  });

  it("needs the level the requester's policy set: a Signed claim cannot fulfil an Attested request", async function () {
    const r = await networkHelpers.loadFixture(ready);
    const { tensor, x } = tinyTensor(r.tiny);
    const a = await ask(r, tensor, { level: LEVEL.Attested });
    const deadline = (await latest(ethers)) + 3600n;
    // The payee of an Attested claim is the enclave key's operator, named in the claim.
    const payee = r.enclaveOperator.address;
    const signed = await answerClaim(r, a, x, payee, deadline);
    const sig = await signedBy(r, r.operator, signed.claim);
    await expect(r.requestHub.fulfilSigned(a.requestId, a.req, payee, signed.claim, sig.r, sig.vs))
      .to.be.revertedWithCustomError(r.requestHub, "AssayRequestHubLevelTooLow")
      .withArgs(signed.claimId, LEVEL.Signed, LEVEL.Attested);
    // An Attested claim about the same input, recorded by the enclave path; anyone may then fulfil.
    const attested = await answerClaim(r, a, x, payee, deadline + 1n);
    const asig = await signAttested(r, r.enclave, attested.claim, await keyIdOf(r));
    await (await r.hub.submitAttested(attested.claim, await keyIdOf(r), asig.r, asig.vs)).wait();
    await expect(r.requestHub.connect(r.user).fulfil(a.requestId, a.req, payee, attested.claim))
      .to.emit(r.requestHub, "Fulfilled")
      .withArgs(a.requestId, attested.claimId, payee, LEVEL.Attested, a.req.fee);
    expect(await r.requestHub.owedTo(payee)).to.equal(a.req.fee);
    expect(await r.requestHub.owedTo(r.user.address)).to.equal(0n);
  });

  it("fulfils with a Proven claim: proof bound to the hub (fulfilProven) or prover (then fulfil)", async function () {
    const r = await networkHelpers.loadFixture(ready);
    const { tensor, x } = tinyTensor(r.tiny, 3);
    const deadline = (await latest(ethers)) + 3600n;
    const a = await ask(r, tensor, { level: LEVEL.Proven, fee: 7n });
    const one = await answerClaim(r, a, x, r.operator.address, deadline);
    const proofForHub = await proveFor(r, one.claim, x, r.requestHubAddress);
    await expect(
      r.requestHub.connect(r.user).fulfilProven(a.requestId, a.req, r.operator.address, one.claim, proofForHub),
    )
      .to.emit(r.requestHub, "Fulfilled")
      .withArgs(a.requestId, one.claimId, r.operator.address, LEVEL.Proven, 7n);
    expect(await r.hub.levelOf(one.claimId)).to.equal(BigInt(LEVEL.Proven));
    expect(await r.requester.lastLevel()).to.equal(BigInt(LEVEL.Proven));
    expect(await r.requester.lastOutput()).to.equal(one.claim.output);

    const b = await ask(r, tensor, { level: LEVEL.Proven, fee: 9n });
    const two = await answerClaim(r, b, x, r.operator2.address, deadline);
    await (
      await r.hub.connect(r.operator2).submitProven(two.claim, await proveFor(r, two.claim, x, r.operator2.address))
    ).wait();
    await (await r.requestHub.fulfil(b.requestId, b.req, r.operator2.address, two.claim)).wait();
    expect(await r.requestHub.owedTo(r.operator2.address)).to.equal(9n);
    await expectHeld(r, 0n, [r.operator.address, r.operator2.address]);
  });

  it("rejects claims about another model or input, or naming another request or payee", async function () {
    const r = await networkHelpers.loadFixture(ready);
    const { tensor, x } = tinyTensor(r.tiny);
    const a = await ask(r, tensor);
    const deadline = (await latest(ethers)) + 3600n;
    const payee = r.operator.address;
    const { claim } = await answerClaim(r, a, x, payee, deadline);
    const hub = r.requestHub;
    const attempt = async (c: typeof claim, who = payee) => {
      const sig = await signedBy(r, r.operator, c);
      return hub.fulfilSigned(a.requestId, a.req, who, c, sig.r, sig.vs);
    };
    await expect(attempt({ ...claim, modelId: r.modelId }))
      .to.be.revertedWithCustomError(hub, "AssayRequestHubWrongModel")
      .withArgs(a.requestId, r.tinyId, r.modelId);
    await expect(attempt({ ...claim, inputCommitment: claim.inputCommitment + 1n }))
      .to.be.revertedWithCustomError(hub, "AssayRequestHubWrongInput")
      .withArgs(a.requestId, claim.inputCommitment, claim.inputCommitment + 1n);
    await expect(attempt({ ...claim, requestId: a.requestId }))
      .to.be.revertedWithCustomError(hub, "AssayRequestHubWrongFulfilment")
      .withArgs(a.requestId, fulfilmentIdOf(a.requestId, payee), a.requestId);
    await expect(attempt(claim, r.user.address))
      .to.be.revertedWithCustomError(hub, "AssayRequestHubWrongFulfilment")
      .withArgs(a.requestId, fulfilmentIdOf(a.requestId, r.user.address), claim.requestId);
    await expect(
      attempt({ ...claim, requestId: fulfilmentIdOf(a.requestId, ZeroAddress) }, ZeroAddress),
    ).to.be.revertedWithCustomError(hub, "AssayRequestHubZeroPayee");
    // A request passed back with any field changed is not the open request.
    const sig = await signedBy(r, r.operator, claim);
    await expect(hub.fulfilSigned(a.requestId, { ...a.req, fee: a.req.fee + 1n }, payee, claim, sig.r, sig.vs))
      .to.be.revertedWithCustomError(hub, "AssayRequestHubNotOpen")
      .withArgs(a.requestId);
    // A claim that is not recorded has no level.
    await expect(hub.fulfil(a.requestId, a.req, payee, claim))
      .to.be.revertedWithCustomError(hub, "AssayRequestHubLevelTooLow")
      .withArgs(await r.hub.claimIdOf(claim), LEVEL.None, LEVEL.Signed);
  });

  it("refunds an expired request to its requester, who withdraws it; never before the deadline", async function () {
    const r = await networkHelpers.loadFixture(ready);
    const { tensor } = tinyTensor(r.tiny);
    const a = await ask(r, tensor, { fee: 4242n });
    await expect(r.requestHub.refund(a.requestId, a.req))
      .to.be.revertedWithCustomError(r.requestHub, "AssayRequestHubNotExpired")
      .withArgs(a.requestId, a.req.deadline);
    await networkHelpers.time.increaseTo(a.req.deadline + 1n);
    await expect(r.requestHub.connect(r.user).refund(a.requestId, a.req))
      .to.emit(r.requestHub, "Refunded")
      .withArgs(a.requestId, r.requesterAddress, 4242n);
    expect(await r.requestHub.statusOf(a.requestId)).to.equal(3n);
    await expectHeld(r, 0n, [r.requesterAddress]);
    await (await r.requester.withdrawFromHub()).wait();
    expect(await ethers.provider.getBalance(r.requesterAddress)).to.equal(4242n);
    expect(await ethers.provider.getBalance(r.requestHubAddress)).to.equal(0n);
  });
});

async function keyIdOf(r: RequestsReady): Promise<string> {
  return ((await r.hub.modelVersion(r.tinyId)) as { verifyingKeyId: string }).verifyingKeyId;
}
