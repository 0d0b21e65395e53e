// Parsers for CLI option values, each failing with a message that names the option.
import { readFileSync } from "node:fs";
import { InputError } from "../errors.js";
import { FIELD_MODULUS } from "../field.js";

export function intOption(name: string, lo: number, hi: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < lo || n > hi)
      throw new InputError(`${name} must be an integer in [${lo}, ${hi}], got "${v}"`);
    return n;
  };
}

export function fieldOption(name: string) {
  return (v: string): bigint => {
    let n: bigint;
    try {
      n = BigInt(v);
    } catch {
      throw new InputError(`${name} must be an integer (decimal or 0x hex), got "${v}"`);
    }
    if (n < 0n || n >= FIELD_MODULUS) throw new InputError(`${name} must be a field element in [0, r), got ${v}`);
    return n;
  };
}

/** An input tensor file: a JSON array of numbers, or { "input": [...] }. */
export function readInputFile(file: string): number[] {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    // JSON.parse quotes the offending text, newlines included: keep the message on one line.
    throw new InputError(`cannot read input ${file}: ${err.code ?? err.message.replace(/\s+/g, " ")}`);
  }
  const arr = Array.isArray(json) ? json : (json as { input?: unknown })?.input;
  if (!Array.isArray(arr)) throw new InputError(`${file}: expected a JSON array of numbers or { "input": [...] }`);
  const flat = (arr as unknown[]).flat(Infinity as 1);
  flat.forEach((v, i) => {
    if (typeof v !== "number" || !Number.isFinite(v))
      throw new InputError(`${file}: element ${i} is ${JSON.stringify(v)}, not a finite number`);
  });
  return flat as number[];
}
