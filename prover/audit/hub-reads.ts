// What the audit reads from the hub and the verifier, as plain records the checks take: the
// claim's receipt, its model, the registered verifying key, enclave keys and images, batches,
// stakes, and the state of its disputes.
import { type BaseContract, type Provider, getAddress } from "ethers";
import { LEVEL } from "../chain/protocol-client.js";
import { readRegisteredModel, type RegisteredModel, UnregisteredModelError } from "../chain/registered-model.js";
import { firstLine } from "./audit-report.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = BaseContract & Record<string, any>;

export const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";

/** The hub's receipt of a claim (IReceiptHub.Receipt). */
export interface HubReceipt {
  level: number;
  disputed: boolean;
  refuted: boolean;
  batched: boolean;
  challengeEnd: number;
}

export async function readReceipt(protocol: BaseContract, claimId: string): Promise<HubReceipt> {
  const r = await (protocol as Loose).receiptOf(claimId);
  return {
    level: Number(r.level),
    disputed: r.disputed,
    refuted: r.refuted,
    batched: r.batched,
    challengeEnd: Number(r.challengeEnd),
  };
}

/** The registered model version, or undefined when none is registered under the id. */
export async function readModel(
  protocol: BaseContract,
  modelId: string,
  chainId: bigint,
  fromBlock: number,
): Promise<RegisteredModel | undefined> {
  try {
    return await readRegisteredModel(protocol, modelId, chainId, fromBlock);
  } catch (e) {
    if (e instanceof UnregisteredModelError) return undefined;
    throw e;
  }
}

/** A verifying key's bytes as the verifier holds them, or why they could not be read. */
export type FetchedKey = { bytes: string } | { error: string };

export async function fetchVerifyingKey(verifier: BaseContract, keyId: string): Promise<FetchedKey> {
  try {
    return { bytes: await (verifier as Loose).verifyingKey(keyId) };
  } catch (e) {
    return { error: firstLine(e) };
  }
}

/** An enclave signing key as the registry holds it (IEnclaveRegistry.EnclaveKey). */
export interface EnclaveKeyRecord {
  address: string;
  registered: boolean;
  measurement: string;
  attestationDocHash: string;
  expiresAt: number;
  revoked: boolean;
  operator: string;
}

export async function readEnclaveKey(protocol: BaseContract, address: string): Promise<EnclaveKeyRecord> {
  const k = await (protocol as Loose).enclaveKey(address);
  return {
    address: getAddress(address),
    registered: Number(k.imageIndex) !== 0,
    measurement: String(k.measurement),
    attestationDocHash: String(k.attestationDocHash),
    expiresAt: Number(k.expiresAt),
    revoked: k.revoked,
    operator: getAddress(k.operator),
  };
}

/** Whether an enclave image is approved for a model, and whether it was revoked. */
export interface ImageStanding {
  measurement: string;
  approved: boolean;
  revoked: boolean;
  revokedAt: number;
}

export async function readImageStanding(
  protocol: BaseContract,
  modelId: string,
  measurement: string,
): Promise<ImageStanding> {
  const p = protocol as Loose;
  const approved: string[] = (await p.approvedImages(modelId)).map((x: string) => x.toLowerCase());
  const image = await p.enclaveImage(measurement);
  return {
    measurement,
    approved: approved.includes(measurement.toLowerCase()),
    revoked: image.revoked,
    revokedAt: Number(image.revokedAt),
  };
}

/** A posted settlement batch (IBatchSettlement.Batch). */
export interface BatchRecord {
  root: string;
  operator: string;
  postedAt: number;
}

/** The batch `operator` posted under `root` (batches are keyed by both). */
export async function readBatch(protocol: BaseContract, operator: string, root: string): Promise<BatchRecord> {
  const b = await (protocol as Loose).batchOf(operator, root);
  return { root, operator: getAddress(b.operator), postedAt: Number(b.postedAt) };
}

/** Whether an operator held the minimum stake at a block. */
export interface StakeAtBlock {
  operator: string;
  block: number;
  staked: boolean;
  minStake: bigint;
}

export async function readStakeAt(protocol: BaseContract, operator: string, block: number): Promise<StakeAtBlock> {
  const p = protocol as Loose;
  const staked: boolean = await p.isStaked(operator, { blockTag: block });
  const minStake: bigint = (await p.protocolParams()).minStake;
  return { operator, block, staked, minStake };
}

/** An operator's stake now (IOperatorStaking.OperatorAccount). */
export interface BackerAccount {
  active: bigint;
  unbonding: bigint;
  openDisputes: number;
}

/** The backer's account, or undefined for the zero address (no backer). */
export async function readBackerAccount(protocol: BaseContract, backer: string): Promise<BackerAccount | undefined> {
  if (backer === ZERO_ADDRESS) return undefined;
  const a = await (protocol as Loose).operatorAccount(backer);
  return { active: BigInt(a.active), unbonding: BigInt(a.unbonding), openDisputes: Number(a.openDisputes) };
}

/** The account whose stake backs a Signed or Attested claim, its active stake and the hub's minimum. */
export interface Backing {
  backer: string;
  activeStake: bigint;
  minStake: bigint;
}

/**
 * Whether the claim is final and, when it is not, what holds it up. The hub (ReceiptHub.isFinal)
 * holds a Signed or Attested claim final once its challenge window is over (`now` past
 * `challengeEnd`), no dispute is open and its backer's active stake is at the protocol minimum.
 */
export interface Finality {
  final: boolean;
  dispute?: { challenger: string; responseDeadline: number };
  /** The latest block's timestamp when read (a claim not final and not disputed). */
  now?: number;
  /** The backing when read (a claim not final and not disputed). */
  backing?: Backing;
}

/**
 * The claim's finality at the latest block (timestamp `now`); undefined when it stands at no level
 * (refuted or never recorded).
 */
export async function readFinality(
  protocol: BaseContract,
  claimId: string,
  receipt: HubReceipt,
  now: number,
): Promise<Finality | undefined> {
  if (receipt.refuted || receipt.level === LEVEL.None) return undefined;
  const p = protocol as Loose;
  const final: boolean = await p.isFinal(claimId);
  if (final) return { final };
  if (!receipt.disputed) {
    const [backer, activeStake] = await p.backingOf(claimId);
    const minStake = BigInt((await p.protocolParams()).minStake);
    return { final, now, backing: { backer: getAddress(backer), activeStake: BigInt(activeStake), minStake } };
  }
  const d = await p.disputeOf(claimId);
  return { final, dispute: { challenger: String(d.challenger), responseDeadline: Number(d.responseDeadline) } };
}

/** The timestamp of the latest block. */
export async function latestTimestamp(provider: Provider): Promise<number> {
  return (await provider.getBlock("latest"))!.timestamp;
}
