// The assay command line. Each command lives in commands/; errors become one line and an exit code.
import { Command } from "commander";
import { registerAudit } from "./commands/audit.js";
import { registerDeploy } from "./commands/deploy.js";
import { registerInfer } from "./commands/infer.js";
import { registerModelCompile } from "./commands/model-compile.js";
import { registerModelList } from "./commands/model-list.js";
import { registerNodeStart } from "./commands/node-start.js";
import { registerModelRegister } from "./commands/model-register.js";
import { registerProve } from "./commands/prove.js";
import { registerStake } from "./commands/stake.js";
import { registerSubmit } from "./commands/submit.js";
import { registerVerify } from "./commands/verify.js";
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
  .showHelpAfterError()
  .exitOverride();

const globals = (): GlobalOptions => program.opts<GlobalOptions>();
const model = program.command("model").description("compile, inspect and register models");
registerModelCompile(model, globals);
registerModelList(model, globals);
registerModelRegister(model, globals);
registerProve(program, globals);
registerVerify(program, globals);
registerNodeStart(program, globals);
registerDeploy(program, globals);
registerStake(program, globals);
registerSubmit(program, globals);
registerInfer(program, globals);
registerAudit(program, globals);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  const code = (e as { code?: string }).code;
  if (typeof code === "string" && code.startsWith("commander.")) {
    // commander already printed the message (or the help / version).
    process.exitCode =
      code === "commander.helpDisplayed" || code === "commander.help" || code === "commander.version" ? 0 : 2;
  } else {
    process.exitCode = reportError(e);
  }
}
