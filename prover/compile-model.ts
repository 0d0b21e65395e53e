// model.onnx -> normalized graph -> quantized model -> circuit.circom -> r1cs + wasm
//   -> one witness checked against the integer evaluator
//   -> Groth16 keys (powers of tau: a user's ceremony file, or a cached development one).
// Every stage reports progress and every artifact is cached by content hash (artifacts.ts).
// A circuit that cannot be proved fails before the slow setup: from its source when its witness
// generator would be too large for V8, else when the check witness cannot be computed.
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import {
  type ArtifactRef,
  ARTIFACT_FORMAT_VERSION,
  artifactPath,
  cacheRoot,
  sha256Hex,
  templateLibraryHash,
} from "./artifacts.js";
import { emitCircuit, PUBLIC_SIGNALS } from "./circuit/emit.js";
import { inputEncoding, outputEncoding, outputIsLabel, outputIsWord } from "./circuit/encodings.js";
import { AssayError, EngineError, firstLine, InputError, InternalError } from "./errors.js";
import { normalize, parseModel } from "./onnx/index.js";
import {
  type LayerWidth,
  type QuantizationTarget,
  type SearchResult,
  type SearchStep,
  searchQuantization,
} from "./engine/bit-search.js";
import type { QuantizationConfig, QuantizedModel } from "./quantize/quantized-model.js";
import { checkWitness, tooLargeBeforeCompiling } from "./prove-inference.js";
import { circom2Version, CircomCompileError, compileCircuit } from "./zk/circom.js";
import { groth16PtauPower, resolvePtau } from "./zk/resolve-ptau.js";
import type { DevPtauProgress } from "./zk/dev-ptau.js";
import {
  groth16Setup,
  readVerificationKey,
  type SetupEngine,
  type VerificationKey,
  writeJsonAtomic,
} from "./zk/groth16.js";
import { ceremonyProvenance, SETUP_FORMAT_VERSION, type SetupProvenanceRecord } from "./zk/setup-provenance.js";

export const MANIFEST_FORMAT = "assay.model-artifacts";

export type Stage = "load" | "quantize" | "emit" | "compile" | "check" | "ptau" | "setup";
export type StageProgress = (stage: Stage, message: string) => void;

export interface EncodingInfo {
  n: number;
  bits: number;
  offset: string;
}

export interface ModelManifest {
  format: typeof MANIFEST_FORMAT;
  version: number;
  circuitId: string;
  onnx: { sha256: string; file: string };
  quantization: QuantizationConfig;
  /** How the bit widths were chosen: the target and every setting tried (prover/engine/bit-search.ts). */
  quantizationSearch?: {
    target: SearchResult["target"];
    met: boolean;
    /** The constraints predicted before compiling (engine/cost.ts); circuit.constraints is circom's count. */
    predictedConstraints?: number;
    tried: SearchStep[];
  };
  input: { shape: number[]; frac: number; encoding: EncodingInfo };
  output: {
    shape: number[];
    frac: number;
    head: string;
    encoding: EncodingInfo;
    /**
     * The public output: one ArgMax label itself ("label"), else the encoding's values (an ArgMax
     * head's labels, one per group, or the output values) packed into one word, or their commitment.
     */
    publishedAs: "word" | "commitment" | "label";
  };
  circuit: {
    constraints: number;
    wires: number;
    compiler: string;
    templates: string;
    publicSignals: readonly string[];
  };
  generatedBy: string;
}

export interface SetupInfo {
  format: "assay.setup";
  version: number;
  ptauId: string;
  ptau: { kind: "development" | "file"; power: number; unsafeForProduction: boolean; path: string };
  zkeySha256: string;
  contributionHash: string;
  /** How the keys were computed (absent in setups made before fast setup: snarkjs). */
  engine?: SetupEngine;
  /** Which ceremony the keys came from (v2 on; computed on first use for v1: zk/setup-provenance.ts). */
  provenance?: SetupProvenanceRecord;
}

export interface CompiledModel {
  ref: ArtifactRef;
  manifest: ModelManifest;
  quantized: QuantizedModel;
  setup?: SetupInfo;
  vkey?: VerificationKey;
  /** The witness check `compileModel` ran before setup (calibration row, witness time). */
  witnessCheck?: WitnessCheck;
}

export interface WitnessCheck {
  row: number;
  witnessMs: number;
}

/** The generated circom compiler rejected the generated circuit (a bug in assay). */
export class CircuitCompileError extends InternalError {}

export interface CompileModelOptions {
  /** The ONNX model: a path or its bytes. */
  onnx: string | Uint8Array;
  /** Calibration inputs (flat float arrays). */
  calibration: readonly ArrayLike<number>[];
  /** Bit widths given explicitly (then no search); default: searched for `target`. */
  quantization?: Partial<QuantizationConfig>;
  /** What the bit-width search aims at (default: 99.5% agreement on the calibration inputs). */
  target?: QuantizationTarget;
  /** Evaluations the per-layer phase of the search may spend (SearchOptions.layerSteps). */
  layerSteps?: number;
  /** A real (prepared) powers-of-tau ceremony file; without it a development one is used. */
  ptau?: string;
  /** Run Groth16 setup too (default true). */
  setup?: boolean;
  onProgress?: StageProgress;
  /** Recorded in generated files. */
  generatedBy?: string;
}

function encInfo(e: { n: number; bits: number; offset: bigint }): EncodingInfo {
  return { n: e.n, bits: e.bits, offset: e.offset.toString() };
}

/** Everything decided before the compiler runs: the quantized model, its circuit and its id. */
interface CircuitPlan {
  onnxBytes: Uint8Array;
  onnxFile: string;
  config: QuantizationConfig;
  quantized: QuantizedModel;
  search: SearchResult;
  source: string;
  ref: ArtifactRef;
}

async function readOnnx(onnx: string | Uint8Array): Promise<Uint8Array> {
  if (typeof onnx !== "string") return onnx;
  return readFile(onnx).catch((e) => {
    throw new InputError(`cannot read ONNX model ${onnx}: ${e.code ?? e}`);
  });
}

async function planCircuit(opts: CompileModelOptions, say: StageProgress): Promise<CircuitPlan> {
  say("load", "reading ONNX");
  const onnxBytes = await readOnnx(opts.onnx);
  const onnxFile = typeof opts.onnx === "string" ? path.basename(opts.onnx) : "model.onnx";
  const graph = normalize(parseModel(onnxBytes, typeof opts.onnx === "string" ? opts.onnx : "model"));
  for (const note of graph.notes ?? []) say("load", note);
  say("quantize", `calibrating on ${opts.calibration.length} inputs`);
  const search = searchQuantization(graph, opts.calibration, opts.target, opts.quantization, {
    layerSteps: opts.layerSteps,
  });
  for (const t of search.tried) if (!t.change) say("quantize", describeStep(t, search.target));
  const layerSteps = search.tried.filter((t) => t.change);
  if (layerSteps.length > 0) {
    const kept = layerSteps
      .filter((t) => t.change!.kept)
      .map(({ change: c }) => `${c!.layer} ${short(c!.width)} ${c!.to}`);
    const which = kept.length > 0 ? ` (${kept.join(", ")})` : "";
    say("quantize", `per layer: ${layerSteps.length} narrowings tried, ${kept.length} kept${which}`);
  }
  if (!search.met) say("quantize", `no setting met the target: using the best, ${bits(search.config)}`);
  say("quantize", `predicted: ${search.constraints.toLocaleString("en-US")} constraints`);
  const { config, model: quantized } = search;
  const source = emitCircuit(quantized, { generatedBy: opts.generatedBy ?? "assay model compile" });
  // The first line names the command that generated the file; the id covers only the circuit.
  const body = source.slice(source.indexOf("\n") + 1);
  const circuitId = sha256Hex(
    JSON.stringify([ARTIFACT_FORMAT_VERSION, body, templateLibraryHash(), circom2Version()]),
  ).slice(0, 32);
  return { onnxBytes, onnxFile, config, quantized, search, source, ref: { circuitId } };
}

function bits(c: QuantizationConfig): string {
  const segments = c.pwlSegmentsLog2 === undefined ? "" : `, ${2 ** c.pwlSegmentsLog2} Sigmoid/Tanh segments`;
  return `input ${c.inputBits}, weight ${c.weightBits}, activation ${c.activationBits} bits${segments}`;
}

function short(width: LayerWidth): string {
  return { weightBits: "weights", activationBits: "activations", inputBits: "bits" }[width];
}

function describeStep(t: SearchStep, target: SearchResult["target"]): string {
  if (t.error) return `${bits(t.config)}: ${t.error}`;
  const pct = `${(t.agreement! * 100).toFixed(1)}%`;
  const size = t.constraints === undefined ? "" : `, ${t.constraints.toLocaleString("en-US")} constraints predicted`;
  if (target === "given")
    return `${bits(t.config)} (given): ${pct} agreement with the float model on calibration${size}`;
  const goal =
    target.kind === "resources" ? "target: fewest constraints" : `target ${(target.minAgreement ?? 0.995) * 100}%`;
  return `${bits(t.config)}: ${pct} agreement with the float model on calibration (${goal})${size}`;
}

function planLabel(plan: CircuitPlan): string {
  return `${plan.onnxFile} (circuit ${plan.ref.circuitId})`;
}

function manifestOf(plan: CircuitPlan, compiled: { constraints: number; wires: number }, generatedBy: string) {
  const { quantized } = plan;
  const inEnc = inputEncoding(quantized);
  const outEnc = outputEncoding(quantized);
  const manifest: ModelManifest = {
    format: MANIFEST_FORMAT,
    version: ARTIFACT_FORMAT_VERSION,
    circuitId: plan.ref.circuitId,
    onnx: { sha256: sha256Hex(plan.onnxBytes), file: plan.onnxFile },
    quantization: plan.config,
    quantizationSearch: {
      target: plan.search.target,
      met: plan.search.met,
      predictedConstraints: plan.search.constraints,
      tried: plan.search.tried,
    },
    input: { shape: quantized.input.shape, frac: quantized.input.frac, encoding: encInfo(inEnc) },
    output: {
      shape: quantized.output.shape,
      frac: quantized.output.frac,
      head: quantized.output.head,
      encoding: encInfo(outEnc),
      publishedAs: outputIsLabel(quantized) ? "label" : outputIsWord(quantized) ? "word" : "commitment",
    },
    circuit: {
      constraints: compiled.constraints,
      wires: compiled.wires,
      compiler: `circom2 ${circom2Version()}`,
      templates: templateLibraryHash(),
      publicSignals: PUBLIC_SIGNALS,
    },
    generatedBy,
  };
  return manifest;
}

async function runCircom(plan: CircuitPlan, say: StageProgress) {
  const { ref } = plan;
  try {
    return await compileCircuit({
      source: artifactPath(ref, "circom"),
      outDir: artifactPath(ref, "dir"),
      optimize: "O2",
      onProgress: (line) => say("compile", line),
    });
  } catch (e) {
    if (!(e instanceof CircomCompileError)) throw e;
    const log = e.logFile ? ` (compiler output: ${e.logFile})` : "";
    // A killed compiler is the machine's limit (memory, most often), not a bug.
    if (e.signal)
      throw new AssayError(`circom was killed by ${e.signal} compiling ${e.source} (out of memory?)${log}`, {
        cause: e,
      });
    throw new CircuitCompileError(`circom could not compile ${e.source}: ${e.firstError}${log}`, { cause: e });
  }
}

/** Emits and compiles the circuit, or reopens it from the cache. */
async function compileOrReuse(plan: CircuitPlan, generatedBy: string, say: StageProgress): Promise<ModelManifest> {
  const { ref } = plan;
  if (existsSync(artifactPath(ref, "manifest")) && existsSync(artifactPath(ref, "wasm"))) {
    say("compile", `cached circuit ${ref.circuitId}`);
    return JSON.parse(await readFile(artifactPath(ref, "manifest"), "utf8")) as ModelManifest;
  }
  say("emit", `writing ${artifactPath(ref, "circom")}`);
  await mkdir(artifactPath(ref, "dir"), { recursive: true });
  await writeFile(artifactPath(ref, "circom"), plan.source);
  await writeJsonAtomic(artifactPath(ref, "quantized"), plan.quantized);
  say("compile", "circom --O2 (this is the slow part for big models)");
  const compiled = await runCircom(plan, say);
  const manifest = manifestOf(plan, compiled, generatedBy);
  await writeJsonAtomic(artifactPath(ref, "manifest"), manifest);
  say("compile", `${compiled.constraints} constraints (predicted ${plan.search.constraints})`);
  return manifest;
}

/**
 * Computes the witness of calibration row 0 and compares its public signals with the integer
 * evaluator's: seconds, where Groth16 setup of a circuit that cannot be proved costs minutes.
 */
async function checkBeforeSetup(model: CompiledModel, row: ArrayLike<number>, say: StageProgress) {
  say("check", "witness for calibration row 0 against the integer evaluator");
  const { witnessMs } = await checkWitness(model, row, "calibration row 0");
  say("check", `witness for calibration row 0 matches the integer evaluator (${witnessMs.toFixed(0)} ms)`);
  return { row: 0, witnessMs };
}

export async function compileModel(opts: CompileModelOptions): Promise<CompiledModel> {
  const say = opts.onProgress ?? (() => {});
  const generatedBy = opts.generatedBy ?? "assay model compile";
  if (opts.calibration.length === 0) throw new InputError("no calibration inputs");
  const plan = await planCircuit(opts, say);
  // Fails in milliseconds when circom would write a function V8 cannot compile.
  const tooLarge = tooLargeBeforeCompiling(planLabel(plan), plan.quantized, plan.source);
  if (tooLarge) throw tooLarge;
  const manifest = await compileOrReuse(plan, generatedBy, say);
  const model: CompiledModel = { ref: plan.ref, manifest, quantized: plan.quantized };
  model.witnessCheck = await checkBeforeSetup(model, opts.calibration[0], say);
  if (opts.setup === false) return model;
  return setupModel(model, { ptau: opts.ptau, onProgress: say });
}

function formatPtauProgress(p: DevPtauProgress): string {
  return `${p.stage} ${Math.round((100 * p.done) / Math.max(1, p.total))}%`;
}

/** Groth16 setup into `ref`'s directory; snarkjs's failures name the circuit and the ceremony file. */
async function runSetup(
  model: CompiledModel,
  ref: ArtifactRef,
  ptau: { path: string; power: number; userFile: boolean },
  say: StageProgress,
): Promise<void> {
  const t = Date.now();
  let res: Awaited<ReturnType<typeof groth16Setup>>;
  try {
    res = await groth16Setup({
      r1cs: artifactPath(ref, "r1cs"),
      ptau: ptau.path,
      zkey: artifactPath(ref, "zkey"),
      onProgress: (m) => say("setup", m),
    });
  } catch (e) {
    if (e instanceof AssayError) throw e;
    const what = `${model.ref.circuitId} (${model.manifest.circuit.constraints} constraints) with ${ptau.path}`;
    throw new EngineError(`groth16 setup of ${what}`, e);
  }
  await writeJsonAtomic(artifactPath(ref, "vkey"), res.vkey);
  const provenance = await ceremonyProvenance({ ptau: ptau.path, zkey: artifactPath(ref, "zkey") });
  if (provenance.development) say("setup", `development setup (${provenance.reason}): UNSAFE for production`);
  const info: SetupInfo = {
    format: "assay.setup",
    version: SETUP_FORMAT_VERSION,
    ptauId: ref.ptauId!,
    ptau: {
      kind: ptau.userFile ? "file" : "development",
      power: ptau.power,
      // Decided from the files, so a development ceremony passed with --ptau is still unsafe.
      unsafeForProduction: provenance.development,
      path: ptau.path,
    },
    zkeySha256: provenance.phase2Hash.slice(2),
    contributionHash: res.contributionHash,
    engine: res.engine,
    provenance,
  };
  await writeJsonAtomic(artifactPath(ref, "setup"), info);
  say("setup", `keys ready in ${((Date.now() - t) / 1000).toFixed(1)} s (${res.engine})`);
}

/** Groth16 keys for a compiled model (cached per powers-of-tau identity). */
export async function setupModel(
  model: CompiledModel,
  opts: { ptau?: string; onProgress?: StageProgress },
): Promise<CompiledModel> {
  const say = opts.onProgress ?? (() => {});
  const power = groth16PtauPower({
    constraints: model.manifest.circuit.constraints,
    publicSignals: PUBLIC_SIGNALS.length,
  });
  say("ptau", opts.ptau ? `checking ${opts.ptau}` : `development powers of tau 2^${power} (UNSAFE for production)`);
  const ptauPath = await resolvePtau({
    ptau: opts.ptau,
    minPower: power,
    cacheDir: cacheRoot(),
    onProgress: (p) => say("ptau", formatPtauProgress(p)),
  });
  const ptauId = opts.ptau ? `ptau-${sha256Hex(await readFile(ptauPath)).slice(0, 16)}` : `dev-p${power}`;
  const ref: ArtifactRef = { ...model.ref, ptauId };
  if (existsSync(artifactPath(ref, "setup")) && existsSync(artifactPath(ref, "zkey"))) {
    say("setup", `cached keys ${ptauId}`);
  } else {
    await runSetup(model, ref, { path: ptauPath, power, userFile: !!opts.ptau }, say);
  }
  const setup = JSON.parse(await readFile(artifactPath(ref, "setup"), "utf8")) as SetupInfo;
  return { ...model, ref, setup, vkey: await readVerificationKey(artifactPath(ref, "vkey")) };
}

/** A cached artifact's JSON; a missing or damaged file is named with what to do about it. */
async function readArtifactJson<T>(file: string): Promise<T> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new InputError(`cannot read ${file}: ${code} (compile the model again)`, { cause: e });
  }
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new InputError(`${file} is damaged (${firstLine(e)}): delete it and compile the model again`, { cause: e });
  }
}

/** Reopens compiled artifacts from their directory (cache) by circuit id and ptau id. */
export async function openCompiledModel(ref: ArtifactRef): Promise<CompiledModel> {
  const manifest = await readArtifactJson<ModelManifest>(artifactPath(ref, "manifest"));
  if (manifest.format !== MANIFEST_FORMAT || manifest.version !== ARTIFACT_FORMAT_VERSION) {
    throw new InputError(
      `${artifactPath(ref, "manifest")}: format ${manifest.format} v${manifest.version}, ` +
        `expected ${MANIFEST_FORMAT} v${ARTIFACT_FORMAT_VERSION}`,
    );
  }
  const quantized = await readArtifactJson<QuantizedModel>(artifactPath(ref, "quantized"));
  const model: CompiledModel = { ref: { circuitId: ref.circuitId }, manifest, quantized };
  if (!ref.ptauId) return model;
  const setup = await readArtifactJson<SetupInfo>(artifactPath(ref, "setup"));
  return { ...model, ref, setup, vkey: await readArtifactJson<VerificationKey>(artifactPath(ref, "vkey")) };
}
