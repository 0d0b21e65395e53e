// Everything the claim page shows about one claim: the audit's checklist (prover/audit, exactly what
// `assay audit` runs), the chain records behind it (events and their calldata, the model version,
// its setup, enclave keys) and, on a node, the node's own record, which also covers claims that
// sit in a posted batch without having been imported (the hub knows only their root).
import { type BaseContract, getAddress, type Interface } from "ethers";
import {
  type AttestationSource,
  type AuditReport,
  auditClaim,
  type ClaimHistory,
  readClaimHistory,
} from "../audit/index.js";
import { UnknownClaimError } from "../audit/claim-history.js";
import { type EnclaveKeyRecord, readEnclaveKey, readModel } from "../audit/hub-reads.js";
import { readSetupRecord, type SetupRecord } from "../audit/setup-reads.js";
import type { RegisteredModel } from "../chain/registered-model.js";
import type { ClaimView } from "../node/inference-service.js";
import type { ExplorerChain } from "./chain-reads.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = BaseContract & Record<string, any>;

/** What a node lends the explorer: its records of the claims it made. */
export interface NodeRecords {
  claim(id: string): Promise<ClaimView>;
  listClaims(q: { limit?: number }): Promise<ClaimView[]>;
  servedModels(): { modelId: string; circuitId: string; alias?: string }[];
}

export interface ClaimPageData {
  claimId: string;
  /** The audit's report; absent when the hub has no record or event of the claim. */
  report?: AuditReport;
  /** Why there is no report (the audit's one line). */
  unknown?: string;
  history?: ClaimHistory;
  model?: RegisteredModel;
  setup?: SetupRecord;
  enclaveKeys: Map<string, EnclaveKeyRecord>;
  /** The node's record (on a node that made the claim). */
  record?: ClaimView;
  /** For a batched claim the hub does not hold: whether the hub's checkBatchedClaim accepts the node's path. */
  batchCheck?: { ok: boolean; detail: string };
}

/** No audit and no node record: nothing to show. */
export class ClaimNotFoundError extends Error {}

async function nodeRecord(records: NodeRecords | undefined, id: string): Promise<ClaimView | undefined> {
  if (!records) return undefined;
  try {
    return await records.claim(id);
  } catch {
    return undefined;
  }
}

/** The custom error a reverted call carries, by name with its arguments. */
function revertName(chain: ExplorerChain, e: unknown): string | undefined {
  const data = (e as { data?: string }).data;
  if (!data) return undefined;
  try {
    const err = (chain.protocol.interface as Interface).parseError(data);
    return err ? `${err.name}(${err.args.map(String).join(", ")})` : undefined;
  } catch {
    return undefined;
  }
}

/** Asks the hub whether the node's Merkle path puts the claim under its batch's root. */
async function checkNodeBatch(chain: ExplorerChain, r: ClaimView): Promise<ClaimPageData["batchCheck"]> {
  if (!r.batch || !r.signer) return undefined;
  const { root, proof } = r.batch;
  try {
    const id = await (chain.protocol as Loose).checkBatchedClaim(r.signer, root, { ...r.claim }, proof);
    const ok = String(id).toLowerCase() === r.claimId.toLowerCase();
    return {
      ok,
      detail:
        `the hub's checkBatchedClaim places the claim under root ${root} posted by ${getAddress(r.signer)} ` +
        `(${ok ? "its id" : `a different id ${id}`}); it stands on chain once imported (importBatchedClaim)`,
    };
  } catch (e) {
    const why = revertName(chain, e) ?? (e as Error).message.split("\n")[0];
    return { ok: false, detail: `the hub's checkBatchedClaim refuses the node's Merkle path: ${why}` };
  }
}

/** The chain records the evidence of the checks comes from. */
async function chainRecords(chain: ExplorerChain, id: string, data: ClaimPageData): Promise<void> {
  data.history = await readClaimHistory(chain.provider, chain.protocol, id, chain.chainId, chain.fromBlock);
  const claim = data.history.claim;
  if (claim) {
    data.model = await readModel(chain.protocol, claim.modelId, chain.chainId, chain.fromBlock);
    if (data.model) data.setup = await readSetupRecord(chain.protocol, claim.modelId, chain.fromBlock);
  }
  for (const e of data.history.events.filter((x) => x.name === "ClaimAttested")) {
    const key = getAddress(String(e.args.key));
    if (!data.enclaveKeys.has(key)) data.enclaveKeys.set(key, await readEnclaveKey(chain.protocol, key));
  }
}

export async function loadClaim(
  chain: ExplorerChain,
  claimId: string,
  o: { records?: NodeRecords; attestation?: AttestationSource } = {},
): Promise<ClaimPageData> {
  const data: ClaimPageData = { claimId, enclaveKeys: new Map() };
  const ctx = { ...chain };
  try {
    data.report = await auditClaim(ctx, claimId, { attestation: o.attestation });
  } catch (e) {
    if (!(e instanceof UnknownClaimError)) throw e;
    data.unknown = e.message;
  }
  data.record = await nodeRecord(o.records, claimId);
  if (data.report) await chainRecords(chain, claimId, data);
  else if (data.record) data.batchCheck = await checkNodeBatch(chain, data.record);
  else throw new ClaimNotFoundError(data.unknown ?? `unknown claim ${claimId}`);
  return data;
}
