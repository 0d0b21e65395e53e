// The development enclave: a separate process that owns a secp256k1 signing key it generated
// itself and never reveals, and a development security module (dev-enclave.ts) that attests it.
// Started by EnclaveClient (enclave-client.ts) with child_process.fork; talks over IPC only.
//
// Its configuration (EnclaveStartConfig) is argv[2] as JSON. On start it measures its image
// (code and the models it serves, verifying keys included) into PCR0..2, loads those models and
// computes their key ids, creates its key and a security module with a fresh leaf certificate,
// and sends { ready, address, moduleId, pcrs, models, verifyingKeys, bindings }. It exits when
// the host disconnects.
//
// The key signs only claims the enclave computed (method `infer`), and signs them as
// AttestedClaim(claimId, verifyingKeyId) with the key id of the model it ran: the host never
// hands it a digest, and a model id must be bound (once) to the circuit that serves it, so a
// registered enclave key vouches that an approved image ran *that* model.
import { readFileSync } from "node:fs";
import path from "node:path";
import { getAddress, getBytes, hexlify, isHexString, Wallet } from "ethers";
import { claimFor, claimIdOf, signAttestedClaim, type TypedDataSigner } from "../chain/claim.js";
import { isDevelopmentChain } from "../chain/dev-chain.js";
import type { CompiledModel, ModelManifest } from "../compile-model.js";
import { FIELD_MODULUS } from "../field.js";
import { infer } from "../prove-inference.js";
import type { QuantizedModel } from "../quantize/quantized-model.js";
import { type SnarkjsVerificationKey, verifyingKeyId } from "../zk/vkey-encoding.js";
import { loadOrCreateDevCa } from "./dev-ca.js";
import { DevSecurityModule } from "./dev-enclave.js";
import { type ImageMeasurement, measureDevImage } from "./image-measurement.js";
import type {
  AttestParams,
  BindResult,
  EnclaveModelFiles,
  EnclaveReady,
  EnclaveRequest,
  EnclaveResponse,
  EnclaveStartConfig,
  InferParams,
  InferResult,
  ModelBinding,
} from "./enclave-protocol.js";

type Handler = (params: unknown) => Promise<unknown> | unknown;

class EnclaveRequestError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "EnclaveRequestError";
  }
}

/** A served model and the key id the enclave computed from its verifying key. */
interface LoadedModel {
  model: CompiledModel;
  verifyingKeyId: string;
}

/** Loads a model's files, which must be part of the measured image, and computes its key id. */
function loadModel(files: EnclaveModelFiles, imageFiles: ReadonlySet<string>): LoadedModel {
  for (const f of [files.manifest, files.quantized, files.verifyingKey]) {
    if (typeof f !== "string" || !imageFiles.has(path.resolve(f)))
      throw new Error(`model file ${f} is not part of the measured enclave image`);
  }
  const manifest = JSON.parse(readFileSync(files.manifest, "utf8")) as ModelManifest;
  const quantized = JSON.parse(readFileSync(files.quantized, "utf8")) as QuantizedModel;
  const vkey = JSON.parse(readFileSync(files.verifyingKey, "utf8")) as SnarkjsVerificationKey;
  if (manifest.circuitId !== files.circuitId)
    throw new Error(`${files.manifest} is circuit ${manifest.circuitId}, not ${files.circuitId}`);
  return { model: { ref: { circuitId: files.circuitId }, manifest, quantized }, verifyingKeyId: verifyingKeyId(vkey) };
}

/** Model id -> circuit id, each model id bound once. */
class ModelBindings {
  private readonly byModel = new Map<string, string>();

  constructor(private readonly models: ReadonlyMap<string, LoadedModel>) {}

  /** Binds `modelId` to served circuit `circuitId`; the same binding again is a no-op. */
  bind(raw: unknown): BindResult {
    const b = raw as Partial<ModelBinding> | undefined;
    if (typeof b?.modelId !== "string" || !isHexString(b.modelId, 32))
      throw new EnclaveRequestError("BadParams", "modelId must be 32-byte hex");
    const loaded = servedModel(this.models, b.circuitId);
    const modelId = b.modelId.toLowerCase();
    const bound = this.byModel.get(modelId);
    if (bound !== undefined && bound !== b.circuitId) {
      throw new EnclaveRequestError(
        "AlreadyBound",
        `model ${b.modelId} is already bound to circuit ${bound}; a model id is bound once ` +
          "(start a new enclave to serve it from another circuit)",
      );
    }
    this.byModel.set(modelId, b.circuitId!);
    return { modelId: b.modelId, circuitId: b.circuitId!, verifyingKeyId: loaded.verifyingKeyId };
  }

  /** Throws ModelMismatch unless `modelId` is bound to `circuitId`. */
  require(modelId: string, circuitId: string): void {
    const bound = this.byModel.get(modelId.toLowerCase());
    if (bound === circuitId) return;
    throw new EnclaveRequestError(
      "ModelMismatch",
      bound === undefined
        ? `model ${modelId} is not bound to circuit ${circuitId} in this enclave (bind it first)`
        : `model ${modelId} is served by circuit ${bound}, not ${circuitId}: the enclave signs only the model it runs`,
    );
  }

  list(): ModelBinding[] {
    return [...this.byModel].map(([modelId, circuitId]) => ({ modelId, circuitId }));
  }
}

function servedModel(models: ReadonlyMap<string, LoadedModel>, circuitId: unknown): LoadedModel {
  const loaded = typeof circuitId === "string" ? models.get(circuitId) : undefined;
  if (loaded) return loaded;
  const served = [...models.keys()].join(", ") || "none";
  throw new EnclaveRequestError(
    "UnknownModel",
    `the enclave image holds no model ${JSON.stringify(circuitId)} (it serves: ${served})`,
  );
}

/** Handles `attest`: an attestation document over the image's PCRs and the enclave's key. */
function attestHandler(nsm: DevSecurityModule, measurement: ImageMeasurement, publicKey: Uint8Array): Handler {
  return (raw) => {
    const params = raw as AttestParams;
    requireBytes(params?.nonce, "nonce");
    if (params.userData !== undefined) requireBytes(params.userData, "userData");
    const document = nsm.createAttestationDocument({
      pcrs: measurement.pcrs,
      publicKey,
      userData: params.userData ?? null,
      nonce: params.nonce,
    });
    return { document };
  };
}

/** Handles `infer`: runs a model of the image and signs the claim it computed, naming the model's key. */
function inferHandler(
  models: ReadonlyMap<string, LoadedModel>,
  bindings: ModelBindings,
  wallet: TypedDataSigner,
): Handler {
  return async (raw): Promise<InferResult> => {
    const params = raw as InferParams;
    const loaded = servedModel(models, params?.circuitId);
    const input = checkInput(params.input, loaded.model);
    const ctx = checkContext(params.context);
    bindings.require(ctx.modelId, params.circuitId);
    checkSalt(params.salt);
    const inf = await infer(loaded.model, input, { salt: params.salt });
    const claim = claimFor(ctx, inf);
    const claimId = claimIdOf(claim, ctx.chainId, ctx.hub);
    const signature = await signAttestedClaim(wallet, claimId, loaded.verifyingKeyId, ctx.chainId, ctx.hub);
    const r = inf.result;
    return {
      claim,
      claimId,
      verifyingKeyId: loaded.verifyingKeyId,
      signature,
      salt: inf.salt,
      result: { label: r.label, labels: r.labels, logits: r.logits, dequantized: r.dequantized, clamped: r.clamped },
    };
  };
}

/** Answers the host's requests over IPC until it disconnects. */
function serve(handlers: Record<string, Handler>): void {
  process.on("message", async (message: EnclaveRequest) => {
    let response: EnclaveResponse;
    try {
      const handler = Object.hasOwn(handlers, message.method) ? handlers[message.method] : undefined;
      if (!handler)
        throw new EnclaveRequestError("UnknownMethod", `the enclave has no method ${JSON.stringify(message.method)}`);
      response = { id: message.id, ok: true, result: await handler(message.params) };
    } catch (e) {
      const err = e as Error & { code?: string };
      response = { id: message.id, ok: false, error: { name: err.name, code: err.code, message: err.message } };
    }
    process.send!(response);
  });
  process.on("disconnect", () => process.exit(0));
}

function main(): void {
  if (!process.send) throw new Error("enclave-process must be started with an IPC channel (child_process.fork)");
  const config = JSON.parse(process.argv[2] ?? "null") as EnclaveStartConfig;
  const measurement = measureDevImage(config.imageFiles, config.imageBaseDir);
  const imageFiles = new Set(config.imageFiles.map((f) => path.resolve(f)));
  const models = new Map((config.models ?? []).map((m) => [m.circuitId, loadModel(m, imageFiles)]));
  const bindings = new ModelBindings(models);
  for (const b of config.bindings ?? []) bindings.bind(b);
  const nsm = DevSecurityModule.create(loadOrCreateDevCa(config.caDir), { moduleId: config.moduleId });
  const wallet = Wallet.createRandom(); // stays in this process
  const publicKey = getBytes(wallet.signingKey.publicKey); // 0x04 || X || Y

  serve({
    attest: attestHandler(nsm, measurement, publicKey),
    bind: (params) => bindings.bind(params),
    infer: inferHandler(models, bindings, wallet),
  });

  const ready: EnclaveReady = {
    ready: true,
    address: wallet.address,
    moduleId: nsm.moduleId,
    pcrs: Object.fromEntries([...measurement.pcrs].map(([i, v]) => [i, hexlify(v).slice(2)])),
    models: [...models.keys()],
    verifyingKeys: Object.fromEntries([...models].map(([id, m]) => [id, m.verifyingKeyId])),
    bindings: bindings.list(),
  };
  process.send(ready);
}

function requireBytes(value: unknown, name: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw new EnclaveRequestError("BadParams", `${name} must be bytes`);
}

function checkInput(input: unknown, model: CompiledModel): number[] {
  const n = model.quantized.input.shape.reduce((a, b) => a * b, 1);
  if (!Array.isArray(input) || input.length !== n) {
    throw new EnclaveRequestError(
      "BadParams",
      `input must be an array of ${n} numbers, got ${Array.isArray(input) ? `${input.length} values` : typeof input}`,
    );
  }
  input.forEach((v, i) => {
    if (typeof v !== "number" || !Number.isFinite(v))
      throw new EnclaveRequestError("BadParams", `input[${i}] is not a finite number`);
  });
  return input as number[];
}

function checkSalt(salt: unknown): void {
  if (salt !== undefined && (typeof salt !== "bigint" || salt < 0n || salt >= FIELD_MODULUS)) {
    throw new EnclaveRequestError("BadParams", "salt must be a field element (bigint below r)");
  }
}

function checkContext(ctx: unknown): InferParams["context"] {
  const c = ctx as Partial<InferParams["context"]> | undefined;
  if (!c || typeof c !== "object") throw new EnclaveRequestError("BadParams", "context is missing");
  if (typeof c.modelId !== "string" || !isHexString(c.modelId, 32))
    throw new EnclaveRequestError("BadParams", "context.modelId must be 32-byte hex");
  if (typeof c.requestId !== "string" || !isHexString(c.requestId, 32))
    throw new EnclaveRequestError("BadParams", "context.requestId must be 32-byte hex");
  if (typeof c.deadline !== "bigint" || c.deadline < 0n || c.deadline >= 1n << 64n)
    throw new EnclaveRequestError("BadParams", "context.deadline must be a uint64 bigint");
  if (typeof c.chainId !== "bigint" || c.chainId <= 0n)
    throw new EnclaveRequestError("BadParams", "context.chainId must be a positive bigint");
  if (!isDevelopmentChain(c.chainId))
    throw new EnclaveRequestError(
      "DevelopmentOnly",
      `the development enclave signs for local development chains only, not chain ${c.chainId}: ` +
        "run a real Nitro enclave there",
    );
  let hub: string;
  try {
    hub = getAddress(String(c.hub));
  } catch {
    throw new EnclaveRequestError("BadParams", "context.hub must be an address");
  }
  return { modelId: c.modelId, requestId: c.requestId, deadline: c.deadline, chainId: c.chainId, hub };
}

main();
