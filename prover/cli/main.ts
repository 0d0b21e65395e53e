// The assay command line. Each command lives in commands/; every error becomes one line on stderr
// and an exit code (error-line.ts), and with --json stdout holds exactly one JSON document.
import { Command } from "commander";
import { registerAudit } from "./commands/audit.js";
import { registerDeploy } from "./commands/deploy.js";
import { defineExplorer } from "./commands/explorer.js"; // explorer (issue 11.4)
import { registerInfer } from "./commands/infer.js";
import { registerKey } from "./commands/key.js";
import { registerModelCompile } from "./commands/model-compile.js";
import { registerModelList } from "./commands/model-list.js";
import { registerNodeStart } from "./commands/node-start.js";
import { registerModelRegister } from "./commands/model-register.js";
import { registerModelVerifySetup } from "./commands/model-verify-setup.js";
import { registerProve } from "./commands/prove.js";
import { registerStake } from "./commands/stake.js";
import { registerSubmit } from "./commands/submit.js";
import { registerVerify } from "./commands/verify.js";
import { registerWatch } from "./commands/watch.js";
import { registerWorker } from "./commands/worker.js";
import { releaseCurve } from "../zk/groth16.js";
import { type GlobalOptions, reportError } from "./output.js";

const program = new Command();
program
  .name("assay")
  .description(
    "Verifiable ML inference for EVM chains: compile an ONNX model to a Groth16 circuit, register it on chain,\n" +
      "run inferences whose evidence (Signed, Attested, Proven) follows the value at risk, prove and submit claims,\n" +
      "and audit any claim from chain data. Chain commands take --rpc <url> or --network <name> (default: the\n" +
      "embedded Hardhat network, which lives only as long as the command). Artifacts are cached in $ASSAY_CACHE_DIR\n" +
      "(default .assay/); deployments are recorded in $ASSAY_STATE_DIR (default the same).",
  )
  .option("--json", "machine-readable output on stdout")
  .option("-q, --quiet", "no progress on stderr")
  // Usage errors are one line too (exit 2): commander's "error: ..." becomes "assay: ...".
  .configureOutput({
    outputError: (message, write) => write(`assay: ${message.replace(/^error: /, "").trim()} (see --help)\n`),
  })
  .exitOverride();

const globals = (): GlobalOptions => program.opts<GlobalOptions>();

// Libraries that print with console.log (snarkjs, generated code, plugins) must not mix their
// lines into --json output: they go to stderr, or nowhere with --quiet.
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
  process.exitCode = reportError(e);
  await releaseCurve().catch(() => {});
  setTimeout(() => process.exit(), 2000).unref();
}

process.on("uncaughtException", (e) => void fail(e));
process.on("unhandledRejection", (e) => void fail(e));

const model = program.command("model").description("compile, inspect and register models");
registerModelCompile(model, globals);
registerModelList(model, globals);
registerModelRegister(model, globals);
registerModelVerifySetup(model, globals);
registerProve(program, globals);
registerVerify(program, globals);
registerNodeStart(program, globals);
registerDeploy(program, globals);
registerStake(program, globals);
registerSubmit(program, globals);
registerInfer(program, globals);
registerAudit(program, globals);
defineExplorer(program); // explorer (issue 11.4): `assay explorer`
registerWatch(program, globals);
registerWorker(program, globals);
registerKey(program, globals);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  const code = (e as { code?: string }).code;
  if (typeof code === "string" && code.startsWith("commander.")) {
    // commander already printed the message (or the help / version).
    process.exitCode =
      code === "commander.helpDisplayed" || code === "commander.help" || code === "commander.version" ? 0 : 2;
  } else {
    await fail(e);
  }
}
