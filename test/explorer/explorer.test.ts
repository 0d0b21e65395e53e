// The explorer against a real node on the embedded chain, with claims at every level: Signed
// (submitted, and imported from a batch), Attested, Proven, one batched claim never imported, and
// a Signed claim refuted by an unanswered challenge (its operator slashed). Pages are checked in
// Chromium: every page kind opens, each claim's checks are exactly those `assay audit` reports
// for it (status and detail, in order), nothing is loaded from elsewhere, and a screenshot of each
// page is written to a temporary directory. `assay explorer` serves the same pages from the node's
// JSON-RPC.
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { type Contract, formatEther } from "ethers";
import type { FastifyInstance } from "fastify";
import { network } from "hardhat";
import type { Page } from "playwright-core";
import { type AuditCheck, type AuditReport, auditClaim } from "../../prover/audit/index.js";
import { openChallenge } from "../../prover/chain/disputes.js";
import { attach } from "../../prover/chain/protocol-client.js";
import { CONTENT_SECURITY_POLICY } from "../../prover/explorer/routes.js";
import { nodeExplorer } from "../../prover/explorer/node-explorer.js";
import type { InferenceService } from "../../prover/node/inference-service.js";
import { startServer } from "../../prover/node/server.js";
import { releaseCurve } from "../../prover/zk/groth16.js";
import { launchChromium, requireChromium, type TestBrowser } from "../helpers/browser.js";
import { type AssayProcess, type CliRun, runAssayAsync, startAssay, stopAssay } from "../helpers/cli.js";
import { chainBridge } from "../node/fixtures/chain-bridge.js";
import { digits, type TestNode, testNode } from "../node/fixtures/node.js";

const connection = await network.create();
const { ethers, networkHelpers } = connection;

type Kind = "signed" | "batched" | "attested" | "proven" | "refuted";

describe("explorer: the auditors' pages on a node", function () {
  this.timeout(120_000);
  let node: TestNode;
  let service: InferenceService;
  let app: FastifyInstance;
  let url: string;
  let unimported: string;
  const ids = {} as Record<Kind, string>;
  const audits = {} as Record<Kind, AuditReport>;
  const shots = mkdtempSync(path.join(os.tmpdir(), "assay-explorer-shots-"));

  /** Claims at every level; the last one's challenge goes unanswered (its operator is slashed). */
  async function makeClaims(): Promise<void> {
    const xs = digits().xs;
    const direct = await node.service({ config: { batch: null }, watchChallenges: false });
    ids.signed = (await direct.infer({ model: "digits", input: xs[0], valueAtRisk: 1 })).claimId;
    ids.refuted = (await direct.infer({ model: "digits", input: xs[1], valueAtRisk: 1 })).claimId;
    ids.attested = (await direct.infer({ model: "digits", input: xs[2], valueAtRisk: 1, level: "attested" })).claimId;
    ids.proven = (await direct.infer({ model: "digits", input: xs[3], valueAtRisk: 1, level: "proven" })).claimId;
    await direct.idle();
    await direct.close();
    service = await node.service({
      config: { batch: { size: 2, intervalMs: 3_600_000 } },
      watchChallenges: false,
      runProofJobs: false,
    });
    ids.batched = (await service.infer({ model: "digits", input: xs[4], valueAtRisk: 1 })).claimId;
    unimported = (await service.infer({ model: "digits", input: xs[5], valueAtRisk: 1 })).claimId;
    await service.flushBatch();
    const v = await service.claim(ids.batched);
    await (
      await node.hub.importBatchedClaim(node.operator.address, v.batch!.root, { ...v.claim }, v.batch!.proof)
    ).wait();
    const challenger = (await ethers.getSigners())[7];
    await openChallenge(node.hub.connect(challenger) as Contract, ids.refuted);
    await networkHelpers.time.increase(2 * 3600);
    await (await node.hub.resolveTimeout(ids.refuted)).wait();
  }

  before(async () => {
    node = await testNode(ethers);
    await makeClaims();
    const { verifier } = await attach(ethers, node.deployment);
    const ctx = { provider: ethers.provider, chainId: 31337n, protocol: node.hub, verifier, fromBlock: 0 };
    for (const kind of Object.keys(ids) as Kind[]) audits[kind] = await auditClaim(ctx, ids[kind]);
    const ui = await nodeExplorer({ ethers, deployment: node.deployment, records: service, chainLabel: "embedded" });
    ({ app, url } = await startServer({ service, rpc: connection.provider, logLevel: "silent", ui }));
  });
  after(async () => {
    await app?.close();
    await node?.stop();
    await releaseCurve();
    if (readdirSync(shots).length > 0) process.stderr.write(`      explorer screenshots: ${shots}\n`);
  });

  it("the claims are what the pages must show: one at each level, one refuted, one only in its batch", () => {
    const levels = Object.fromEntries(Object.entries(audits).map(([k, r]) => [k, [r.level, r.ok]]));
    expect(levels).to.deep.equal({
      signed: ["Signed", true],
      refuted: ["None", false],
      attested: ["Attested", true],
      proven: ["Proven", true],
      batched: ["Signed", true],
    });
  });

  it("pages carry a policy that loads nothing and runs no script; bad ids are refused, escaped", async () => {
    const res = await fetch(`${url}/ui/models`);
    expect([res.status, res.headers.get("content-security-policy")]).to.deep.equal([200, CONTENT_SECURITY_POLICY]);
    expect(res.headers.get("content-type")).to.equal("text/html; charset=utf-8");
    const bad = await fetch(`${url}/ui/claims?id=${encodeURIComponent('<img src=x onerror="alert(1)">')}`);
    const text = await bad.text();
    expect(bad.status).to.equal(400);
    expect(text).to.contain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;").and.not.contain("<img");
    const unknown = await fetch(`${url}/ui/claims/0x${"ab".repeat(32)}`);
    expect(unknown.status).to.equal(404);
    expect(await unknown.text()).to.contain(`unknown claim 0x${"ab".repeat(32)}`);
    // A page from another origin that rebinds a name to this address sends its own Host header.
    const foreignHost = await app.inject({ url: "/ui/operators", headers: { host: "attacker.example" } });
    expect(foreignHost.statusCode).to.equal(403);
  });

  describe("in Chromium", () => {
    let browser: TestBrowser;
    let page: Page;
    const shot = async (name: string) => {
      writeFileSync(path.join(shots, `${name}.png`), await page.screenshot({ fullPage: true }));
    };
    before(async function () {
      requireChromium(this);
      browser = await launchChromium(url);
      page = await browser.context.newPage();
    });
    after(async () => {
      await browser?.close();
    });

    it("the claims page lists each claim under the level it stands at, and the node's records", async () => {
      await page.goto(`${url}/ui`);
      const rows = await page.$$eval("section.level-group tr[data-claim]", (trs) =>
        trs.map((tr) => [tr.closest("section")!.getAttribute("data-level"), tr.getAttribute("data-claim")]),
      );
      const sectionOf = new Map(rows.map(([level, id]) => [id!.toLowerCase(), level]));
      for (const kind of Object.keys(ids) as Kind[])
        expect([kind, sectionOf.get(ids[kind].toLowerCase())]).to.deep.equal([kind, audits[kind].level]);
      expect(sectionOf.has(unimported.toLowerCase())).to.equal(false);
      const records = await page.$$eval("tr[data-record]", (trs) => trs.map((tr) => tr.getAttribute("data-record")));
      expect(records).to.include(unimported).and.include(ids.batched);
      await shot("claims");
    });

    for (const kind of ["proven", "attested", "signed", "batched", "refuted"] as Kind[]) {
      it(`the ${kind} claim's page shows the checks of assay audit, in order, with their evidence`, async () => {
        await page.goto(`${url}/ui/claims/${ids[kind]}`);
        const rendered = await renderedChecks(page);
        expect(rendered).to.deep.equal(audits[kind].checks.map((c) => [c.id, c.status, c.detail]));
        const verdict = await page.getAttribute("[data-verdict]", "data-verdict");
        expect(verdict).to.equal(audits[kind].ok ? "PASS" : "FAIL");
        await expectEvidence(page, kind, audits[kind]);
        await shot(`claim-${kind}`);
      });
    }

    it("a batched claim the hub never imported shows the node's batch path, accepted by the hub", async () => {
      await page.goto(`${url}/ui/claims/${unimported}`);
      expect(await renderedChecks(page)).to.have.length(1);
      const [[id, status, detail]] = await renderedChecks(page);
      expect([id, status]).to.deep.equal(["batch-path", "pass"]);
      expect(detail).to.match(/checkBatchedClaim places the claim under root 0x[0-9a-f]{64}/);
      const record = await service.claim(unimported);
      const merkle = await page.$$eval("dd ol.words li", (lis) => lis.map((li) => li.textContent));
      expect(merkle).to.deep.equal(record.batch!.proof);
      await shot("claim-unimported");
    });

    it("the models page shows the version, its key and its development setup", async () => {
      await page.goto(`${url}/ui/models`);
      const modelId = node.served[0].modelId;
      const card = page.locator(`[data-model="${modelId}"]`);
      const version = await node.hub.modelVersion(modelId);
      expect(await card.textContent())
        .to.contain(version.verifyingKeyId)
        .and.contain("development ceremony");
      expect(await card.textContent()).to.contain("served here as digits");
      await shot("models");
    });

    it("the operators page shows the stake, the slash and the timed-out dispute", async () => {
      await page.goto(`${url}/ui/operators`);
      const card = page.locator(`[data-operator="${node.operator.address}"]`);
      const text = (await card.textContent())!;
      const account = await node.hub.operatorAccount(node.operator.address);
      expect(text)
        .to.contain(`${formatEther(account.active)} ETH`)
        .and.contain("1.0 ETH");
      const dispute = card.locator(`[data-dispute="${ids.refuted}"]`);
      expect(await dispute.getAttribute("data-outcome")).to.equal("timed out");
      await shot("operators");
      await page.goto(`${url}/ui/nothing-here`);
      expect(await page.textContent("[data-error]")).to.equal("no page /ui/nothing-here");
      await shot("not-found");
      expect(browser.foreign).to.deep.equal([]);
    });
  });

  describe("assay explorer and assay audit, from the node's JSON-RPC", () => {
    let explorer: AssayProcess | undefined;
    after(async () => {
      if (explorer) await stopAssay(explorer.child);
    });

    it("`assay audit --json` reports the checks the page renders; `assay explorer` serves the same page", async () => {
      const protocol = ["--protocol", node.deployment.protocol];
      // audit connects with an account (the chain's own, through the bridge); the explorer needs
      // none, so the node's read-only /rpc does.
      const bridge = await chainBridge(ethers);
      let audit: CliRun;
      try {
        [audit, explorer] = await Promise.all([
          runAssayAsync(process.env, ["--json", "audit", ids.proven, "--rpc", bridge.url, ...protocol]),
          startAssay(["explorer", "--rpc", `${url}/rpc`, ...protocol, "--port", "0"], /^(http:\/\/\S+)$/m),
        ]);
      } finally {
        await bridge.close();
      }
      const started = explorer;
      expect(audit.code, audit.err).to.equal(0);
      const report = JSON.parse(audit.out) as AuditReport;
      expect(report.checks).to.deep.equal(audits.proven.checks);
      const html = await (await fetch(`${started.match[1]}/claims/${ids.proven}`)).text();
      const own = await (await fetch(`${url}/ui/claims/${ids.proven}`)).text();
      expect(checkAttributes(html)).to.deep.equal(report.checks.map((c: AuditCheck) => [c.id, c.status]));
      expect(checkAttributes(html)).to.deep.equal(checkAttributes(own));
    });
  });
});

/** [id, status, detail text] of each rendered check, in page order. */
function renderedChecks(page: Page): Promise<string[][]> {
  return page.$$eval("li.check", (lis) =>
    lis.map((li) => [
      li.getAttribute("data-check")!,
      li.getAttribute("data-status")!,
      li.querySelector(".detail")!.textContent!,
    ]),
  );
}

/** [id, status] of each check in a page's HTML. */
function checkAttributes(html: string): string[][] {
  return [...html.matchAll(/data-check="([^"]+)" data-status="([^"]+)"/g)].map((m) => [m[1], m[2]]);
}

/** The evidence under the checks that carry the claim's decisive records. */
async function expectEvidence(page: Page, kind: Kind, report: AuditReport): Promise<void> {
  const evidence = async (id: string) =>
    (await page.locator(`li[data-check="${id}"] .evidence`).first().textContent())!;
  expect(await evidence("claim-fields"))
    .to.contain(report.claim!.inputCommitment)
    .and.contain(report.claim!.requestId);
  expect(await evidence("setup")).to.match(/powers of tau sha256\s*0x[0-9a-f]{64}/);
  if (kind === "proven")
    expect(await evidence("proof"))
      .to.contain("proof (calldata words)")
      .and.contain(report.claim!.output);
  if (kind === "attested")
    expect(await evidence("enclave-key")).to.match(/attestation document keccak256\s*0x[0-9a-f]{64}/);
  if (kind === "batched") expect(await evidence("batch-membership")).to.contain("Merkle path");
}
