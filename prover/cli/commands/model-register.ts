// assay model register <circuit id> --family <name>: registers a compiled model's verifying key
// with the shared verifier and a new version of its family in the model registry.
import type { Command } from "commander";
import { type LevelName, registerModel } from "../../chain/protocol-client.js";
import { withRevertReason } from "../../chain/revert-reason.js";
import { InputError } from "../../errors.js";
import { openModel } from "../../model-store.js";
import { type GlobalOptions, progress, result } from "../output.js";
import { bytes32ListOption } from "./chain-parse.js";
import { type ChainOptions, deploymentOptions, withDeployment } from "./chain-options.js";

interface Opts extends GlobalOptions, ChainOptions {
  family: string;
  levels: LevelName[];
  image?: string[];
  storageUri?: string;
  ptauId?: string;
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

export function registerModelRegister(model: Command, globals: () => GlobalOptions): void {
  const cmd = model
    .command("register")
    .argument("<model>", "circuit id (or a unique prefix) of a compiled model with keys")
    .summary("register a compiled model on chain; prints its model id")
    .description(
      "register a compiled model on chain: its verifying key in the shared verifier (once per key) and a new " +
        "version of --family in the model registry; prints the model id claims refer to",
    )
    .requiredOption(
      "--family <name>",
      "model family name (its id is keccak256 of the name; the first registrant owns it)",
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
    .option("--ptau-id <id>", "which keys, when the model was set up more than once");
  deploymentOptions(cmd);
  cmd.action(async (id: string, o: Opts) => {
    const g = { ...globals(), ...o };
    const images = o.image ?? [];
    const attested = o.levels.includes("Attested");
    if (attested && images.length === 0)
      throw new InputError("--levels attested needs at least one --image <measurement> approved for it");
    if (!attested && images.length > 0) throw new InputError("--image only applies with --levels including attested");
    const compiled = await openModel(id, o.ptauId);
    if (!compiled.vkey)
      throw new InputError(
        `model ${compiled.ref.circuitId} has no keys: run \`assay model compile\` without --no-setup`,
      );
    await withDeployment(o, async (conn, d) => {
      progress(
        g,
        `[register] ${compiled.ref.circuitId} as family "${o.family}" on chain ${conn.chainId} (${conn.label})`,
      );
      const r = await withRevertReason("model register", d.ifaces, () =>
        registerModel(d, compiled, {
          family: o.family,
          levels: o.levels,
          enclaveImages: images,
          storageUri: o.storageUri,
        }),
      );
      const human = [
        `model ${r.modelId}`,
        `  family    ${o.family} version ${r.version}`,
        `  circuit   ${compiled.ref.circuitId} (keys ${compiled.ref.ptauId})`,
        `  key id    ${r.keyId}`,
        `  levels    ${o.levels.join(", ")}${images.length ? ` (images ${images.join(", ")})` : ""}`,
        `  protocol  ${d.deployment.protocol} on chain ${conn.chainId}`,
      ].join("\n");
      result(g, human, {
        modelId: r.modelId,
        family: o.family,
        version: r.version,
        keyId: r.keyId,
        circuitId: compiled.ref.circuitId,
        ptauId: compiled.ref.ptauId,
        levels: o.levels,
        enclaveImages: images,
        protocol: d.deployment.protocol,
        chainId: conn.chainId.toString(),
        gasUsed: r.gasUsed,
      });
    });
  });
}
