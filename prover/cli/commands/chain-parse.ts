// Parsers for chain-related option values, each failing with a message that names the option.
import { getAddress, isAddress, isHexString, parseEther } from "ethers";
import { InputError } from "../../errors.js";

export function ethOption(name: string) {
  return (v: string): bigint => {
    let wei: bigint;
    try {
      wei = parseEther(v);
    } catch {
      throw new InputError(`${name} must be an amount of ETH like 1 or 0.25, got "${v}"`);
    }
    if (wei < 0n) throw new InputError(`${name} must not be negative, got "${v}"`);
    return wei;
  };
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
    if (!isHexString(v, 32)) throw new InputError(`${name} must be 32 bytes of 0x-prefixed hex, got "${v}"`);
    return v.toLowerCase();
  };
}

/** Repeatable bytes32 option (`--image a --image b`). */
export function bytes32ListOption(name: string) {
  const one = bytes32Option(name);
  return (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), one(v)];
}

export function addressOption(name: string) {
  return (v: string): string => {
    if (!isAddress(v)) throw new InputError(`${name} must be an address, got "${v}"`);
    return getAddress(v);
  };
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
