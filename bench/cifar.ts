// The CIFAR-sized CNN (models/train_cifar.py: [1, 3, 32, 32] -> conv 16@3x3 -> ReLU -> maxpool 2
// -> conv 32@3x3 -> ReLU -> maxpool 2 -> dense 10, trained on generated 32x32 RGB figures) built
// and proved as a user would: constraints, compile / ptau / setup seconds, argmax agreement with
// onnxruntime on the 300 held-out images, witness + prove medians of 3 proofs, one cold
// `assay prove`, peak RSS per phase (bench/model-bench.ts). Writes bench/cifar.json.
//
//   npx tsx bench/cifar.ts            (both phases; ASSAY_CACHE_DIR keeps the artifacts)
import { runModelBench } from "./model-bench.js";

await runModelBench({
  model: "cnn-32x32x3-16-32-10",
  script: "cifar.ts",
  data: { calibration: "cifar-calib.json", test: "cifar-test.json" },
  out: "cifar.json",
});
