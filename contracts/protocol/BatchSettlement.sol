// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {Claim, Level} from "../interfaces/IReceiptHub.sol";
import {IBatchSettlement} from "../interfaces/IBatchSettlement.sol";
import {ReceiptHub} from "./ReceiptHub.sol";

/// @title BatchSettlement
/// @notice Merkle roots of many Signed claims (see IBatchSettlement).
/// @dev A batch is one storage word, whatever its size; a check is one read plus the proof's hashes.
abstract contract BatchSettlement is IBatchSettlement, ReceiptHub {
    mapping(address operator => mapping(bytes32 root => Batch)) private _batches;

    /// @inheritdoc IBatchSettlement
    function postBatch(bytes32 root, uint256 size) external {
        if (root == 0) revert BatchZeroRoot();
        Batch storage batch = _batches[msg.sender][root];
        if (batch.operator != address(0)) revert BatchRootExists(msg.sender, root);
        uint256 active = _activeStake(msg.sender);
        if (active < _MIN_STAKE) revert ReceiptHubSignerNotStaked(msg.sender, active, _MIN_STAKE);
        uint40 importDeadline = uint40(block.timestamp + _CHALLENGE_WINDOW);
        _batches[msg.sender][root] = Batch({
            operator: msg.sender,
            postedAt: uint40(block.timestamp),
            importDeadline: importDeadline
        });
        emit BatchPosted(root, msg.sender, size, importDeadline);
    }

    /// @inheritdoc IBatchSettlement
    function checkBatchedClaim(
        address operator,
        bytes32 root,
        Claim calldata claim,
        bytes32[] calldata proof
    ) external view returns (bytes32 claimId) {
        claimId = _claimIdOf(claim);
        if (_batches[operator][root].operator == address(0)) revert BatchUnknownRoot(operator, root);
        if (!MerkleProof.verifyCalldata(proof, root, _leaf(claimId))) revert BatchNotMember(root, claimId);
    }

    /// @inheritdoc IBatchSettlement
    function importBatchedClaim(
        address operator,
        bytes32 root,
        Claim calldata claim,
        bytes32[] calldata proof
    ) external returns (bytes32 claimId) {
        claimId = _claimIdOf(claim);
        Batch memory batch = _batches[operator][root];
        if (batch.operator == address(0)) revert BatchUnknownRoot(operator, root);
        if (block.timestamp > batch.importDeadline) revert BatchImportClosed(root, batch.importDeadline);
        if (claim.deadline < batch.postedAt) revert BatchClaimExpired(claimId, claim.deadline, batch.postedAt);
        if (!MerkleProof.verifyCalldata(proof, root, _leaf(claimId))) revert BatchNotMember(root, claimId);
        _requireUnrecorded(claimId, claim);
        _requireAccepts(claim.modelId, Level.Signed);
        uint256 active = _activeStake(operator);
        if (active < _MIN_STAKE) revert ReceiptHubSignerNotStaked(operator, active, _MIN_STAKE);
        _store(claimId, _receipt(Level.Signed, _BATCHED, _challengeEndFromNow(), operator));
        emit ClaimSigned(claimId, operator);
        emit BatchClaimImported(claimId, operator, root);
    }

    /// @inheritdoc IBatchSettlement
    function batchOf(address operator, bytes32 root) external view returns (Batch memory) {
        return _batches[operator][root];
    }

    /// @inheritdoc IBatchSettlement
    function batchLeafOf(bytes32 claimId) external pure returns (bytes32) {
        return _leaf(claimId);
    }

    function _leaf(bytes32 claimId) private pure returns (bytes32) {
        return keccak256(abi.encode(claimId));
    }
}
