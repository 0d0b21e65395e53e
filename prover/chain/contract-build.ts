// The contracts' compiled artifacts and their typed factories, built on demand. Every chain command
// deploys and attaches through the factories `hardhat build` generates (types/ethers-contracts/;
// the package ships them built under dist/types/). A working copy whose build has not run yet has
// neither: the first command that needs them runs Hardhat's build (solc from the npm `solc`
// package: nothing is downloaded) once.
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { PROJECT_ROOT } from "../artifacts.js";

/** Where the factories are, seen from this module (prover/chain/ in the sources, dist/prover/chain/ built). */
const FACTORIES = fileURLToPath(new URL("../../types/ethers-contracts/factories/", import.meta.url));

/** Contracts every chain command may deploy or attach to. */
export const REQUIRED_ARTIFACTS = ["AssayProtocol", "Groth16Verifier"] as const;

/** Artifacts of `names` that the build has not written. */
export async function missingArtifacts(
  hre: HardhatRuntimeEnvironment,
  names: readonly string[] = REQUIRED_ARTIFACTS,
): Promise<string[]> {
  const missing: string[] = [];
  for (const name of names) if (!(await hre.artifacts.artifactExists(name))) missing.push(name);
  return missing;
}

/**
 * Builds the contracts when an artifact in `names` is missing; `say` reports the build. The
 * project is this package's (the Hardhat runtime `import("hardhat")` gives, configured by
 * hardhat.config.ts), or `hre`'s. Returns whether it built.
 */
export async function ensureContractArtifacts(
  say: (line: string) => void,
  names: readonly string[] = REQUIRED_ARTIFACTS,
  hre?: HardhatRuntimeEnvironment,
): Promise<boolean> {
  hre ??= (await import("hardhat")).default;
  const missing = await missingArtifacts(hre, names);
  if (missing.length === 0) return false;
  say(`contract artifacts missing (${missing.join(", ")}): compiling the contracts once (hardhat build)`);
  const t = performance.now();
  await hre.tasks.getTask("build").run({ quiet: true, noTests: true });
  say(`contracts built in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  // The artifact manager caches its view of the artifacts directory; the build does not reset it.
  await hre.artifacts.clearCache();
  const still = await missingArtifacts(hre, names);
  if (still.length > 0) throw new Error(`hardhat build did not produce ${still.join(", ")}`);
  return true;
}

/** Whether the generated factory of every required contract is there (a look at the files: no Hardhat). */
export function contractFactoriesBuilt(): boolean {
  const files = ["protocol/AssayProtocol__factory", "verifier/Groth16Verifier__factory"];
  return files.every((f) => [".ts", ".js"].some((ext) => existsSync(path.join(FACTORIES, f + ext))));
}

/**
 * Builds the contracts, and with them their factories, when a factory is missing; `say` reports
 * the build. Returns whether it built. Call before importing a module that imports the factories.
 */
export async function ensureContractFactories(say: (line: string) => void): Promise<boolean> {
  if (contractFactoriesBuilt()) return false;
  process.env.HARDHAT_CONFIG ??= path.join(PROJECT_ROOT, "hardhat.config.ts");
  const hre = (await import("hardhat")).default;
  if (!(await ensureContractArtifacts(say, REQUIRED_ARTIFACTS, hre))) {
    // Artifacts without factories (types/ removed): a forced build writes them again.
    say("contract factories missing: compiling the contracts once (hardhat build --force)");
    await hre.tasks.getTask("build").run({ force: true, quiet: true, noTests: true });
  }
  if (!contractFactoriesBuilt()) throw new Error(`hardhat build did not write the contract factories (${FACTORIES})`);
  return true;
}
