// Calibration to a target (prover/engine/bit-search.ts): model-wide settings are tried in the
// order of their predicted constraints and the first that agrees with the float model on the
// calibration inputs is taken; then single layers are narrowed while the target and the error
// guard hold (the input width first, never below the default). A bundled classifier keeps the
// default; a tabular model whose features span five orders of magnitude gets wider inputs; the
// CIFAR-sized CNN gets narrower pooled activations and meets 99.5% on held-out images;
// `resources` and given widths take one step.
import { readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { PROJECT_ROOT } from "../../../prover/artifacts.js";
import { loadDataSet } from "../../../prover/data/dataset.js";
import { calibrationFidelity, searchQuantization } from "../../../prover/engine/bit-search.js";
import { calibrate } from "../../../prover/engine/calibration.js";
import { quantizeTraced } from "../../../prover/engine/fixed-point.js";
import { normalize, parseModel } from "../../../prover/onnx/index.js";
import { DEFAULT_QUANTIZATION } from "../../../prover/quantize/quantized-model.js";

function reference(model: string, data: string) {
  const g = normalize(parseModel(readFileSync(path.join(PROJECT_ROOT, "models", `${model}.onnx`))));
  return { g, xs: loadDataSet(path.join(PROJECT_ROOT, "models", "data", `${data}-calib.json`)).xs };
}

describe("engine: bit widths searched for a target", function () {
  it("a bundled classifier meets 99.5% at the default setting; no layer can be narrowed", function () {
    const { g, xs } = reference("digits-mlp-64-32-10", "digits-8x8");
    const r = searchQuantization(g, xs);
    const first = r.tried.find((t) => t.agreement !== undefined)!;
    expect([r.met, r.config, first.config, first.agreement]).to.deep.equal([
      true,
      DEFAULT_QUANTIZATION,
      DEFAULT_QUANTIZATION,
      1,
    ]);
    // Every narrowing was tried, measured and turned down.
    const layerSteps = r.tried.filter((t) => t.change);
    expect(layerSteps.length).to.be.greaterThan(0);
    expect(layerSteps.every((t) => !t.change!.kept && t.agreement !== undefined)).to.equal(true);
    expect(r.constraints).to.equal(quantizeTraced(g, xs, DEFAULT_QUANTIZATION).constraints);
  });

  it("the breast-cancer logistic regression needs wider inputs; settings are tried by predicted size", function () {
    const { g, xs } = reference("breast-cancer-logreg", "breast-cancer");
    const r = searchQuantization(g, xs, undefined, undefined, { layerSteps: 0 });
    expect(r.met).to.equal(true);
    const wide = r.tried.filter((t) => t.agreement !== undefined);
    expect(wide[0].config).to.deep.equal(DEFAULT_QUANTIZATION);
    expect(wide[0].agreement).to.be.below(0.9);
    expect(wide.at(-1)!.agreement).to.be.at.least(0.995);
    expect(r.config.inputBits).to.be.greaterThan(DEFAULT_QUANTIZATION.inputBits);
    expect(r.model.config).to.deep.equal(r.config);
    // Cheapest first: predicted sizes ascend, and everything cheaper than the choice missed.
    const sizes = wide.map((t) => t.constraints!);
    expect(sizes).to.deep.equal([...sizes].sort((a, b) => a - b));
    expect(wide.slice(0, -1).every((t) => t.agreement! < 0.995)).to.equal(true);
  });

  it("per layer: the input width is narrowed first when the error guard allows, never below the default", function () {
    const { g, xs } = reference("mlp-196-24-14-10", "digits-14x14");
    const wide = searchQuantization(g, xs, undefined, undefined, { layerSteps: 0 });
    const r = searchQuantization(g, xs);
    expect(r.met).to.equal(true);
    expect(wide.config.inputBits).to.equal(12);
    const steps = r.tried.filter((t) => t.change);
    // The input candidate comes first: 12 -> 10 is kept, 10 -> 8 misses the error guard.
    expect(steps[0].change).to.deep.equal({ layer: "input", width: "inputBits", from: 12, to: 10, kept: true });
    expect(r.config.inputBits).to.equal(10);
    expect(r.constraints).to.be.below(wide.constraints);
    expect(r.constraints).to.equal(quantizeTraced(g, xs, r.config).constraints);
    // Every kept step met the target within the error guard; turned-down ones missed one of them.
    const phase1 = wide.tried.find((t) => t.config === wide.config)!;
    for (const t of steps) {
      const ok = t.agreement! >= 0.995 && t.outputError! <= 1.1 * phase1.outputError!;
      expect(t.change!.kept, JSON.stringify(t.change)).to.equal(ok);
    }
    // The default model never goes below the default input width.
    const digits = reference("digits-mlp-64-32-10", "digits-8x8");
    const d = searchQuantization(digits.g, digits.xs);
    expect(d.tried.some((t) => t.change?.width === "inputBits")).to.equal(false);
  });

  it("per layer: a layer narrowing that saves constraints and keeps the target is kept (CIFAR-sized CNN)", function () {
    const { g, xs } = reference("cnn-32x32x3-16-32-10", "cifar");
    const wide = searchQuantization(g, xs, undefined, undefined, { layerSteps: 0 });
    const r = searchQuantization(g, xs);
    expect(r.met).to.equal(true);
    const kept = r.tried.filter((t) => t.change?.kept && t.change.width === "activationBits");
    expect(kept.length).to.be.greaterThan(0);
    const first = kept[0].change!;
    expect(first.to).to.equal(first.from - 2);
    // The layer's own width lands in the config under its tensor; the layer's rescale is narrower.
    expect(Object.keys(r.config.layers ?? {})).to.have.length.greaterThan(0);
    const at = r.model.layers.findIndex((l) => l.nodes.join("+") === first.layer);
    const bitsOf = (l: (typeof r.model.layers)[number]) => (l.act && "bits" in l.act ? l.act.bits : 0);
    expect(bitsOf(r.model.layers[at])).to.equal(bitsOf(quantizeTraced(g, xs, wide.config).model.layers[at]) - 2);
    const phase1 = wide.tried.find((t) => t.config === wide.config)!;
    for (const t of r.tried.filter((t) => t.change)) {
      const ok = t.agreement! >= 0.995 && t.outputError! <= 1.1 * phase1.outputError!;
      expect(t.change!.kept, JSON.stringify(t.change)).to.equal(ok);
    }
    // The choice is reproducible from its config alone, and within the size target.
    expect(quantizeTraced(g, xs, r.config).constraints).to.equal(r.constraints);
    expect(r.constraints).to.be.below(1_500_000);
    // On the 300 held-out images the searched model agrees with the float model on >= 99.5%.
    const test = loadDataSet(path.join(PROJECT_ROOT, "models", "data", "cifar-test.json")).xs;
    const held = calibrationFidelity(r.model, test, calibrate(g, test).outputs, g);
    expect(held.agreement).to.be.at.least(0.995);
  });

  it("a regression meets the target when every value is within 1% of the output scale", function () {
    const { g, xs } = reference("diabetes-linreg", "diabetes");
    const r = searchQuantization(g, xs, { kind: "accuracy", minAgreement: 1 });
    expect([r.met, r.tried[0].agreement]).to.deep.equal([true, 1]);
  });

  it("resources takes the cheapest setting; given widths are used as given", function () {
    const { g, xs } = reference("breast-cancer-logreg", "breast-cancer");
    const cheap = searchQuantization(g, xs, { kind: "resources" });
    expect([cheap.met, cheap.config, cheap.tried.length]).to.deep.equal([true, DEFAULT_QUANTIZATION, 1]);
    expect(cheap.tried[0].change).to.equal(undefined);
    // As the CLI passes them: options left out are undefined and keep their defaults.
    const given = searchQuantization(g, xs, undefined, { inputBits: 12, weightBits: undefined });
    expect([given.target, given.config, given.tried.length]).to.deep.equal([
      "given",
      { ...DEFAULT_QUANTIZATION, inputBits: 12 },
      1,
    ]);
  });
});
