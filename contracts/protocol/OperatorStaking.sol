// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IOperatorStaking} from "../interfaces/IOperatorStaking.sol";

/// @title OperatorStaking
/// @notice Operator stakes, unbonding, slashing and pull-payment credits (see IOperatorStaking).
/// @dev Value moves only through `_receiveValue` and `_sendValue`; an ERC-20 variant overrides
/// those two (and drops `payable`). Every payout is a credit withdrawn by its owner under a
/// reentrancy guard, state cleared before the transfer.
abstract contract OperatorStaking is IOperatorStaking, ReentrancyGuardTransient {
    /// @dev Active stake an operator needs to sign claims or post batches.
    uint96 internal immutable _MIN_STAKE;
    /// @dev Seconds between an unbonding request and the withdrawal.
    uint32 internal immutable _UNBONDING_DELAY;

    mapping(address operator => OperatorAccount) private _accounts;
    mapping(address account => uint256) private _credits;

    constructor(uint96 minStake_, uint32 unbondingDelay_) {
        _MIN_STAKE = minStake_;
        _UNBONDING_DELAY = unbondingDelay_;
    }

    /// @inheritdoc IOperatorStaking
    function stake() external payable {
        uint256 amount = _receiveValue();
        if (amount == 0) revert OperatorStakingZeroAmount();
        OperatorAccount storage account = _accounts[msg.sender];
        uint256 active = uint256(account.active) + amount;
        // Active plus unbonding stays within 96 bits, so both fit and their sum never wraps.
        if (active + account.unbonding > type(uint96).max) revert OperatorStakingOverflow(amount);
        account.active = uint96(active);
        emit StakeDeposited(msg.sender, amount, active);
    }

    /// @inheritdoc IOperatorStaking
    function requestUnbonding(uint256 amount) external {
        if (amount == 0) revert OperatorStakingZeroAmount();
        OperatorAccount storage account = _accounts[msg.sender];
        uint256 active = account.active;
        if (amount > active) revert OperatorStakingInsufficientStake(msg.sender, active, amount);
        // amount <= active, and active + unbonding < 2^96 (checked in `stake`; slashing only lowers
        // both), so neither the subtraction nor the addition wraps.
        uint96 unbonding;
        unchecked {
            account.active = uint96(active - amount);
            unbonding = account.unbonding + uint96(amount);
        }
        uint40 readyAt = uint40(block.timestamp + _UNBONDING_DELAY);
        account.unbonding = unbonding;
        account.unbondingReadyAt = readyAt;
        emit UnbondingRequested(msg.sender, amount, unbonding, readyAt);
    }

    /// @inheritdoc IOperatorStaking
    function withdrawStake() external nonReentrant {
        OperatorAccount storage account = _accounts[msg.sender];
        uint256 amount = account.unbonding;
        if (amount == 0) revert OperatorStakingNothingUnbonding(msg.sender);
        if (block.timestamp < account.unbondingReadyAt) {
            revert OperatorStakingUnbondingNotReady(msg.sender, account.unbondingReadyAt);
        }
        if (account.openDisputes != 0) revert OperatorStakingDisputesOpen(msg.sender, account.openDisputes);
        account.unbonding = 0;
        account.unbondingReadyAt = 0;
        emit StakeWithdrawn(msg.sender, amount);
        _sendValue(msg.sender, amount);
    }

    /// @inheritdoc IOperatorStaking
    function withdrawCredit() external nonReentrant {
        uint256 amount = _credits[msg.sender];
        if (amount == 0) revert OperatorStakingNoCredit(msg.sender);
        _credits[msg.sender] = 0;
        emit CreditWithdrawn(msg.sender, amount);
        _sendValue(msg.sender, amount);
    }

    /// @inheritdoc IOperatorStaking
    function operatorAccount(address operator) external view returns (OperatorAccount memory) {
        return _accounts[operator];
    }

    /// @inheritdoc IOperatorStaking
    function creditOf(address account) external view returns (uint256) {
        return _credits[account];
    }

    /// @inheritdoc IOperatorStaking
    function isStaked(address operator) external view returns (bool) {
        return _accounts[operator].active >= _MIN_STAKE;
    }

    /// @notice Active stake an operator needs to sign claims or post batches.
    function minStake() external view returns (uint256) {
        return _MIN_STAKE;
    }

    /// @notice Seconds between an unbonding request and the withdrawal.
    function unbondingDelay() external view returns (uint256) {
        return _UNBONDING_DELAY;
    }

    /// @dev Active stake of `operator` (one storage read: the account is one slot).
    function _activeStake(address operator) internal view returns (uint256) {
        return _accounts[operator].active;
    }

    /// @dev Takes up to `amount` from `operator`, active stake first, then unbonding; returns what
    /// was taken. The caller credits it: slashed value never leaves the accounting.
    function _slash(address operator, bytes32 claimId, uint256 amount) internal returns (uint256 taken) {
        OperatorAccount storage account = _accounts[operator];
        uint256 active = account.active;
        uint256 unbonding = account.unbonding;
        uint256 fromActive = amount < active ? amount : active;
        uint256 rest = amount - fromActive;
        uint256 fromUnbonding = rest < unbonding ? rest : unbonding;
        // Each part is at most the 96-bit balance it is taken from.
        unchecked {
            account.active = uint96(active - fromActive);
            account.unbonding = uint96(unbonding - fromUnbonding);
            taken = fromActive + fromUnbonding;
        }
        if (taken != 0) emit StakeSlashed(operator, claimId, taken);
    }

    /// @dev Counts a dispute opened against `operator` (blocks its withdrawals while open).
    function _openDispute(address operator) internal {
        ++_accounts[operator].openDisputes;
    }

    /// @dev Counts a dispute against `operator` closed.
    function _closeDispute(address operator) internal {
        --_accounts[operator].openDisputes;
    }

    /// @dev Adds `amount` to `account`'s withdrawable credit.
    function _credit(address account, uint256 amount) internal {
        if (amount == 0) return;
        _credits[account] += amount;
        emit Credited(account, amount);
    }

    /// @dev Value received with the current call (ETH: msg.value).
    function _receiveValue() internal virtual returns (uint256) {
        return msg.value;
    }

    /// @dev Sends `amount` to `to`; reverts (keeping the caller's state change undone) on failure.
    function _sendValue(address to, uint256 amount) internal virtual {
        (bool ok, ) = to.call{value: amount}("");
        if (!ok) revert OperatorStakingTransferFailed(to, amount);
    }
}
