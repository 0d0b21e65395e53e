// assay prove <model> --input f.json: evaluate, prove, check, write a proof file.
import { writeFileSync } from "node:fs";
import type { Command } from "commander";
import { InputError } from "../../errors.js";
import { openModel } from "../../model-store.js";
import { PROOF_FILE_FORMAT, PROOF_FILE_VERSION, type ProofFile } from "../../proof-file.js";
import { proveInference } from "../../prove-inference.js";
import { releaseCurve } from "../../zk/groth16.js";
import { encodeProof } from "../../zk/vkey-encoding.js";
import { type GlobalOptions, progress, result } from "../output.js";
import { fieldOption, readInputFile } from "../parse.js";

interface Opts extends GlobalOptions {
  input: string;
  out?: string;
  binding: bigint;
  salt?: bigint;
  ptauId?: string;
}

export function registerProve(program: Command, globals: () => GlobalOptions): void {
  program
    .command("prove")
    .argument("<model>", "circuit id (or a unique prefix) printed by `assay model compile`")
    .description("prove one inference: the registered model on this input gives this output")
    .requiredOption("--input <file>", "input tensor: JSON array of numbers (or { input: [...] })")
    .option("--out <file>", "where to write the proof file (default: print it)")
    .option("--binding <n>", "public value bound to the proof (claim id / beneficiary hash)", fieldOption("--binding"), 0n)
    .option("--salt <n>", "blinding of the input commitment (default: random)", fieldOption("--salt"))
    .option("--ptau-id <id>", "which keys, when the model was set up more than once")
    .action(async (id: string, o: Opts) => {
      const g = { ...globals(), ...o };
      const model = await openModel(id, o.ptauId);
      if (!model.setup) throw new InputError(`model ${model.ref.circuitId} has no keys: run \`assay model compile\` without --no-setup`);
      const x = readInputFile(o.input);
      progress(g, `[prove] witness + Groth16 proof for ${model.ref.circuitId}`);
      const p = await proveInference(model, x, { binding: o.binding, salt: o.salt });
      await releaseCurve();
      const file: ProofFile = {
        format: PROOF_FILE_FORMAT,
        version: PROOF_FILE_VERSION,
        circuitId: model.ref.circuitId,
        ptauId: model.ref.ptauId!,
        publicSignals: p.publicSignals.map(String),
        proof: p.proof,
        calldata: encodeProof(p.proof).map(String),
        salt: p.salt.toString(),
        result: { label: p.result.label, logits: p.result.logits.map(String), dequantized: p.result.dequantized },
      };
      const json = JSON.stringify(file, null, 2);
      if (o.out) writeFileSync(o.out, `${json}\n`);
      if (o.out || g.json) {
        result(g, `label ${p.result.label}; proof written to ${o.out} (witness ${p.timings.witnessMs.toFixed(0)} ms, prove ${p.timings.proveMs.toFixed(0)} ms)`, { ...file, timings: p.timings });
      } else {
        process.stdout.write(`${json}\n`);
      }
      if (p.result.clamped > 0) progress(g, `warning: ${p.result.clamped} input value(s) were outside the calibrated range and clamped`);
    });
}
