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
import { lazyAction } from "../lazy-action.js";
import { intOption } from "../parse.js";
import { deploymentOptions } from "./chain-options.js";
import { provenBatchOptions, type ProvenBatchOptions } from "./proven-batch-options.js";

export interface WorkerOptions extends ProvenBatchOptions {
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

const HELP = `
What it does:
  \`assay node start --queue redis://... --db postgres://... --no-prove\` answers requests and queues a
  proof job for each Proven claim (and each challenged claim it defends) on BullMQ. \`assay worker\`
  processes, on this or other machines, take those jobs: prove the claim with a model compiled here
  (--models: \`assay model compile\` output in $ASSAY_CACHE_DIR), submit the proof from the worker's own
  account (--account; it is bound into the proof and becomes the claim's beneficiary, so it pays the
  gas) in batches of up to --proven-batch-size claims per submitProvenBatch transaction, and record
  the outcome in the node's database (--db: the same one the node uses, so GET /v1/claims/:id shows
  it; PostgreSQL for workers on other machines).
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

export function defineWorker(program: Command): void {
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
    .option("--concurrency <n>", "proofs computed at once", intOption("--concurrency", 1, 64), 1);
  provenBatchOptions(cmd);
  deploymentOptions(cmd);
  cmd.addHelpText("after", HELP);
  cmd.action(lazyAction(() => import("../actions/worker.js")));
}
