// assay node start (its options: ../commands/node-start.ts): an inference node over HTTP. Two ways to start:
//
//   development  on the embedded Hardhat network (default), or a JSON-RPC development chain
//                (chain id 31337 / 1337, or any chain with --dev-bootstrap) with unlocked accounts:
//                it deploys the protocol (or reuses the state directory's deployment), stakes an
//                operator from the dev accounts, registers the given models, starts the
//                development enclave and registers its key (prover/node/dev-bootstrap.ts).
//   real chain   with the operator's own key (--keystore / --key-file, or $ASSAY_PRIVATE_KEY with
//                --rpc) or a named deployment (--protocol / --deployment): it deploys, stakes and
//                registers nothing; it attaches to the deployment, finds each model's registered
//                version by its verifying key (or --model-id), and signs everything in this
//                process (prover/node/existing-node.ts). Log scans take --log-range blocks per call.
//
// It writes node.json and deployment-<chainId>.json to the state directory (where the other chain
// commands look) and prints where it listens. On the embedded network, POST
// /rpc exposes the chain's read-only methods, so `assay audit --rpc <url>/rpc` can audit the
// node's claims.
//
// Exposure (prover/node/auth.ts, rpc-guard.ts): API keys from --api-keys <file> and/or
// $ASSAY_API_KEYS make /v1/infer and /v1/claims require a bearer token, with per-key request
// and proof-job limits. Without keys the node starts only on the embedded chain and on a
// loopback address, unless --no-auth says to run open anyway (loudly).
//
// Scale-out (prover/node/db/, bullmq-queue.ts): claims live in a database, the embedded SQLite in
// the state directory or --db postgres://... shared with other processes; proof jobs live in the
// same database, or on BullMQ (--queue redis://...) where `assay worker` processes on any machine
// run them. --no-prove makes this node an API node only (its jobs are run elsewhere), which is
// refused unless something else can run them: workers (--queue) or other nodes on the shared
// PostgreSQL database. The urls are not written to node.json (they may carry passwords).
import { ProvenBatcher, provenBatchFromOptions } from "../../node/proven-batcher.js";
import { existsSync } from "node:fs";
import path from "node:path";
import type { Contract } from "ethers";
import { type ChainConnection, type ChainSigner, connectChain } from "../../chain/chain-connection.js";
import { isDevelopmentChain } from "../../chain/dev-chain.js";
import { openDeployment } from "../../chain/open-deployment.js";
import { attachExistingNode } from "../../node/existing-node.js";
import {
  type DeploymentRecord,
  deploymentPath,
  readDeployment,
  stateDir as resolveStateDir,
  writeDeployment,
} from "../../chain/deployment-file.js";
import { attach, type Deployment } from "../../chain/protocol-client.js";
import { type CompiledModel, compileModel } from "../../compile-model.js";
import { InputError } from "../../errors.js";
import { openModel } from "../../model-store.js";
import { API_KEYS_ENV, checkExposure, loadApiKeys } from "../../node/auth.js";
import { DEFAULT_NODE_CONFIG, type NodeConfig } from "../../node/config.js";
import { bootstrapDevNode, type DevBootstrap, type DevModel, enclaveModelRefs } from "../../node/dev-bootstrap.js";
import { imageMeasurementId } from "../../node/enclave-registration.js";
import { enclaveImage } from "../../attest/enclave-client.js";
import { BullMqJobQueue, parseRedisUrl } from "../../node/bullmq-queue.js";
import { type Database, openDatabase } from "../../node/db/database.js";
import { InferenceService } from "../../node/inference-service.js";
import { RequestWatcher } from "../../node/request-watcher.js";
import type { JobQueue } from "../../node/job-queue.js";
import type { ProofJobPayload, ProofJobResult } from "../../node/proof-job.js";
import { type NodeState, readNodeState, runDir, writeNodeState } from "../../node/node-state.js";
import { type AccessOptions, type Eip1193Provider, startServer } from "../../node/server.js";
import { nodeExplorer } from "../../explorer/node-explorer.js"; // explorer (issue 11.4): the /ui pages
import { assertSetupAllowed } from "../../chain/setup-policy.js";
import { setupProvenance } from "../../zk/setup-provenance.js";
import { releaseCurve } from "../../zk/groth16.js";
import type { NodeStartOptions } from "../commands/node-start.js";
import { type GlobalOptions, progress, result } from "../output.js";
import { onnxInputShape, readSamples } from "./model-samples.js";
import { stageProgress } from "./model-compile.js";

type Opts = NodeStartOptions & GlobalOptions;

async function loadModel(spec: string, calib: string | undefined, ptauId: string | undefined, g: GlobalOptions) {
  if (spec.endsWith(".onnx")) {
    if (!calib)
      throw new InputError(
        `--calib <file> is needed to compile ${spec} ` +
          "(or compile it first with `assay model compile` and pass its circuit id)",
      );
    const stages = stageProgress(g);
    const model = await compileModel({
      onnx: spec,
      calibration: readSamples(calib, onnxInputShape(spec)).xs,
      generatedBy: `assay node start ${spec}`,
      onProgress: stages.onProgress,
    });
    stages.end();
    return model;
  }
  const model = await openModel(spec, ptauId);
  if (!model.setup)
    throw new InputError(
      `model ${model.ref.circuitId} has no Groth16 keys: run \`assay model compile\` without --no-setup`,
    );
  return model;
}

type Say = (line: string) => void;

async function loadModels(
  specs: string[],
  calib: string | undefined,
  ptauId: string | undefined,
  g: GlobalOptions,
): Promise<DevModel[]> {
  const out: DevModel[] = [];
  const seen = new Map<string, number>();
  for (const spec of specs) {
    const model: CompiledModel = await loadModel(spec, calib, ptauId, g);
    const base = path.basename(model.manifest.onnx.file).replace(/\.onnx$/, "") || model.ref.circuitId;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    out.push({ model, alias: n === 1 ? base : `${base}-${n}` });
  }
  return out;
}

/** The keys and limits from the options and the environment. */
function accessOptions(o: Opts): AccessOptions {
  return {
    keys: loadApiKeys({ file: o.apiKeys, env: process.env[API_KEYS_ENV] }),
    ratePerMinute: o.rateLimit,
    proofJobsPerKey: o.maxProofJobs,
    publicHosts: o.publicHost ?? [],
  };
}

/** On a persistent chain: this state dir's deployment, if it is still there and answers. */
async function reusableDeployment(chain: ChainConnection, stateDir: string, say: Say) {
  if (chain.ephemeral || !existsSync(deploymentPath(chain.chainId, stateDir))) return undefined;
  try {
    const deployment = readDeployment(chain.chainId, { dir: stateDir });
    await attach(chain.ethers, deployment);
    say(`reusing the deployment in ${deploymentPath(chain.chainId, stateDir)} (protocol ${deployment.protocol})`);
    return deployment;
  } catch (e) {
    say(`not reusing ${deploymentPath(chain.chainId, stateDir)}: ${(e as Error).message}`);
    return undefined;
  }
}

/** Gives models this node served before their model ids, when their approved images include this node's. */
async function reuseModelIds(
  chain: ChainConnection,
  deployment: Deployment,
  stateDir: string,
  models: DevModel[],
  enclave: boolean,
): Promise<void> {
  const previous = readNodeState(stateDir);
  if (previous?.deployment.protocol !== deployment.protocol) return;
  const { protocol } = await attach(chain.ethers, deployment);
  const measurement = enclave ? imageMeasurementId(enclaveImage({ models: enclaveModelRefs(models) })) : undefined;
  for (const m of models) {
    const known = previous.models.find((p) => p.circuitId === m.model.ref.circuitId);
    if (!known) continue;
    const approved: string[] = await (protocol as unknown as Contract).approvedImages(known.modelId);
    if (!measurement || approved.includes(measurement)) m.modelId = known.modelId;
  }
}

function nodeConfig(o: Opts): Partial<NodeConfig> {
  const config: Partial<NodeConfig> = {
    batch: o.batchSize === 0 ? null : { size: o.batchSize, intervalMs: o.batchInterval },
    provenBatch: provenBatchFromOptions(o),
    proveConcurrency: o.proveConcurrency,
  };
  if (o.signedMax !== undefined || o.attestedMax !== undefined) {
    config.policy = {
      signedMax: o.signedMax ?? DEFAULT_NODE_CONFIG.policy.signedMax,
      attestedMax: o.attestedMax ?? DEFAULT_NODE_CONFIG.policy.attestedMax,
    };
  }
  return config;
}

/** What a node serves with: the dev bootstrap's accounts and enclave, or an existing deployment's. */
type Boot = Pick<DevBootstrap, "deployment" | "served" | "enclave" | "registration"> & { operator: ChainSigner };

/** A real chain: the operator's key is held here, or a deployment was named. */
function realChainMode(chain: ChainConnection, o: Opts): boolean {
  return chain.localKey || o.protocol !== undefined || o.deployment !== undefined;
}

interface Started {
  boot: Boot;
  service: InferenceService;
  url: string;
  dataDir: string;
  /** Where claims and proof jobs live, and who runs the jobs (no passwords). */
  jobs: string[];
}

/**
 * --no-prove needs something else to run the jobs: workers on the BullMQ queue, or other nodes on a
 * shared PostgreSQL database. Checked before anything is compiled or connected.
 */
export function checkJobOptions(o: Pick<Opts, "db" | "queue" | "prove">): void {
  if (o.queue !== undefined) parseRedisUrl(o.queue);
  if (o.prove || o.queue !== undefined || /^postgres(ql)?:\/\//i.test(o.db ?? "")) return;
  throw new InputError(
    "--no-prove: this node would queue proof jobs that nothing runs; give --queue redis://... " +
      "(run them with `assay worker`) or --db postgres://... (run by other nodes on that database)",
  );
}

/** The BullMQ proof queue; this node declines the jobs of circuits it does not serve (another node's). */
async function openQueue(o: Opts, served: { model: CompiledModel }[], say: Say) {
  const circuits = new Set(served.map((m) => m.model.ref.circuitId));
  const queue: JobQueue<ProofJobPayload, ProofJobResult> = await BullMqJobQueue.open<ProofJobPayload, ProofJobResult>({
    url: o.queue!,
    prefix: o.queuePrefix,
    concurrency: ProvenBatcher.queueConcurrency(o.proveConcurrency, provenBatchFromOptions(o)),
    maxAttempts: DEFAULT_NODE_CONFIG.proveAttempts,
    decline: (p) => (circuits.has(p.circuitId) ? undefined : `circuit ${p.circuitId} is not served by this node`),
    log: say,
  });
  return queue;
}

function describeJobs(o: Opts, db: Database, queue: JobQueue<unknown, unknown> | undefined): string[] {
  const where = queue instanceof BullMqJobQueue ? `BullMQ at ${queue.label} (prefix ${queue.prefix})` : db.label;
  const who = o.prove ? `run here (${o.proveConcurrency} at once)` : "run by workers, not here (--no-prove)";
  return [`  claims     ${db.label}`, `  proofs     ${where}; ${who}`];
}

/** Bootstraps the node, starts its service and HTTP server; each started part is added to `cleanup`. */
async function startNode(
  chain: ChainConnection,
  o: Opts,
  ctx: { boot: () => Promise<Boot>; stateDir: string; say: Say; access: AccessOptions },
  cleanup: (() => Promise<unknown>)[],
): Promise<Started> {
  const boot = await ctx.boot();
  if (boot.enclave) cleanup.push(() => boot.enclave!.stop());
  const dataDir = runDir(ctx.stateDir, boot.deployment);
  const db = await openDatabase({ url: o.db, stateDir: dataDir, log: ctx.say });
  cleanup.push(() => db.close());
  const jobQueue = o.queue ? await openQueue(o, boot.served, ctx.say) : undefined;
  if (jobQueue) cleanup.push(() => jobQueue.close());
  const service = await InferenceService.start({
    ethers: chain.ethers,
    deployment: boot.deployment,
    operator: boot.operator,
    models: boot.served,
    enclave: boot.enclave,
    stateDir: dataDir,
    db,
    jobQueue,
    runProofJobs: o.prove,
    config: nodeConfig(o),
    watchChallenges: { maxBlockRange: o.logRange },
    log: ctx.say,
  });
  cleanup.push(() => service.close());
  const requestHub = o.requestHub === true ? (boot.deployment as DeploymentRecord).requestHub : o.requestHub;
  if (o.requestHub === true && !requestHub)
    throw new InputError(
      "--request-hub without an address: the deployment records no request hub " +
        "(deploy one with `assay deploy --request-hub`, or give its address)",
    );
  if (requestHub) {
    const requests = await RequestWatcher.open({
      hub: requestHub,
      minFee: o.requestMinFee,
      models: boot.served,
      service,
      operator: boot.operator,
      maxBlockRange: o.logRange,
      log: ctx.say,
    });
    requests.start();
    cleanup.push(() => requests.stop());
  }
  const rpc: Eip1193Provider = {
    request: ({ method, params }) => chain.ethers.provider.send(method, (params ?? []) as unknown[]),
  };
  const { app, url } = await startServer({
    service,
    access: ctx.access,
    host: o.host,
    port: o.port,
    rpc: chain.ephemeral ? rpc : undefined,
    log: ctx.say,
    logLevel: o.logLevel,
    // explorer (issue 11.4): the auditors' pages at /ui; the node's own records only when it has no API keys
    ui: await nodeExplorer({
      ethers: chain.ethers,
      deployment: boot.deployment,
      records: ctx.access.keys.length === 0 ? service : undefined,
      chainLabel: chain.label,
      logRange: o.logRange,
    }),
  });
  cleanup.push(() => app.close());
  return { boot, service, url, dataDir, jobs: describeJobs(o, db, jobQueue) };
}

function nodeState(chain: ChainConnection, { boot, service, url, dataDir }: Started): NodeState {
  const r = boot.registration;
  return {
    format: "assay.node" as const,
    version: 1 as const,
    url,
    rpc: chain.ephemeral ? `${url}/rpc` : null,
    chain: { embedded: chain.ephemeral, label: chain.label, chainId: boot.deployment.chainId },
    deployment: boot.deployment,
    operator: boot.operator.address,
    models: boot.served.map((s) => ({
      modelId: s.modelId,
      circuitId: s.model.ref.circuitId,
      ptauId: s.model.ref.ptauId,
      alias: s.alias,
    })),
    enclave: r
      ? {
          address: r.key,
          measurement: r.measurement,
          expiresAt: r.expiresAt,
          attestationDocHash: r.attestationDocHash,
          documentFile: r.documentFile,
        }
      : null,
    policy: {
      signedMax: service.config.policy.signedMax.toString(),
      attestedMax: service.config.policy.attestedMax.toString(),
    },
    dataDir,
    pid: process.pid,
    startedAt: new Date().toISOString(),
  };
}

function describeAccess(a: AccessOptions): string {
  const limits = `${a.ratePerMinute} requests/min and ${a.proofJobsPerKey} proof jobs`;
  return a.keys.length > 0
    ? `${a.keys.length} API key(s): ${a.keys.map((k) => k.name).join(", ")}; ${limits} per key`
    : `OPEN (no API key); ${limits} per client address`;
}

function describeNode(state: NodeState, stateDir: string, access: AccessOptions, jobs: string[]): string {
  const enclave = state.enclave
    ? `${state.enclave.address} (image ${state.enclave.measurement})`
    : "none (no Attested level)";
  const body = `{"model":"${state.models[0].alias}","input":[...],"valueAtRisk":"1"}`;
  return [
    `assay node listening on ${state.url}`,
    `  chain      ${state.chain.label} (chain id ${state.chain.chainId})` +
      `${state.rpc ? `; JSON-RPC at ${state.rpc}` : ""}`,
    `  protocol   ${state.deployment.protocol}`,
    `  operator   ${state.operator}`,
    `  enclave    ${enclave}`,
    `  access     ${describeAccess(access)}`,
    ...state.models.map((m) => `  model      ${m.alias}  ${m.modelId}  (circuit ${m.circuitId})`),
    ...jobs,
    `  state      ${stateDir}`,
    `  explorer   ${state.url}/ui`, // explorer (issue 11.4)
    `  try        curl -s ${state.url}/v1/infer -H 'content-type: application/json' ` +
      `${access.keys.length > 0 ? "-H 'authorization: Bearer <token>' " : ""}-d '${body}'`,
  ].join("\n");
}

/** On SIGINT / SIGTERM: post the waiting batch, finish running jobs, stop everything, exit 0. */
function stopOnSignals(unwind: () => Promise<void>, say: Say): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(`${signal}: posting the waiting batch and finishing running proof jobs (queued ones resume on the next start)`);
    await unwind();
    process.exit(0);
  };
  process.once("SIGINT", () => void stop("SIGINT"));
  process.once("SIGTERM", () => void stop("SIGTERM"));
}

/** Everything after the chain is connected; a failure unwinds what was started. */
async function serve(
  chain: ChainConnection,
  o: Opts,
  g: GlobalOptions,
  models: DevModel[],
  access: AccessOptions,
): Promise<void> {
  const say = (line: string) => progress(g, line);
  const stateDir = resolveStateDir(o.stateDir);
  // Until the node is up, a failure must not leave the enclave process or the chain running.
  const cleanup: (() => Promise<unknown>)[] = [() => chain.close()];
  const unwind = async () => {
    for (const f of cleanup.reverse()) await f().catch(() => {});
    await releaseCurve();
  };
  try {
    let started: Started;
    if (realChainMode(chain, o)) {
      const { deployment } = await openDeployment(chain, {
        stateDir,
        deployment: o.deployment,
        protocol: o.protocol,
      });
      if (o.modelId && o.modelId.length !== models.length)
        throw new InputError(`--model-id was given ${o.modelId.length} time(s) for ${models.length} model(s)`);
      o.modelId?.forEach((id, i) => (models[i].modelId = id));
      if (o.enclave) say("enclave: none (on an existing deployment the node serves Signed and Proven)");
      const boot = async (): Promise<Boot> => ({
        ...(await attachExistingNode({
          ethers: chain.ethers,
          deployment,
          operator: chain.signer,
          models,
          logRange: o.logRange,
          log: say,
        })),
      });
      started = await startNode(chain, o, { boot, stateDir, say, access }, cleanup);
      if (!existsSync(deploymentPath(chain.chainId, stateDir))) await writeDeployment(deployment, stateDir);
    } else {
      if (!chain.ephemeral && !isDevelopmentChain(chain.chainId) && !o.devBootstrap)
        throw new InputError(
          `chain ${chain.chainId} is not a development chain: give the operator's key (--keystore or --key-file) ` +
            "and the deployment (--protocol, --deployment or the state directory's), or --dev-bootstrap to " +
            "deploy and register with the endpoint's unlocked accounts (testing only)",
        );
      // On a persistent chain, reuse this state dir's deployment and the model versions that
      // approve this node's enclave image.
      const deployment = await reusableDeployment(chain, stateDir, say);
      if (deployment) await reuseModelIds(chain, deployment, stateDir, models, o.enclave);
      const firstBlock = await chain.ethers.provider.getBlockNumber();
      const boot = () =>
        bootstrapDevNode({
          ethers: chain.ethers,
          models,
          deployment,
          enclave: o.enclave,
          stateDir,
          log: say,
        });
      started = await startNode(chain, o, { boot, stateDir, say, access }, cleanup);
      const deploymentRecord = deployment
        ? readDeployment(chain.chainId, { dir: stateDir })
        : { ...started.boot.deployment, blockNumber: firstBlock };
      await writeDeployment(deploymentRecord, stateDir);
    }
    const state = nodeState(chain, started);
    await writeNodeState(stateDir, state);
    stopOnSignals(unwind, say);
    result(g, describeNode(state, stateDir, access, started.jobs), state);
  } catch (e) {
    await unwind();
    throw e;
  }
}

/** Development-ceremony keys on a chain with value: refused unless --allow-dev-setup. */
async function refuseDevelopmentKeys(chain: ChainConnection, models: DevModel[], allow: boolean): Promise<void> {
  try {
    for (const m of models) {
      const { development } = await setupProvenance(m.model);
      const what = `model ${m.alias ?? m.model.ref.circuitId} (${m.model.ref.circuitId})`;
      assertSetupAllowed({ chainId: chain.chainId, development, allowDevSetup: allow, what });
      if (development && allow && !chain.ephemeral) {
        process.stderr.write(`assay: WARNING: ${what} uses development keys: anyone can forge its proofs\n`);
      }
    }
  } catch (e) {
    await chain.close();
    throw e;
  }
}

export async function run(o: Opts): Promise<void> {
  const g = o;
  // Before compiling or connecting anything: what is known without the chain (--rpc is a real one).
  const access = accessOptions(o);
  checkJobOptions(o);
  const exposure = { host: o.host, keys: access.keys.length, noAuth: !o.auth };
  checkExposure({ ...exposure, embedded: o.rpc === undefined });
  const models = await loadModels(o.models, o.calib, o.ptauId, g);
  await releaseCurve();
  const chain = await connectChain({
    rpc: o.rpc,
    network: o.network,
    keystore: o.keystore,
    passwordFile: o.passwordFile,
    keyFile: o.keyFile,
  });
  progress(g, `chain: ${chain.label} (chain id ${chain.chainId})`);
  let warnings: string[];
  try {
    warnings = checkExposure({ ...exposure, embedded: chain.ephemeral });
  } catch (e) {
    await chain.close();
    throw e;
  }
  // Security warnings print even under --quiet / --json (stderr; stdout stays one document).
  for (const w of warnings) process.stderr.write(`assay: ${w}\n`);
  await refuseDevelopmentKeys(chain, models, o.allowDevSetup === true);
  await serve(chain, o, g, models, access);
}
