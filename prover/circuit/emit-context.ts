/** Accumulates the pieces of the generated main circuit. */
export interface EmitContext {
  functions: string[];
  body: string[];
}

/** A circom array literal (nested arrays for multi-dimensional constants). */
export function literal(values: readonly number[], dims: readonly number[] = [values.length]): string {
  if (dims.length <= 1) return `[${values.join(",")}]`;
  const inner = values.length / dims[0];
  return `[${Array.from({ length: dims[0] }, (_, i) => literal(values.slice(i * inner, (i + 1) * inner), dims.slice(1))).join(",")}]`;
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
