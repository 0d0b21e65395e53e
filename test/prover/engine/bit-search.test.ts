// Calibration to a target (prover/engine/bit-search.ts): settings are tried from the cheapest up
// and the first that agrees with the float model on the calibration inputs is taken; the
// bundled models keep the default; a tabular model whose features span five orders of magnitude
// gets wider inputs; `resources` and given widths take one step.
import { readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { PROJECT_ROOT } from "../../../prover/artifacts.js";
import { loadDataSet } from "../../../prover/data/dataset.js";
import { SEARCH_LADDER, searchQuantization } from "../../../prover/engine/bit-search.js";
import { normalize, parseModel } from "../../../prover/onnx/index.js";
import { DEFAULT_QUANTIZATION } from "../../../prover/quantize/quantized-model.js";

function reference(model: string, data: string) {
  const g = normalize(parseModel(readFileSync(path.join(PROJECT_ROOT, "models", `${model}.onnx`))));
  return { g, xs: loadDataSet(path.join(PROJECT_ROOT, "models", "data", `${data}-calib.json`)).xs };
}

describe("engine: bit widths searched for a target", function () {
  it("a bundled classifier meets 99.5% at the default setting: one step, the default", function () {
    const { g, xs } = reference("digits-mlp-64-32-10", "digits-8x8");
    const r = searchQuantization(g, xs);
    expect([r.met, r.config, r.tried.length, r.tried[0].agreement]).to.deep.equal([true, DEFAULT_QUANTIZATION, 1, 1]);
  });

  it("the breast-cancer logistic regression needs wider inputs; every step is reported", function () {
    const { g, xs } = reference("breast-cancer-logreg", "breast-cancer");
    const r = searchQuantization(g, xs);
    expect(r.met).to.equal(true);
    expect(r.tried[0].config).to.deep.equal(DEFAULT_QUANTIZATION);
    expect(r.tried[0].agreement).to.be.below(0.9);
    expect(r.tried.at(-1)!.agreement).to.be.at.least(0.995);
    expect(r.config.inputBits).to.be.greaterThan(DEFAULT_QUANTIZATION.inputBits);
    expect(r.model.config).to.deep.equal(r.config);
    // Cheapest first: the chosen setting is the first on the ladder that met the target.
    expect(r.tried.map((t) => t.config)).to.deep.equal(SEARCH_LADDER.slice(0, r.tried.length));
    expect(r.tried.slice(0, -1).every((t) => (t.agreement ?? 0) < 0.995)).to.equal(true);
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
    // As the CLI passes them: options left out are undefined and keep their defaults.
    const given = searchQuantization(g, xs, undefined, { inputBits: 12, weightBits: undefined });
    expect([given.target, given.config, given.tried.length]).to.deep.equal([
      "given",
      { ...DEFAULT_QUANTIZATION, inputBits: 12 },
      1,
    ]);
  });
});
