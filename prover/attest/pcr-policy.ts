// Enclave image policy. An approved image lists the PCR values it requires (usually PCR0, PCR1,
// PCR2: the enclave image file, the kernel and boot ramdisk, the application); a document is
// accepted when every listed PCR matches one approved image exactly. PCRs the image does not
// list are not constrained.
//
// Debug mode: Nitro reports all-zero PCRs for an enclave started in debug mode, whose memory the
// parent instance can read. A measured boot never yields a zero PCR0..2 (each is a SHA-384 hash
// chain), so any of them being all zero means debug mode, and such a document is refused before
// any allowlist is consulted.
import { InputError } from "../errors.js";
import { PCR_BYTES } from "./attestation-document.js";
import { DebugPcrsError, PcrMismatchError } from "./errors.js";

/** PCR index -> value (hex, with or without 0x, or bytes). */
export type ApprovedImage = Readonly<Record<number, string | Uint8Array>>;

export const IMAGE_PCRS = [0, 1, 2] as const;

export function pcrToHex(value: Uint8Array): string {
  return Buffer.from(value).toString("hex");
}

export function pcrsToHex(pcrs: ReadonlyMap<number, Uint8Array>): Record<number, string> {
  return Object.fromEntries([...pcrs].map(([i, v]) => [i, pcrToHex(v)]));
}

export function isDebugPcrs(pcrs: ReadonlyMap<number, Uint8Array>): boolean {
  return IMAGE_PCRS.some((i) => {
    const value = pcrs.get(i);
    return value !== undefined && value.every((b) => b === 0);
  });
}

export function checkDebugPcrs(pcrs: ReadonlyMap<number, Uint8Array>): void {
  if (isDebugPcrs(pcrs)) throw new DebugPcrsError();
}

/** Normalises an approved image to index -> lowercase hex; rejects malformed entries. */
export function normalizeImage(image: ApprovedImage, position = 0): Map<number, string> {
  const out = new Map<number, string>();
  for (const [key, value] of Object.entries(image)) {
    const index = Number(key);
    if (!Number.isInteger(index) || index < 0 || index > 31)
      throw new InputError(`approved image ${position}: bad PCR index ${key}`);
    const hex = typeof value === "string" ? value.toLowerCase().replace(/^0x/, "") : pcrToHex(value);
    if (!/^[0-9a-f]*$/.test(hex) || hex.length !== PCR_BYTES * 2) {
      throw new InputError(`approved image ${position}: PCR${index} must be ${PCR_BYTES} bytes of hex`);
    }
    out.set(index, hex);
  }
  if (out.size === 0) throw new InputError(`approved image ${position} lists no PCR (it would approve anything)`);
  return out;
}

/** Returns the index of the first approved image the PCRs match; throws PcrMismatchError if none. */
export function matchApprovedImage(pcrs: ReadonlyMap<number, Uint8Array>, images: readonly ApprovedImage[]): number {
  const have = pcrsToHex(pcrs);
  const normalized = images.map((image, i) => normalizeImage(image, i));
  let detail = "no image is approved";
  let fewestDiffs = Infinity;
  for (const [i, image] of normalized.entries()) {
    const diffs = [...image].filter(([index, want]) => have[index] !== want).map(([index]) => index);
    if (diffs.length === 0) return i;
    if (diffs.length < fewestDiffs) {
      fewestDiffs = diffs.length;
      detail =
        `closest is image ${i}, which differs in ` +
        diffs.map((d) => `PCR${d}${have[d] === undefined ? " (absent)" : ""}`).join(", ");
    }
  }
  throw new PcrMismatchError(have, images.length, detail);
}
