// PCR values for a development enclave image, computed the way Nitro fills its PCRs: each
// register starts at 48 zero bytes and is extended once, PCR = SHA-384(PCR || SHA-384(measured)).
//   PCR0  the whole image: runtime identity, then every image file (path and contents)
//   PCR1  the runtime ("kernel and boot ramdisk" in Nitro): node version, platform, arch
//   PCR2  the application: the image files alone
// Nitro computes these outside the enclave; the development enclave computes them itself, so
// they identify the code it runs but prove nothing about it. Paths are hashed relative to
// `baseDir`, so the same checkout measures the same wherever it lives.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { PCR_BYTES } from "./attestation-document.js";

export interface ImageMeasurement {
  /** PCR index -> 48-byte value. */
  pcrs: Map<number, Uint8Array>;
  /** The same as an approved-image entry (PCR0, PCR1, PCR2 as hex). */
  image: Record<number, string>;
}

export function extendPcr(pcr: Uint8Array, measurement: Uint8Array): Uint8Array {
  return new Uint8Array(createHash("sha384").update(pcr).update(measurement).digest());
}

export function runtimeIdentity(): string {
  return `node ${process.version} ${process.platform}-${process.arch}`;
}

export function measureDevImage(
  files: readonly string[],
  baseDir: string,
  runtime = runtimeIdentity(),
): ImageMeasurement {
  const app = createHash("sha384");
  for (const file of [...files].map((f) => path.resolve(f)).sort()) {
    const name = Buffer.from(path.relative(baseDir, file).split(path.sep).join("/"));
    const body = readFileSync(file);
    app.update(u64(name.length)).update(name).update(u64(body.length)).update(body);
  }
  const appDigest = app.digest();
  const runtimeDigest = createHash("sha384").update(runtime).digest();
  const imageDigest = createHash("sha384").update(runtimeDigest).update(appDigest).digest();
  const zero = new Uint8Array(PCR_BYTES);
  const pcrs = new Map<number, Uint8Array>([
    [0, extendPcr(zero, imageDigest)],
    [1, extendPcr(zero, runtimeDigest)],
    [2, extendPcr(zero, appDigest)],
  ]);
  const image = Object.fromEntries([...pcrs].map(([i, v]) => [i, Buffer.from(v).toString("hex")]));
  return { pcrs, image };
}

function u64(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}
