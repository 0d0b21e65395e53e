// Registered models by family, each version with its status, levels, verifying key, what it was
// compiled from, and its setup provenance (a development ceremony's keys can be forged: flagged).
import { address, hash, type Links, levelBadge, time } from "./format.js";
import { type Html, html } from "./html.js";
import type { ModelVersionRow, TensorShape } from "./registry-reads.js";

export interface ModelsPageData {
  versions: ModelVersionRow[];
  /** On a node: the models it serves, by id, with their alias and circuit. */
  served?: Map<string, { alias?: string; circuitId: string }>;
}

const tensor = (t: TensorShape) => `[${t.shape.join("×")}] · ${t.bits}-bit, 2^-${t.frac} scale`;

function setup(v: ModelVersionRow): Html {
  const flag = v.developmentSetup
    ? html`<span class="pill bad">development ceremony: proofs can be forged (testing only)</span>`
    : html`<span class="pill good">not a development setup</span>`;
  return html`${flag}<br /><span class="muted">ptau sha256</span> ${hash(v.ptauHash)}<br />
    <span class="muted">phase 2 sha256</span> ${hash(v.phase2Hash)}`;
}

function versionCard(links: Links, v: ModelVersionRow, served: ModelsPageData["served"]): Html {
  const s = served?.get(v.modelId.toLowerCase());
  const status = v.status === "Active" ? "good" : "bad";
  const here = s ? html`<span class="pill">served here as ${s.alias ?? s.circuitId}</span>` : "";
  const images = v.enclaveImages.length ? v.enclaveImages.map((i) => html`${hash(i)}<br />`) : "none";
  return html`<div class="card" id="m-${v.modelId.toLowerCase()}" data-model="${v.modelId}">
    <h3>
      version ${v.version}
      <span class="pill ${status}">${v.status}</span> ${v.levels.map((l) => html`${levelBadge(l)} `)}${here}
    </h3>
    <dl class="ev">
      <dt>model id</dt>
      <dd>${hash(v.modelId)}</dd>
      <dt>registered</dt>
      <dd>${time(v.registeredAt)} in tx ${hash(v.registeredInTx)}</dd>
      ${
        v.status === "Deprecated"
          ? html`<dt>deprecated</dt>
              <dd>${time(v.deprecatedAt)}</dd>`
          : ""
      }
      <dt>verifying key id</dt>
      <dd>${hash(v.verifyingKeyId)}</dd>
      <dt>setup provenance</dt>
      <dd>${setup(v)}</dd>
      <dt>onnx sha256</dt>
      <dd>${hash(v.onnxSha256)}</dd>
      <dt>circuit hash</dt>
      <dd>${hash(v.circuitHash)}</dd>
      <dt>input → output</dt>
      <dd>${tensor(v.input)} → ${tensor(v.output)}</dd>
      <dt>storage</dt>
      <dd>${v.storageUri || "–"}</dd>
      <dt>approved enclave images</dt>
      <dd>${images}</dd>
    </dl>
  </div>`;
}

export function modelsPage(links: Links, d: ModelsPageData): Html {
  const families = new Map<string, ModelVersionRow[]>();
  for (const v of d.versions) families.set(v.family, [...(families.get(v.family) ?? []), v]);
  return html`<h1>Models</h1>
    <p class="sub">
      Every version registered with the hub, newest first within its family. A version is immutable; its verifying key
      is what proofs of its claims verify against.
    </p>
    ${families.size === 0 ? html`<p class="empty">no model is registered</p>` : ""}
    ${[...families].map(
      ([family, versions]) =>
        html`<section class="family" data-family="${family}">
          <h2>family ${hash(family)}</h2>
          <p class="sub">owner ${address(links, versions[0].familyOwner)} · ${versions.length} version(s)</p>
          ${versions.map((v) => versionCard(links, v, d.served))}
        </section>`,
    )}`;
}
