// The CLI's error mapping (prover/cli/error-line.ts): every error, assay's own and the engines',
// becomes one line and an exit code: 1 when the user or the machine can fix it, 70 for a bug.
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { makeError } from "ethers";
import { describeError } from "../../prover/cli/error-line.js";
import { EngineError, InputError, InternalError, WitnessCheckError } from "../../prover/errors.js";
import { CircuitMismatchError } from "../../prover/prove-inference.js";

function systemError(): Error {
  try {
    readFileSync("/nonexistent/assay/file");
  } catch (e) {
    return e as Error;
  }
  throw new Error("unreachable");
}

describe("cli: error lines and exit codes", () => {
  it("assay's typed errors keep their message; bugs exit 70", () => {
    expect(describeError(new InputError("bad input\nsecond line"))).to.deep.equal({ line: "bad input", code: 1 });
    expect(describeError(new InternalError("two parts disagree")).code).to.equal(70);
    expect(describeError(new CircuitMismatchError("output", 1n, 2n)).code).to.equal(70);
  });

  it("an engine failure is a bug unless the machine caused it", () => {
    const disk = new EngineError(
      "groth16 setup of m",
      Object.assign(new Error("ENOSPC: no space left"), {
        code: "ENOSPC",
        syscall: "write",
      }),
    );
    expect(describeError(disk)).to.deep.equal({ line: "groth16 setup of m failed: ENOSPC: no space left", code: 1 });
    expect(describeError(new EngineError("groth16 prove", new Error("Invalid File format"))).code).to.equal(70);
    const oom = new WitnessCheckError("m", "row 0", "x", { cause: new RangeError("Array buffer allocation failed") });
    expect(describeError(oom).code).to.equal(1);
    expect(oom.message).to.not.contain("a bug");
    expect(describeError(new WitnessCheckError("m", "row 0", "Assert Failed")).code).to.equal(70);
  });

  it("ethers, Hardhat, fetch and system errors: one line, exit 1 (ethers' argument errors are bugs)", () => {
    const revert = makeError("execution reverted: nope", "CALL_EXCEPTION", {
      action: "call",
      data: null,
      reason: "nope",
      transaction: { to: null, from: undefined, data: "0x" },
      invocation: null,
      revert: null,
    });
    expect(describeError(revert)).to.deep.equal({
      line: "execution reverted: nope (ethers CALL_EXCEPTION)",
      code: 1,
    });
    expect(describeError(makeError("invalid value", "INVALID_ARGUMENT")).code).to.equal(70);
    const hh = Object.assign(new Error('HHE703: Cannot connect to the network "rpc".\nmore'), { name: "HardhatError" });
    expect(describeError(hh)).to.deep.equal({ line: 'hardhat: HHE703: Cannot connect to the network "rpc".', code: 1 });
    const fetchErr = new TypeError("fetch failed", {
      cause: Object.assign(new Error("connect"), { code: "ECONNREFUSED", address: "127.0.0.1", port: 1 }),
    });
    expect(describeError(fetchErr)).to.deep.equal({ line: "request failed: ECONNREFUSED (127.0.0.1:1)", code: 1 });
    expect(describeError(systemError())).to.deep.include({ code: 1 });
    expect(describeError(systemError()).line).to.match(/^ENOENT: no such file or directory, open/);
  });

  it("anything else is an internal error, and says how to get the stack", () => {
    const r = describeError(new TypeError("Cannot read properties of undefined (reading '0')"));
    expect(r.code).to.equal(70);
    expect(r.line).to.equal(
      "internal error: Cannot read properties of undefined (reading '0') " +
        "(rerun with ASSAY_DEBUG=1 for the stack trace, and please report it)",
    );
    expect(describeError("a string").code).to.equal(70);
    expect(describeError(new SyntaxError("Unexpected token")).code).to.equal(1);
  });
});
