// A proof made for one claim and one submitter: the receipt hub sets the proof's binding signal
// to bindingFor(claimId, msg.sender), so the claim (and so the chain, the hub, the request id and
// the deadline) and the submitting account are fixed before proving. The proof file then carries
// the claim, and `assay submit` sends it as is.
import { randomBytes } from "node:crypto";
import { getAddress, hexlify } from "ethers";
import type { CompiledModel } from "../compile-model.js";
import { AssayError } from "../errors.js";
import { proofFileOf, type ProofFile } from "../proof-file.js";
import { infer, type ProvenInference, proveInference } from "../prove-inference.js";
import { bindingFor } from "./binding.js";
import { type Claim, checkClaim, claimFor, claimIdOf } from "./claim.js";

/** What a proof file says about the claim it was made for (decimal strings, 0x hex). */
export interface ProofClaimSection {
  chainId: string;
  hub: string;
  claimId: string;
  submitter: string;
  modelId: string;
  inputCommitment: string;
  output: string;
  requestId: string;
  deadline: string;
}

export interface ClaimedProofFile extends ProofFile {
  claim: ProofClaimSection;
}

/** A proof file or its claim does not fit the chain, hub or account it is used with. */
export class ClaimProofMismatchError extends AssayError {}

export function randomRequestId(): string {
  return hexlify(randomBytes(32));
}

export interface ClaimTarget {
  modelId: string;
  chainId: bigint;
  hub: string;
  submitter: string;
  requestId: string;
  deadline: bigint;
}

export function claimOf(section: ProofClaimSection): Claim {
  return {
    modelId: section.modelId,
    inputCommitment: BigInt(section.inputCommitment),
    output: BigInt(section.output),
    requestId: section.requestId,
    deadline: BigInt(section.deadline),
  };
}

/** Evaluates the model, builds the claim, and proves it bound to (claimId, submitter). */
export async function proveClaim(
  model: CompiledModel,
  x: ArrayLike<number>,
  t: ClaimTarget,
  opts: { salt?: bigint } = {},
): Promise<{ claim: Claim; claimId: string; proof: ProvenInference; file: ClaimedProofFile }> {
  const pre = await infer(model, x, { salt: opts.salt });
  const claim = claimFor(t, pre);
  checkClaim(claim);
  const claimId = claimIdOf(claim, t.chainId, t.hub);
  const submitter = getAddress(t.submitter);
  const proof = await proveInference(model, x, { salt: pre.salt, binding: bindingFor(claimId, submitter) });
  const file: ClaimedProofFile = {
    ...proofFileOf(model.ref, proof),
    claim: {
      chainId: t.chainId.toString(),
      hub: getAddress(t.hub),
      claimId,
      submitter,
      modelId: claim.modelId,
      inputCommitment: claim.inputCommitment.toString(),
      output: claim.output.toString(),
      requestId: claim.requestId,
      deadline: claim.deadline.toString(),
    },
  };
  return { claim, claimId, proof, file };
}

/**
 * Checks a claimed proof file against the chain, hub and submitter it is about to be used with,
 * and that its public signals are the claim's: returns the claim and its id.
 */
export function checkClaimedProof(
  pf: ProofFile,
  where: { chainId: bigint; hub: string; submitter: string; file: string },
): { claim: Claim; claimId: string } {
  const section = (pf as Partial<ClaimedProofFile>).claim;
  if (!section) {
    throw new ClaimProofMismatchError(
      `${where.file} was not made for a claim: ` +
        "prove with `assay prove <model> --input f --claim-for <modelId>`, " +
        "or run `assay submit --model <modelId> --input f`",
    );
  }
  if (section.chainId !== where.chainId.toString() || getAddress(section.hub) !== getAddress(where.hub)) {
    throw new ClaimProofMismatchError(
      `${where.file} was made for the hub ${section.hub} on chain ${section.chainId}, ` +
        `not ${getAddress(where.hub)} on chain ${where.chainId}`,
    );
  }
  let claim: Claim;
  try {
    claim = claimOf(section);
    checkClaim(claim);
  } catch (e) {
    throw new ClaimProofMismatchError(`${where.file}: malformed claim: ${(e as Error).message}`);
  }
  const claimId = claimIdOf(claim, where.chainId, where.hub);
  if (claimId !== section.claimId)
    throw new ClaimProofMismatchError(
      `${where.file}: the claim's fields give id ${claimId}, the file says ${section.claimId}`,
    );
  const signals = pf.publicSignals.map((s) => BigInt(s));
  if (signals[0] !== claim.inputCommitment || signals[1] !== claim.output) {
    throw new ClaimProofMismatchError(
      `${where.file}: the proof's public signals are not the claim's input commitment and output`,
    );
  }
  const expected = bindingFor(claimId, where.submitter);
  if (signals[2] !== expected) {
    const submitter = getAddress(where.submitter);
    throw new ClaimProofMismatchError(
      `${where.file} is bound to submitter ${section.submitter}; ${submitter} cannot submit it ` +
        `(binding ${signals[2]}, needs ${expected}): prove again with --submitter ${submitter}`,
    );
  }
  return { claim, claimId };
}
