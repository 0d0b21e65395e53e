// ONNX conformance: runs ONNX's backend test suite (node and pytorch-converted cases) through
// assay for every operator in the operator table, and prints pass / fail / unsupported per
// operator.
//
//   npx tsx scripts/conformance.ts [--filter <regex>] [--no-circuit] [--json <file>]
//
// Per case (and data set): the node's extra inputs (weights, bounds, pads, ...) become constants
// (assay proves models with fixed weights); the first input is the activation. The case is
//   unsupported  when normalization rejects it (UnsupportedOperatorError: a 3-D kernel, an
//                integer input, a second graph output, ...),
//   fail         when the float graph, the integer evaluator or the circuit disagrees, and
//   pass         when (1) the float graph matches the expected output to 1e-4 (relative),
//                (2) the dequantized integer output is within TOLERANCE of it:
//                    |y - y_expected| <= 2^-8 * max(1, max |y_expected|) for every element
//                    (ArgMax: the same indices), quantized with CONFORMANCE_QUANTIZATION, and
//                (3) the circuit's witness equals the evaluator on every surviving layer signal
//                    and on the public output (packed word, commitment or label), and satisfies
//                    the r1cs. Cases whose circuit would exceed MAX_CIRCUIT_CONSTRAINTS are
//                    reported "pass (evaluator)" with the estimate.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { PROJECT_ROOT } from "../prover/artifacts.js";
import onnxProto from "onnx-proto";
import { outputSignal } from "../prover/commit/tensor-commitment.js";
import { emitCircuit } from "../prover/circuit/emit.js";
import { outputEncoding, outputIsLabel, outputValues } from "../prover/circuit/encodings.js";
import { AssayError, OnnxFormatError, UnsupportedOperatorError } from "../prover/errors.js";
import { fromField } from "../prover/field.js";
import { evaluateFloat } from "../prover/engine/float-eval.js";
import { argmaxAlong, softmaxAlong } from "../prover/model/head.js";
import { normalize, OPERATORS, parseModel } from "../prover/onnx/index.js";
import { decodeTensor } from "../prover/onnx/tensor.js";
import { evaluateInteger, evaluateLayers, quantizeInput } from "../prover/engine/evaluate.js";
import { quantizeTraced } from "../prover/engine/fixed-point.js";
import type { QuantizationConfig, QuantizedModel } from "../prover/quantize/quantized-model.js";
import { compileCircuit } from "../prover/zk/circom.js";
import { checkR1csSync } from "../prover/zk/r1cs-check.js";
import { readR1cs } from "../prover/zk/r1cs-file.js";
import { computeWitness, readSymbols } from "../prover/zk/witness.js";
import { ensureOnnxTestData } from "./onnx-testdata.js";

const { onnx } = onnxProto;
const BUILD_DIR = path.join(PROJECT_ROOT, "build", "conformance");

export const CONFORMANCE_QUANTIZATION: QuantizationConfig = { inputBits: 16, weightBits: 16, activationBits: 16 };
export const TOLERANCE_LOG2 = -8;
export const MAX_CIRCUIT_CONSTRAINTS = 300_000;
const FLOAT_RTOL = 1e-4;

export type CaseStatus = "pass" | "pass (evaluator)" | "fail" | "unsupported";

export interface ConformanceCase {
  suite: "node" | "pytorch-converted";
  name: string;
  dir: string;
  /** Op types in the model, in graph order, without repeats. */
  ops: string[];
  /** The operator the case is reported under. */
  operator: string;
}

export interface CaseResult {
  case: string;
  operator: string;
  status: CaseStatus;
  reason?: string;
  /** Largest |y - y_expected| over the outputs, and the tolerance it was held to. */
  maxError?: number;
  tolerance?: number;
  /** Constraints of the circuit (compiled at --O1), or the estimate when it was not built. */
  constraints?: number;
}

/** Data movement and constants: a case is reported under the first op that is not one of these. */
const PLUMBING = new Set(["Constant", "Identity", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Dropout"]);

/** Cases whose op types are all in the operator table (plus single-node cases of a table op). */
export function listCases(dataDir: string): ConformanceCase[] {
  const out: ConformanceCase[] = [];
  for (const suite of ["node", "pytorch-converted"] as const) {
    const base = path.join(dataDir, suite);
    for (const name of readdirSync(base).sort()) {
      const file = path.join(base, name, "model.onnx");
      if (!existsSync(file)) continue;
      const m = onnx.ModelProto.decode(readFileSync(file));
      const ops = [...new Set((m.graph?.node ?? []).map((n) => n.opType ?? ""))];
      const known = ops.filter((o) => o in OPERATORS);
      if (known.length === 0 || (known.length < ops.length && ops.length > 1)) continue;
      out.push({ suite, name, dir: path.join(base, name), ops, operator: ops.find((o) => !PLUMBING.has(o)) ?? ops[0] });
    }
  }
  return out;
}

interface DataSet {
  inputs: onnxProto.onnx.TensorProto[];
  output: onnxProto.onnx.TensorProto;
}

function readDataSets(dir: string): DataSet[] {
  return readdirSync(dir)
    .filter((d) => d.startsWith("test_data_set_"))
    .sort()
    .map((d) => {
      const files = readdirSync(path.join(dir, d));
      const read = (f: string) => onnx.TensorProto.decode(readFileSync(path.join(dir, d, f)));
      const inputs = files
        .filter((f) => /^input_\d+\.pb$/.test(f))
        .sort((a, b) => Number(a.match(/\d+/)![0]) - Number(b.match(/\d+/)![0]))
        .map(read);
      return { inputs, output: read("output_0.pb") };
    });
}

class Unsupported extends Error {}

/** The case's model with every input but the first bound to this data set's values. */
function bindConstants(bytes: Uint8Array, set: DataSet): Uint8Array {
  const m = onnx.ModelProto.decode(bytes);
  const g = m.graph!;
  const init = new Set((g.initializer ?? []).map((t) => t.name));
  const inputs = (g.input ?? []).filter((v) => !init.has(v.name ?? ""));
  if (inputs.length === 0) throw new Unsupported("the graph has no input");
  if (inputs.length !== set.inputs.length)
    throw new Unsupported(
      `${inputs.length} graph inputs but ${set.inputs.length} input files (optional or sequence inputs)`,
    );
  for (const v of inputs) if (!v.type?.tensorType) throw new Unsupported(`input "${v.name}" is not a tensor`);
  const elem = inputs[0].type!.tensorType!.elemType;
  if (elem !== onnx.TensorProto.DataType.FLOAT && elem !== onnx.TensorProto.DataType.DOUBLE) {
    throw new Unsupported(
      `the activation input has element type ${onnx.TensorProto.DataType[elem ?? 0]} (assay quantizes float inputs)`,
    );
  }
  const first = inputs[0];
  if (set.inputs.some((t) => (t.dims ?? []).some((d) => Number(d) === 0)))
    throw new Unsupported("an input tensor is empty (a zero dimension)");
  first.type!.tensorType!.shape = { dim: (set.inputs[0].dims ?? []).map((d) => ({ dimValue: d })) };
  inputs.slice(1).forEach((v, i) => {
    const t = onnx.TensorProto.create({ ...set.inputs[i + 1], name: v.name });
    g.initializer = [...(g.initializer ?? []), t];
  });
  g.input = [first, ...(g.input ?? []).filter((v) => init.has(v.name ?? ""))];
  return onnx.ModelProto.encode(m).finish();
}

/** Compiles (cached by source hash) and checks evaluator == witness for one input. */
async function checkCircuit(
  q: QuantizedModel,
  x: ArrayLike<number>,
): Promise<{ constraints: number; problem?: string }> {
  const source = emitCircuit(q, { generatedBy: "scripts/conformance.ts" });
  const dir = path.join(BUILD_DIR, createHash("sha256").update(source).digest("hex").slice(0, 20));
  if (!existsSync(path.join(dir, "done"))) {
    const tmp = `${dir}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    writeFileSync(path.join(tmp, "model.circom"), source);
    await compileCircuit({ source: path.join(tmp, "model.circom"), outDir: tmp, optimize: "O1" });
    writeFileSync(path.join(tmp, "done"), "");
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  }
  const r1cs = await readR1cs(path.join(dir, "model.r1cs"));
  const sym = await readSymbols(path.join(dir, "model.sym"));
  const { values } = quantizeInput(q, x);
  const w = await computeWitness(path.join(dir, "model_js", "model.wasm"), {
    x: Array.from(values, BigInt),
    salt: 7n,
    binding: 9n,
  });
  if (!checkR1csSync(r1cs, w).ok)
    return { constraints: r1cs.nConstraints, problem: "the witness does not satisfy the r1cs" };
  const layers = evaluateLayers(q, values);
  for (let k = 0; k < layers.length; k++) {
    for (let j = 0; j < layers[k].length; j++) {
      const idx = sym.get(`main.h${k}[${j}]`);
      if (typeof idx === "number" && fromField(w[idx]) !== BigInt(layers[k][j])) {
        return {
          constraints: r1cs.nConstraints,
          problem: `h${k}[${j}]: circuit ${fromField(w[idx])}, evaluator ${layers[k][j]}`,
        };
      }
    }
  }
  const r = evaluateInteger(q, x);
  const expected = outputIsLabel(q) ? BigInt(r.label) : await outputSignal(outputValues(q, r), outputEncoding(q));
  if (w[2] !== expected)
    return { constraints: r1cs.nConstraints, problem: `public output: circuit ${w[2]}, evaluator ${expected}` };
  return { constraints: r1cs.nConstraints };
}

function maxAbs(xs: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < xs.length; i++) m = Math.max(m, Math.abs(xs[i]));
  return m;
}

export async function runCase(c: ConformanceCase, opts: { circuit?: boolean } = {}): Promise<CaseResult> {
  const res: CaseResult = { case: `${c.suite}/${c.name}`, operator: c.operator, status: "pass" };
  try {
    const bytes = readFileSync(path.join(c.dir, "model.onnx"));
    let worst = 0;
    let tol = Infinity;
    for (const set of readDataSets(c.dir)) {
      const g = normalize(parseModel(bindConstants(bytes, set), c.name));
      const x = decodeTensor(set.inputs[0], "input_0").data;
      const want = decodeTensor(set.output, "output_0").data;
      const values = evaluateFloat(g, x);
      const head = (v: ArrayLike<number>) =>
        g.head === "argmax"
          ? argmaxAlong(v, g.output.valueShape, g.headSpec.axis, g.headSpec.selectLastIndex)
          : g.head === "softmax"
            ? softmaxAlong(v, g.output.valueShape, g.headSpec.axis)
            : Array.from(v);
      const f = head(values);
      if (f.length !== want.length)
        return { ...res, status: "fail", reason: `float graph gives ${f.length} values, expected ${want.length}` };
      for (let i = 0; i < f.length; i++) {
        if (!(Math.abs(f[i] - want[i]) <= FLOAT_RTOL * Math.max(1, Math.abs(want[i])))) {
          return { ...res, status: "fail", reason: `float graph element ${i}: ${f[i]} vs expected ${want[i]}` };
        }
      }
      const { model: q, constraints: estimate } = quantizeTraced(g, [x], CONFORMANCE_QUANTIZATION);
      const r = evaluateInteger(q, x);
      const got = g.head === "argmax" ? r.labels : head(r.dequantized);
      const t = 2 ** TOLERANCE_LOG2 * Math.max(1, maxAbs(want));
      tol = Math.min(tol, t);
      for (let i = 0; i < got.length; i++) {
        const e = Math.abs(got[i] - want[i]);
        worst = Math.max(worst, e);
        if (!(e <= (g.head === "argmax" ? 0 : t))) {
          return {
            ...res,
            status: "fail",
            reason: `quantized element ${i}: ${got[i]} vs expected ${want[i]} (tolerance ${t})`,
            maxError: e,
            tolerance: t,
          };
        }
      }
      if (opts.circuit !== false) {
        if (estimate > MAX_CIRCUIT_CONSTRAINTS) {
          res.status = "pass (evaluator)";
          res.reason = `circuit not built: ~${estimate} constraints`;
          res.constraints = estimate;
        } else {
          const check = await checkCircuit(q, x);
          res.constraints = check.constraints;
          if (check.problem) return { ...res, status: "fail", reason: `circuit: ${check.problem}` };
        }
      }
    }
    return { ...res, maxError: worst, tolerance: tol };
  } catch (e) {
    if (e instanceof Unsupported || e instanceof UnsupportedOperatorError)
      return { ...res, status: "unsupported", reason: e.message };
    if (
      e instanceof OnnxFormatError &&
      /exactly one graph (input|output)|graph output "[^"]*" is a constant/.test(e.message)
    )
      return { ...res, status: "unsupported", reason: e.message };
    return { ...res, status: "fail", reason: `${e instanceof AssayError ? e.name : "error"}: ${(e as Error).message}` };
  }
}

export interface OperatorSummary {
  operator: string;
  pass: number;
  passEvaluatorOnly: number;
  fail: number;
  unsupported: number;
}

export function summarize(results: CaseResult[]): OperatorSummary[] {
  const by = new Map<string, OperatorSummary>();
  for (const r of results) {
    const s = by.get(r.operator) ?? { operator: r.operator, pass: 0, passEvaluatorOnly: 0, fail: 0, unsupported: 0 };
    if (r.status === "pass") s.pass++;
    else if (r.status === "pass (evaluator)") s.passEvaluatorOnly++;
    else if (r.status === "fail") s.fail++;
    else s.unsupported++;
    by.set(r.operator, s);
  }
  return [...by.values()].sort((a, b) => a.operator.localeCompare(b.operator));
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opt = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const filter = opt("--filter");
  const circuit = !args.includes("--no-circuit");
  const dataDir = ensureOnnxTestData();
  const cases = listCases(dataDir).filter((c) => !filter || new RegExp(filter).test(c.name));
  console.log(
    `ONNX backend test suite at ${dataDir}: ${cases.length} cases of supported operators` +
      (circuit ? "" : " (no circuits)"),
  );
  console.log(
    `tolerance: |y - y_expected| <= 2^${TOLERANCE_LOG2} * max(1, max |y_expected|); ` +
      `quantization ${JSON.stringify(CONFORMANCE_QUANTIZATION)}`,
  );
  const results: CaseResult[] = [];
  for (const c of cases) {
    const r = await runCase(c, { circuit });
    results.push(r);
    const err = r.maxError !== undefined ? ` max error ${r.maxError.toExponential(2)}` : "";
    const cons = r.constraints !== undefined ? ` ${r.constraints} constraints` : "";
    console.log(`${r.status.padEnd(16)} ${r.case}${err}${cons}${r.reason ? `: ${r.reason}` : ""}`);
  }
  console.log("");
  console.table(summarize(results));
  const json = opt("--json");
  if (json) {
    const report = {
      generatedBy: "npx tsx scripts/conformance.ts",
      tolerance: `2^${TOLERANCE_LOG2} * max(1, max|expected|)`,
      quantization: CONFORMANCE_QUANTIZATION,
      summary: summarize(results),
      results,
    };
    writeFileSync(json, `${JSON.stringify(report, null, 1)}\n`);
  }
  await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate();
  if (results.some((r) => r.status === "fail")) process.exitCode = 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
