// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {AssayConsumer} from "../consumer/AssayConsumer.sol";
import {AssayOutput} from "../consumer/AssayOutput.sol";
import {IReceiptHub, Level} from "../interfaces/IReceiptHub.sol";
import {ConsequencePolicy} from "../policy/ConsequencePolicy.sol";
import {AssayInput, InputTensor} from "../requests/AssayInput.sol";
import {IAssayRequester, IAssayRequestHub} from "../requests/IAssayRequestHub.sol";

/// @title VolatilityAmm
/// @notice Example requester: a constant-product ETH/token pool whose swap fee follows a
/// volatility model run on its own recent prices. Every swap records the price; anyone may pay a
/// request fee to `refreshFee`, which asks the request hub for the model on the last 8 relative
/// price changes (in the model's fixed point), with the ETH reserve as the value at risk (the
/// pool's own thresholds, AssayConsumer, pick the level). The callback reads the model's three
/// logits (AssayOutput): the argmax is the regime, calm (5 bps), normal (30 bps) or turbulent
/// (100 bps). A fee is bounded by those three values, so a wrong one costs traders little: the
/// pool applies it at the level its policy demands without waiting for finality. A refresh whose
/// request expires is cleared and its fee returned to whoever paid it (`withdraw`).
contract VolatilityAmm is AssayConsumer, IAssayRequester, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice Prices kept (8 changes need 9 prices) and the fee per regime, in basis points.
    uint256 public constant PRICES = 9;
    uint32 public constant CALLBACK_GAS = 100_000;
    uint16 public constant CALM_BPS = 5;
    uint16 public constant NORMAL_BPS = 30;
    uint16 public constant TURBULENT_BPS = 100;

    IAssayRequestHub private immutable _REQUESTS;
    IERC20 private immutable _TOKEN;
    bytes32 private immutable _VOL_MODEL;
    uint256 private immutable _INPUT_BITS;
    uint256 private immutable _INPUT_FRAC;
    uint8 private immutable _OUT_BITS;

    uint256 private _reserveEth;
    uint256 private _reserveToken;
    uint16 private _feeBps = NORMAL_BPS;
    /// @dev Ring buffer of prices (token per ETH, 1e18 fixed point); `_priceCount` total recorded.
    uint256[PRICES] private _prices;
    uint256 private _priceCount;
    bytes32 private _pendingRequest;
    address private _pendingPayer;
    uint256 private _pendingFee;
    mapping(address account => uint256) private _owed;

    /// @notice A swap of `amountIn` for `amountOut` (ETH in when `ethIn`), at fee `feeBps`.
    event Swapped(address indexed trader, bool ethIn, uint256 amountIn, uint256 amountOut, uint16 feeBps);
    /// @notice A fee refresh was requested (`requestId`), paid by `payer`.
    event FeeRefreshRequested(bytes32 indexed requestId, address indexed payer);
    /// @notice The model put the pool in `regime`, so the fee is now `feeBps` (claim `claimId` at `level`).
    event FeeUpdated(bytes32 indexed claimId, uint256 regime, uint16 feeBps, Level level);

    /// @notice Only the request hub calls back; `caller` is not it.
    error VolatilityAmmNotHub(address caller);
    /// @notice Fewer than 9 prices recorded yet (`count`).
    error VolatilityAmmTooFewPrices(uint256 count);
    /// @notice A refresh (`requestId`) is already in flight.
    error VolatilityAmmRefreshPending(bytes32 requestId);
    /// @notice The callback or clearing is about `got`, not the refresh in flight `expected`.
    error VolatilityAmmWrongRequest(bytes32 expected, bytes32 got);
    /// @notice The swap would give `amountOut`, below `minOut`, or the input is zero.
    error VolatilityAmmSlippage(uint256 amountOut, uint256 minOut);
    /// @notice The pool already has liquidity, or the seed is empty.
    error VolatilityAmmBadSeed();
    /// @notice Nothing is owed to `account`.
    error VolatilityAmmNothingOwed(address account);
    /// @notice Sending `amount` to `to` failed.
    error VolatilityAmmTransferFailed(address to, uint256 amount);

    /// @notice A pool of ETH and `token` asking `requests` for `volModel` (8 signed inputs of
    /// `inputBits` bits at scale 2^`inputFrac`; 3 signed logits of `outputBits` bits), trusting
    /// `hub`'s receipts at `thresholds` (in wei of ETH reserve).
    constructor(
        IReceiptHub hub,
        IAssayRequestHub requests,
        IERC20 token,
        bytes32 volModel,
        ConsequencePolicy.Thresholds memory thresholds,
        uint8 inputBits,
        uint8 inputFrac,
        uint8 outputBits
    ) AssayConsumer(hub, thresholds) {
        _REQUESTS = requests;
        _TOKEN = token;
        _VOL_MODEL = volModel;
        _INPUT_BITS = inputBits;
        _INPUT_FRAC = inputFrac;
        _OUT_BITS = outputBits;
    }

    /// @notice Accepts the request hub's refunds.
    receive() external payable {}

    /// @notice Seeds the empty pool with `msg.value` ETH and `tokenAmount` tokens (pulled).
    function seed(uint256 tokenAmount) external payable {
        if (_reserveEth != 0 || msg.value == 0 || tokenAmount == 0) revert VolatilityAmmBadSeed();
        _TOKEN.safeTransferFrom(msg.sender, address(this), tokenAmount);
        _reserveEth = msg.value;
        _reserveToken = tokenAmount;
        _recordPrice();
    }

    /// @notice Swaps `msg.value` ETH for at least `minOut` tokens.
    function swapEthForToken(uint256 minOut) external payable nonReentrant returns (uint256 out) {
        out = _amountOut(msg.value, _reserveEth, _reserveToken);
        if (msg.value == 0 || out < minOut) revert VolatilityAmmSlippage(out, minOut);
        _reserveEth += msg.value;
        _reserveToken -= out;
        _recordPrice();
        emit Swapped(msg.sender, true, msg.value, out, _feeBps);
        _TOKEN.safeTransfer(msg.sender, out);
    }

    /// @notice Swaps `amountIn` tokens (pulled) for at least `minOut` wei.
    function swapTokenForEth(uint256 amountIn, uint256 minOut) external nonReentrant returns (uint256 out) {
        out = _amountOut(amountIn, _reserveToken, _reserveEth);
        if (amountIn == 0 || out < minOut) revert VolatilityAmmSlippage(out, minOut);
        _TOKEN.safeTransferFrom(msg.sender, address(this), amountIn);
        _reserveToken += amountIn;
        _reserveEth -= out;
        _recordPrice();
        emit Swapped(msg.sender, false, amountIn, out, _feeBps);
        (bool ok, ) = msg.sender.call{value: out}("");
        if (!ok) revert VolatilityAmmTransferFailed(msg.sender, out);
    }

    /// @notice Asks for a new fee, paying `msg.value` as the request fee. One refresh at a time.
    function refreshFee() external payable returns (bytes32 requestId) {
        if (_pendingRequest != bytes32(0)) revert VolatilityAmmRefreshPending(_pendingRequest);
        (requestId, ) = _REQUESTS.request{value: msg.value}(_VOL_MODEL, recentChanges(), _reserveEth, CALLBACK_GAS);
        _pendingRequest = requestId;
        _pendingPayer = msg.sender;
        _pendingFee = msg.value;
        emit FeeRefreshRequested(requestId, msg.sender);
    }

    /// @inheritdoc IAssayRequester
    function onAssayResult(bytes32 requestId, bytes32 claimId, uint256 output, Level level) external {
        if (msg.sender != address(_REQUESTS)) revert VolatilityAmmNotHub(msg.sender);
        if (requestId != _pendingRequest) revert VolatilityAmmWrongRequest(_pendingRequest, requestId);
        _pendingRequest = bytes32(0);
        (uint256 regime, ) = AssayOutput.argmax(
            output,
            AssayOutput.Format({count: 3, bits: _OUT_BITS, isSigned: true, frac: 0})
        );
        uint16 fee =
            regime == 0
                ? CALM_BPS
                : regime == 1
                    ? NORMAL_BPS
                    : TURBULENT_BPS;
        _feeBps = fee;
        emit FeeUpdated(claimId, regime, fee, level);
    }

    /// @notice Clears the refresh in flight when its request expired unfulfilled (`req` from its
    /// Requested event; the hub refunds the fee, also when someone refunded it already: it is owed
    /// to whoever paid it), or was fulfilled with a callback that failed. Anyone may call.
    function clearExpired(IAssayRequestHub.Request calldata req) external nonReentrant {
        bytes32 requestId = _pendingRequest;
        if (requestId == bytes32(0)) revert VolatilityAmmWrongRequest(bytes32(0), bytes32(0));
        _pendingRequest = bytes32(0);
        uint8 status = _REQUESTS.statusOf(requestId);
        // Open: refund (reverts before the deadline). The stored fee, never `req.fee`, is owed.
        if (status == 1) _REQUESTS.refund(requestId, req);
        if (_REQUESTS.owedTo(address(this)) != 0) _REQUESTS.withdraw();
        if (status != 2) _owed[_pendingPayer] += _pendingFee;
    }

    /// @notice Sends the caller its refunded request fees.
    function withdraw() external nonReentrant {
        uint256 amount = _owed[msg.sender];
        if (amount == 0) revert VolatilityAmmNothingOwed(msg.sender);
        _owed[msg.sender] = 0;
        (bool ok, ) = msg.sender.call{value: amount}("");
        if (!ok) revert VolatilityAmmTransferFailed(msg.sender, amount);
    }

    /// @notice The model's input: the last 8 relative price changes `(p_i - p_{i-1}) / p_{i-1}` in
    /// its fixed point, clamped to its signed range. Reverts with fewer than 9 prices.
    function recentChanges() public view returns (InputTensor memory t) {
        uint256 count = _priceCount;
        if (count < PRICES) revert VolatilityAmmTooFewPrices(count);
        int256[] memory v = new int256[](PRICES - 1);
        int256 max = int256((uint256(1) << (_INPUT_BITS - 1)) - 1);
        for (uint256 i = 0; i < PRICES - 1; ++i) {
            // Oldest first: prices count-9+i and count-8+i.
            int256 prev = int256(_prices[(count - PRICES + i) % PRICES]);
            int256 cur = int256(_prices[(count - PRICES + i + 1) % PRICES]);
            int256 change = ((cur - prev) * int256(uint256(1) << _INPUT_FRAC)) / prev;
            v[i] =
                change > max
                    ? max
                    : change < -max - 1
                        ? -max - 1
                        : change;
        }
        uint256 offset = uint256(1) << (_INPUT_BITS - 1);
        t.words = AssayInput.pack(v, _INPUT_BITS, offset);
        t.n = PRICES - 1;
        t.bits = _INPUT_BITS;
        t.offset = offset;
    }

    /// @notice The swap fee now, in basis points.
    function feeBps() external view returns (uint16) {
        return _feeBps;
    }

    /// @notice The reserves (ETH, token).
    function reserves() external view returns (uint256 eth, uint256 token) {
        return (_reserveEth, _reserveToken);
    }

    /// @notice The refresh in flight (zero when none).
    function pendingRequest() external view returns (bytes32) {
        return _pendingRequest;
    }

    /// @notice Refunded request fees `account` can withdraw.
    function owedTo(address account) external view returns (uint256) {
        return _owed[account];
    }

    /// @dev Constant product with the fee taken from the input.
    function _amountOut(uint256 amountIn, uint256 reserveIn, uint256 reserveOut) private view returns (uint256) {
        uint256 inAfterFee = (amountIn * (10_000 - _feeBps)) / 10_000;
        return (inAfterFee * reserveOut) / (reserveIn + inAfterFee);
    }

    function _recordPrice() private {
        _prices[_priceCount % PRICES] = (_reserveToken * 1e18) / _reserveEth;
        ++_priceCount;
    }
}
