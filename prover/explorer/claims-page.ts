// The front page: recent claims grouped by the level they stand at now (from the hub's events in
// the last blocks), and on a node its own records, which include claims still waiting in a batch
// or a proof job and batched claims never imported (the chain holds only their root).
import type { ClaimView } from "../node/inference-service.js";
import type { ClaimSummary } from "./chain-reads.js";
import { address, claimLink, type Links, levelBadge, modelLink, shortHex, time } from "./format.js";
import { type Html, html } from "./html.js";

export interface ClaimsPageData {
  claims: ClaimSummary[];
  from: number;
  to: number;
  /** The node's newest records (absent off a node). */
  records?: ClaimView[];
}

const ORDER = ["Proven", "Attested", "Signed", "None"] as const;
const HEADING: Record<string, string> = {
  Proven: "a Groth16 proof verified on chain",
  Attested: "signed inside an attested enclave",
  Signed: "a staked operator's signature, open to challenge",
  None: "struck down by a proof or an unanswered challenge",
};

function summaryRow(links: Links, c: ClaimSummary): Html {
  const once = c.latest.txHash === c.first.txHash && c.latest.logIndex === c.first.logIndex;
  const flags = [c.batched && "from a batch", c.disputed && !c.refuted && "challenged"].filter(Boolean);
  return html`<tr data-claim="${c.claimId}" data-level="${c.level}">
    <td>${claimLink(links, c.claimId, shortHex(c.claimId))}</td>
    <td>
      ${levelBadge(c.level === "None" ? "Refuted" : c.level)}
      ${flags.map((f) => html`<span class="pill">${f as string}</span> `)}
    </td>
    <td>${c.by ? address(links, c.by, shortHex(c.by)) : "–"}</td>
    <td>${c.first.name}<br /><span class="muted">block ${c.first.blockNumber}, ${time(c.first.timestamp)}</span></td>
    <td>${once ? "–" : html`${c.latest.name}<br /><span class="muted">${time(c.latest.timestamp)}</span>`}</td>
  </tr>`;
}

function levelSection(links: Links, level: string, claims: ClaimSummary[]): Html {
  return html`<section class="level-group" data-level="${level}">
    <h2>
      ${levelBadge(level === "None" ? "Refuted" : level)} ${HEADING[level]}
      <span class="muted">(${claims.length})</span>
    </h2>
    ${
      claims.length === 0
        ? html`<p class="empty">none in the scanned blocks</p>`
        : html`<table>
            <thead>
              <tr>
                <th>claim</th>
                <th>level now</th>
                <th>recorded by</th>
                <th>first event</th>
                <th>latest event</th>
              </tr>
            </thead>
            <tbody>
              ${claims.map((c) => summaryRow(links, c))}
            </tbody>
          </table>`
    }
  </section>`;
}

function recordRow(links: Links, r: ClaimView): Html {
  const leaf = r.batch && `(leaf ${r.batch.index + 1} of ${r.batch.size})`;
  const where = r.batch
    ? html`batch root <code class="hash">${shortHex(r.batch.root)}</code> ${leaf}`
    : r.transaction
      ? html`tx <code class="hash">${shortHex(r.transaction.hash)}</code>`
      : r.job
        ? `proof job ${r.job.state}`
        : "–";
  return html`<tr data-record="${r.claimId}">
    <td>${claimLink(links, r.claimId, shortHex(r.claimId))}</td>
    <td>${levelBadge(r.level)}</td>
    <td><span class="pill">${r.status}</span></td>
    <td>${modelLink(links, r.modelId, shortHex(r.modelId))}</td>
    <td>${r.valueAtRisk.toString()}</td>
    <td>${where}</td>
    <td class="muted">${r.createdAt.replace("T", " ").replace(/\.\d+Z$/, "Z")}</td>
  </tr>`;
}

function recordsSection(links: Links, records: ClaimView[]): Html {
  return html`<section class="records">
    <h2>This node's records <span class="muted">(newest ${records.length})</span></h2>
    <p class="sub">
      What this node made, including claims waiting for a batch or a proof and batched claims the chain knows only by
      their root.
    </p>
    ${
      records.length === 0
        ? html`<p class="empty">no claims yet</p>`
        : html`<table>
            <thead>
              <tr>
                <th>claim</th>
                <th>level</th>
                <th>status</th>
                <th>model</th>
                <th>value at risk</th>
                <th>on chain as</th>
                <th>created</th>
              </tr>
            </thead>
            <tbody>
              ${records.map((r) => recordRow(links, r))}
            </tbody>
          </table>`
    }
  </section>`;
}

export function claimsPage(links: Links, d: ClaimsPageData): Html {
  const counts = ORDER.map((l) => [l, d.claims.filter((c) => c.level === l)] as const);
  return html`<h1>Recent claims</h1>
    <p class="sub">
      Claims with hub events in blocks ${d.from}–${d.to}, latest activity first, by the level they stand at now. Open
      one for its audit: the checks of <code>assay audit</code> with their evidence.
    </p>
    <div class="grid">
      ${counts.map(
        ([l, cs]) => html`<div class="stat"><b>${cs.length}</b><span>${l === "None" ? "Refuted" : l}</span></div>`,
      )}
    </div>
    ${counts.map(([l, cs]) => levelSection(links, l, [...cs]))} ${d.records ? recordsSection(links, d.records) : ""}`;
}
