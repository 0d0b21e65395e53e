// A claim's page: the audit's verdict and checklist (each check green, red, grey or blue, its
// detail exactly as `assay audit` prints it, and the evidence it read), the node's record when
// the explorer runs on the node that made the claim, and the claim's events.
import type { AuditCheck } from "../audit/index.js";
import { describeLabels } from "../engine/evaluate.js";
import type { ClaimPageData } from "./claim-data.js";
import { type EvidenceRow, evidenceOf } from "./claim-evidence.js";
import { address, detailMarkup, hash, type Links, levelBadge, modelLink, time } from "./format.js";
import { type Html, html } from "./html.js";

const MARK: Record<AuditCheck["status"], string> = { pass: "✓", fail: "✗", skip: "–", info: "·" };

function evidence(rows: EvidenceRow[]): Html | string {
  if (rows.length === 0) return "";
  return html`<dl class="ev">
    ${rows.map(
      ([k, v]) =>
        html`<dt>${k}</dt>
          <dd>${v}</dd>`,
    )}
  </dl>`;
}

function checkItem(links: Links, c: AuditCheck, rows: EvidenceRow[]): Html {
  return html`<li class="check ${c.status}" data-check="${c.id}" data-status="${c.status}">
    <span class="mark" title="${c.status}">${MARK[c.status]}</span><span class="id">${c.id}</span>
    <span class="detail">${detailMarkup(links, c.detail)}</span>
    <div class="evidence">${evidence(rows)}</div>
  </li>`;
}

function verdict(d: ClaimPageData): Html {
  const r = d.report!;
  const n = (s: AuditCheck["status"]) => r.checks.filter((c) => c.status === s).length;
  return html`<p>
    <span class="verdict ${r.ok ? "pass" : "fail"}" data-verdict="${r.ok ? "PASS" : "FAIL"}"
      >${r.ok ? "PASS" : "FAIL"}</span
    >
    <span class="muted"
      >${n("pass")} passed, ${n("fail")} failed, ${n("skip")} skipped, ${n("info")} for information · chain ${r.chainId}
      · hub <code>${r.hub}</code></span
    >
  </p>`;
}

function auditSection(links: Links, d: ClaimPageData): Html {
  const rows = evidenceOf(d, links);
  return html`${verdict(d)}
    <h2>Checks</h2>
    <p class="sub">What <code>assay audit</code> runs for this claim, each with the evidence it read.</p>
    <ul class="checks">
      ${d.report!.checks.map((c, i) => checkItem(links, c, rows[i]))}
    </ul>`;
}

function recordSection(links: Links, d: ClaimPageData): Html {
  const r = d.record!;
  const rows: EvidenceRow[] = [
    ["level, status", html`${levelBadge(r.level)} <span class="pill">${r.status}</span>`],
    ["model", modelLink(links, r.modelId)],
    ["value at risk", r.valueAtRisk.toString()],
    ["required level", `${r.requiredLevel ?? "none"} (${r.policy.describe})`],
    ["output", describeLabels(r.output.labels, r.output.classes)],
    ["created", r.createdAt],
  ];
  if (r.signer) rows.push(["signer", address(links, r.signer)]);
  if (r.transaction) rows.push(["transaction", html`${hash(r.transaction.hash)} (block ${r.transaction.blockNumber})`]);
  if (r.batch) {
    rows.push(["batch root", html`${hash(r.batch.root)} (leaf ${r.batch.index + 1} of ${r.batch.size})`]);
    rows.push(["batch posted in tx", hash(r.batch.transaction.hash)]);
    const path = r.batch.proof.map((p) => html`<li>${hash(p)}</li>`);
    rows.push([
      "Merkle path (leaf to root)",
      html`<ol class="words">
        ${path}
      </ol>`,
    ]);
  }
  if (r.job) rows.push(["proof job", `${r.job.id}: ${r.job.state}${r.job.error ? ` (${r.job.error})` : ""}`]);
  if (r.error) rows.push(["error", r.error]);
  return html`<h2>This node's record</h2>
    <div class="card">${evidence(rows)}</div>`;
}

function batchOnly(links: Links, d: ClaimPageData): Html {
  const b = d.batchCheck;
  const status = b ? (b.ok ? "pass" : "fail") : "skip";
  const detail = b?.detail ?? "the node holds no batch path for it";
  return html`<div class="card">
      <p>
        Not on chain on its own: the hub holds the root of the batch it is in and records the claim when someone imports
        it with its Merkle path (importBatchedClaim). Until then the audit has nothing to check:
      </p>
      <p class="muted">${d.unknown}</p>
      <p>What can be checked now: the hub's own checkBatchedClaim on the path this node keeps.</p>
    </div>
    <ul class="checks">
      <li class="check ${status}" data-check="batch-path" data-status="${status}">
        <span class="mark">${MARK[status]}</span><span class="id">batch-path</span>
        <span class="detail">${detailMarkup(links, detail)}</span>
      </li>
    </ul>`;
}

function eventsSection(d: ClaimPageData): Html {
  const events = d.history?.events ?? [];
  if (events.length === 0) return html``;
  return html`<h2>Events</h2>
    <table>
      <thead>
        <tr>
          <th>event</th>
          <th>transaction</th>
          <th>block</th>
          <th>time</th>
          <th>sent by</th>
        </tr>
      </thead>
      <tbody>
        ${events.map(
          (e) =>
            html`<tr>
              <td>${e.name}</td>
              <td>${hash(e.txHash)}</td>
              <td>${e.blockNumber}</td>
              <td>${time(e.timestamp)}</td>
              <td>${hash(e.from)}</td>
            </tr>`,
        )}
      </tbody>
    </table>`;
}

/** The badge by the title: the level it stands at, or why it stands at none. */
function titleBadge(d: ClaimPageData): Html {
  if (!d.report)
    return html`<span class="level level-batch">${d.record?.batch ? "only in a batch" : "not on chain"}</span>`;
  const refuted = d.history?.events.some((e) => e.name === "ClaimRefuted" || e.name === "ChallengeTimedOut");
  return levelBadge(d.report.level === "None" && refuted ? "Refuted" : d.report.level);
}

export function claimPage(links: Links, d: ClaimPageData): Html {
  return html`<h1>Claim ${titleBadge(d)}</h1>
    <p class="sub"><code class="hash">${d.claimId}</code></p>
    ${d.report ? auditSection(links, d) : batchOnly(links, d)} ${d.record ? recordSection(links, d) : ""}
    ${eventsSection(d)}`;
}

export function errorPage(message: string, status: number): Html {
  return html`<h1>${status === 404 ? "Not found" : status === 400 ? "Bad request" : "Error"}</h1>
    <div class="card error"><p data-error>${message}</p></div>`;
}
