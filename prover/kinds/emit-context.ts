/** Accumulates the pieces of the generated main circuit. */
export interface EmitContext {
  functions: string[];
  body: string[];
}

/** A circom array literal (nested arrays for multi-dimensional constants). */
export function literal(values: readonly number[], dims: readonly number[] = [values.length]): string {
  if (dims.length <= 1) return `[${values.join(",")}]`;
  const inner = values.length / dims[0];
  const rows = Array.from({ length: dims[0] }, (_, i) =>
    literal(values.slice(i * inner, (i + 1) * inner), dims.slice(1)),
  );
  return `[${rows.join(",")}]`;
}

/** Adds `function NAME() { return LITERAL; }`. */
export function constantFunction(
  ctx: EmitContext,
  name: string,
  values: readonly number[],
  dims?: readonly number[],
): string {
  ctx.functions.push(`function ${name}() {\n  return ${literal(values, dims)};\n}`);
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
