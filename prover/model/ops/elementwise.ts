// Float elementwise ops: affine with constants, Add/Sub of two activations, data movement, and
// the activations.
import type { ActivationOp, AddOp, AffineOp, GatherOp } from "../float-graph.js";

export function evalAffine(op: AffineOp, [x]: Float64Array[]): Float64Array {
  const y = new Float64Array(op.size);
  for (let i = 0; i < op.size; i++) y[i] = op.mul[i] * x[op.src ? op.src[i] : i] + op.add[i];
  return y;
}

export function evalAdd(op: AddOp, xs: Float64Array[]): Float64Array {
  const y = new Float64Array(op.size);
  xs.forEach((x, t) => {
    const src = op.src[t];
    const c = op.coef[t];
    for (let i = 0; i < op.size; i++) y[i] += c * x[src ? src[i] : i];
  });
  return y;
}

export function evalGather(op: GatherOp, xs: Float64Array[]): Float64Array {
  const y = new Float64Array(op.size);
  for (let i = 0; i < op.size; i++) y[i] = op.from[i] < 0 ? op.fill[i] : xs[op.from[i]][op.index[i]];
  return y;
}

export function sigmoid(v: number): number {
  return 1 / (1 + Math.exp(-v));
}

export function evalActivation(op: ActivationOp, [x]: Float64Array[]): Float64Array {
  switch (op.kind) {
    case "relu":
      return x.map((v) => (v > 0 ? v : 0));
    case "clip":
      return x.map((v) => {
        let r = v;
        if (op.min !== null && r < op.min) r = op.min;
        if (op.max !== null && r > op.max) r = op.max;
        return r;
      });
    case "leakyRelu":
      return x.map((v, i) => (v >= 0 ? v : op.slope[op.slope.length === 1 ? 0 : i] * v));
    case "sigmoid":
      return x.map(sigmoid);
    case "tanh":
      return x.map(Math.tanh);
  }
}
