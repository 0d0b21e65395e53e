// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Claim, Level} from "../interfaces/IReceiptHub.sol";
import {IClaimDisputes} from "../interfaces/IClaimDisputes.sol";
import {ReceiptHub} from "./ReceiptHub.sol";

/// @title ClaimDisputes
/// @notice Challenges, refutations by proof, and timeouts (see IClaimDisputes).
/// @dev Value only moves as credits (pull payments), so no resolution path calls an untrusted
/// account; the verifier is called through `_verifies`, which turns its reverts into "not proven",
/// and `resolveTimeout` does not call it at all.
abstract contract ClaimDisputes is IClaimDisputes, ReceiptHub {
    uint256 private constant _BPS = 10_000;

    /// @dev Exact value a challenge must send.
    uint96 internal immutable _CHALLENGE_BOND;
    /// @dev Stake taken from the backer of a refuted claim (or what it has left).
    uint96 internal immutable _SLASH_AMOUNT;
    /// @dev Part of the slashed stake that goes to the winner, in basis points; the rest to the treasury.
    uint16 internal immutable _CHALLENGER_SHARE_BPS;
    /// @dev Seconds the backer has to answer a challenge with a proof.
    uint32 internal immutable _RESPONSE_WINDOW;
    /// @dev Receives the part of slashed stake that does not go to the winner.
    address internal immutable _TREASURY;

    mapping(bytes32 claimId => Dispute) private _disputes;
    mapping(bytes32 commitment => uint256 blockNumber) private _commitments;

    constructor(
        uint96 challengeBond_,
        uint96 slashAmount_,
        uint16 challengerShareBps_,
        uint32 responseWindow_,
        address treasury_
    ) {
        _CHALLENGE_BOND = challengeBond_;
        _SLASH_AMOUNT = slashAmount_;
        _CHALLENGER_SHARE_BPS = challengerShareBps_;
        _RESPONSE_WINDOW = responseWindow_;
        _TREASURY = treasury_;
    }

    /// @inheritdoc IClaimDisputes
    function commitChallenge(bytes32 commitment) external {
        if (_commitments[commitment] != 0) revert DisputeCommitmentExists(commitment);
        _commitments[commitment] = block.number;
        emit ChallengeCommitted(commitment, msg.sender);
    }

    /// @inheritdoc IClaimDisputes
    function challenge(bytes32 claimId, bytes32 salt) external payable {
        uint256 bond = _receiveValue();
        if (bond != _CHALLENGE_BOND) revert DisputeWrongBond(_CHALLENGE_BOND, bond);
        bytes32 commitment = keccak256(abi.encode(claimId, msg.sender, salt));
        uint256 committedAt = _commitments[commitment];
        if (committedAt == 0) revert DisputeNotCommitted(commitment);
        if (committedAt >= block.number) revert DisputeCommitmentTooRecent(commitment, committedAt);
        delete _commitments[commitment];
        uint256 word = _receiptWord(claimId);
        uint256 level = word & _LEVEL_MASK;
        if (level == uint256(Level.None) || level == uint256(Level.Proven)) revert DisputeNotDisputable(claimId);
        if (word & _REFUTED != 0) revert ReceiptHubClaimRefuted(claimId);
        if (word & _DISPUTED != 0) revert DisputeAlreadyOpen(claimId, _disputes[claimId].challenger);
        uint40 end = _challengeEndOf(word);
        if (block.timestamp > end) revert DisputeWindowClosed(claimId, end);

        uint40 responseDeadline = uint40(block.timestamp + _RESPONSE_WINDOW);
        _disputes[claimId] = Dispute({challenger: msg.sender, responseDeadline: responseDeadline});
        _setReceiptWord(claimId, word | _DISPUTED);
        address backer = _backerOf(word);
        if (backer != address(0)) _openDispute(backer);
        emit ClaimChallenged(claimId, msg.sender, bond, responseDeadline);
    }

    /// @inheritdoc IClaimDisputes
    function refute(Claim calldata claim, uint256 provenOutput, uint256[8] calldata proof) external {
        bytes32 claimId = _claimIdOf(claim);
        uint256 word = _receiptWord(claimId);
        if (word == 0) revert ReceiptHubUnknownClaim(claimId);
        if (word & _REFUTED != 0) revert ReceiptHubClaimRefuted(claimId);
        uint256 level = word & _LEVEL_MASK;
        if (level == uint256(Level.Proven)) revert DisputeNotDisputable(claimId);
        bool disputed = word & _DISPUTED != 0;
        if (!disputed && block.timestamp > _challengeEndOf(word))
            revert DisputeWindowClosed(claimId, _challengeEndOf(word));
        if (provenOutput == claim.output) revert DisputeSameOutput(claimId, provenOutput);
        bytes32 keyId = _verifyingKeyOf(claim.modelId);
        if (!_verifies(keyId, proof, claim.inputCommitment, provenOutput, _binding(claimId, msg.sender))) {
            revert DisputeProofRejected(claimId, keyId);
        }

        _setReceiptWord(claimId, (word & ~_DISPUTED) | _REFUTED);
        address backer = _backerOf(word);
        if (level == uint256(Level.Attested)) _revokeKeyByProof(_signerOf(word));
        // The open challenger found the lie first: the share is its, whoever proves it.
        address winner = msg.sender;
        if (disputed) {
            winner = _disputes[claimId].challenger;
            delete _disputes[claimId];
            if (backer != address(0)) _closeDispute(backer);
            _credit(winner, _CHALLENGE_BOND);
        }
        uint256 slashed = backer == address(0) ? 0 : _slash(backer, claimId, _SLASH_AMOUNT);
        _payOut(winner, slashed);
        emit ClaimRefuted(claimId, msg.sender, backer, provenOutput, slashed);
    }

    /// @inheritdoc IClaimDisputes
    function resolveTimeout(bytes32 claimId) external {
        uint256 word = _receiptWord(claimId);
        if (word & _DISPUTED == 0) revert DisputeNotOpen(claimId);
        Dispute memory dispute = _disputes[claimId];
        if (block.timestamp <= dispute.responseDeadline)
            revert DisputeResponsePending(claimId, dispute.responseDeadline);

        _setReceiptWord(claimId, (word & ~_DISPUTED) | _REFUTED);
        delete _disputes[claimId];
        address backer = _backerOf(word);
        uint256 slashed;
        if (backer != address(0)) {
            _closeDispute(backer);
            slashed = _slash(backer, claimId, _SLASH_AMOUNT);
        }
        _credit(dispute.challenger, _CHALLENGE_BOND);
        _payOut(dispute.challenger, slashed);
        emit ChallengeTimedOut(claimId, dispute.challenger, backer, slashed);
    }

    /// @inheritdoc IClaimDisputes
    function challengeCommittedAt(bytes32 commitment) external view returns (uint256) {
        return _commitments[commitment];
    }

    /// @inheritdoc IClaimDisputes
    function disputeOf(bytes32 claimId) external view returns (Dispute memory) {
        return _disputes[claimId];
    }

    /// @notice Exact value a challenge must send.
    function challengeBond() external view returns (uint256) {
        return _CHALLENGE_BOND;
    }

    /// @notice Seconds the backer has to answer a challenge.
    function responseWindow() external view returns (uint256) {
        return _RESPONSE_WINDOW;
    }

    /// @inheritdoc ReceiptHub
    function _checkDefence(bytes32 claimId) internal view override {
        uint40 deadline = _disputes[claimId].responseDeadline;
        if (block.timestamp > deadline) revert DisputeResponseClosed(claimId, deadline);
    }

    /// @inheritdoc ReceiptHub
    function _settleDefence(bytes32 claimId, uint256 word, address defender) internal override {
        address challenger = _disputes[claimId].challenger;
        delete _disputes[claimId];
        address backer = _backerOf(word);
        if (backer != address(0)) _closeDispute(backer);
        _credit(defender, _CHALLENGE_BOND);
        emit ChallengeDefeated(claimId, challenger, defender, _CHALLENGE_BOND);
    }

    /// @dev Splits slashed stake between the winner and the treasury.
    function _payOut(address winner, uint256 slashed) private {
        uint256 share = (slashed * _CHALLENGER_SHARE_BPS) / _BPS;
        _credit(winner, share);
        _credit(_TREASURY, slashed - share);
    }
}
