// assay prove: proves here (or for a claim on chain), writes the proof file and, on request, the
// same proof in snarkjs's layout.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { getAddress } from "ethers";
import { proveClaim } from "../../chain/claim-proof.js";
import { readRegisteredModel } from "../../chain/registered-model.js";
import { InputError } from "../../errors.js";
import { openModel } from "../../model-store.js";
import type { CompiledModel } from "../../compile-model.js";
import { proofFileOf, type ProofFile } from "../../proof-file.js";
import { proveInference } from "../../prove-inference.js";
import { describeLabels } from "../../engine/evaluate.js";
import { releaseCurve, type VerificationKey } from "../../zk/groth16.js";
import { verifyingKeyId } from "../../zk/vkey-encoding.js";
import type { ProveOptions } from "../commands/prove.js";
import { type GlobalOptions, progress, result, step } from "../output.js";
import { readInputFile } from "../parse.js";
import { DEFAULT_DEADLINE_SECONDS } from "./submit.js";
import { claimTarget, withDeployment } from "./with-chain.js";

type Opts = ProveOptions & GlobalOptions;

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
async function proveForClaim(model: CompiledModel, x: number[], o: Opts): Promise<Proved> {
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
    const what =
      `[prove] witness + Groth16 proof for ${model.ref.circuitId}, ` +
      `a claim on model ${modelId} submitted by ${getAddress(submitter)}`;
    const made = await step(o, what, () => proveClaim(model, x, target, { salt: o.salt }));
    return { file: made.file, timings: made.proof.timings, clamped: made.proof.result.clamped };
  });
}

async function proveHere(model: CompiledModel, x: number[], o: Opts): Promise<Proved> {
  const what = `[prove] witness + Groth16 proof for ${model.ref.circuitId}`;
  const p = await step(o, what, () => proveInference(model, x, { binding: o.binding ?? 0n, salt: o.salt }));
  return { file: proofFileOf(model.ref, p), timings: p.timings, clamped: p.result.clamped };
}

/** proof.json, public.json and verification_key.json in `dir`: `snarkjs groth16 verify` takes them as they are. */
export function writeSnarkjsLayout(dir: string, file: ProofFile, vkey: VerificationKey): string[] {
  mkdirSync(dir, { recursive: true });
  const files: [string, unknown][] = [
    ["proof.json", { ...file.proof, protocol: "groth16", curve: "bn128" }],
    ["public.json", file.publicSignals],
    ["verification_key.json", vkey],
  ];
  return files.map(([name, value]) => {
    const p = path.join(dir, name);
    writeFileSync(p, `${JSON.stringify(value, null, 2)}\n`);
    return p;
  });
}

function report(o: Opts, { file, timings, clamped }: Proved, snarkjsFiles: string[]): void {
  const json = JSON.stringify(file, null, 2);
  if (o.out) writeFileSync(o.out, `${json}\n`);
  const claimId = (file as { claim?: { claimId: string } }).claim?.claimId;
  if (o.out || o.json) {
    result(
      o,
      `${describeLabels(file.result.labels ?? [file.result.label], file.result.classes)}; ` +
        `proof ${o.out ? `written to ${o.out}` : "not written (no --out)"}` +
        `${claimId ? ` for claim ${claimId}` : ""} ` +
        `(witness ${timings.witnessMs.toFixed(0)} ms, prove ${timings.proveMs.toFixed(0)} ms)`,
      { ...file, timings, snarkjs: snarkjsFiles.length ? snarkjsFiles : undefined },
    );
  } else {
    process.stdout.write(`${json}\n`);
  }
  if (snarkjsFiles.length) progress(o, `[prove] snarkjs layout: ${snarkjsFiles.join(", ")}`);
  if (clamped > 0) progress(o, `warning: ${clamped} input value(s) were outside the calibrated range and clamped`);
}

export async function run(id: string, o: Opts): Promise<void> {
  const model = await openModel(id, o.ptauId);
  if (!model.setup || !model.vkey)
    throw new InputError(`model ${model.ref.circuitId} has no keys: run \`assay model compile\` without --no-setup`);
  const x = readInputFile(o.input);
  checkClaimOptions(o);
  const proved = await (o.claimFor ? proveForClaim(model, x, o) : proveHere(model, x, o)).finally(() => releaseCurve());
  const snarkjsFiles = o.snarkjs ? writeSnarkjsLayout(o.snarkjs, proved.file, model.vkey) : [];
  report(o, proved, snarkjsFiles);
}
