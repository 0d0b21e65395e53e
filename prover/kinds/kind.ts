// What a layer kind is: everything the compiler needs of one kind of layer, in one module. A kind
// implements one or more float ops of the normalized graph (prover/model/float-graph.ts) and
// quantizes them to one layer kind of the quantized model (prover/quantize/quantized-model.ts):
//
//   evalFloat  the float reference (calibration, and the check of the ONNX reader against onnxruntime)
//   quantize   integer parameters and per-element static bounds of the layer's core output
//   evalInt    the integer core, bit for bit what the circuit computes
//   emit       the circom that proves the core, instantiating templates from `templates`
//
// The per-element step after the core (rescale, ReLU, Clip, LeakyRelu, piecewise-linear Sigmoid /
// Tanh) is shared by every kind: ./step.ts. Kinds are registered in ./index.ts.
import type { FloatOp, FloatOpKind } from "../model/float-graph.js";
import type { Core, CoreContext } from "../quantize/core.js";
import type { LayerKind, QuantizedLayer } from "../quantize/quantized-model.js";
import type { ValueRange } from "../quantize/value-range.js";
import type { CoreEmit, EmitContext } from "./emit-context.js";

export type FloatOpOf<K extends FloatOpKind> = Extract<FloatOp, { kind: K }>;
export type LayerOf<K extends LayerKind> = Extract<QuantizedLayer, { kind: K }>;

/** The circom files under circuits/ that a generated circuit may include. */
export type TemplateFile =
  | "commit.circom"
  | "dense.circom"
  | "conv.circom"
  | "pool.circom"
  | "rescale.circom"
  | "activation.circom"
  | "pwl.circom"
  | "argmax.circom"
  | "tree.circom"
  | "attention.circom"
  | "bind.circom";

export interface Kind<F extends FloatOpKind, L extends LayerKind> {
  /** The float ops this kind implements. */
  readonly floatKinds: readonly F[];
  /** The layer kind it quantizes them to. */
  readonly layerKind: L;
  /** Template files its emitted code instantiates. */
  readonly templates: readonly TemplateFile[];
  /** Whether it reads raw (unrescaled) integers as they are: no rescale is inserted before it. */
  readonly readsRaw: boolean;
  evalFloat(op: FloatOpOf<F>, inputs: Float64Array[]): Float64Array;
  quantize(op: FloatOpOf<F>, inputs: ValueRange[], ctx: CoreContext): Core;
  /** The integer core on integer inputs; `size` is the layer's output size. */
  evalInt(layer: LayerOf<L>, inputs: Float64Array[], size: number): Float64Array;
  /** Declares the core values of layer `k` reading the arrays `inputs`; returns their array. */
  emit(layer: LayerOf<L>, k: number, inputs: string[], ctx: EmitContext): CoreEmit;
}
