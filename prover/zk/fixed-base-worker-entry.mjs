// Entry of the fixed-base worker threads when the prover runs from its TypeScript sources.
// Loader hooks registered through an API (bin/assay.mjs calls tsx's `register()`) do not reach
// worker threads, and Node 20 cannot strip types itself, so each worker registers tsx the same
// way the main thread does before it loads fixed-base-worker.ts. The worker attaches its message
// listener once that import settles; the pool's first message waits in the port until then.
import { register } from "tsx/esm/api";

register();
await import("./fixed-base-worker.ts");
