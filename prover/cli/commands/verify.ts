// assay verify <proof.json>: checks a proof file off-chain against the model's verifying key.
import type { Command } from "commander";
import { AssayError, InputError } from "../../errors.js";
import { openModel } from "../../model-store.js";
import { type ProofFile, readProofFile } from "../../proof-file.js";
import { verifyInference } from "../../prove-inference.js";
import { releaseCurve } from "../../zk/groth16.js";
import { encodeProof, encodePublicSignals, ProofEncodingError } from "../../zk/vkey-encoding.js";
import { type GlobalOptions, result } from "../output.js";

export class ProofRejectedError extends AssayError {}

/**
 * The proof file's public signals, after checking that every field of the proof and the signals
 * is a well-formed number (a tampered file fails here, naming the field, not inside snarkjs).
 */
function checkedSignals(pf: ProofFile, file: string): bigint[] {
  if (typeof pf.proof !== "object" || pf.proof === null) throw new InputError(`${file}: "proof" is not an object`);
  if (!Array.isArray(pf.publicSignals)) throw new InputError(`${file}: "publicSignals" is not an array`);
  try {
    encodeProof(pf.proof);
    return encodePublicSignals(pf.publicSignals);
  } catch (e) {
    if (e instanceof ProofEncodingError) throw new InputError(`${file}: ${e.message}`, { cause: e });
    throw e;
  }
}

export function registerVerify(program: Command, globals: () => GlobalOptions): void {
  program
    .command("verify")
    .argument("<proof>", "a proof file written by `assay prove`")
    .description("verify a proof file off-chain against its model's verifying key (exit 1 if it does not verify)")
    .action(async (file: string) => {
      const g = globals();
      const pf = readProofFile(file);
      const signals = checkedSignals(pf, file);
      const model = await openModel(pf.circuitId, pf.ptauId);
      const ok = await verifyInference(model, signals, pf.proof);
      await releaseCurve();
      if (!ok) throw new ProofRejectedError(`${file}: the proof does not verify for model ${pf.circuitId}`);
      result(g, `${file}: valid proof for model ${pf.circuitId} (output ${pf.publicSignals[1]})`, {
        valid: true,
        circuitId: pf.circuitId,
      });
    });
}
