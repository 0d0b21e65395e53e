// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Claim} from "./IReceiptHub.sol";

/// @title IClaimDisputes
/// @notice Disputes over Signed and Attested claims. The staked account behind a claim (its
/// "backer") is the signing operator for Signed and batched claims, and the key's registered
/// operator for Attested claims.
///
/// - Challenges are commit-reveal. A challenger first posts `commitChallenge(keccak256(abi.encode(
///   claimId, challenger, salt)))`, then, in a later block and within the claim's challenge
///   window, `challenge(claimId, salt)` with the bond. A reveal seen in the mempool cannot be
///   copied: the copier has no commitment of its own from an earlier block, and a commitment
///   names its challenger.
/// - The backer (or anyone) defends by proving the claimed output with `submitProven` before the
///   response deadline: the claim becomes Proven and the bond goes to the defender.
/// - Anyone may `refute` a claim whose window is open or whose dispute is open, at once, with a
///   proof that the model on the claim's input commitment gives a different output (sound because
///   outputs are deterministic functions of the input). The claim is refuted, the backer slashed,
///   an Attested claim's key revoked, and an open challenger gets its bond back.
/// - An unanswered challenge is lost by the backer: after the deadline anyone calls
///   `resolveTimeout`, which never calls the verifier.
///
/// Slashing takes `slashAmount` (or what is left) from the backer; `challengerShareBps` (below
/// 100%) of it goes to the winner and the rest to the treasury. The winner is the open challenger
/// whoever refutes (so a refutation cannot take the reward away from the challenger who found the
/// lie), or the refuter when no dispute is open. A lying backer that refutes or challenges its own
/// claim recovers at most the share: it always loses the treasury's part.
/// Front-running: a refutation proof binds the refuter (see IReceiptHub), so copying it from the
/// mempool does not redirect the reward; a challenge cannot be copied (commit-reveal). A verifier
/// that reverts only fails the call that used it (treated as "not proven"); it cannot stop a
/// timeout.
interface IClaimDisputes {
    /// @notice An open dispute.
    struct Dispute {
        address challenger;
        uint40 responseDeadline;
    }

    /// @notice `committer` posted a challenge commitment.
    event ChallengeCommitted(bytes32 indexed commitment, address indexed committer);

    /// @notice `challenger` challenged `claimId` with `bond`; the backer must answer by `responseDeadline`.
    event ClaimChallenged(bytes32 indexed claimId, address indexed challenger, uint256 bond, uint40 responseDeadline);

    /// @notice A proof of the claimed output defeated `challenger`; its bond went to `defender`.
    event ChallengeDefeated(
        bytes32 indexed claimId,
        address indexed challenger,
        address indexed defender,
        uint256 bond
    );

    /// @notice A proof by `refuter` showed output `provenOutput`, not the claimed one; `backer` lost `slashed`.
    event ClaimRefuted(
        bytes32 indexed claimId,
        address indexed refuter,
        address indexed backer,
        uint256 provenOutput,
        uint256 slashed
    );

    /// @notice The backer did not answer `challenger` in time and lost `slashed`.
    event ChallengeTimedOut(
        bytes32 indexed claimId,
        address indexed challenger,
        address indexed backer,
        uint256 slashed
    );

    /// @notice `commitment` was already posted.
    error DisputeCommitmentExists(bytes32 commitment);

    /// @notice No commitment `commitment` (of this claim, challenger and salt) was posted.
    error DisputeNotCommitted(bytes32 commitment);

    /// @notice `commitment` was posted in this block (`committedAt`); reveal in a later one.
    error DisputeCommitmentTooRecent(bytes32 commitment, uint256 committedAt);

    /// @notice `msg.value` is `got`; the challenge bond is `expected`.
    error DisputeWrongBond(uint256 expected, uint256 got);

    /// @notice The claim is `Proven` (or not recorded): nothing to dispute.
    error DisputeNotDisputable(bytes32 claimId);

    /// @notice The challenge window of `claimId` ended at `challengeEnd`.
    error DisputeWindowClosed(bytes32 claimId, uint40 challengeEnd);

    /// @notice `claimId` is already challenged by `challenger`.
    error DisputeAlreadyOpen(bytes32 claimId, address challenger);

    /// @notice No dispute is open on `claimId`.
    error DisputeNotOpen(bytes32 claimId);

    /// @notice The backer may still answer until `responseDeadline`.
    error DisputeResponsePending(bytes32 claimId, uint40 responseDeadline);

    /// @notice The response deadline `responseDeadline` passed: only a timeout or a refutation settles it.
    error DisputeResponseClosed(bytes32 claimId, uint40 responseDeadline);

    /// @notice The proven output equals the claimed output `output`: that confirms, not refutes.
    error DisputeSameOutput(bytes32 claimId, uint256 output);

    /// @notice The refutation proof does not verify against key `keyId` (or the verifier reverted).
    error DisputeProofRejected(bytes32 claimId, bytes32 keyId);

    /// @notice Posts a challenge commitment `keccak256(abi.encode(claimId, challenger, salt))`.
    function commitChallenge(bytes32 commitment) external;

    /// @notice Reveals the caller's commitment and challenges `claimId` with exactly the bond.
    /// Reverts unless the commitment `(claimId, msg.sender, salt)` was posted in an earlier block,
    /// the claim is Signed or Attested, not refuted, not already disputed, and its challenge window
    /// is open.
    function challenge(bytes32 claimId, bytes32 salt) external payable;

    /// @notice Refutes `claim` with a proof for `[inputCommitment, provenOutput, binding(claimId,
    /// msg.sender)]` where `provenOutput != claim.output`. Reverts unless the claim is Signed or
    /// Attested, not refuted, and its window or a dispute on it is open.
    function refute(Claim calldata claim, uint256 provenOutput, uint256[8] calldata proof) external;

    /// @notice Settles an unanswered challenge after its deadline: the claim is refuted and its
    /// backer slashed. Never calls the verifier.
    function resolveTimeout(bytes32 claimId) external;

    /// @notice Block number in which `commitment` was posted (zero when not posted or revealed).
    function challengeCommittedAt(bytes32 commitment) external view returns (uint256);

    /// @notice The open dispute on `claimId` (zero challenger when none).
    function disputeOf(bytes32 claimId) external view returns (Dispute memory);
}
