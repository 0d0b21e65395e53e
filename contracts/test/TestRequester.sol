// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAssayConsumer} from "../consumer/IAssayConsumer.sol";
import {Level} from "../interfaces/IReceiptHub.sol";
import {InputTensor} from "../requests/AssayInput.sol";
import {IAssayRequester, IAssayRequestHub} from "../requests/IAssayRequestHub.sol";

/// @title TestRequester
/// @notice Test-only requester for AssayRequestHub: a settable policy and a callback that records
/// the result, reverts, burns all its gas, returns a huge payload or calls back into the hub.
contract TestRequester is IAssayRequester {
    /// @notice Callback behaviours.
    enum Mode {
        Record,
        Revert,
        BurnGas,
        ReturnBomb,
        Reenter
    }

    /// @notice The caller of the callback is not the hub.
    error TestRequesterNotHub(address caller);
    /// @notice Mode Revert.
    error TestRequesterRefused(bytes32 requestId);

    IAssayRequestHub private immutable _HUB;
    Level private _level = Level.Signed;
    Mode private _mode;
    bytes private _reentry;

    /// @notice Results received: request, claim, output, level.
    bytes32 public lastRequestId;
    bytes32 public lastClaimId;
    uint256 public lastOutput;
    Level public lastLevel;
    uint256 public calls;
    /// @notice Outcome of the last reentering call (mode Reenter) and its return data.
    bool public reentrySucceeded;
    bytes public reentryReturn;

    constructor(IAssayRequestHub hub_) {
        _HUB = hub_;
    }

    /// @notice Accepts refunds the hub sends on withdraw.
    receive() external payable {}

    /// @notice Sets the level `requiredLevel` answers for every value.
    function setLevel(Level level) external {
        _level = level;
    }

    /// @notice Sets the callback's behaviour; `reentry` is the hub calldata for mode Reenter.
    function setMode(Mode mode, bytes calldata reentry) external {
        _mode = mode;
        _reentry = reentry;
    }

    /// @notice Requests an inference, paying `msg.value`.
    function ask(
        bytes32 modelId,
        InputTensor calldata input,
        uint256 valueAtRisk,
        uint32 callbackGas
    ) external payable returns (bytes32 requestId) {
        (requestId, ) = _HUB.request{value: msg.value}(modelId, input, valueAtRisk, callbackGas);
    }

    /// @notice Withdraws refunds owed by the hub to this contract.
    function withdrawFromHub() external {
        _HUB.withdraw();
    }

    /// @inheritdoc IAssayConsumer
    function requiredLevel(uint256) external view returns (Level) {
        return _level;
    }

    /// @inheritdoc IAssayRequester
    function onAssayResult(bytes32 requestId, bytes32 claimId, uint256 output, Level level) external {
        if (msg.sender != address(_HUB)) revert TestRequesterNotHub(msg.sender);
        Mode mode = _mode;
        if (mode == Mode.Revert) revert TestRequesterRefused(requestId);
        if (mode == Mode.BurnGas) {
            // Spends every unit of gas it was given (the loop only ends out of gas).
            while (gasleft() > 0) {
                ++calls;
            }
        }
        if (mode == Mode.ReturnBomb) {
            assembly ("memory-safe") {
                // A large return payload: the hub must not copy it.
                return(0, 100000)
            }
        }
        if (mode == Mode.Reenter) {
            // solhint-disable-next-line avoid-low-level-calls
            (reentrySucceeded, reentryReturn) = address(_HUB).call(_reentry);
        }
        lastRequestId = requestId;
        lastClaimId = claimId;
        lastOutput = output;
        lastLevel = level;
        ++calls;
    }
}
