// Parsers for CLI option values and the files options name, each failing with a message that
// names the option. This module is loaded for every command, `--help` included: it imports no
// engine (ethers, Hardhat, snarkjs), only Node and small pure modules.
//
// Amounts (ETH values: stakes, bonds, values at risk) have one convention everywhere: a plain
// integer is wei, or a decimal with a unit, `0.5eth` (also `ether`), `12gwei`, `100wei`.
import { readFileSync } from "node:fs";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { parseInput } from "../data/samples.js";
import { InputError } from "../errors.js";
import { FIELD_MODULUS } from "../field.js";

export function intOption(name: string, lo: number, hi: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^-?\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < lo || n > hi)
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

/** Decimals of each unit an amount may name. */
const UNIT_DECIMALS: Record<string, number> = { wei: 0, gwei: 9, eth: 18, ether: 18 };

export const AMOUNT_HELP = "wei, or with a unit: 0.5eth, 12gwei";

/** `amount` in wei ("0.5eth", "12gwei", "1000" = wei); throws a message naming `name`. */
export function parseAmount(name: string, amount: string): bigint {
  const m = /^(\d+)(?:\.(\d+))?\s*([a-z]*)$/i.exec(amount.trim().replace(/_/g, ""));
  const fail = (why: string) => new InputError(`${name} must be an amount (${AMOUNT_HELP}): ${why}, got "${amount}"`);
  if (!m) throw fail("not a number with an optional unit");
  const [, whole, frac = "", unitText] = m;
  const unit = unitText.toLowerCase() || "wei";
  const decimals = UNIT_DECIMALS[unit];
  if (decimals === undefined) throw fail(`unknown unit "${unitText}" (units: wei, gwei, eth)`);
  if (!unitText && frac) throw fail("a plain number is wei and has no fraction; say 0.5eth or 500000000gwei");
  if (frac.replace(/0+$/, "").length > decimals) throw fail(`below 1 wei (at most ${decimals} decimals in ${unit})`);
  const wei = BigInt(whole) * 10n ** BigInt(decimals) + BigInt((frac + "0".repeat(decimals)).slice(0, decimals) || 0);
  if (wei >= 1n << 256n) throw fail("does not fit uint256");
  return wei;
}

/** An amount option (see parseAmount). */
export function amountOption(name: string) {
  return (v: string): bigint => parseAmount(name, v);
}

/** "1.5 ETH"-style text for an amount in wei (exact: no float rounding). */
export function formatAmount(wei: bigint): string {
  const whole = wei / 10n ** 18n;
  const frac = (wei % 10n ** 18n).toString().padStart(18, "0").replace(/0+$/, "");
  return `${whole}${frac ? `.${frac}` : ""} ETH`;
}

export function secondsOption(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n <= 0 || n >= 2 ** 32)
      throw new InputError(`${name} must be a whole number of seconds in [1, 2^32), got "${v}"`);
    return n;
  };
}

export function bytes32Option(name: string) {
  return (v: string): string => {
    if (!/^0x[0-9a-fA-F]{64}$/.test(v)) throw new InputError(`${name} must be 32 bytes of 0x-prefixed hex, got "${v}"`);
    return v.toLowerCase();
  };
}

/** Repeatable bytes32 option (`--image a --image b`). */
export function bytes32ListOption(name: string) {
  const one = bytes32Option(name);
  return (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), one(v)];
}

/** EIP-55: the address with the case of each letter set by the keccak256 of its lowercase hex. */
export function checksumAddress(hex40: string): string {
  const lower = hex40.toLowerCase();
  const hash = keccak_256(new TextEncoder().encode(lower));
  let out = "0x";
  for (let i = 0; i < 40; i++) {
    const nibble = (hash[i >> 1] >> (i % 2 === 0 ? 4 : 0)) & 0xf;
    out += nibble >= 8 ? lower[i].toUpperCase() : lower[i];
  }
  return out;
}

/** An address; a mixed-case one must carry a valid EIP-55 checksum (a typo shows there). */
export function parseAddress(name: string, v: string): string {
  const m = /^0x([0-9a-fA-F]{40})$/.exec(v);
  if (!m) throw new InputError(`${name} must be an address (0x + 40 hex digits), got "${v}"`);
  const checksummed = checksumAddress(m[1]);
  const mixed = m[1] !== m[1].toLowerCase() && m[1] !== m[1].toUpperCase();
  if (mixed && checksummed !== v)
    throw new InputError(`${name} ${v} has a bad checksum (did you mean ${checksummed}?)`);
  return checksummed;
}

export function addressOption(name: string) {
  return (v: string): string => parseAddress(name, v);
}

/** A deadline: a unix time in seconds, or +<seconds> from now (resolved against the chain's clock later). */
export function deadlineOption(name: string) {
  return (v: string): { relative: boolean; value: bigint } => {
    const m = /^(\+)?(\d+)$/.exec(v);
    if (!m) throw new InputError(`${name} must be a unix time in seconds or +<seconds>, got "${v}"`);
    const value = BigInt(m[2]);
    if (value >= 1n << 64n) throw new InputError(`${name} ${v} does not fit uint64`);
    return { relative: m[1] === "+", value };
  };
}

/** A JSON file's contents; read and syntax errors are one line naming the file. */
export function readJsonFile(file: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    // JSON.parse quotes the offending text, newlines included: keep the message on one line.
    throw new InputError(`cannot read ${what} ${file}: ${err.code ?? err.message.replace(/\s+/g, " ")}`);
  }
}

/**
 * A model input file: a JSON array of numbers, flat or nested in the model's shape, or
 * { "input": [...] }, or { "shape": [...], "data": [...] } (prover/data/samples.ts).
 */
export function readInputFile(file: string): number[] {
  return parseInput(readJsonFile(file, "input"), file);
}
