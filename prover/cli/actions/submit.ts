// assay submit: a proof file made for the claim, or a proof made here, sent with submitProven.
import { writeFileSync } from "node:fs";
import type { ChainConnection } from "../../chain/chain-connection.js";
import type { OpenDeployment } from "../../chain/open-deployment.js";
import { type ClaimedProofFile, checkClaimedProof, proveClaim } from "../../chain/claim-proof.js";
import { LEVEL_NAMES } from "../../chain/protocol-client.js";
import { openRegisteredModel, readRegisteredModel } from "../../chain/registered-model.js";
import { withRevertReason } from "../../chain/revert-reason.js";
import { InputError } from "../../errors.js";
import { readProofFile } from "../../proof-file.js";
import { describeLabels } from "../../engine/evaluate.js";
import { releaseCurve } from "../../zk/groth16.js";
import { encodeProof } from "../../zk/vkey-encoding.js";
import type { SubmitOptions } from "../commands/submit.js";
import { type GlobalOptions, progress, result, step } from "../output.js";
import { readInputFile } from "../parse.js";
import { claimTarget, withDeployment } from "./with-chain.js";

type Opts = SubmitOptions & GlobalOptions;

/** Default claim deadline: a day after the chain's latest block. */
export const DEFAULT_DEADLINE_SECONDS = 24n * 3600n;

function checkArguments(proofPath: string | undefined, o: Opts): void {
  if (proofPath && o.input) throw new InputError("give a proof file or --input, not both");
  if (!proofPath && !o.input)
    throw new InputError("nothing to submit: give a proof file, or --model <modelId> --input <file>");
  if (o.input && !o.model) throw new InputError("--input needs --model <modelId>");
  if (proofPath && (o.requestId || o.deadline || o.salt !== undefined)) {
    throw new InputError(
      "--request-id, --deadline and --salt are fixed when the proof is made: " +
        "pass them to `assay prove --claim-for`",
    );
  }
}

interface ToSubmit {
  pf: ClaimedProofFile;
  claimId: string;
}

/** A proof file made for a claim by this account on this chain's hub. */
function fromProofFile(proofPath: string, o: Opts, conn: ChainConnection, hub: string): ToSubmit {
  const file = readProofFile(proofPath);
  const target = { chainId: conn.chainId, hub, submitter: conn.signer.address, file: proofPath };
  const claimId = checkClaimedProof(file, target).claimId;
  const pf = file as ClaimedProofFile;
  if (o.model && o.model !== pf.claim.modelId.toLowerCase()) {
    throw new InputError(`${proofPath} is a claim about model ${pf.claim.modelId}, not ${o.model}`);
  }
  return { pf, claimId };
}

/** Proves here, for a claim on --model bound to this account. */
async function proveHere(o: Opts, conn: ChainConnection, d: OpenDeployment): Promise<ToSubmit> {
  const submitter = conn.signer.address;
  const x = readInputFile(o.input!);
  const registered = await readRegisteredModel(d.protocol, o.model!, conn.chainId, d.deployment.blockNumber ?? 0);
  const compiled = await openRegisteredModel(registered);
  const target = await claimTarget(conn, d, { modelId: o.model!, submitter }, o, DEFAULT_DEADLINE_SECONDS);
  const what = `[prove] ${compiled.ref.circuitId} for a claim on model ${o.model} bound to ${submitter}`;
  const made = await step(o, what, () => proveClaim(compiled, x, target, { salt: o.salt })).finally(() =>
    releaseCurve(),
  );
  if (o.out) writeFileSync(o.out, `${JSON.stringify(made.file, null, 2)}\n`);
  return { pf: made.file, claimId: made.claimId };
}

async function submitClaim(o: Opts, conn: ChainConnection, d: OpenDeployment, s: ToSubmit) {
  const { pf, claimId } = s;
  const hub = d.deployment.protocol;
  const claim = {
    modelId: pf.claim.modelId,
    inputCommitment: BigInt(pf.claim.inputCommitment),
    output: BigInt(pf.claim.output),
    requestId: pf.claim.requestId,
    deadline: BigInt(pf.claim.deadline),
  };
  const proof = encodeProof(pf.proof);
  progress(o, `[submit] claim ${claimId} to ${hub} on chain ${conn.chainId}`);
  const receipt = await withRevertReason("submitProven", d.ifaces, async () => {
    await d.protocol.submitProven.staticCall(claim, proof);
    return (await d.protocol.submitProven(claim, proof)).wait();
  });
  const level = LEVEL_NAMES[Number(await d.protocol.levelOf(claimId))];
  const labels = pf.result ? ` (${describeLabels(pf.result.labels ?? [pf.result.label], pf.result.classes)})` : "";
  const human = [
    `claim ${claimId}`,
    `  level        ${level}`,
    `  model        ${claim.modelId}`,
    `  output       ${claim.output}${labels}`,
    `  input commit ${claim.inputCommitment} (salt ${pf.salt})`,
    `  transaction  ${receipt?.hash} (gas ${receipt?.gasUsed})`,
    o.out ? `  proof file   ${o.out}` : "",
  ]
    .filter(Boolean)
    .join("\n");
  result(o, human, {
    claimId,
    level,
    claim: pf.claim,
    salt: pf.salt,
    label: pf.result?.label,
    labels: pf.result?.labels,
    transaction: receipt?.hash,
    gasUsed: receipt?.gasUsed,
    submitter: conn.signer.address,
  });
}

export async function run(proofPath: string | undefined, o: Opts): Promise<void> {
  checkArguments(proofPath, o);
  await withDeployment(o, async (conn, d) => {
    const s = proofPath ? fromProofFile(proofPath, o, conn, d.deployment.protocol) : await proveHere(o, conn, d);
    await submitClaim(o, conn, d, s);
  });
}
