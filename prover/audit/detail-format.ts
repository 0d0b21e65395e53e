// How check details print hashes and chain times.

/** A 32-byte hash cut to its first four bytes: "0x12345678…". */
export function short(hash: string): string {
  return `${hash.slice(0, 10)}…`;
}

/** A chain timestamp (seconds) as ISO 8601 without milliseconds. */
export function when(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(".000Z", "Z");
}
