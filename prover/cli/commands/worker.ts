// assay worker: runs the proof jobs a node queued on BullMQ (`assay node start --queue ...`), on
// any machine that has the compiled models. Each job proves one claim with binding =
// bindingFor(claimId, this worker's address), submits submitProven from this worker's own account
// (the proof is bound to msg.sender, so the sender must be the account named in the binding, and
// the worker is the claim's beneficiary), and records the outcome in the node's claim store (the
// shared database), where GET /v1/claims/:id reads it.
//
// Decisions:
//   A job for a circuit this worker does not serve (or whose registered key is not this worker's)
//   is left in the queue for a worker that serves it (BullMqJobQueue `decline`: back in the queue
//   after a few seconds, no attempt used), never failed here: another worker may prove it. If no
//   worker serves it, it stays queued, visible in the node's job counts.
//   Transactions: proofs run in parallel (--concurrency) and their submitProven transactions are
//   sent through one TxSender (prover/node/tx-sender.ts), which hands each to the chain before the
//   next is built, so the account's nonces never collide, while receipts are awaited in parallel.
//   ethers' NonceManager would count nonces locally instead: quicker to broadcast, but its count
//   goes wrong after a send that fails once it was taken, or a restart with transactions pending,
//   and needs resetting; a proof takes seconds, the broadcast milliseconds, so serializing the
//   broadcast costs nothing. One account per worker process (two processes on one account race).
import type { Command } from "commander";
import type { Contract } from "ethers";
import { type ChainConnection, connectChain } from "../../chain/chain-connection.js";
import { openDeployment } from "../../chain/open-deployment.js";
import type { CompiledModel } from "../../compile-model.js";
import { InputError } from "../../errors.js";
import { openModel } from "../../model-store.js";
import { BullMqJobQueue, parseRedisUrl } from "../../node/bullmq-queue.js";
import { ClaimStore } from "../../node/claim-store.js";
import { type Database, openDatabase } from "../../node/db/database.js";
import type { JobHandler } from "../../node/job-queue.js";
import {
  type ProofJobPayload,
  type ProofJobResult,
  proofJobHandler,
  recordProofOutcome,
} from "../../node/proof-job.js";
import { TxSender } from "../../node/tx-sender.js";
import { releaseCurve } from "../../zk/groth16.js";
import { verifyingKeyId } from "../../zk/vkey-encoding.js";
import { type GlobalOptions, progress, result } from "../output.js";
import { intOption } from "../parse.js";
import { deploymentOptions } from "./chain-options.js";

interface Opts extends GlobalOptions {
  queue: string;
  queuePrefix: string;
  db: string;
  models: string[];
  ptauId?: string;
  rpc?: string;
  network?: string;
  account?: string;
  stateDir?: string;
  deployment?: string;
  protocol?: string;
  concurrency: number;
}

type Say = (line: string) => void;

const HELP = `
What it does:
  \`assay node start --queue redis://... --db postgres://... --no-prove\` answers requests and queues a
  proof job for each Proven claim (and each challenged claim it defends) on BullMQ. \`assay worker\`
  processes, on this or other machines, take those jobs: prove the claim with a model compiled here
  (--models: \`assay model compile\` output in $ASSAY_CACHE_DIR), submit the proof from the worker's own
  account (--account; it is bound into the proof and becomes the claim's beneficiary, so it pays the
  gas), and record the outcome in the node's database (--db: the same one the node uses, so
  GET /v1/claims/:id shows it; PostgreSQL for workers on other machines).
  Jobs whose circuit is not among --models are left in the queue for a worker that has it. Failed
  attempts are retried with backoff, as the node set when it queued them; a job whose worker died is
  taken up again by another worker once its lock lapses (30 s). SIGINT / SIGTERM: running proofs
  finish and are submitted, queued jobs stay for other workers, and the worker exits 0.
  The protocol is this state dir's deployment for the connected chain, or --deployment / --protocol.
  $ASSAY_PROVER_THREADS=1 proves on this process's own thread (snarkjs otherwise starts one thread per
  CPU): for several workers on one machine, one core each.

Examples:
  assay worker --queue redis://10.0.0.5:6379 --db postgres://assay@10.0.0.6/assay \\
    --models 3f2a9c01 --rpc http://10.0.0.7:8545 --account 3
  ASSAY_PRIVATE_KEY=0x... assay worker --queue redis://:secret@redis:6379/1 --db postgres://assay@db/assay \\
    --models 3f2a9c01 7b0e44d2 --rpc https://rpc.example --protocol 0x5FbDB2315678afecb367f032d93F642f64180aa3 \\
    --concurrency 2`;

/** The compiled models with keys, by full circuit id. */
async function loadModels(specs: string[], ptauId: string | undefined): Promise<Map<string, CompiledModel>> {
  const out = new Map<string, CompiledModel>();
  for (const spec of specs) {
    const model = await openModel(spec, ptauId);
    if (!model.setup || !model.vkey)
      throw new InputError(
        `model ${model.ref.circuitId} has no Groth16 keys: run \`assay model compile\` without --no-setup`,
      );
    out.set(model.ref.circuitId, model);
  }
  return out;
}

/**
 * Why this worker leaves a job to others: a circuit it does not have, or a model whose registered
 * verifying key is not this worker's key for the circuit (a different setup). Key checks are
 * cached per model id; a failed chain read is not, and lets the job run (it fails there if the
 * chain is down, and is retried).
 */
function declineFor(models: Map<string, CompiledModel>, hub: Contract) {
  const keyChecks = new Map<string, string | undefined>();
  const served = [...models.keys()].map((c) => c.slice(0, 12)).join(", ");
  return async (p: ProofJobPayload): Promise<string | undefined> => {
    const model = models.get(p.circuitId);
    if (!model) return `circuit ${p.circuitId} is not served here (serving ${served})`;
    const key = p.modelId.toLowerCase();
    if (keyChecks.has(key)) return keyChecks.get(key);
    let registered: string;
    try {
      registered = (await hub.modelVersion(p.modelId)).verifyingKeyId;
    } catch {
      return undefined;
    }
    const mine = verifyingKeyId(model.vkey!);
    const why =
      registered === mine
        ? undefined
        : `model ${p.modelId} is registered with key ${registered}; ` +
          `this worker's key for circuit ${p.circuitId} is ${mine}`;
    keyChecks.set(key, why);
    return why;
  };
}

/** The proof-job handler with a line when a job is taken, proved and submitted, or an attempt fails. */
function loggedHandler(
  prove: (p: ProofJobPayload) => Promise<ProofJobResult>,
  say: Say,
  running: { n: number },
): JobHandler<ProofJobPayload, ProofJobResult> {
  return async (p, job) => {
    running.n++;
    say(`job ${job.id}: taken (claim ${p.claimId}, circuit ${p.circuitId.slice(0, 12)}, attempt ${job.attempts})`);
    try {
      const r = await prove(p);
      say(
        r.transaction
          ? `job ${job.id}: proved in ${(r.proveMs / 1000).toFixed(1)} s; submitProven tx ${r.transaction.hash} ` +
              `(block ${r.transaction.blockNumber}, gas ${r.transaction.gasUsed})`
          : `job ${job.id}: claim ${p.claimId} is already Proven on chain; nothing sent`,
      );
      return r;
    } catch (e) {
      say(`job ${job.id}: attempt ${job.attempts} failed: ${(e as Error).message}`);
      throw e;
    } finally {
      running.n--;
    }
  };
}

function waitForSignal(): Promise<string> {
  return new Promise((resolve) => {
    process.once("SIGINT", () => resolve("SIGINT"));
    process.once("SIGTERM", () => resolve("SIGTERM"));
  });
}

async function work(
  conn: ChainConnection,
  db: Database,
  models: Map<string, CompiledModel>,
  o: Opts,
  g: GlobalOptions,
) {
  const say: Say = (line) => progress(g, line);
  const d = await openDeployment(conn, o);
  const hub = d.protocol as unknown as Contract;
  const worker = conn.signer.address;
  const store = new ClaimStore(db, say);
  const queue = await BullMqJobQueue.open<ProofJobPayload, ProofJobResult>({
    url: o.queue,
    prefix: o.queuePrefix,
    concurrency: o.concurrency,
    decline: declineFor(models, hub),
    log: say,
  });
  const records = new Set<Promise<void>>();
  queue.onSettled((job) => {
    const p = recordProofOutcome(store, job, say).finally(() => records.delete(p));
    records.add(p);
  });
  const running = { n: 0 };
  const prove = proofJobHandler({
    hub,
    sender: new TxSender(hub.interface, { provider: hub.runner!.provider! }),
    beneficiary: worker,
    model: (circuitId) => models.get(circuitId),
  });
  const stopped = waitForSignal();
  try {
    await queue.start(loggedHandler(prove, say, running));
    const info = {
      worker,
      queue: queue.label,
      prefix: queue.prefix,
      database: db.label,
      chain: conn.label,
      chainId: conn.chainId.toString(),
      protocol: d.deployment.protocol,
      circuits: [...models.keys()],
      concurrency: o.concurrency,
    };
    result(
      g,
      [
        `assay worker ${worker} taking proof jobs`,
        `  queue      ${info.queue} (prefix ${info.prefix}, ${info.concurrency} at once)`,
        `  claims     ${info.database}`,
        `  chain      ${info.chain} (chain id ${info.chainId}); protocol ${info.protocol}`,
        ...info.circuits.map((c) => `  circuit    ${c}`),
      ].join("\n"),
      info,
    );
    const signal = await stopped;
    say(`${signal}: finishing ${running.n} running job(s); queued jobs stay for other workers`);
  } finally {
    await queue.close();
    while (records.size > 0) await Promise.all([...records]);
  }
}

export function registerWorker(program: Command, globals: () => GlobalOptions): void {
  const cmd = program
    .command("worker")
    .summary("run a node's proof jobs from its BullMQ queue (on any machine)")
    .description(
      "take the proof jobs an `assay node start --queue` node queued, prove them with the models compiled here, " +
        "submit each proof from this worker's account and record the outcome in the node's database",
    )
    .requiredOption("--queue <redis url>", "the node's BullMQ queue: redis://[user:password@]host[:port][/db]")
    .option("--queue-prefix <prefix>", "the node's queue key prefix (its --queue-prefix)", "assay")
    .requiredOption("--db <url>", "the node's database: postgres://... (shared), or its SQLite file on this machine")
    .requiredOption("--models <circuit ids...>", "compiled models (circuit ids or unique prefixes) this worker proves")
    .option("--ptau-id <id>", "which keys to use for circuit ids set up more than once")
    .option("--concurrency <n>", "proof jobs run at once", intOption("--concurrency", 1, 64), 1);
  deploymentOptions(cmd);
  cmd.addHelpText("after", HELP);
  cmd.action(async (o: Opts) => {
    const g = { ...globals(), ...o };
    const say: Say = (line) => progress(g, line);
    parseRedisUrl(o.queue); // a malformed url fails before anything is loaded or connected
    const models = await loadModels(o.models, o.ptauId);
    await releaseCurve();
    const conn = await connectChain(o);
    let db: Database | undefined;
    try {
      say(`chain: ${conn.label} (chain id ${conn.chainId}); worker account ${conn.signer.address}`);
      db = await openDatabase({ url: o.db, log: say });
      await work(conn, db, models, o, g);
    } finally {
      await db?.close().catch(() => {});
      await conn.close().catch(() => {});
      await releaseCurve();
    }
    // Nothing of this command should keep the process alive now; a library that still does is not waited for.
    process.exit(process.exitCode ?? 0);
  });
}
