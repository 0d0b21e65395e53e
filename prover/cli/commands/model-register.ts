// assay model register <circuit id> --family <name>: registers a compiled model's verifying key
// with the shared verifier and a new version of its family in the model registry.
import type { Command } from "commander";
import { type LevelName, registerModel } from "../../chain/protocol-client.js";
import { withRevertReason } from "../../chain/revert-reason.js";
import { assertSetupAllowed } from "../../chain/setup-policy.js";
import { InputError } from "../../errors.js";
import { openModel } from "../../model-store.js";
import { type SetupProvenance, setupProvenance } from "../../zk/setup-provenance.js";
import { type GlobalOptions, progress, result } from "../output.js";
import { addressOption, bytes32ListOption } from "./chain-parse.js";
import { type ChainOptions, deploymentOptions, withDeployment } from "./chain-options.js";

interface Opts extends GlobalOptions, ChainOptions {
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

function defineRegister(model: Command): Command {
  return model
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
}

async function openForRegister(id: string, o: Opts) {
  const images = o.image ?? [];
  const attested = o.levels.includes("Attested");
  if (attested && images.length === 0)
    throw new InputError("--levels attested needs at least one --image <measurement> approved for it");
  if (!attested && images.length > 0) throw new InputError("--image only applies with --levels including attested");
  const compiled = await openModel(id, o.ptauId);
  if (!compiled.vkey)
    throw new InputError(`model ${compiled.ref.circuitId} has no keys: run \`assay model compile\` without --no-setup`);
  return { compiled, images, setup: await setupProvenance(compiled) };
}

function setupLine(setup: SetupProvenance): string {
  const kind = setup.development ? "DEVELOPMENT (unsafe: anyone can forge proofs)" : "ceremony";
  return `  setup     ${kind}, ptau ${setup.ptauHash}, phase 2 ${setup.phase2Hash}`;
}

async function runRegister(id: string, o: Opts, g: GlobalOptions): Promise<void> {
  const { compiled, images, setup } = await openForRegister(id, o);
  const { circuitId, ptauId } = compiled.ref;
  await withDeployment(o, async (conn, d) => {
    const what = `model ${circuitId} (keys ${ptauId})`;
    assertSetupAllowed({ chainId: conn.chainId, development: setup.development, allowDevSetup: o.allowDevSetup, what });
    if (setup.development) progress(g, `[register] ${what}: development setup, fine for testing only`);
    progress(g, `[register] ${circuitId} as family "${o.family}" on chain ${conn.chainId} (${conn.label})`);
    const r = await withRevertReason("model register", d.ifaces, () =>
      registerModel(d, compiled, {
        family: o.family,
        familyOwner: o.familyOwner,
        setup,
        levels: o.levels,
        enclaveImages: images,
        storageUri: o.storageUri,
      }),
    );
    const human = [
      `model ${r.modelId}`,
      `  family    ${o.family} version ${r.version} (id ${r.family})`,
      `  circuit   ${circuitId} (keys ${ptauId})`,
      `  key id    ${r.keyId}`,
      setupLine(setup),
      `  levels    ${o.levels.join(", ")}${images.length ? ` (images ${images.join(", ")})` : ""}`,
      `  protocol  ${d.deployment.protocol} on chain ${conn.chainId}`,
    ].join("\n");
    result(g, human, {
      modelId: r.modelId,
      family: o.family,
      familyId: r.family,
      version: r.version,
      keyId: r.keyId,
      circuitId,
      ptauId,
      setup,
      levels: o.levels,
      enclaveImages: images,
      protocol: d.deployment.protocol,
      chainId: conn.chainId.toString(),
      gasUsed: r.gasUsed,
    });
  });
}

export function registerModelRegister(model: Command, globals: () => GlobalOptions): void {
  const cmd = defineRegister(model);
  deploymentOptions(cmd);
  cmd.action((id: string, o: Opts) => runRegister(id, o, { ...globals(), ...o }));
}
