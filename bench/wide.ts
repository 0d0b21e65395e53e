// The wide dense classifier (models/train_wide.py: 3,264 inputs -> 128 -> 128 -> 7, 434,695
// weights) built and proved as a user would: compile seconds (circom --O2, the sums of the dense
// layers built as balanced trees, constant tables split under V8's function limit), ptau and
// Groth16 setup seconds (fixed-base from the development ceremony), argmax agreement with
// onnxruntime on the 100 held-out rows, witness + prove medians of 3 proofs, peak RSS per phase
// (bench/model-bench.ts). Writes bench/wide.json.
//
//   npx tsx bench/wide.ts            (both phases; ASSAY_CACHE_DIR keeps the artifacts)
import { runModelBench } from "./model-bench.js";

await runModelBench({
  model: "wide-3264-128-128-7",
  script: "wide.ts",
  data: { calibration: "wide-calib.json", test: "wide-test.json" },
  out: "wide.json",
});
