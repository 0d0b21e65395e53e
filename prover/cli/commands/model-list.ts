// assay model list: compiled models in the artifact cache.
import type { Command } from "commander";
import { lazyAction } from "../lazy-action.js";

export function defineModelList(model: Command): void {
  model
    .command("list")
    .description(`list compiled models (cache: $ASSAY_CACHE_DIR or .assay/)`)
    .action(lazyAction(() => import("../actions/model-list.js")));
}
