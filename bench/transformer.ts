// The reference transformer (models/train_transformer.py: 2 pre-norm encoder layers, d = 32, 4
// heads, sequence 16, exported by PyTorch at opset 13 with LayerNorm and GELU decomposed) at the
// setting `assay model compile` picks by itself (the bit-width search, no widths given):
// constraints (circom --O2, input commitment, output and binding included), compile, ptau and
// Groth16 setup time, argmax agreement with onnxruntime on the held-out sequences, and witness +
// prove time and peak memory (median of 3 proofs; each phase in its own process, so peak RSS is
// per phase: bench/model-bench.ts). Writes bench/transformer.json.
//
//   npx tsx bench/transformer.ts            (both phases; ASSAY_CACHE_DIR keeps the artifacts)
import { runModelBench } from "./model-bench.js";

await runModelBench({
  model: "transformer-2x32-seq16",
  script: "transformer.ts",
  data: { calibration: "transformer-calibration.json", test: "transformer-test.json" },
  out: "transformer.json",
});
