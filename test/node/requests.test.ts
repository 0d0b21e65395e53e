// The node answers on-chain requests: a contract asks the request hub for the digits model on an
// input it holds; the request watcher sees the event, serves it through the inference service at
// the level the requester's policy set (salt 0, the claim naming the hub's request and the
// operator as payee), and fulfils it: Signed at once, Proven when its proof job lands. Requests
// it must not answer (another encoding, a fee below its minimum, already fulfilled) are skipped.
// Attested requests are answered through the node's development enclave.
import { expect } from "chai";
import { network } from "hardhat";
import type { Contract } from "ethers";
import { LEVEL } from "../../prover/chain/protocol-client.js";
import {
  decodeRequested,
  deployRequestHub,
  inputTensorOf,
  type RequestedEvent,
} from "../../prover/chain/request-hub.js";
import { inputEncoding } from "../../prover/circuit/encodings.js";
import { infer } from "../../prover/prove-inference.js";
import { quantizeInput } from "../../prover/engine/evaluate.js";
import type { InferenceService } from "../../prover/node/inference-service.js";
import { RequestWatcher } from "../../prover/node/request-watcher.js";
import { releaseCurve } from "../../prover/zk/groth16.js";
import { digits, digitsModel, type TestNode, testNode } from "./fixtures/node.js";

const { ethers } = await network.create();

describe("node: on-chain requests", function () {
  let node: TestNode;
  let service: InferenceService;
  let hub: Contract;
  let requester: Contract;
  const lines: string[] = [];
  const xs = digits().xs;

  before(async () => {
    node = await testNode(ethers);
    service = await node.service({ watchChallenges: false });
    const { hub: address } = await deployRequestHub(ethers, node.deployment.protocol, { requestTtl: 600 });
    hub = (await ethers.getContractAt("AssayRequestHub", address)) as unknown as Contract;
    requester = (await ethers.deployContract("TestRequester", [address])) as unknown as Contract;
  });
  after(async () => {
    await node?.stop();
    await releaseCurve();
  });

  const watcher = (opts: { minFee?: bigint } = {}) =>
    RequestWatcher.open({
      hub: hub.target as string,
      service,
      models: node.served,
      operator: node.operator,
      fromBlock: 0,
      log: (l) => lines.push(l),
      debug: (l) => lines.push(l),
      ...opts,
    });

  /** The digits input `i`, quantized, as the requester would hold it on chain. */
  async function tensorOf(i: number) {
    const q = (await digitsModel()).quantized;
    const values = Array.from(quantizeInput(q, xs[i]).values, (v) => BigInt(v));
    return inputTensorOf(values, inputEncoding(q));
  }

  async function ask(i: number, level: number, fee: bigint, tensor?: Awaited<ReturnType<typeof tensorOf>>) {
    await (await requester.setLevel(level)).wait();
    const receipt = await (
      await requester.ask(node.served[0].modelId, tensor ?? (await tensorOf(i)), 5n, 200_000, { value: fee })
    ).wait();
    return receipt!.logs.map(decodeRequested).find((e: RequestedEvent | null) => e !== null)!;
  }

  it("answers a Signed request at once: the callback gets the model's output, the operator the fee", async () => {
    const w = await watcher();
    const ev = await ask(0, LEVEL.Signed, 1000n);
    await w.poll();
    expect(Number(await hub.statusOf(ev.requestId))).to.equal(2);
    const expected = await infer(await digitsModel(), xs[0], { salt: 0n });
    expect(await requester.lastRequestId()).to.equal(ev.requestId);
    expect(await requester.lastOutput()).to.equal(expected.output);
    expect(Number(await requester.lastLevel())).to.equal(LEVEL.Signed);
    expect(Number(await node.hub.levelOf(await requester.lastClaimId()))).to.equal(LEVEL.Signed);
    expect(await hub.owedTo(node.operator.address)).to.equal(1000n);
    expect(w.status()).to.include({ fulfilled: 1, failed: 0, awaitingProof: 0 });
    // A second scan from the start finds the request fulfilled and leaves it.
    const again = await watcher();
    await again.poll();
    expect(again.status()).to.include({ fulfilled: 0, skipped: 1 });
  });

  it("answers a Proven request when its proof lands, and fulfils it then", async () => {
    const w = await watcher();
    await w.poll(); // past the earlier requests
    const ev = await ask(1, LEVEL.Proven, 2000n);
    await w.poll();
    expect(w.status().awaitingProof).to.equal(1);
    expect(Number(await hub.statusOf(ev.requestId))).to.equal(1);
    await service.idle();
    await w.poll();
    expect(w.status()).to.include({ fulfilled: 1, awaitingProof: 0, failed: 0 });
    expect(Number(await requester.lastLevel())).to.equal(LEVEL.Proven);
    expect(await requester.lastOutput()).to.equal((await infer(await digitsModel(), xs[1], { salt: 0n })).output);
    expect(await hub.owedTo(node.operator.address)).to.equal(3000n);
  });

  it("answers an Attested request through the enclave: the hub checks the enclave's signature", async () => {
    const w = await watcher();
    await w.poll(); // past the earlier requests
    const ev = await ask(2, LEVEL.Attested, 1500n);
    await w.poll();
    expect(w.status()).to.include({ fulfilled: 1, failed: 0, awaitingProof: 0 });
    expect(Number(await hub.statusOf(ev.requestId))).to.equal(2);
    expect(Number(await requester.lastLevel())).to.equal(LEVEL.Attested);
    expect(Number(await node.hub.levelOf(await requester.lastClaimId()))).to.equal(LEVEL.Attested);
    expect(await requester.lastOutput()).to.equal((await infer(await digitsModel(), xs[2], { salt: 0n })).output);
    expect(await hub.owedTo(node.operator.address)).to.equal(4500n);
  });

  it("tries a request again when serving it failed (a passing fault), and fulfils it", async () => {
    let calls = 0;
    const flaky: Pick<InferenceService, "inferFixed" | "claim"> = {
      inferFixed: (...args) => {
        if (calls++ === 0) return Promise.reject(new Error("connection reset"));
        return service.inferFixed(...args);
      },
      claim: (id) => service.claim(id),
    };
    const w = await RequestWatcher.open({
      hub: hub.target as string,
      service: flaky,
      models: node.served,
      operator: node.operator,
      fromBlock: (await ethers.provider.getBlockNumber()) + 1,
      log: (l) => lines.push(l),
    });
    const ev = await ask(4, LEVEL.Signed, 1000n);
    await w.poll();
    expect(w.status()).to.include({ fulfilled: 0, failed: 0, retrying: 1 });
    expect(Number(await hub.statusOf(ev.requestId))).to.equal(1);
    await w.poll();
    expect(w.status()).to.include({ fulfilled: 1, failed: 0, retrying: 0 });
    expect(Number(await hub.statusOf(ev.requestId))).to.equal(2);
  });

  it("skips requests with another input encoding or a fee below its minimum", async () => {
    const w = await watcher({ minFee: 500n });
    await w.poll();
    const before = w.status().skipped;
    const cheap = await ask(2, LEVEL.Signed, 499n);
    const t = await tensorOf(3);
    const otherEncoding = await ask(3, LEVEL.Signed, 1000n, { ...t, offset: 0n, bits: 9n, words: [0n, 0n, 0n] });
    lines.length = 0;
    await w.poll();
    expect(w.status().skipped - before).to.equal(2);
    expect(Number(await hub.statusOf(cheap.requestId))).to.equal(1);
    expect(Number(await hub.statusOf(otherEncoding.requestId))).to.equal(1);
    expect(lines.join("\n")).to.match(/fee 0.000000000000000499 ETH is below the minimum/);
    expect(lines.join("\n")).to.match(/input encoding \(n 64, bits 9, offset 0\) is not the model's/);
  });
});
