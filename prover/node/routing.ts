// Consequence routing: the evidence a request needs follows from what is at stake.
//
// The required level comes from the consumer contract's own policy when the caller names one
// (IAssayConsumer's `requiredLevel(uint256 valueAtRisk) returns (Level)`, which AssayConsumer
// and so ParametricInsurance implement), else from the node's configured thresholds (same rule
// as contracts/policy/ConsequencePolicy.sol). The node then gives the cheapest level that is at
// least the required one (and at least the requested one), that the model allows and that this
// node can produce. A caller may ask for more evidence, never less.
import { Contract, type ContractRunner, getAddress, isAddress } from "ethers";
import { assayConsumerInterface } from "../chain/contract-abi.js";
import { LEVEL, LEVEL_NAMES, type LevelName } from "../chain/protocol-client.js";
import { BadRequestError, ConsumerPolicyError, LevelTooLowError, LevelUnavailableError } from "./errors.js";

/** Value-at-risk thresholds (inclusive upper bounds) of Signed and Attested. */
export interface PolicyThresholds {
  signedMax: bigint;
  attestedMax: bigint;
}

export type LevelRequest = "auto" | "signed" | "attested" | "proven";
export const LEVEL_REQUESTS: readonly LevelRequest[] = ["auto", "signed", "attested", "proven"];

const ORDER: readonly LevelName[] = ["Signed", "Attested", "Proven"];
export const MAX_UINT256 = (1n << 256n) - 1n;

export function levelFromRequest(r: Exclude<LevelRequest, "auto">): LevelName {
  return (r[0].toUpperCase() + r.slice(1)) as LevelName;
}

/** ConsequencePolicy.minLevel: Signed up to signedMax, Attested up to attestedMax, then Proven. */
export function minLevel(t: PolicyThresholds, valueAtRisk: bigint): LevelName {
  if (valueAtRisk <= t.signedMax) return "Signed";
  if (valueAtRisk <= t.attestedMax) return "Attested";
  return "Proven";
}

export function checkThresholds(t: PolicyThresholds): void {
  if (t.signedMax < 0n || t.attestedMax > MAX_UINT256) throw new RangeError("policy thresholds must be uint256 values");
  if (t.signedMax > t.attestedMax)
    throw new RangeError(`policy thresholds: signedMax ${t.signedMax} exceeds attestedMax ${t.attestedMax}`);
}

/** Where a required level came from (named in responses and errors). */
export interface PolicySource {
  source: "consumer" | "node";
  consumer?: string;
  /** One line for messages, e.g. "consumer 0x...'s requiredLevel" or "node policy: ...". */
  describe: string;
}

/** Reads `consumer.requiredLevel(valueAtRisk)` on chain (IAssayConsumer's compiled ABI). */
export async function consumerRequiredLevel(
  runner: ContractRunner,
  consumer: string,
  valueAtRisk: bigint,
): Promise<{ level: LevelName | null; source: PolicySource }> {
  if (!isAddress(consumer)) throw new BadRequestError(`consumer must be an address, got ${JSON.stringify(consumer)}`);
  const address = getAddress(consumer);
  const source: PolicySource = {
    source: "consumer",
    consumer: address,
    describe: `consumer ${address}'s requiredLevel`,
  };
  const provider = runner.provider;
  if (provider && (await provider.getCode(address)) === "0x")
    throw new ConsumerPolicyError(address, "no contract at that address");
  const abi = await assayConsumerInterface();
  let raw: bigint;
  try {
    raw = await new Contract(address, abi, runner).requiredLevel(valueAtRisk);
  } catch (e) {
    throw new ConsumerPolicyError(
      address,
      `requiredLevel(${valueAtRisk}) failed (${(e as { shortMessage?: string }).shortMessage ?? (e as Error).message})`,
    );
  }
  const n = Number(raw);
  if (n > LEVEL.Proven) throw new ConsumerPolicyError(address, `requiredLevel returned ${raw}, not a level`);
  return { level: n === LEVEL.None ? null : (LEVEL_NAMES[n] as LevelName), source };
}

export function nodeRequiredLevel(
  t: PolicyThresholds,
  valueAtRisk: bigint,
): { level: LevelName; source: PolicySource } {
  return {
    level: minLevel(t, valueAtRisk),
    source: {
      source: "node",
      describe: `node policy: Signed up to ${t.signedMax}, Attested up to ${t.attestedMax}, Proven above`,
    },
  };
}

export interface RouteInput {
  /** Required by the policy (null: none). */
  required: LevelName | null;
  requested: LevelRequest;
  valueAtRisk: bigint;
  policy: PolicySource;
  modelId: string;
  /** Per level: null when the model allows it and this node can produce it, else why not. */
  unavailable: Readonly<Record<LevelName, string | null>>;
}

/** The level to give: the cheapest one the policy accepts, the caller asked for and the node can give. */
export function chooseLevel(r: RouteInput): LevelName {
  const floor = r.required ? LEVEL[r.required] : LEVEL.Signed;
  if (r.requested !== "auto") {
    const want = levelFromRequest(r.requested);
    if (LEVEL[want] < floor) throw new LevelTooLowError(want, r.required!, r.valueAtRisk, r.policy.describe);
    const why = r.unavailable[want];
    if (why !== null) throw new LevelUnavailableError(want, r.modelId, why);
    return want;
  }
  const candidates = ORDER.filter((l) => LEVEL[l] >= floor);
  const pick = candidates.find((l) => r.unavailable[l] === null);
  if (pick) return pick;
  const reasons = candidates.map((l) => `${l}: ${r.unavailable[l]}`).join("; ");
  throw new LevelUnavailableError(`${r.required ?? "Signed"} or above`, r.modelId, reasons);
}
