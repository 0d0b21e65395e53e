/** Accumulates the pieces of the generated main circuit. */
export interface EmitContext {
  functions: string[];
  body: string[];
}
