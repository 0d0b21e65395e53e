// A command's work lives in prover/cli/actions/, loaded only when that command runs: `assay --help`
// and `assay --version` load commander and the option definitions, never ethers, Hardhat or snarkjs.
import type { Command } from "commander";
import { contractFactoriesBuilt } from "../chain/contract-build.js";
import { type GlobalOptions, progress } from "./output.js";

/** An action module: `run(...positional arguments, options merged with the global ones)`. */
export interface ActionModule<P extends unknown[], O> {
  run(...args: [...P, O & GlobalOptions]): Promise<void>;
}

/** A commander action handler that imports the action module, then runs it. */
export function lazyAction<P extends unknown[], O>(load: () => Promise<ActionModule<P, O>>) {
  return async (...args: unknown[]): Promise<void> => {
    // commander calls the handler with the positional arguments, the command's options, the command.
    const cmd = args[args.length - 1] as Command;
    const positional = args.slice(0, -2) as P;
    const opts = cmd.optsWithGlobals<O & GlobalOptions>();
    // Actions import the contracts' typed factories: a working copy not built yet builds them first.
    if (!contractFactoriesBuilt()) {
      const { ensureContractFactories } = await import("../chain/contract-build.js");
      await ensureContractFactories((line) => progress(opts, `[build] ${line}`));
    }
    const action = await load();
    await action.run(...positional, opts);
  };
}
