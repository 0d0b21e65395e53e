// The `binding` public signal of a model proof submitted to the receipt hub. Model circuits have
// public signals [inputCommitment, output, binding]; the hub, not the prover, chooses binding:
//
//   binding = uint256(keccak256(abi.encode(claimId, beneficiary))) mod r
//
// so a proof holds for one claim and one beneficiary (msg.sender of the submitting transaction)
// and is worthless to anyone who copies it from the mempool. Same computation as
// ReceiptHub._binding / IReceiptHub.bindingOf.
import { AbiCoder, getAddress, isHexString, keccak256 } from "ethers";
import { FIELD_MODULUS } from "../field.js";

/** A claim id or beneficiary is malformed; `field` names which. */
export class BindingInputError extends Error {
  constructor(
    readonly field: "claimId" | "beneficiary",
    readonly value: string,
  ) {
    super(`binding: ${field} ${value} is not ${field === "claimId" ? "a 32-byte hex string" : "an address"}`);
    this.name = "BindingInputError";
  }
}

/** The binding signal for `claimId` (0x-prefixed 32 bytes) and `beneficiary` (address). */
export function bindingFor(claimId: string, beneficiary: string): bigint {
  if (!isHexString(claimId, 32)) throw new BindingInputError("claimId", claimId);
  let who: string;
  try {
    who = getAddress(beneficiary);
  } catch {
    throw new BindingInputError("beneficiary", beneficiary);
  }
  const encoded = AbiCoder.defaultAbiCoder().encode(["bytes32", "address"], [claimId, who]);
  return BigInt(keccak256(encoded)) % FIELD_MODULUS;
}
