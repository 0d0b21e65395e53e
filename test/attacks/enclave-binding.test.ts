// Attack: have an enclave key vouch for one model's output as another model's claim. An image
// approved for two models (A: the digits MLP, B: a tiny second model) holds both circuits; a host
// that drives the enclave asks it to sign model B's id for an evaluation of model A, or a forged
// enclave reply (the key material used directly) signs exactly that. Related: the development
// enclave and its CA used on a chain where money moves, and an enclave key registered against an
// operator that never agreed to back it.
// Defences: inside the enclave a model id is bound once to the circuit that serves it (infer of
// another pairing: ModelMismatch; rebinding: AlreadyBound), and the enclave signs
// AttestedClaim(claimId, verifyingKeyId) with the key id it computed from the verifying key in its
// image; the hub refuses a signed key id other than the model's registered key
// (ReceiptHubWrongVerifyingKey). The development enclave refuses non-development chains (at start,
// at signing, and its root at registration). Registering a key needs the operator's EIP-712
// consent (EnclaveRegistryNoOperatorConsent).
// Who pays: nobody's stake moves. The refused submissions and registrations revert before
// anything is recorded; the operator's stake and the hub's balance stay as they were.
import { expect } from "chai";
import { network } from "hardhat";
import { type Contract, hexlify, id, keccak256, randomBytes, toUtf8Bytes, Wallet } from "ethers";
import { DevelopmentOnlyError, devRoot, loadOrCreateDevCa } from "../../prover/attest/dev-ca.js";
import { EnclaveClient, EnclaveProcessError, enclaveImage } from "../../prover/attest/enclave-client.js";
import type { ClaimContext } from "../../prover/attest/enclave-protocol.js";
import { claimFor, claimIdOf, compactSignature, signAttestedClaim } from "../../prover/chain/claim.js";
import { enclaveKeyBackingDigest, signEnclaveKeyBacking } from "../../prover/chain/enclave-backing.js";
import { attach, deployAssay, LEVEL, registerModel } from "../../prover/chain/protocol-client.js";
import type { CompiledModel } from "../../prover/compile-model.js";
import { bootstrapDevNode } from "../../prover/node/dev-bootstrap.js";
import {
  EnclaveRegistrationError,
  imageMeasurementId,
  registerEnclave,
} from "../../prover/node/enclave-registration.js";
import { infer } from "../../prover/prove-inference.js";
import { releaseCurve } from "../../prover/zk/groth16.js";
import { verifyingKeyId } from "../../prover/zk/vkey-encoding.js";
import { expectRejection } from "../helpers/reject.js";
import { digits, digitsModel, tempDir, type TestNode, testNode } from "../node/fixtures/node.js";
import { tinyInput, tinyModel } from "../prover/attest/fixtures/tiny-model.js";

const { ethers } = await network.create();

/** Base's chain id: a chain where someone could lose money. */
const REAL_CHAIN = 8453n;

describe("attack: an enclave key vouching for a model it did not run", function () {
  let node: TestNode;
  let a: CompiledModel;
  let b: CompiledModel;
  let keyA: string;
  let keyB: string;
  let modelA: string;
  let modelB: string;
  let image: { pcrs: Record<number, string>; measurement: string };
  let chainId: bigint;
  let hubAddress: string;
  const enclaves: EnclaveClient[] = [];
  const xs = digits().xs;

  const ctx = (modelId: string): ClaimContext => ({
    modelId,
    requestId: hexlify(randomBytes(32)),
    deadline: 2n ** 40n,
    chainId,
    hub: hubAddress,
  });
  const roots = () => [devRoot(loadOrCreateDevCa(node.caDir))];
  const stakeOf = async (who: string) => (await node.hub.operatorAccount(who)).active as bigint;

  /** A development enclave serving both models, registered for the shared image with the operator's consent. */
  async function sharedEnclave(bindings: { modelId: string; circuitId: string }[]): Promise<EnclaveClient> {
    const enclave = await EnclaveClient.start({ caDir: node.caDir, models: [a.ref, b.ref], bindings, chainId });
    enclaves.push(enclave);
    await registerEnclave({
      protocol: node.hub.connect(node.attester) as Contract,
      enclave,
      roots: roots(),
      modelIds: [modelA, modelB],
      images: [image.pcrs],
      operator: node.operator.address,
      operatorSigner: node.operator,
    });
    return enclave;
  }

  before(async function () {
    node = await testNode(ethers);
    [a, b] = [await digitsModel(), await tinyModel()];
    [keyA, keyB] = [verifyingKeyId(a.vkey!), verifyingKeyId(b.vkey!)];
    chainId = BigInt(node.deployment.chainId);
    hubAddress = node.deployment.protocol;
    // One image holding both circuits, approved by both models (Signed and Attested allowed).
    const pcrs = enclaveImage({ models: [a.ref, b.ref] });
    image = { pcrs, measurement: imageMeasurementId(pcrs) };
    const contracts = await attach(ethers, node.deployment, node.admin);
    const opts = (family: string) => ({
      family,
      levels: ["Signed" as const, "Attested" as const],
      enclaveImages: [image.measurement],
    });
    modelA = (await registerModel(contracts, a, opts("shared-image-a"))).modelId;
    modelB = (await registerModel(contracts, b, opts("shared-image-b"))).modelId;
    expect(await node.hub.approvedImages(modelA)).to.deep.equal([image.measurement]);
    expect(await node.hub.approvedImages(modelB)).to.deep.equal([image.measurement]);
  });

  after(async () => {
    for (const e of enclaves) await e.stop();
    await node?.stop();
    await releaseCurve();
  });

  it("inside the enclave: B's id on A's circuit is refused (ModelMismatch) and B is not rebound", async function () {
    const enclave = await sharedEnclave([
      { modelId: modelA, circuitId: a.ref.circuitId },
      { modelId: modelB, circuitId: b.ref.circuitId },
    ]);
    expect(enclave.verifyingKeys).to.deep.equal({ [a.ref.circuitId]: keyA, [b.ref.circuitId]: keyB });
    expect(await node.hub.canAttest(enclave.address, modelB)).to.equal(true);
    // The host asks for model A's evaluation signed as model B's claim.
    const cross = await expectRejection(enclave.infer(a.ref.circuitId, xs[0], ctx(modelB)), EnclaveProcessError);
    expect([cross.code, cross.message]).to.deep.equal([
      "ModelMismatch",
      `enclave: model ${modelB} is served by circuit ${b.ref.circuitId}, not ${a.ref.circuitId}: ` +
        "the enclave signs only the model it runs",
    ]);
    // Moving model B's binding onto circuit A is refused: a binding is write-once.
    const rebind = await expectRejection(enclave.bind(modelB, a.ref.circuitId), EnclaveProcessError);
    expect(rebind.code).to.equal("AlreadyBound");
    // A model id never bound (here: the node's own digits model) is refused as well.
    const unbound = await expectRejection(
      enclave.infer(a.ref.circuitId, xs[0], ctx(node.served[0].modelId)),
      EnclaveProcessError,
    );
    expect(unbound.code).to.equal("ModelMismatch");
    // The honest pairings are signed with each model's own key id, and the hub accepts both.
    for (const [modelId, model, input, keyId] of [
      [modelA, a, xs[0], keyA],
      [modelB, b, tinyInput(5), keyB],
    ] as const) {
      const r = await enclave.infer(model.ref.circuitId, input, ctx(modelId));
      expect(r.verifyingKeyId).to.equal(keyId);
      const { r: sr, vs } = compactSignature(r.signature);
      await (await node.hub.submitAttested(r.claim, r.verifyingKeyId, sr, vs)).wait();
      expect(Number(await node.hub.levelOf(r.claimId))).to.equal(LEVEL.Attested);
    }
  });

  it("a forged enclave reply (model B's claim signed with model A's key id) is refused on chain", async function () {
    // The enclave's key material, used directly: registered for the shared image, with consent.
    const key = Wallet.createRandom();
    const expiresAt = BigInt((await ethers.provider.getBlock("latest"))!.timestamp) + 86_400n;
    const backing = { key: key.address, measurement: image.measurement, expiresAt };
    const consent = await signEnclaveKeyBacking(node.operator, backing, chainId, hubAddress);
    await (
      await (node.hub.connect(node.attester) as Contract).registerEnclaveKey(
        key.address,
        image.measurement,
        id("attestation document"),
        expiresAt,
        node.operator.address,
        consent,
      )
    ).wait();
    const [, , , attacker] = await ethers.getSigners();
    const hub = node.hub.connect(attacker) as Contract;
    const stake = await stakeOf(node.operator.address);
    const held = await ethers.provider.getBalance(hubAddress);

    // Model A's evaluation of x, dressed as model B's claim.
    const evaluation = await infer(a, xs[1]);
    const forged = claimFor({ modelId: modelB, requestId: hexlify(randomBytes(32)), deadline: 2n ** 40n }, evaluation);
    const forgedId = claimIdOf(forged, chainId, hubAddress);
    const { r: sr, vs } = compactSignature(await signAttestedClaim(key, forgedId, keyA, chainId, hubAddress));
    await expect(hub.submitAttested(forged, keyA, sr, vs))
      .to.be.revertedWithCustomError(node.hub, "ReceiptHubWrongVerifyingKey")
      .withArgs(modelB, keyB, keyA);
    // Naming model B's key instead, over the same signature, recovers another address.
    await expect(hub.submitAttested(forged, keyB, sr, vs)).to.be.revertedWithCustomError(
      node.hub,
      "EnclaveRegistryUnknownKey",
    );
    expect(Number(await node.hub.levelOf(forgedId))).to.equal(LEVEL.None);

    // The honest pairing, same key, same evaluation, model A: accepted.
    const honest = claimFor({ modelId: modelA, requestId: hexlify(randomBytes(32)), deadline: 2n ** 40n }, evaluation);
    const honestId = claimIdOf(honest, chainId, hubAddress);
    const sig = compactSignature(await signAttestedClaim(key, honestId, keyA, chainId, hubAddress));
    await (await hub.submitAttested(honest, keyA, sig.r, sig.vs)).wait();
    expect(Number(await node.hub.levelOf(honestId))).to.equal(LEVEL.Attested);
    expect((await node.hub.receiptOf(honestId)).signer).to.equal(key.address);
    // Nothing moved: the operator's stake and the hub's balance are as before.
    expect(await stakeOf(node.operator.address)).to.equal(stake);
    expect(await ethers.provider.getBalance(hubAddress)).to.equal(held);
  });

  it("a host that binds model B to circuit A first gets a signature the chain refuses", async function () {
    // A fresh enclave of the same image with no bindings: the host binds before anyone else.
    const enclave = await sharedEnclave([]);
    const bound = await enclave.bind(modelB, a.ref.circuitId);
    expect(bound.verifyingKeyId).to.equal(keyA); // the key id of what it will run, not of model B
    const r = await enclave.infer(a.ref.circuitId, xs[2], ctx(modelB));
    expect([r.claim.modelId, r.verifyingKeyId]).to.deep.equal([modelB, keyA]);
    const { r: sr, vs } = compactSignature(r.signature);
    await expect(node.hub.submitAttested(r.claim, r.verifyingKeyId, sr, vs))
      .to.be.revertedWithCustomError(node.hub, "ReceiptHubWrongVerifyingKey")
      .withArgs(modelB, keyB, keyA);
    await expect(node.hub.submitAttested(r.claim, keyB, sr, vs)).to.be.revertedWithCustomError(
      node.hub,
      "EnclaveRegistryUnknownKey",
    );
    expect(Number(await node.hub.levelOf(r.claimId))).to.equal(LEVEL.None);
  });

  it("the development enclave and its CA are refused on a chain that is not a development chain", async function () {
    const real = await network.create({ override: { chainId: Number(REAL_CHAIN) } });
    const [admin, operator, attester] = await real.ethers.getSigners();
    // Bootstrapping a node with the development enclave: refused before anything is deployed.
    const boot = await expectRejection(
      bootstrapDevNode({ ethers: real.ethers, models: [{ model: a }], stateDir: tempDir("real-chain") }),
      DevelopmentOnlyError,
    );
    expect(boot.message).to.equal(
      "the development enclave is refused on chain 8453: it is for local development chains only (31337, 1337); " +
        "run a real AWS Nitro enclave and pin the AWS Nitro root there, or run the node without an enclave " +
        "(--no-enclave)",
    );
    expect(await real.ethers.provider.getTransactionCount(admin.address)).to.equal(0);
    // Starting the development enclave for that chain, or asking a running one to sign for it.
    await expectRejection(EnclaveClient.start({ caDir: node.caDir, chainId: REAL_CHAIN }), DevelopmentOnlyError);
    const sign = await expectRejection(
      node.enclave!.infer(a.ref.circuitId, xs[3], { ...ctx(node.served[0].modelId), chainId: REAL_CHAIN }),
      EnclaveProcessError,
    );
    expect(sign.code).to.equal("DevelopmentOnly");
    // Registering a development enclave's key there against the development root.
    const deployment = await deployAssay(real.ethers);
    const { protocol } = await attach(real.ethers, deployment, admin);
    const hub = protocol as unknown as Contract;
    await (await hub.grantRole(await hub.ATTESTATION_VERIFIER_ROLE(), attester.address)).wait();
    await (await (hub.connect(operator) as Contract).stake({ value: await hub.minStake() })).wait();
    const reg = await expectRejection(
      registerEnclave({
        protocol: hub.connect(attester) as Contract,
        enclave: node.enclave!,
        roots: roots(),
        modelIds: [keccak256(toUtf8Bytes("any model"))],
        images: [node.image!.pcrs],
        operator: operator.address,
        operatorSigner: operator,
      }),
      DevelopmentOnlyError,
    );
    expect(reg.message).to.match(/^the development CA root is refused on chain 8453: /);
    expect(Number((await hub.enclaveKey(node.enclave!.address)).imageIndex)).to.equal(0);
  });

  it("an enclave key is registered against an operator only with its consent", async function () {
    const enclave = await EnclaveClient.start({ caDir: node.caDir, models: [a.ref], chainId });
    enclaves.push(enclave);
    const asRole = node.hub.connect(node.attester) as Contract;
    const operator = node.operator.address;
    const stake = await stakeOf(operator);
    // Off chain, the registrar is told to get the operator's consent before any document is read.
    const offChain = await expectRejection(
      registerEnclave({
        protocol: asRole,
        enclave,
        roots: roots(),
        modelIds: [node.served[0].modelId],
        images: [node.image!.pcrs],
        operator,
      }),
      EnclaveRegistrationError,
    );
    expect(offChain.message).to.equal(
      `operator ${operator} must consent to back the enclave key: pass its signer (operatorSigner), ` +
        "or register the key from the operator's own account",
    );
    // On chain, the role calling directly: no signature, the role's own, the operator's consent to another key.
    const expiresAt = BigInt((await ethers.provider.getBlock("latest"))!.timestamp) + 3_600n;
    const terms = { key: enclave.address, measurement: node.image!.measurement, expiresAt };
    expect(await node.hub.enclaveKeyBackingDigest(enclave.address, terms.measurement, expiresAt)).to.equal(
      enclaveKeyBackingDigest(terms, chainId, hubAddress),
    );
    const refused = [
      "0x",
      await signEnclaveKeyBacking(node.attester, terms, chainId, hubAddress),
      await signEnclaveKeyBacking(node.operator, { ...terms, key: Wallet.createRandom().address }, chainId, hubAddress),
      await signEnclaveKeyBacking(node.operator, { ...terms, expiresAt: expiresAt + 1n }, chainId, hubAddress),
    ];
    for (const signature of refused) {
      await expect(
        asRole.registerEnclaveKey(enclave.address, terms.measurement, id("doc"), expiresAt, operator, signature),
      )
        .to.be.revertedWithCustomError(node.hub, "EnclaveRegistryNoOperatorConsent")
        .withArgs(operator, enclave.address);
    }
    expect(await node.hub.canAttest(enclave.address, node.served[0].modelId)).to.equal(false);
    // With the operator's consent it goes through, backed by that operator.
    const ok = await registerEnclave({
      protocol: asRole,
      enclave,
      roots: roots(),
      modelIds: [node.served[0].modelId],
      images: [node.image!.pcrs],
      operator,
      operatorSigner: node.operator,
    });
    const key = await node.hub.enclaveKey(enclave.address);
    expect([key.operator, Number(key.expiresAt)]).to.deep.equal([operator, ok.expiresAt]);
    expect(await node.hub.canAttest(enclave.address, node.served[0].modelId)).to.equal(true);
    expect(await stakeOf(operator)).to.equal(stake);
  });
});
