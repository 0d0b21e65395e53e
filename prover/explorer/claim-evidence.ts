// The evidence under each check of the claim page: the chain records the check read, shown whole
// (transactions, the claim's fields, the model version and its verifying key, the setup's
// ceremony hashes, the proof from its calldata with its public signals, the enclave key and its
// attestation document hash, the batch's Merkle path). The audit runs its checks in the order of
// the claim's events, so the n-th check of a kind belongs to the n-th event of its kind.
import { getAddress } from "ethers";
import type { AuditCheck, ClaimEvent } from "../audit/index.js";
import { batchLeaf } from "../chain/batch-tree.js";
import { bindingFor } from "../chain/binding.js";
import { proofWordsFor } from "../chain/proof-calldata.js";
import { levelsOfMask } from "../chain/registered-model.js";
import type { ClaimPageData } from "./claim-data.js";
import { address, hash, type Links, modelLink, time } from "./format.js";
import { type Fragment, html } from "./html.js";

export type EvidenceRow = [label: string, value: Fragment];

const list = (values: readonly Fragment[]) =>
  html`<ol class="words">
    ${values.map((v) => html`<li>${v}</li>`)}
  </ol>`;

function txRow(e: ClaimEvent): EvidenceRow {
  return [
    `${e.name} tx`,
    html`${hash(e.txHash)} <span class="muted">block ${e.blockNumber}, ${time(e.timestamp)}, from ${e.from}</span>`,
  ];
}

function fieldRows(d: ClaimPageData, links: Links): EvidenceRow[] {
  const c = d.history?.claim;
  if (!c) return (d.history?.events ?? []).map(txRow);
  const src = d.history!.events.find((e) => e.claim);
  return [
    ["model id", modelLink(links, c.modelId)],
    ["input commitment", hash(c.inputCommitment.toString())],
    ["output", hash(c.output.toString())],
    ["request id", hash(c.requestId)],
    ["deadline", `${c.deadline} (${time(Number(c.deadline))})`],
    ...(src ? [txRow(src)] : []),
  ];
}

function modelRows(d: ClaimPageData, links: Links): EvidenceRow[] {
  const m = d.model;
  if (!m) return [];
  return [
    ["model", modelLink(links, m.modelId, html`version ${m.version} of family ${hash(m.family)}`)],
    ["status", `${m.status}, registered ${time(m.registeredAt)}`],
    ["allowed levels", levelsOfMask(m.allowedLevels).join(", ")],
    ["registered in tx", m.registeredInTx ? hash(m.registeredInTx) : "not found in the log scan"],
    ["onnx sha256", m.descriptor ? hash(m.descriptor.onnxSha256) : "–"],
  ];
}

function setupRows(d: ClaimPageData): EvidenceRow[] {
  const s = d.setup;
  if (!s) return [];
  return [
    ["development setup", String(s.developmentSetup ?? s.declared?.development ?? "not recorded")],
    ["powers of tau sha256", s.declared ? hash(s.declared.ptauHash) : "–"],
    ["phase 2 (zkey) sha256", s.declared ? hash(s.declared.phase2Hash) : "–"],
  ];
}

function proofRows(d: ClaimPageData, e: ClaimEvent | undefined): EvidenceRow[] {
  const c = d.history?.claim;
  if (!e || !c) return [];
  const beneficiary = getAddress(String(e.args.beneficiary));
  const words = proofWordsFor(e.call, c);
  return [
    txRow(e),
    ["beneficiary", beneficiary],
    [
      "public signals",
      list([c.inputCommitment.toString(), c.output.toString(), bindingFor(d.claimId, beneficiary).toString()]),
    ],
    [
      "proof (calldata words)",
      words ? list(words.map((w) => hash(`0x${BigInt(w).toString(16).padStart(64, "0")}`))) : "–",
    ],
  ];
}

/** The enclave key's rows each enclave check shows (its signature, registration, document, image). */
function enclaveRows(d: ClaimPageData, id: string, e: ClaimEvent | undefined, links: Links): EvidenceRow[] {
  if (!e) return [];
  const address_ = getAddress(String(e.args.key));
  const k = d.enclaveKeys.get(address_);
  if (id === "attested-signature") {
    const keyId = e.call?.name === "submitAttested" ? String(e.call.args[1]) : "";
    return [txRow(e), ["enclave key", hash(address_)], ["signed verifying key id", hash(keyId)]];
  }
  if (!k?.registered) return [["enclave key", hash(address_)]];
  if (id === "attestation") return [["attestation document keccak256", hash(k.attestationDocHash)]];
  if (id === "enclave-image") return [["image measurement", hash(k.measurement)]];
  return [
    ["enclave key", hash(address_)],
    ["image measurement", hash(k.measurement)],
    ["attestation document keccak256", hash(k.attestationDocHash)],
    ["expires", `${time(k.expiresAt)}${k.revoked ? ", REVOKED" : ""}`],
    ["operator", address(links, k.operator)],
  ];
}

function batchRows(d: ClaimPageData, e: ClaimEvent | undefined, links: Links): EvidenceRow[] {
  if (!e) return [];
  const path = e.call?.name === "importBatchedClaim" ? (e.call.args[3] as string[]) : [];
  return [
    txRow(e),
    ["root", hash(String(e.args.root))],
    ["operator", address(links, getAddress(String(e.args.operator)))],
    ["leaf keccak256(abi.encode(claimId))", hash(batchLeaf(d.claimId))],
    ["Merkle path (leaf to root)", path.length ? list(path.map(hash)) : "empty (a batch of one)"],
  ];
}

function signatureRows(e: ClaimEvent | undefined, links: Links): EvidenceRow[] {
  if (!e) return [];
  const rows: EvidenceRow[] = [txRow(e), ["operator", address(links, getAddress(String(e.args.operator)))]];
  if (e.call?.name === "submitSigned")
    rows.push(["signature (r, vs)", list([String(e.call.args[1]), String(e.call.args[2])])]);
  return rows;
}

/** The events each kind of check walks through, in the audit's order. */
function eventsFor(d: ClaimPageData) {
  const events = d.history?.events ?? [];
  const named = (n: string) => events.filter((e) => e.name === n);
  const imports = named("BatchClaimImported");
  const signed = named("ClaimSigned");
  const isImport = (e: ClaimEvent) => imports.some((b) => b.txHash === e.txHash);
  const attested = named("ClaimAttested");
  return {
    proof: named("ClaimProven"),
    "attested-signature": attested.filter((e) => e.call?.name === "submitAttested"),
    "enclave-key": attested,
    attestation: attested,
    "enclave-image": attested,
    "batch-membership": signed.filter(isImport).map((s) => imports.find((b) => b.txHash === s.txHash)!),
    signature: signed.filter((e) => !isImport(e)),
    "signer-staked": signed,
    finality: events.filter((e) => /Challeng|Refuted/.test(e.name)),
  } as Record<string, ClaimEvent[]>;
}

/** The evidence rows of each check of the report, in the report's order. */
export function evidenceOf(d: ClaimPageData, links: Links): EvidenceRow[][] {
  const events = eventsFor(d);
  const seen = new Map<string, number>();
  return (d.report?.checks ?? []).map((c: AuditCheck) => {
    const n = seen.get(c.id) ?? 0;
    seen.set(c.id, n + 1);
    const nth = events[c.id]?.[n];
    switch (c.id) {
      case "recorded":
        return (d.history?.events ?? []).map(txRow);
      case "claim-fields":
        return fieldRows(d, links);
      case "input-commitment":
      case "output":
        return fieldRows(d, links).filter(([label]) => label === c.id.replace("-", " "));
      case "model":
        return modelRows(d, links);
      case "verifying-key":
        return d.model ? [["verifying key id", hash(d.model.verifyingKeyId)]] : [];
      case "setup":
        return setupRows(d);
      case "proof":
        return proofRows(d, nth);
      case "attested-signature":
      case "enclave-key":
      case "attestation":
      case "enclave-image":
        return enclaveRows(d, c.id, nth, links);
      case "batch-membership":
        return batchRows(d, nth, links);
      case "signature":
        return signatureRows(nth, links);
      case "signer-staked":
        return signatureRows(nth, links).slice(0, 2);
      case "finality":
        return (events.finality ?? []).map(txRow);
      default:
        return [];
    }
  });
}
