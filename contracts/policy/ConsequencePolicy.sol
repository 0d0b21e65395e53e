// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Level} from "../interfaces/IReceiptHub.sol";

/// @title ConsequencePolicy
/// @notice How much evidence a decision needs, by how much value it puts at risk. A dApp keeps its
/// own thresholds (in its own unit: wei, tokens, points) and asks for the minimum level:
///
///     value <= signedMax                 -> Signed    (a staked operator's word, disputable)
///     signedMax < value <= attestedMax   -> Attested  (an approved enclave's word, disputable)
///     value > attestedMax                -> Proven    (a Groth16 proof)
///
/// `attestedMax == signedMax` skips Attested (models without approved enclave images);
/// `signedMax == 0` and `attestedMax == 0` demand a proof for every non-zero value.
library ConsequencePolicy {
    /// @notice Value-at-risk thresholds (inclusive upper bounds) of the two cheap levels.
    struct Thresholds {
        uint256 signedMax;
        uint256 attestedMax;
    }

    /// @notice The Signed threshold exceeds the Attested one.
    error ConsequencePolicyUnorderedThresholds(uint256 signedMax, uint256 attestedMax);

    /// @notice Reverts unless `signedMax <= attestedMax`.
    function validate(Thresholds memory thresholds) internal pure {
        if (thresholds.signedMax > thresholds.attestedMax) {
            revert ConsequencePolicyUnorderedThresholds(thresholds.signedMax, thresholds.attestedMax);
        }
    }

    /// @notice The minimum level of evidence for a decision putting `valueAtRisk` at stake.
    function minLevel(Thresholds memory thresholds, uint256 valueAtRisk) internal pure returns (Level) {
        if (valueAtRisk <= thresholds.signedMax) return Level.Signed;
        if (valueAtRisk <= thresholds.attestedMax) return Level.Attested;
        return Level.Proven;
    }
}
