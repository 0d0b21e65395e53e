// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Claim, IReceiptHub, Level} from "../interfaces/IReceiptHub.sol";

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
///
/// Below Proven a claim is only as good as the stake behind it, so `check` also asks the hub for a
/// backer whose active stake covers the value at risk (`requirementFor`). A lie costs its backer
/// the protocol's slash amount (or what it has left): a backing stake at least the value at risk
/// guarantees there is that much to take, not that all of it is taken.
library ConsequencePolicy {
    /// @notice Value-at-risk thresholds (inclusive upper bounds) of the two cheap levels.
    struct Thresholds {
        uint256 signedMax;
        uint256 attestedMax;
    }

    /// @notice What a consumer demands of a claim: its level and, below Proven, the backer's stake.
    struct Requirement {
        Level level;
        uint256 minBackingStake;
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

    /// @notice The level `valueAtRisk` needs and, below Proven, a backing stake of at least `valueAtRisk`.
    function requirementFor(
        Thresholds memory thresholds,
        uint256 valueAtRisk
    ) internal pure returns (Requirement memory requirement) {
        requirement.level = minLevel(thresholds, valueAtRisk);
        if (requirement.level != Level.Proven) requirement.minBackingStake = valueAtRisk;
    }

    /// @notice Reverts unless `hub` holds `claim` final at the level `valueAtRisk` needs and, below
    /// Proven, backed by active stake of at least `valueAtRisk`; returns its id and output.
    function check(
        Thresholds memory thresholds,
        IReceiptHub hub,
        Claim calldata claim,
        uint256 valueAtRisk
    ) internal view returns (bytes32 claimId, uint256 output) {
        Requirement memory requirement = requirementFor(thresholds, valueAtRisk);
        return hub.requireBacking(claim, requirement.level, requirement.minBackingStake);
    }
}
