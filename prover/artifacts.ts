// Every artifact path comes from here. Artifacts are cached by content hash:
//   <cache>/circuits/<circuitId>/          model.circom, model.r1cs, model_js/, model.sym,
//                                          quantized.json, manifest.json
//   <cache>/circuits/<circuitId>/<ptauId>/ circuit.zkey, vkey.json, setup.json
//   <cache>/ptau/                          development powers of tau
// circuitId = sha256 over the generated circuit source (weights, scales, encodings included),
// the template library, the compiler version and the artifact format version.
// <cache> is $ASSAY_CACHE_DIR, else .assay/ in the working directory.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ARTIFACT_FORMAT_VERSION = 1;

/**
 * The package root (package.json, circuits/, contracts/): prover/'s parent, from the sources; from
 * the build (dist/prover/), the parent of dist/.
 */
export const PROJECT_ROOT = (() => {
  const up = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
  return existsSync(path.join(up, "package.json")) ? up : path.dirname(up);
})();

export function cacheRoot(): string {
  return path.resolve(process.env.ASSAY_CACHE_DIR ?? ".assay");
}

export type ArtifactKind =
  "dir" | "circom" | "r1cs" | "wasm" | "sym" | "quantized" | "manifest" | "setupDir" | "zkey" | "vkey" | "setup";

export interface ArtifactRef {
  circuitId: string;
  /** Identity of the powers-of-tau file the keys were set up with (setup artifacts only). */
  ptauId?: string;
}

export function artifactPath(ref: ArtifactRef, kind: ArtifactKind): string {
  const dir = path.join(cacheRoot(), "circuits", ref.circuitId);
  const setupDir = () => {
    if (!ref.ptauId) throw new Error(`artifact ${kind} needs a ptau id`);
    return path.join(dir, ref.ptauId);
  };
  switch (kind) {
    case "dir":
      return dir;
    case "circom":
      return path.join(dir, "model.circom");
    case "r1cs":
      return path.join(dir, "model.r1cs");
    case "wasm":
      return path.join(dir, "model_js", "model.wasm");
    case "sym":
      return path.join(dir, "model.sym");
    case "quantized":
      return path.join(dir, "quantized.json");
    case "manifest":
      return path.join(dir, "manifest.json");
    case "setupDir":
      return setupDir();
    case "zkey":
      return path.join(setupDir(), "circuit.zkey");
    case "vkey":
      return path.join(setupDir(), "vkey.json");
    case "setup":
      return path.join(setupDir(), "setup.json");
  }
}

export function ptauCacheDir(): string {
  return path.join(cacheRoot(), "ptau");
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

let templatesHash: string | undefined;
/** Hash of the circom template library (circuits/*.circom): any change gives new artifacts. */
export function templateLibraryHash(): string {
  if (templatesHash) return templatesHash;
  const dir = path.join(PROJECT_ROOT, "circuits");
  const h = createHash("sha256");
  for (const f of readdirSync(dir)
    .filter((f) => f.endsWith(".circom"))
    .sort()) {
    h.update(f)
      .update("\0")
      .update(readFileSync(path.join(dir, f)))
      .update("\0");
  }
  return (templatesHash = h.digest("hex"));
}
