// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title ReentrancyAttacker (test only)
/// @notice An account that acts through `execute` (staking, challenging, holding a policy, ...) and,
/// when it receives ETH, re-enters with one prepared call and records how that went, then accepts
/// the payment. Tests assert the re-entry was refused (`lastReentryError`) and that balances still
/// reconcile.
contract ReentrancyAttacker {
    address public reentryTarget;
    bytes public reentryData;
    bool public reentryAttempted;
    bool public lastReentrySucceeded;
    bytes public lastReentryError;
    uint256 public received;
    bool public rejecting;

    /// @notice This account refuses payments (set with `setRejecting`).
    error ReentrancyAttackerRejected();

    /// @notice Calls `target` with `data` and `value` (from this contract's balance), bubbling reverts.
    function execute(address target, bytes calldata data, uint256 value) external payable returns (bytes memory) {
        (bool ok, bytes memory ret) = target.call{value: value}(data);
        if (!ok) {
            assembly ("memory-safe") {
                // Bubble the callee's revert data unchanged so tests can match its custom error.
                revert(add(ret, 0x20), mload(ret))
            }
        }
        return ret;
    }

    /// @notice Arms one re-entrant call, made on the next ETH receipt.
    function arm(address target, bytes calldata data) external {
        reentryTarget = target;
        reentryData = data;
        reentryAttempted = false;
        lastReentrySucceeded = false;
        delete lastReentryError;
    }

    /// @notice Makes `receive` revert (a payee that cannot be paid).
    function setRejecting(bool value) external {
        rejecting = value;
    }

    // The attack re-enters from the payout itself.
    // solhint-disable-next-line no-complex-fallback
    receive() external payable {
        if (rejecting) revert ReentrancyAttackerRejected();
        received += msg.value;
        if (reentryTarget == address(0) || reentryAttempted) return;
        reentryAttempted = true;
        // Arbitrary re-entry calldata is the point of this contract.
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory ret) = reentryTarget.call(reentryData);
        lastReentrySucceeded = ok;
        if (!ok) lastReentryError = ret;
    }
}
