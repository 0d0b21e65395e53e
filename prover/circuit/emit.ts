// Quantized model -> one main circom file that instantiates the reviewed templates in circuits/.
//
// Public signals (snarkjs order: outputs, then public inputs):
//   [0] inputCommitment  Poseidon commitment of the range-checked input (salted: hiding)
//   [1] output           the label (ArgMax head with one group), else the packed output word, or
//                        its commitment when it does not fit a word
//   [2] binding          caller-chosen value bound to the proof (claim id / beneficiary hash),
//                        so a proof cannot be lifted into another claim or stolen by a front-runner
//
// Layer k writes h<k>[] (the input is x[]): its core (emitted by its kind, prover/kinds/, the
// values c<k>[]) and then its step (activation) per element. The circuit includes the template
// files of the kinds it uses, the step's, and those of the commitment, the head and the binding.
import { tensorTag, valuesPerWord } from "../commit/tensor-commitment.js";
import { dispatcherFunctions, type EmitContext } from "../kinds/emit-context.js";
import { layerKindOf, type TemplateFile, templatesOf } from "../kinds/index.js";
import { emitActivation, STEP_TEMPLATES } from "../kinds/step.js";
import type { QuantizedModel } from "../quantize/quantized-model.js";
import { argmaxGroups, inputEncoding, outputEncoding, outputIsWord } from "./encodings.js";

/** Every template file, in the order a circuit includes them. */
const TEMPLATE_ORDER: readonly TemplateFile[] = [
  "commit.circom",
  "dense.circom",
  "conv.circom",
  "pool.circom",
  "rescale.circom",
  "activation.circom",
  "pwl.circom",
  "tree.circom",
  "attention.circom",
  "argmax.circom",
  "bind.circom",
];

/** The include lines of `q`'s circuit. */
function includes(q: QuantizedModel): string[] {
  const used = templatesOf(q.layers);
  for (const t of ["commit.circom", ...STEP_TEMPLATES, "bind.circom"] as const) used.add(t);
  if (q.output.head === "argmax") used.add("argmax.circom");
  return TEMPLATE_ORDER.filter((t) => used.has(t)).map((t) => `include "${t}";`);
}

export const CIRCOM_PRAGMA = "2.1.6";
export const PUBLIC_SIGNALS = ["inputCommitment", "output", "binding"] as const;

export interface EmitOptions {
  /** Shell command that produced the file (recorded in its header). */
  generatedBy: string;
  /** Most literals per constant function (default MAX_CONSTANT_ELEMENTS; tests use small ones). */
  maxConstantElements?: number;
}

function emitOutput(q: QuantizedModel, values: string, ctx: EmitContext): void {
  const enc = outputEncoding(q);
  let packed: string;
  if (q.output.head === "argmax") {
    const { groups, length, inner } = argmaxGroups(q);
    const last = q.output.headSpec.selectLastIndex;
    const at = (t: string) => `${values}[((g \\ ${inner}) * ${length} + ${t}) * ${inner} + g % ${inner}]`;
    ctx.body.push(
      `  // output: ArgMax over an axis of length ${length} (${last ? "last" : "first"} maximum), ${groups} group(s)`,
      `  component am[${groups}];`,
      `  signal label[${groups}];`,
      `  for (var g = 0; g < ${groups}; g++) {`,
      `    am[g] = ArgMax(${length}, ${q.output.bits});`,
      // The last maximum is the first maximum of the reversed sequence.
      `    for (var t = 0; t < ${length}; t++) am[g].in[t] <== ${at(last ? `${length - 1} - t` : "t")};`,
      `    label[g] <== ${last ? `${length - 1} - am[g].out` : "am[g].out"};`,
      `  }`,
    );
    if (groups === 1) {
      ctx.body.push(`  out <== label[0];`);
      return;
    }
    packed = "label[j]";
  } else {
    packed = `${values}[j] + ${enc.offset}`;
  }
  if (outputIsWord(q)) {
    ctx.body.push(
      `  // output: ${enc.n} values packed into one word, ${enc.bits} bits each (offset ${enc.offset})`,
      `  component ow = PackWords(${enc.n}, ${enc.bits});`,
      `  for (var j = 0; j < ${enc.n}; j++) ow.in[j] <== ${packed};`,
      `  out <== ow.out[0];`,
    );
  } else {
    const words = Math.ceil(enc.n / valuesPerWord(enc.bits));
    ctx.body.push(
      `  // output: ${enc.n} values too many for one word: publish their (unsalted) commitment`,
      `  component ow = PackWords(${enc.n}, ${enc.bits});`,
      `  for (var j = 0; j < ${enc.n}; j++) ow.in[j] <== ${packed};`,
      `  component oc = PoseidonChain(${words + 1}, ${tensorTag(enc)});`,
      `  oc.in[0] <== 0;`,
      `  for (var j = 0; j < ${words}; j++) oc.in[j + 1] <== ow.out[j];`,
      `  out <== oc.out;`,
    );
  }
}

export function emitCircuit(q: QuantizedModel, opts: EmitOptions): string {
  const inEnc = inputEncoding(q);
  const ctx: EmitContext = { functions: [], body: [], maxConstantElements: opts.maxConstantElements };
  ctx.body.push(
    `  signal input x[${inEnc.n}];`,
    `  signal input salt;`,
    `  signal input binding;`,
    `  signal output inputCommitment;`,
    `  signal output out;`,
    ``,
    `  // input: ${inEnc.bits}-bit values (offset ${inEnc.offset}), range-checked and committed`,
    `  component cin = TensorCommit(${inEnc.n}, ${inEnc.bits}, ${inEnc.offset}, ${tensorTag(inEnc)});`,
    `  for (var i = 0; i < ${inEnc.n}; i++) cin.in[i] <== x[i];`,
    `  cin.salt <== salt;`,
    `  inputCommitment <== cin.commitment;`,
    ``,
  );
  const name = (k: number) => (k < 0 ? "x" : `h${k}`);
  q.layers.forEach((layer, k) => {
    const core = layerKindOf(layer, `layer ${k}`).emit(layer, k, layer.inputs.map(name), ctx);
    const n = layer.outMin.length;
    if (layer.act) emitActivation(layer.act, k, n, core.values, ctx);
    else ctx.body.push(`  signal h${k}[${n}];`, `  for (var j = 0; j < ${n}; j++) h${k}[j] <== ${core.values}[j];`);
    ctx.body.push("");
  });
  emitOutput(q, name(q.output.layer), ctx);
  ctx.body.push(``, `  component bind = BindPublic();`, `  bind.x <== binding;`);

  return [
    `// Generated by \`${opts.generatedBy}\`. Do not edit: regenerate instead.`,
    `// assay model circuit: ${q.layers.length} layer(s), input ${q.input.shape.join("x")}, head ${q.output.head}.`,
    `pragma circom ${CIRCOM_PRAGMA};`,
    ``,
    ...includes(q),
    ``,
    ...ctx.functions,
    ...dispatcherFunctions(ctx),
    ``,
    `template AssayModel() {`,
    ...ctx.body,
    `}`,
    ``,
    `component main {public [binding]} = AssayModel();`,
    ``,
  ].join("\n");
}
