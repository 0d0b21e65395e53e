// A model version as the chain knows it (the stored record plus the descriptor emitted with
// ModelVersionRegistered), and the locally compiled model it names: the circuit by its circuit
// hash, the keys by the registered verifying key id.
import type { BaseContract } from "ethers";
import type { CompiledModel } from "../compile-model.js";
import { AssayError } from "../errors.js";
import { listCompiled } from "../model-store.js";
import { openCompiledModel } from "../compile-model.js";
import { verifyingKeyId } from "../zk/vkey-encoding.js";
import { LEVEL_NAMES } from "./protocol-client.js";

export const MODEL_STATUS = ["Unknown", "Active", "Deprecated"] as const;

/** No version is registered under the id. */
export class UnregisteredModelError extends AssayError {
  constructor(
    readonly modelId: string,
    readonly chainId: bigint,
  ) {
    super(`model ${modelId} is not registered on chain ${chainId}`);
  }
}

/** The registered model's circuit or keys are not in the local artifact cache. */
export class ModelNotCompiledError extends AssayError {}

export interface TensorSpecView {
  shape: number[];
  frac: number;
  bits: number;
  isSigned: boolean;
}

export interface RegisteredModel {
  modelId: string;
  family: string;
  version: number;
  status: (typeof MODEL_STATUS)[number];
  allowedLevels: number;
  registeredAt: number;
  deprecatedAt: number;
  verifyingKeyId: string;
  descriptorHash: string;
  /** From the ModelVersionRegistered event (absent if the log scan did not find it). */
  descriptor?: {
    onnxSha256: string;
    quantizationHash: string;
    circuitHash: string;
    storageUri: string;
    enclaveImages: string[];
    input: TensorSpecView;
    output: TensorSpecView;
  };
  registeredInTx?: string;
}

/** Names of the levels a mask allows ("Signed", ...). */
export function levelsOfMask(mask: number): string[] {
  return LEVEL_NAMES.filter((_, i) => i > 0 && (mask & (1 << i)) !== 0);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyContract = BaseContract & Record<string, any>;

function tensor(t: { shape: readonly bigint[]; frac: bigint; bits: bigint; isSigned: boolean }): TensorSpecView {
  return { shape: t.shape.map(Number), frac: Number(t.frac), bits: Number(t.bits), isSigned: t.isSigned };
}

/** Reads version `modelId` from the registry (and its descriptor from logs since `fromBlock`). */
export async function readRegisteredModel(
  protocol: BaseContract,
  modelId: string,
  chainId: bigint,
  fromBlock = 0,
): Promise<RegisteredModel> {
  const p = protocol as AnyContract;
  let v;
  try {
    v = await p.modelVersion(modelId);
  } catch (e) {
    const parsed = (() => {
      try {
        return p.interface.parseError((e as { data?: string }).data ?? "0x");
      } catch {
        return null;
      }
    })();
    if (parsed?.name === "ModelRegistryUnknownModel" || (e as { code?: string }).code === "CALL_EXCEPTION")
      throw new UnregisteredModelError(modelId, chainId);
    throw e;
  }
  const m: RegisteredModel = {
    modelId,
    family: v.family,
    version: Number(v.version),
    status: MODEL_STATUS[Number(v.status)] ?? "Unknown",
    allowedLevels: Number(v.allowedLevels),
    registeredAt: Number(v.registeredAt),
    deprecatedAt: Number(v.deprecatedAt),
    verifyingKeyId: v.verifyingKeyId,
    descriptorHash: v.descriptorHash,
  };
  const logs = await p.queryFilter(p.filters.ModelVersionRegistered(modelId), fromBlock);
  const log = logs[logs.length - 1] as
    { args?: { input: Record<string, unknown> }; transactionHash: string } | undefined;
  if (log?.args) {
    const i = log.args.input as unknown as {
      onnxSha256: string;
      quantizationHash: string;
      circuitHash: string;
      storageUri: string;
      enclaveImages: string[];
      input: Parameters<typeof tensor>[0];
      output: Parameters<typeof tensor>[0];
    };
    m.descriptor = {
      onnxSha256: i.onnxSha256,
      quantizationHash: i.quantizationHash,
      circuitHash: i.circuitHash,
      storageUri: i.storageUri,
      enclaveImages: [...i.enclaveImages],
      input: tensor(i.input),
      output: tensor(i.output),
    };
    m.registeredInTx = log.transactionHash;
  }
  return m;
}

/**
 * The compiled model (circuit and keys) a registered version was made from: `circuitHash` is the
 * circuit id that `assay model register` records, and the keys are the set-up whose verifying
 * key id is the registered one.
 */
export async function openRegisteredModel(m: RegisteredModel): Promise<CompiledModel> {
  if (!m.descriptor)
    throw new ModelNotCompiledError(
      `model ${m.modelId}: its registration event was not found, so its circuit is unknown`,
    );
  // `assay model register` records the circuit id left-aligned in the 32-byte circuit hash.
  const hash = m.descriptor.circuitHash.toLowerCase();
  const local = listCompiled().find((c) => `0x${c.circuitId.padEnd(64, "0")}` === hash);
  const circuitId = local?.circuitId ?? hash.replace(/^0x/, "").replace(/(00)+$/, "");
  if (!local) {
    throw new ModelNotCompiledError(
      `model ${m.modelId} is circuit ${circuitId}, which is not compiled here (${m.descriptor.storageUri}): ` +
        "run `assay model compile` on its ONNX file",
    );
  }
  for (const ptauId of local.ptauIds) {
    const c = await openCompiledModel({ circuitId, ptauId });
    if (c.vkey && verifyingKeyId(c.vkey) === m.verifyingKeyId) return c;
  }
  const keys = local.ptauIds.join(", ") || "none";
  throw new ModelNotCompiledError(
    `model ${m.modelId}: circuit ${circuitId} is compiled here, ` +
      `but none of its keys (${keys}) is the registered key ${m.verifyingKeyId}`,
  );
}
