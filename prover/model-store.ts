// Finds compiled models in the artifact cache by circuit id (or a unique prefix of one).
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { type ArtifactRef, artifactPath, cacheRoot } from "./artifacts.js";
import { type CompiledModel, openCompiledModel } from "./compile-model.js";
import { InputError } from "./errors.js";

export class UnknownModelError extends InputError {
  constructor(
    readonly id: string,
    readonly known: string[],
  ) {
    super(`unknown model "${id}"${knownModelsHint(known)}`);
  }
}

function knownModelsHint(known: readonly string[]): string {
  if (known.length === 0) return " (nothing compiled yet: run `assay model compile`)";
  return ` (compiled: ${known.slice(0, 5).join(", ")}${known.length > 5 ? ", ..." : ""})`;
}

export function listCompiled(): { circuitId: string; ptauIds: string[] }[] {
  const dir = path.join(cacheRoot(), "circuits");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((id) => existsSync(artifactPath({ circuitId: id }, "manifest")))
    .map((circuitId) => ({
      circuitId,
      ptauIds: readdirSync(artifactPath({ circuitId }, "dir"), { withFileTypes: true })
        .filter((e) => e.isDirectory() && existsSync(artifactPath({ circuitId, ptauId: e.name }, "setup")))
        .map((e) => e.name),
    }));
}

/** Resolves an id prefix to one compiled model with keys (the only setup, or the one named). */
export function resolveRef(id: string, ptauId?: string): ArtifactRef {
  const all = listCompiled();
  const hits = all.filter((m) => m.circuitId.startsWith(id));
  if (hits.length !== 1 || id.length < 4)
    throw new UnknownModelError(
      id,
      all.map((m) => m.circuitId),
    );
  const m = hits[0];
  if (ptauId) {
    if (!m.ptauIds.includes(ptauId))
      throw new InputError(`model ${m.circuitId} has no keys for ${ptauId} (has: ${m.ptauIds.join(", ") || "none"})`);
    return { circuitId: m.circuitId, ptauId };
  }
  if (m.ptauIds.length === 0) return { circuitId: m.circuitId };
  if (m.ptauIds.length > 1)
    throw new InputError(`model ${m.circuitId} has keys for ${m.ptauIds.join(", ")}: pick one with --ptau-id`);
  return { circuitId: m.circuitId, ptauId: m.ptauIds[0] };
}

export async function openModel(id: string, ptauId?: string): Promise<CompiledModel> {
  return openCompiledModel(resolveRef(id, ptauId));
}
