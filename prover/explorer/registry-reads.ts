// The model versions and operators the explorer lists: every version registered since the
// deployment (descriptor and setup provenance from its ModelVersionRegistered event, status now
// from the registry), and every operator that staked, signed through an enclave key or was
// challenged, with its stake account now, its enclave keys and its disputes and their outcomes.
import { type BaseContract, getAddress } from "ethers";
import { MODEL_STATUS, levelsOfMask } from "../chain/registered-model.js";
import { blockTimes, type ExplorerChain, type HubEvent, hubEvents } from "./chain-reads.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = BaseContract & Record<string, any>;

export interface TensorShape {
  shape: number[];
  frac: number;
  bits: number;
}

export interface ModelVersionRow {
  modelId: string;
  family: string;
  familyOwner: string;
  version: number;
  status: string;
  levels: string[];
  registeredAt: number;
  deprecatedAt: number;
  verifyingKeyId: string;
  developmentSetup: boolean;
  ptauHash: string;
  phase2Hash: string;
  onnxSha256: string;
  circuitHash: string;
  storageUri: string;
  enclaveImages: string[];
  input: TensorShape;
  output: TensorShape;
  registeredInTx: string;
}

function shape(t: { shape: readonly bigint[]; frac: bigint; bits: bigint }): TensorShape {
  return { shape: t.shape.map(Number), frac: Number(t.frac), bits: Number(t.bits) };
}

/** Every registered version, newest family registration first, versions newest first within a family. */
export async function modelVersions(chain: ExplorerChain): Promise<ModelVersionRow[]> {
  const p = chain.protocol as Loose;
  const { events } = await hubEvents(chain, ["ModelVersionRegistered"], chain.fromBlock);
  const owners = new Map<string, string>();
  const rows: ModelVersionRow[] = [];
  for (const e of events) {
    const modelId = String(e.args.modelId);
    const family = String(e.args.family);
    const v = await p.modelVersion(modelId);
    if (!owners.has(family)) owners.set(family, getAddress(await p.familyOwner(family)));
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const input = e.args.input as any;
    rows.push({
      modelId,
      family,
      familyOwner: owners.get(family)!,
      version: Number(e.args.version),
      status: MODEL_STATUS[Number(v.status)] ?? "Unknown",
      levels: levelsOfMask(Number(v.allowedLevels)),
      registeredAt: Number(v.registeredAt),
      deprecatedAt: Number(v.deprecatedAt),
      verifyingKeyId: String(v.verifyingKeyId),
      developmentSetup: Boolean(v.developmentSetup),
      ptauHash: String(input.setup.ptauHash),
      phase2Hash: String(input.setup.phase2Hash),
      onnxSha256: String(input.onnxSha256),
      circuitHash: String(input.circuitHash),
      storageUri: String(input.storageUri),
      enclaveImages: [...input.enclaveImages].map(String),
      input: shape(input.input),
      output: shape(input.output),
      registeredInTx: e.txHash,
    });
  }
  return rows.reverse();
}

export interface DisputeRow {
  claimId: string;
  challenger: string;
  bond: bigint;
  responseDeadline: number;
  txHash: string;
  timestamp: number;
  /** "open", "defended" (a proof defeated the challenge), "refuted", "timed out". */
  outcome: string;
  outcomeTx?: string;
  slashed?: bigint;
  /** The operator whose stake backs the claim (zero address when unknown). */
  backer: string;
}

export interface EnclaveKeyRow {
  key: string;
  measurement: string;
  attestationDocHash: string;
  expiresAt: number;
  revoked: boolean;
}

export interface OperatorRow {
  address: string;
  active: bigint;
  unbonding: bigint;
  unbondingReadyAt: number;
  openDisputes: number;
  staked: boolean;
  slashed: bigint;
  enclaveKeys: EnclaveKeyRow[];
  disputes: DisputeRow[];
}

export interface OperatorsView {
  minStake: bigint;
  challengeBond: bigint;
  operators: OperatorRow[];
  /** Every challenge, newest first (also listed under its backer). */
  disputes: DisputeRow[];
}

const OPERATOR_EVENTS = [
  "StakeDeposited",
  "StakeSlashed",
  "EnclaveKeyRegistered",
  "EnclaveKeyRevoked",
  "ClaimChallenged",
  "ChallengeDefeated",
  "ClaimRefuted",
  "ChallengeTimedOut",
] as const;

const OUTCOME: Record<string, string> = {
  ChallengeDefeated: "defended",
  ClaimRefuted: "refuted",
  ChallengeTimedOut: "timed out",
};

/** Each challenge with its outcome (the first settling event of the same claim after it). */
async function disputesOf(chain: ExplorerChain, events: readonly HubEvent[]): Promise<DisputeRow[]> {
  const challenges = events.filter((e) => e.name === "ClaimChallenged");
  const times = await blockTimes(
    chain.provider,
    challenges.map((e) => e.blockNumber),
  );
  const rows: DisputeRow[] = [];
  for (const c of challenges) {
    const claimId = String(c.args.claimId);
    const settled = events.find(
      (e) => OUTCOME[e.name] && String(e.args.claimId) === claimId && e.blockNumber >= c.blockNumber && e !== c,
    );
    let backer = String(settled?.args.defender ?? settled?.args.backer ?? "");
    if (!settled) backer = String((await (chain.protocol as Loose).backingOf(claimId))[0]);
    rows.push({
      claimId,
      challenger: getAddress(String(c.args.challenger)),
      bond: BigInt(c.args.bond as bigint),
      responseDeadline: Number(c.args.responseDeadline),
      txHash: c.txHash,
      timestamp: times.get(c.blockNumber) ?? 0,
      outcome: settled ? OUTCOME[settled.name] : "open",
      outcomeTx: settled?.txHash,
      slashed: settled?.args.slashed === undefined ? undefined : BigInt(settled.args.slashed as bigint),
      backer: getAddress(backer),
    });
  }
  return rows.reverse();
}

function enclaveKeysOf(events: readonly HubEvent[]): Map<string, EnclaveKeyRow[]> {
  const revoked = new Set(
    events.filter((e) => e.name === "EnclaveKeyRevoked").map((e) => getAddress(String(e.args.key))),
  );
  const keys = new Map<string, EnclaveKeyRow[]>();
  for (const e of events.filter((x) => x.name === "EnclaveKeyRegistered")) {
    const operator = getAddress(String(e.args.operator));
    const key = getAddress(String(e.args.key));
    keys.set(operator, [
      ...(keys.get(operator) ?? []),
      {
        key,
        measurement: String(e.args.measurement),
        attestationDocHash: String(e.args.attestationDocHash),
        expiresAt: Number(e.args.expiresAt),
        revoked: revoked.has(key),
      },
    ]);
  }
  return keys;
}

/** Every operator that staked or registered an enclave key, with its account now, keys and disputes. */
export async function operators(chain: ExplorerChain): Promise<OperatorsView> {
  const p = chain.protocol as Loose;
  const { events } = await hubEvents(chain, OPERATOR_EVENTS, chain.fromBlock);
  const disputes = await disputesOf(chain, events);
  const keys = enclaveKeysOf(events);
  const addresses = new Set<string>();
  for (const e of events) if (e.name === "StakeDeposited") addresses.add(getAddress(String(e.args.operator)));
  for (const a of keys.keys()) addresses.add(a);
  const rows: OperatorRow[] = [];
  for (const address of addresses) {
    const a = await p.operatorAccount(address);
    const slashes = events.filter((e) => e.name === "StakeSlashed" && getAddress(String(e.args.operator)) === address);
    rows.push({
      address,
      active: BigInt(a.active),
      unbonding: BigInt(a.unbonding),
      unbondingReadyAt: Number(a.unbondingReadyAt),
      openDisputes: Number(a.openDisputes),
      staked: await p.isStaked(address),
      slashed: slashes.reduce((s, e) => s + BigInt(e.args.amount as bigint), 0n),
      enclaveKeys: keys.get(address) ?? [],
      disputes: disputes.filter((d) => d.backer === address),
    });
  }
  const params = await p.protocolParams();
  return { minStake: BigInt(params.minStake), challengeBond: BigInt(params.challengeBond), operators: rows, disputes };
}
