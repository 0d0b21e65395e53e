// Proving alone, for bench/scale.ts: one process proves the scale models' claims back to back
// (witness, Groth16 proof, signal check: what `assay worker` does per job before it submits),
// with no chain, queue or database, and prints {"proofs": n, "seconds": s} on stdout. bench/scale.ts
// runs it pinned to one core, then two copies pinned to a core each, to measure how proving itself
// scales on the machine, apart from the rest of the system that shares the cores with the workers.
//
//   tsx bench/scale-prove-only.ts <proofs> <circuit id>...     (with $ASSAY_PROVER_THREADS=1)
//
// The first proof of each model is a warm-up (the process's first proof takes seconds: JIT, curve,
// witness calculator) and is not timed.
import { openModel } from "../prover/model-store.js";
import { proveInference } from "../prover/prove-inference.js";
import { releaseCurve } from "../prover/zk/groth16.js";
import { inputFor } from "./scale-models.js";

async function main(): Promise<void> {
  const [count, ...ids] = process.argv.slice(2);
  const n = Number(count);
  if (!Number.isInteger(n) || n < 1 || ids.length === 0)
    throw new RangeError(`usage: scale-prove-only.ts <proofs (an integer >= 1)> <circuit id>...; got ${count}`);
  const models = await Promise.all(ids.map((id) => openModel(id)));
  const size = (i: number) => models[i % models.length].quantized.input.shape.reduce((a, b) => a * b, 1);
  for (let i = 0; i < models.length; i++) await proveInference(models[i], inputFor(size(i), -1 - i));
  const t = performance.now();
  for (let i = 0; i < n; i++) await proveInference(models[i % models.length], inputFor(size(i), i));
  const seconds = (performance.now() - t) / 1000;
  process.stdout.write(`${JSON.stringify({ proofs: n, seconds })}\n`);
  await releaseCurve();
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`scale-prove-only.ts failed: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  },
);
