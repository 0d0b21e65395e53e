// `assay node start` on a chain that already has the protocol and the model: with the operator's
// key in a file (--key-file) and the deployment named (--protocol), it deploys, stakes and
// registers nothing, finds the model's registered version by its verifying key in bounded log
// scans (--log-range), and signs claims and transactions in its own process: the endpoint sees
// eth_sendRawTransaction, never a request to sign. Without a key or --dev-bootstrap, a chain that
// is not a development chain is refused. The chain is this process's Hardhat network served over
// JSON-RPC (fixtures/chain-bridge), watched method by method.
import { expect } from "chai";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { network } from "hardhat";
import { Wallet } from "ethers";
import { LEVEL } from "../../prover/chain/protocol-client.js";
import { releaseCurve } from "../../prover/zk/groth16.js";
import { runAssayAsync, startAssay, stopAssay } from "../helpers/cli.js";
import { type ChainBridge, chainBridge } from "./fixtures/chain-bridge.js";
import { digits, type TestNode, tempDir, testNode } from "./fixtures/node.js";

const { ethers } = await network.create();
/** Hardhat's development account #1: the test node's operator. */
const OPERATOR_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const SIGNING = /^(eth_sign|eth_signTypedData|eth_signTransaction|eth_sendTransaction|personal_sign)/;

describe("node: start on an existing deployment with a local key", function () {
  let node: TestNode;
  let bridge: ChainBridge;
  const calls: string[] = [];

  before(async () => {
    node = await testNode(ethers, { enclave: false });
    bridge = await chainBridge(ethers, (m) => calls.push(m));
  });
  after(async () => {
    await bridge?.close();
    await node?.stop();
    await releaseCurve();
  });

  it("deploys nothing, finds the model by its key, signs locally; its Signed claim lands", async () => {
    expect(new Wallet(OPERATOR_KEY).address).to.equal(node.operator.address);
    const dir = tempDir("real-chain");
    const keyFile = path.join(dir, "operator.key");
    writeFileSync(keyFile, `${OPERATOR_KEY}\n`, { mode: 0o600 });
    const deployer = (await ethers.getSigners())[0].address;
    const nonces = async () =>
      Promise.all([deployer, node.operator.address].map((a) => ethers.provider.getTransactionCount(a)));
    const before = await nonces();
    const circuit = node.served[0].model.ref.circuitId;
    const started = await startAssay(
      [
        "node",
        "start",
        "--models",
        circuit,
        "--ptau-id",
        node.served[0].model.ref.ptauId!,
        "--rpc",
        bridge.url,
        "--key-file",
        keyFile,
        "--protocol",
        node.deployment.protocol,
        "--log-range",
        "3",
        "--batch-size",
        "0",
        "--no-auth",
        "--port",
        "0",
        "--state-dir",
        path.join(dir, "state"),
        "--log-level",
        "warn",
      ],
      /assay node listening on (http:\/\/\S+)/,
      { ASSAY_PRIVATE_KEY: "" },
    );
    try {
      const out = started.out();
      expect(out).to.contain(`operator   ${node.operator.address}`);
      expect(out).to.contain(`model      digits-mlp-64-32-10  ${node.served[0].modelId}`);
      // Starting sent nothing: no deployment, no stake, no registration.
      expect(await nonces()).to.deep.equal(before);
      // The lookup read the registry's events 3 blocks at a time.
      expect(started.err()).to.match(/looking up .* from block \d+, 3 blocks per call/);
      expect(calls.filter((m) => m === "eth_getLogs").length).to.be.greaterThan(3);

      const res = await fetch(`${started.match[1]}/v1/infer`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: circuit, input: digits().xs[0], valueAtRisk: "1", level: "signed" }),
      });
      const claim = await res.json();
      expect(res.status, JSON.stringify(claim)).to.equal(200);
      expect([claim.level, claim.status, claim.signer]).to.deep.equal(["Signed", "recorded", node.operator.address]);
      expect(Number(await node.hub.levelOf(claim.claimId))).to.equal(LEVEL.Signed);
      const tx = await ethers.provider.getTransaction(claim.transaction.hash);
      expect(tx!.from).to.equal(node.operator.address);
      // Only signed transactions reached the endpoint.
      expect(calls.filter((m) => SIGNING.test(m))).to.deep.equal([]);
      expect(calls).to.include("eth_sendRawTransaction");
    } finally {
      expect(await stopAssay(started.child)).to.equal(0);
    }
  });

  it("refuses an unregistered --model-id, and a missing deployment, with one line each", async () => {
    const dir = tempDir("real-chain-bad");
    const keyFile = path.join(dir, "operator.key");
    writeFileSync(keyFile, OPERATOR_KEY, { mode: 0o600 });
    const circuit = node.served[0].model.ref.circuitId;
    const ptau = ["--ptau-id", node.served[0].model.ref.ptauId!];
    const base = ["node", "start", "--models", circuit, ...ptau, "--rpc", bridge.url, "--key-file", keyFile];
    const rest = ["--no-auth", "--port", "0", "--state-dir", path.join(dir, "state")];
    const env = { ...process.env, ASSAY_PRIVATE_KEY: "" };
    const other = `0x${"77".repeat(32)}`;
    const wrongId = await runAssayAsync(env, [
      ...base,
      "--protocol",
      node.deployment.protocol,
      "--model-id",
      other,
      ...rest,
    ]);
    expect(wrongId.code, wrongId.err).to.equal(1);
    expect(wrongId.err).to.contain(`model id ${other} is not registered on chain 31337`);
    const noDeployment = await runAssayAsync(env, [...base, ...rest]);
    expect(noDeployment.code).to.equal(1);
    expect(noDeployment.err).to.match(/no deployment|deployment-31337\.json/);
  });
});
