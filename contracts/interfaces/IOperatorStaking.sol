// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IOperatorStaking
/// @notice Operators stake (ETH here; every movement of value goes through two internal hooks, so
/// an ERC-20 variant only replaces those) to sign claims. Stake leaves in two steps: request
/// unbonding (the amount stops counting toward the minimum at once), then withdraw after
/// `unbondingDelay`, which outlasts every challenge window and response period, and never while a
/// dispute against the operator is open. Until withdrawn, unbonding stake can still be slashed.
///
/// Payouts (challenge bonds, slashing rewards) are credited, never pushed: each account withdraws
/// its own credit, so a payee that reverts cannot block anything. The contract's balance always
/// equals the sum of all active and unbonding stake, all credits and all open challenge bonds.
interface IOperatorStaking {
    /// @notice An operator's stake. `active` counts toward the minimum; `unbonding` can be
    /// withdrawn from `unbondingReadyAt`; `openDisputes` counts disputes on its claims.
    struct OperatorAccount {
        uint96 active;
        uint96 unbonding;
        uint40 unbondingReadyAt;
        uint24 openDisputes;
    }

    /// @notice `operator` added `amount`; its active stake is now `active`.
    event StakeDeposited(address indexed operator, uint256 amount, uint256 active);

    /// @notice `operator` moved `amount` to unbonding; `unbonding` is withdrawable from `readyAt`.
    event UnbondingRequested(address indexed operator, uint256 amount, uint256 unbonding, uint40 readyAt);

    /// @notice `operator` withdrew `amount` of unbonded stake.
    event StakeWithdrawn(address indexed operator, uint256 amount);

    /// @notice `operator` lost `amount` (active first, then unbonding) over `claimId`.
    event StakeSlashed(address indexed operator, bytes32 indexed claimId, uint256 amount);

    /// @notice `account` was credited `amount` (withdraw with `withdrawCredit`).
    event Credited(address indexed account, uint256 amount);

    /// @notice `account` withdrew its credit `amount`.
    event CreditWithdrawn(address indexed account, uint256 amount);

    /// @notice The amount is zero.
    error OperatorStakingZeroAmount();

    /// @notice The stake would exceed the 96-bit accounting range.
    error OperatorStakingOverflow(uint256 amount);

    /// @notice `operator` has `active` active stake, less than `requested`.
    error OperatorStakingInsufficientStake(address operator, uint256 active, uint256 requested);

    /// @notice `operator` has nothing unbonding.
    error OperatorStakingNothingUnbonding(address operator);

    /// @notice Unbonding stake of `operator` is withdrawable from `readyAt`, not yet.
    error OperatorStakingUnbondingNotReady(address operator, uint40 readyAt);

    /// @notice `count` disputes against `operator` are open; stake cannot leave.
    error OperatorStakingDisputesOpen(address operator, uint256 count);

    /// @notice `account` has no credit.
    error OperatorStakingNoCredit(address account);

    /// @notice Sending `amount` to `to` failed (the credit or stake is kept).
    error OperatorStakingTransferFailed(address to, uint256 amount);

    /// @notice Adds `msg.value` to the caller's active stake.
    function stake() external payable;

    /// @notice Moves `amount` of active stake to unbonding and restarts the unbonding clock for all
    /// of it. Reverts when the active stake is smaller.
    function requestUnbonding(uint256 amount) external;

    /// @notice Sends the caller its unbonded stake. Reverts unless something is unbonding, the
    /// delay has passed and no dispute against the caller is open.
    function withdrawStake() external;

    /// @notice Sends the caller its credit. Reverts when it has none.
    function withdrawCredit() external;

    /// @notice The stake record of `operator`.
    function operatorAccount(address operator) external view returns (OperatorAccount memory);

    /// @notice Credit of `account`.
    function creditOf(address account) external view returns (uint256);

    /// @notice Whether `operator`'s active stake reaches the minimum to sign claims.
    function isStaked(address operator) external view returns (bool);
}
