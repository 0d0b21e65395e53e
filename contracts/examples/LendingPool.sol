// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {AssayConsumer} from "../consumer/AssayConsumer.sol";
import {AssayOutput} from "../consumer/AssayOutput.sol";
import {Claim, IReceiptHub, Level} from "../interfaces/IReceiptHub.sol";
import {ConsequencePolicy} from "../policy/ConsequencePolicy.sol";
import {AssayInput, InputTensor} from "../requests/AssayInput.sol";
import {IAssayRequester, IAssayRequestHub} from "../requests/IAssayRequestHub.sol";

/// @title LendingPool
/// @notice Example requester: an ETH pool that sets each loan's collateral ratio from a risk
/// model run on features the pool itself holds on chain (the loan's size and collateral, the
/// borrower's history with the pool, the pool's utilisation). A borrower applies with collateral
/// and the request fee (`applyForLoan`); the pool asks the request hub for the risk model on those features, with
/// the loan amount as the value at risk, so its own thresholds (AssayConsumer) pick the level.
/// The callback reads the model's three logits (AssayOutput) and takes the riskiest-first argmax
/// as the risk class: 0 low (125% collateral), 1 medium (150%), 2 high (200%).
///
/// Money moves only on evidence the pool accepts: a Proven result decides the loan in the
/// callback; a Signed or Attested one is decided by `finalize(loanId, claim)` once the claim is
/// final and backed by at least the loan amount (AssayConsumer's checks, with the input
/// commitment the hub computed from the pool's own features). A loan whose request expires is
/// cancelled and everything returned. Payments are pulled (`withdraw`).
contract LendingPool is AssayConsumer, IAssayRequester, ReentrancyGuardTransient {
    /// @notice Lifecycle of a loan.
    enum Status {
        None,
        Requested,
        Assessed,
        Open,
        Rejected,
        Repaid,
        Cancelled
    }

    /// @notice A loan: `ratioBps` is set by the risk class (0 until assessed).
    struct Loan {
        address borrower;
        Status status;
        uint8 riskClass;
        uint16 ratioBps;
        uint96 amount;
        uint96 collateral;
        uint96 fee;
        bytes32 requestId;
        bytes32 claimId;
        uint256 inputCommitment;
    }

    /// @notice Number of features the risk model takes.
    uint256 public constant FEATURES = 8;
    /// @notice Gas the hub gives the callback.
    uint32 public constant CALLBACK_GAS = 150_000;

    IAssayRequestHub private immutable _REQUESTS;
    bytes32 private immutable _RISK_MODEL;
    address private immutable _OWNER;
    uint256 private immutable _INPUT_BITS;
    uint256 private immutable _INPUT_FRAC;
    uint16 private immutable _OUT_COUNT;
    uint8 private immutable _OUT_BITS;

    mapping(uint256 loanId => Loan) private _loans;
    mapping(bytes32 requestId => uint256 loanId) private _loanOfRequest;
    mapping(address borrower => uint256) private _repaid;
    mapping(address account => uint256) private _owed;
    uint256 private _loanCount;
    /// @dev Liquidity held back for loans being assessed, and money owed but not withdrawn.
    uint256 private _reserved;
    uint256 private _owedTotal;
    /// @dev Collateral of loans requested, assessed or open.
    uint256 private _collateralHeld;
    uint256 private _lent;

    /// @notice Loan `loanId` of `amount` was applied for by `borrower` (request `requestId`).
    event LoanRequested(uint256 indexed loanId, address indexed borrower, bytes32 indexed requestId, uint256 amount);
    /// @notice The risk model put loan `loanId` in `riskClass` (ratio `ratioBps`) by claim `claimId` at `level`.
    event LoanAssessed(uint256 indexed loanId, bytes32 indexed claimId, uint8 riskClass, uint16 ratioBps, Level level);
    /// @notice Loan `loanId` was decided: `open` true when the collateral covers the ratio.
    event LoanDecided(uint256 indexed loanId, bool open);
    /// @notice Loan `loanId` was repaid, or cancelled after its request expired.
    event LoanClosed(uint256 indexed loanId, Status status);
    /// @notice `account` withdrew `amount`.
    event Withdrawn(address indexed account, uint256 amount);

    /// @notice Only the request hub calls back; `caller` is not it.
    error LendingPoolNotHub(address caller);
    /// @notice Only the owner may do this.
    error LendingPoolNotOwner(address caller);
    /// @notice Loan `loanId` is in `status`, not in the one this needs.
    error LendingPoolWrongStatus(uint256 loanId, Status status);
    /// @notice The pool's free liquidity `free` cannot lend `amount`.
    error LendingPoolNoLiquidity(uint256 amount, uint256 free);
    /// @notice The payment `value` must cover the fee `fee` and leave some collateral; or the amount is 0 or too large.
    error LendingPoolBadApplication(uint256 amount, uint256 value, uint256 fee);
    /// @notice The claim `got` is not the one the hub delivered for this loan (`expected`).
    error LendingPoolWrongClaim(bytes32 expected, bytes32 got);
    /// @notice Repaying needs exactly `amount`.
    error LendingPoolWrongRepayment(uint256 amount, uint256 value);
    /// @notice Nothing is owed to `account`.
    error LendingPoolNothingOwed(address account);
    /// @notice Sending `amount` to `to` failed.
    error LendingPoolTransferFailed(address to, uint256 amount);

    /// @notice A pool asking `requests` for `riskModel` (8 inputs of `inputBits` bits, signed, scale
    /// 2^`inputFrac`; 3 signed logits of `outputBits` bits), trusting `hub`'s receipts at `thresholds`.
    constructor(
        IReceiptHub hub,
        IAssayRequestHub requests,
        bytes32 riskModel,
        ConsequencePolicy.Thresholds memory thresholds,
        uint8 inputBits,
        uint8 inputFrac,
        uint8 outputBits
    ) AssayConsumer(hub, thresholds) {
        _REQUESTS = requests;
        _RISK_MODEL = riskModel;
        _OWNER = msg.sender;
        _INPUT_BITS = inputBits;
        _INPUT_FRAC = inputFrac;
        _OUT_COUNT = 3;
        _OUT_BITS = outputBits;
    }

    /// @notice Accepts liquidity, and the request hub's refunds.
    receive() external payable {}

    /// @notice Applies for a loan of `amount`: `msg.value` is the collateral plus `fee` (the request
    /// fee, paid to whoever fulfils the risk request). Reserves `amount` of the pool's liquidity.
    function applyForLoan(uint256 amount, uint96 fee) external payable returns (uint256 loanId) {
        if (amount == 0 || amount > type(uint96).max || msg.value <= fee) {
            revert LendingPoolBadApplication(amount, msg.value, fee);
        }
        uint256 collateral = msg.value - fee;
        uint256 free = freeLiquidity() - msg.value; // the collateral and fee just arrived are not liquidity
        if (amount > free) revert LendingPoolNoLiquidity(amount, free);
        loanId = ++_loanCount;
        (bytes32 requestId, uint256 commitment) = _REQUESTS.request{value: fee}(
            _RISK_MODEL,
            _features(msg.sender, amount, collateral),
            amount,
            CALLBACK_GAS
        );
        _loans[loanId] = Loan({
            borrower: msg.sender,
            status: Status.Requested,
            riskClass: 0,
            ratioBps: 0,
            amount: uint96(amount),
            collateral: uint96(collateral),
            fee: fee,
            requestId: requestId,
            claimId: bytes32(0),
            inputCommitment: commitment
        });
        _loanOfRequest[requestId] = loanId;
        _reserved += amount;
        _collateralHeld += collateral;
        emit LoanRequested(loanId, msg.sender, requestId, amount);
    }

    /// @inheritdoc IAssayRequester
    function onAssayResult(bytes32 requestId, bytes32 claimId, uint256 output, Level level) external {
        if (msg.sender != address(_REQUESTS)) revert LendingPoolNotHub(msg.sender);
        uint256 loanId = _loanOfRequest[requestId];
        Loan storage loan = _loans[loanId];
        if (loan.status != Status.Requested) revert LendingPoolWrongStatus(loanId, loan.status);
        (uint256 riskClass, ) = AssayOutput.argmax(
            output,
            AssayOutput.Format({count: _OUT_COUNT, bits: _OUT_BITS, isSigned: true, frac: 0})
        );
        uint16 ratio =
            riskClass == 0
                ? 12_500
                : riskClass == 1
                    ? 15_000
                    : 20_000;
        loan.status = Status.Assessed;
        loan.riskClass = uint8(riskClass);
        loan.ratioBps = ratio;
        loan.claimId = claimId;
        emit LoanAssessed(loanId, claimId, uint8(riskClass), ratio, level);
        // A proof is final at once; a signature waits for `finalize`.
        if (level == Level.Proven) _decide(loanId, loan);
    }

    /// @notice Decides assessed loan `loanId` on `claim`, the claim the hub delivered, once it is
    /// final at the level the amount needs and backed by at least the amount. Anyone may call.
    function finalize(uint256 loanId, Claim calldata claim) external {
        Loan storage loan = _loans[loanId];
        if (loan.status != Status.Assessed) revert LendingPoolWrongStatus(loanId, loan.status);
        (bytes32 claimId, ) = _acceptClaim(claim, _RISK_MODEL, loan.inputCommitment, loan.amount);
        if (claimId != loan.claimId) revert LendingPoolWrongClaim(loan.claimId, claimId);
        _decide(loanId, loan);
    }

    /// @notice Repays open loan `loanId` (exactly its amount); the collateral is owed back.
    function repay(uint256 loanId) external payable {
        Loan storage loan = _loans[loanId];
        if (loan.status != Status.Open) revert LendingPoolWrongStatus(loanId, loan.status);
        if (msg.value != loan.amount) revert LendingPoolWrongRepayment(loan.amount, msg.value);
        loan.status = Status.Repaid;
        _lent -= loan.amount;
        _collateralHeld -= loan.collateral;
        ++_repaid[loan.borrower];
        _credit(loan.borrower, loan.collateral);
        emit LoanClosed(loanId, Status.Repaid);
    }

    /// @notice Cancels loan `loanId` whose risk request expired unfulfilled (`req` from its
    /// Requested event; the hub refunds the fee, also when someone refunded it already), or was
    /// fulfilled with a callback that failed (the fee went to the fulfiller). The collateral, and
    /// a refunded fee, are owed to the borrower. Anyone may call.
    function cancel(uint256 loanId, IAssayRequestHub.Request calldata req) external nonReentrant {
        Loan storage loan = _loans[loanId];
        if (loan.status != Status.Requested) revert LendingPoolWrongStatus(loanId, loan.status);
        loan.status = Status.Cancelled;
        _reserved -= loan.amount;
        _collateralHeld -= loan.collateral;
        uint8 status = _REQUESTS.statusOf(loan.requestId);
        // Open: refund (reverts before the deadline). The stored fee, never `req.fee`, is credited.
        if (status == 1) _REQUESTS.refund(loan.requestId, req);
        if (_REQUESTS.owedTo(address(this)) != 0) _REQUESTS.withdraw();
        _credit(loan.borrower, uint256(loan.collateral) + (status == 2 ? 0 : loan.fee));
        emit LoanClosed(loanId, Status.Cancelled);
    }

    /// @notice Sends the caller what it is owed.
    function withdraw() external nonReentrant {
        uint256 amount = _owed[msg.sender];
        if (amount == 0) revert LendingPoolNothingOwed(msg.sender);
        _owed[msg.sender] = 0;
        _owedTotal -= amount;
        emit Withdrawn(msg.sender, amount);
        (bool ok, ) = msg.sender.call{value: amount}("");
        if (!ok) revert LendingPoolTransferFailed(msg.sender, amount);
    }

    /// @notice Sends `amount` of free liquidity to the owner.
    function withdrawLiquidity(uint256 amount) external nonReentrant {
        if (msg.sender != _OWNER) revert LendingPoolNotOwner(msg.sender);
        uint256 free = freeLiquidity();
        if (amount > free) revert LendingPoolNoLiquidity(amount, free);
        emit Withdrawn(msg.sender, amount);
        (bool ok, ) = msg.sender.call{value: amount}("");
        if (!ok) revert LendingPoolTransferFailed(msg.sender, amount);
    }

    /// @notice Liquidity not reserved for loans being assessed, not held as collateral, not owed.
    function freeLiquidity() public view returns (uint256) {
        return address(this).balance - _reserved - _owedTotal - _collateralHeld;
    }

    /// @notice Loan `loanId` (zero borrower when unknown).
    function loanOf(uint256 loanId) external view returns (Loan memory) {
        return _loans[loanId];
    }

    /// @notice What `account` can withdraw.
    function owedTo(address account) external view returns (uint256) {
        return _owed[account];
    }

    /// @notice Amount lent out and not repaid.
    function lent() external view returns (uint256) {
        return _lent;
    }

    /// @notice The features the pool would send for a loan of `amount` with `collateral` by `borrower`.
    function featuresOf(
        address borrower,
        uint256 amount,
        uint256 collateral
    ) external view returns (InputTensor memory) {
        return _features(borrower, amount, collateral);
    }

    /// @dev Opens the loan when the collateral covers its ratio, else rejects it and returns the collateral.
    function _decide(uint256 loanId, Loan storage loan) private {
        _reserved -= loan.amount;
        bool open = uint256(loan.collateral) * 10_000 >= uint256(loan.amount) * loan.ratioBps;
        if (open) {
            loan.status = Status.Open;
            _lent += loan.amount;
            _credit(loan.borrower, loan.amount);
        } else {
            loan.status = Status.Rejected;
            _collateralHeld -= loan.collateral;
            _credit(loan.borrower, loan.collateral);
        }
        emit LoanDecided(loanId, open);
    }

    function _credit(address account, uint256 amount) private {
        _owed[account] += amount;
        _owedTotal += amount;
    }

    /// @dev The 8 features in the model's fixed point (value * 2^frac, clamped to its signed range):
    /// amount (ETH), collateral / amount, repaid loans, loans taken, utilisation, amount / free
    /// liquidity, collateral (ETH), and a constant 1.
    function _features(
        address borrower,
        uint256 amount,
        uint256 collateral
    ) private view returns (InputTensor memory t) {
        uint256 liquidity = address(this).balance + _lent;
        int256[] memory v = new int256[](FEATURES);
        v[0] = _fixed(amount, 1 ether);
        v[1] = _fixed(collateral, amount);
        v[2] = _fixed(_repaid[borrower], 1);
        v[3] = _fixed(_loanCount, 16);
        v[4] = _fixed(_lent + _reserved, liquidity == 0 ? 1 : liquidity);
        v[5] = _fixed(amount, liquidity == 0 ? 1 : liquidity);
        v[6] = _fixed(collateral, 1 ether);
        v[7] = _fixed(1, 1);
        uint256 offset = uint256(1) << (_INPUT_BITS - 1);
        t.words = AssayInput.pack(v, _INPUT_BITS, offset);
        t.n = FEATURES;
        t.bits = _INPUT_BITS;
        t.offset = offset;
    }

    /// @dev num / den in the model's fixed point, clamped to the largest positive input.
    function _fixed(uint256 num, uint256 den) private view returns (int256) {
        uint256 max = (uint256(1) << (_INPUT_BITS - 1)) - 1;
        if (num > type(uint128).max) return int256(max);
        uint256 q = (num << _INPUT_FRAC) / den;
        return int256(q > max ? max : q);
    }
}
