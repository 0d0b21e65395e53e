// assay model register: the key in the shared verifier, a new version of the family, provenance.
import { registerModel } from "../../chain/protocol-client.js";
import { withRevertReason } from "../../chain/revert-reason.js";
import { assertSetupAllowed } from "../../chain/setup-policy.js";
import { InputError } from "../../errors.js";
import { openModel } from "../../model-store.js";
import { type SetupProvenance, setupProvenance } from "../../zk/setup-provenance.js";
import type { ModelRegisterOptions } from "../commands/model-register.js";
import { type GlobalOptions, progress, result } from "../output.js";
import { withDeployment } from "./with-chain.js";

type Opts = ModelRegisterOptions & GlobalOptions;

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

export async function run(id: string, o: Opts): Promise<void> {
  const { compiled, images, setup } = await openForRegister(id, o);
  const { circuitId, ptauId } = compiled.ref;
  await withDeployment(o, async (conn, d) => {
    const what = `model ${circuitId} (keys ${ptauId})`;
    assertSetupAllowed({ chainId: conn.chainId, development: setup.development, allowDevSetup: o.allowDevSetup, what });
    if (setup.development) progress(o, `[register] ${what}: development setup, fine for testing only`);
    progress(o, `[register] ${circuitId} as family "${o.family}" on chain ${conn.chainId} (${conn.label})`);
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
    result(o, human, {
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
