// The chain commands of the assay CLI end to end, against a `hardhat node` (the embedded Hardhat
// network served over JSON-RPC, so state outlives each command): deploy -> model register ->
// stake -> prove --claim-for + submit -> verify --from-chain -> audit, infer at Signed and Proven,
// audits of Attested and batched claims recorded by other tools, a challenge left unanswered
// (challenge, resolve, credit, unstake), and the one-line failures: wrong chain, unknown claim,
// unknown model, bad proof, not staked, a wrong input in an audit, reverts by their custom error.
import { expect } from "chai";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Contract, JsonRpcProvider, Wallet, id, keccak256, type Signer } from "ethers";
import { cacheRoot, PROJECT_ROOT } from "../../prover/artifacts.js";
import { run as runUnstake } from "../../prover/cli/actions/unstake.js";
import { createDevCa } from "../../prover/attest/dev-ca.js";
import { DevSecurityModule } from "../../prover/attest/dev-enclave.js";
import { signerUserData } from "../../prover/attest/key-binding.js";
import { imageMeasurementId } from "../../prover/node/enclave-registration.js";
import { BatchTree } from "../../prover/chain/batch-tree.js";
import { type Claim, claimIdOf, compactSignature, signAttestedClaim } from "../../prover/chain/claim.js";
import { verifyingKeyId } from "../../prover/zk/vkey-encoding.js";
import { openModel } from "../../prover/model-store.js";
import { infer } from "../../prover/prove-inference.js";
import { releaseCurve } from "../../prover/zk/groth16.js";
import { loadDigits } from "../helpers/data.js";
import { freePort } from "../helpers/ports.js";
import { assayWith } from "../helpers/cli.js";

const HARDHAT = path.join(PROJECT_ROOT, "node_modules/hardhat/dist/src/cli.js");
const ONNX = path.join(PROJECT_ROOT, "models/digits-mlp-64-32-10.onnx");
const CALIB = path.join(PROJECT_ROOT, "models/data/digits-8x8-calib.json");
const tmp = mkdtempSync(path.join(os.tmpdir(), "assay-cli-chain-"));
const stateDir = path.join(tmp, "state");
const env = { ...process.env, ASSAY_CACHE_DIR: cacheRoot(), ASSAY_STATE_DIR: stateDir, ASSAY_PRIVATE_KEY: "" };

const assay = assayWith(env);

/** The one `assay: ...` line of a failed command. */
function errorLine(r: { err: string }): string {
  const lines = r.err.split("\n").filter((l) => l.startsWith("assay: "));
  expect(lines, r.err).to.have.length(1);
  return lines[0];
}

function json(r: { code: number | null; out: string; err: string }) {
  expect(r.code, r.err).to.equal(0);
  return JSON.parse(r.out);
}

const ABI = (name: string, dir: string) =>
  JSON.parse(readFileSync(path.join(PROJECT_ROOT, "artifacts/contracts", dir, `${name}.sol`, `${name}.json`), "utf8"))
    .abi;

describe("cli: chain commands against a JSON-RPC node", function () {
  let node: ChildProcess;
  let url: string;
  let rpc: string[];
  let provider: JsonRpcProvider;
  let circuitId: string;
  let ptauId: string;
  let modelId: string;
  let protocolAddress: string;
  const digits = loadDigits(8, "test");
  const input = path.join(tmp, "input.json");
  const otherInput = path.join(tmp, "other.json");

  before(async function () {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    rpc = ["--rpc", url];
    const log = openSync(path.join(tmp, "node.log"), "w");
    node = spawn(process.execPath, [HARDHAT, "node", "--hostname", "127.0.0.1", "--port", String(port)], {
      cwd: PROJECT_ROOT,
      stdio: ["ignore", log, log],
    });
    provider = new JsonRpcProvider(url, 31337, { staticNetwork: true, pollingInterval: 100 });
    for (let i = 0; ; i++) {
      try {
        await provider.send("eth_chainId", []);
        break;
      } catch {
        if (i > 600 || node.exitCode !== null)
          throw new Error(
            `hardhat node did not start: ${readFileSync(path.join(tmp, "node.log"), "utf8").slice(-500)}`,
          );
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    writeFileSync(input, JSON.stringify(digits.xs[0]));
    const other = digits.xs.findIndex((_, i) => digits.labels[i] !== digits.labels[0]);
    writeFileSync(otherInput, JSON.stringify(digits.xs[other]));
    const c = json(assay("--json", "model", "compile", ONNX, "--calib", CALIB));
    circuitId = c.circuitId;
    ptauId = c.ptauId;
  });

  after(async () => {
    node?.kill();
    provider?.destroy();
    await releaseCurve();
    rmSync(tmp, { recursive: true, force: true });
  });

  it("--help explains each chain command and how the chain is chosen", () => {
    const r = assay("--help");
    expect(r.code).to.equal(0);
    for (const c of ["deploy", "stake", "submit", "infer", "audit"])
      expect(r.out).to.match(new RegExp(`^\\s+${c}\\b`, "m"));
    const a = assay("audit", "--help");
    expect(a.out).to.contain("--rpc <url>").and.contain("--input <file>").and.contain("the embedded Hardhat network");
    expect(assay("model", "register", "--help").out).to.contain("--levels <list>");
  });

  it("the embedded network deploys but records nothing, and later commands say why they cannot use it", () => {
    const d = json(assay("--json", "deploy"));
    expect(d).to.include({ chainId: "31337", ephemeral: true, file: null });
    const r = assay("stake", "1");
    expect(r.code).to.equal(1);
    expect(errorLine(r)).to.equal(
      "assay: the embedded network starts empty in every process, so it has no deployment: " +
        "run against a persistent chain with --rpc <url> (e.g. `npx hardhat node`)",
    );
  });

  it("deploy with a local key (--key-file): the key's account deploys and is admin", () => {
    // Hardhat's well-known development account #2, as a key file a real deployment would use.
    const keyFile = path.join(tmp, "deployer.key");
    writeFileSync(keyFile, "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a\n", { mode: 0o600 });
    const d = json(assay("--json", "deploy", "--key-file", keyFile));
    expect(d.deployer).to.equal("0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC");
    expect(d.params.treasury).to.equal(d.deployer);
  });

  it("deploy records the deployment for the chain; a second deploy needs --force", () => {
    const d = json(assay("--json", "deploy", ...rpc));
    expect(d.chainId).to.equal("31337");
    expect(d.file).to.equal(path.join(stateDir, "deployment-31337.json"));
    const onDisk = JSON.parse(readFileSync(d.file, "utf8"));
    expect(onDisk).to.include({ format: "assay.deployment", protocol: d.protocol, verifier: d.verifier });
    protocolAddress = d.protocol;
    const again = assay("deploy", ...rpc);
    expect(again.code).to.equal(1);
    expect(errorLine(again))
      .to.contain(`chain 31337 already has a deployment (protocol ${d.protocol}`)
      .and.contain("pass --force");
  });

  it("model register prints the model id; another account's family is refused by its custom error", () => {
    const r = json(assay("--json", "model", "register", circuitId, "--ptau-id", ptauId, "--family", "digits", ...rpc));
    modelId = r.modelId;
    expect(r).to.include({ version: 1, circuitId, ptauId });
    expect(r.levels).to.deep.equal(["Signed", "Proven"]);
    const other = assay(
      "model",
      "register",
      circuitId,
      "--ptau-id",
      ptauId,
      "--family",
      "digits",
      "--family-owner",
      "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
      "--account",
      "1",
      ...rpc,
    );
    expect(other.code).to.equal(1);
    expect(errorLine(other)).to.match(
      new RegExp(
        "^assay: model register reverted: ModelRegistryNotFamilyOwner\\(family=0x[0-9a-f]{64}, " +
          "caller=0x70997970C51812dc3A010C7d01b50e0d17dc79C8, owner=0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266\\)$",
      ),
    );
    const noImage = assay(
      "model",
      "register",
      circuitId,
      "--ptau-id",
      ptauId,
      "--family",
      "x",
      "--levels",
      "signed,attested",
      ...rpc,
    );
    expect(errorLine(noImage)).to.equal(
      "assay: --levels attested needs at least one --image <measurement> approved for it",
    );
    const badLevel = assay("model", "register", circuitId, "--family", "x", "--levels", "signed,maybe", ...rpc);
    expect(errorLine(badLevel)).to.equal('assay: --levels: unknown level "maybe" (levels: signed, attested, proven)');
  });

  it("stake: zero is refused by the contract, 2 ETH makes the account a signer", () => {
    const zero = assay("stake", "0", ...rpc);
    expect(zero.code).to.equal(1);
    expect(errorLine(zero)).to.equal("assay: stake reverted: OperatorStakingZeroAmount()");
    const s = json(assay("--json", "stake", "2eth", ...rpc));
    expect(s).to.include({
      operator: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
      staked: true,
      active: "2000000000000000000",
    });
  });

  let provenClaim: string;
  let provenSalt: string;
  let signedClaim: string;

  it("prove --claim-for + submit records a Proven claim; one proof cannot be sent twice or by another", () => {
    const pf = path.join(tmp, "claim-proof.json");
    const p = assay(
      "prove",
      circuitId,
      "--ptau-id",
      ptauId,
      "--input",
      input,
      "--claim-for",
      modelId,
      "--out",
      pf,
      "--salt",
      "777",
      ...rpc,
    );
    expect(p.code, p.err).to.equal(0);
    const file = JSON.parse(readFileSync(pf, "utf8"));
    expect(file.claim).to.include({
      chainId: "31337",
      hub: protocolAddress,
      modelId,
      submitter: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
    });
    const byOther = assay("submit", pf, "--account", "1", ...rpc);
    expect(byOther.code).to.equal(1);
    expect(errorLine(byOther)).to.contain(
      "is bound to submitter 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266; " +
        "0x70997970C51812dc3A010C7d01b50e0d17dc79C8 cannot submit it",
    );
    const s = json(assay("--json", "submit", pf, ...rpc));
    expect(s).to.include({ claimId: file.claim.claimId, level: "Proven", label: digits.labels[0] });
    // The key the chain registered for the claim's model verifies the proof file, without local keys.
    const v = json(assay("--json", "verify", pf, "--from-chain", ...rpc));
    expect(v).to.include({ valid: true, circuitId });
    expect(v.key).to.match(new RegExp(`^key 0x[0-9a-f]{64} registered for model ${modelId} on chain 31337$`));
    const twice = assay("submit", pf, ...rpc);
    expect(errorLine(twice)).to.equal(
      `assay: submitProven reverted: ReceiptHubAlreadyProven(claimId=${file.claim.claimId})`,
    );
  });

  it("submit --model --input proves and submits in one step; audit with the input and salt passes every check", () => {
    const s = json(assay("--json", "submit", "--model", modelId, "--input", input, "--salt", "4242", ...rpc));
    expect(s.level).to.equal("Proven");
    provenClaim = s.claimId;
    provenSalt = s.salt;
    expect(provenSalt).to.equal("4242");
    const a = assay("audit", provenClaim, "--input", input, "--salt", provenSalt, ...rpc);
    expect(a.code, a.out + a.err).to.equal(0);
    for (const check of [
      "recorded",
      "claim-fields",
      "model",
      "verifying-key",
      "setup",
      "input-commitment",
      "output",
      "proof",
      "finality",
    ]) {
      expect(a.out).to.match(new RegExp(`^  ✓ ${check}\\s`, "m"));
    }
    expect(a.out).to.match(/^PASS: 9 passed, 0 failed, 0 skipped$/m);
    const j = json(assay("--json", "audit", provenClaim, ...rpc));
    expect(j).to.include({ claimId: provenClaim, level: "Proven", ok: true });
    expect(j.checks.find((c: { id: string }) => c.id === "input-commitment").status).to.equal("skip");
  });

  it("audit with a different input, or the right input with a wrong salt, fails the specific checks", () => {
    const a = assay("audit", provenClaim, "--input", otherInput, "--salt", provenSalt, ...rpc);
    expect(a.code).to.equal(1);
    expect(a.out)
      .to.match(/^ {2}✗ input-commitment\s/m)
      .and.match(/^ {2}✗ output\s/m)
      .and.match(/^ {2}✓ proof\s/m);
    expect(errorLine(a)).to.equal(`assay: audit of claim ${provenClaim} failed: input-commitment, output`);
    const salt = assay("audit", provenClaim, "--input", input, "--salt", "4243", ...rpc);
    expect(salt.code).to.equal(1);
    expect(errorLine(salt)).to.equal(`assay: audit of claim ${provenClaim} failed: input-commitment`);
    const noSalt = assay("audit", provenClaim, "--input", input, ...rpc);
    expect(errorLine(noSalt)).to.equal(
      "assay: the input commitment is salted: give the input and its salt together (--input f.json --salt n)",
    );
  });

  it("a tampered proof is rejected on chain by its custom error", () => {
    const pf = path.join(tmp, "tampered.json");
    expect(
      assay("prove", circuitId, "--ptau-id", ptauId, "--input", input, "--claim-for", modelId, "--out", pf, ...rpc)
        .code,
    ).to.equal(0);
    const file = JSON.parse(readFileSync(pf, "utf8"));
    file.proof.pi_a = file.proof.pi_c; // a valid curve point, the wrong one
    writeFileSync(pf, JSON.stringify(file));
    const r = assay("submit", pf, ...rpc);
    expect(r.code).to.equal(1);
    const keyId = json(assay("--json", "audit", provenClaim, ...rpc))
      .checks.find((c: { id: string }) => c.id === "verifying-key")
      .detail.slice(0, 66);
    expect(errorLine(r)).to.equal(
      `assay: submitProven reverted: ReceiptHubProofRejected(claimId=${file.claim.claimId}, keyId=${keyId})`,
    );
  });

  it("wrong chain, unknown claim and unknown model: one line each, exit 1", () => {
    const foreign = path.join(tmp, "foreign");
    mkdirSync(foreign);
    const d = JSON.parse(readFileSync(path.join(stateDir, "deployment-31337.json"), "utf8"));
    writeFileSync(path.join(foreign, "deployment-31337.json"), JSON.stringify({ ...d, chainId: "11155111" }));
    let r = assay("audit", provenClaim, "--state-dir", foreign, ...rpc);
    expect(r.code).to.equal(1);
    expect(errorLine(r)).to.equal(
      `assay: wrong chain: ${path.join(foreign, "deployment-31337.json")} is a deployment on chain 11155111, ` +
        "the connected chain is 31337",
    );
    r = assay("stake", "1", "--state-dir", path.join(tmp, "empty"), ...rpc);
    expect(errorLine(r)).to.match(
      /^assay: no deployment for chain 31337 \(.*deployment-31337\.json not found\): run `assay deploy`/,
    );
    const unknown = `0x${"ab".repeat(32)}`;
    r = assay("audit", unknown, ...rpc);
    expect(r.code).to.equal(1);
    expect(errorLine(r)).to.equal(
      `assay: unknown claim ${unknown}: the hub ${protocolAddress} on chain 31337 has no record or event of it ` +
        "(a batched claim is recorded once imported from its root)",
    );
    r = assay("audit", "0x1234", ...rpc);
    expect(errorLine(r)).to.equal('assay: <claimId> must be 32 bytes of 0x-prefixed hex, got "0x1234"');
    const noModel = `0x${"01".repeat(32)}`;
    r = assay("submit", "--model", noModel, "--input", input, ...rpc);
    expect(errorLine(r)).to.equal(`assay: model ${noModel} is not registered on chain 31337`);
    r = assay("audit", provenClaim, "--protocol", "0x000000000000000000000000000000000000dEaD", ...rpc);
    expect(errorLine(r)).to.equal(
      "assay: no contract at protocol address 0x000000000000000000000000000000000000dEaD on chain 31337",
    );
  });

  it("infer routes by value at risk: Signed for small, Proven for large; an unstaked account cannot sign", () => {
    const small = json(assay("--json", "infer", modelId, "--input", input, "--value", "1000", ...rpc));
    signedClaim = small.claimId;
    expect(small).to.include({ level: "Signed", status: "recorded" });
    expect(small.onChain).to.deep.equal({ level: "Signed", final: false });
    const a = assay("audit", small.claimId, "--input", input, "--salt", small.salt, ...rpc);
    expect(a.code, a.out + a.err).to.equal(0);
    expect(a.out).to.match(
      new RegExp(
        "^ {2}✓ signature\\s+signature in tx 0x[0-9a-f]{64} recovers to " +
          "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266, the recorded operator$",
        "m",
      ),
    );
    expect(a.out)
      .to.match(/^ {2}✓ signer-staked\s/m)
      .and.match(/^ {2}– proof\s/m)
      .and.match(/^ {2}· finality\s+not final: open to challenges until/m);
    const big = json(assay("--json", "infer", modelId, "--input", input, "--value", "1000000000000000000000", ...rpc));
    expect(big).to.include({ level: "Proven", status: "proven" });
    expect(big.onChain).to.deep.equal({ level: "Proven", final: true });
    const asked = json(
      assay("--json", "infer", modelId, "--input", input, "--value", "1", "--level", "proven", ...rpc),
    );
    expect(asked.level).to.equal("Proven");
    // Unstaked, the account cannot sign: auto routing moves up to Proven, asking for Signed fails.
    const up = json(assay("--json", "infer", modelId, "--input", input, "--value", "1000", "--account", "3", ...rpc));
    expect(up.level).to.equal("Proven");
    const unstaked = assay(
      "infer",
      modelId,
      "--input",
      input,
      "--value",
      "1000",
      "--level",
      "signed",
      "--account",
      "3",
      ...rpc,
    );
    expect(unstaked.code).to.equal(1);
    expect(errorLine(unstaked)).to.equal(
      `assay: level Signed is not available for model ${modelId}: ` +
        "the operator 0x90F79bf6EB2c4f870365E785982E1f101E93b906 is not staked",
    );
  });

  it("audit re-checks Attested claims (and attestations), batched ones from other tools, revocations", async () => {
    const admin = (await provider.getSigner(0)) as Signer;
    const hub = new Contract(protocolAddress, ABI("AssayProtocol", "protocol"), admin);
    // A development enclave's attestation document binding a fresh signing key to an image.
    const ca = createDevCa();
    const nsm = DevSecurityModule.create(ca);
    const enclave = Wallet.createRandom();
    const pcrs = { 0: new Uint8Array(48).fill(1), 1: new Uint8Array(48).fill(2), 2: new Uint8Array(48).fill(3) };
    const doc = nsm.createAttestationDocument({ pcrs, userData: signerUserData(enclave.address) });
    const docFile = path.join(tmp, "enclave.cose");
    writeFileSync(docFile, doc);
    const rootFile = path.join(tmp, "dev-root.der");
    writeFileSync(rootFile, ca.root.der);
    const image = imageMeasurementId(pcrs);
    const reg = json(
      assay(
        "--json",
        "model",
        "register",
        circuitId,
        "--ptau-id",
        ptauId,
        "--family",
        "digits-enclave",
        "--levels",
        "signed,attested",
        "--image",
        image,
        ...rpc,
      ),
    );
    await (await hub.grantRole(await hub.ATTESTATION_VERIFIER_ROLE(), await admin.getAddress())).wait();
    const now = (await provider.getBlock("latest"))!.timestamp;
    // The admin registers the key as the attestation-verifier role and backs it itself (no signature).
    const operator = await admin.getAddress();
    await (await hub.registerEnclaveKey(enclave.address, image, keccak256(doc), now + 3600, operator, "0x")).wait();
    const model = await openModel(circuitId, ptauId);
    const inf = await infer(model, digits.xs[0], { salt: 99n });
    const claim: Claim = {
      modelId: reg.modelId,
      inputCommitment: inf.inputCommitment,
      output: inf.output,
      requestId: id("attested"),
      deadline: BigInt(now + 3600),
    };
    const claimId = claimIdOf(claim, 31337n, protocolAddress);
    const keyId = verifyingKeyId(model.vkey!);
    const s = compactSignature(await signAttestedClaim(enclave, claimId, keyId, 31337n, protocolAddress));
    await (await hub.submitAttested(claim, keyId, s.r, s.vs)).wait();
    let a = assay(
      "audit",
      claimId,
      "--input",
      input,
      "--salt",
      "99",
      "--attestation",
      docFile,
      "--attestation-root",
      rootFile,
      ...rpc,
    );
    expect(a.code, a.out + a.err).to.equal(0);
    for (const check of [
      "attested-signature",
      "enclave-key",
      "attestation",
      "enclave-image",
      "input-commitment",
      "output",
    ])
      expect(a.out).to.match(new RegExp(`^  ✓ ${check}\\s`, "m"));
    expect(a.out).to.contain(`binds ${enclave.address} (user_data)`);
    // Without the document the check is skipped; against the AWS root it fails.
    expect(assay("audit", claimId, ...rpc).out).to.match(/^ {2}– attestation\s+document 0x[0-9a-f]{8}… not given/m);
    a = assay("audit", claimId, "--attestation", tmp, ...rpc);
    expect(a.code).to.equal(1);
    expect(a.out).to.match(/^ {2}✗ attestation\s+.*enclave\.cose does not verify: .*\(root: AWS Nitro root G1\)$/m);
    expect(errorLine(a)).to.equal(`assay: audit of claim ${claimId} failed: attestation`);

    // A batch of two claims posted by the staked operator; one imported.
    const batched = [0, 1].map((i): Claim => ({ ...claim, modelId, requestId: id(`batched ${i}`) }));
    const ids = batched.map((c) => claimIdOf(c, 31337n, protocolAddress));
    const tree = BatchTree.fromClaimIds(ids);
    await (await hub.postBatch(tree.root, 2)).wait();
    await (await hub.importBatchedClaim(operator, tree.root, batched[1], tree.proof(1))).wait();
    a = assay("audit", ids[1], ...rpc);
    expect(a.code, a.out + a.err).to.equal(0);
    expect(a.out)
      .to.match(/^ {2}✓ batch-membership\s+Merkle proof from tx 0x[0-9a-f]{64} places the claim under root/m)
      .and.match(/^ {2}✓ signer-staked\s/m);

    await (await hub.revokeImage(image)).wait();
    a = assay("audit", claimId, ...rpc);
    expect(a.code).to.equal(1);
    expect(a.out).to.match(/^ {2}✗ enclave-image\s+image 0x[0-9a-f]{8}… is approved for the model and was REVOKED at/m);
    // Revoking the image revoked its keys too.
    expect(errorLine(a)).to.equal(`assay: audit of claim ${claimId} failed: enclave-key, enclave-image`);
  });

  it("challenge, --resolve, credit, unstake: an unanswered challenge slashes the backer", async () => {
    const backer = ["--account", "4"];
    const challenger = ["--account", "1"];
    expect(json(assay("--json", "stake", "2eth", ...backer, ...rpc)).active).to.equal("2000000000000000000");
    const signed = json(assay("--json", "infer", modelId, "--input", input, "--value", "1gwei", ...backer, ...rpc));
    expect(signed).to.include({ level: "Signed", status: "recorded" });
    const c = json(assay("--json", "challenge", signed.claimId, ...challenger, ...rpc));
    expect(c).to.include({ claimId: signed.claimId, bond: "100000000000000000" });
    expect(c.challenger).to.equal("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
    // Refused before a commitment is paid for: a claim already challenged, a Proven claim, an unknown one.
    expect(errorLine(assay("challenge", signed.claimId, "--account", "2", ...rpc))).to.equal(
      `assay: claim ${signed.claimId} is already challenged by ${c.challenger} ` +
        `(response deadline ${new Date(c.responseDeadline * 1000).toISOString()})`,
    );
    expect(errorLine(assay("challenge", provenClaim, ...challenger, ...rpc))).to.equal(
      `assay: claim ${provenClaim} is Proven: a proof settled it, nothing to challenge`,
    );
    expect(errorLine(assay("challenge", signed.claimId, "--resolve", ...rpc))).to.equal(
      `assay: resolveTimeout reverted: DisputeResponsePending(claimId=${signed.claimId}, ` +
        `responseDeadline=${c.responseDeadline})`,
    );
    // Unbonding starts at once; the stake cannot leave while the dispute is open (nor before the delay).
    const u = json(assay("--json", "unstake", "1eth", ...backer, ...rpc));
    expect(u).to.include({ active: "1000000000000000000", unbonding: "1000000000000000000", openDisputes: 1 });
    expect(errorLine(assay("unstake", "--withdraw", ...backer, ...rpc))).to.match(
      /^assay: withdrawStake reverted: OperatorStaking(DisputesOpen|UnbondingNotReady)\(operator=0x15d34AAf/,
    );
    expect(errorLine(assay("unstake", ...backer, ...rpc))).to.equal(
      "assay: give the amount to unbond (assay unstake 1eth), or --withdraw for unbonded stake",
    );
    const both = await runUnstake(10n ** 18n, { withdraw: true }).then(
      () => "no error",
      (e: Error) => e.message,
    );
    expect(both).to.equal("--withdraw takes no amount: it sends everything that finished unbonding");
    await provider.send("evm_increaseTime", [3601]);
    await provider.send("evm_mine", []);
    const r = json(assay("--json", "challenge", signed.claimId, "--resolve", "--account", "2", ...rpc));
    expect(r).to.include({ refuted: true, challenger: c.challenger, slashed: "1000000000000000000" });
    expect(r.backer).to.equal("0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65");
    const before = json(assay("--json", "credit", ...challenger, ...rpc)).credit;
    expect(BigInt(before) > BigInt(c.bond), "the bond back and a share of the slash").to.equal(true);
    const w = json(assay("--json", "credit", "--withdraw", ...challenger, ...rpc));
    expect(w).to.include({ withdrawn: before, credit: "0" });
    expect(errorLine(assay("credit", "--withdraw", ...challenger, ...rpc))).to.equal(
      `assay: withdrawCredit reverted: OperatorStakingNoCredit(account=${c.challenger})`,
    );
    // A refuted claim, one whose window closed (an hour passed), an unknown one: refused before the commitment.
    expect(errorLine(assay("challenge", signed.claimId, ...challenger, ...rpc))).to.equal(
      `assay: claim ${signed.claimId} is already refuted`,
    );
    expect(errorLine(assay("challenge", signedClaim, ...challenger, ...rpc))).to.match(
      new RegExp(`^assay: the challenge window of claim ${signedClaim} closed at \\d{4}-\\d\\d-\\d\\dT`),
    );
    const unknown = `0x${"cd".repeat(32)}`;
    expect(errorLine(assay("challenge", unknown, ...challenger, ...rpc))).to.equal(
      `assay: unknown claim ${unknown}: the hub ${protocolAddress} on chain 31337 has no record of it ` +
        "(a batched claim is recorded once imported from its root)",
    );
    // Slashing took the active stake first; the unbonding stake leaves after the delay.
    await provider.send("evm_increaseTime", [14_400]);
    await provider.send("evm_mine", []);
    const out = json(assay("--json", "unstake", "--withdraw", ...backer, ...rpc));
    expect(out).to.include({ withdrawn: "1000000000000000000", active: "0", unbonding: "0", staked: false });
  });
});
