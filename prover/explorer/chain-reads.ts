// What the explorer reads from the chain for its list pages: the hub's events in block ranges a
// JSON-RPC endpoint accepts, and the claims, model versions and operators they name, each with
// its state now (receipt, registered version, stake account).
import { type BaseContract, type Interface, type Log, type LogDescription, type Provider, getAddress } from "ethers";
import { CLAIM_EVENTS } from "../audit/claim-history.js";
import { LEVEL_NAMES } from "../chain/protocol-client.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = BaseContract & Record<string, any>;

/** The chain and deployment an explorer shows. */
export interface ExplorerChain {
  provider: Provider;
  chainId: bigint;
  protocol: BaseContract;
  verifier: BaseContract;
  /** The deployment's block: where log scans start. */
  fromBlock: number;
  /** Blocks per eth_getLogs call (default 10,000). */
  logRange?: number;
  /** Recent claims are looked for in at most this many blocks before the head (default 100,000). */
  recentBlocks?: number;
}

export const DEFAULT_LOG_RANGE = 10_000;
export const DEFAULT_RECENT_BLOCKS = 100_000;

/** A parsed hub event with where it happened. */
export interface HubEvent {
  name: string;
  args: Record<string, unknown>;
  txHash: string;
  blockNumber: number;
  logIndex: number;
}

function tryParse(iface: Interface, log: Log): LogDescription | null {
  try {
    return iface.parseLog(log);
  } catch {
    return null;
  }
}

function parse(iface: Interface, log: Log): HubEvent | undefined {
  const parsed = tryParse(iface, log);
  if (!parsed) return undefined;
  const args: Record<string, unknown> = {};
  parsed.fragment.inputs.forEach((p, i) => (args[p.name] = parsed.args[i]));
  return { name: parsed.name, args, txHash: log.transactionHash, blockNumber: log.blockNumber, logIndex: log.index };
}

/** Blocks below the head whose events are read again on each scan (a reorg may replace them). */
export const REORG_DEPTH = 64;

/** What earlier scans of one set of event names found: events in [from, to], in chain order. */
interface ScanCache {
  from: number;
  to: number;
  events: HubEvent[];
}

/** Per chain and event-name set: pages loaded again read only the blocks added since. */
const scans = new WeakMap<ExplorerChain, Map<string, ScanCache>>();

/** The hub's events named `names` in blocks [from, to], in ranges of `logRange` blocks. */
async function readEvents(chain: ExplorerChain, names: readonly string[], from: number, to: number) {
  const iface = chain.protocol.interface as Interface;
  const address = getAddress(await chain.protocol.getAddress());
  const topics = [names.map((n) => iface.getEvent(n)!.topicHash)];
  const step = chain.logRange ?? DEFAULT_LOG_RANGE;
  const events: HubEvent[] = [];
  for (let start = from; start <= to; start += step) {
    const logs = await chain.provider.getLogs({
      address,
      topics,
      fromBlock: start,
      toBlock: Math.min(to, start + step - 1),
    });
    for (const log of logs) {
      const e = parse(iface, log);
      if (e) events.push(e);
    }
  }
  return events.sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex);
}

/**
 * The hub's events named `names` in blocks [from, head], in chain order. Scans are remembered per
 * chain: a later call reads only the blocks after the last scan, less REORG_DEPTH (read again),
 * and forgets events below its own `from` (a window that moves up keeps memory bounded).
 */
export async function hubEvents(
  chain: ExplorerChain,
  names: readonly string[],
  from: number,
): Promise<{ events: HubEvent[]; from: number; to: number }> {
  from = Math.max(from, chain.fromBlock);
  const to = await chain.provider.getBlockNumber();
  let byNames = scans.get(chain);
  if (!byNames) scans.set(chain, (byNames = new Map()));
  const key = names.join(",");
  const cached = byNames.get(key);
  let events: HubEvent[];
  if (cached && cached.from <= from && cached.to <= to) {
    const resume = Math.max(from, cached.to - REORG_DEPTH + 1);
    const kept = cached.events.filter((e) => e.blockNumber >= from && e.blockNumber < resume);
    events = [...kept, ...(await readEvents(chain, names, resume, to))];
  } else {
    events = await readEvents(chain, names, from, to);
  }
  byNames.set(key, { from, to, events });
  return { events, from, to };
}

/** Block timestamps (seconds), each block read once. */
export async function blockTimes(provider: Provider, blocks: Iterable<number>): Promise<Map<number, number>> {
  const times = new Map<number, number>();
  for (const b of new Set(blocks)) times.set(b, (await provider.getBlock(b))?.timestamp ?? 0);
  return times;
}

/** How a claim stands now, with its first and latest events. */
export interface ClaimSummary {
  claimId: string;
  /** The hub's level now ("None" once refuted). */
  level: (typeof LEVEL_NAMES)[number];
  refuted: boolean;
  disputed: boolean;
  batched: boolean;
  first: HubEvent & { timestamp: number };
  latest: HubEvent & { timestamp: number };
  /** Who recorded it: the operator, the enclave key, or the prover's beneficiary. */
  by: string;
}

/** The hub's events that make or change a claim (the audit reads the same ones). */
export const CLAIM_EVENT_NAMES = CLAIM_EVENTS;

const RECORDING = new Set(["ClaimSigned", "ClaimAttested", "ClaimProven"]);

function recorder(e: HubEvent): string {
  return getAddress(String(e.args.operator ?? e.args.key ?? e.args.beneficiary));
}

/** The claims with events in the recent blocks, latest activity first, at most `limit`. */
export async function recentClaims(
  chain: ExplorerChain,
  limit: number,
): Promise<{ claims: ClaimSummary[]; from: number; to: number }> {
  const head = await chain.provider.getBlockNumber();
  const scan = await hubEvents(chain, CLAIM_EVENT_NAMES, head - (chain.recentBlocks ?? DEFAULT_RECENT_BLOCKS) + 1);
  const byClaim = new Map<string, HubEvent[]>();
  for (const e of scan.events) {
    const id = String(e.args.claimId).toLowerCase();
    byClaim.set(id, [...(byClaim.get(id) ?? []), e]);
  }
  const ids = [...byClaim.keys()].sort(
    (a, b) => byClaim.get(b)!.at(-1)!.blockNumber - byClaim.get(a)!.at(-1)!.blockNumber,
  );
  const chosen = ids.slice(0, limit);
  const times = await blockTimes(
    chain.provider,
    chosen.flatMap((id) => [byClaim.get(id)![0].blockNumber, byClaim.get(id)!.at(-1)!.blockNumber]),
  );
  const stamp = (e: HubEvent) => ({ ...e, timestamp: times.get(e.blockNumber) ?? 0 });
  const claims: ClaimSummary[] = [];
  for (const id of chosen) {
    const events = byClaim.get(id)!;
    const r = await (chain.protocol as Loose).receiptOf(id);
    const recording = events.find((e) => RECORDING.has(e.name));
    claims.push({
      claimId: String(events[0].args.claimId),
      level: r.refuted ? "None" : LEVEL_NAMES[Number(r.level)],
      refuted: r.refuted,
      disputed: r.disputed,
      batched: r.batched,
      first: stamp(events[0]),
      latest: stamp(events.at(-1)!),
      by: recording ? recorder(recording) : "",
    });
  }
  return { claims, from: scan.from, to: scan.to };
}
