// --proven-batch-size / --proven-batch-wait, shared by `assay node start` and `assay worker`.
import type { Command } from "commander";
import { DEFAULT_PROVEN_BATCH } from "../../node/proven-batcher.js";
import { intOption } from "../parse.js";

export interface ProvenBatchOptions {
  provenBatchSize: number;
  provenBatchWait: number;
}

export function provenBatchOptions(cmd: Command): Command {
  return cmd
    .option(
      "--proven-batch-size <n>",
      "proven claims per submitProvenBatch transaction (one pairing check for all; 1: each proof alone)",
      intOption("--proven-batch-size", 1, 64),
      DEFAULT_PROVEN_BATCH.size,
    )
    .option(
      "--proven-batch-wait <ms>",
      "send a partial proven batch this long after its first proof (sooner when no other proof is running)",
      intOption("--proven-batch-wait", 0, 86_400_000),
      DEFAULT_PROVEN_BATCH.waitMs,
    );
}
