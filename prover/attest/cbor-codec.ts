// The one CBOR configuration the attestation code uses (cbor-x). Decoding yields Maps with their
// real key types (integers stay integers), no record or string-reference extensions, and
// rejects trailing bytes. Encoding writes definite, shortest lengths; Uint8Arrays become byte
// strings; Maps keep their insertion order, so callers control field order.
import { Decoder, Encoder, Tag } from "cbor-x";

const decoder = new Decoder({ mapsAsObjects: false, useRecords: false });
const encoder = new Encoder({
  mapsAsObjects: false,
  useRecords: false,
  tagUint8Array: false,
  variableMapSize: true,
});

/** Decodes exactly one CBOR item; throws (cbor-x's error) on malformed input or trailing bytes. */
export function decodeCbor(bytes: Uint8Array): unknown {
  return decoder.decode(bytes);
}

export function encodeCbor(value: unknown): Uint8Array {
  const out = encoder.encode(value);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

export function isTag(value: unknown): value is Tag {
  return value instanceof Tag;
}

export function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array;
}
