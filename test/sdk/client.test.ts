// AssayClient against a real node (the digits MLP on the embedded chain, served over HTTP by
// startServer with its read-only /rpc): inferences by family name and by id, claims checked
// against their EIP-712 ids, outputs decoded with the registry's spec, Proven claims waited for,
// audits from chain data, the latest version of a family, clear errors, and a node that lies.
import http from "node:http";
import { expect } from "chai";
import type { FastifyInstance } from "fastify";
import { network } from "hardhat";
import { attach, LEVEL, registerModel } from "../../prover/chain/protocol-client.js";
import { readRegisteredModel } from "../../prover/chain/registered-model.js";
import type { NodeConfig } from "../../prover/node/config.js";
import type { InferenceService, ServedModel } from "../../prover/node/inference-service.js";
import { startServer } from "../../prover/node/server.js";
import {
  AssayArgumentError,
  AssayClient,
  AssayProtocol__factory,
  AssayConnectionError,
  AssayNodeError,
  claimId,
  decodeOutput,
  ModelResolutionError,
  NodeAnswerError,
  OutputNotPackedError,
  WaitTimeoutError,
} from "../../prover/sdk/index.js";
import { releaseCurve } from "../../prover/zk/groth16.js";
import { expectRejection, expectThrow } from "../helpers/reject.js";
import { digits, type TestNode, testNode } from "../node/fixtures/node.js";

const connection = await network.create();
const { ethers } = connection;

describe("sdk: AssayClient against a node", function () {
  let node: TestNode;
  let service: InferenceService;
  let app: FastifyInstance | undefined;
  let url: string;
  let client: AssayClient;
  let chainId: bigint;
  const x = digits().xs[0];

  /** (Re)starts the node's service and HTTP server serving `models`, and a client of it. */
  async function serve(models?: ServedModel[], config: Partial<NodeConfig> = { batch: null }) {
    client?.close();
    await app?.close();
    await service?.close();
    service = await node.service({ config, ...(models ? { models } : {}) });
    ({ app, url } = await startServer({ service, rpc: connection.provider, logLevel: "silent" }));
    client = new AssayClient(url);
  }

  before(async () => {
    node = await testNode(ethers, { enclave: false });
    chainId = (await ethers.provider.getNetwork()).chainId;
    await serve();
  });
  after(async () => {
    client?.close();
    await app?.close();
    await node?.stop();
    await releaseCurve();
  });

  const modelId = () => node.served[0].modelId;

  it("infers by family name and by id; the claim is the hub's, with its output and salt", async () => {
    const r = await client.infer("digits", x, { valueAtRisk: 5 });
    expect([r.level, r.status, r.modelId, r.claim.modelId]).to.deep.equal(["Signed", "recorded", modelId(), modelId()]);
    expect(r.claimId).to.equal(claimId(r.claim, chainId, node.deployment.protocol));
    expect(Number(await node.hub.levelOf(r.claimId))).to.equal(LEVEL.Signed);
    expect([typeof r.salt, r.valueAtRisk, typeof r.claim.output]).to.deep.equal(["bigint", 5n, "bigint"]);

    const byId = await client.infer(modelId(), x, { level: "signed" });
    expect([byId.level, byId.modelId, byId.valueAtRisk]).to.deep.equal(["Signed", modelId(), 0n]);
    expect(byId.claim.output).to.equal(r.claim.output); // same model, same input
    expect(byId.claimId).to.not.equal(r.claimId); // a fresh request id

    const again = await client.claim(r.claimId);
    expect([again.claimId, again.onChain]).to.deep.equal([r.claimId, { level: "Signed", final: false }]);
    expect(again.claim).to.deep.equal(r.claim);
  });

  it("decodeOutput reads the packed output with the registry's output spec", async () => {
    const r = await client.infer("digits", x, { valueAtRisk: 1 });
    const spec = (await readRegisteredModel(node.hub, modelId(), chainId)).descriptor!.output;
    const out = decodeOutput(r.claim.output, spec);
    expect(out.integers).to.deep.equal(r.output.logits);
    expect(out.argmax).to.equal(r.output.label);
    out.values.forEach((v, i) => expect(Math.abs(v - r.output.values[i])).to.be.below(1e-9));
    expectThrow(
      () => decodeOutput(r.claim.output << BigInt(spec.bits), spec),
      AssayArgumentError,
      /more than \d+ bits/,
    );
    expectThrow(() => decodeOutput(1n, { ...spec, shape: [1000] }), OutputNotPackedError, /Poseidon commitment/);
  });

  it("waits for a Proven claim to land, then audits it and a Signed one from chain data", async () => {
    const p = await client.infer("digits", x, { level: "proven" });
    expect([p.level, p.status]).to.deep.equal(["Proven", "proving"]);
    const landed = await client.waitFor(p.claimId, "proven");
    expect(landed.onChain).to.deep.equal({ level: "Proven", final: true });
    await service.idle();

    const report = await client.audit(p.claimId, { input: x, salt: p.salt });
    expect(report.ok, JSON.stringify(report.checks)).to.equal(true);
    expect(report.level).to.equal("Proven");
    const status = (id: string) => report.checks.find((c) => c.id === id)?.status;
    expect([status("proof"), status("input-commitment")]).to.deep.equal(["pass", "pass"]);

    const s = await client.infer("digits", x, { valueAtRisk: 2 });
    const signed = await client.audit(s.claimId);
    expect([signed.ok, signed.level]).to.deep.equal([true, "Signed"]);
  });

  it("gives clear errors: a wait that times out, unknown things, bad arguments, a level too low, no node", async () => {
    const r = await client.infer("digits", x, { valueAtRisk: 3 });
    const late = await expectRejection(
      client.waitFor(r.claimId, "proven", { timeoutMs: 300, intervalMs: 100 }),
      WaitTimeoutError,
      /did not reach Proven within \d+ ms \(last: status recorded, on chain Signed\)/,
    );
    expect(late.claimId).to.equal(r.claimId);
    const unknown = `0x${"00".repeat(31)}01`;
    const missing = await expectRejection(client.claim(unknown), AssayNodeError, `unknown claim ${unknown}`);
    expect([missing.status, missing.request]).to.deep.equal([404, `GET /v1/claims/${unknown}`]);
    await expectRejection(client.claim("0x12"), AssayArgumentError, /claim id: "0x12" is not 0x and 64 hex digits/);
    const nope = await expectRejection(client.infer("nope", x, { valueAtRisk: 1 }), AssayNodeError, /unknown model/);
    expect(nope.status).to.equal(404);
    await expectRejection(client.infer("digits", x, {}), AssayArgumentError, /give valueAtRisk .* or level/);
    await expectRejection(client.infer("digits", x, { valueAtRisk: -1 }), AssayArgumentError, "valueAtRisk: -1");
    const low = await expectRejection(
      client.infer("digits", x, { valueAtRisk: 10n ** 30n, level: "signed" }),
      AssayNodeError,
      /Proven/,
    );
    expect(low.status).to.equal(422);
    await expectRejection(client.waitFor(r.claimId, "final" as "proven"), AssayArgumentError, /not one of Signed/);
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as { port: number }).port;
    await new Promise((r) => closed.close(r));
    const gone = new AssayClient(`http://127.0.0.1:${port}`).health();
    await expectRejection(gone, AssayConnectionError, /cannot reach the node at .* \(ECONNREFUSED\)/);
    expect(() => new AssayClient("ftp://x")).to.throw(AssayArgumentError, "only http(s) urls");
  });

  it("a family name means its latest version (served), and needs familyOwner when two owners use it", async () => {
    const served = node.served[0];
    const admin = await attach(ethers, node.deployment, node.admin);
    const v2 = await registerModel(admin, served.model, { family: "digits", levels: ["Signed"] });
    expect(v2.version).to.equal(2);
    await expectRejection(
      client.infer("digits", x, { valueAtRisk: 1 }),
      ModelResolutionError,
      `the latest version of its family is v2 (${v2.modelId}), which this node does not serve (it serves v1)`,
    );

    const other = await attach(ethers, node.deployment, node.operator);
    const theirs = await registerModel(other, served.model, { family: "digits", levels: ["Signed"] });
    await serve([
      served,
      { modelId: v2.modelId, model: served.model },
      { modelId: theirs.modelId, model: served.model },
    ]);
    await expectRejection(
      client.infer("digits", x, { valueAtRisk: 1 }),
      ModelResolutionError,
      /2 families of this name/,
    );
    const models = await client.models();
    expect(models.map((m) => m.version)).to.deep.equal([1, 2, 1]);

    const mine = new AssayClient({ url, familyOwner: node.admin.address });
    try {
      const r = await mine.infer("digits", x, { valueAtRisk: 1 });
      expect(r.modelId).to.equal(v2.modelId);
    } finally {
      mine.close();
    }
  });

  it("a batched Signed claim: waitFor names its batch until someone imports it, then it stands", async () => {
    await serve(undefined, { batch: { size: 32, intervalMs: 3_600_000 } });
    const r = await client.infer(modelId(), x, { valueAtRisk: 1 });
    expect(r.status).to.equal("batching");
    await service.flushBatch();
    await service.idle();
    const c = await client.claim(r.claimId);
    expect([c.status, c.onChain?.level]).to.deep.equal(["batched", "None"]);
    await expectRejection(
      client.waitFor(r.claimId, "signed", { timeoutMs: 200, intervalMs: 50 }),
      WaitTimeoutError,
      `on chain None, in batch ${c.batch!.root} (the hub records it once imported: importBatchedClaim)`,
    );
    // Anyone may import it with the path the node gave.
    const anyone = (await ethers.getSigners())[5];
    const hub = AssayProtocol__factory.connect(node.deployment.protocol, anyone);
    await (await hub.importBatchedClaim(c.signer!, c.batch!.root, c.claim, c.batch!.proof)).wait();
    expect((await client.waitFor(r.claimId, "signed")).onChain?.level).to.equal("Signed");
    const report = await client.audit(r.claimId);
    expect(report.ok, JSON.stringify(report.checks)).to.equal(true);
    expect(report.checks.find((k) => k.id === "batch-membership")?.status).to.equal("pass");
  });

  it("refuses a node answer whose claim is not the EIP-712 id of its fields", async () => {
    // A node (or anything between it and the caller) that changes the output it reports.
    const proxy = http.createServer((req, res) => {
      let body = "";
      req.on("data", (d) => (body += d));
      req.on("end", async () => {
        const upstream = await fetch(`${url}${req.url}`, {
          method: req.method,
          headers: { "content-type": "application/json" },
          body: req.method === "POST" ? body : undefined,
        });
        let text = await upstream.text();
        if (req.url === "/v1/infer" && upstream.ok) {
          const json = JSON.parse(text);
          json.claim.output = (BigInt(json.claim.output) ^ 1n).toString();
          text = JSON.stringify(json);
        }
        res.writeHead(upstream.status, { "content-type": "application/json" }).end(text);
      });
    });
    await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
    const lied = new AssayClient(`http://127.0.0.1:${(proxy.address() as { port: number }).port}`);
    try {
      await expectRejection(lied.infer(modelId(), x, { valueAtRisk: 1 }), NodeAnswerError, /is not the EIP-712 id/);
    } finally {
      lied.close();
      proxy.close();
    }
  });
});
