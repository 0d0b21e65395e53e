// assay prove <model> --input f.json: evaluate, prove, check, write a proof file. With
// --claim-for <modelId> the proof is made for a claim on the connected chain's hub and bound to
// the account that will submit it (what `assay submit <proof file>` sends).
import { writeFileSync } from "node:fs";
import type { Command } from "commander";
import { getAddress } from "ethers";
import { proveClaim } from "../../chain/claim-proof.js";
import { readRegisteredModel } from "../../chain/registered-model.js";
import { InputError } from "../../errors.js";
import { openModel } from "../../model-store.js";
import type { CompiledModel } from "../../compile-model.js";
import { proofFileOf, type ProofFile } from "../../proof-file.js";
import { proveInference } from "../../prove-inference.js";
import { releaseCurve } from "../../zk/groth16.js";
import { verifyingKeyId } from "../../zk/vkey-encoding.js";
import { type GlobalOptions, progress, result } from "../output.js";
import { fieldOption, readInputFile } from "../parse.js";
import { addressOption, bytes32Option, deadlineOption } from "./chain-parse.js";
import { type ChainOptions, claimTarget, deploymentOptions, withDeployment } from "./chain-options.js";
import { DEFAULT_DEADLINE_SECONDS } from "./submit.js";

interface Opts extends GlobalOptions, ChainOptions {
  input: string;
  out?: string;
  binding?: bigint;
  salt?: bigint;
  ptauId?: string;
  claimFor?: string;
  submitter?: string;
  requestId?: string;
  deadline?: { relative: boolean; value: bigint };
}

function addOptions(cmd: Command): Command {
  return cmd
    .requiredOption("--input <file>", "input tensor: JSON array of numbers (or { input: [...] })")
    .option("--out <file>", "where to write the proof file (default: print it)")
    .option(
      "--binding <n>",
      "public value bound to the proof, without --claim-for (default 0)",
      fieldOption("--binding"),
    )
    .option("--salt <n>", "blinding of the input commitment (default: random)", fieldOption("--salt"))
    .option("--ptau-id <id>", "which keys, when the model was set up more than once")
    .option(
      "--claim-for <modelId>",
      "make the proof for a claim on this registered model (connects to the chain)",
      bytes32Option("--claim-for"),
    )
    .option(
      "--submitter <address>",
      "with --claim-for: the account that will submit (default: the signing --account)",
      addressOption("--submitter"),
    )
    .option(
      "--request-id <bytes32>",
      "with --claim-for: the claim's request id (default: random)",
      bytes32Option("--request-id"),
    )
    .option(
      "--deadline <time>",
      "with --claim-for: last unix time the claim may be recorded, or +<seconds> (default +86400)",
      deadlineOption("--deadline"),
    );
}

/** The options that only mean something with --claim-for, and --binding, which it excludes. */
function checkClaimOptions(o: Opts): void {
  if (!o.claimFor) {
    for (const opt of ["submitter", "requestId", "deadline"] as const) {
      if (o[opt] !== undefined)
        throw new InputError(
          `--${opt.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} only applies with --claim-for <modelId>`,
        );
    }
  } else if (o.binding !== undefined) {
    throw new InputError(
      "--binding and --claim-for exclude each other: a claim's proof is bound to (claim id, submitter)",
    );
  }
}

interface Proved {
  file: ProofFile;
  timings: { witnessMs: number; proveMs: number };
  clamped: number;
}

/** Proves for a claim on the registered model --claim-for, with the keys it is registered with. */
async function proveForClaim(model: CompiledModel, x: number[], o: Opts, g: GlobalOptions): Promise<Proved> {
  return withDeployment(o, async (conn, d) => {
    const modelId = o.claimFor!;
    const registered = await readRegisteredModel(d.protocol, modelId, conn.chainId, d.deployment.blockNumber ?? 0);
    const keyId = verifyingKeyId(model.vkey!);
    if (keyId !== registered.verifyingKeyId) {
      throw new InputError(
        `model ${modelId} is registered with key ${registered.verifyingKeyId}; ` +
          `${model.ref.circuitId} (${model.ref.ptauId}) has key ${keyId}`,
      );
    }
    const submitter = o.submitter ?? conn.signer.address;
    const target = await claimTarget(conn, d, { modelId, submitter }, o, DEFAULT_DEADLINE_SECONDS);
    progress(
      g,
      `[prove] witness + Groth16 proof for ${model.ref.circuitId}, ` +
        `a claim on model ${modelId} submitted by ${getAddress(submitter)}`,
    );
    const made = await proveClaim(model, x, target, { salt: o.salt });
    return { file: made.file, timings: made.proof.timings, clamped: made.proof.result.clamped };
  });
}

async function proveHere(model: CompiledModel, x: number[], o: Opts, g: GlobalOptions): Promise<Proved> {
  progress(g, `[prove] witness + Groth16 proof for ${model.ref.circuitId}`);
  const p = await proveInference(model, x, { binding: o.binding ?? 0n, salt: o.salt });
  return { file: proofFileOf(model.ref, p), timings: p.timings, clamped: p.result.clamped };
}

function report(g: GlobalOptions, o: Opts, { file, timings, clamped }: Proved): void {
  const json = JSON.stringify(file, null, 2);
  if (o.out) writeFileSync(o.out, `${json}\n`);
  const claimId = (file as { claim?: { claimId: string } }).claim?.claimId;
  if (o.out || g.json) {
    result(
      g,
      `label ${file.result.label}; proof written to ${o.out}${claimId ? ` for claim ${claimId}` : ""} ` +
        `(witness ${timings.witnessMs.toFixed(0)} ms, prove ${timings.proveMs.toFixed(0)} ms)`,
      { ...file, timings },
    );
  } else {
    process.stdout.write(`${json}\n`);
  }
  if (clamped > 0) progress(g, `warning: ${clamped} input value(s) were outside the calibrated range and clamped`);
}

export function registerProve(program: Command, globals: () => GlobalOptions): void {
  const cmd = program
    .command("prove")
    .argument("<model>", "circuit id (or a unique prefix) printed by `assay model compile`")
    .summary("prove one inference (optionally for a claim on chain)")
    .description(
      "prove one inference: the registered model on this input gives this output. With --claim-for <modelId> " +
        "the proof is made for a claim on the chain's receipt hub, bound to the submitting account; " +
        "send it with `assay submit <proof file>`",
    );
  addOptions(cmd);
  deploymentOptions(cmd);
  cmd.action(async (id: string, o: Opts) => {
    const g = { ...globals(), ...o };
    const model = await openModel(id, o.ptauId);
    if (!model.setup || !model.vkey)
      throw new InputError(`model ${model.ref.circuitId} has no keys: run \`assay model compile\` without --no-setup`);
    const x = readInputFile(o.input);
    checkClaimOptions(o);
    const proved = o.claimFor ? await proveForClaim(model, x, o, g) : await proveHere(model, x, o, g);
    await releaseCurve();
    report(g, o, proved);
  });
}
