// The HTTP API: bad input of every kind gets a 4xx status and one clear JSON line (the schema's
// checks at the edge name the field, what it must be and what it was); good input gets the claim,
// serialized by the response schemas exactly as the service reports it; the JSON-RPC passthrough
// reaches the node's chain.
import { expect } from "chai";
import type { FastifyInstance } from "fastify";
import { network } from "hardhat";
import type { InferenceService } from "../../prover/node/inference-service.js";
import { buildServer, DEFAULT_BODY_LIMIT, json } from "../../prover/node/server.js";
import { releaseCurve } from "../../prover/zk/groth16.js";
import { digits, type TestNode, testNode } from "./fixtures/node.js";

const connection = await network.create();
const { ethers } = connection;

describe("node: HTTP API", function () {
  let node: TestNode;
  let service: InferenceService;
  let app: FastifyInstance;
  let circuitId: string;
  const x = digits().xs[0];

  before(async () => {
    node = await testNode(ethers);
    service = await node.service({ runProofJobs: false, config: { batch: null } });
    app = buildServer({ service, rpc: connection.provider, logLevel: "silent" });
    circuitId = node.served[0].model.ref.circuitId;
  });
  after(async () => {
    await app?.close();
    await node?.stop();
    await releaseCurve();
  });

  const post = (payload: unknown, headers: Record<string, string> = { "content-type": "application/json" }) =>
    app.inject({
      method: "POST",
      url: "/v1/infer",
      headers,
      payload: typeof payload === "string" ? payload : JSON.stringify(payload),
    });

  async function expectError(res: Awaited<ReturnType<typeof post>>, status: number, message: string | RegExp) {
    expect(res.statusCode, res.body).to.equal(status);
    expect(res.headers["content-type"]).to.match(/^application\/json/);
    const body = res.json();
    expect(Object.keys(body)).to.deep.equal(["error"]);
    if (typeof message === "string") expect(body.error).to.equal(message);
    else expect(body.error).to.match(message);
    expect(body.error).to.not.contain("\n");
  }

  const good = () => ({ model: "digits", input: x, valueAtRisk: 5 });

  describe("bad input -> 4xx with a clear message", () => {
    it("malformed JSON -> 400", async () => {
      await expectError(await post('{"model": "digits", "input": [1, 2'), 400, "request body is not valid JSON");
      await expectError(await post(""), 400, "request body is empty; expected a JSON object");
    });

    it("a body that is not JSON -> 415", async () => {
      await expectError(
        await post("model=digits", { "content-type": "application/x-www-form-urlencoded" }),
        415,
        "request body must be JSON (content-type: application/json)",
      );
    });

    it("wrong shape: not an object, a missing or unknown field, a field of the wrong type -> 400", async () => {
      await expectError(
        await post([good()]),
        400,
        "invalid request: the request body must be a JSON object, got an array of 1",
      );
      const required = "(required: model, input, valueAtRisk)";
      const { input: _input, ...noInput } = good();
      await expectError(await post(noInput), 400, `invalid request: missing field "input" ${required}`);
      const { valueAtRisk: _v, ...noValue } = good();
      await expectError(await post(noValue), 400, `invalid request: missing field "valueAtRisk" ${required}`);
      const allowed = "(allowed: model, input, valueAtRisk, level, consumer)";
      await expectError(
        await post({ ...good(), colour: "red" }),
        400,
        `invalid request: unknown field "colour" ${allowed}`,
      );
      await expectError(
        await post({ ...good(), level: "proven", salt: "1" }),
        400,
        `invalid request: unknown field "salt" ${allowed}`,
      );
      await expectError(
        await post({ ...good(), input: "1,2,3" }),
        400,
        "invalid request: input must be an array of finite numbers, flat or nested " +
          '(arrays nest at most 8 levels deep), got "1,2,3"',
      );
      await expectError(
        await post({ ...good(), model: 7 }),
        400,
        "invalid request: model must be a model id (0x and 64 hex digits), circuit id or alias " +
          "of 1 to 200 characters, got 7",
      );
      await expectError(
        await post({ ...good(), model: "m".repeat(201) }),
        400,
        /^invalid request: model must be a model id .* of 1 to 200 characters, got "m{36}\.\.\."$/,
      );
      await expectError(
        await post({ ...good(), input: x.slice(1) }),
        400,
        `input has 63 values; model ${circuitId} takes 64 (shape [1, 64])`,
      );
      await expectError(
        await post({ ...good(), level: "platinum" }),
        400,
        'invalid request: level must be one of auto, signed, attested, proven (any letter case), got "platinum"',
      );
    });

    it("unknown model -> 404", async () => {
      await expectError(
        await post({ ...good(), model: "resnet" }),
        404,
        'unknown model "resnet" (this node serves: digits)',
      );
      await expectError(
        await post({ ...good(), model: `0x${"ab".repeat(32)}` }),
        404,
        `unknown model "0x${"ab".repeat(32)}" (this node serves: digits)`,
      );
    });

    it("non-numeric values in the input or the value at risk -> 400", async () => {
      const element = "must be a finite number or an array of them (arrays nest at most 8 levels deep), got";
      const input: unknown[] = [...x];
      input[3] = "abc";
      await expectError(await post({ ...good(), input }), 400, `invalid request: input[3] ${element} "abc"`);
      input[3] = null;
      await expectError(await post({ ...good(), input }), 400, `invalid request: input[3] ${element} null`);
      // Nested: the message points into the nesting.
      await expectError(
        await post({ ...good(), input: [x.slice(0, 32), [...x.slice(32, 40), {}, ...x.slice(41)]] }),
        400,
        `invalid request: input[1][8] ${element} {}`,
      );
      // Deeper than the schema allows: refused before any recursion (here 9 levels).
      let deep: unknown = x;
      for (let i = 0; i < 8; i++) deep = [deep];
      await expectError(
        await post({ ...good(), input: deep }),
        400,
        "invalid request: input[0][0][0][0][0][0][0][0] must be a finite number (arrays nest at most 8 levels deep), " +
          "got an array of 64",
      );
      const bad =
        "invalid request: valueAtRisk must be a non-negative integer below 2^256: a JSON number up to 2^53 - 1, " +
        "a decimal string of up to 78 digits, or 0x and up to 64 hex digits, got";
      await expectError(await post({ ...good(), valueAtRisk: "lots" }), 400, `${bad} "lots"`);
      await expectError(await post({ ...good(), valueAtRisk: {} }), 400, `${bad} {}`);
      await expectError(await post({ ...good(), valueAtRisk: -1 }), 400, `${bad} -1`);
      await expectError(await post({ ...good(), valueAtRisk: 1.5 }), 400, `${bad} 1.5`);
      await expectError(await post({ ...good(), valueAtRisk: 2 ** 53 }), 400, `${bad} 9007199254740992`);
      await expectError(await post({ ...good(), valueAtRisk: "007" }), 400, `${bad} "007"`);
      const hex65 = `0x${"f".repeat(65)}`;
      await expectError(await post({ ...good(), valueAtRisk: hex65 }), 400, `${bad} "${hex65.slice(0, 36)}..."`);
      await expectError(await post({ ...good(), valueAtRisk: [5] }), 400, `${bad} an array of 1`);
      await expectError(await post({ ...good(), valueAtRisk: null }), 400, `${bad} null`);
      // JSON's 1e999 parses to Infinity: no integer, and shown as what it is.
      await expectError(
        await post(JSON.stringify(good()).replace('"valueAtRisk":5', '"valueAtRisk":1e999')),
        400,
        `${bad} Infinity`,
      );
      // 78 digits pass the schema; the service knows 2^256 is one too many.
      const tooBig = (1n << 256n).toString();
      await expectError(
        await post({ ...good(), valueAtRisk: tooBig }),
        400,
        "valueAtRisk must be a non-negative integer below 2^256 (a JSON number up to 2^53 - 1, or a decimal string), " +
          `got "${tooBig.slice(0, 36)}..."`,
      );
    });

    it("an oversized body -> 413", async () => {
      const huge = { ...good(), input: Array(DEFAULT_BODY_LIMIT / 2).fill(0.5) };
      await expectError(await post(huge), 413, `request body is larger than the limit of ${DEFAULT_BODY_LIMIT} bytes`);
    });

    it("too low a level -> 422 naming the required one; a consumer no contract -> 422, no address -> 400", async () => {
      const consumer = await node.insurance.getAddress();
      await expectError(
        await post({ ...good(), valueAtRisk: "2000", level: "signed", consumer }),
        422,
        "level Signed is below the required level Attested for value at risk 2000 " +
          `(consumer ${consumer}'s requiredLevel)`,
      );
      await expectError(
        await post({ ...good(), valueAtRisk: "2000000000000000000", level: "signed" }),
        422,
        "level Signed is below the required level Attested for value at risk 2000000000000000000 " +
          "(node policy: Signed up to 1000000000000000000, Attested up to 100000000000000000000, Proven above)",
      );
      const eoa = node.operator.address;
      await expectError(
        await post({ ...good(), consumer: eoa }),
        422,
        `cannot read the policy of consumer ${eoa}: no contract at that address`,
      );
      await expectError(
        await post({ ...good(), consumer: "0x1234" }),
        400,
        "invalid request: consumer must be an address (0x and 40 hex digits) of a contract with " +
          'requiredLevel(uint256 valueAtRisk), got "0x1234"',
      );
    });

    it("a malformed or unknown claim id, or an unknown route -> 400 / 404", async () => {
      await expectError(
        await app.inject({ method: "GET", url: "/v1/claims/xyz" }),
        400,
        'invalid request: path parameter id must be a claim id: 0x and 64 hex digits (32 bytes), got "xyz"',
      );
      const unknown = `0x${"00".repeat(31)}01`;
      await expectError(
        await app.inject({ method: "GET", url: `/v1/claims/${unknown}` }),
        404,
        `unknown claim ${unknown}`,
      );
      await expectError(await app.inject({ method: "GET", url: "/v2/infer?x=1" }), 404, "no route GET /v2/infer");
    });
  });

  describe("good input", () => {
    it("POST /v1/infer -> 200, output and claim in decimal strings; GET /v1/claims/:id returns the claim", async () => {
      const res = await post({ ...good(), model: node.served[0].modelId });
      expect(res.statusCode, res.body).to.equal(200);
      const body = res.json();
      expect([body.level, body.requiredLevel, body.status, body.policy.source]).to.deep.equal([
        "Signed",
        "Signed",
        "recorded",
        "node",
      ]);
      expect(body.claim.modelId).to.equal(node.served[0].modelId);
      expect(body.claim.inputCommitment).to.match(/^[0-9]+$/);
      expect(body.claim.output).to.equal(body.output.signal);
      expect(body.output.logits).to.have.length(10);
      expect(body.output.label).to.equal(
        body.output.logits
          .map(BigInt)
          .reduce((best: number, v: bigint, i: number, a: bigint[]) => (v > a[best] ? i : best), 0),
      );
      expect(body.transaction.hash).to.match(/^0x[0-9a-f]{64}$/);
      expect(body.salt).to.match(/^[0-9]+$/);
      expect(Number(await node.hub.levelOf(body.claimId))).to.equal(1);

      const got = await app.inject({ method: "GET", url: `/v1/claims/${body.claimId}` });
      expect(got.statusCode).to.equal(200);
      const view = got.json();
      expect([view.claimId, view.level, view.transaction.hash, view.onChain.level]).to.deep.equal([
        body.claimId,
        "Signed",
        body.transaction.hash,
        "Signed",
      ]);
      expect(view).to.not.have.property("salt");
      expect(view).to.not.have.property("input");
      // The response schemas serialize exactly what the service reports (nothing dropped or renamed).
      expect(view).to.deep.equal(JSON.parse(json(await service.claim(body.claimId))));
      const { salt: _salt, ...answered } = body;
      expect(answered).to.deep.equal(view);
    });

    it("an Attested request: the enclave's signature, serialized as the service records it", async () => {
      const res = await post({ ...good(), valueAtRisk: "2000000000000000000" });
      expect(res.statusCode, res.body).to.equal(200);
      const { salt, ...answered } = res.json();
      expect([answered.level, answered.signer]).to.deep.equal(["Attested", node.enclave!.address]);
      expect(answered.signature).to.match(/^0x[0-9a-f]{130}$/);
      expect(salt).to.match(/^[0-9]+$/);
      expect(answered).to.deep.equal(JSON.parse(json(await service.claim(answered.claimId))));
    });

    it("a Proven request returns at once with its queued job; the output is already there", async () => {
      const res = await post({ ...good(), valueAtRisk: "1000000000000000000000" });
      expect(res.statusCode, res.body).to.equal(200);
      const body = res.json();
      expect([body.level, body.status, body.job.state]).to.deep.equal(["Proven", "proving", "queued"]);
      expect(body.output.logits).to.have.length(10);
    });

    it("GET /healthz and /v1/models describe the node; POST /rpc reaches its chain", async () => {
      const health = (await app.inject({ method: "GET", url: "/healthz" })).json();
      expect(health).to.deep.include({
        ok: true,
        chainId: node.deployment.chainId,
        protocol: node.deployment.protocol,
        operator: node.operator.address,
        enclave: node.enclave!.address,
        policy: { signedMax: "1000000000000000000", attestedMax: "100000000000000000000" },
        batch: null,
        models: 1,
        pendingBatch: 0,
      });
      expect(health.challengeWatch).to.include.keys("running", "cursor", "head", "ignored", "defences");
      const models = (await app.inject({ method: "GET", url: "/v1/models" })).json();
      expect(models.models).to.deep.equal([
        { modelId: node.served[0].modelId, circuitId, alias: "digits", inputShape: [1, 64] },
      ]);
      const rpc = await app.inject({
        method: "POST",
        url: "/rpc",
        payload: [
          { jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] },
          { jsonrpc: "2.0", id: 2, method: "eth_getCode", params: [node.deployment.protocol, "latest"] },
          { id: 3 },
        ],
      });
      const [chain, code, bad] = rpc.json();
      expect(chain).to.deep.equal({
        jsonrpc: "2.0",
        id: 1,
        result: `0x${BigInt(node.deployment.chainId).toString(16)}`,
      });
      expect(code.result.length).to.be.greaterThan(1000);
      expect(bad).to.deep.equal({
        jsonrpc: "2.0",
        id: 3,
        error: { code: -32600, message: "invalid JSON-RPC request" },
      });
    });

    it("GET /v1/claims: newest first, by status, level, model and time; with keys, the caller's own", async () => {
      const since = new Date().toISOString();
      const made: string[] = [];
      for (const input of digits().xs.slice(1, 4)) made.push((await post({ ...good(), input })).json().claimId);
      const list = await app.inject({ method: "GET", url: `/v1/claims?since=${since}&level=Signed&model=digits` });
      expect(list.statusCode, list.body).to.equal(200);
      const claims = list.json().claims as { claimId: string; level: string; salt?: unknown; input?: unknown }[];
      expect(claims.map((c) => c.claimId)).to.deep.equal([...made].reverse());
      expect(claims.every((c) => c.level === "Signed" && c.salt === undefined && c.input === undefined)).to.equal(true);
      const one = await app.inject({ method: "GET", url: `/v1/claims?since=${since}&limit=1` });
      expect(one.statusCode, one.body).to.equal(200);
      expect(one.json().claims.map((c: { claimId: string }) => c.claimId)).to.deep.equal([made[2]]);
      const none = await app.inject({ method: "GET", url: `/v1/claims?since=${since}&status=proven` });
      expect(none.json().claims).to.deep.equal([]);
      for (const [query, field] of [
        ["status=bogus", "status"],
        ["limit=0", "limit"],
        ["since=yesterday", "since"],
        ["colour=red", "colour"],
      ]) {
        const bad = await app.inject({ method: "GET", url: `/v1/claims?${query}` });
        expect(bad.statusCode, bad.body).to.equal(400);
        expect(bad.json().error).to.contain(field);
      }
      await expectError(await app.inject({ method: "GET", url: "/v1/claims?model=nope" }), 404, /unknown model "nope"/);

      // With API keys, each key lists only the claims made with it.
      const alice = { name: "alice", token: "alice-0123456789abcdef0123" };
      const bob = { name: "bob", token: "bob-fedcba9876543210fedcba" };
      const keyed = buildServer({
        service,
        logLevel: "silent",
        access: { keys: [alice, bob], ratePerMinute: 100, proofJobsPerKey: 4 },
      });
      try {
        const as = (k: { token: string }) => ({
          authorization: `Bearer ${k.token}`,
          "content-type": "application/json",
        });
        const byAlice = await keyed.inject({
          method: "POST",
          url: "/v1/infer",
          headers: as(alice),
          payload: JSON.stringify(good()),
        });
        const byBob = await keyed.inject({
          method: "POST",
          url: "/v1/infer",
          headers: as(bob),
          payload: JSON.stringify(good()),
        });
        const mine = await keyed.inject({ method: "GET", url: `/v1/claims?since=${since}`, headers: as(alice) });
        expect(mine.json().claims.map((c: { claimId: string }) => c.claimId)).to.deep.equal([byAlice.json().claimId]);
        const theirs = await keyed.inject({ method: "GET", url: `/v1/claims?since=${since}`, headers: as(bob) });
        expect(theirs.json().claims.map((c: { claimId: string }) => c.claimId)).to.deep.equal([byBob.json().claimId]);
        expect((await keyed.inject({ method: "GET", url: "/v1/claims" })).statusCode).to.equal(401);
      } finally {
        await keyed.close();
      }
    });
  });
});
