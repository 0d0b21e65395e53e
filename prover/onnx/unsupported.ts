// Before any node is normalized: every operator of the model that assay has no handler for,
// reported at once (not only the first), with the known model patterns the model's operators
// belong to (fused attention operators), so a user sees the whole gap in one message.
import { UnsupportedOperatorError } from "../errors.js";
import { type OnnxModel, type OnnxNode, operatorKey } from "./load-model.js";
import { OPERATORS } from "./ops/index.js";

/** An operator with no handler: `domain.op` for another domain than ai.onnx. */
export interface UnsupportedNode {
  opType: string;
  nodeName: string;
}

/** A model pattern recognised by the operators it uses. */
interface Pattern {
  name: string;
  matches(ops: ReadonlySet<string>, nodes: readonly OnnxNode[]): boolean;
}

// Patterns assay proves (attention written out, layer normalization, GELU, embeddings, LSTM /
// GRU, linear models, TreeEnsembleRegressor / Classifier) are not listed: a model using them that still fails
// has another gap, named by its operators.
const PATTERNS: Pattern[] = [
  {
    name: "attention as one fused operator (export it with the attention written out)",
    matches: (ops) => [...ops].some((o) => /(^|\.)(Attention|MultiHeadAttention)$/.test(o)),
  },
];

/** The nodes whose operator has no handler. */
export function unsupportedNodes(model: OnnxModel): UnsupportedNode[] {
  return model.nodes
    .filter((n) => !Object.hasOwn(OPERATORS, operatorKey(n)))
    .map((n) => ({ opType: operatorKey(n), nodeName: n.name }));
}

/** The known patterns the model's operators (supported or not) belong to. */
export function knownPatterns(model: OnnxModel): string[] {
  const ops = new Set(model.nodes.map(operatorKey));
  return PATTERNS.filter((p) => p.matches(ops, model.nodes)).map((p) => p.name);
}

function describe(nodes: readonly UnsupportedNode[], opset: number, patterns: readonly string[]): string {
  const byOp = new Map<string, string[]>();
  for (const n of nodes) byOp.set(n.opType, [...(byOp.get(n.opType) ?? []), n.nodeName]);
  const list = [...byOp].map(([op, names]) => {
    const shown = names.slice(0, 3).map((n) => `"${n}"`);
    const more = names.length > 3 ? `, and ${names.length - 3} more` : "";
    return `${op} (${names.length === 1 ? "node" : `${names.length} nodes:`} ${shown.join(", ")}${more})`;
  });
  const head =
    nodes.length === 1
      ? `unsupported ONNX operator ${list[0].replace(")", `, opset ${opset})`)}`
      : `${byOp.size === 1 ? "an unsupported ONNX operator" : `${byOp.size} unsupported ONNX operators`} ` +
        `(opset ${opset}): ${list.join(", ")}`;
  return patterns.length ? `${head}; the model uses ${patterns.join(", ")}, which assay does not prove yet` : head;
}

/** Every operator of the model without a handler, at once. */
export class UnsupportedOperatorsError extends UnsupportedOperatorError {
  constructor(
    readonly nodes: readonly UnsupportedNode[],
    opset: number,
    readonly patterns: readonly string[],
  ) {
    super(nodes[0].opType, nodes[0].nodeName, opset);
    this.message = describe(nodes, opset, patterns);
  }
}

/** Throws UnsupportedOperatorsError when some operator of `model` has no handler. */
export function checkOperators(model: OnnxModel): void {
  const missing = unsupportedNodes(model);
  if (missing.length > 0) throw new UnsupportedOperatorsError(missing, model.opset, knownPatterns(model));
}
