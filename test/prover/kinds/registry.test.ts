// The table of layer kinds (prover/kinds/): every float op and layer kind has exactly one entry
// (the TypeScript compiler checks that the table is complete; this checks what it cannot see),
// each kind's templates exist, a generated circuit includes the templates of the kinds it uses
// and no others, and a quantized model naming a kind this version does not know fails with its
// name, whether it is evaluated or emitted.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { PROJECT_ROOT } from "../../../prover/artifacts.js";
import { emitCircuit } from "../../../prover/circuit/emit.js";
import { evaluateInteger } from "../../../prover/engine/evaluate.js";
import { quantize } from "../../../prover/engine/fixed-point.js";
import { MAX_SPREAD, quantizeMultipliers } from "../../../prover/kinds/affine.js";
import { KINDS, layerKindOf, UnknownKindError } from "../../../prover/kinds/index.js";
import { ACTIVATION_KINDS } from "../../../prover/model/float-graph.js";
import { normalize, parseModel } from "../../../prover/onnx/index.js";
import type { QuantizedModel } from "../../../prover/quantize/quantized-model.js";
import { randomFloats } from "../../helpers/onnx-builder.js";
import { caseModel, numel, type OpCase } from "../../helpers/onnx-cases.js";

function quantized(c: OpCase): QuantizedModel {
  const g = normalize(parseModel(caseModel(c)));
  const calib = Array.from({ length: 4 }, (_, s) => randomFloats(numel(c.inDims), 7 + s));
  return quantize(g, calib);
}

const DENSE: OpCase = {
  name: "dense",
  inDims: [1, 6],
  outDims: [1, 3],
  nodes: [
    { op: "Gemm", inputs: ["x", "W"], outputs: ["g"], attrs: { transB: 1 } },
    { op: "Relu", inputs: ["g"], outputs: ["y"] },
  ],
  init: { W: { dims: [3, 6], data: randomFloats(18, 3) } },
};

const includes = (src: string) => [...src.matchAll(/^include "([^"]+)";$/gm)].map((m) => m[1]);

describe("kinds: the one table of layer kinds", function () {
  it("claims every float op and layer kind once, the activations by one kind", function () {
    const floatKinds = KINDS.flatMap((k) => [...k.floatKinds]);
    expect(new Set(floatKinds).size).to.equal(floatKinds.length);
    const layerKinds = KINDS.map((k) => k.layerKind);
    expect(new Set(layerKinds).size).to.equal(layerKinds.length);
    const act = KINDS.find((k) => k.layerKind === "activation")!;
    expect([...act.floatKinds]).to.deep.equal([...ACTIVATION_KINDS]);
  });

  it("names template files that exist and define templates", function () {
    for (const k of KINDS) {
      for (const t of k.templates) {
        const file = path.join(PROJECT_ROOT, "circuits", t);
        expect(existsSync(file), `${k.layerKind}: ${t}`).to.equal(true);
        expect(readFileSync(file, "utf8"), t).to.match(/^template \w+\(/m);
      }
    }
  });

  it("a circuit includes the templates of the kinds it uses and the shared ones, no others", function () {
    const src = emitCircuit(quantized(DENSE), { generatedBy: "test" });
    expect(includes(src)).to.deep.equal([
      "commit.circom",
      "dense.circom",
      "rescale.circom",
      "activation.circom",
      "pwl.circom",
      "bind.circom",
    ]);
    const pooled = quantized({
      name: "pool",
      inDims: [1, 1, 4, 4],
      outDims: [1, 1, 2, 2],
      nodes: [{ op: "MaxPool", inputs: ["x"], outputs: ["y"], attrs: { kernel_shape: [2, 2], strides: [2, 2] } }],
    });
    expect(includes(emitCircuit(pooled, { generatedBy: "test" })))
      .to.include("pool.circom")
      .and.not.include("dense.circom");
  });

  it("a model file naming an unknown layer kind fails with its name and index", function () {
    const q = quantized(DENSE);
    const future = { ...q, layers: [{ ...q.layers[0], kind: "attention" }] } as unknown as QuantizedModel;
    const message = /layer 0 \(.*\) has kind "attention", which this version does not know \(dense, conv, /;
    expect(() => evaluateInteger(future, randomFloats(6, 1))).to.throw(UnknownKindError, message);
    expect(() => emitCircuit(future, { generatedBy: "test" })).to.throw(
      UnknownKindError,
      /layer 0 has kind "attention"/,
    );
    expect(() => layerKindOf(future.layers[0])).to.throw(UnknownKindError, /^layer has kind "attention"/);
  });
});

describe("kinds: affine multipliers", function () {
  it("keep weightBits significant bits each, exactly at one common scale, spread capped", function () {
    const { q, frac } = quantizeMultipliers([140, 0.003, -1.5, 0], 8);
    // Own scales: 140 -> 2^-1 (floor(log2(127 / 140))), 0.003 -> 2^15, -1.5 -> 2^6; common 2^15.
    expect(frac).to.equal(15);
    const back = q.map((v) => v / 2 ** frac);
    expect(back[0]).to.equal(140);
    expect(Math.abs(back[1] - 0.003) / 0.003).to.be.below(2 ** -6);
    expect(back[2]).to.equal(-1.5);
    expect(back[3]).to.equal(0);
    // 140's integer is its own 8-bit rounding (70 at 2^-1) shifted left to the common scale.
    expect(Math.abs(q[0] / 2 ** (frac + 1))).to.be.at.most(127);
    const wide = quantizeMultipliers([1000, 1e-9], 8);
    expect(wide.frac - Math.floor(Math.log2(127 / 1000))).to.equal(MAX_SPREAD);
  });
});
