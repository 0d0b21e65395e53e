// The table of layer kinds: every float op of the normalized graph and every layer kind of the
// quantized model is handled by exactly one entry. The TypeScript compiler checks completeness
// (MissingFloatOps / MissingLayerKinds below must be empty); loading checks that no op or layer
// kind is claimed twice; a quantized model naming a kind this version does not know fails with
// its name.
import { AssayError } from "../errors.js";
import type { FloatOp, FloatOpKind } from "../model/float-graph.js";
import type { LayerKind, QuantizedLayer } from "../quantize/quantized-model.js";
import { activation } from "./activation.js";
import { add } from "./add.js";
import { affine } from "./affine.js";
import { avgpool } from "./avgpool.js";
import { conv } from "./conv.js";
import { dense } from "./dense.js";
import { embed } from "./embed.js";
import { gather } from "./gather.js";
import type { Kind, TemplateFile } from "./kind.js";
import { layerNorm } from "./layer-norm.js";
import { matmul } from "./matmul.js";
import { maxpool } from "./maxpool.js";
import { product } from "./product.js";
import { softmax } from "./softmax.js";
import { trees } from "./trees.js";

export type { Kind, TemplateFile } from "./kind.js";

export const KINDS = [
  dense,
  conv,
  maxpool,
  avgpool,
  affine,
  add,
  product,
  matmul,
  softmax,
  layerNorm,
  embed,
  gather,
  trees,
  activation,
] as const;

type Registered = (typeof KINDS)[number];
type MissingFloatOps = Exclude<FloatOpKind, Registered["floatKinds"][number]>;
type MissingLayerKinds = Exclude<LayerKind, Registered["layerKind"]>;
// A float op or layer kind without an entry in KINDS fails to compile here, naming it.
const complete: { floatOps: [MissingFloatOps] extends [never] ? true : MissingFloatOps } & {
  layerKinds: [MissingLayerKinds] extends [never] ? true : MissingLayerKinds;
} = { floatOps: true, layerKinds: true };
void complete;

/** A quantized model (or a float graph) names a kind this version has no entry for. */
export class UnknownKindError extends AssayError {}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyKind = Kind<any, any>;

function index(key: (k: AnyKind) => readonly string[]): Map<string, AnyKind> {
  const m = new Map<string, AnyKind>();
  for (const k of KINDS as readonly AnyKind[]) {
    for (const name of key(k)) {
      if (m.has(name)) throw new Error(`kinds: "${name}" is registered twice`);
      m.set(name, k);
    }
  }
  return m;
}

const BY_FLOAT_OP = index((k) => k.floatKinds);
const BY_LAYER = index((k) => [k.layerKind]);

/** The kind implementing float op `op`. */
export function floatKindOf(op: FloatOp): AnyKind {
  const k = BY_FLOAT_OP.get(op.kind);
  if (!k) throw new UnknownKindError(`float op kind "${op.kind}" (${op.nodes.join(", ")}) has no layer kind`);
  return k;
}

/** The kind of quantized layer `layer` (`where` names it in the error). */
export function layerKindOf(layer: QuantizedLayer, where = "layer"): AnyKind {
  const k = BY_LAYER.get(layer.kind);
  if (!k) {
    const known = [...BY_LAYER.keys()].join(", ");
    throw new UnknownKindError(`${where} has kind "${layer.kind}", which this version does not know (${known})`);
  }
  return k;
}

/** Whether float op kind `kind` reads raw (unrescaled) integers as they are. */
export function readsRaw(kind: FloatOpKind): boolean {
  return BY_FLOAT_OP.get(kind)?.readsRaw ?? false;
}

/** Every template file the kinds of `layers` instantiate. */
export function templatesOf(layers: readonly QuantizedLayer[]): Set<TemplateFile> {
  const files = new Set<TemplateFile>();
  layers.forEach((l, i) => layerKindOf(l, `layer ${i}`).templates.forEach((t: TemplateFile) => files.add(t)));
  return files;
}
