// The benchmark models: committed ONNX files and the digits resolution each one reads.
export const BENCH_MODELS = [
  { name: "digits-mlp-64-32-10", resolution: 8 },
  { name: "mlp-196-25-10", resolution: 14 },
  { name: "mlp-196-24-14-10", resolution: 14 },
  { name: "mlp-784-56-10", resolution: 28 },
  { name: "lenet-28-6-16-10", resolution: 28 },
] as const;

export type BenchModel = (typeof BENCH_MODELS)[number];
