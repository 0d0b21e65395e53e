// The layer table of the circuit emitter: layer kind -> core emitter. The activation (if any)
// follows in emit.ts. Integer evaluators: prover/layers/.
import type { QuantizedLayer } from "../../quantize/quantized-model.js";
import type { CoreEmit, EmitContext } from "../emit-context.js";
import { emitAdd } from "./add.js";
import { emitAffine } from "./affine.js";
import { emitAvgPool } from "./avgpool.js";
import { emitConv } from "./conv.js";
import { emitDense } from "./dense.js";
import { emitGather } from "./gather.js";
import { emitMaxPool } from "./maxpool.js";

type CoreEmitter<K extends QuantizedLayer["kind"]> = (
  layer: Extract<QuantizedLayer, { kind: K }>,
  k: number,
  inputs: string[],
  ctx: EmitContext,
) => CoreEmit;

export const LAYER_EMITTERS: { [K in QuantizedLayer["kind"]]: CoreEmitter<K> } = {
  dense: emitDense,
  conv: emitConv,
  maxpool: emitMaxPool,
  avgpool: emitAvgPool,
  affine: emitAffine,
  add: emitAdd,
  gather: emitGather,
  activation: (layer, k, [input], ctx) => {
    ctx.body.push(`  // layer ${k}: ${layer.nodes.join(" + ")}`);
    return { values: input };
  },
};

export function emitLayerCore(layer: QuantizedLayer, k: number, inputs: string[], ctx: EmitContext): CoreEmit {
  return (LAYER_EMITTERS[layer.kind] as CoreEmitter<typeof layer.kind>)(layer as never, k, inputs, ctx);
}
