// Attack: register a model whose keys come from the development powers of tau on a chain that
// is not a development chain, then record false claims as Proven. The ceremony's secrets come
// from a public beacon (devPtauSecrets), and with alpha and beta known (snarkjs fixes gamma to
// the generator) anyone forges a proof of any public signals: A = alpha*G1 + L/beta, B = beta*G2
// + delta2, C = A, where L is the key's public-input point. The verifier cannot tell.
// Defences: `assay model register` refuses such keys off development chains unless
// --allow-dev-setup; the registry records developmentSetup; `assay audit` fails a Proven claim of
// such a model there. Who pays: nothing moves on the protocol; the forger pays only gas, and a
// consumer that runs the audit (or reads developmentSetup) does not pay out on the forgery.
// On 31337 development keys are accepted and the audit passes with a note.
import { expect } from "chai";
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { network } from "hardhat";
import { buildBn128 } from "ffjavascript";
import { Contract, JsonRpcProvider, type TransactionReceipt, hexlify, randomBytes } from "ethers";
import { cacheRoot, PROJECT_ROOT } from "../../prover/artifacts.js";
import { auditClaim } from "../../prover/audit/index.js";
import { bindingFor } from "../../prover/chain/binding.js";
import { type Claim, claimIdOf } from "../../prover/chain/claim.js";
import { attach, deployAssay, LEVEL, registerModel } from "../../prover/chain/protocol-client.js";
import { proveClaim } from "../../prover/chain/claim-proof.js";
import type { CompiledModel } from "../../prover/compile-model.js";
import { devPtauSecrets } from "../../prover/zk/dev-ptau.js";
import { groth16Verify, releaseCurve } from "../../prover/zk/groth16.js";
import { BN254_R, powMod } from "../../prover/zk/ptau-scalars.js";
import { setupProvenance } from "../../prover/zk/setup-provenance.js";
import { encodeProof, type SnarkjsProof, type SnarkjsVerificationKey } from "../../prover/zk/vkey-encoding.js";
import { type CliRun, runAssayAsync } from "../helpers/cli.js";
import { freePort } from "../helpers/ports.js";
import { digits, digitsModel } from "../node/fixtures/node.js";

/** Base's chain id: a chain where someone could lose money. */
const REAL_CHAIN = 8453n;

/** `assay ...` in a child process, without blocking this process (which serves its JSON-RPC). */
function assayAsync(env: NodeJS.ProcessEnv, ...args: string[]): Promise<CliRun> {
  return runAssayAsync(env, args);
}

/** A Groth16 proof of any public signals for a key set up over the development powers of tau. */
async function forgeProof(vkey: SnarkjsVerificationKey, signals: readonly bigint[]): Promise<SnarkjsProof> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const curve: any = await buildBn128(true);
  const { G1, G2, Fr } = curve;
  const { alpha, beta } = await devPtauSecrets();
  const g1 = (p: readonly string[]) => G1.fromObject(p.map(BigInt));
  const g2 = (p: readonly (readonly string[])[]) => G2.fromObject(p.map((c) => c.map(BigInt)));
  let l = g1(vkey.IC[0]);
  signals.forEach((s, i) => (l = G1.add(l, G1.timesFr(g1(vkey.IC[i + 1]), Fr.e(s)))));
  const a = G1.add(G1.timesFr(G1.g, Fr.e(alpha)), G1.timesFr(l, Fr.e(powMod(beta, BN254_R - 2n))));
  const b = G2.add(G2.timesFr(G2.g, Fr.e(beta)), g2(vkey.vk_delta_2));
  const str = (xs: readonly bigint[]) => xs.map(String);
  const a1 = G1.toObject(G1.toAffine(a)) as bigint[];
  const b2 = G2.toObject(G2.toAffine(b)) as bigint[][];
  return { pi_a: str(a1), pi_b: b2.map(str), pi_c: str(a1), protocol: "groth16", curve: "bn128" } as SnarkjsProof;
}

function errorLines(r: CliRun): string[] {
  return r.err.split("\n").filter((l) => l.startsWith("assay: "));
}

describe("attack: development-ceremony keys on a chain that is not a development chain", function () {
  let model: CompiledModel;
  const stateDir = mkdtempSync(path.join(os.tmpdir(), "assay-dev-setup-"));
  const env = { ...process.env, ASSAY_CACHE_DIR: cacheRoot(), ASSAY_STATE_DIR: stateDir, ASSAY_PRIVATE_KEY: "" };
  let server: Awaited<ReturnType<typeof network.createServer>>;
  let rpc: string[];
  let provider: JsonRpcProvider;
  let hub: Contract;
  let modelId: string;
  // The digits model may have other keys in the shared cache (other tests set it up again).
  const keys = () => [model.ref.circuitId, "--ptau-id", model.ref.ptauId!];

  before(async function () {
    model = await digitsModel();
    const port = await freePort();
    server = await network.createServer({ override: { chainId: Number(REAL_CHAIN) } }, "127.0.0.1", port);
    await server.listen();
    const url = `http://127.0.0.1:${port}`;
    rpc = ["--rpc", url];
    provider = new JsonRpcProvider(url, Number(REAL_CHAIN), {
      staticNetwork: true,
      pollingInterval: 50,
      cacheTimeout: -1,
    });
    const d = await assayAsync(env, "--json", "deploy", ...rpc);
    expect(d.code, d.err).to.equal(0);
    const artifact = path.join(PROJECT_ROOT, "artifacts/contracts/protocol/AssayProtocol.sol/AssayProtocol.json");
    const { abi } = JSON.parse(readFileSync(artifact, "utf8"));
    hub = new Contract(JSON.parse(d.out).protocol, abi, provider);
  });

  after(async () => {
    provider?.destroy();
    await server?.close();
    await releaseCurve();
  });

  it("model register refuses the development keys on chain 8453: one line, nothing registered", async function () {
    const r = await assayAsync(env, "model", "register", ...keys(), "--family", "digits", ...rpc);
    expect(r.code).to.equal(1);
    expect(errorLines(r)).to.deep.equal([
      `assay: model ${model.ref.circuitId} (keys ${model.ref.ptauId}) uses keys from the development powers of tau, ` +
        "whose secrets are public: anyone can forge its proofs. Refusing on chain 8453; " +
        "pass --allow-dev-setup to register it anyway (testing only)",
    ]);
    const [deployer] = await provider.listAccounts();
    expect(await hub.latestVersion(await hub.familyIdOf(deployer.address, "digits"))).to.equal(0n);
  });

  /** `assay node start` on 8453 with `extra`; checks that the deployer sent nothing. */
  async function nodeStartSendsNothing(...extra: string[]) {
    const [deployer] = await provider.listAccounts();
    const nonce = await provider.getTransactionCount(deployer.address);
    const circuit = ["--models", model.ref.circuitId, "--ptau-id", model.ref.ptauId!];
    const r = await assayAsync(
      env,
      "node",
      "start",
      ...circuit,
      ...extra,
      "--no-auth",
      "--no-enclave",
      "--port",
      "0",
      ...rpc,
    );
    expect(await provider.getTransactionCount(deployer.address)).to.equal(nonce);
    return r;
  }

  it("node start refuses the development keys on chain 8453 before sending anything", async function () {
    const r = await nodeStartSendsNothing();
    expect(r.code, r.err).to.equal(1);
    expect(errorLines(r).at(-1)).to.match(
      /^assay: model .* uses keys from the development powers of tau, whose secrets are public: .*on chain 8453/,
    );
  });

  it("node start on 8453 will not deploy with the endpoint's unlocked accounts unless told to", async function () {
    const r = await nodeStartSendsNothing("--allow-dev-setup");
    expect(r.code, r.err).to.equal(1);
    expect(errorLines(r).at(-1)).to.match(
      /^assay: chain 8453 is not a development chain: give the operator's key \(--keystore or --key-file\)/,
    );
  });

  it("with --allow-dev-setup it goes through, and the chain records a development setup", async function () {
    const r = await assayAsync(
      env,
      "--json",
      "model",
      "register",
      ...keys(),
      "--family",
      "digits",
      ...rpc,
      "--allow-dev-setup",
    );
    expect(r.code, r.err).to.equal(0);
    modelId = JSON.parse(r.out).modelId;
    expect((await hub.modelVersion(modelId)).developmentSetup).to.equal(true);
    const [log] = await hub.queryFilter(hub.filters.ModelVersionRegistered(modelId));
    const declared = (log as unknown as { args: { input: { setup: [string, string, boolean] } } }).args.input.setup;
    const p = await setupProvenance(model);
    expect([...declared]).to.deep.equal([p.ptauHash, p.phase2Hash, true]);
  });

  it("a forged proof makes a false claim Proven (forger pays gas only); audit fails it on 8453", async function () {
    const attacker = await provider.getSigner(5);
    const now = (await provider.getBlock("latest"))!.timestamp;
    const claim: Claim = {
      modelId,
      inputCommitment: 123456789n,
      output: 9n,
      requestId: hexlify(randomBytes(32)),
      deadline: BigInt(now + 3600),
    };
    const claimId = claimIdOf(claim, REAL_CHAIN, await hub.getAddress());
    const signals = [claim.inputCommitment, claim.output, bindingFor(claimId, attacker.address)];
    const forged = await forgeProof(model.vkey!, signals);
    expect(await groth16Verify(model.vkey!, signals, forged), "the math cannot tell").to.equal(true);
    const hubBefore = await provider.getBalance(await hub.getAddress());
    const attackerBefore = await provider.getBalance(attacker.address);
    const tx = await (hub.connect(attacker) as Contract).submitProven(claim, encodeProof(forged));
    const receipt = (await tx.wait()) as TransactionReceipt;
    expect(await hub.levelOf(claimId)).to.equal(BigInt(LEVEL.Proven));
    expect(await provider.getBalance(attacker.address)).to.equal(attackerBefore - receipt.gasUsed * receipt.gasPrice);
    expect(await provider.getBalance(await hub.getAddress())).to.equal(hubBefore);

    const a = await assayAsync(env, "audit", claimId, ...rpc);
    expect(a.code).to.equal(1);
    expect(a.out).to.match(/✓ proof /);
    const hashes = /ptau sha256 0x[0-9a-f]{8}…, phase 2 sha256 0x[0-9a-f]{8}…/.source;
    const forgeable = "its secrets are public, anyone can forge its proofs";
    expect(a.out).to.match(
      new RegExp(
        `✗ setup +development setup \\(${hashes}\\): ${forgeable}, so this Proven claim proves nothing on chain 8453`,
      ),
    );
    expect(errorLines(a)).to.deep.equal([`assay: audit of claim ${claimId} failed: setup`]);
  });

  it("on 31337 the development keys register and an honest Proven claim passes with a note", async function () {
    const { ethers } = await network.create();
    const d = await deployAssay(ethers);
    const { protocol, verifier } = await attach(ethers, d);
    const r = await registerModel({ verifier, protocol }, model, { family: "digits", levels: ["Proven"] });
    const [, submitter] = await ethers.getSigners();
    const now = (await ethers.provider.getBlock("latest"))!.timestamp;
    const target = { modelId: r.modelId, chainId: 31337n, hub: d.protocol, submitter: submitter.address };
    const p = await proveClaim(model, digits().xs[0], {
      ...target,
      requestId: hexlify(randomBytes(32)),
      deadline: BigInt(now + 3600),
    });
    await (await protocol.connect(submitter).submitProven(p.claim, encodeProof(p.proof.proof))).wait();
    const report = await auditClaim({ provider: ethers.provider, chainId: 31337n, protocol, verifier }, p.claimId);
    const setup = report.checks.find((c) => c.id === "setup")!;
    expect(setup.status).to.equal("pass");
    expect(setup.detail).to.match(/^development setup .*chain 31337 is a development chain: fine for testing only$/);
    expect(report.ok).to.equal(true);
  });
});
