// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAssayConsumer} from "../consumer/IAssayConsumer.sol";
import {Claim, Level} from "../interfaces/IReceiptHub.sol";
import {InputTensor} from "./AssayInput.sol";

/// @title IAssayRequester
/// @notice What a contract implements to ask the request hub for inferences: the consumer kit's
/// policy (IAssayConsumer's `requiredLevel`, read once when it asks) and the callback.
///
/// Import path after `npm install assay`: `assay/contracts/requests/IAssayRequestHub.sol`.
interface IAssayRequester is IAssayConsumer {
    /// @notice Called by the hub, with at most the request's callback gas, when request
    /// `requestId` is fulfilled by claim `claimId` recorded at `level` (at least the level
    /// required when the request was made). `output` is the claim's output (a packed word, a
    /// label or a commitment). Check `msg.sender` is the hub. Below Proven the claim can still be
    /// challenged until its window ends (`IReceiptHub.isFinal`).
    function onAssayResult(bytes32 requestId, bytes32 claimId, uint256 output, Level level) external;
}

/// @title IAssayRequestHub
/// @notice On-chain inference requests with callbacks. A contract asks for `modelId` on an input it
/// holds and pays a fee; the hub recomputes the input commitment on chain (Poseidon, salt 0, the
/// same commitment the circuits prove), reads the requester's `requiredLevel(valueAtRisk)` once,
/// and records the request. A fulfiller records a claim about that model and input at the receipt
/// hub, at the required level or above, with `claim.requestId = fulfilmentIdOf(requestId, payee)`,
/// and calls `fulfil`: the fee is credited to `payee` and the requester's callback runs with the
/// request's callback gas. A reverting or gas-hungry callback cannot block fulfilment or keep the
/// fee. An unfulfilled request is refunded to its requester after its deadline.
///
/// Front-running. The payee is inside the claim, so a claim copied from the mempool pays its own
/// payee, whoever submits it; a Signed claim carries its payee under the operator's signature and
/// a proof is bound to its submitter by the receipt hub. Request ids hash the chain id, this hub
/// and a counter, so a claim made for one hub's request, or on another chain, fulfils nothing here.
///
/// Money: the hub holds exactly the fees of open requests plus the balances owed (pull payments:
/// `withdraw`).
interface IAssayRequestHub {
    /// @notice An open request, as stored (by hash) and emitted. Fulfilment and refund take it back.
    /// @param requester The contract that asked; receives the callback and the refund.
    /// @param fee Paid to the payee of the fulfilling claim, or refunded.
    /// @param modelId Model version the claim must be about.
    /// @param inputCommitment The claim's input commitment must equal it.
    /// @param requiredLevel The requester's `requiredLevel(valueAtRisk)` when it asked (at least Signed).
    /// @param callbackGas Gas the callback gets.
    /// @param deadline Last second the request can be fulfilled; refundable after it.
    struct Request {
        address requester;
        uint96 fee;
        bytes32 modelId;
        uint256 inputCommitment;
        Level requiredLevel;
        uint32 callbackGas;
        uint64 deadline;
    }

    /// @notice Request `requestId` was made; `input` is the on-chain input (the node reads it here).
    event Requested(
        bytes32 indexed requestId,
        address indexed requester,
        bytes32 indexed modelId,
        Request request,
        InputTensor input,
        uint256 valueAtRisk
    );

    /// @notice Request `requestId` was fulfilled by claim `claimId` at `level`; `fee` credited to `payee`.
    event Fulfilled(
        bytes32 indexed requestId,
        bytes32 indexed claimId,
        address indexed payee,
        Level level,
        uint256 fee
    );

    /// @notice The callback of `requestId` ran: `success` false when it reverted or ran out of gas.
    event CallbackResult(bytes32 indexed requestId, bool success);

    /// @notice Request `requestId` expired unfulfilled; its fee is owed to its requester.
    event Refunded(bytes32 indexed requestId, address indexed requester, uint256 fee);

    /// @notice `account` withdrew `amount`.
    event Withdrawn(address indexed account, uint256 amount);

    /// @notice A constructor address is zero.
    error AssayRequestHubZeroAddress();
    /// @notice The fee `fee` does not fit 96 bits.
    error AssayRequestHubFeeTooLarge(uint256 fee);
    /// @notice The callback gas `callbackGas` exceeds the hub's maximum `max`.
    error AssayRequestHubCallbackGasTooHigh(uint256 callbackGas, uint256 max);
    /// @notice Model `modelId` is not active (so accepts no claim at `level` or above).
    error AssayRequestHubModelRefuses(bytes32 modelId, Level level);
    /// @notice `requestId` is not an open request with these fields (unknown, closed or altered).
    error AssayRequestHubNotOpen(bytes32 requestId);
    /// @notice `requestId` is already fulfilled.
    error AssayRequestHubFulfilled(bytes32 requestId);
    /// @notice `requestId` is already refunded.
    error AssayRequestHubRefunded(bytes32 requestId);
    /// @notice `requestId` expired at `deadline`: it can only be refunded.
    error AssayRequestHubExpired(bytes32 requestId, uint64 deadline);
    /// @notice `requestId` is open until `deadline`: no refund yet.
    error AssayRequestHubNotExpired(bytes32 requestId, uint64 deadline);
    /// @notice The claim's request id is `got`; fulfilling `requestId` for the payee needs `expected`.
    error AssayRequestHubWrongFulfilment(bytes32 requestId, bytes32 expected, bytes32 got);
    /// @notice The claim is about model `got`, the request about `expected`.
    error AssayRequestHubWrongModel(bytes32 requestId, bytes32 expected, bytes32 got);
    /// @notice The claim's input commitment `got` is not the request's `expected`.
    error AssayRequestHubWrongInput(bytes32 requestId, uint256 expected, uint256 got);
    /// @notice Claim `claimId` stands at `level` at the receipt hub, below the required `required`.
    error AssayRequestHubLevelTooLow(bytes32 claimId, Level level, Level required);
    /// @notice Too little gas left to give the callback its `callbackGas`.
    error AssayRequestHubInsufficientGas(uint256 callbackGas);
    /// @notice The payee is the zero address.
    error AssayRequestHubZeroPayee();
    /// @notice Nothing is owed to `account`.
    error AssayRequestHubNothingOwed(address account);
    /// @notice Sending `amount` to `to` failed.
    error AssayRequestHubTransferFailed(address to, uint256 amount);

    /// @notice Asks for `modelId` on `input`, paying `msg.value` as the fee; the caller must implement
    /// IAssayRequester. Returns the request's id and the input commitment a claim must carry.
    /// Reverts when the input encoding is invalid, the model is not active, `callbackGas` exceeds
    /// the maximum or the fee does not fit 96 bits.
    function request(
        bytes32 modelId,
        InputTensor calldata input,
        uint256 valueAtRisk,
        uint32 callbackGas
    ) external payable returns (bytes32 requestId, uint256 inputCommitment);

    /// @notice Fulfils `requestId` with `claim`, already recorded at the receipt hub at the required
    /// level or above. Anyone may call; the fee goes to `payee`, whom `claim.requestId` must name.
    /// Reverts unless the request is open and unexpired and the claim matches its model and input;
    /// and unless enough gas is left to give the callback its gas (its own failure does not revert).
    function fulfil(bytes32 requestId, Request calldata req, address payee, Claim calldata claim) external;

    /// @notice Records `claim` at Signed at the receipt hub (signature `(r, vs)`), then {fulfil}.
    function fulfilSigned(
        bytes32 requestId,
        Request calldata req,
        address payee,
        Claim calldata claim,
        bytes32 r,
        bytes32 vs
    ) external;

    /// @notice Records `claim` at Proven at the receipt hub (the proof's binding names this hub as
    /// beneficiary: `bindingOf(claimId, address(this))`), then {fulfil}.
    function fulfilProven(
        bytes32 requestId,
        Request calldata req,
        address payee,
        Claim calldata claim,
        uint256[8] calldata proof
    ) external;

    /// @notice Credits the fee of expired, unfulfilled `requestId` back to its requester. Anyone may call.
    function refund(bytes32 requestId, Request calldata req) external;

    /// @notice Sends the caller everything owed to it.
    function withdraw() external;

    /// @notice The request id a claim must name to fulfil `requestId` for `payee`:
    /// `keccak256(abi.encode(requestId, payee))`.
    function fulfilmentIdOf(bytes32 requestId, address payee) external pure returns (bytes32);

    /// @notice The id of this hub's request number `nonce`: `keccak256(abi.encode(chainid, hub, nonce))`.
    function requestIdOf(uint256 nonce) external view returns (bytes32);

    /// @notice 0 unknown, 1 open, 2 fulfilled, 3 refunded.
    function statusOf(bytes32 requestId) external view returns (uint8);

    /// @notice What `account` can withdraw.
    function owedTo(address account) external view returns (uint256);

    /// @notice Input commitment of `input` (salt 0), as `request` computes it.
    function inputCommitmentOf(InputTensor calldata input) external view returns (uint256);
}
