// assay watch: the node's state directory, its claim store and proof jobs, and a challenge watcher.
import path from "node:path";
import { type Contract, getAddress } from "ethers";
import { type ChainConnection, type ChainSigner, connectChain } from "../../chain/chain-connection.js";
import { stateDir as resolveStateDir } from "../../chain/deployment-file.js";
import { attach } from "../../chain/protocol-client.js";
import type { CompiledModel } from "../../compile-model.js";
import { processAlive } from "../../durable-file.js";
import { InputError } from "../../errors.js";
import { openModel } from "../../model-store.js";
import { ChallengeWatcher } from "../../node/challenge-watcher.js";
import { ClaimStore } from "../../node/claim-store.js";
import { openDatabase } from "../../node/db/database.js";
import { importLegacyState } from "../../node/db/legacy-import.js";
import { type Job, SqlJobQueue } from "../../node/job-queue.js";
import { type NodeState, readNodeState } from "../../node/node-state.js";
import {
  type ProofJobPayload,
  type ProofJobResult,
  proofJobHandler,
  recordProofOutcome,
} from "../../node/proof-job.js";
import { TxSender } from "../../node/tx-sender.js";
import type { DefenceRecord } from "../../node/watcher-state.js";
import { releaseCurve } from "../../zk/groth16.js";
import type { WatchOptions } from "../commands/watch.js";
import { type GlobalOptions, progress, result } from "../output.js";

type Opts = WatchOptions & GlobalOptions;
type Say = (line: string) => void;
type DefenceQueue = SqlJobQueue<ProofJobPayload, ProofJobResult>;

/** The node whose claims are defended, from its state directory. */
function readNode(dir: string): NodeState {
  const node = readNodeState(dir);
  if (!node)
    throw new InputError(
      `no node state in ${dir} (node.json missing): \`assay watch\` defends the claims of a node ` +
        `started with \`assay node start --state-dir ${dir}\``,
    );
  if (node.pid !== process.pid && processAlive(node.pid))
    throw new InputError(
      `the node that wrote ${dir}/node.json (pid ${node.pid}) is still running and defends its own claims; ` +
        "stop it first (two watchers on one state directory would prove every defence twice)",
    );
  if (node.chain.embedded)
    throw new InputError(
      `the node in ${dir} ran on the embedded network, which ended with it: there is no chain left to watch`,
    );
  return node;
}

/** The chain the node used (`rpc <url>` or `network <name>` in node.json) when neither --rpc nor --network is given. */
function chainOf(node: NodeState, o: Opts): { rpc?: string; network?: string } {
  if (o.rpc || o.network) return {};
  const [kind, where] = node.chain.label.split(" ");
  if (kind === "rpc" && where) return { rpc: where };
  if (kind === "network" && where) return { network: where };
  throw new InputError(`give --rpc <url> or --network <name>: node.json does not say how the node reached its chain`);
}

/** The node's operator when the chain lets us sign as it (and no --account was given), else the chosen account. */
async function defender(conn: ChainConnection, node: NodeState, account?: string): Promise<ChainSigner> {
  if (account !== undefined) return conn.signer;
  const signers = await conn.ethers.getSigners();
  return signers.find((s) => s.address === getAddress(node.operator)) ?? conn.signer;
}

/** A proof-job handler that loads each circuit the first time a defence needs it. */
function defenceHandler(node: NodeState, hub: Contract, beneficiary: string) {
  const models = new Map<string, CompiledModel>();
  const prove = proofJobHandler({
    hub,
    sender: new TxSender(hub.interface, { provider: hub.runner!.provider! }),
    beneficiary,
    model: (circuitId) => models.get(circuitId),
  });
  return async (p: ProofJobPayload): Promise<ProofJobResult> => {
    if (!models.has(p.circuitId)) {
      const ptauId = node.models.find((m) => m.circuitId === p.circuitId)?.ptauId;
      models.set(p.circuitId, await openModel(p.circuitId, ptauId));
    }
    return prove(p);
  };
}

/** Records each settled defence in the node's claim record, as the node and `assay worker` do (recordProofOutcome). */
function recordOutcome(store: ClaimStore, say: Say) {
  return (job: Job<ProofJobPayload, ProofJobResult>) => void recordProofOutcome(store, job, say);
}

/** --once: scans, lets every defence run (retries included), rescans so outcomes are read from the chain. */
async function defendOpen(watcher: ChallengeWatcher, queue: DefenceQueue): Promise<void> {
  await watcher.scan();
  for (let round = 0; round < 4; round++) {
    await queue.idle();
    await watcher.scan();
    if (!watcher.defences().some((d) => d.state === "pending" || d.state === "queued")) return;
    const jobs = await Promise.all(watcher.defences().map((d) => (d.jobId ? queue.get(d.jobId) : undefined)));
    if (!jobs.some((j) => j && (j.state === "queued" || j.state === "running"))) return;
  }
}

function describe(defences: DefenceRecord[], head: string): string {
  if (defences.length === 0) return `${head}\n  no challenge of this node's claims`;
  const rows = defences.map((d) => {
    const extra = d.transaction ? ` tx ${d.transaction}` : d.note ? ` (${d.note})` : "";
    return `  ${d.state.padEnd(7)} ${d.claimId}  challenger ${d.challenger}${extra}`;
  });
  return [head, ...rows].join("\n");
}

async function watch(conn: ChainConnection, node: NodeState, o: Opts): Promise<void> {
  const say: Say = (line) => progress(o, line);
  const dir = resolveStateDir(o.stateDir);
  if (conn.chainId.toString() !== node.chain.chainId)
    throw new InputError(
      `wrong chain: the node in ${dir} ran on chain ${node.chain.chainId}, connected to ${conn.chainId}`,
    );
  const signer = await defender(conn, node, o.account);
  const hub = (await attach(conn.ethers, node.deployment, signer)).protocol as unknown as Contract;
  const db = await openDatabase({ url: o.db, stateDir: node.dataDir, log: say });
  await importLegacyState(db, node.dataDir, say);
  const store = new ClaimStore(db, say);
  const queue: DefenceQueue = new SqlJobQueue(db, { log: say });
  queue.onSettled(recordOutcome(store, say));
  const watcher = await ChallengeWatcher.open({
    hub,
    claims: store,
    queue,
    stateFile: path.join(node.dataDir, "challenge-watcher.json"),
    fromBlock: o.fromBlock,
    confirmations: o.confirmations,
    pollMs: o.pollInterval,
    log: say,
    debug: o.verbose ? say : undefined,
  });
  await queue.start(defenceHandler(node, hub, signer.address));
  const head =
    `claims of operator ${node.operator} (protocol ${node.deployment.protocol}, ${conn.label}); ` +
    `defender ${signer.address}`;
  try {
    if (o.once) {
      const started = new Date().toISOString();
      await defendOpen(watcher, queue);
      const defences = watcher.defences();
      result(o, describe(defences, `watched ${head}`), { ...watcher.status(), operator: node.operator, defences });
      // Exit 1 when a defence of this run (or one still open) did not land; older outcomes are history.
      const recent = defences.filter((d) => !d.settledAt || d.settledAt >= started);
      if (recent.some((d) => d.state !== "landed")) process.exitCode = 1;
      return;
    }
    watcher.start();
    say(`watching ${head}; Ctrl-C to stop`);
    await new Promise<void>((resolve) => {
      process.once("SIGINT", resolve);
      process.once("SIGTERM", resolve);
    });
    say("stopping: running proof jobs finish, queued ones resume on the next start");
  } finally {
    await watcher.stop();
    await queue.close();
    await db.close();
  }
}

export async function run(o: Opts): Promise<void> {
  const node = readNode(resolveStateDir(o.stateDir));
  const conn = await connectChain({ ...o, ...chainOf(node, o) });
  try {
    await watch(conn, node, o);
  } finally {
    await conn.close().catch(() => {});
    await releaseCurve();
  }
}
