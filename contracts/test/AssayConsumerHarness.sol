// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AssayConsumer} from "../consumer/AssayConsumer.sol";
import {AssayOutput} from "../consumer/AssayOutput.sol";
import {Claim, IReceiptHub} from "../interfaces/IReceiptHub.sol";
import {IModelRegistry} from "../interfaces/IModelRegistry.sol";
import {ConsequencePolicy} from "../policy/ConsequencePolicy.sol";

/// @title AssayConsumerHarness
/// @notice Test consumer of the consumer kit (tests only). A bounty vault: the owner sets which
/// model and input claims must be about, and anyone bringing a claim that the kit accepts is paid
/// the value at risk it names (so a claim accepted twice pays twice, a wrong one pays a thief).
/// Also exposes every AssayOutput reader and gas measurements of `_acceptClaim` and decoding.
contract AssayConsumerHarness is AssayConsumer {
    address private immutable _OWNER;
    bytes32 private _model;
    uint256 private _input;
    bool private _expecting;

    /// @notice `to` was paid `amount` on claim `claimId`.
    event BountyPaid(bytes32 indexed claimId, address indexed to, uint256 amount);

    /// @notice Sending `amount` to `to` failed.
    error AssayConsumerHarnessTransferFailed(address to, uint256 amount);

    /// @notice Only the deployer may set the expectation; `caller` is not it.
    error AssayConsumerHarnessNotOwner(address caller);

    /// @notice A vault funded with `msg.value`, trusting `hub` with the levels `thresholds` give.
    constructor(
        IReceiptHub hub,
        ConsequencePolicy.Thresholds memory thresholds
    ) payable AssayConsumer(hub, thresholds) {
        _OWNER = msg.sender;
    }

    /// @notice Claims accepted through the two-argument form must be about `modelId` and `input`.
    /// Only the deployer.
    function setExpectation(bytes32 modelId, uint256 input) external {
        if (msg.sender != _OWNER) revert AssayConsumerHarnessNotOwner(msg.sender);
        (_model, _input, _expecting) = (modelId, input, true);
    }

    /// @notice Pays `amount` to the caller on a claim about the expected model and input that the
    /// kit accepts for a value at risk of `amount` (two-argument `_acceptClaim`).
    function claimBounty(Claim calldata claim, uint256 amount) external returns (bytes32 claimId) {
        (claimId, ) = _acceptClaim(claim, amount);
        emit BountyPaid(claimId, msg.sender, amount);
        (bool ok, ) = msg.sender.call{value: amount}("");
        if (!ok) revert AssayConsumerHarnessTransferFailed(msg.sender, amount);
    }

    /// @notice The four-argument `_acceptClaim`.
    function accept(
        Claim calldata claim,
        bytes32 modelId,
        uint256 input,
        uint256 valueAtRisk
    ) external returns (bytes32 claimId, uint256 output) {
        return _acceptClaim(claim, modelId, input, valueAtRisk);
    }

    /// @notice `_checkClaim`.
    function check(
        Claim calldata claim,
        bytes32 modelId,
        uint256 input,
        uint256 valueAtRisk
    ) external view returns (bytes32 claimId, uint256 output) {
        return _checkClaim(claim, modelId, input, valueAtRisk);
    }

    /// @notice Gas of one four-argument `_acceptClaim` (call it with eth_call: it records the claim).
    function measureAccept(
        Claim calldata claim,
        bytes32 modelId,
        uint256 input,
        uint256 valueAtRisk
    ) external returns (uint256 gasUsed) {
        uint256 before = gasleft();
        _acceptClaim(claim, modelId, input, valueAtRisk);
        gasUsed = before - gasleft();
    }

    /// @notice Gas of `AssayOutput.values`, `labelAt`/`valueAt` of the last value, and `argmax`.
    function measureDecode(
        uint256 output,
        AssayOutput.Format calldata format
    ) external view returns (uint256 allValues, uint256 lastValue, uint256 argmaxGas) {
        AssayOutput.Format memory f = format;
        uint256 g = gasleft();
        AssayOutput.values(output, f);
        allValues = g - gasleft();
        g = gasleft();
        AssayOutput.valueAt(output, f, f.count - 1);
        lastValue = g - gasleft();
        g = gasleft();
        AssayOutput.argmax(output, f);
        argmaxGas = g - gasleft();
    }

    /// @notice `AssayOutput.formatOf`.
    function formatOf(IModelRegistry.TensorSpec calldata spec) external pure returns (AssayOutput.Format memory) {
        return AssayOutput.formatOf(spec);
    }

    /// @notice `AssayOutput.fits`.
    function fits(AssayOutput.Format calldata format) external pure returns (bool) {
        return AssayOutput.fits(format);
    }

    /// @notice `AssayOutput.check`.
    function checkOutput(uint256 output, AssayOutput.Format calldata format) external pure {
        AssayOutput.check(output, format);
    }

    /// @notice `AssayOutput.values`.
    function values(uint256 output, AssayOutput.Format calldata format) external pure returns (int256[] memory) {
        return AssayOutput.values(output, format);
    }

    /// @notice `AssayOutput.valueAt`.
    function valueAt(uint256 output, AssayOutput.Format calldata format, uint256 i) external pure returns (int256) {
        return AssayOutput.valueAt(output, format, i);
    }

    /// @notice `AssayOutput.labels`.
    function labels(uint256 output, AssayOutput.Format calldata format) external pure returns (uint256[] memory) {
        return AssayOutput.labels(output, format);
    }

    /// @notice `AssayOutput.labelAt`.
    function labelAt(uint256 output, AssayOutput.Format calldata format, uint256 i) external pure returns (uint256) {
        return AssayOutput.labelAt(output, format, i);
    }

    /// @notice `AssayOutput.argmax`.
    function argmax(uint256 output, AssayOutput.Format calldata format) external pure returns (uint256, int256) {
        return AssayOutput.argmax(output, format);
    }

    /// @notice `AssayOutput.toUnits`.
    function toUnits(int256 value, int16 frac, uint256 one) external pure returns (int256) {
        return AssayOutput.toUnits(value, frac, one);
    }

    /// @notice `AssayOutput.valueInUnits`.
    function valueInUnits(
        uint256 output,
        AssayOutput.Format calldata format,
        uint256 i,
        uint256 one
    ) external pure returns (int256) {
        return AssayOutput.valueInUnits(output, format, i, one);
    }

    /// @inheritdoc AssayConsumer
    function _expectation(Claim calldata) internal view override returns (bool, bytes32, uint256) {
        return (_expecting, _model, _input);
    }
}
