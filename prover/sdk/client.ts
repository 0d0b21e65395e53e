// AssayClient: a dApp back end's handle on an assay node. It asks the node for inferences over
// its HTTP API (prover/node/server.ts: POST /v1/infer, GET /v1/claims/:id, GET /v1/models,
// GET /healthz), checks that every claim it gets back hashes to its id in the hub's EIP-712
// domain, waits for claims to reach a level on chain, and audits them from chain data alone
// (prover/audit: the checks `assay audit` runs).
//
// Chain reads (model names, audits) go to `rpc` when given (a JSON-RPC url or an ethers
// Provider), else to the node's own read-only JSON-RPC at <url>/rpc, which a node on its
// embedded chain serves. The heavy parts (the audit's proof checks) are loaded on first use, so
// importing the client costs little.
import type { Static } from "@sinclair/typebox";
import { JsonRpcProvider, type Provider } from "ethers";
import type { AuditOptions as ChainAuditOptions, AuditReport } from "../audit/index.js";
import type { LevelName as ChainLevelName } from "../chain/protocol-client.js";
import { firstLine } from "../errors.js";
import type { ClaimView, HealthResponse, InferResponse, ModelsResponse } from "../node/api-schema.js";
import type { LevelRequest as NodeLevelRequest } from "../node/routing.js";
import { type Claim, claimIdOf, parseClaim } from "./claims.js";
import { type AssayProtocol, AssayProtocol__factory, Groth16Verifier__factory } from "./contracts.js";
import {
  AssayArgumentError,
  AssayConnectionError,
  AssayNodeError,
  ClaimFailedError,
  NodeAnswerError,
  WaitTimeoutError,
} from "./errors.js";
import { ModelDirectory, type ServedModel, type ServedVersion } from "./model-directory.js";
import type { LevelName, LevelRequest, NodeClaimJson, NodeHealth } from "./node-api.js";

export type { AuditCheck, AuditReport, CheckStatus } from "../audit/index.js";
export type { ServedModel, ServedVersion } from "./model-directory.js";
export type { ClaimStatus, LevelName, LevelRequest, NodeClaimJson, NodeHealth, TxInfo } from "./node-api.js";

// The SDK's copies of the node's names are the node's own (checked both ways at compile time).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _sameLevels: Same<LevelName, ChainLevelName> = true;
const _sameRequests: Same<LevelRequest, NodeLevelRequest> = true;

export interface AssayClientOptions {
  /** The node's base url, e.g. "http://127.0.0.1:8080". */
  url: string;
  /** An API key of the node (sent as `Authorization: Bearer <apiKey>`), when it has keys. */
  apiKey?: string;
  /** Chain reads: a JSON-RPC url or an ethers Provider (default: the node's `<url>/rpc`). */
  rpc?: string | Provider;
  /** First block to scan for the protocol's events in audits (its deployment block; default 0). */
  fromBlock?: number;
  /** Model names mean families created by this account (default: any served family of that name). */
  familyOwner?: string;
  /** Give up on a request to the node after this many milliseconds (default 120000). */
  timeoutMs?: number;
}

/** Array nesting of an input: numbers, flat or nested (the model's own shape), as the node takes them. */
export type InputTensor = readonly (number | InputTensor)[];

/** What is at stake (sets the level through the consumer's or the node's policy), and/or the level asked for. */
export interface InferOptions {
  /** A non-negative integer below 2^256 (bigint, safe integer, decimal or 0x string). */
  valueAtRisk?: bigint | number | string;
  /** At least this level ("auto": what the policy requires). Alone, the value at risk is 0. */
  level?: LevelRequest | LevelName;
  /** A contract whose `requiredLevel(valueAtRisk)` sets the required level (default: the node's thresholds). */
  consumer?: string;
}

/** A claim as the node reports it, with the claim's fields, the value at risk and the output as bigints. */
export interface ClaimInfo extends Omit<NodeClaimJson, "claim" | "valueAtRisk" | "output"> {
  claim: Claim;
  valueAtRisk: bigint;
  output: Omit<NodeClaimJson["output"], "signal" | "logits"> & { signal: bigint; logits: bigint[] };
}

/** The claim an inference made, and the salt of its input commitment (the caller's to keep). */
export interface InferResult extends ClaimInfo {
  salt: bigint;
}

export interface WaitOptions {
  /** Give up after this many milliseconds (default 120000). */
  timeoutMs?: number;
  /** Ask the node this often (default 500 ms). */
  intervalMs?: number;
}

export interface AuditOptions extends Omit<ChainAuditOptions, "input" | "salt"> {
  /** The input the claim commits to (flat or nested); with `salt`, the commitment and output are recomputed. */
  input?: InputTensor;
  salt?: bigint | string;
}

const LEVEL_RANK = { None: 0, Signed: 1, Attested: 2, Proven: 3 } as const satisfies Record<LevelName | "None", number>;

/** "proven" / "Proven" -> "Proven". */
function levelName(level: string): LevelName {
  const name = `${level.charAt(0).toUpperCase()}${level.slice(1).toLowerCase()}`;
  if (name === "None" || !(name in LEVEL_RANK))
    throw new AssayArgumentError("level", `${JSON.stringify(level)} is not one of Signed, Attested, Proven`);
  return name as LevelName;
}

function valueAtRiskOf(v: bigint | number | string): string {
  if (typeof v === "string") return v; // the node checks decimal and 0x strings and names the field
  if (typeof v === "number" && !Number.isSafeInteger(v))
    throw new AssayArgumentError("valueAtRisk", `${v} is not an integer (use a bigint or a decimal string)`);
  if (BigInt(v) < 0n) throw new AssayArgumentError("valueAtRisk", `${v} is negative`);
  return BigInt(v).toString();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The chain as the client reads it: a provider, the hub (protocol) and the verifier. */
interface ChainHandle {
  provider: Provider;
  chainId: bigint;
  protocol: AssayProtocol;
  protocolAddress: string;
  verifierAddress: string;
  directory: ModelDirectory;
}

export class AssayClient {
  /** The node's base url, without a trailing slash. */
  readonly url: string;
  private readonly o: AssayClientOptions;
  private healthP?: Promise<NodeHealth>;
  private chainP?: Promise<ChainHandle>;
  private ownedProvider?: JsonRpcProvider;

  constructor(options: AssayClientOptions | string) {
    this.o = typeof options === "string" ? { url: options } : { ...options };
    let u: URL;
    try {
      u = new URL(this.o.url);
    } catch {
      throw new AssayArgumentError("url", `${JSON.stringify(this.o.url)} is not a url`);
    }
    if (u.protocol !== "http:" && u.protocol !== "https:")
      throw new AssayArgumentError("url", `${this.o.url}: only http(s) urls are supported`);
    this.url = this.o.url.replace(/\/+$/, "");
  }

  // ---------------------------------------------------------------- the node's API

  private async request<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
    const what = `${method} ${path}`;
    const headers: Record<string, string> = { accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (this.o.apiKey) headers.authorization = `Bearer ${this.o.apiKey}`;
    let res: Response;
    try {
      res = await fetch(`${this.url}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.o.timeoutMs ?? 120_000),
      });
    } catch (e) {
      // fetch says "fetch failed"; why is in its cause (ECONNREFUSED, ENOTFOUND, a timeout...).
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? (cause?.message ? firstLine(cause.message) : firstLine(e));
      throw new AssayConnectionError(`${what}: cannot reach the node at ${this.url} (${why})`);
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new AssayConnectionError(`${what} at ${this.url} -> ${res.status}: the answer is not JSON (not a node?)`);
    }
    if (!res.ok) {
      const reason = (json as { error?: unknown })?.error;
      throw new AssayNodeError(res.status, typeof reason === "string" ? reason : text.slice(0, 200), what);
    }
    return json as T;
  }

  /** GET /healthz: the node's chain, protocol, operator, enclave and policy (read once per client). */
  health(): Promise<NodeHealth> {
    this.healthP ??= this.request<Static<typeof HealthResponse>>("GET", "/healthz").catch((e) => {
      this.healthP = undefined;
      throw e;
    });
    return this.healthP;
  }

  /** The models the node serves, each with its registry family and version (undefined if unregistered). */
  async models(): Promise<ServedVersion[]> {
    return (await this.chain()).directory.withVersions(await this.served());
  }

  /** GET /v1/models. */
  private async served(): Promise<ServedModel[]> {
    return (await this.request<Static<typeof ModelsResponse>>("GET", "/v1/models")).models;
  }

  /**
   * What to ask the node for: a model id as given; a family name as the id of its latest
   * version (which the node must serve); anything else (an alias or circuit id of the node) as is.
   */
  async resolveModel(model: string): Promise<string> {
    if (typeof model !== "string" || model.length === 0)
      throw new AssayArgumentError("model", "give a model id (0x and 64 hex digits) or a family name");
    if (/^0x[0-9a-fA-F]{64}$/.test(model)) return model.toLowerCase();
    const served = await this.served();
    const { directory } = await this.chain();
    return (await directory.resolve(model, served, this.o.familyOwner)) ?? model;
  }

  /**
   * One inference: the node runs `model` (id or family name) on `input` at the cheapest level
   * the value at risk allows (or at least `level`), and returns the claim it made with the
   * output and the input commitment's salt. The claim's id is checked against its fields.
   */
  async infer(model: string, input: InputTensor, options: InferOptions): Promise<InferResult> {
    if (!Array.isArray(input)) throw new AssayArgumentError("input", "give an array of numbers (flat or nested)");
    if (options?.valueAtRisk === undefined && options?.level === undefined)
      throw new AssayArgumentError("options", "give valueAtRisk (what is at stake: it sets the level) or level");
    const modelRef = await this.resolveModel(model);
    const body = {
      model: modelRef,
      input,
      valueAtRisk: valueAtRiskOf(options.valueAtRisk ?? 0n),
      ...(options.level === undefined ? {} : { level: String(options.level).toLowerCase() }),
      ...(options.consumer === undefined ? {} : { consumer: options.consumer }),
    };
    const json = await this.request<Static<typeof InferResponse>>("POST", "/v1/infer", body);
    const info = await this.checked(json);
    if (modelRef.startsWith("0x") && info.claim.modelId.toLowerCase() !== modelRef.toLowerCase())
      throw new NodeAnswerError(`asked for model ${modelRef}, the node's claim ${info.claimId} is for ${info.modelId}`);
    return { ...info, salt: BigInt(json.salt) };
  }

  /** GET /v1/claims/:id: the node's record of a claim, with its level on chain now. */
  async claim(id: string): Promise<ClaimInfo> {
    if (typeof id !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(id))
      throw new AssayArgumentError("claim id", `${JSON.stringify(id)} is not 0x and 64 hex digits`);
    return this.checked(await this.request<Static<typeof ClaimView>>("GET", `/v1/claims/${id}`));
  }

  /** The node's claim JSON with bigints, after checking its id is its fields' EIP-712 digest in the node's hub. */
  private async checked(json: NodeClaimJson): Promise<ClaimInfo> {
    const claim = parseClaim(json.claim);
    const health = await this.health();
    const expected = claimIdOf(claim, BigInt(health.chainId), health.protocol);
    if (expected.toLowerCase() !== json.claimId.toLowerCase())
      throw new NodeAnswerError(
        `the node's claim ${json.claimId} is not the EIP-712 id of its fields (${expected}) ` +
          `on chain ${health.chainId}, hub ${health.protocol}`,
      );
    const output = { ...json.output, signal: BigInt(json.output.signal), logits: json.output.logits.map(BigInt) };
    return { ...json, claim, valueAtRisk: BigInt(json.valueAtRisk), output };
  }

  /**
   * Resolves with the claim once the hub records it at `level` or above (a Proven claim's proof
   * landed, a Signed one was submitted...). Rejects when the node gives up on it (ClaimFailedError)
   * or after `timeoutMs` (WaitTimeoutError, with the last state seen). A Signed claim a batching
   * node put in a Merkle batch is not in the hub's records until someone imports it
   * (`importBatchedClaim` with `claim.batch.proof`); the hub's `checkBatchedClaim` checks it before.
   */
  async waitFor(id: string, level: LevelName | Lowercase<LevelName>, options: WaitOptions = {}): Promise<ClaimInfo> {
    const target = levelName(level);
    const timeoutMs = options.timeoutMs ?? 120_000;
    const intervalMs = options.intervalMs ?? 500;
    const start = Date.now();
    for (;;) {
      const c = await this.claim(id);
      const onChain = c.onChain?.level ?? "None";
      if (LEVEL_RANK[onChain] >= LEVEL_RANK[target]) return c;
      if (c.status === "failed") throw new ClaimFailedError(id, c.error ?? c.job?.error ?? "no reason given");
      const waited = Date.now() - start;
      if (waited >= timeoutMs) {
        const job = c.job ? `, proof job ${c.job.state}` : "";
        // A batched Signed claim stands under its posted root; the hub records it once imported.
        const batch = c.batch
          ? `, in batch ${c.batch.root} (the hub records it once imported: importBatchedClaim)`
          : "";
        throw new WaitTimeoutError(id, target, waited, `status ${c.status}, on chain ${onChain}${job}${batch}`);
      }
      await sleep(Math.min(intervalMs, timeoutMs - waited));
    }
  }

  // ---------------------------------------------------------------- the chain

  /** The provider, hub and verifier of the node's chain (the node's /rpc unless `rpc` was given). */
  private chain(): Promise<ChainHandle> {
    this.chainP ??= this.openChain().catch((e) => {
      this.chainP = undefined;
      throw e;
    });
    return this.chainP;
  }

  private async openChain(): Promise<ChainHandle> {
    const health = await this.health();
    const chainId = BigInt(health.chainId);
    const rpc = this.o.rpc ?? `${this.url}/rpc`;
    const label = typeof rpc === "string" ? rpc : "the given provider";
    let provider: Provider;
    if (typeof rpc === "string") {
      this.ownedProvider = new JsonRpcProvider(rpc, chainId, { staticNetwork: true });
      provider = this.ownedProvider;
    } else {
      provider = rpc;
    }
    let actual: bigint;
    try {
      actual = (await provider.getNetwork()).chainId;
      if (this.o.rpc !== undefined) await provider.getBlockNumber();
    } catch (e) {
      throw new AssayConnectionError(`cannot read the chain at ${label}: ${firstLine(e)}`);
    }
    if (actual !== chainId)
      throw new AssayArgumentError(
        "rpc",
        `${label} is chain ${actual}, the node at ${this.url} is on chain ${chainId}`,
      );
    const protocol = AssayProtocol__factory.connect(health.protocol, provider);
    let verifierAddress: string;
    try {
      verifierAddress = await protocol.verifier();
    } catch (e) {
      const hint = this.o.rpc === undefined ? " (a node on a real chain has no /rpc: give the client `rpc`)" : "";
      throw new AssayConnectionError(`cannot read the protocol ${health.protocol} at ${label}${hint}: ${firstLine(e)}`);
    }
    const directory = new ModelDirectory(protocol, label);
    return { provider, chainId, protocol, protocolAddress: health.protocol, verifierAddress, directory };
  }

  /** The provider chain reads go through. */
  async provider(): Promise<Provider> {
    return (await this.chain()).provider;
  }

  /** The node's deployment: chain id, AssayProtocol (the hub) and Groth16Verifier addresses. */
  async deployment(): Promise<{ chainId: bigint; protocol: string; verifier: string }> {
    const c = await this.chain();
    return { chainId: c.chainId, protocol: c.protocolAddress, verifier: c.verifierAddress };
  }

  /**
   * Re-checks a claim from chain data alone, as `assay audit` does: record and events, fields
   * read back from the submitting transaction, model and key, proofs verified off-chain, enclave
   * key and image, signer's stake, finality. With `input` and `salt`, the input commitment and
   * output are recomputed (the model must then be compiled in this machine's artifact cache).
   */
  async audit(id: string, options: AuditOptions = {}): Promise<AuditReport> {
    const [{ auditClaim }, { releaseCurve }] = await Promise.all([
      import("../audit/index.js"),
      import("../zk/groth16.js"),
    ]);
    const c = await this.chain();
    const { input, salt, ...rest } = options;
    const ownCurve = !(globalThis as { curve_bn128?: unknown }).curve_bn128;
    try {
      return await auditClaim(
        {
          provider: c.provider,
          chainId: c.chainId,
          protocol: c.protocol,
          verifier: Groth16Verifier__factory.connect(c.verifierAddress, c.provider),
          fromBlock: this.o.fromBlock ?? 0,
        },
        id,
        {
          ...rest,
          input: input === undefined ? undefined : (input.flat(Infinity as 1) as number[]),
          salt: salt === undefined ? undefined : BigInt(salt),
        },
      );
    } finally {
      // The proof check builds snarkjs's curve with worker threads, which would keep the process
      // alive: released here unless the caller had built it already.
      if (ownCurve) await releaseCurve();
    }
  }

  /** Stops the JSON-RPC provider this client made (a provider given as `rpc` stays the caller's). */
  close(): void {
    this.ownedProvider?.destroy();
    this.ownedProvider = undefined;
    this.chainP = undefined;
  }
}
