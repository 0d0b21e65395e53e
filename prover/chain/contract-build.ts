// The contracts' compiled artifacts, built on demand: a fresh `npm install` has no artifacts/
// directory, and every chain command needs the protocol's ABI and bytecode. The first command that
// needs them runs Hardhat's build (solc from the npm `solc` package: nothing is downloaded) once.
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

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
