// assay node start: an inference node over HTTP. Two ways to start:
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
import { type Command, Option } from "commander";
import type { LogLevel } from "../../node/server.js";
import { lazyAction } from "../lazy-action.js";
import { AMOUNT_HELP, addressOption, amountOption, intOption } from "../parse.js";
import { HELP_POLICY_DEFAULTS } from "./infer.js";
import { provenBatchOptions, type ProvenBatchOptions } from "./proven-batch-options.js";

export interface NodeStartOptions extends ProvenBatchOptions {
  port: number;
  host: string;
  models: string[];
  calib?: string;
  ptauId?: string;
  rpc?: string;
  network?: string;
  batchSize: number;
  batchInterval: number;
  proveConcurrency: number;
  stateDir?: string;
  signedMax?: bigint;
  attestedMax?: bigint;
  enclave: boolean;
  allowDevSetup?: boolean;
  apiKeys?: string;
  auth: boolean;
  rateLimit: number;
  maxProofJobs: number;
  publicHost?: string[];
  db?: string;
  queue?: string;
  queuePrefix: string;
  /** false with --no-prove. */
  prove: boolean;
  logLevel: LogLevel;
  keystore?: string;
  passwordFile?: string;
  keyFile?: string;
  protocol?: string;
  deployment?: string;
  modelId?: string[];
  logRange: number;
  devBootstrap?: boolean;
  /** An address, or true: the hub the deployment file records. */
  requestHub?: string | true;
  requestMinFee?: bigint;
}

/**
 * What --help shows of prover/node (not imported here: those modules load fastify and ethers):
 * server.ts's LOG_LEVELS, auth.ts's API_KEYS_ENV and MIN_TOKEN_LENGTH, config.ts's
 * DEFAULT_ACCESS_LIMITS. test/cli/startup.test.ts holds them equal.
 */
export const HELP_LOG_LEVELS = [
  "fatal",
  "error",
  "warn",
  "info",
  "debug",
  "trace",
  "silent",
] as const satisfies readonly LogLevel[];
export const HELP_ACCESS = {
  apiKeysEnv: "ASSAY_API_KEYS",
  minTokenLength: 16,
  ratePerMinute: 60,
  proofJobsPerKey: 4,
} as const;

/** Which chain, which key, which deployment (the development bootstrap or an existing deployment). */
function addChainOptions(cmd: Command): Command {
  return cmd
    .option(
      "--rpc <url>",
      "JSON-RPC chain: a real one with the operator's key (--keystore / --key-file), or a development chain " +
        "with unlocked accounts (default: the embedded Hardhat network)",
    )
    .option("--network <name>", "a network from hardhat.config.ts")
    .option("--keystore <file>", "the operator's encrypted JSON keystore (signs here, never at the endpoint)")
    .option("--password-file <file>", "the keystore's password (first line; default $ASSAY_KEYSTORE_PASSWORD)")
    .option("--key-file <file>", "the operator's hex private key in a file (mode 0600)")
    .option("--protocol <address>", "serve this existing AssayProtocol deployment (nothing is deployed)")
    .option("--deployment <file>", "serve the deployment in this file (default <state dir>/deployment-<chainId>.json)")
    .option(
      "--model-id <id>",
      "the on-chain model id of each --models entry, in order (default: looked up by its verifying key; repeatable)",
      (v: string, acc: string[] = []) => [...acc, v],
    )
    .option(
      "--log-range <blocks>",
      "blocks per eth_getLogs call (model lookup, challenge watcher); public endpoints cap it",
      intOption("--log-range", 1, 1_000_000),
      2000,
    )
    .option(
      "--dev-bootstrap",
      "on a JSON-RPC chain that is not a development chain id: deploy, stake and register from its unlocked " +
        "accounts anyway (testing only)",
    );
}

/** How claims are batched on chain (Signed roots, proven batches) and how many proofs run at once. */
function addBatchOptions(cmd: Command): Command {
  return provenBatchOptions(cmd)
    .option(
      "--batch-size <n>",
      "Signed claims per Merkle root (0: submit each claim alone)",
      intOption("--batch-size", 0, 100_000),
      32,
    )
    .option(
      "--batch-interval <ms>",
      "post a partial batch this long after its first claim",
      intOption("--batch-interval", 1, 86_400_000),
      2_000,
    )
    .option("--prove-concurrency <n>", "proof jobs run at once", intOption("--prove-concurrency", 1, 64), 1);
}

function addOptions(cmd: Command): Command {
  return cmd
    .requiredOption("--models <models...>", "circuit ids (from `assay model compile`) or .onnx files (with --calib)")
    .option("--calib <file>", "calibration inputs for .onnx models")
    .option("--ptau-id <id>", "which keys to use for circuit ids set up more than once")
    .option("--port <n>", "HTTP port (0: any free port)", intOption("--port", 0, 65535), 8787)
    .option(
      "--host <addr>",
      "address to listen on (any other than loopback warns, and needs API keys or --no-auth)",
      "127.0.0.1",
    )
    .option(
      "--state-dir <dir>",
      "node.json, deployment files, claims and proof jobs (default $ASSAY_STATE_DIR or .assay/)",
    )
    .option(
      "--signed-max <amount>",
      "node policy: largest value at risk served at Signed when a request names no consumer " +
        `(${AMOUNT_HELP}; default ${HELP_POLICY_DEFAULTS.signedMax})`,
      amountOption("--signed-max"),
    )
    .option(
      "--attested-max <amount>",
      `node policy: largest value at risk served at Attested (default ${HELP_POLICY_DEFAULTS.attestedMax})`,
      amountOption("--attested-max"),
    )
    .option("--no-enclave", "run no enclave (no Attested level)")
    .option(
      "--request-hub [address]",
      "answer the on-chain inference requests of this AssayRequestHub (no address: the deployment's, " +
        "recorded by `assay deploy --request-hub`)",
      addressOption("--request-hub"),
    )
    .option(
      "--request-min-fee <amount>",
      `leave on-chain requests paying less alone (${AMOUNT_HELP})`,
      amountOption("--request-min-fee"),
    )
    .option(
      "--db <url>",
      "claims and (without --queue) proof jobs: postgres://... shared with other processes, or a SQLite file " +
        "(default: SQLite in the state directory)",
    )
    .option(
      "--queue <redis url>",
      "proof jobs on BullMQ at redis://[user:password@]host[:port][/db], for `assay worker`",
    )
    .option("--queue-prefix <prefix>", "key prefix of the BullMQ queue (workers give the same)", "assay")
    .option("--no-prove", "run no proof jobs here (workers or other nodes do): needs --queue or --db postgres://...")
    .addOption(
      new Option("--log-level <level>", "HTTP request log (JSON lines on stderr)")
        .choices(HELP_LOG_LEVELS)
        .default("info"),
    )
    .option(
      "--allow-dev-setup",
      "serve models whose keys come from the development powers of tau on a chain that is not a local " +
        "development chain (anyone can forge their proofs: testing only)",
    );
}

const EXPOSURE_HELP = `
Exposure:
  The node listens on 127.0.0.1 by default. Every Proven request costs its operator a ~270k-gas
  transaction, so on a real chain (--rpc / --network) or a non-loopback --host the node refuses
  to start without API keys unless --no-auth is given (it then warns loudly). On the embedded
  development chain it may run open and says so. Key files hold one "name:token" per line ('#'
  comments) or JSON; $${HELP_ACCESS.apiKeysEnv} takes the same, entries separated by newlines or commas.
  Tokens need ${HELP_ACCESS.minTokenLength}+ characters (e.g. \`openssl rand -hex 24\`); limits count per key name.
  401: missing or wrong key; 429: over --rate-limit or --max-proof-jobs (nothing is run or sent).
  GET /healthz and GET /v1/models stay open.

  POST /rpc (embedded chain only) passes read-only JSON-RPC methods: eth_chainId, eth_blockNumber,
  eth_call, eth_estimateGas, eth_getBalance, eth_getCode, eth_getStorageAt, eth_getLogs,
  eth_getTransactionReceipt, eth_getTransactionByHash, eth_getTransactionCount,
  eth_getBlockByNumber, eth_getBlockByHash, eth_gasPrice, eth_feeHistory,
  eth_maxPriorityFeePerGas, net_version, web3_clientVersion. Anything else (eth_sendTransaction,
  eth_sign*, personal_*, evm_*, hardhat_*, debug_*, eth_accounts), or a batch holding it, gets a
  JSON-RPC error -32601 (HTTP 200) and nothing in the request runs. Its Host header must be
  localhost, 127.0.0.1, [::1] or a --public-host name (else HTTP 403; a DNS-rebinding defence);
  without keys the same Host check guards /v1.`;

/** API keys, limits and host names (prover/node/auth.ts, rpc-guard.ts). */
function addAccessOptions(cmd: Command): Command {
  return cmd
    .option(
      "--api-keys <file>",
      `API keys: "name:token" lines (or JSON {"name": "token"}); also read from $${HELP_ACCESS.apiKeysEnv}. ` +
        "Clients send `Authorization: Bearer <token>` to /v1/infer and /v1/claims",
    )
    .option("--no-auth", "serve without API keys on a real chain or a public address (open to anyone: loud warning)")
    .option(
      "--rate-limit <n>",
      "requests per minute to POST /v1/infer, per API key (per client address without keys)",
      intOption("--rate-limit", 1, 1_000_000),
      HELP_ACCESS.ratePerMinute,
    )
    .option(
      "--max-proof-jobs <n>",
      "proof jobs queued or running at once, per API key; one more Proven request gets 429",
      intOption("--max-proof-jobs", 1, 10_000),
      HELP_ACCESS.proofJobsPerKey,
    )
    .option(
      "--public-host <name>",
      "a host name clients use to reach the node, accepted in Host headers (/rpc; /v1 without keys; repeatable)",
      (v: string, acc: string[] = []) => [...acc, v],
    )
    .addHelpText("after", EXPOSURE_HELP);
}

export function defineNodeStart(program: Command): void {
  const node = program.command("node").description("run an inference node");
  const cmd = node
    .command("start")
    .description("serve inferences over HTTP, each at the level of evidence its value at risk needs");
  addAccessOptions(addChainOptions(addBatchOptions(addOptions(cmd)))).action(
    lazyAction(() => import("../actions/node-start.js")),
  );
}
