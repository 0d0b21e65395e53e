// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IModelRegistry} from "../interfaces/IModelRegistry.sol";
import {Claim, IReceiptHub, Level} from "../interfaces/IReceiptHub.sol";
import {AssayInput, InputTensor, IPoseidonT17} from "./AssayInput.sol";
import {IAssayRequester, IAssayRequestHub} from "./IAssayRequestHub.sol";

/// @title AssayRequestHub
/// @notice On-chain inference requests with callbacks (see IAssayRequestHub).
/// @dev A request is one storage word: the keccak256 of its {Request} while open, then a marker
/// (fulfilled or refunded). Fulfilment and refund pass the request back (from its `Requested`
/// event) and the hub checks it against the hash, so a request costs one new slot.
contract AssayRequestHub is IAssayRequestHub, ReentrancyGuardTransient {
    /// @dev Markers of closed requests (an open request's word is a hash, never 1 or 2).
    bytes32 private constant _FULFILLED = bytes32(uint256(1));
    bytes32 private constant _REFUNDED = bytes32(uint256(2));
    /// @dev Gas kept back before the callback for the call's own costs (a cold account: 2,600).
    uint256 private constant _CALL_RESERVE = 5_000;

    IReceiptHub private immutable _HUB;
    IPoseidonT17 private immutable _POSEIDON;
    uint32 private immutable _REQUEST_TTL;
    uint32 private immutable _MAX_CALLBACK_GAS;

    mapping(bytes32 requestId => bytes32) private _requests;
    mapping(address account => uint256) private _owed;
    uint256 private _nonce;

    /// @notice A hub taking claims from `receiptHub` (the protocol deployment), committing inputs
    /// with `poseidon`; requests stay open `requestTtl` seconds and callbacks get at most
    /// `maxCallbackGas`.
    constructor(IReceiptHub receiptHub_, IPoseidonT17 poseidon_, uint32 requestTtl_, uint32 maxCallbackGas_) {
        if (address(receiptHub_) == address(0) || address(poseidon_) == address(0)) {
            revert AssayRequestHubZeroAddress();
        }
        _HUB = receiptHub_;
        _POSEIDON = poseidon_;
        _REQUEST_TTL = requestTtl_;
        _MAX_CALLBACK_GAS = maxCallbackGas_;
    }

    /// @inheritdoc IAssayRequestHub
    function request(
        bytes32 modelId,
        InputTensor calldata input,
        uint256 valueAtRisk,
        uint32 callbackGas
    ) external payable returns (bytes32 requestId, uint256 inputCommitment) {
        if (msg.value > type(uint96).max) revert AssayRequestHubFeeTooLarge(msg.value);
        if (callbackGas > _MAX_CALLBACK_GAS) revert AssayRequestHubCallbackGasTooHigh(callbackGas, _MAX_CALLBACK_GAS);
        inputCommitment = AssayInput.commitment(_POSEIDON, input);
        Level level = IAssayRequester(msg.sender).requiredLevel(valueAtRisk);
        if (level == Level.None) level = Level.Signed;
        // Proven is always allowed for an active model, so this asks "is the model active".
        if (!IModelRegistry(address(_HUB)).acceptsLevel(modelId, Level.Proven)) {
            revert AssayRequestHubModelRefuses(modelId, level);
        }
        uint256 nonce = _nonce;
        _nonce = nonce + 1;
        requestId = _requestId(nonce);
        Request memory req = Request({
            requester: msg.sender,
            fee: uint96(msg.value),
            modelId: modelId,
            inputCommitment: inputCommitment,
            requiredLevel: level,
            callbackGas: callbackGas,
            deadline: uint64(block.timestamp + _REQUEST_TTL)
        });
        _requests[requestId] = keccak256(abi.encode(req));
        emit Requested(requestId, msg.sender, modelId, req, input, valueAtRisk);
    }

    /// @inheritdoc IAssayRequestHub
    function fulfil(bytes32 requestId, Request calldata req, address payee, Claim calldata claim) external {
        _fulfil(requestId, req, payee, claim);
    }

    /// @inheritdoc IAssayRequestHub
    function fulfilSigned(
        bytes32 requestId,
        Request calldata req,
        address payee,
        Claim calldata claim,
        bytes32 r,
        bytes32 vs
    ) external {
        _HUB.submitSigned(claim, r, vs);
        _fulfil(requestId, req, payee, claim);
    }

    /// @inheritdoc IAssayRequestHub
    function fulfilProven(
        bytes32 requestId,
        Request calldata req,
        address payee,
        Claim calldata claim,
        uint256[8] calldata proof
    ) external {
        _HUB.submitProven(claim, proof);
        _fulfil(requestId, req, payee, claim);
    }

    /// @inheritdoc IAssayRequestHub
    function refund(bytes32 requestId, Request calldata req) external {
        _requireOpen(requestId, req);
        if (block.timestamp <= req.deadline) revert AssayRequestHubNotExpired(requestId, req.deadline);
        _requests[requestId] = _REFUNDED;
        _owed[req.requester] += req.fee;
        emit Refunded(requestId, req.requester, req.fee);
    }

    /// @inheritdoc IAssayRequestHub
    function withdraw() external nonReentrant {
        uint256 amount = _owed[msg.sender];
        if (amount == 0) revert AssayRequestHubNothingOwed(msg.sender);
        _owed[msg.sender] = 0;
        emit Withdrawn(msg.sender, amount);
        (bool ok, ) = msg.sender.call{value: amount}("");
        if (!ok) revert AssayRequestHubTransferFailed(msg.sender, amount);
    }

    /// @inheritdoc IAssayRequestHub
    function fulfilmentIdOf(bytes32 requestId, address payee) external pure returns (bytes32) {
        return _fulfilmentId(requestId, payee);
    }

    /// @inheritdoc IAssayRequestHub
    function requestIdOf(uint256 nonce) external view returns (bytes32) {
        return _requestId(nonce);
    }

    /// @inheritdoc IAssayRequestHub
    function statusOf(bytes32 requestId) external view returns (uint8) {
        bytes32 word = _requests[requestId];
        if (word == bytes32(0)) return 0;
        if (word == _FULFILLED) return 2;
        if (word == _REFUNDED) return 3;
        return 1;
    }

    /// @inheritdoc IAssayRequestHub
    function owedTo(address account) external view returns (uint256) {
        return _owed[account];
    }

    /// @inheritdoc IAssayRequestHub
    function inputCommitmentOf(InputTensor calldata input) external view returns (uint256) {
        return AssayInput.commitment(_POSEIDON, input);
    }

    /// @notice The receipt hub (protocol deployment) whose claims fulfil requests.
    function receiptHub() external view returns (IReceiptHub) {
        return _HUB;
    }

    /// @notice The Poseidon (t = 17) contract input commitments are computed with.
    function poseidon() external view returns (IPoseidonT17) {
        return _POSEIDON;
    }

    /// @notice Seconds a request stays open.
    function requestTtl() external view returns (uint256) {
        return _REQUEST_TTL;
    }

    /// @notice Most gas a request may give its callback.
    function maxCallbackGas() external view returns (uint256) {
        return _MAX_CALLBACK_GAS;
    }

    /// @notice Number of requests made so far (the next request's nonce).
    function requestCount() external view returns (uint256) {
        return _nonce;
    }

    /// @dev Checks `claim` against open `req`, closes it, credits `payee`, runs the callback.
    function _fulfil(bytes32 requestId, Request calldata req, address payee, Claim calldata claim) private {
        _requireOpen(requestId, req);
        if (block.timestamp > req.deadline) revert AssayRequestHubExpired(requestId, req.deadline);
        if (payee == address(0)) revert AssayRequestHubZeroPayee();
        bytes32 expected = _fulfilmentId(requestId, payee);
        if (claim.requestId != expected) revert AssayRequestHubWrongFulfilment(requestId, expected, claim.requestId);
        if (claim.modelId != req.modelId) revert AssayRequestHubWrongModel(requestId, req.modelId, claim.modelId);
        if (claim.inputCommitment != req.inputCommitment) {
            revert AssayRequestHubWrongInput(requestId, req.inputCommitment, claim.inputCommitment);
        }
        bytes32 claimId = _HUB.claimIdOf(claim);
        Level level = _HUB.levelOf(claimId);
        if (level < req.requiredLevel) revert AssayRequestHubLevelTooLow(claimId, level, req.requiredLevel);

        _requests[requestId] = _FULFILLED;
        _owed[payee] += req.fee;
        emit Fulfilled(requestId, claimId, payee, level, req.fee);
        if (req.callbackGas != 0) {
            bool ok = _callback(req.requester, req.callbackGas, requestId, claimId, claim.output, level);
            emit CallbackResult(requestId, ok);
        }
    }

    /// @dev Calls the requester's `onAssayResult` with exactly `gasAmount` gas and copies no return
    /// data. Reverts when less than that would reach it (63/64 rule), so a fulfiller cannot starve a
    /// callback into failing; the callback's own revert or exhaustion is only reported.
    function _callback(
        address target,
        uint256 gasAmount,
        bytes32 requestId,
        bytes32 claimId,
        uint256 output,
        Level level
    ) private returns (bool success) {
        bytes memory data = abi.encodeCall(IAssayRequester.onAssayResult, (requestId, claimId, output, level));
        uint256 g = gasleft();
        if (g < _CALL_RESERVE || (g - _CALL_RESERVE) - (g - _CALL_RESERVE) / 64 <= gasAmount) {
            revert AssayRequestHubInsufficientGas(gasAmount);
        }
        assembly ("memory-safe") {
            // No return data is copied: a callback cannot make the hub pay for a large return.
            success := call(gasAmount, target, 0, add(data, 0x20), mload(data), 0, 0)
        }
    }

    /// @dev Reverts unless `requestId` is open with exactly the fields `req`.
    function _requireOpen(bytes32 requestId, Request calldata req) private view {
        bytes32 word = _requests[requestId];
        if (word == keccak256(abi.encode(req))) return;
        if (word == _FULFILLED) revert AssayRequestHubFulfilled(requestId);
        if (word == _REFUNDED) revert AssayRequestHubRefunded(requestId);
        revert AssayRequestHubNotOpen(requestId);
    }

    /// @dev keccak256(abi.encode(requestId, payee)).
    function _fulfilmentId(bytes32 requestId, address payee) private pure returns (bytes32) {
        return keccak256(abi.encode(requestId, payee));
    }

    /// @dev keccak256(abi.encode(chainid, this hub, nonce)).
    function _requestId(uint256 nonce) private view returns (bytes32) {
        return keccak256(abi.encode(block.chainid, address(this), nonce));
    }
}
