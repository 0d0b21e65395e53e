// ONNX conformance, representative subset: one ONNX backend-suite case per supported operator
// family, each through the float graph, the integer evaluator (within the stated tolerance) and
// the circuit (witness == evaluator). The variants left out here (depthwise and 1-D dilated
// conv, pool dilations and count_include_pad, reflect pad, LeakyRelu/PRelu/Tanh, Mul) are proved
// by the operator tests in test/prover/onnx; `npx tsx scripts/conformance.ts` runs the whole
// suite. The suite is Debian's libonnx-testdata, fetched with apt-get when missing.
import { expect } from "chai";
import path from "node:path";
import { type ConformanceCase, listCases, runCase, TOLERANCE_LOG2 } from "../../scripts/conformance.js";
import { ensureOnnxTestData } from "../../scripts/onnx-testdata.js";

const SUBSET = [
  "node/test_conv_with_strides_and_asymmetric_padding",
  "pytorch-converted/test_Conv2d_groups",
  "node/test_maxpool_2d_ceil",
  "node/test_globalaveragepool",
  "pytorch-converted/test_BatchNorm2d_eval",
  "node/test_add_bcast",
  "node/test_concat_3d_axis_negative_2",
  "node/test_constant_pad",
  "node/test_clip_splitbounds",
  "node/test_sigmoid",
  "node/test_softmax_axis_0",
  "node/test_argmax_keepdims_random_select_last_index",
  "node/test_gemm_all_attributes",
];

describe("ONNX conformance (representative subset of the backend test suite)", function () {
  let cases: Map<string, ConformanceCase>;
  before(function () {
    this.timeout(120_000); // first run: apt-get download + dpkg -x (6 MB)
    cases = new Map(listCases(ensureOnnxTestData()).map((c) => [`${c.suite}/${c.name}`, c]));
  });
  after(async () => {
    await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate();
  });

  for (const id of SUBSET) {
    it(`${id}: float graph, integer evaluator (2^${TOLERANCE_LOG2}), circuit match the expected output`, async () => {
      const c = cases.get(id);
      expect(c, `${id} in the suite`).to.not.equal(undefined);
      const r = await runCase(c!);
      expect(r.status, r.reason).to.equal("pass");
      expect(r.maxError).to.be.at.most(r.tolerance!);
      expect(r.constraints).to.be.greaterThan(0);
    });
  }

  it("reports what assay does not prove as unsupported, with the reason", async () => {
    const expectations: [string, RegExp][] = [
      ["pytorch-converted/test_Conv3d", /only 1-D and 2-D inputs/],
      ["node/test_training_dropout", /training_mode=true/],
      ["node/test_maxpool_2d_uint8", /element type UINT8/],
      ["node/test_batchnorm_example_training_mode", /exactly one graph output/],
    ];
    for (const [id, reason] of expectations) {
      const r = await runCase(cases.get(id)!, { circuit: false });
      expect(r.status, id).to.equal("unsupported");
      expect(r.reason).to.match(reason);
    }
  });

  it("lists cases from both suites and reports each under its operator", () => {
    const conv = cases.get("pytorch-converted/test_Conv2d")!;
    expect(conv.operator).to.equal("Conv");
    expect(path.basename(path.dirname(conv.dir))).to.equal("pytorch-converted");
    expect([...cases.values()].filter((c) => c.suite === "node").length).to.be.greaterThan(150);
  });
});
