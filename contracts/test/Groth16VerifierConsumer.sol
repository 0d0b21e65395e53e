// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IGroth16Verifier} from "../interfaces/IGroth16Verifier.sol";

/// @title Groth16VerifierConsumer
/// @notice Test and bench helper: a dApp-shaped caller that verifies and records the verdict, so
/// gas is measured the way a real consumer pays it (external call plus one storage write).
contract Groth16VerifierConsumer {
    IGroth16Verifier private immutable _VERIFIER;

    /// @notice Verdict of the last `verifyAndRecord`.
    bool public lastVerdict;
    /// @notice Number of `verifyAndRecord` calls so far.
    uint256 public calls;

    constructor(IGroth16Verifier verifier) {
        _VERIFIER = verifier;
    }

    /// @notice Verifies through the shared verifier and stores the verdict.
    function verifyAndRecord(
        bytes32 keyId,
        uint256[8] calldata proof,
        uint256[] calldata publicSignals
    ) external returns (bool verdict) {
        verdict = _VERIFIER.verify(keyId, proof, publicSignals);
        lastVerdict = verdict;
        ++calls;
    }
}
