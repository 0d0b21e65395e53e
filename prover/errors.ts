// Typed errors that carry the facts a user needs. The CLI turns any AssayError into one line
// and a non-zero exit code.

export class AssayError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
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
