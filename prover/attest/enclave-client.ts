// The host side of the development enclave: starts enclave-process.ts as a child process
// (child_process.fork, through tsx when running from TypeScript sources), waits until it reports
// its address and PCRs, and turns method calls into IPC requests.
import { fork, type ChildProcess } from "node:child_process";
import { readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { AssayError } from "../errors.js";
import { PROJECT_ROOT } from "../artifacts.js";
import { devCaDir, loadOrCreateDevCa } from "./dev-ca.js";
import type {
  EnclaveMethod,
  EnclaveMethods,
  EnclaveReady,
  EnclaveResponse,
  EnclaveStartConfig,
} from "./enclave-protocol.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const EXT = path.extname(fileURLToPath(import.meta.url)); // ".ts" from sources, ".js" when built

/** The enclave process failed to start, died, or answered a request with an error. */
export class EnclaveProcessError extends AssayError {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

export interface EnclaveStartOptions {
  /** Development CA directory (default <cache>/attest/dev-ca, created if missing). */
  caDir?: string;
  moduleId?: string;
  /** Files added to the measured image (e.g. the model the enclave serves). */
  extraImageFiles?: string[];
  /** How long to wait for the enclave to report ready (default 60 s). */
  startTimeoutMs?: number;
}

/**
 * The files of the enclave image: the code of prover/attest and the prover modules it imports,
 * plus `extra`. Their contents determine PCR0 and PCR2 (image-measurement.ts).
 */
export function enclaveImageFiles(extra: readonly string[] = []): string[] {
  const own = readdirSync(HERE)
    .filter((f) => f.endsWith(EXT) && !f.endsWith(`.d${EXT}`))
    .map((f) => path.join(HERE, f));
  const shared = ["errors", "artifacts"].map((name) => path.join(HERE, "..", `${name}${EXT}`));
  return [...own, ...shared, ...extra.map((f) => path.resolve(f))];
}

/** Base directory image paths are measured relative to. */
export const IMAGE_BASE_DIR = PROJECT_ROOT;

export class EnclaveClient {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private exited: EnclaveProcessError | null = null;

  private constructor(
    private readonly child: ChildProcess,
    readonly address: string,
    readonly moduleId: string,
    readonly pcrs: Readonly<Record<number, string>>,
  ) {
    child.on("message", (m: EnclaveResponse) => this.onResponse(m));
    child.on("exit", (code, signal) => {
      this.exited = new EnclaveProcessError("Exited", `enclave process exited (code ${code}, signal ${signal})`);
      for (const p of this.pending.values()) p.reject(this.exited);
      this.pending.clear();
    });
  }

  static async start(options: EnclaveStartOptions = {}): Promise<EnclaveClient> {
    const caDir = options.caDir ?? devCaDir();
    loadOrCreateDevCa(caDir); // create it here, so the host and the enclave agree on one CA
    const config: EnclaveStartConfig = {
      caDir,
      moduleId: options.moduleId,
      imageFiles: enclaveImageFiles(options.extraImageFiles),
      imageBaseDir: IMAGE_BASE_DIR,
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
        reject(new EnclaveProcessError("StartFailed", `enclave process exited during start (code ${code}, signal ${signal})`));
      };
      child.on("message", onMessage);
      child.once("exit", onExit);
    });
    return new EnclaveClient(child, ready.address, ready.moduleId, ready.pcrs);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** An attestation document binding this enclave's signing key, carrying `nonce` (and `userData`). */
  async attest(nonce: Uint8Array, userData?: Uint8Array): Promise<Uint8Array> {
    const { document } = await this.call("attest", { nonce, userData });
    return document;
  }

  /** The enclave's signature (65 bytes, r || s || v, 0x-hex) over a 32-byte digest. */
  async sign(digest: Uint8Array): Promise<string> {
    const { signature } = await this.call("sign", { digest });
    return signature;
  }

  call<M extends EnclaveMethod>(method: M, params: EnclaveMethods[M]["params"]): Promise<EnclaveMethods[M]["result"]> {
    return this.request(method, params) as Promise<EnclaveMethods[M]["result"]>;
  }

  /** Sends any method (the hook for methods added to the enclave later, e.g. infer). */
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
