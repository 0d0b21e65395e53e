// Operators: their stake now (active, unbonding, slashed), whether it reaches the minimum, their
// enclave keys, and the disputes over the claims their stake backs, with each one's outcome.
import { claimLink, eth, hash, type Links, shortHex, time } from "./format.js";
import { type Html, html } from "./html.js";
import type { DisputeRow, EnclaveKeyRow, OperatorRow, OperatorsView } from "./registry-reads.js";

const OUTCOME_PILL: Record<string, string> = { open: "", defended: "good", refuted: "bad", "timed out": "bad" };

function disputesTable(links: Links, disputes: DisputeRow[]): Html {
  if (disputes.length === 0) return html`<p class="empty">no disputes</p>`;
  return html`<table>
    <thead>
      <tr>
        <th>claim</th>
        <th>challenger</th>
        <th>bond</th>
        <th>challenged</th>
        <th>outcome</th>
      </tr>
    </thead>
    <tbody>
      ${disputes.map(
        (d) =>
          html`<tr data-dispute="${d.claimId}" data-outcome="${d.outcome}">
            <td>${claimLink(links, d.claimId, shortHex(d.claimId))}</td>
            <td><code class="hash" title="${d.challenger}">${shortHex(d.challenger)}</code></td>
            <td>${eth(d.bond)}</td>
            <td>${time(d.timestamp)}<br /><span class="muted">answer by ${time(d.responseDeadline)}</span></td>
            <td>
              <span class="pill ${OUTCOME_PILL[d.outcome]}">${d.outcome}</span>${
                d.slashed !== undefined ? html` <span class="muted">${eth(d.slashed)} slashed</span>` : ""
              }${d.outcomeTx ? html`<br />${hash(d.outcomeTx)}` : ""}
            </td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

function keysTable(keys: EnclaveKeyRow[]): Html {
  if (keys.length === 0) return html``;
  return html`<h3>Enclave keys</h3>
    <table>
      <thead>
        <tr>
          <th>key</th>
          <th>image</th>
          <th>attestation document</th>
          <th>expires</th>
        </tr>
      </thead>
      <tbody>
        ${keys.map(
          (k) =>
            html`<tr>
              <td>${hash(k.key)}</td>
              <td>${hash(k.measurement)}</td>
              <td>${hash(k.attestationDocHash)}</td>
              <td>${time(k.expiresAt)}${k.revoked ? html` <span class="pill bad">revoked</span>` : ""}</td>
            </tr>`,
        )}
      </tbody>
    </table>`;
}

function operatorCard(links: Links, o: OperatorRow, minStake: bigint): Html {
  const staked = o.staked
    ? html`<span class="pill good">staked</span>`
    : html`<span class="pill bad">below the minimum of ${eth(minStake)}</span>`;
  const ready = o.unbonding ? `, ready ${time(o.unbondingReadyAt)}` : "";
  return html`<div class="card" id="op-${o.address.toLowerCase()}" data-operator="${o.address}">
    <h3 class="operator">${hash(o.address)} ${staked}</h3>
    <div class="grid">
      <div class="stat"><b>${eth(o.active)}</b><span>active stake</span></div>
      <div class="stat"><b>${eth(o.unbonding)}</b><span>unbonding${ready}</span></div>
      <div class="stat"><b>${eth(o.slashed)}</b><span>slashed so far</span></div>
      <div class="stat"><b>${o.openDisputes}</b><span>open disputes</span></div>
    </div>
    ${keysTable(o.enclaveKeys)}
    <h3>Disputes over claims it backs</h3>
    ${disputesTable(links, o.disputes)}
  </div>`;
}

export function operatorsPage(links: Links, d: OperatorsView): Html {
  const known = new Set(d.operators.map((o) => o.address));
  const others = d.disputes.filter((x) => !known.has(x.backer));
  return html`<h1>Operators</h1>
    <p class="sub">
      Accounts that staked or registered an enclave key. Signing a claim needs the minimum stake of ${eth(d.minStake)};
      a challenge costs a bond of ${eth(d.challengeBond)} and is answered with a proof or the stake is slashed.
    </p>
    ${d.operators.length === 0 ? html`<p class="empty">no operator has staked</p>` : ""}
    ${d.operators.map((o) => operatorCard(links, o, d.minStake))}
    ${
      others.length
        ? html`<h2>Other disputes</h2>
            ${disputesTable(links, others)}`
        : ""
    }`;
}
