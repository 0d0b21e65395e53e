// Where a max pool that reads a layer's output runs. Option A ("rescaled"): the layer applies its
// rescale and activation to every element, then the pool compares the narrow results. Option B
// ("raw"): the pool compares the raw accumulators and the rescale and activation run on the
// (fewer) pooled values. Both compute the same function: max commutes with floor(x / 2^s) and
// with every nondecreasing activation that is the same function on every element of a window.
import { type ActivationOp, isMonotoneActivation, type MaxPoolOp } from "../model/float-graph.js";
import { maxPoolCost, quantizeMaxPool } from "../kinds/maxpool.js";
import type { ActResult, ActSpec } from "../quantize/activation.js";
import type { Core } from "../quantize/core.js";
import type { ValueRange } from "../quantize/value-range.js";

export type PoolingOption = "auto" | "raw" | "rescaled";

export interface PoolPlacement {
  /** The activation (or rescale) for option A, on the layer's own elements. */
  rescaled: ActResult;
  /** True when the pool runs on the raw values (option B). */
  poolFirst: boolean;
}

/**
 * True when max(f(x_1), ..., f(x_t)) = f(max(x_1, ..., x_t)): `spec` is nondecreasing and one
 * function for every element (a PRelu with a slope per element is not: after the pool the slope
 * of an element would be read at the pooled element's index).
 */
export function commutesWithMax(spec: ActivationOp): boolean {
  return isMonotoneActivation(spec) && !(spec.kind === "leakyRelu" && spec.slope.length > 1);
}

/**
 * Compares the constraint cost of the two options (`act(spec, range, tensor)` quantizes the
 * activation on `range` with the scale calibrated for `tensor`; `raw(range, tensor)` tells
 * whether values at that range's scale would need a rescale to reach the tensor's scale).
 */
export function placePool(
  spec: ActivationOp | undefined,
  core: Core,
  size: number,
  outName: string,
  pool: MaxPoolOp,
  act: (spec: ActSpec, range: ValueRange, tensor: string) => ActResult,
  raw: (range: ValueRange, tensor: string) => boolean,
  pooling: PoolingOption,
): PoolPlacement {
  const a = act(spec ?? { kind: "none" }, core.range, outName);
  const costA = size * a.cost + maxPoolCost(pool, a.out).cost;
  const pooled = quantizeMaxPool(pool, [core.range]).range;
  const b = spec || raw(pooled, pool.output) ? act(spec ?? { kind: "none" }, pooled, pool.output) : undefined;
  const costB = core.cost + maxPoolCost(pool, core.range).cost + (b ? pool.size * b.cost : 0);
  return { rescaled: a, poolFirst: pooling === "raw" || (pooling === "auto" && costB < costA) };
}
