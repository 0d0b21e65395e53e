// The payload of an AWS Nitro Enclaves attestation document: a CBOR map with text keys
//   module_id   text, non-empty                  the issuing Nitro module
//   digest      text, "SHA384"                   the PCR bank's hash
//   timestamp   uint, ms since the Unix epoch    when the document was made (UTC)
//   pcrs        map uint(0..31) -> bstr(48)      1..32 locked PCRs (48 bytes for SHA384)
//   certificate bstr(1..1024)                    DER leaf certificate that signed the document
//   cabundle    [+ bstr(1..1024)]                DER CA chain, root first, leaf's issuer last
//   public_key  bstr(1..1024) / null, optional   a key chosen by the enclave
//   user_data   bstr(0..512) / null, optional    data chosen by the enclave
//   nonce       bstr(0..512) / null, optional    the consumer's challenge
// The Nitro Security Module writes absent optional fields as null. This module checks every
// field's type and size; trust (signature, chain, PCR policy) is verify-attestation's job.
import { decodeCbor, encodeCbor, isBytes } from "./cbor-codec.js";
import { BadPayloadError } from "./errors.js";

export const NITRO_DIGEST = "SHA384";
export const PCR_BYTES = 48;
export const MAX_PCR_INDEX = 31;
export const MAX_PCRS = 32;
export const MAX_CERT_BYTES = 1024;
export const MAX_PUBLIC_KEY_BYTES = 1024;
export const MAX_USER_DATA_BYTES = 512;
export const MAX_NONCE_BYTES = 512;

export interface AttestationPayload {
  moduleId: string;
  digest: typeof NITRO_DIGEST;
  /** Milliseconds since the Unix epoch (UTC). */
  timestamp: number;
  /** PCR index -> 48-byte value, in ascending index order. */
  pcrs: Map<number, Uint8Array>;
  /** DER of the leaf certificate that signed the document. */
  certificate: Uint8Array;
  /** DER certificates, root first, the leaf's issuer last. */
  cabundle: Uint8Array[];
  publicKey: Uint8Array | null;
  userData: Uint8Array | null;
  nonce: Uint8Array | null;
}

/** Decodes and type-checks the CBOR payload. Throws BadPayloadError naming the first bad field. */
export function parseAttestationPayload(payload: Uint8Array): AttestationPayload {
  let map: unknown;
  try {
    map = decodeCbor(payload);
  } catch (e) {
    throw new BadPayloadError("(payload)", `not CBOR (${(e as Error).message})`);
  }
  if (!(map instanceof Map)) throw new BadPayloadError("(payload)", "must be a CBOR map");
  // Keys are text. Fields this version does not know are ignored (the whole map is signed, and
  // a field AWS adds later must not stop real documents from verifying).
  for (const key of map.keys()) {
    if (typeof key !== "string") throw new BadPayloadError(String(key), "payload keys must be text strings");
  }

  const moduleId = map.get("module_id");
  if (typeof moduleId !== "string" || moduleId.length === 0) {
    throw new BadPayloadError("module_id", "must be a non-empty text string");
  }
  const digest = map.get("digest");
  if (digest !== NITRO_DIGEST)
    throw new BadPayloadError("digest", `must be "${NITRO_DIGEST}", got ${JSON.stringify(digest)}`);

  const rawTimestamp = map.get("timestamp");
  const timestamp = typeof rawTimestamp === "bigint" ? Number(rawTimestamp) : rawTimestamp;
  if (typeof timestamp !== "number" || !Number.isSafeInteger(timestamp) || timestamp <= 0) {
    throw new BadPayloadError("timestamp", "must be a positive integer (ms since the Unix epoch)");
  }

  const rawPcrs = map.get("pcrs");
  if (!(rawPcrs instanceof Map)) throw new BadPayloadError("pcrs", "must be a map");
  if (rawPcrs.size < 1 || rawPcrs.size > MAX_PCRS)
    throw new BadPayloadError("pcrs", `must hold 1..${MAX_PCRS} entries, has ${rawPcrs.size}`);
  const entries: [number, Uint8Array][] = [];
  for (const [index, value] of rawPcrs) {
    if (typeof index !== "number" || !Number.isInteger(index) || index < 0 || index > MAX_PCR_INDEX) {
      throw new BadPayloadError("pcrs", `index ${String(index)} is not an integer in 0..${MAX_PCR_INDEX}`);
    }
    if (!isBytes(value) || value.length !== PCR_BYTES) {
      throw new BadPayloadError(`pcrs[${index}]`, `must be ${PCR_BYTES} bytes (${NITRO_DIGEST})`);
    }
    entries.push([index, new Uint8Array(value)]);
  }
  entries.sort((a, b) => a[0] - b[0]);

  const certificate = bytesField(map, "certificate", 1, MAX_CERT_BYTES, false)!;
  const rawBundle = map.get("cabundle");
  if (!Array.isArray(rawBundle) || rawBundle.length === 0)
    throw new BadPayloadError("cabundle", "must be a non-empty array");
  const cabundle = rawBundle.map((cert, i) => {
    if (!isBytes(cert) || cert.length < 1 || cert.length > MAX_CERT_BYTES) {
      throw new BadPayloadError(`cabundle[${i}]`, `must be a byte string of 1..${MAX_CERT_BYTES} bytes`);
    }
    return new Uint8Array(cert);
  });

  return {
    moduleId,
    digest: NITRO_DIGEST,
    timestamp,
    pcrs: new Map(entries),
    certificate,
    cabundle,
    publicKey: bytesField(map, "public_key", 1, MAX_PUBLIC_KEY_BYTES, true),
    userData: bytesField(map, "user_data", 0, MAX_USER_DATA_BYTES, true),
    nonce: bytesField(map, "nonce", 0, MAX_NONCE_BYTES, true),
  };
}

function bytesField(
  map: Map<unknown, unknown>,
  field: string,
  min: number,
  max: number,
  optional: boolean,
): Uint8Array | null {
  const value = map.get(field);
  if (value === undefined || value === null) {
    if (optional) return null;
    throw new BadPayloadError(field, "is required");
  }
  if (!isBytes(value)) throw new BadPayloadError(field, "must be a byte string");
  if (value.length < min || value.length > max)
    throw new BadPayloadError(field, `must be ${min}..${max} bytes, got ${value.length}`);
  return new Uint8Array(value);
}

/**
 * Encodes a payload the way the Nitro Security Module does: fields in the order above, the
 * timestamp as a CBOR unsigned integer, PCR indices as integers, absent optional fields as null.
 */
export function encodeAttestationPayload(p: AttestationPayload): Uint8Array {
  return encodeCbor(
    new Map<string, unknown>([
      ["module_id", p.moduleId],
      ["digest", p.digest],
      ["timestamp", BigInt(p.timestamp)],
      ["pcrs", new Map([...p.pcrs].sort((a, b) => a[0] - b[0]))],
      ["certificate", p.certificate],
      ["cabundle", p.cabundle],
      ["public_key", p.publicKey],
      ["user_data", p.userData],
      ["nonce", p.nonce],
    ]),
  );
}
