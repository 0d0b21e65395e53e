// The host side of the development enclave: starts enclave-process.ts as a child process
// (child_process.fork, through tsx when running from TypeScript sources), waits until it reports
// its address, PCRs and the key ids of its models, and turns method calls into IPC requests.
// Given the chain it will sign for (`chainId`), it refuses to start for a chain that is not a
// local development chain: the development enclave's trust is for development only.
import { fork, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { AssayError } from "../errors.js";
import { artifactPath, type ArtifactRef, PROJECT_ROOT } from "../artifacts.js";
import { devCaDir, loadOrCreateDevCa, requireDevelopmentChain } from "./dev-ca.js";
import { measureDevImage } from "./image-measurement.js";
import type {
  BindResult,
  ClaimContext,
  EnclaveMethod,
  EnclaveMethods,
  EnclaveModelFiles,
  EnclaveReady,
  EnclaveResponse,
  EnclaveStartConfig,
  InferResult,
  ModelBinding,
} from "./enclave-protocol.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const EXT = path.extname(fileURLToPath(import.meta.url)); // ".ts" from sources, ".js" when built

/** The enclave process failed to start, died, or answered a request with an error. */
export class EnclaveProcessError extends AssayError {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface EnclaveStartOptions {
  /** Development CA directory (default <cache>/attest/dev-ca, created if missing). */
  caDir?: string;
  moduleId?: string;
  /**
   * Compiled models the enclave serves (circuit id and the ptau id of its keys, in the artifact
   * cache). Their manifest, quantized weights and verifying key join the measured image, so an
   * image approved for a model pins its weights and its key.
   */
  models?: readonly ArtifactRef[];
  /** On-chain model ids bound to served circuits from the start (write-once, see `bind`). */
  bindings?: readonly ModelBinding[];
  /** The chain the enclave will sign for: refused unless it is a local development chain. */
  chainId?: bigint | number;
  /** Further files added to the measured image. */
  extraImageFiles?: string[];
  /** How long to wait for the enclave to report ready (default 60 s). */
  startTimeoutMs?: number;
}

/**
 * The code of the enclave image: every file of prover/attest and every prover module that
 * enclave-process imports, directly or not (relative imports, followed statically). Their
 * contents determine PCR0 and PCR2 (image-measurement.ts) together with the models' files.
 * Packages under node_modules are not measured: their versions are pinned by the lockfile.
 */
export function enclaveCodeFiles(): string[] {
  const own = readdirSync(HERE)
    .filter((f) => f.endsWith(EXT) && !f.endsWith(`.d${EXT}`))
    .map((f) => path.join(HERE, f));
  return [...new Set([...own, ...importClosure(path.join(HERE, `enclave-process${EXT}`))])].sort();
}

/** The files of a compiled model that the enclave loads (and that are measured). */
export function enclaveModelFiles(ref: ArtifactRef): EnclaveModelFiles {
  const { circuitId, ptauId } = ref;
  if (!ptauId)
    throw new EnclaveProcessError(
      "NoVerifyingKey",
      `model ${circuitId} has no keys named (ptau id missing): the enclave signs its verifying key id, ` +
        "so serve a model that was set up (assay model compile)",
    );
  const files = {
    circuitId,
    manifest: artifactPath({ circuitId }, "manifest"),
    quantized: artifactPath({ circuitId }, "quantized"),
    verifyingKey: artifactPath({ circuitId, ptauId }, "vkey"),
  };
  for (const f of [files.manifest, files.quantized, files.verifyingKey]) {
    if (!existsSync(f))
      throw new EnclaveProcessError("UnknownModel", `model ${circuitId} is not compiled and set up (missing ${f})`);
  }
  return files;
}

/** Every file of the enclave image: its code, the models' files, and `extra`. */
export function enclaveImageFiles(extra: readonly string[] = [], models: readonly ArtifactRef[] = []): string[] {
  const modelFiles = models.flatMap((ref) => {
    const m = enclaveModelFiles(ref);
    return [m.manifest, m.quantized, m.verifyingKey];
  });
  return [...enclaveCodeFiles(), ...modelFiles, ...extra.map((f) => path.resolve(f))];
}

/** The PCRs (index -> hex) an enclave started with these options reports: the image to approve. */
export function enclaveImage(
  options: Pick<EnclaveStartOptions, "models" | "extraImageFiles"> = {},
): Record<number, string> {
  return measureDevImage(enclaveImageFiles(options.extraImageFiles, options.models), IMAGE_BASE_DIR).image;
}

// Relative imports that load code: `import x from`, `export * from`, `import "./x.js"`,
// `import("./x.js")`; `import type` / `export type` erase at run time and are not followed.
const STATIC_IMPORT = /(?:^|[\s;])(?:import|export)\s+(?!type\s)[^;]*?from\s*["'](\.{1,2}\/[^"']+)["']/;
const BARE_OR_DYNAMIC_IMPORT = /\bimport\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/;
const IMPORT_RE = new RegExp(`${STATIC_IMPORT.source}|${BARE_OR_DYNAMIC_IMPORT.source}`, "g");

/** Files reachable from `entry` through relative imports (".js" specifiers name sources with EXT). */
function importClosure(entry: string): string[] {
  const seen = new Set<string>();
  const stack = [entry];
  while (stack.length > 0) {
    const file = stack.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = readFileSync(file, "utf8");
    for (const m of source.matchAll(IMPORT_RE)) {
      const spec = m[1] ?? m[2];
      const target = path.resolve(path.dirname(file), spec.replace(/\.js$/, EXT));
      if (existsSync(target)) stack.push(target);
    }
  }
  return [...seen];
}

/** Base directory image paths are measured relative to. */
export const IMAGE_BASE_DIR = PROJECT_ROOT;

export class EnclaveClient {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private exited: EnclaveProcessError | null = null;
  private readonly bound: Map<string, string>;

  private constructor(
    private readonly child: ChildProcess,
    readonly address: string,
    readonly moduleId: string,
    readonly pcrs: Readonly<Record<number, string>>,
    readonly models: readonly string[],
    /** Circuit id -> verifying key id, as the enclave computed them. */
    readonly verifyingKeys: Readonly<Record<string, string>>,
    bindings: readonly ModelBinding[],
  ) {
    this.bound = new Map(bindings.map((b) => [b.modelId.toLowerCase(), b.circuitId]));
    child.on("message", (m: EnclaveResponse) => this.onResponse(m));
    child.on("exit", (code, signal) => {
      this.exited = new EnclaveProcessError("Exited", `enclave process exited (code ${code}, signal ${signal})`);
      for (const p of this.pending.values()) p.reject(this.exited);
      this.pending.clear();
    });
  }

  static async start(options: EnclaveStartOptions = {}): Promise<EnclaveClient> {
    if (options.chainId !== undefined) requireDevelopmentChain(options.chainId, "the development enclave");
    const caDir = options.caDir ?? devCaDir();
    loadOrCreateDevCa(caDir); // create it here, so the host and the enclave agree on one CA
    const models = (options.models ?? []).map(enclaveModelFiles);
    const config: EnclaveStartConfig = {
      caDir,
      moduleId: options.moduleId,
      imageFiles: enclaveImageFiles(options.extraImageFiles, options.models),
      imageBaseDir: IMAGE_BASE_DIR,
      models,
      bindings: checkStartBindings(options.bindings ?? [], models),
    };
    const entry = path.join(HERE, `enclave-process${EXT}`);
    const execArgv = EXT === ".ts" ? ["--import", import.meta.resolve("tsx")] : [];
    const child = fork(entry, [JSON.stringify(config)], {
      execArgv,
      serialization: "advanced",
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    const timeoutMs = options.startTimeoutMs ?? 60_000;
    const ready = await new Promise<EnclaveReady>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill();
        reject(new EnclaveProcessError("StartTimeout", `enclave process did not report ready within ${timeoutMs} ms`));
      }, timeoutMs);
      const onMessage = (m: EnclaveReady) => {
        if (!m || m.ready !== true) return;
        clearTimeout(timer);
        child.off("exit", onExit);
        child.off("message", onMessage);
        resolve(m);
      };
      const onExit = (code: number | null, signal: string | null) => {
        clearTimeout(timer);
        reject(
          new EnclaveProcessError(
            "StartFailed",
            `enclave process exited during start (code ${code}, signal ${signal})`,
          ),
        );
      };
      child.on("message", onMessage);
      child.once("exit", onExit);
    });
    return new EnclaveClient(
      child,
      ready.address,
      ready.moduleId,
      ready.pcrs,
      ready.models,
      ready.verifyingKeys,
      ready.bindings,
    );
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** An attestation document binding this enclave's signing key, carrying `nonce` (and `userData`). */
  async attest(nonce: Uint8Array, userData?: Uint8Array): Promise<Uint8Array> {
    const { document } = await this.call("attest", { nonce, userData });
    return document;
  }

  /**
   * Binds on-chain model `modelId` to served circuit `circuitId` inside the enclave, once: the
   * enclave refuses to rebind a model id to another circuit (AlreadyBound). Returns the key id the
   * enclave will sign for that model.
   */
  async bind(modelId: string, circuitId: string): Promise<BindResult> {
    const result = await this.call("bind", { modelId, circuitId });
    this.bound.set(modelId.toLowerCase(), circuitId);
    return result;
  }

  /** The circuit `modelId` is bound to inside the enclave (as far as this client has seen), if any. */
  boundCircuit(modelId: string): string | undefined {
    return this.bound.get(modelId.toLowerCase());
  }

  /**
   * Runs model `circuitId` on `input` inside the enclave, which builds the claim for `context`
   * (its inputCommitment and output computed there) and signs AttestedClaim(claimId,
   * verifyingKeyId) with the attested key. `context.modelId` must be bound to `circuitId`.
   */
  infer(circuitId: string, input: readonly number[], context: ClaimContext, salt?: bigint): Promise<InferResult> {
    return this.call("infer", { circuitId, input: [...input], context, salt });
  }

  call<M extends EnclaveMethod>(method: M, params: EnclaveMethods[M]["params"]): Promise<EnclaveMethods[M]["result"]> {
    return this.request(method, params) as Promise<EnclaveMethods[M]["result"]>;
  }

  /** Sends any method by name (what a host that does not play by the typed API could send). */
  request(method: string, params: unknown): Promise<unknown> {
    if (this.exited) return Promise.reject(this.exited);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ id, method, params }, (err) => {
        if (err && this.pending.delete(id)) reject(new EnclaveProcessError("SendFailed", err.message));
      });
    });
  }

  /** Disconnects and waits for the enclave process to exit (it exits on disconnect). */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    if (this.child.connected) this.child.disconnect();
    else this.child.kill();
    await exited;
  }

  private onResponse(m: EnclaveResponse): void {
    if (!m || typeof (m as { id?: unknown }).id !== "number") return;
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (m.ok) p.resolve(m.result);
    else p.reject(new EnclaveProcessError(m.error.code ?? m.error.name, `enclave: ${m.error.message}`));
  }
}

/** Start bindings, checked before the enclave starts: each to a served circuit, each model id once. */
function checkStartBindings(bindings: readonly ModelBinding[], models: readonly EnclaveModelFiles[]): ModelBinding[] {
  const served = new Set(models.map((m) => m.circuitId));
  const seen = new Map<string, string>();
  for (const b of bindings) {
    if (!/^0x[0-9a-fA-F]{64}$/.test(b.modelId))
      throw new EnclaveProcessError("BadParams", `model id ${b.modelId} is not 32-byte hex`);
    if (!served.has(b.circuitId))
      throw new EnclaveProcessError(
        "UnknownModel",
        `model ${b.modelId} is bound to circuit ${b.circuitId}, which the enclave does not serve`,
      );
    const previous = seen.get(b.modelId.toLowerCase());
    if (previous !== undefined && previous !== b.circuitId)
      throw new EnclaveProcessError(
        "AlreadyBound",
        `model ${b.modelId} is bound to two circuits (${previous}, ${b.circuitId}); a model id has one`,
      );
    seen.set(b.modelId.toLowerCase(), b.circuitId);
  }
  return bindings.map((b) => ({ modelId: b.modelId, circuitId: b.circuitId }));
}
