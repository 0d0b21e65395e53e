// A standalone activation (ReLU, Clip, LeakyRelu / PRelu, Sigmoid, Tanh) that no layer before it
// could absorb (a ReLU after an Add, a Sigmoid on the input, ...): its layer's core is the
// identity and the step after it (./step.ts) does all the work.
import { ACTIVATION_KINDS, type ActivationOp } from "../model/float-graph.js";
import { erf } from "../quantize/pwl.js";
import type { Kind } from "./kind.js";

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
    case "erf":
      return x.map(erf);
    case "phi":
      return x.map((v) => (1 + erf(v * Math.SQRT1_2)) / 2);
  }
}

export const activation: Kind<ActivationOp["kind"], "activation"> = {
  floatKinds: ACTIVATION_KINDS,
  layerKind: "activation",
  templates: [],
  readsRaw: false,
  evalFloat: evalActivation,
  evalInt: (_layer, [x]) => Float64Array.from(x),
  quantize: (_op, [x]) => ({ params: { kind: "activation" }, range: x, cost: 0 }),
  emit(layer, k, [input], ctx) {
    ctx.body.push(`  // layer ${k}: ${layer.nodes.join(" + ")}`);
    return { values: input };
  },
};
