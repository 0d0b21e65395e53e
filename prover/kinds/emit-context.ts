/** Accumulates the pieces of the generated main circuit. */
export interface EmitContext {
  functions: string[];
  body: string[];
  /** Most literals one constant function holds (default MAX_CONSTANT_ELEMENTS). */
  maxConstantElements?: number;
  /** Table functions a template reads by number: dispatcher name -> the calls, numbered from 0. */
  dispatchers?: Map<string, string[]>;
}

/**
 * Most literals one generated constant function holds. circom compiles a function returning a
 * literal array into one WebAssembly function of ~22 bytes per literal, and V8 refuses functions
 * over 7,654,321 bytes (a 3,264 x 128 dense layer's weights made 9.2 MB); 100,000 literals stay
 * near 2.2 MB. Larger tables are split into row blocks (see constantFunction).
 */
export const MAX_CONSTANT_ELEMENTS = 100_000;

/** A circom array literal (nested arrays for multi-dimensional constants). */
export function literal(values: readonly number[], dims: readonly number[] = [values.length]): string {
  if (dims.length <= 1) return `[${values.join(",")}]`;
  const inner = values.length / dims[0];
  const rows = Array.from({ length: dims[0] }, (_, i) =>
    literal(values.slice(i * inner, (i + 1) * inner), dims.slice(1)),
  );
  return `[${rows.join(",")}]`;
}

/**
 * Adds `function NAME() { return LITERAL; }`, or for a table over the context's literal limit,
 * functions NAME_0(), NAME_1(), ... returning blocks of rows (the first dimension; a row over the
 * limit is split the same way, recursively) and NAME() assembling them with loops, so that no
 * WebAssembly function of the witness generator outgrows V8's limit. Returns the call `NAME()`.
 */
export function constantFunction(
  ctx: EmitContext,
  name: string,
  values: readonly number[],
  dims: readonly number[] = [values.length],
): string {
  const limit = ctx.maxConstantElements ?? MAX_CONSTANT_ELEMENTS;
  if (values.length <= limit) {
    ctx.functions.push(`function ${name}() {\n  return ${literal(values, dims)};\n}`);
    return `${name}()`;
  }
  const rows = dims[0];
  const inner = dims.slice(1);
  const rowSize = values.length / rows;
  const shape = (ds: readonly number[]) => ds.map((d) => `[${d}]`).join("");
  const index = (from: number, count: number) => Array.from({ length: count }, (_, d) => `[i${from + d}]`).join("");
  /** Nested loops over `bounds` (variables i<first>, i<first+1>, ...) around `body`. */
  const loops = (first: number, bounds: readonly number[], body: string) =>
    bounds.reduceRight(
      (out, bound, d) => `for (var i${first + d} = 0; i${first + d} < ${bound}; i${first + d}++) ${out}`,
      body,
    );
  const lines = [`function ${name}() {`, `  var t${shape(dims)};`];
  if (rowSize <= limit) {
    const perBlock = Math.max(1, Math.floor(limit / rowSize));
    for (let b = 0, first = 0; first < rows; b++, first += perBlock) {
      const n = Math.min(perBlock, rows - first);
      const block = constantFunction(ctx, `${name}_${b}`, values.slice(first * rowSize, (first + n) * rowSize), [
        n,
        ...inner,
      ]);
      lines.push(`  var b${b}${shape([n, ...inner])} = ${block};`);
      const copy = `t[${first} + i0]${index(1, inner.length)} = b${b}[i0]${index(1, inner.length)};`;
      lines.push(`  ${loops(0, [n, ...inner], copy)}`);
    }
  } else {
    // One row is over the limit: each row is its own (recursively split) function.
    for (let r = 0; r < rows; r++) {
      const block = constantFunction(ctx, `${name}_${r}`, values.slice(r * rowSize, (r + 1) * rowSize), inner);
      lines.push(`  var b${r}${shape(inner)} = ${block};`);
      lines.push(`  ${loops(1, inner, `t[${r}]${index(1, inner.length)} = b${r}${index(1, inner.length)};`)}`);
    }
  }
  lines.push("  return t;", "}");
  ctx.functions.push(lines.join("\n"));
  return `${name}()`;
}

/** What a layer's core emitter hands on: the array holding the core values. */
export interface CoreEmit {
  /** Circom array expression (indexable) with the layer's core values. */
  values: string;
}

/** `NAME(arg, arg, ...)`: a template instantiation. */
export function templateCall(name: string, args: readonly (number | string)[]): string {
  return `${name}(${args.join(", ")})`;
}

/** Layer k's core as `count` instances of one template over consecutive slices of its input. */
export interface InstancesSpec {
  /** The layer's comment line (without the leading `// layer k: `). */
  comment: string;
  /** Component array name (suffixed with k) and loop variable. */
  component: string;
  loopVar: string;
  count: number;
  /** The template instantiation each instance gets (may name the loop variable). */
  template: string;
  /** Extra declarations between the output signal and the component array. */
  declarations?: string[];
  input: string;
  inSize: number;
  outSize: number;
}

/**
 * Declares c<k> with `count * outSize` values: instance j reads input values j * inSize ..
 * (j + 1) * inSize - 1 and writes c<k> values j * outSize .. (j + 1) * outSize - 1.
 */
export function emitInstances(ctx: EmitContext, k: number, s: InstancesSpec): CoreEmit {
  const [c, v] = [`${s.component}${k}`, s.loopVar];
  ctx.body.push(
    `  // layer ${k}: ${s.comment}`,
    `  signal c${k}[${s.count * s.outSize}];`,
    ...(s.declarations ?? []),
    `  component ${c}[${s.count}];`,
    `  for (var ${v} = 0; ${v} < ${s.count}; ${v}++) {`,
    `    ${c}[${v}] = ${s.template};`,
    `    for (var i = 0; i < ${s.inSize}; i++) ${c}[${v}].in[i] <== ${s.input}[${v} * ${s.inSize} + i];`,
    `    for (var i = 0; i < ${s.outSize}; i++) c${k}[${v} * ${s.outSize} + i] <== ${c}[${v}].out[i];`,
    `  }`,
  );
  return { values: `c${k}` };
}

/**
 * Registers `call` (a constant function call, e.g. `W3()`) with the dispatcher function `name`
 * and returns its number: a template that takes table numbers (circuits/dense.circom) reads the
 * table with `name(number)` into a var, instead of receiving it as a template parameter (which
 * circom writes into the witness generator as constants). dispatcherFunctions emits `name`.
 */
export function tableNumber(ctx: EmitContext, name: string, call: string): number {
  ctx.dispatchers ??= new Map();
  const calls = ctx.dispatchers.get(name) ?? [];
  ctx.dispatchers.set(name, calls);
  return calls.push(call) - 1;
}

/** `function name(id) { if (id == 0) { return T0(); } ... }` for every registered dispatcher. */
export function dispatcherFunctions(ctx: EmitContext): string[] {
  return [...(ctx.dispatchers ?? [])].map(([name, calls]) => {
    const last = calls.length - 1;
    const cases = calls.slice(0, last).map((call, id) => `  if (id == ${id}) {\n    return ${call};\n  }`);
    return [`function ${name}(id) {`, ...cases, `  assert(id == ${last});`, `  return ${calls[last]};`, `}`].join("\n");
  });
}
