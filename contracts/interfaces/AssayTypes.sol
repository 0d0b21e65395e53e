// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice Levels of evidence for one claim, ordered: a higher level is stronger evidence.
/// `None`: not recorded (or refuted). `Signed`: EIP-712 signature of a staked operator.
/// `Attested`: EIP-712 signature of an enclave key registered from an attestation document.
/// `Proven`: a Groth16 proof against the model's registered verifying key.
enum Level {
    None,
    Signed,
    Attested,
    Proven
}

/// @notice The one claim every level signs or proves (EIP-712 type
/// `Claim(bytes32 modelId,uint256 inputCommitment,uint256 output,bytes32 requestId,uint64 deadline)`).
/// Its id is the EIP-712 digest under the receipt hub's domain, so it binds the chain id and the
/// hub's address: a claim recorded on one hub or chain means nothing on another.
/// @param modelId Model version id in the registry (`keccak256(abi.encode(family, version))`).
/// @param inputCommitment Poseidon commitment of the quantized input (a BN254 field element).
/// @param output The model's public output: a packed word of the output values, an unsalted
/// commitment of them, or a label; a field element, and a deterministic function of the input
/// (a salted output would let two true claims differ, and a proof of one would refute the other).
/// @param requestId Caller-chosen request id or nonce; two claims that differ only here are distinct.
/// @param deadline Last timestamp at which the claim may be recorded.
struct Claim {
    bytes32 modelId;
    uint256 inputCommitment;
    uint256 output;
    bytes32 requestId;
    uint64 deadline;
}
