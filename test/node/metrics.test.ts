// Observability of the HTTP node: GET /metrics (prom-client, one registry per server) moves with
// real work on the embedded chain (a Signed claim submitted, a Proven claim proven by the node's
// own worker): requests and latency per route and level, gas per action equal to the receipts',
// proof time, the proof-job queue by state, default process metrics; with API keys /metrics needs
// one. The JSON logs carry requests and statuses, never a token, an input or a salt.
import { expect } from "chai";
import type { FastifyInstance } from "fastify";
import { network } from "hardhat";
import type { InferenceService } from "../../prover/node/inference-service.js";
import { buildServer } from "../../prover/node/server.js";
import { releaseCurve } from "../../prover/zk/groth16.js";
import { digits, type TestNode, tempDir, testNode } from "./fixtures/node.js";

const connection = await network.create();
const { ethers } = connection;

const KEY = { name: "scraper", token: "scraper-0123456789abcdef01" };

/** The value of one sample of the text exposition (labels matched exactly), or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const want = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort();
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = (m[2] ? m[2].split(",") : []).sort();
    if (JSON.stringify(got) === JSON.stringify(want)) return Number(m[3]);
  }
  return undefined;
}

describe("node: metrics and logs", function () {
  this.timeout(120_000);
  let node: TestNode;
  let service: InferenceService;
  let app: FastifyInstance;
  const x = digits().xs[0];
  const good = { model: "digits", input: x, valueAtRisk: 5 };
  const infer = (a: FastifyInstance, body: unknown, headers: Record<string, string> = {}) =>
    a.inject({ method: "POST", url: "/v1/infer", payload: body as object, headers });
  const scrape = async (a: FastifyInstance = app) => {
    const res = await a.inject({ method: "GET", url: "/metrics" });
    expect(res.statusCode, res.body).to.equal(200);
    expect(res.headers["content-type"]).to.match(/^text\/plain; version=0\.0\.4/);
    return res.body;
  };

  before(async () => {
    node = await testNode(ethers, { enclave: false });
    // Proof jobs run here (the submitProven gas and proof time are this node's); no batching.
    service = await node.service({ config: { batch: null } });
    app = buildServer({ service, logLevel: "silent" });
  });
  after(async () => {
    await app?.close();
    await node?.stop();
    await releaseCurve();
  });

  it("a Signed and a Proven request: requests, latency, gas (= the receipts'), proof time and queue move", async () => {
    const before = await scrape();
    expect(sample(before, "assay_proof_jobs", { state: "queued" })).to.equal(0);
    expect(sample(before, "assay_gas_used_total", { action: "submitSigned" })).to.equal(undefined);

    const signed = await infer(app, good);
    expect(signed.statusCode, signed.body).to.equal(200);
    const proven = await infer(app, { ...good, level: "proven" });
    expect(proven.statusCode, proven.body).to.equal(200);
    expect(sample(await scrape(), "assay_proof_jobs", { state: "done" })).to.equal(0);
    await service.idle();
    // Refused by the service (a level below the consumer's policy), and at the edge (schema).
    const consumer = await node.insurance.getAddress();
    expect((await infer(app, { ...good, valueAtRisk: 2000, level: "signed", consumer })).statusCode).to.equal(422);
    expect((await infer(app, { ...good, valueAtRisk: {} })).statusCode).to.equal(400);

    const text = await scrape();
    for (const [level, outcome] of [
      ["Signed", "ok"],
      ["Proven", "ok"],
      ["none", "unprocessable"],
    ]) {
      expect(sample(text, "assay_infer_requests_total", { level, outcome }), `${level} ${outcome}`).to.equal(1);
      expect(sample(text, "assay_infer_seconds_count", { level }), level).to.equal(1);
      expect(sample(text, "assay_infer_seconds_sum", { level })).to.be.greaterThan(0);
    }
    const route = { method: "POST", route: "/v1/infer" };
    expect(sample(text, "assay_http_requests_total", { ...route, status: "200" })).to.equal(2);
    expect(sample(text, "assay_http_requests_total", { ...route, status: "422" })).to.equal(1);
    expect(sample(text, "assay_http_requests_total", { ...route, status: "400" })).to.equal(1);
    expect(sample(text, "assay_http_request_seconds_count", route)).to.equal(4);

    // Gas per action: exactly what the chain charged for each transaction.
    const view = await service.claim(proven.json().claimId);
    expect(view.onChain?.level).to.equal("Proven");
    for (const [action, hash] of [
      ["submitSigned", signed.json().transaction.hash],
      ["submitProven", view.transaction!.hash],
    ]) {
      const receipt = await ethers.provider.getTransactionReceipt(hash);
      expect(sample(text, "assay_gas_used_total", { action }), action).to.equal(Number(receipt!.gasUsed));
    }
    expect(sample(text, "assay_proof_seconds_count")).to.equal(1);
    expect(sample(text, "assay_proof_seconds_sum")).to.be.greaterThan(0);
    expect(sample(text, "assay_proof_jobs", { state: "done" })).to.equal(1);
    expect(sample(text, "assay_proof_jobs", { state: "queued" })).to.equal(0);
    expect(sample(text, "assay_failures_total", { kind: "server" })).to.equal(undefined);
    // prom-client's default process metrics, on this server's registry.
    expect(sample(text, "process_cpu_user_seconds_total")).to.be.greaterThan(0);
    expect(text).to.match(/^nodejs_eventloop_lag_seconds \S+$/m);
  });

  it("each server counts only its own traffic", async () => {
    const other = buildServer({ service, logLevel: "silent" });
    try {
      const text = await scrape(other);
      expect(sample(text, "assay_infer_requests_total", { level: "Signed", outcome: "ok" })).to.equal(undefined);
      expect(sample(text, "assay_gas_used_total", { action: "submitSigned" })).to.equal(undefined);
      // The queue is the service's: both servers see it.
      expect(sample(text, "assay_proof_jobs", { state: "done" })).to.equal(1);
    } finally {
      await other.close();
    }
  });

  it("with API keys, /metrics needs one (401 without); /healthz and /openapi.json stay open", async () => {
    const keyed = buildServer({
      service,
      access: { keys: [KEY], ratePerMinute: 100, proofJobsPerKey: 2 },
      logLevel: "silent",
    });
    try {
      const none = await keyed.inject({ method: "GET", url: "/metrics" });
      expect(none.statusCode).to.equal(401);
      expect(none.json()).to.deep.equal({ error: "missing API key: send the header `Authorization: Bearer <token>`" });
      const wrong = await keyed.inject({ method: "GET", url: "/metrics", headers: { authorization: "Bearer nope" } });
      expect(wrong.statusCode).to.equal(401);
      const ok = await keyed.inject({
        method: "GET",
        url: "/metrics",
        headers: { authorization: `Bearer ${KEY.token}` },
      });
      expect(ok.statusCode).to.equal(200);
      expect(
        sample(ok.body, "assay_http_requests_total", { method: "GET", route: "/metrics", status: "401" }),
      ).to.equal(2);
      for (const url of ["/healthz", "/openapi.json"])
        expect((await keyed.inject({ method: "GET", url })).statusCode, url).to.equal(200);
    } finally {
      await keyed.close();
    }
  });

  it("logs: JSON lines with method, url and status; never the API key, the input or the salt", async () => {
    const lines: string[] = [];
    const logged = buildServer({
      service,
      access: { keys: [KEY], ratePerMinute: 100, proofJobsPerKey: 2 },
      logLevel: "info",
      logStream: { write: (line: string) => lines.push(line) },
    });
    try {
      const res = await infer(logged, good, { authorization: `Bearer ${KEY.token}` });
      expect(res.statusCode, res.body).to.equal(200);
      const bad = await infer(logged, { ...good, valueAtRisk: -1 }, { authorization: `Bearer ${KEY.token}` });
      expect(bad.statusCode).to.equal(400);
      const entries = lines.map((l) => JSON.parse(l));
      const incoming = entries.find((e) => e.msg === "incoming request");
      expect(incoming.req).to.deep.include({ method: "POST", url: "/v1/infer" });
      const statuses = entries.filter((e) => e.msg === "request completed").map((e) => e.res.statusCode);
      expect(statuses).to.deep.equal([200, 400]);
      const all = lines.join("");
      const secrets = [KEY.token, "Bearer", String(res.json().salt), '"input"', JSON.stringify(x).slice(1, 40)];
      for (const secret of secrets) expect(all).to.not.contain(secret);
    } finally {
      await logged.close();
    }
  });

  it("a 5xx: one error log line, the `log` callback's line, and assay_failures_total{kind=server}", async () => {
    const closed = await node.service({
      stateDir: tempDir("metrics-closed"),
      runProofJobs: false,
      config: { batch: null },
    });
    await closed.close();
    const lines: string[] = [];
    const faults: string[] = [];
    const failing = buildServer({
      service: closed,
      logLevel: "error",
      logStream: { write: (line: string) => lines.push(line) },
      log: (line) => faults.push(line),
    });
    try {
      const res = await infer(failing, good);
      expect(res.statusCode).to.equal(503);
      expect(res.json()).to.deep.equal({ error: "the node is shutting down" });
      expect(faults).to.deep.equal(["503 the node is shutting down"]);
      expect(lines.map((l) => JSON.parse(l))).to.have.length(1);
      expect(JSON.parse(lines[0])).to.deep.include({ level: 50, status: 503, error: "the node is shutting down" });
      const text = await scrape(failing);
      expect(sample(text, "assay_failures_total", { kind: "server" })).to.equal(1);
      expect(sample(text, "assay_infer_requests_total", { level: "none", outcome: "unavailable" })).to.equal(1);
    } finally {
      await failing.close();
    }
  });
});
