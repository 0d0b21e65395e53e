// assay verify: reads the proof (assay file or snarkjs layout), picks the key, verifies.
import { existsSync } from "node:fs";
import path from "node:path";
import { checkVerifyingKey } from "../../audit/checks/verifying-key.js";
import { fetchVerifyingKey } from "../../audit/hub-reads.js";
import { readRegisteredModel } from "../../chain/registered-model.js";
import { AssayError, InputError } from "../../errors.js";
import { openModel } from "../../model-store.js";
import { PROOF_FILE_FORMAT, type ProofFile } from "../../proof-file.js";
import { verifyInference } from "../../prove-inference.js";
import { groth16Verify, releaseCurve } from "../../zk/groth16.js";
import {
  encodeProof,
  encodePublicSignals,
  ProofEncodingError,
  type SnarkjsProof,
  type SnarkjsVerificationKey,
} from "../../zk/vkey-encoding.js";
import type { VerifyOptions } from "../commands/verify.js";
import { type GlobalOptions, result } from "../output.js";
import { readJsonFile } from "../parse.js";
import { withDeployment } from "./with-chain.js";

export class ProofRejectedError extends AssayError {}

type Opts = VerifyOptions & GlobalOptions;

/** The proof to check: its Groth16 proof, public signals, and what an assay file says about it. */
interface ProofToCheck {
  proof: SnarkjsProof;
  signals: bigint[];
  file?: ProofFile & { claim?: { modelId: string } };
}

/** Every field of the proof and every signal is a well-formed number (a tampered file fails here, naming it). */
function checked(proof: unknown, signals: unknown, file: string): { proof: SnarkjsProof; signals: bigint[] } {
  if (typeof proof !== "object" || proof === null) throw new InputError(`${file}: "proof" is not an object`);
  if (!Array.isArray(signals)) throw new InputError(`${file}: "publicSignals" is not an array`);
  try {
    encodeProof(proof as SnarkjsProof);
    return { proof: proof as SnarkjsProof, signals: encodePublicSignals(signals) };
  } catch (e) {
    if (e instanceof ProofEncodingError) throw new InputError(`${file}: ${e.message}`, { cause: e });
    throw e;
  }
}

function readProof(file: string, publicFile: string | undefined): ProofToCheck {
  const j = readJsonFile(file, "proof") as Partial<ProofFile> & { pi_a?: unknown };
  if (j?.format === PROOF_FILE_FORMAT) {
    if (publicFile) throw new InputError(`--public is for snarkjs proofs; ${file} holds its own public signals`);
    const pf = j as ProofFile;
    return { ...checked(pf.proof, pf.publicSignals, file), file: pf };
  }
  if (j?.pi_a === undefined)
    throw new InputError(`${file}: neither an ${PROOF_FILE_FORMAT} file nor a snarkjs proof (no pi_a)`);
  const pub = publicFile ?? path.join(path.dirname(file), "public.json");
  if (!publicFile && !existsSync(pub))
    throw new InputError(`${file} is a snarkjs proof: give its public signals with --public <file> (no ${pub})`);
  return checked(j, readJsonFile(pub, "public signals"), pub);
}

function readKeyFile(file: string): SnarkjsVerificationKey {
  const k = readJsonFile(file, "verification key") as Partial<SnarkjsVerificationKey>;
  if (k?.protocol !== "groth16" || !Array.isArray(k.IC) || typeof k.nPublic !== "number")
    throw new InputError(`${file}: not a snarkjs Groth16 verification key`);
  return k as SnarkjsVerificationKey;
}

/** The key registered on chain for the model, checked against its id. */
async function keyFromChain(o: Opts, p: ProofToCheck): Promise<{ vkey: SnarkjsVerificationKey; source: string }> {
  const modelId = o.model ?? p.file?.claim?.modelId;
  if (!modelId) throw new InputError("--from-chain needs the registered model: --model <modelId>");
  return withDeployment(o, async (conn, d) => {
    const registered = await readRegisteredModel(d.protocol, modelId, conn.chainId, d.deployment.blockNumber ?? 0);
    const keyId = registered.verifyingKeyId;
    const key = checkVerifyingKey(keyId, await fetchVerifyingKey(d.verifier, keyId));
    if (key.check.status !== "pass" || !key.vkey) throw new AssayError(`model ${modelId}: ${key.check.detail}`);
    return { vkey: key.vkey, source: `key ${keyId} registered for model ${modelId} on chain ${conn.chainId}` };
  });
}

async function verifyWithKey(vkey: SnarkjsVerificationKey, p: ProofToCheck, file: string): Promise<boolean> {
  // snarkjs reads a missing signal as 0 and ignores extra ones: the count must be the key's.
  if (p.signals.length !== vkey.nPublic)
    throw new InputError(`${file}: the key has ${vkey.nPublic} public signals, the proof ${p.signals.length}`);
  return groth16Verify(vkey, p.signals, p.proof);
}

async function verify(file: string, o: Opts, p: ProofToCheck): Promise<{ ok: boolean; source: string }> {
  if (o.vkey && o.fromChain) throw new InputError("give --vkey or --from-chain, not both");
  if (o.model && !o.fromChain) throw new InputError("--model applies with --from-chain");
  if (o.vkey) return { ok: await verifyWithKey(readKeyFile(o.vkey), p, file), source: `key file ${o.vkey}` };
  if (o.fromChain) {
    const { vkey, source } = await keyFromChain(o, p);
    return { ok: await verifyWithKey(vkey, p, file), source };
  }
  if (!p.file) throw new InputError(`${file} is a snarkjs proof and names no model: give --vkey or --from-chain`);
  const model = await openModel(p.file.circuitId, p.file.ptauId);
  const ok = await verifyInference(model, p.signals, p.proof);
  return { ok, source: `its compiled keys (${p.file.ptauId})` };
}

export async function run(file: string, o: Opts): Promise<void> {
  const p = readProof(file, o.public);
  const { ok, source } = await verify(file, o, p).finally(() => releaseCurve());
  const what = p.file ? `model ${p.file.circuitId}` : source;
  if (!ok) throw new ProofRejectedError(`${file}: the proof does not verify for ${what}`);
  const model = p.file ? ` for model ${p.file.circuitId}` : "";
  result(o, `${file}: valid proof${model} (output ${p.signals[1]}) against ${source}`, {
    valid: true,
    circuitId: p.file?.circuitId ?? null,
    key: source,
    publicSignals: p.signals.map(String),
  });
}
