// The proof file `assay prove` writes and `assay verify` reads (versioned JSON).
import { readFileSync } from "node:fs";
import type { ArtifactRef } from "./artifacts.js";
import { InputError } from "./errors.js";
import type { ProvenInference } from "./prove-inference.js";
import type { Groth16Proof } from "./zk/groth16.js";
import { encodeProof } from "./zk/vkey-encoding.js";

export const PROOF_FILE_FORMAT = "assay.proof";
export const PROOF_FILE_VERSION = 1;

export interface ProofFile {
  format: typeof PROOF_FILE_FORMAT;
  version: typeof PROOF_FILE_VERSION;
  circuitId: string;
  ptauId: string;
  /** [inputCommitment, output, binding] as decimal strings. */
  publicSignals: string[];
  proof: Groth16Proof;
  /** The verifier's `uint256[8]` argument, decimal strings. */
  calldata: string[];
  /** Opening of the input commitment: keep it private if the input is. */
  salt: string;
  /**
   * `label`: the first ArgMax group's; `labels`: one per group (files before it have only `label`);
   * `classes`: the classes they stand for, when the classifier names them.
   */
  result: { label: number; labels?: number[]; classes?: (string | number)[]; logits: string[]; dequantized: number[] };
}

/** The proof file for an inference proven with the keys `ref` names (a claim's file adds its `claim`). */
export function proofFileOf(ref: ArtifactRef, p: ProvenInference): ProofFile {
  if (!ref.ptauId) throw new Error(`proof file for ${ref.circuitId}: the keys' ptau id is missing`);
  return {
    format: PROOF_FILE_FORMAT,
    version: PROOF_FILE_VERSION,
    circuitId: ref.circuitId,
    ptauId: ref.ptauId,
    publicSignals: p.publicSignals.map(String),
    proof: p.proof,
    calldata: encodeProof(p.proof).map(String),
    salt: p.salt.toString(),
    result: {
      label: p.result.label,
      labels: p.result.labels,
      ...(p.result.classes ? { classes: p.result.classes } : {}),
      logits: p.result.logits.map(String),
      dequantized: p.result.dequantized,
    },
  };
}

export function readProofFile(file: string): ProofFile {
  let j: ProofFile;
  try {
    j = JSON.parse(readFileSync(file, "utf8")) as ProofFile;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new InputError(`cannot read proof ${file}: ${err.code ?? err.message}`);
  }
  if (j?.format !== PROOF_FILE_FORMAT || j.version !== PROOF_FILE_VERSION) {
    throw new InputError(
      `${file}: not an ${PROOF_FILE_FORMAT} v${PROOF_FILE_VERSION} file (format ${j?.format}, version ${j?.version})`,
    );
  }
  return j;
}
