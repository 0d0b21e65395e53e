// The node's exposure rules without a chain: API key sources (file, environment) parse or fail
// with one line that never echoes a token; who may start open; which Host headers and JSON-RPC
// methods /rpc serves; the per-caller proof-job cap. `assay node start` applies the rules
// before compiling or connecting anything.
import { expect } from "chai";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { InputError } from "../../prover/errors.js";
import { checkExposure, loadApiKeys, parseApiKeys, ProofJobCap } from "../../prover/node/auth.js";
import { hostAllowed, MAX_RPC_BATCH, refuseRpc } from "../../prover/node/rpc-guard.js";
import { assayWith } from "../helpers/cli.js";
import { tempDir } from "./fixtures/node.js";

const A = "a".repeat(24);
const B = "b0B1-._~+/".repeat(3);

function rejects(f: () => unknown, message: string | RegExp): string {
  try {
    f();
  } catch (e) {
    expect(e).to.be.instanceOf(InputError);
    const m = (e as Error).message;
    if (typeof message === "string") expect(m).to.equal(message);
    else expect(m).to.match(message);
    expect(m).to.not.contain("\n");
    return m;
  }
  throw new Error("expected an InputError");
}

describe("node: API keys and exposure", function () {
  describe("key sources", () => {
    it("name:token lines with comments and blanks, commas, JSON objects and arrays", () => {
      const lines = `# node keys\nalice:${A}\n\n  bob : ${B}  # the second\n`;
      expect(parseApiKeys(lines, "keys.txt")).to.deep.equal([
        { name: "alice", token: A },
        { name: "bob", token: B },
      ]);
      expect(parseApiKeys(`alice:${A},bob:${B}`, "ASSAY_API_KEYS").map((k) => k.name)).to.deep.equal(["alice", "bob"]);
      expect(parseApiKeys(JSON.stringify({ alice: A, bob: B }), "k.json")).to.have.length(2);
      expect(parseApiKeys(JSON.stringify([{ name: "alice", token: A }]), "k.json")).to.deep.equal([
        { name: "alice", token: A },
      ]);
    });

    it("a malformed entry, weak token or bad name fails with one line that names it and not the token", () => {
      const secret = "s3cr3t-token-value-000";
      for (const m of [
        rejects(() => parseApiKeys(`alice:${A}\n${secret}`, "keys.txt"), /^keys.txt line 2: expected "name:token"/),
        rejects(
          () => parseApiKeys("carol:short", "keys.txt"),
          'keys.txt line 1: the token of key "carol" has 5 characters; use at least 16 random ones ' +
            "(e.g. `openssl rand -hex 24`)",
        ),
        rejects(() => parseApiKeys(`carol:${secret}!"`, "keys.txt"), /the token of key "carol" has characters/),
        rejects(() => parseApiKeys(`bad name:${A}`, "keys.txt"), /key name "bad name" must be 1-64 letters/),
        rejects(() => parseApiKeys(`{"carol": "${secret}"`, "k.json"), /^k.json: not valid JSON/),
        rejects(() => parseApiKeys(`[{"name": "carol"}]`, "k.json"), /entry 0 must be/),
      ])
        expect(m).to.not.contain(secret);
    });

    it("file and environment merge; a missing file, an empty file, a repeated name or token is refused", () => {
      const dir = tempDir("keys");
      const file = path.join(dir, "keys.txt");
      writeFileSync(file, `alice:${A}\n`);
      expect(loadApiKeys({ file, env: `bob:${B}` }).map((k) => k.name)).to.deep.equal(["alice", "bob"]);
      expect(loadApiKeys({ env: "" })).to.deep.equal([]);
      rejects(() => loadApiKeys({ file: path.join(dir, "none") }), /^cannot read the API key file .*none: ENOENT$/);
      writeFileSync(path.join(dir, "empty"), "# nothing yet\n");
      rejects(() => loadApiKeys({ file: path.join(dir, "empty") }), /empty holds no API key/);
      rejects(
        () => loadApiKeys({ file, env: `alice:${B}` }),
        `API key name "alice" is given twice (${file} and ASSAY_API_KEYS): names must be unique`,
      );
      rejects(
        () => loadApiKeys({ file, env: `bob:${A}` }),
        'API keys "alice" and "bob" have the same token: give each key its own token',
      );
    });
  });

  describe("who may start open", () => {
    const at = (o: Partial<Parameters<typeof checkExposure>[0]>) =>
      checkExposure({ host: "127.0.0.1", keys: 0, embedded: true, noAuth: false, ...o });

    it("open on the embedded chain and loopback, saying so; keys anywhere; --no-auth with a loud warning", () => {
      expect(at({})).to.have.length(1);
      expect(at({})[0]).to.match(/^no API keys: the HTTP API is open/);
      expect(at({ keys: 2, embedded: false })).to.deep.equal([]);
      expect(at({ keys: 1, host: "0.0.0.0" })).to.have.length(1);
      expect(at({ keys: 1, host: "0.0.0.0" })[0]).to.match(/^WARNING: listening on 0.0.0.0, not 127.0.0.1/);
      const open = at({ noAuth: true, embedded: false, host: "0.0.0.0" });
      expect(open[0]).to.match(/^WARNING: --no-auth/);
      expect(open[1]).to.match(/^WARNING: listening on 0.0.0.0/);
    });

    it("no keys on a real chain or a public address is refused; --no-auth with keys is a contradiction", () => {
      rejects(() => at({ embedded: false }), /^refusing to serve a real chain without API keys/);
      rejects(() => at({ host: "0.0.0.0" }), /^refusing to listen on 0.0.0.0 without API keys/);
      rejects(() => at({ host: "192.168.1.5", keys: 0 }), /^refusing to listen on 192.168.1.5/);
      rejects(() => at({ keys: 1, noAuth: true }), /^--no-auth contradicts the 1 API key\(s\) given/);
      expect(at({ host: "localhost" })).to.have.length(1);
      expect(at({ host: "::1" })).to.have.length(1);
    });

    it("`assay node start` applies the rules before compiling or connecting anything", function () {
      this.timeout(30_000);
      const dir = tempDir("keys-cli");
      const assay = assayWith({ ...process.env, ASSAY_STATE_DIR: dir, ASSAY_API_KEYS: "" });
      const rpc = ["node", "start", "--models", "zzzz", "--rpc", "http://127.0.0.1:9"];
      const noKeys = assay(...rpc);
      expect(noKeys.code).to.equal(1);
      expect(noKeys.err.trim()).to.match(/^assay: refusing to serve a real chain without API keys: .* --no-auth/);
      const bound = assay("node", "start", "--models", "zzzz", "--host", "0.0.0.0");
      expect(bound.code).to.equal(1);
      expect(bound.err.trim()).to.match(/^assay: refusing to listen on 0.0.0.0 without API keys/);
      writeFileSync(path.join(dir, "keys"), "alice:short\n");
      const weak = assay(...rpc, "--api-keys", path.join(dir, "keys"));
      expect(weak.err.trim()).to.match(/^assay: .*keys line 1: the token of key "alice" has 5 characters/);
      // With a key (or --no-auth) the command gets past the rule, to the model it cannot find.
      const keyed = assayWith({ ...process.env, ASSAY_STATE_DIR: dir, ASSAY_API_KEYS: `alice:${A}` })(...rpc);
      expect(keyed.err.trim().split("\n")[0]).to.match(/^assay: unknown model "zzzz"/);
      const help = assay("node", "start", "--help");
      for (const s of ["--api-keys <file>", "--no-auth", "--rate-limit <n>", "--max-proof-jobs <n>", "Exposure:"])
        expect(help.out).to.contain(s);
    });
  });

  describe("/rpc rules", () => {
    it("Host headers: this machine's names (any port) and configured public names only", () => {
      for (const h of ["localhost", "localhost:8787", "127.0.0.1:80", "[::1]:8787", "LOCALHOST"])
        expect(hostAllowed(h), h).to.equal(true);
      for (const h of [undefined, "", "attacker.example", "127.0.0.1.nip.io:8787", "localhost:x", "127.0.0.2", "::1"])
        expect(hostAllowed(h), String(h)).to.equal(false);
      expect(hostAllowed("node.example.org:443", ["node.example.org"])).to.equal(true);
      expect(hostAllowed("[2001:db8::1]:8787", ["2001:db8::1"])).to.equal(true);
    });

    it("read-only methods pass; anything else, a batch holding it or an oversized batch is refused whole", () => {
      const call = (method: string, id = 1) => ({ jsonrpc: "2.0", id, method, params: [] });
      expect(refuseRpc(call("eth_call"))).to.equal(undefined);
      expect(refuseRpc([call("eth_chainId"), call("eth_getLogs", 2)])).to.equal(undefined);
      for (const m of [
        "eth_sendTransaction",
        "eth_accounts",
        "eth_sign",
        "personal_sign",
        "evm_mine",
        "hardhat_mine",
      ]) {
        const r = refuseRpc(call(m, 9)) as { id: number; error: { code: number; message: string } };
        expect(r.id).to.equal(9);
        expect(r.error.code).to.equal(-32601);
        expect(r.error.message).to.match(new RegExp(`^method ${m} is not allowed: this node's /rpc serves read-only`));
      }
      const batch = refuseRpc([call("eth_chainId", 1), call("debug_traceCall", 2)]) as { error: { message: string } }[];
      expect(batch.map((r) => r.error.message)).to.deep.equal([
        "not run: this batch also calls debug_traceCall, which /rpc refuses",
        batch[1].error.message,
      ]);
      expect(batch[1].error.message).to.match(/^method debug_traceCall is not allowed/);
      const big = refuseRpc(Array.from({ length: MAX_RPC_BATCH + 1 }, (_, i) => call("eth_chainId", i)));
      expect((big as { error: { message: string } }).error.message).to.match(/^batch of 101 calls refused/);
    });
  });

  it("the proof-job cap: held per caller, refused at the cap, freed once a job is no longer live", async () => {
    const live = new Set<string>();
    const cap = new ProofJobCap(2, async (id) => live.has(id));
    await cap.reserve("key:alice");
    cap.settle("key:alice", "c1");
    live.add("c1");
    await cap.reserve("key:alice");
    await cap.reserve("key:bob"); // another caller's budget is its own
    let err: unknown;
    try {
      await cap.reserve("key:alice"); // one held, one reserved: at the cap
    } catch (e) {
      err = e;
    }
    expect((err as { statusCode?: number }).statusCode).to.equal(429);
    expect((err as Error).message).to.match(/^API key "alice" already has 2 proof job\(s\) queued or running/);
    cap.settle("key:alice"); // the reserved request queued nothing
    await cap.reserve("key:alice");
    cap.settle("key:alice", "c2");
    live.add("c2");
    live.delete("c1"); // c1's job finished
    await cap.reserve("key:alice");
    expect(cap.count("key:alice")).to.equal(2);
  });
});
