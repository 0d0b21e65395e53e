// Failing early and in one line: `assay model compile` checks one witness before Groth16 setup
// (and refuses, before compiling, a layer whose witness generator V8 could not load), every
// failure is one `assay: ...` line on stderr with exit 1 (the user or the machine can fix it, usage
// mistakes included) or 70 (a bug), and with --json stdout is exactly the JSON document.
import { expect } from "chai";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { cacheRoot } from "../../prover/artifacts.js";
import { V8_MAX_WASM_FUNCTION_SIZE } from "../../prover/zk/witness.js";
import { buildModel, randomFloats } from "../helpers/onnx-builder.js";
import { freePort } from "../helpers/ports.js";
import { type CliRun, runAssay } from "../helpers/cli.js";

const tmp = mkdtempSync(path.join(os.tmpdir(), "assay-cli-errors-"));
// A cache of its own, so the compiler really runs; the development ceremonies are shared.
const cache = path.join(tmp, "cache");
const env = { ...process.env, ASSAY_CACHE_DIR: cache, ASSAY_STATE_DIR: path.join(tmp, "state"), ASSAY_DEBUG: "" };

type Run = CliRun;
const assay = (...args: string[]): Run => runAssay(env, args);
const assayEnv = (extraEnv: Record<string, string>, ...args: string[]): Run => runAssay({ ...env, ...extraEnv }, args);

/** Under --quiet a failure prints exactly one line: `assay: ...`, no stack; returns it. */
function onlyLine(r: Run, code: number): string {
  expect(r.code, r.err).to.equal(code);
  const lines = r.err.split("\n").filter((l) => l !== "");
  expect(lines, r.err).to.have.length(1);
  expect(lines[0]).to.match(/^assay: /);
  expect(r.out, "nothing on stdout").to.equal("");
  return lines[0];
}

/** A Gemm (+ Relu + Gemm) model with deterministic weights, and calibration rows for it. */
function denseModel(name: string, n: number, hidden: number[], rows = 4): { onnx: string; calib: string } {
  const dims = [n, ...hidden];
  const nodes = [];
  const initializers: Record<string, { dims: number[]; data: number[] }> = {};
  for (let k = 0; k + 1 < dims.length; k++) {
    const x = k === 0 ? "x" : `r${k - 1}`;
    const y = k + 2 === dims.length ? "y" : `g${k}`;
    initializers[`W${k}`] = { dims: [dims[k + 1], dims[k]], data: randomFloats(dims[k] * dims[k + 1], 3 + k) };
    initializers[`b${k}`] = { dims: [dims[k + 1]], data: randomFloats(dims[k + 1], 7 + k) };
    nodes.push({ op: "Gemm", inputs: [x, `W${k}`, `b${k}`], outputs: [y], attrs: { transB: 1 } });
    if (y !== "y") nodes.push({ op: "Relu", inputs: [y], outputs: [`r${k}`] });
  }
  const bytes = buildModel({
    input: { name: "x", dims: [1, n] },
    output: { name: "y", dims: [1, dims[dims.length - 1]] },
    nodes,
    initializers,
  });
  const onnx = path.join(tmp, `${name}.onnx`);
  const calib = path.join(tmp, `${name}-calib.json`);
  writeFileSync(onnx, bytes);
  writeFileSync(calib, JSON.stringify({ shape: [rows, n], data: randomFloats(rows * n, 5) }));
  return { onnx, calib };
}

/** A valid wasm module whose one function body is `bodyBytes` long (nops): V8 refuses it over its limit. */
function wasmWithFunctionOf(bodyBytes: number): Uint8Array<ArrayBuffer> {
  const leb = (v: number) => {
    const out: number[] = [];
    do {
      const b = v & 0x7f;
      v = Math.floor(v / 128);
      out.push(v ? b | 0x80 : b);
    } while (v);
    return out;
  };
  const body = new Uint8Array(bodyBytes);
  body.fill(0x01); // nop
  body[0] = 0x00; // no locals
  body[bodyBytes - 1] = 0x0b; // end
  const code = [...leb(1), ...leb(bodyBytes)];
  const head = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00];
  const funcs = [0x03, 0x02, 0x01, 0x00];
  const section = [0x0a, ...leb(code.length + bodyBytes), ...code];
  const out = new Uint8Array(head.length + funcs.length + section.length + bodyBytes);
  out.set([...head, ...funcs, ...section]);
  out.set(body, head.length + funcs.length + section.length);
  return out;
}

describe("cli: failing early, in one line", function () {
  const tiny = denseModel("tiny", 16, [8, 4], 8);
  let circuitId: string;
  let ptauId: string;
  let proofFile: string;

  before(() => {
    writeFileSync(path.join(tmp, "input.json"), JSON.stringify(randomFloats(16, 11)));
    mkdirSync(path.join(cacheRoot(), "ptau"), { recursive: true });
    mkdirSync(cache, { recursive: true });
    symlinkSync(path.join(cacheRoot(), "ptau"), path.join(cache, "ptau"), "dir");
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it("model compile --json: stdout is exactly the JSON document, compiler output goes to a log", () => {
    const r = assay("--json", "model", "compile", tiny.onnx, "--calib", tiny.calib);
    expect(r.code, r.err).to.equal(0);
    const j = JSON.parse(r.out); // the whole of stdout
    expect(r.out.trim().startsWith("{") && r.out.trim().endsWith("}")).to.equal(true);
    circuitId = j.circuitId;
    ptauId = j.ptauId;
    expect(j.witnessCheck.row).to.equal(0);
    expect(j.setup.ptau.kind).to.equal("development");
    // Progress stays on stderr under --json, each line with the time since the command started.
    expect(r.err).to.match(/^ +\d+\.\ds \[compile\] /m);
    expect(r.err).to.match(/^ +\d+\.\ds \[setup\] done in \d+\.\d s$/m);
    const log = readFileSync(path.join(cache, "circuits", circuitId, "model.log"), "utf8");
    expect(log).to.contain("Everything went okay");
  });

  it("the witness check runs before setup and says so", () => {
    const r = assay("model", "compile", tiny.onnx, "--calib", tiny.calib);
    expect(r.code, r.err).to.equal(0);
    const check = r.err.indexOf("[check] witness for calibration row 0 matches the integer evaluator");
    expect(check, r.err).to.be.greaterThan(-1);
    expect(check).to.be.lessThan(r.err.indexOf("[ptau]"));
    expect(r.out).to.match(/checked +witness of calibration row 0 = integer evaluator/);
  });

  it("a compiled witness generator V8 cannot load fails the check before setup", async () => {
    // Emitted circuits keep every function under the limit (constant tables are split), so a
    // compiled circuit's wasm is swapped for one whose function is just over it.
    const c = assay("--json", "model", "compile", tiny.onnx, "--calib", tiny.calib, "--input-bits", "6", "--no-setup");
    expect(c.code, c.err).to.equal(0);
    const wasm = path.join(cache, "circuits", JSON.parse(c.out).circuitId, "model_js", "model.wasm");
    const oversized = wasmWithFunctionOf(V8_MAX_WASM_FUNCTION_SIZE + 1000);
    await WebAssembly.compile(oversized).then(
      () => expect.fail("V8 compiled a function over its limit"),
      (e: Error) => expect(e.message).to.match(/function size/),
    );
    writeFileSync(wasm, oversized);
    const r = assay("-q", "model", "compile", tiny.onnx, "--calib", tiny.calib, "--input-bits", "6");
    expect(onlyLine(r, 1)).to.match(
      new RegExp(
        "^assay: witness generator for tiny\\.onnx \\(circuit [0-9a-f]{32}\\) cannot be loaded: its WebAssembly " +
          "has a function of 7,655,321 bytes \\(V8's limit is 7,654,321\\); no single layer explains it",
      ),
    );
    const circuitDir = path.dirname(path.dirname(wasm));
    const setups = readdirSync(circuitDir, { withFileTypes: true }).filter(
      (d) => d.isDirectory() && d.name !== "model_js",
    );
    expect(setups, "no keys were set up").to.deep.equal([]);

    // A generator that loads but computes another circuit: a bug in assay, exit 70.
    copyFileSync(path.join(cache, "circuits", circuitId, "model_js", "model.wasm"), wasm);
    const bug = assay("-q", "model", "compile", tiny.onnx, "--calib", tiny.calib, "--input-bits", "6");
    expect(onlyLine(bug, 70)).to.match(/circuit and evaluator disagree|cannot prove calibration row 0/);
  });

  it("bad files: one line and exit 1", () => {
    const bad = path.join(tmp, "bad.onnx");
    writeFileSync(bad, Buffer.from(randomFloats(64, 9).map((v) => Math.floor((v + 1) * 128))));
    expect(onlyLine(assay("-q", "model", "compile", bad, "--calib", tiny.calib), 1)).to.match(
      /^assay: .*bad\.onnx: not an ONNX model/,
    );
    expect(onlyLine(assay("-q", "model", "compile", path.join(tmp, "none.onnx"), "--calib", tiny.calib), 1)).to.match(
      /^assay: cannot read ONNX model .*none\.onnx: ENOENT$/,
    );
    expect(onlyLine(assay("-q", "model", "compile", tiny.onnx, "--calib", path.join(tmp, "none.json")), 1)).to.match(
      /^assay: cannot read data set .*none\.json: ENOENT$/,
    );
    const notJson = path.join(tmp, "not-json.txt");
    writeFileSync(notJson, "0.1, 0.2\n0.3\n");
    expect(onlyLine(assay("-q", "prove", circuitId, "--ptau-id", ptauId, "--input", notJson), 1)).to.match(
      /^assay: cannot read input .*not-json\.txt: .*JSON/,
    );
  });

  it("a proof file with a tampered field: one line naming the field, exit 1", () => {
    proofFile = path.join(tmp, "proof.json");
    const p = assay("-q", "prove", circuitId, "--ptau-id", ptauId, "--input", path.join(tmp, "input.json"));
    expect(p.code, p.err).to.equal(0);
    writeFileSync(proofFile, p.out);
    expect(assay("verify", proofFile).code).to.equal(0);
    const tamper = (name: string, f: (pf: Record<string, unknown> & { proof: Record<string, unknown> }) => void) => {
      const pf = JSON.parse(p.out);
      f(pf);
      const file = path.join(tmp, `${name}.json`);
      writeFileSync(file, JSON.stringify(pf));
      return onlyLine(assay("-q", "verify", file), 1);
    };
    expect(tamper("no-pi-b", (pf) => delete pf.proof.pi_b)).to.match(/no-pi-b\.json: proof pi_b: expected a G2 point/);
    expect(tamper("text-pi-a", (pf) => ((pf.proof.pi_a as string[])[0] = "abc"))).to.match(
      /proof pi_a\.x: not an integer: abc$/,
    );
    expect(tamper("signal", (pf) => ((pf.publicSignals as string[])[0] = "xyz"))).to.match(
      /proof publicSignals\[0\]: not an integer: xyz$/,
    );
    // snarkjs would read a missing signal as 0 (and accept this proof, made with binding 0).
    expect(tamper("short", (pf) => (pf.publicSignals as string[]).pop())).to.match(/has 3 public signals, got 2$/);
    expect(tamper("output", (pf) => ((pf.publicSignals as string[])[1] = "1"))).to.match(
      /output\.json: the proof does not verify for model/,
    );
  });

  it("a chain or node that refuses connections: one line, exit 1", async () => {
    const port = await freePort();
    expect(onlyLine(assay("-q", "deploy", "--rpc", `http://127.0.0.1:${port}`), 1)).to.match(
      new RegExp(`^assay: cannot reach --rpc http://127\\.0\\.0\\.1:${port}`),
    );
    const r = assay(
      "-q",
      "infer",
      "m",
      "--input",
      path.join(tmp, "input.json"),
      "--value",
      "1",
      "--node",
      `http://127.0.0.1:${port}`,
    );
    expect(onlyLine(r, 1)).to.equal(`assay: node http://127.0.0.1:${port} is unreachable: ECONNREFUSED`);
  });

  it("usage errors are one line with exit 1; ASSAY_DEBUG adds the stack", () => {
    expect(onlyLine(assay("-q", "model", "compile", tiny.onnx, "--calib", tiny.calib, "--bogus"), 1)).to.equal(
      "assay: unknown option '--bogus' (see --help)",
    );
    const missing = path.join(tmp, "none.onnx");
    const plain = assay("-q", "model", "compile", missing, "--calib", tiny.calib);
    expect(plain.err).to.not.match(/^\s+at /m);
    const debug = assayEnv({ ASSAY_DEBUG: "1" }, "-q", "model", "compile", missing, "--calib", tiny.calib);
    expect(debug.code).to.equal(1);
    expect(debug.err.split("\n")[0]).to.match(/^assay: cannot read ONNX model/);
    expect(debug.err).to.match(/^\s+at /m);
  });
});

describe("cli: a layer past the old V8 limit (ASSAY_SLOW_TESTS=1: a minute of circom)", function () {
  before(function () {
    if (!process.env.ASSAY_SLOW_TESTS) this.skip();
  });

  it("dense 3264 -> 128 (417,792 weights) compiles, and its witness generator loads and checks", () => {
    // Before constant tables were split (prover/kinds/emit-context.ts) this model's generator had
    // a 9.2 MB function and no proof could ever be made with it.
    const big = denseModel("big-dense", 3264, [128]);
    const r = assay("model", "compile", big.onnx, "--calib", big.calib, "--no-setup");
    expect(r.code, r.err).to.equal(0);
    expect(r.err).to.contain("[check] witness for calibration row 0 matches the integer evaluator");
  });
});
