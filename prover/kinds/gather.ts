// Pure data movement (Concat, Pad, Transpose): y[i] = x_from[i][index[i]], or the constant fill[i]
// where from[i] < 0. Quantized with the inputs aligned to the finest scale by exact left shifts
// (y[i] = x_from[i][index[i]] * 2^shift[from[i]]) and the constants rounded to it; pure wiring in
// the circuit (no template).
import { checkSafe } from "../quantize/core.js";
import { constantFunction } from "./emit-context.js";
import type { Kind } from "./kind.js";

function gatherApply(
  from: ArrayLike<number>,
  index: ArrayLike<number>,
  fill: ArrayLike<number>,
  scale: readonly number[] | null,
  xs: Float64Array[],
) {
  const y = new Float64Array(from.length);
  for (let i = 0; i < y.length; i++) {
    const t = from[i];
    y[i] = t < 0 ? fill[i] : scale ? xs[t][index[i]] * scale[t] : xs[t][index[i]];
  }
  return y;
}

export const gather: Kind<"gather", "gather"> = {
  floatKinds: ["gather"],
  layerKind: "gather",
  templates: [],
  readsRaw: true,
  evalFloat: (op, xs) => gatherApply(op.from, op.index, op.fill, null, xs),
  evalInt: (layer, xs) =>
    gatherApply(
      layer.from,
      layer.index,
      layer.fill,
      layer.shift.map((s) => 2 ** s),
      xs,
    ),

  quantize(op, xs, ctx) {
    const frac = Math.max(...xs.map((x) => x.frac));
    const shift = xs.map((x) => frac - x.frac);
    const fill = Array.from(op.fill, (v, i) => (op.from[i] < 0 ? Math.round(v * 2 ** frac) : 0));
    const scale = shift.map((s) => 2 ** s);
    const bound = (side: "lo" | "hi") =>
      gatherApply(
        op.from,
        op.index,
        fill,
        scale,
        xs.map((x) => x[side]),
      );
    const [lo, hi] = [bound("lo"), bound("hi")];
    let err = Math.max(0, ...xs.map((x) => x.err));
    for (let i = 0; i < op.size; i++)
      if (op.from[i] < 0) err = Math.max(err, Math.abs(op.fill[i] - fill[i] * 2 ** -frac));
    const range = { frac, lo, hi, err };
    checkSafe(range, ctx.where);
    const params = { kind: "gather" as const, from: Array.from(op.from), index: Array.from(op.index), fill, shift };
    return { params, range, cost: 0 };
  },

  emit(layer, k, inputs, ctx) {
    const n = layer.from.length;
    ctx.body.push(
      `  // layer ${k}: ${layer.nodes.join(" + ")}: data movement from ${inputs.join(", ")}`,
      `  signal c${k}[${n}];`,
      `  var from${k}[${n}] = ${constantFunction(ctx, `FROM${k}`, layer.from)};`,
      `  var index${k}[${n}] = ${constantFunction(ctx, `INDEX${k}`, layer.index)};`,
      `  var fill${k}[${n}] = ${constantFunction(ctx, `FILL${k}`, layer.fill)};`,
      `  for (var i = 0; i < ${n}; i++) {`,
      `    if (from${k}[i] < 0) {`,
      `      c${k}[i] <== fill${k}[i];`,
      ...inputs.map(
        (name, t) =>
          `    } else if (from${k}[i] == ${t}) {\n      c${k}[i] <== ${2 ** layer.shift[t]} * ${name}[index${k}[i]];`,
      ),
      `    }`,
      `  }`,
    );
    return { values: `c${k}` };
  },
};
