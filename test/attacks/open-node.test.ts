// Attack: use someone's inference node as an open wallet. Every accepted Proven request makes
// the node's operator pay a ~270k-gas submission, and the embedded chain behind POST /rpc has
// unlocked accounts and state-rewriting evm_*/hardhat_* methods. The attacker (no key, a wrong
// key, a real key used too hard, a web page rebinding its name to 127.0.0.1) tries to make the
// operator pay, to move ETH out of the node's accounts, or to bend chain state.
// Defence (prover/node/auth.ts, rpc-guard.ts): bearer API keys on /v1, per-key request rate
// and proof-job caps enforced before any work, /rpc limited to read-only methods behind a Host
// check. Who pays: nobody but the operator, and only for requests it accepted; the operator's
// nonce and balance move by exactly the accepted work.
import { expect } from "chai";
import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import { network } from "hardhat";
import { openDatabase, SQLITE_FILE } from "../../prover/node/db/database.js";
import type { InferenceService } from "../../prover/node/inference-service.js";
import { type AccessOptions, buildServer } from "../../prover/node/server.js";
import { releaseCurve } from "../../prover/zk/groth16.js";
import { runAssayAsync } from "../helpers/cli.js";
import { freePort } from "../helpers/ports.js";
import { digits, type TestNode, tempDir, testNode } from "../node/fixtures/node.js";

const connection = await network.create();
const { ethers } = connection;

const ALICE = { name: "alice", token: "alice-0123456789abcdef0123" };
const BOB = { name: "bob", token: "bob-fedcba9876543210fedcba" };
const JSON_HEADERS = { "content-type": "application/json" };
const bearer = (token: string) => ({ ...JSON_HEADERS, authorization: `Bearer ${token}` });
/** Rows of `table` in the node database of state directory `dir` (0 before it exists). */
async function rows(dir: string, table: "claims" | "jobs"): Promise<number> {
  if (!existsSync(path.join(dir, SQLITE_FILE))) return 0;
  const db = await openDatabase({ stateDir: dir });
  try {
    return Number((await db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`))[0].n);
  } finally {
    await db.close();
  }
}

describe("attack: the node as an open wallet", function () {
  let node: TestNode;
  let service: InferenceService;
  let stateDir: string;
  const apps: FastifyInstance[] = [];
  const x = digits().xs[0];
  const signed = { model: "digits", input: x, valueAtRisk: 5 };
  const proven = { ...signed, level: "proven" };

  before(async () => {
    node = await testNode(ethers, { enclave: false });
    stateDir = tempDir("open-node");
    // Signed claims wait for a batch (no transaction); proof jobs are accepted and persisted only.
    service = await node.service({
      stateDir,
      runProofJobs: false,
      config: { batch: { size: 1000, intervalMs: 3_600_000 } },
    });
  });
  after(async () => {
    for (const app of apps) await app.close();
    await node?.stop();
    await releaseCurve();
  });

  const server = (access?: Partial<AccessOptions>, on = service) => {
    const app = buildServer({
      service: on,
      rpc: connection.provider,
      logLevel: "silent",
      access: access && { keys: [ALICE, BOB], ratePerMinute: 100, proofJobsPerKey: 4, ...access },
    });
    apps.push(app);
    return app;
  };
  const infer = (app: FastifyInstance, body: unknown, headers: Record<string, string>, remoteAddress?: string) =>
    app.inject({ method: "POST", url: "/v1/infer", headers, payload: JSON.stringify(body), remoteAddress });
  /** What the node has spent or promised: operator nonce and balance, claims recorded, proof jobs queued. */
  const spent = async (dir = stateDir) => ({
    nonce: await ethers.provider.getTransactionCount(node.operator.address),
    balance: await ethers.provider.getBalance(node.operator.address),
    claims: await rows(dir, "claims"),
    jobs: await rows(dir, "jobs"),
  });

  it("no key, a wrong key or scheme, a piece of a real key: 401, nothing evaluated, recorded or sent", async () => {
    const app = server({});
    const before = await spent();
    const attempts: [Record<string, string>, string][] = [
      [JSON_HEADERS, "missing API key: send the header `Authorization: Bearer <token>`"],
      [bearer("not-a-key-of-this-node-0000"), "invalid API key: the bearer token is not one of this node's keys"],
      [bearer(ALICE.token.slice(0, -1)), "invalid API key: the bearer token is not one of this node's keys"],
      [bearer(`${ALICE.token}x`), "invalid API key: the bearer token is not one of this node's keys"],
      [
        { ...JSON_HEADERS, authorization: `Basic ${ALICE.token}` },
        "invalid API key: the bearer token is not one of this node's keys",
      ],
    ];
    for (const [headers, error] of attempts) {
      for (const body of [proven, signed]) {
        const res = await infer(app, body, headers);
        expect(res.statusCode, res.body).to.equal(401);
        expect(res.json()).to.deep.equal({ error });
      }
    }
    const claim = await app.inject({ method: "GET", url: `/v1/claims/0x${"00".repeat(32)}` });
    expect(claim.statusCode).to.equal(401);
    expect(await spent()).to.deep.equal(before);
    // The open routes stay open; the real key works.
    expect((await app.inject({ method: "GET", url: "/healthz" })).statusCode).to.equal(200);
    expect((await app.inject({ method: "GET", url: "/v1/models" })).statusCode).to.equal(200);
    const ok = await infer(app, signed, bearer(ALICE.token));
    expect(ok.statusCode, ok.body).to.equal(200);
    const got = await app.inject({ method: "GET", url: `/v1/claims/${ok.json().claimId}`, headers: bearer(BOB.token) });
    expect(got.statusCode).to.equal(200);
  });

  it("a key over its request rate: 429 from any address (counted per key name), other keys unaffected", async () => {
    const app = server({ ratePerMinute: 3 });
    for (let i = 0; i < 3; i++) expect((await infer(app, signed, bearer(ALICE.token))).statusCode).to.equal(200);
    const before = await spent();
    const pending = service.pendingBatch;
    for (const from of ["127.0.0.1", "203.0.113.7", "198.51.100.23"]) {
      const res = await infer(app, proven, bearer(ALICE.token), from);
      expect(res.statusCode, res.body).to.equal(429);
      expect(res.json().error).to.match(
        new RegExp(
          '^API key "alice" is over its limit of 3 requests per minute to POST /v1/infer; ' +
            "retry in \\d+ (seconds?|minute)$",
        ),
      );
      expect(Number(res.headers["retry-after"])).to.be.within(1, 60);
    }
    // Even a malformed request counts: the limit runs before the body is read.
    expect((await infer(app, { nonsense: true }, bearer(ALICE.token))).statusCode).to.equal(429);
    expect(await spent()).to.deep.equal(before);
    expect(service.pendingBatch).to.equal(pending);
    expect((await infer(app, signed, bearer(BOB.token))).statusCode).to.equal(200);
  });

  it("a key over its proof-job cap: 429 before any work; the operator pays only for accepted jobs", async function () {
    this.timeout(120_000);
    // Its own state directory: the node started below runs every proof job found there.
    const dir = tempDir("open-node-cap");
    const accepting = await node.service({ stateDir: dir, runProofJobs: false, config: { batch: null } });
    const app = server({ proofJobsPerKey: 1 }, accepting);
    const start = await spent(dir);
    const first = await infer(app, proven, bearer(ALICE.token));
    expect(first.statusCode, first.body).to.equal(200);
    expect([first.json().level, first.json().job.state]).to.deep.equal(["Proven", "queued"]);
    const afterFirst = await spent(dir);
    expect([afterFirst.claims, afterFirst.jobs]).to.deep.equal([start.claims + 1, start.jobs + 1]);

    // Alice floods Proven requests, at once and one after another: every one is refused.
    const flood = await Promise.all([1, 2, 3].map(() => infer(app, proven, bearer(ALICE.token))));
    for (const res of [...flood, await infer(app, proven, bearer(ALICE.token))]) {
      expect(res.statusCode, res.body).to.equal(429);
      expect(res.json()).to.deep.equal({
        error:
          'API key "alice" already has 1 proof job(s) queued or running (its limit); ' +
          "retry when one finishes (GET /v1/claims/<id> shows its state)",
      });
    }
    expect(await spent(dir)).to.deep.equal(afterFirst);
    // Bob's budget is his own.
    const bob = await infer(app, proven, bearer(BOB.token));
    expect(bob.statusCode, bob.body).to.equal(200);
    expect(await rows(dir, "jobs")).to.equal(start.jobs + 2);

    // A node that runs the queued jobs proves the two accepted requests and nothing else: one
    // submission each, or one submitProvenBatch for both; the operator pays for those alone.
    const runner = await node.service({ stateDir: dir, runProofJobs: true, config: { batch: null } });
    await runner.idle();
    const end = await spent(dir);
    const [a, b] = await Promise.all([runner.claim(first.json().claimId), runner.claim(bob.json().claimId)]);
    expect([a.onChain?.level, b.onChain?.level]).to.deep.equal(["Proven", "Proven"]);
    const sent = new Set([a.transaction!.hash, b.transaction!.hash]);
    expect(end.nonce).to.equal(start.nonce + sent.size);
    let gas = 0n;
    for (const hash of sent) {
      const receipt = await ethers.provider.getTransactionReceipt(hash);
      expect(receipt!.from).to.equal(node.operator.address);
      gas += receipt!.gasUsed * receipt!.gasPrice;
    }
    expect(start.balance - end.balance).to.equal(gas);
  });

  it("assay infer --node sends its key (--api-key or $ASSAY_API_KEY); without one the node answers 401", async () => {
    const app = server({});
    const port = await freePort();
    await app.listen({ host: "127.0.0.1", port });
    const input = path.join(tempDir("open-node-cli"), "x.json");
    writeFileSync(input, JSON.stringify(x));
    const args = [
      "-q",
      "--json",
      "infer",
      "digits",
      "--input",
      input,
      "--value",
      "5",
      "--node",
      `http://127.0.0.1:${port}`,
    ];
    const env = { ...process.env, ASSAY_API_KEY: "" };
    const none = await runAssayAsync(env, args);
    expect(none.code).to.equal(1);
    expect(none.err.trim()).to.match(/^assay: node http:\/\/127\.0\.0\.1:\d+ answered 401: /);
    const flag = await runAssayAsync(env, [...args, "--api-key", ALICE.token]);
    expect(flag.code, flag.err).to.equal(0);
    expect(JSON.parse(flag.out).level).to.equal("Signed");
    const fromEnv = await runAssayAsync({ ...env, ASSAY_API_KEY: BOB.token }, args);
    expect(fromEnv.code, fromEnv.err).to.equal(0);
  });

  describe("POST /rpc", () => {
    const rpc = (app: FastifyInstance, payload: unknown, host = "127.0.0.1:8787") =>
      app.inject({ method: "POST", url: "/rpc", headers: { ...JSON_HEADERS, host }, payload: JSON.stringify(payload) });
    const call = (method: string, params: unknown[] = [], id = 1) => ({ jsonrpc: "2.0", id, method, params });
    const expectRefused = (r: { id: unknown; error?: { code: number; message: string } }, method: string) => {
      expect(r.error?.code, JSON.stringify(r)).to.equal(-32601);
      expect(r.error?.message).to.match(
        new RegExp(`^method ${method} is not allowed: this node's /rpc serves read-only`),
      );
    };

    it("writes, signing, time and balance edits, a batch smuggling one: refused, chain unchanged", async () => {
      const app = server();
      const attacker = ethers.Wallet.createRandom().address;
      const victim = node.operator.address;
      const chain = async () => ({
        block: await ethers.provider.getBlockNumber(),
        victim: await ethers.provider.getBalance(victim),
        nonce: await ethers.provider.getTransactionCount(victim),
        attacker: await ethers.provider.getBalance(attacker),
      });
      const before = await chain();
      const later = (await ethers.provider.getBlock("latest"))!.timestamp + 10 * 365 * 86400;
      const steal = { from: victim, to: attacker, value: "0xde0b6b3a7640000" };
      const attacks: [string, unknown[]][] = [
        ["eth_sendTransaction", [steal]],
        ["eth_signTransaction", [steal]],
        ["eth_sign", [victim, "0xdeadbeef"]],
        ["personal_sign", ["0xdeadbeef", victim]],
        ["eth_signTypedData_v4", [victim, "{}"]],
        ["eth_accounts", []],
        ["evm_setNextBlockTimestamp", [later]],
        ["evm_increaseTime", [later]],
        ["evm_mine", []],
        ["hardhat_setBalance", [attacker, "0x56bc75e2d63100000"]],
        ["hardhat_impersonateAccount", [victim]],
        ["debug_traceTransaction", ["0x" + "00".repeat(32)]],
      ];
      for (const [method, params] of attacks) {
        const res = await rpc(app, call(method, params, 7));
        expect(res.statusCode).to.equal(200);
        expect(res.json().id).to.equal(7);
        expect(res.json()).to.not.have.property("result");
        expectRefused(res.json(), method);
      }
      // A batch hiding a transfer among reads: refused whole, nothing in it runs.
      const batch = await rpc(app, [call("eth_chainId", [], 1), call("eth_sendTransaction", [steal], 2)]);
      const [first, second] = batch.json();
      expect(first.error.message).to.equal("not run: this batch also calls eth_sendTransaction, which /rpc refuses");
      expectRefused(second, "eth_sendTransaction");
      expect(await chain()).to.deep.equal(before);
      // The timestamp attack did not land: the next block is mined at today's time.
      await connection.provider.request({ method: "evm_mine", params: [] });
      expect((await ethers.provider.getBlock("latest"))!.timestamp).to.be.below(later - 86400);
    });

    it("reads work; a foreign Host header (DNS rebinding) is refused, on /rpc and an open /v1", async () => {
      const app = server();
      const [chainId, balance, code, minStake] = (
        await rpc(
          app,
          [
            call("eth_chainId", [], 1),
            call("eth_getBalance", [node.operator.address, "latest"], 2),
            call("eth_getCode", [node.deployment.protocol, "latest"], 3),
            call(
              "eth_call",
              [{ to: node.deployment.protocol, data: node.hub.interface.encodeFunctionData("minStake") }],
              4,
            ),
          ],
          "localhost:8787",
        )
      ).json();
      expect(BigInt(chainId.result)).to.equal(BigInt(node.deployment.chainId));
      expect(BigInt(balance.result)).to.equal(await ethers.provider.getBalance(node.operator.address));
      expect(code.result.length).to.be.greaterThan(1000);
      expect(BigInt(minStake.result)).to.equal(await node.hub.minStake());
      for (const host of ["[::1]:8787", "127.0.0.1"])
        expect((await rpc(app, call("eth_chainId"), host)).statusCode).to.equal(200);

      const foreign = await rpc(app, call("eth_chainId"), "attacker.example:8787");
      expect(foreign.statusCode).to.equal(403);
      expect(foreign.json()).to.deep.equal({
        error:
          'host "attacker.example:8787" is not this node\'s: requests must name localhost, 127.0.0.1 or [::1] ' +
          "(or a name given with --public-host) in their Host header",
      });
      // Without keys the /v1 routes have no token to stop a rebinding page: the Host check does.
      const open = server(undefined);
      const before = await spent();
      const rebound = await infer(open, proven, { ...JSON_HEADERS, host: "attacker.example" });
      expect(rebound.statusCode).to.equal(403);
      expect(await spent()).to.deep.equal(before);
      // A configured public name is accepted.
      const named = server({ publicHosts: ["node.example.org"] });
      expect((await rpc(named, call("eth_chainId"), "node.example.org")).statusCode).to.equal(200);
    });
  });
});
