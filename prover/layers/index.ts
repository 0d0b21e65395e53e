// The layer table of the integer evaluator: layer kind -> core evaluator. The activation (if
// any) is applied after the core by evaluateLayer. Circuit emitters: prover/circuit/layers/.
import type { QuantizedLayer } from "../quantize/quantized-model.js";
import { applyActivation } from "./activation.js";
import { evaluateAdd } from "./add.js";
import { evaluateAffine } from "./affine.js";
import { evaluateAvgPool } from "./avgpool.js";
import { evaluateConv } from "./conv.js";
import { evaluateDense } from "./dense.js";
import { evaluateGather } from "./gather.js";
import { evaluateMaxPool } from "./maxpool.js";

type CoreEvaluator<K extends QuantizedLayer["kind"]> = (
  layer: Extract<QuantizedLayer, { kind: K }>,
  inputs: Float64Array[],
  size: number,
) => Float64Array;

export const LAYER_EVALUATORS: { [K in QuantizedLayer["kind"]]: CoreEvaluator<K> } = {
  dense: evaluateDense,
  conv: evaluateConv,
  maxpool: evaluateMaxPool,
  avgpool: evaluateAvgPool,
  affine: evaluateAffine,
  add: evaluateAdd,
  gather: evaluateGather,
  activation: (_layer, [x]) => Float64Array.from(x),
};

/** One layer on its (integer) inputs: core, then activation. */
export function evaluateLayer(layer: QuantizedLayer, inputs: Float64Array[], where: string): Float64Array {
  const size = layer.outMin.length;
  const core = (LAYER_EVALUATORS[layer.kind] as CoreEvaluator<typeof layer.kind>)(layer as never, inputs, size);
  return layer.act ? applyActivation(layer.act, core, where) : core;
}
