// assay verify <proof.json>: checks a proof file off-chain against the model's verifying key.
import type { Command } from "commander";
import { AssayError } from "../../errors.js";
import { openModel } from "../../model-store.js";
import { readProofFile } from "../../proof-file.js";
import { verifyInference } from "../../prove-inference.js";
import { releaseCurve } from "../../zk/groth16.js";
import { type GlobalOptions, result } from "../output.js";

export class ProofRejectedError extends AssayError {}

export function registerVerify(program: Command, globals: () => GlobalOptions): void {
  program
    .command("verify")
    .argument("<proof>", "a proof file written by `assay prove`")
    .description("verify a proof file off-chain against its model's verifying key (exit 1 if it does not verify)")
    .action(async (file: string) => {
      const g = globals();
      const pf = readProofFile(file);
      const model = await openModel(pf.circuitId, pf.ptauId);
      const ok = await verifyInference(model, pf.publicSignals.map(BigInt), pf.proof);
      await releaseCurve();
      if (!ok) throw new ProofRejectedError(`${file}: the proof does not verify for model ${pf.circuitId}`);
      result(g, `${file}: valid proof for model ${pf.circuitId} (output ${pf.publicSignals[1]})`, {
        valid: true,
        circuitId: pf.circuitId,
      });
    });
}
