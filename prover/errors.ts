// Typed errors that carry the facts a user needs. The CLI turns any AssayError into one line
// and its exit code: 1 for what a user can fix (a file, an input, the environment), 70 for a
// bug in assay itself (InternalError).

export class AssayError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }

  /** Process exit code the CLI uses for this error. */
  get exitCode(): number {
    return 1;
  }
}

/** A bug in assay (two of its parts disagree, or generated code is rejected): exit code 70. */
export class InternalError extends AssayError {
  override get exitCode(): number {
    return 70;
  }
}

/** The first line of an error's message (engines put stacks and compiler output after it). */
export function firstLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split("\n").find((l) => l.trim() !== "") ?? text;
}

const OUT_OF_MEMORY = /out of memory|allocation failed|cannot allocate memory|maximum memory size exceeded/i;

/**
 * Whether an error comes from the machine rather than from assay: a system call that failed
 * (ENOENT, EACCES, ENOSPC, ECONNREFUSED, ...) or memory running out.
 */
export function isEnvironmentError(e: unknown): boolean {
  const err = e as NodeJS.ErrnoException | undefined;
  if (typeof err?.code === "string" && /^E[A-Z]+$/.test(err.code) && typeof err.syscall === "string") return true;
  if (err?.code === "ERR_WORKER_OUT_OF_MEMORY") return true;
  return e instanceof Error && OUT_OF_MEMORY.test(e.message);
}

/**
 * An engine assay drives (snarkjs, circom, onnxruntime, the file system) failed at `step`.
 * Exit 1 when the machine is the cause (a system error, memory), else 70.
 */
export class EngineError extends AssayError {
  constructor(
    readonly step: string,
    cause: unknown,
  ) {
    super(`${step} failed: ${firstLine(cause)}`, { cause });
  }

  override get exitCode(): number {
    return isEnvironmentError(this.cause) ? 1 : 70;
  }
}

export class UnsupportedOperatorError extends AssayError {
  constructor(
    readonly opType: string,
    readonly nodeName: string,
    readonly opset: number,
    readonly reason?: string,
  ) {
    super(`unsupported ONNX operator ${opType} (node "${nodeName}", opset ${opset})` + (reason ? `: ${reason}` : ""));
  }
}

export class ShapeMismatchError extends AssayError {
  constructor(
    readonly what: string,
    readonly expected: readonly (number | string)[],
    readonly got: readonly (number | string)[],
  ) {
    super(`${what}: expected shape [${expected.join(", ")}], got [${got.join(", ")}]`);
  }
}

export class OnnxFormatError extends AssayError {}

export class InputError extends AssayError {}

/**
 * A model whose circuit cannot be proved on this runtime: the witness generator circom writes
 * has a WebAssembly function larger than V8 compiles (one function per constant table, so one
 * big layer makes one big function). `culprit` names that layer when one explains the size;
 * `estimated`: the size was predicted from the circuit source before compiling (a lower bound).
 */
export class CircuitTooLargeError extends AssayError {
  constructor(
    readonly model: string,
    readonly functionBytes: number,
    readonly limitBytes: number,
    readonly culprit: string | undefined,
    readonly estimated: boolean,
  ) {
    const n = (x: number) => x.toLocaleString("en-US");
    const size = estimated
      ? `would not load: its WebAssembly would have a function of at least ${n(functionBytes)} bytes`
      : `cannot be loaded: its WebAssembly has a function of ${n(functionBytes)} bytes`;
    const fix = culprit
      ? `${culprit} is too large for one circuit function: split it into layers of at most about 250,000 ` +
        "weights (e.g. two Gemm/MatMul nodes with half the outputs each, then Concat)"
      : "no single layer explains it: make the model smaller";
    super(`witness generator for ${model} ${size} (V8's limit is ${n(limitBytes)}); ${fix}`);
  }
}

/**
 * A witness could not be computed for an input the circuit must accept (the check before setup,
 * or a proof): a bug (exit 70), unless the machine is the cause (memory, a file: exit 1).
 */
export class WitnessCheckError extends InternalError {
  /** The machine, not assay, is the cause. */
  readonly environmental: boolean;

  constructor(
    readonly model: string,
    /** What the witness was for: "calibration row 0", "this input". */
    readonly what: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    const cause = options?.cause as Error | undefined;
    const environmental = isEnvironmentError(cause) || isEnvironmentError(cause?.cause);
    super(
      `circuit for ${model} cannot prove ${what}: ${reason}` +
        (environmental ? "" : " (a bug in assay: please report it with the model)"),
      options,
    );
    this.environmental = environmental;
  }

  override get exitCode(): number {
    return this.environmental ? 1 : 70;
  }
}
