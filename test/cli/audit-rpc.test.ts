// `assay audit --rpc <node>/rpc`: the audit only reads, so it runs against a node's read-only
// JSON-RPC (which refuses eth_accounts and everything that signs) and reports exactly the checks
// auditClaim reports in process. The node is the real server (prover/node/server.ts) over the
// embedded chain with a Signed claim of the digits model recorded.
import { expect } from "chai";
import type { FastifyInstance } from "fastify";
import { network } from "hardhat";
import { type AuditReport, auditClaim } from "../../prover/audit/index.js";
import { writeDeployment } from "../../prover/chain/deployment-file.js";
import { attach } from "../../prover/chain/protocol-client.js";
import { startServer } from "../../prover/node/server.js";
import { releaseCurve } from "../../prover/zk/groth16.js";
import { runAssayAsync } from "../helpers/cli.js";
import { digits, type TestNode, testNode } from "../node/fixtures/node.js";

const connection = await network.create();
const { ethers } = connection;

describe("assay audit --rpc against a node's read-only /rpc", function () {
  this.timeout(120_000);
  let node: TestNode;
  let app: FastifyInstance;
  let url: string;
  let claimId: string;
  let expected: AuditReport;

  before(async () => {
    node = await testNode(ethers, { enclave: false });
    const service = await node.service({ config: { batch: null }, watchChallenges: false });
    claimId = (await service.infer({ model: "digits", input: digits().xs[0], valueAtRisk: 1 })).claimId;
    await service.idle();
    const { verifier } = await attach(ethers, node.deployment);
    const ctx = { provider: ethers.provider, chainId: 31337n, protocol: node.hub, verifier, fromBlock: 0 };
    expected = await auditClaim(ctx, claimId);
    ({ app, url } = await startServer({ service, rpc: connection.provider, logLevel: "silent" }));
  });
  after(async () => {
    await app?.close();
    await node?.stop();
    await releaseCurve();
  });

  it("the node's /rpc refuses eth_accounts, and the audit needs none: the same checks, exit 0", async () => {
    const refused = await fetch(`${url}/rpc`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_accounts", params: [] }),
    });
    expect(((await refused.json()) as { error: { code: number } }).error.code).to.equal(-32601);
    const protocol = ["--protocol", node.deployment.protocol];
    const audit = await runAssayAsync(process.env, ["--json", "audit", claimId, "--rpc", `${url}/rpc`, ...protocol]);
    expect(audit.code, audit.err).to.equal(0);
    const report = JSON.parse(audit.out) as AuditReport;
    expect(report.level).to.equal("Signed");
    expect(report.checks).to.deep.equal(expected.checks);
  });

  it("finds the deployment through --state-dir as well, and names a wrong protocol address in one line", async () => {
    await writeDeployment(node.deployment, node.stateDir);
    const byFile = await runAssayAsync(process.env, [
      "audit",
      claimId,
      "--rpc",
      `${url}/rpc`,
      "--state-dir",
      node.stateDir,
    ]);
    expect(byFile.code, byFile.err).to.equal(0);
    expect(byFile.out).to.match(new RegExp(`^audit of claim ${claimId} on chain 31337 .*: level Signed$`, "m"));
    const dead = "0x000000000000000000000000000000000000dEaD";
    const wrong = await runAssayAsync(process.env, ["audit", claimId, "--rpc", `${url}/rpc`, "--protocol", dead]);
    expect(wrong.code).to.equal(1);
    expect(wrong.err.trim().split("\n").at(-1)).to.equal(
      `assay: no contract at protocol address ${dead} on chain 31337`,
    );
  });
});
