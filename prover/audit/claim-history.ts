// What the chain says about one claim: its events (recorded, raised, imported from a batch,
// challenged, defended, refuted) with their transactions, and the claim's fields read back from
// the submitting transaction's input (the hub does not log them).
import {
  AbiCoder,
  type BaseContract,
  type Interface,
  type Provider,
  type TransactionDescription,
  getAddress,
} from "ethers";
import { AssayError } from "../errors.js";
import { type Claim, claimIdOf } from "../chain/claim.js";

/** Nothing on the hub mentions the claim id. */
export class UnknownClaimError extends AssayError {
  constructor(
    readonly claimId: string,
    readonly hub: string,
    readonly chainId: bigint,
  ) {
    super(
      `unknown claim ${claimId}: the hub ${hub} on chain ${chainId} has no record or event of it ` +
        "(a batched claim is recorded once imported from its root)",
    );
  }
}

export const CLAIM_EVENTS = [
  "ClaimSigned",
  "ClaimAttested",
  "ClaimProven",
  "BatchClaimImported",
  "ClaimChallenged",
  "ChallengeDefeated",
  "ClaimRefuted",
  "ChallengeTimedOut",
] as const;
export type ClaimEventName = (typeof CLAIM_EVENTS)[number];

export interface ClaimEvent {
  name: ClaimEventName;
  args: Record<string, unknown>;
  txHash: string;
  blockNumber: number;
  logIndex: number;
  timestamp: number;
  /** Sender and target of the transaction that emitted it. */
  from: string;
  to: string | null;
  /** The hub function called, when the transaction called the hub directly. */
  call?: TransactionDescription;
  /** The claim as found in the transaction's input (by the hub's ABI, or by a scan for it). */
  claim?: Claim;
  /** How the claim was found: "abi" (a direct hub call) or "scan" (inside another contract's call). */
  claimSource?: "abi" | "scan";
}

export interface ClaimHistory {
  claimId: string;
  events: ClaimEvent[];
  /** The claim's fields, from the first transaction that carries them. */
  claim?: Claim;
}

function asClaim(c: {
  modelId: string;
  inputCommitment: bigint;
  output: bigint;
  requestId: string;
  deadline: bigint;
}): Claim {
  return {
    modelId: c.modelId,
    inputCommitment: BigInt(c.inputCommitment),
    output: BigInt(c.output),
    requestId: c.requestId,
    deadline: BigInt(c.deadline),
  };
}

/**
 * Finds a claim whose id is `claimId` among the 32-byte words of `data` (after a 4-byte selector):
 * a claim passed by value sits as five consecutive words in the calldata of whatever contract
 * forwarded it to the hub.
 */
export function scanCalldataForClaim(data: string, claimId: string, chainId: bigint, hub: string): Claim | undefined {
  const hex = data.replace(/^0x/, "");
  const coder = AbiCoder.defaultAbiCoder();
  for (let off = 8; off + 5 * 64 <= hex.length; off += 64) {
    const chunk = `0x${hex.slice(off, off + 5 * 64)}`;
    let c: Claim;
    try {
      const [m, ic, out, rq, dl] = coder.decode(["bytes32", "uint256", "uint256", "bytes32", "uint64"], chunk);
      c = { modelId: m, inputCommitment: ic, output: out, requestId: rq, deadline: dl };
      if (claimIdOf(c, chainId, hub) === claimId) return c;
    } catch {
      // not a claim here (a deadline wider than 64 bits, a field >= r): keep scanning
    }
  }
  return undefined;
}

/** The claim with id `claimId` among a batch call's `claims` (submitProvenBatch), if any. */
function claimInBatch(
  call: TransactionDescription | undefined,
  claimId: string,
  chainId: bigint,
  hub: string,
): Claim | undefined {
  const at = call ? call.fragment.inputs.findIndex((p) => p.name === "claims") : -1;
  if (at < 0) return undefined;
  const claims = (call!.args[at] as Parameters<typeof asClaim>[0][]).map(asClaim);
  return claims.find((c) => claimIdOf(c, chainId, hub) === claimId);
}

export async function readClaimHistory(
  provider: Provider,
  hub: BaseContract,
  claimId: string,
  chainId: bigint,
  fromBlock = 0,
): Promise<ClaimHistory> {
  const iface = hub.interface as Interface;
  const address = getAddress(await hub.getAddress());
  const topics0 = CLAIM_EVENTS.map((n) => iface.getEvent(n)!.topicHash);
  const logs = await provider.getLogs({ address, fromBlock, toBlock: "latest", topics: [topics0, claimId] });
  const events: ClaimEvent[] = [];
  const blocks = new Map<number, number>();
  for (const log of logs) {
    const parsed = iface.parseLog(log);
    if (!parsed) continue;
    const tx = await provider.getTransaction(log.transactionHash);
    if (!tx) continue;
    if (!blocks.has(log.blockNumber))
      blocks.set(log.blockNumber, (await provider.getBlock(log.blockNumber))!.timestamp);
    const args: Record<string, unknown> = {};
    parsed.fragment.inputs.forEach((p, i) => (args[p.name] = parsed.args[i]));
    const e: ClaimEvent = {
      name: parsed.name as ClaimEventName,
      args,
      txHash: log.transactionHash,
      blockNumber: log.blockNumber,
      logIndex: log.index,
      timestamp: blocks.get(log.blockNumber)!,
      from: tx.from,
      to: tx.to,
    };
    if (tx.to && getAddress(tx.to) === address) {
      const call = iface.parseTransaction({ data: tx.data, value: tx.value }) ?? undefined;
      e.call = call;
      const at = call ? call.fragment.inputs.findIndex((p) => p.name === "claim") : -1;
      const c = at >= 0 ? asClaim(call!.args[at]) : claimInBatch(call, claimId, chainId, address);
      if (c) {
        e.claim = c;
        e.claimSource = "abi";
      }
    } else {
      const c = scanCalldataForClaim(tx.data, claimId, chainId, address);
      if (c) {
        e.claim = c;
        e.claimSource = "scan";
      }
    }
    events.push(e);
  }
  events.sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex);
  const withClaim = events.find((e) => e.claim && claimIdOf(e.claim, chainId, address) === claimId);
  return { claimId, events, claim: withClaim?.claim };
}

/** The events of one kind, in chain order. */
export function eventsNamed(events: readonly ClaimEvent[], name: ClaimEventName): ClaimEvent[] {
  return events.filter((e) => e.name === name);
}
