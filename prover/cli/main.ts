// The assay command line. Each command's options are defined in commands/ and its work is in
// actions/, imported only when it runs (lazy-action.ts), so `--help` and `--version` start fast.
// Every error, commander's usage errors included, becomes one line on stderr and an exit code
// (error-line.ts); with --json, stdout holds exactly one JSON document (the result, or
// { "error": {...} }) and progress stays on stderr.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Command } from "commander";
import { defineAudit } from "./commands/audit.js";
import { defineChallenge } from "./commands/challenge.js";
import { defineCredit } from "./commands/credit.js";
import { defineDeploy } from "./commands/deploy.js";
import { defineExplorer } from "./commands/explorer.js"; // explorer (issue 11.4)
import { defineInfer } from "./commands/infer.js";
import { defineKey } from "./commands/key.js";
import { defineModelCompile } from "./commands/model-compile.js";
import { defineModelList } from "./commands/model-list.js";
import { defineModelRegister } from "./commands/model-register.js";
import { defineModelVerifySetup } from "./commands/model-verify-setup.js";
import { defineNodeStart } from "./commands/node-start.js";
import { defineProve } from "./commands/prove.js";
import { defineStake } from "./commands/stake.js";
import { defineSubmit } from "./commands/submit.js";
import { defineUnstake } from "./commands/unstake.js";
import { defineVerify } from "./commands/verify.js";
import { defineWatch } from "./commands/watch.js";
import { defineWorker } from "./commands/worker.js";
import { type GlobalOptions, reportError } from "./output.js";

/** The version in the package's package.json (the first one above this file: sources or dist/). */
function packageVersion(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = path.join(dir, "package.json");
    if (existsSync(file)) {
      const v = (JSON.parse(readFileSync(file, "utf8")) as { version?: unknown }).version;
      if (typeof v === "string") return v;
    }
    const up = path.dirname(dir);
    if (up === dir) return "unknown";
    dir = up;
  }
}

const program = new Command();
program
  .name("assay")
  .description(
    "Verifiable ML inference for EVM chains: compile an ONNX model to a Groth16 circuit, register it on chain, " +
      "run inferences whose evidence (Signed, Attested, Proven) follows the value at risk, prove and submit " +
      "claims, and audit any claim from chain data. Chain commands take --rpc <url> or --network <name> " +
      "(default: the embedded Hardhat network, which lives only as long as the command). Amounts are wei, or a " +
      "decimal with a unit: 0.5eth, 12gwei. Artifacts are cached in $ASSAY_CACHE_DIR (default .assay/); " +
      "deployments are recorded in $ASSAY_STATE_DIR (default the same).",
  )
  .version(packageVersion(), "-V, --version", "print assay's version")
  .option("--json", "machine-readable output: one JSON document on stdout (progress stays on stderr)")
  .option("-q, --quiet", "no progress on stderr")
  // Errors are reported once, by reportError; help asked for goes to stdout, help after a mistake to stderr.
  .configureOutput({ outputError: () => {} })
  .showSuggestionAfterError()
  .exitOverride();

/** The global options, also when commander failed before it stored them. */
function globals(): GlobalOptions {
  const o = program.opts<GlobalOptions>();
  const args = process.argv.slice(2);
  const end = args.indexOf("--");
  const given = (flag: string) => (end < 0 ? args : args.slice(0, end)).includes(flag);
  return { json: o.json ?? given("--json"), quiet: o.quiet ?? (given("--quiet") || given("-q")) };
}

// Libraries that print with console.log (snarkjs, generated code, plugins) must not mix their
// lines into stdout: they go to stderr, or nowhere with --quiet.
program.hook("preAction", () => {
  const g = globals();
  if (!g.json && !g.quiet) return;
  const sink = g.quiet ? () => {} : (...args: unknown[]) => console.error(...args);
  console.log = sink;
  console.info = sink;
  console.debug = sink;
});

let failed = false;
/** Reports `e`, releases snarkjs's worker threads, and makes sure nothing else keeps the process alive. */
async function fail(e: unknown): Promise<void> {
  if (failed) return;
  failed = true;
  process.exitCode = reportError(e, globals());
  // snarkjs's curve keeps worker threads; its module is loaded only if a command used it.
  if ((globalThis as { curve_bn128?: unknown }).curve_bn128)
    await (await import("../zk/groth16.js")).releaseCurve().catch(() => {});
  setTimeout(() => process.exit(), 2000).unref();
}

// A reader that stops early (`assay --help | head`) is not an error.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
  void fail(e);
});
process.on("uncaughtException", (e) => void fail(e));
process.on("unhandledRejection", (e) => void fail(e));

const model = program.command("model").description("compile, inspect and register models");
defineModelCompile(model);
defineModelList(model);
defineModelRegister(model);
defineModelVerifySetup(model);
defineProve(program);
defineVerify(program);
defineNodeStart(program);
defineDeploy(program);
defineStake(program);
defineUnstake(program);
defineChallenge(program);
defineCredit(program);
defineSubmit(program);
defineInfer(program);
defineAudit(program);
defineExplorer(program); // explorer (issue 11.4): `assay explorer`
defineWatch(program);
defineWorker(program);
defineKey(program);

/** commander's codes for help and the version: not errors (their exit code is commander's). */
const NOT_ERRORS = new Set(["commander.helpDisplayed", "commander.help", "commander.version"]);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  const err = e as { code?: unknown; exitCode?: number };
  if (typeof err.code === "string" && NOT_ERRORS.has(err.code)) process.exitCode = err.exitCode ?? 0;
  else await fail(e);
}
