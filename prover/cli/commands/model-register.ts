// assay model register <circuit id> --family <name>: registers a compiled model's verifying key
// with the shared verifier and a new version of its family in the model registry.
import type { Command } from "commander";
import type { LevelName } from "../../chain/protocol-client.js";
import { InputError } from "../../errors.js";
import { lazyAction } from "../lazy-action.js";
import { addressOption, bytes32ListOption } from "../parse.js";
import { type ChainOptions, deploymentOptions } from "./chain-options.js";

export interface ModelRegisterOptions extends ChainOptions {
  family: string;
  familyOwner?: string;
  levels: LevelName[];
  image?: string[];
  storageUri?: string;
  ptauId?: string;
  allowDevSetup?: boolean;
}

const LEVEL_WORDS: Record<string, LevelName> = { signed: "Signed", attested: "Attested", proven: "Proven" };

function levelsOption(v: string): LevelName[] {
  const out = v
    .split(",")
    .map((w) => w.trim().toLowerCase())
    .filter(Boolean)
    .map((w) => {
      const l = LEVEL_WORDS[w];
      if (!l) throw new InputError(`--levels: unknown level "${w}" (levels: signed, attested, proven)`);
      return l;
    });
  return [...new Set<LevelName>([...out, "Proven"])];
}

export function defineModelRegister(model: Command): void {
  const cmd = model
    .command("register")
    .argument("<model>", "circuit id (or a unique prefix) of a compiled model with keys")
    .summary("register a compiled model on chain; prints its model id")
    .description(
      "register a compiled model on chain: its verifying key in the shared verifier (once per key) and a new " +
        "version of --family in the model registry, with where its keys came from (powers-of-tau and phase-2 " +
        "hashes, development or not); prints the model id claims refer to. Keys from a development ceremony " +
        "are refused on chains other than local development chains unless --allow-dev-setup is given",
    )
    .requiredOption(
      "--family <name>",
      "model family name (its id is in the registering account's namespace; the first registrant owns it)",
    )
    .option(
      "--family-owner <address>",
      "the account whose namespace the family is in, when it is not the registering account " +
        "(a family transferred to you keeps its creator's id)",
      addressOption("--family-owner"),
    )
    .option(
      "--levels <list>",
      "levels of evidence claims may use: signed,attested,proven (proven is always allowed)",
      levelsOption,
      ["Signed", "Proven"] as LevelName[],
    )
    .option(
      "--image <measurement>",
      "enclave image measurement (bytes32) approved for Attested; repeatable",
      bytes32ListOption("--image"),
    )
    .option(
      "--storage-uri <uri>",
      "where the ONNX file and artifacts can be fetched (default assay://circuits/<circuit id>)",
    )
    .option("--ptau-id <id>", "which keys, when the model was set up more than once")
    .option(
      "--allow-dev-setup",
      "register keys from a development ceremony (the development powers of tau: anyone can forge their " +
        "proofs) on a chain that is not a local development chain (31337, 1337); for testing only",
    );
  deploymentOptions(cmd);
  cmd.action(lazyAction(() => import("../actions/model-register.js")));
}
