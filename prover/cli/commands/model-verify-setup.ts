// assay model verify-setup <model> [--ptau <file>]: re-checks a compiled model's Groth16 keys
// against its circuit and the powers of tau (snarkjs zkey verify), checks the verifying key is
// the model's, and prints where the keys came from. Exit 0 when they verify, 1 when not.
import type { Command } from "commander";
import { lazyAction } from "../lazy-action.js";

export interface VerifySetupOptions {
  ptau?: string;
  ptauId?: string;
}

const DESCRIPTION =
  "re-check a compiled model's Groth16 keys: recompute the circuit keys from its r1cs and the powers of tau " +
  "and check the zkey against them and every phase-2 contribution (what `snarkjs zkey verify` does), check the " +
  "verifying key in the zkey is the model's, and print the setup's provenance: the SHA-256 of the powers of " +
  "tau and of the final zkey (the phase-2 transcript, as registered on chain) and whether it is a development " +
  "setup (secrets anyone can recompute, so proofs can be forged). The ceremony file is the one recorded at " +
  "setup (a development one is generated again if its cached copy is gone) unless --ptau names it. " +
  "Exit 0 when the keys verify, 1 with the reason when not.";

export function defineModelVerifySetup(model: Command): void {
  model
    .command("verify-setup")
    .argument("<model>", "circuit id (or a unique prefix) of a compiled model with keys")
    .summary("re-check a model's keys against its circuit and powers of tau; print their provenance")
    .description(DESCRIPTION)
    .option("--ptau <file>", "the powers-of-tau file the keys were set up with (default: the one recorded at setup)")
    .option("--ptau-id <id>", "which keys, when the model was set up more than once")
    .action(lazyAction(() => import("../actions/model-verify-setup.js")));
}
