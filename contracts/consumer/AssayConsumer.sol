// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Claim, IReceiptHub, Level} from "../interfaces/IReceiptHub.sol";
import {ConsequencePolicy} from "../policy/ConsequencePolicy.sol";
import {IAssayConsumer} from "./IAssayConsumer.sol";

/// @title AssayConsumer
/// @notice Base for a contract that acts on assay claims. Before acting on a {Claim} it checks,
/// in this order, and reverts with a custom error at the first failure:
///   1. model: the claim is about the model version the consumer expects (`AssayConsumerWrongModel`);
///   2. input: the claim's input commitment is the one the consumer expects (`AssayConsumerWrongInput`);
///   3. level: the hub holds the claim at least at `requiredLevel(valueAtRisk)`, the consumer's own
///      policy (`ReceiptHubUnknownClaim`, `ReceiptHubClaimRefuted`, `ReceiptHubLevelTooLow`);
///   4. finality: a Signed or Attested claim's challenge window is over and no dispute is open
///      (`ReceiptHubNotFinal`); a Proven claim is final at once;
///   5. backing: a Signed or Attested claim's backer has active stake of at least
///      `_requiredBacking(valueAtRisk, level)` and the protocol minimum (`ReceiptHubBackerUnderstaked`);
///   6. replay (`_acceptClaim` only): this consumer has not accepted the claim before
///      (`AssayConsumerClaimAlreadyAccepted`); the claim is then marked accepted.
/// Checks 3-5 are one view call to the hub, `requireBacking`. The ReceiptHub errors are declared
/// in IReceiptHub.
///
/// The policy is ConsequencePolicy's thresholds, given at construction: up to `signedMax` a final
/// Signed claim suffices, up to `attestedMax` an Attested one, above that only a proof; below
/// Proven the backer's stake must cover the value at risk. Override `requiredLevel` and
/// `_requiredBacking` for another policy. Claims are bound to the hub's domain (chain id, hub
/// address) through their id, so a consumer trusting one hub never accepts another hub's records.
///
/// Import path after `npm install assay`: `assay/contracts/consumer/AssayConsumer.sol`.
abstract contract AssayConsumer is IAssayConsumer {
    using ConsequencePolicy for ConsequencePolicy.Thresholds;

    IReceiptHub private immutable _ASSAY_HUB;
    uint256 private immutable _SIGNED_MAX;
    uint256 private immutable _ATTESTED_MAX;

    mapping(bytes32 claimId => bool) private _accepted;

    /// @notice Trusts receipts recorded by `hub` (the AssayProtocol deployment) and demands the
    /// levels `thresholds` give. Reverts when `hub` is zero or `thresholds` are unordered.
    constructor(IReceiptHub hub, ConsequencePolicy.Thresholds memory thresholds) {
        if (address(hub) == address(0)) revert AssayConsumerZeroHub();
        thresholds.validate();
        _ASSAY_HUB = hub;
        _SIGNED_MAX = thresholds.signedMax;
        _ATTESTED_MAX = thresholds.attestedMax;
    }

    /// @inheritdoc IAssayConsumer
    function requiredLevel(uint256 valueAtRisk) public view virtual returns (Level) {
        return consequenceThresholds().minLevel(valueAtRisk);
    }

    /// @notice The receipt hub whose records this consumer trusts.
    function assayHub() public view returns (IReceiptHub) {
        return _ASSAY_HUB;
    }

    /// @notice The value-at-risk thresholds of the Signed and Attested levels.
    function consequenceThresholds() public view returns (ConsequencePolicy.Thresholds memory) {
        return ConsequencePolicy.Thresholds({signedMax: _SIGNED_MAX, attestedMax: _ATTESTED_MAX});
    }

    /// @notice Whether this consumer has accepted (and so acted on) claim `claimId`.
    function isClaimAccepted(bytes32 claimId) public view returns (bool) {
        return _accepted[claimId];
    }

    /// @notice Accepts `claim` for a decision putting `valueAtRisk` at stake, once: reverts unless
    /// it is about `modelId` and `inputCommitment`, stands final at `requiredLevel(valueAtRisk)`
    /// with enough backing, and was not accepted before; then records it and emits
    /// {AssayClaimAccepted}. Returns the claim's id and output.
    function _acceptClaim(
        Claim calldata claim,
        bytes32 modelId,
        uint256 inputCommitment,
        uint256 valueAtRisk
    ) internal returns (bytes32 claimId, uint256 output) {
        Level level;
        (claimId, output, level) = _standing(claim, modelId, inputCommitment, valueAtRisk);
        if (_accepted[claimId]) revert AssayConsumerClaimAlreadyAccepted(claimId);
        _accepted[claimId] = true;
        emit AssayClaimAccepted(claimId, modelId, level, valueAtRisk);
    }

    /// @notice `_acceptClaim` with the model and input commitment `_expectation(claim)` names: for
    /// consumers whose own state says what a claim must be about. Reverts
    /// `AssayConsumerNoExpectation` when `_expectation` is not overridden (or knows none).
    function _acceptClaim(
        Claim calldata claim,
        uint256 valueAtRisk
    ) internal returns (bytes32 claimId, uint256 output) {
        (bool known, bytes32 modelId, uint256 inputCommitment) = _expectation(claim);
        if (!known) revert AssayConsumerNoExpectation();
        return _acceptClaim(claim, modelId, inputCommitment, valueAtRisk);
    }

    /// @notice The checks of `_acceptClaim` but the replay check, recording nothing: for decisions
    /// that may rest on the same claim more than once (a price or a fee read again). Reverts
    /// unless `claim` is about `modelId` and `inputCommitment` and stands final at
    /// `requiredLevel(valueAtRisk)` with enough backing. Returns the claim's id and output.
    function _checkClaim(
        Claim calldata claim,
        bytes32 modelId,
        uint256 inputCommitment,
        uint256 valueAtRisk
    ) internal view returns (bytes32 claimId, uint256 output) {
        (claimId, output, ) = _standing(claim, modelId, inputCommitment, valueAtRisk);
    }

    /// @notice What a claim must be about for the two-argument `_acceptClaim`: `known` false (the
    /// default) refuses it; else the claim's model must be `modelId` and its input commitment
    /// `inputCommitment`. Override it to read the consumer's state, or to recompute the commitment
    /// of data the consumer holds.
    function _expectation(
        Claim calldata claim
    ) internal view virtual returns (bool known, bytes32 modelId, uint256 inputCommitment) {}

    /// @notice The active stake a Signed or Attested claim's backer must hold for a decision
    /// putting `valueAtRisk` at stake: by default the value at risk (a Proven claim needs none).
    /// The hub also demands the protocol minimum.
    function _requiredBacking(uint256 valueAtRisk, Level level) internal view virtual returns (uint256) {
        return level == Level.Proven ? 0 : valueAtRisk;
    }

    /// @dev Checks 1-5 (see the contract's notes); returns the claim's id, output and required level.
    function _standing(
        Claim calldata claim,
        bytes32 modelId,
        uint256 inputCommitment,
        uint256 valueAtRisk
    ) private view returns (bytes32 claimId, uint256 output, Level level) {
        if (claim.modelId != modelId) revert AssayConsumerWrongModel(modelId, claim.modelId);
        if (claim.inputCommitment != inputCommitment) {
            revert AssayConsumerWrongInput(inputCommitment, claim.inputCommitment);
        }
        level = requiredLevel(valueAtRisk);
        (claimId, output) = _ASSAY_HUB.requireBacking(claim, level, _requiredBacking(valueAtRisk, level));
    }
}
