// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Level} from "../interfaces/IReceiptHub.sol";

/// @title IAssayConsumer
/// @notice A contract that acts on assay claims and says how much evidence it demands. An assay
/// node asked to answer on a consumer's behalf reads `requiredLevel(valueAtRisk)` and gives the
/// cheapest level at least that strong (a caller may ask for more, never less); the consumer then
/// refuses anything weaker when the claim reaches it. {AssayConsumer} implements this interface
/// and the checks; the errors and the event below are the ones it uses, declared here so that
/// off-chain tools decode them from this one ABI.
///
/// Import path after `npm install assay`: `assay/contracts/consumer/IAssayConsumer.sol`.
interface IAssayConsumer {
    /// @notice Claim `claimId` about `modelId` was accepted for a decision putting `valueAtRisk`
    /// at stake, which needed at least `requiredLevel` (the claim may stand higher).
    event AssayClaimAccepted(
        bytes32 indexed claimId,
        bytes32 indexed modelId,
        Level requiredLevel,
        uint256 valueAtRisk
    );

    /// @notice The receipt hub address given to the constructor is zero.
    error AssayConsumerZeroHub();

    /// @notice The claim is about model `got`; the consumer expected `expected`.
    error AssayConsumerWrongModel(bytes32 expected, bytes32 got);

    /// @notice The claim's input commitment is `got`; the consumer expected `expected`.
    error AssayConsumerWrongInput(uint256 expected, uint256 got);

    /// @notice Claim `claimId` was already accepted by this consumer: each claim is acted on once.
    error AssayConsumerClaimAlreadyAccepted(bytes32 claimId);

    /// @notice The two-argument `_acceptClaim` was used, but the consumer's `_expectation` does not
    /// say what the claim must be about.
    error AssayConsumerNoExpectation();

    /// @notice The minimum level of evidence for a decision putting `valueAtRisk` (in the
    /// consumer's own unit: wei, tokens, points) at stake. `Level.None` means no minimum.
    /// Must not revert for any `valueAtRisk`: nodes call it before every request they route.
    function requiredLevel(uint256 valueAtRisk) external view returns (Level);
}
