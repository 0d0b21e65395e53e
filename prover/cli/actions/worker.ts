// assay worker: takes a node's proof jobs from BullMQ, proves, submits, records the outcome.
import { ProvenBatcher, provenBatchFromOptions } from "../../node/proven-batcher.js";
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
import type { WorkerOptions } from "../commands/worker.js";
import { type GlobalOptions, progress, result } from "../output.js";

type Opts = WorkerOptions & GlobalOptions;

type Say = (line: string) => void;

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

async function work(conn: ChainConnection, db: Database, models: Map<string, CompiledModel>, o: Opts) {
  const say: Say = (line) => progress(o, line);
  const d = await openDeployment(conn, o);
  const hub = d.protocol as unknown as Contract;
  const worker = conn.signer.address;
  const store = new ClaimStore(db, say);
  const queue = await BullMqJobQueue.open<ProofJobPayload, ProofJobResult>({
    url: o.queue,
    prefix: o.queuePrefix,
    concurrency: ProvenBatcher.queueConcurrency(o.concurrency, provenBatchFromOptions(o)),
    decline: declineFor(models, hub),
    log: say,
  });
  const records = new Set<Promise<void>>();
  queue.onSettled((job) => {
    const p = recordProofOutcome(store, job, say).finally(() => records.delete(p));
    records.add(p);
  });
  const running = { n: 0 };
  const sender = new TxSender(hub.interface, { provider: hub.runner!.provider! });
  const batch = provenBatchFromOptions(o);
  const batcher = batch ? new ProvenBatcher({ ...batch, hub, sender, proveSlots: o.concurrency, log: say }) : undefined;
  const prove = proofJobHandler({
    hub,
    sender,
    beneficiary: worker,
    model: (circuitId) => models.get(circuitId),
    batcher,
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
      o,
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
    await batcher?.close();
    while (records.size > 0) await Promise.all([...records]);
  }
}

export async function run(o: Opts): Promise<void> {
  const say: Say = (line) => progress(o, line);
  parseRedisUrl(o.queue); // a malformed url fails before anything is loaded or connected
  const models = await loadModels(o.models, o.ptauId);
  await releaseCurve();
  const conn = await connectChain(o);
  let db: Database | undefined;
  try {
    say(`chain: ${conn.label} (chain id ${conn.chainId}); worker account ${conn.signer.address}`);
    db = await openDatabase({ url: o.db, log: say });
    await work(conn, db, models, o);
  } finally {
    await db?.close().catch(() => {});
    await conn.close().catch(() => {});
    await releaseCurve();
  }
  // Nothing of this command should keep the process alive now; a library that still does is not waited for.
  process.exit(process.exitCode ?? 0);
}
