// model.onnx -> normalized graph -> quantized model -> circuit.circom -> r1cs + wasm
//   -> Groth16 keys (powers of tau: a user's ceremony file, or a cached development one).
// Every stage reports progress and every artifact is cached by content hash (artifacts.ts).
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
import { inputEncoding, outputEncoding, outputIsWord } from "./circuit/encodings.js";
import { InputError } from "./errors.js";
import { normalize, parseModel } from "./onnx/index.js";
import { quantize } from "./quantize/fixed-point.js";
import { DEFAULT_QUANTIZATION, type QuantizationConfig, type QuantizedModel } from "./quantize/quantized-model.js";
import { circom2Version, compileCircuit } from "./zk/circom.js";
import { groth16PtauPower, resolvePtau } from "./zk/resolve-ptau.js";
import type { DevPtauProgress } from "./zk/dev-ptau.js";
import { groth16Setup, readVerificationKey, type VerificationKey, writeJsonAtomic } from "./zk/groth16.js";

export const MANIFEST_FORMAT = "assay.model-artifacts";

export type Stage = "load" | "quantize" | "emit" | "compile" | "ptau" | "setup";
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
  input: { shape: number[]; frac: number; encoding: EncodingInfo };
  output: {
    shape: number[];
    frac: number;
    head: string;
    encoding: EncodingInfo;
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
}

export interface CompiledModel {
  ref: ArtifactRef;
  manifest: ModelManifest;
  quantized: QuantizedModel;
  setup?: SetupInfo;
  vkey?: VerificationKey;
}

export interface CompileModelOptions {
  /** The ONNX model: a path or its bytes. */
  onnx: string | Uint8Array;
  /** Calibration inputs (flat float arrays). */
  calibration: readonly ArrayLike<number>[];
  quantization?: Partial<QuantizationConfig>;
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

export async function compileModel(opts: CompileModelOptions): Promise<CompiledModel> {
  const say = opts.onProgress ?? (() => {});
  const generatedBy = opts.generatedBy ?? "assay model compile";
  say("load", "reading ONNX");
  const bytes =
    typeof opts.onnx === "string"
      ? await readFile(opts.onnx).catch((e) => {
          throw new InputError(`cannot read ONNX model ${opts.onnx}: ${e.code ?? e}`);
        })
      : opts.onnx;
  const graph = normalize(parseModel(bytes, typeof opts.onnx === "string" ? opts.onnx : "model"));
  say("quantize", `calibrating on ${opts.calibration.length} inputs`);
  const config = { ...DEFAULT_QUANTIZATION, ...opts.quantization };
  const quantized = quantize(graph, opts.calibration, config);
  const source = emitCircuit(quantized, { generatedBy });
  // The first line names the command that generated the file; the id covers only the circuit.
  const body = source.slice(source.indexOf("\n") + 1);
  const circuitId = sha256Hex(
    JSON.stringify([ARTIFACT_FORMAT_VERSION, body, templateLibraryHash(), circom2Version()]),
  ).slice(0, 32);
  const ref: ArtifactRef = { circuitId };

  let manifest: ModelManifest;
  if (existsSync(artifactPath(ref, "manifest")) && existsSync(artifactPath(ref, "wasm"))) {
    say("compile", `cached circuit ${circuitId}`);
    manifest = JSON.parse(await readFile(artifactPath(ref, "manifest"), "utf8")) as ModelManifest;
  } else {
    say("emit", `writing ${artifactPath(ref, "circom")}`);
    await mkdir(artifactPath(ref, "dir"), { recursive: true });
    await writeFile(artifactPath(ref, "circom"), source);
    await writeJsonAtomic(artifactPath(ref, "quantized"), quantized);
    say("compile", "circom --O2 (this is the slow part for big models)");
    const compiled = await compileCircuit({
      source: artifactPath(ref, "circom"),
      outDir: artifactPath(ref, "dir"),
      optimize: "O2",
      onProgress: (line) => say("compile", line),
    });
    const inEnc = inputEncoding(quantized);
    const outEnc = outputEncoding(quantized);
    manifest = {
      format: MANIFEST_FORMAT,
      version: ARTIFACT_FORMAT_VERSION,
      circuitId,
      onnx: { sha256: sha256Hex(bytes), file: typeof opts.onnx === "string" ? path.basename(opts.onnx) : "model.onnx" },
      quantization: config,
      input: { shape: quantized.input.shape, frac: quantized.input.frac, encoding: encInfo(inEnc) },
      output: {
        shape: quantized.output.shape,
        frac: quantized.output.frac,
        head: quantized.output.head,
        encoding: encInfo(outEnc),
        publishedAs: quantized.output.head === "argmax" ? "label" : outputIsWord(quantized) ? "word" : "commitment",
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
    await writeJsonAtomic(artifactPath(ref, "manifest"), manifest);
    say("compile", `${compiled.constraints} constraints`);
  }

  const model: CompiledModel = { ref, manifest, quantized };
  if (opts.setup === false) return model;
  return setupModel(model, { ptau: opts.ptau, onProgress: say });
}

function formatPtauProgress(p: DevPtauProgress): string {
  return `${p.stage} ${Math.round((100 * p.done) / Math.max(1, p.total))}%`;
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
    const t = Date.now();
    const res = await groth16Setup({
      r1cs: artifactPath(ref, "r1cs"),
      ptau: ptauPath,
      zkey: artifactPath(ref, "zkey"),
      onProgress: (m) => say("setup", m),
    });
    await writeJsonAtomic(artifactPath(ref, "vkey"), res.vkey);
    const info: SetupInfo = {
      format: "assay.setup",
      version: ARTIFACT_FORMAT_VERSION,
      ptauId,
      ptau: { kind: opts.ptau ? "file" : "development", power, unsafeForProduction: !opts.ptau, path: ptauPath },
      zkeySha256: sha256Hex(await readFile(artifactPath(ref, "zkey"))),
      contributionHash: res.contributionHash,
    };
    await writeJsonAtomic(artifactPath(ref, "setup"), info);
    say("setup", `keys ready in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  }
  const setup = JSON.parse(await readFile(artifactPath(ref, "setup"), "utf8")) as SetupInfo;
  return { ...model, ref, setup, vkey: await readVerificationKey(artifactPath(ref, "vkey")) };
}

/** Reopens compiled artifacts from their directory (cache) by circuit id and ptau id. */
export async function openCompiledModel(ref: ArtifactRef): Promise<CompiledModel> {
  const manifest = JSON.parse(await readFile(artifactPath(ref, "manifest"), "utf8")) as ModelManifest;
  if (manifest.format !== MANIFEST_FORMAT || manifest.version !== ARTIFACT_FORMAT_VERSION) {
    throw new InputError(
      `${artifactPath(ref, "manifest")}: format ${manifest.format} v${manifest.version}, expected ${MANIFEST_FORMAT} v${ARTIFACT_FORMAT_VERSION}`,
    );
  }
  const quantized = JSON.parse(await readFile(artifactPath(ref, "quantized"), "utf8")) as QuantizedModel;
  const model: CompiledModel = { ref: { circuitId: ref.circuitId }, manifest, quantized };
  if (!ref.ptauId) return model;
  const setup = JSON.parse(await readFile(artifactPath(ref, "setup"), "utf8")) as SetupInfo;
  return { ...model, ref, setup, vkey: await readVerificationKey(artifactPath(ref, "vkey")) };
}
