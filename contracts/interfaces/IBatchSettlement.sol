// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Claim} from "./IReceiptHub.sol";

/// @title IBatchSettlement
/// @notice Many Signed claims settled as one Merkle root. A staked operator posts the root of a
/// tree whose leaves are `keccak256(abi.encode(claimId))` (claim ids as in IReceiptHub; pairs
/// hashed in sorted order, as OpenZeppelin's MerkleProof expects); posting the root is its
/// signature on every leaf. Any one claim is then checked against the root with its Merkle proof,
/// and imported as a Signed receipt backed by the operator, after which it can be raised,
/// challenged or refuted like any other.
///
/// Import is open until `importDeadline` (root posted + challenge window) and gives the claim a
/// full challenge window from the import itself, so an operator that withholds the leaves cannot
/// make a false claim final unseen; the unbonding delay outlasts both windows and the response.
///
/// Batches are keyed by (operator, root): posting a root is only ever a statement of its poster,
/// so another staked account posting the same root first neither becomes the backer of the
/// operator's claims nor blocks the operator's own posting. Imports name the operator. A claim is
/// imported only while its operator's active stake reaches the minimum.
interface IBatchSettlement {
    /// @notice A posted batch (zero operator when unknown).
    struct Batch {
        address operator;
        uint40 postedAt;
        uint40 importDeadline;
    }

    /// @notice `operator` posted `root` committing to `size` claims.
    event BatchPosted(bytes32 indexed root, address indexed operator, uint256 size, uint40 importDeadline);

    /// @notice `claimId` was imported from batch `root` (after its `ClaimSigned` event).
    event BatchClaimImported(bytes32 indexed claimId, address indexed operator, bytes32 indexed root);

    /// @notice The root is zero.
    error BatchZeroRoot();

    /// @notice `operator` already posted `root`.
    error BatchRootExists(address operator, bytes32 root);

    /// @notice `operator` has not posted `root`.
    error BatchUnknownRoot(address operator, bytes32 root);

    /// @notice The Merkle proof does not place `claimId` under `root`.
    error BatchNotMember(bytes32 root, bytes32 claimId);

    /// @notice Imports from `root` closed at `importDeadline`.
    error BatchImportClosed(bytes32 root, uint40 importDeadline);

    /// @notice The claim's `deadline` was before the batch was posted (`postedAt`).
    error BatchClaimExpired(bytes32 claimId, uint64 deadline, uint40 postedAt);

    /// @notice Posts a batch root as the caller's. Reverts unless the caller is staked and the root
    /// is nonzero and new for the caller.
    function postBatch(bytes32 root, uint256 size) external;

    /// @notice Returns `claim`'s id when `proof` places it under `operator`'s `root`; reverts otherwise.
    function checkBatchedClaim(
        address operator,
        bytes32 root,
        Claim calldata claim,
        bytes32[] calldata proof
    ) external view returns (bytes32 claimId);

    /// @notice Records a batched claim as Signed by the batch's operator. Reverts unless it is a
    /// member, imports are open, its deadline is not before the posting, it is not recorded, its
    /// fields are field elements, its model is active and allows Signed, and the operator's active
    /// stake reaches the minimum.
    function importBatchedClaim(
        address operator,
        bytes32 root,
        Claim calldata claim,
        bytes32[] calldata proof
    ) external returns (bytes32 claimId);

    /// @notice The batch `operator` posted under `root` (zero operator when none).
    function batchOf(address operator, bytes32 root) external view returns (Batch memory);

    /// @notice The Merkle leaf of `claimId`: `keccak256(abi.encode(claimId))`.
    function batchLeafOf(bytes32 claimId) external pure returns (bytes32);
}
