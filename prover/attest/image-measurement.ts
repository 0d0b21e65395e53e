// PCR values for a development enclave image, computed the way Nitro fills its PCRs: each
// register starts at 48 zero bytes and is extended once, PCR = SHA-384(PCR || SHA-384(measured)).
//   PCR0  the whole image: runtime identity, then every image file (path and contents)
//   PCR1  the runtime ("kernel and boot ramdisk" in Nitro): node version, platform, arch
//   PCR2  the application: the image files alone
// Nitro computes these outside the enclave; the development enclave computes them itself, so
// they identify the code it runs but prove nothing about it. Paths are hashed relative to
// `baseDir`, so the same checkout measures the same wherever it lives. The registry names an
// image by one bytes32, `imageMeasurementId`, over PCR0..2.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { concat, getBytes, keccak256 } from "ethers";
import { InputError } from "../errors.js";
import { PCR_BYTES } from "./attestation-document.js";
import type { ApprovedImage } from "./pcr-policy.js";

/** The PCRs an on-chain image measurement commits to. */
export const MEASURED_PCRS = [0, 1, 2] as const;

/**
 * The on-chain image measurement (bytes32) of an enclave image: keccak256(PCR0 || PCR1 || PCR2),
 * each PCR 48 bytes. The registry stores this; the PCRs themselves are in the attestation document.
 * Throws InputError when a measured PCR is missing or not 48 bytes.
 */
export function imageMeasurementId(image: ApprovedImage | ReadonlyMap<number, Uint8Array>): string {
  const get = (i: number): Uint8Array => {
    const v = image instanceof Map ? image.get(i) : (image as ApprovedImage)[i];
    if (v === undefined) throw new InputError(`image lacks PCR${i}`);
    const bytes = typeof v === "string" ? getBytes(v.startsWith("0x") ? v : `0x${v}`) : v;
    if (bytes.length !== PCR_BYTES) throw new InputError(`PCR${i} must be ${PCR_BYTES} bytes, got ${bytes.length}`);
    return bytes;
  };
  return keccak256(concat(MEASURED_PCRS.map(get)));
}

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
