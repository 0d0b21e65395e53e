// Turns a failed call or transaction into the contract's custom error by name, with its
// arguments: "ReceiptHubProofRejected(claimId=0x.., keyId=0x..)". The revert data is looked for
// wherever ethers v6 and Hardhat's providers put it.
import type { ErrorDescription, Interface } from "ethers";
import { AssayError } from "../errors.js";

/** A contract call reverted; `reason` is the decoded custom error (or what is known of it). */
export class ContractRevertError extends AssayError {
  constructor(
    readonly action: string,
    readonly errorName: string | undefined,
    readonly args: Record<string, string>,
    readonly reason: string,
  ) {
    super(`${action} reverted: ${reason}`);
  }
}

function* candidates(e: unknown, depth = 0): Generator<string> {
  if (!e || typeof e !== "object" || depth > 5) return;
  const o = e as Record<string, unknown>;
  for (const k of ["data", "returnData"]) {
    const v = o[k];
    if (typeof v === "string" && /^0x[0-9a-fA-F]*$/.test(v) && v.length >= 10) yield v;
    if (v && typeof v === "object") {
      const d = (v as { data?: unknown }).data;
      if (typeof d === "string" && /^0x[0-9a-fA-F]*$/.test(d) && d.length >= 10) yield d;
    }
  }
  for (const k of ["error", "info", "cause", "parent"]) yield* candidates(o[k], depth + 1);
}

function formatArg(v: unknown): string {
  if (typeof v === "bigint") return v.toString();
  if (Array.isArray(v)) return `[${v.map(formatArg).join(", ")}]`;
  return String(v);
}

export function describeError(d: ErrorDescription): { name: string; args: Record<string, string>; text: string } {
  const args: Record<string, string> = {};
  d.fragment.inputs.forEach((p, i) => {
    args[p.name || `arg${i}`] = formatArg(d.args[i]);
  });
  const text = `${d.name}(${Object.entries(args)
    .map(([k, v]) => `${k}=${v}`)
    .join(", ")})`;
  return { name: d.name, args, text };
}

function parseErrorOrNull(iface: Interface, data: string): ErrorDescription | null {
  try {
    return iface.parseError(data);
  } catch {
    return null;
  }
}

/** The custom error in `e` decoded with the first interface that knows it; undefined when none does. */
export function decodeRevert(
  e: unknown,
  ifaces: readonly Interface[],
): { name: string; args: Record<string, string>; text: string } | undefined {
  for (const data of candidates(e)) {
    for (const iface of ifaces) {
      const d = parseErrorOrNull(iface, data);
      if (d) return describeError(d);
    }
  }
  return undefined;
}

/**
 * Runs `fn` (a static call, a transaction and its receipt); a revert becomes a ContractRevertError
 * naming the custom error. Other failures (network, bad arguments) pass through.
 */
export async function withRevertReason<T>(
  action: string,
  ifaces: readonly Interface[],
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    const d = decodeRevert(e, ifaces);
    if (d) throw new ContractRevertError(action, d.name, d.args, d.text);
    const err = e as { code?: string; shortMessage?: string; message?: string };
    if (err.code === "CALL_EXCEPTION")
      throw new ContractRevertError(action, undefined, {}, err.shortMessage ?? "execution reverted (no reason)");
    throw e;
  }
}
