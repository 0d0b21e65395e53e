// ONNX RNN, LSTM and GRU (forward, every sequence at full length, zero initial state), unrolled over
// the time steps into the float ops every other model uses: per step and gate a dense op on the
// step's input slice (a gather, pure wiring) plus a dense op on the previous hidden state, their
// sum, and the gate's Sigmoid / Tanh (fused into the sum: the piecewise-linear step reads the raw
// accumulators); the cell and hidden updates are elementwise products and sums. The hidden
// state is rescaled once per step before the next step's dense ops read it. Outputs: Y (all
// hidden states, a gather), Y_h (the last one) and, for LSTM, Y_c (the last cell state).
import type { FloatOp } from "../../model/float-graph.js";
import type { DynValue, NormalizeContext } from "../context.js";
import type { ConstTensor } from "../tensor.js";

interface Shape {
  seq: number;
  batch: number;
  input: number;
  hidden: number;
  /** layout 1: X is [batch, seq, input] and Y [batch, seq, 1, hidden]. */
  batchFirst: boolean;
}

/** Builds the unrolled float ops of one recurrent node, with tensor names under its own prefix. */
class Unroller {
  private readonly prefix: string;
  constructor(
    private readonly ctx: NormalizeContext,
    readonly s: Shape,
    private readonly x: string,
  ) {
    this.prefix = ctx.node.name || ctx.node.outputs[0];
  }

  private emit(op: FloatOp): string {
    op.nodes = [this.ctx.node.name];
    this.ctx.emit(op);
    return op.output;
  }

  private name(what: string): string {
    return `${this.prefix}/${what}`;
  }

  /** X[t] as [batch, input] (pure data movement). */
  step(t: number): string {
    const { seq, batch, input, batchFirst } = this.s;
    const size = batch * input;
    const index = Int32Array.from({ length: size }, (_, k) => {
      const [b, i] = [Math.floor(k / input), k % input];
      return (batchFirst ? b * seq + t : t * batch + b) * input + i;
    });
    const from = new Int32Array(size);
    const fill = new Float64Array(size);
    return this.emit({
      kind: "gather",
      inputs: [this.x],
      output: this.name(`x${t}`),
      size,
      from,
      index,
      fill,
      nodes: [],
    });
  }

  /** y[b] = W x[b] + bias (W [out][in], one row per batch element). */
  dense(what: string, input: string, inF: number, weight: Float64Array, bias: Float64Array): string {
    const { batch } = this.s;
    const outF = bias.length;
    return this.emit({
      kind: "dense",
      inputs: [input],
      output: this.name(what),
      size: batch * outF,
      rows: batch,
      inFeatures: inF,
      outFeatures: outF,
      rowStride: inF,
      colStride: 1,
      weight,
      bias: Float64Array.from({ length: batch * outF }, (_, k) => bias[k % outF]),
      nodes: [],
    });
  }

  add(what: string, a: string, b: string, coef: [number, number] = [1, 1]): string {
    const size = this.s.batch * this.s.hidden;
    return this.emit({
      kind: "add",
      inputs: [a, b],
      output: this.name(what),
      size,
      coef,
      src: [null, null],
      nodes: [],
    });
  }

  product(what: string, a: string, b: string): string {
    const size = this.s.batch * this.s.hidden;
    return this.emit({ kind: "product", inputs: [a, b], output: this.name(what), size, src: [null, null], nodes: [] });
  }

  scale(what: string, a: string, mul: Float64Array): string {
    const size = this.s.batch * this.s.hidden;
    const m = Float64Array.from({ length: size }, (_, k) => mul[k % this.s.hidden]);
    return this.emit({
      kind: "affine",
      inputs: [a],
      output: this.name(what),
      size,
      mul: m,
      add: new Float64Array(size),
      src: null,
      nodes: [],
    });
  }

  act(what: string, kind: "sigmoid" | "tanh" | "relu", input: string): string {
    const size = this.s.batch * this.s.hidden;
    return this.emit({ kind, inputs: [input], output: this.name(what), size, nodes: [] });
  }

  /** Y: every hidden state, [seq, 1, batch, hidden] (layout 1: [batch, seq, 1, hidden]). */
  sequence(hs: string[]): string {
    const { seq, batch, hidden, batchFirst } = this.s;
    const size = seq * batch * hidden;
    const from = new Int32Array(size);
    const index = new Int32Array(size);
    for (let t = 0; t < seq; t++) {
      for (let b = 0; b < batch; b++) {
        for (let j = 0; j < hidden; j++) {
          const k = (batchFirst ? b * seq + t : t * batch + b) * hidden + j;
          from[k] = t;
          index[k] = b * hidden + j;
        }
      }
    }
    return this.emit({
      kind: "gather",
      inputs: hs,
      output: this.name("Y"),
      size,
      from,
      index,
      fill: new Float64Array(size),
      nodes: [],
    });
  }
}

/** The constant weights of gate k: rows k*H .. (k+1)*H - 1 of a [1, G*H, n] tensor. */
function gateRows(t: ConstTensor, k: number, hidden: number): Float64Array {
  const n = t.dims[2];
  return Float64Array.from(t.data.slice(k * hidden * n, (k + 1) * hidden * n));
}

/** Checks the attributes and inputs every recurrent node shares; returns the shapes and constants. */
function common(ctx: NormalizeContext, gates: number, defaults: string[]) {
  const direction = ctx.attrString("direction", "forward");
  if (direction !== "forward") ctx.unsupported(`direction ${direction} (only forward)`);
  if (ctx.hasAttr("clip")) ctx.unsupported("clip");
  const activations = ctx.attrStrings("activations");
  if (activations && activations.some((a, i) => a.toLowerCase() !== defaults[i]?.toLowerCase()))
    ctx.unsupported(`activations ${activations.join(", ")} (only the defaults ${defaults.join(", ")})`);
  const batchFirst = ctx.attrInt("layout", 0) === 1;
  const x = ctx.dynInput(0);
  if (x.shape.length !== 3) ctx.unsupported(`X must be 3-D, got [${x.shape.join(", ")}]`);
  const [seq, batch, input] = batchFirst ? [x.shape[1], x.shape[0], x.shape[2]] : x.shape;
  const W = ctx.constInput(1, "W");
  const R = ctx.constInput(2, "R");
  const hidden = ctx.attrInt("hidden_size", R.dims[2]);
  ctx.expectShape("W", [1, gates * hidden, input], W.dims);
  ctx.expectShape("R", [1, gates * hidden, hidden], R.dims);
  const B = ctx.input(3)
    ? ctx.constInput(3, "B")
    : { dims: [1, 2 * gates * hidden], data: new Float64Array(2 * gates * hidden) };
  ctx.expectShape("B", [1, 2 * gates * hidden], B.dims);
  const lens = ctx.input(4) ? ctx.constInput(4, "sequence_lens") : null;
  if (lens && Array.from(lens.data).some((l) => l !== seq)) ctx.unsupported("sequence_lens shorter than the sequence");
  for (const [i, what] of [
    [5, "initial_h"],
    [6, "initial_c"],
    [7, "P (peepholes)"],
  ] as const) {
    if (i >= ctx.node.inputs.length || !ctx.input(i)) continue;
    if (gates === 3 && i > 5) continue;
    const t = ctx.constInput(i, what);
    if (Array.from(t.data).some((v) => v !== 0)) ctx.unsupported(`a nonzero ${what}`);
  }
  const bias = (k: number, part: 0 | 1) => {
    const at = part * gates * hidden + k * hidden;
    return Float64Array.from(B.data.slice(at, at + hidden));
  };
  const shape: Shape = { seq, batch, input, hidden, batchFirst };
  return { shape, W, R, bias, x };
}

function plus(a: Float64Array, b: Float64Array): Float64Array {
  return a.map((v, i) => v + b[i]);
}

/** Defines Y, Y_h (and Y_c) from the per-step states. */
function defineOutputs(ctx: NormalizeContext, u: Unroller, hs: string[], c?: string): void {
  const { seq, batch, hidden, batchFirst } = u.s;
  const used = (i: number) => {
    const name = ctx.node.outputs[i];
    return !!name && (ctx.consumers(name) > 0 || ctx.isGraphOutput(name));
  };
  if (used(0)) {
    const y: DynValue = {
      kind: "dyn",
      name: u.sequence(hs),
      shape: batchFirst ? [batch, seq, 1, hidden] : [seq, 1, batch, hidden],
    };
    ctx.define(0, y);
  }
  const last = (name: string): DynValue => ({
    kind: "dyn",
    name,
    shape: batchFirst ? [batch, 1, hidden] : [1, batch, hidden],
  });
  ctx.define(1, last(hs[hs.length - 1]));
  if (c) ctx.define(2, last(c));
}

/** RNN (one gate): h' = f(x W^T + h R^T + Wb + Rb), f Tanh (the default) or Relu. */
export function rnn(ctx: NormalizeContext): void {
  const given = ctx.attrStrings("activations")?.[0]?.toLowerCase();
  const act = given === "relu" ? "relu" : "tanh";
  const { shape, W, R, bias, x } = common(ctx, 1, [act === "relu" ? "Relu" : "Tanh"]);
  const u = new Unroller(ctx, shape, x.name);
  const { input, hidden, seq } = shape;
  const [w, r, b] = [gateRows(W, 0, hidden), gateRows(R, 0, hidden), plus(bias(0, 0), bias(0, 1))];
  const hs: string[] = [];
  for (let t = 0; t < seq; t++) {
    const xw = u.dense(`t${t}/x`, u.step(t), input, w, b);
    const pre =
      t === 0 ? xw : u.add(`t${t}/pre`, xw, u.dense(`t${t}/hr`, hs[t - 1], hidden, r, new Float64Array(hidden)));
    hs.push(u.act(`t${t}/h`, act, pre));
  }
  defineOutputs(ctx, u, hs);
}

/**
 * LSTM (gates i, o, f, c in ONNX's order):
 *   i, o, f = Sigmoid(x W^T + h R^T + Wb + Rb), g = Tanh(...), c' = f c + i g, h' = o Tanh(c').
 */
export function lstm(ctx: NormalizeContext): void {
  if (ctx.attrInt("input_forget", 0) !== 0) ctx.unsupported("input_forget");
  const { shape, W, R, bias, x } = common(ctx, 4, ["Sigmoid", "Tanh", "Tanh"]);
  const u = new Unroller(ctx, shape, x.name);
  const { input, hidden, seq } = shape;
  const gate = (k: number) => ({
    w: gateRows(W, k, hidden),
    r: gateRows(R, k, hidden),
    b: plus(bias(k, 0), bias(k, 1)),
  });
  const gs = [0, 1, 2, 3].map(gate);
  const hs: string[] = [];
  let c = "";
  for (let t = 0; t < seq; t++) {
    const xt = u.step(t);
    const pre = (k: number, name: string) => {
      const xw = u.dense(`t${t}/${name}x`, xt, input, gs[k].w, gs[k].b);
      if (t === 0) return xw;
      const hr = u.dense(`t${t}/${name}h`, hs[t - 1], hidden, gs[k].r, new Float64Array(hidden));
      return u.add(`t${t}/${name}pre`, xw, hr);
    };
    const i = u.act(`t${t}/i`, "sigmoid", pre(0, "i"));
    const o = u.act(`t${t}/o`, "sigmoid", pre(1, "o"));
    const g = u.act(`t${t}/g`, "tanh", pre(3, "g"));
    const ig = u.product(`t${t}/ig`, i, g);
    if (t === 0) c = ig;
    else {
      const f = u.act(`t${t}/f`, "sigmoid", pre(2, "f"));
      c = u.add(`t${t}/c`, u.product(`t${t}/fc`, f, c), ig);
    }
    hs.push(u.product(`t${t}/h`, o, u.act(`t${t}/tanhc`, "tanh", c)));
  }
  defineOutputs(ctx, u, hs, c);
}

/**
 * GRU (gates z, r, h in ONNX's order): z, r = Sigmoid(x W^T + h R^T + Wb + Rb),
 *   n = Tanh(x Wh^T + (r h) Rh^T + Rbh + Wbh)        linear_before_reset = 0
 *   n = Tanh(x Wh^T + r (h Rh^T + Rbh) + Wbh)        linear_before_reset = 1 (PyTorch)
 *   h' = (1 - z) n + z h = n + z (h - n).
 */
export function gru(ctx: NormalizeContext): void {
  const lbr = ctx.attrInt("linear_before_reset", 0) !== 0;
  const { shape, W, R, bias, x } = common(ctx, 3, ["Sigmoid", "Tanh"]);
  const u = new Unroller(ctx, shape, x.name);
  const { input, hidden, seq } = shape;
  const [wz, wr, wh] = [0, 1, 2].map((k) => gateRows(W, k, hidden));
  const [rz, rr, rh] = [0, 1, 2].map((k) => gateRows(R, k, hidden));
  const zero = new Float64Array(hidden);
  const hs: string[] = [];
  for (let t = 0; t < seq; t++) {
    const xt = u.step(t);
    const prev = hs[t - 1];
    const pre = (w: Float64Array, r: Float64Array, k: number, name: string) => {
      const xw = u.dense(`t${t}/${name}x`, xt, input, w, plus(bias(k, 0), bias(k, 1)));
      if (t === 0) return xw;
      return u.add(`t${t}/${name}pre`, xw, u.dense(`t${t}/${name}h`, prev, hidden, r, zero));
    };
    const z = u.act(`t${t}/z`, "sigmoid", pre(wz, rz, 0, "z"));
    const rg = u.act(`t${t}/r`, "sigmoid", pre(wr, rr, 1, "r"));
    let n: string;
    if (!lbr) {
      const xw = u.dense(`t${t}/nx`, xt, input, wh, plus(bias(2, 0), bias(2, 1)));
      const rhp =
        t === 0 ? xw : u.add(`t${t}/npre`, xw, u.dense(`t${t}/nh`, u.product(`t${t}/rh`, rg, prev), hidden, rh, zero));
      n = u.act(`t${t}/n`, "tanh", rhp);
    } else {
      const xw = u.dense(`t${t}/nx`, xt, input, wh, bias(2, 0));
      const gated =
        t === 0
          ? u.scale(`t${t}/rb`, rg, bias(2, 1))
          : u.product(`t${t}/rh`, rg, u.dense(`t${t}/nh`, prev, hidden, rh, bias(2, 1)));
      n = u.act(`t${t}/n`, "tanh", u.add(`t${t}/npre`, xw, gated));
    }
    hs.push(
      t === 0
        ? u.add(`t${t}/h`, n, u.product(`t${t}/zn`, z, n), [1, -1])
        : u.add(`t${t}/h`, n, u.product(`t${t}/zd`, z, u.add(`t${t}/d`, prev, n, [1, -1]))),
    );
  }
  defineOutputs(ctx, u, hs);
}
