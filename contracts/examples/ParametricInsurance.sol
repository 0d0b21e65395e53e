// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {AssayConsumer} from "../consumer/AssayConsumer.sol";
import {Claim, IReceiptHub, Level} from "../interfaces/IReceiptHub.sol";
import {ConsequencePolicy} from "../policy/ConsequencePolicy.sol";

/// @title ParametricInsurance
/// @notice Example consumer built on the consumer kit ({AssayConsumer}): an insurer pays claims
/// whose size a registered model decides, and demands more evidence the more it pays. A policy
/// names the model and the commitment of the insured input (say, a damage photo); the model's
/// output is a severity label 0..9 and the payout is `coverage * severity / 9`. Small payouts are
/// made on a final Signed claim; payouts above the insurer's thresholds need an Attested or a
/// Proven claim, and below Proven a backer whose stake covers the payout (the kit's
/// ConsequencePolicy checks). Each claim settles at most one policy. Money only leaves through
/// `withdraw` (pull payments, reentrancy guard).
contract ParametricInsurance is AssayConsumer, ReentrancyGuardTransient {
    /// @notice Highest severity label; outputs above it count as this.
    uint256 public constant MAX_SEVERITY = 9;

    struct Policy {
        address holder;
        uint96 coverage;
        bytes32 modelId;
        uint256 inputCommitment;
        bool settled;
    }

    address private immutable _INSURER;

    mapping(uint256 policyId => Policy) private _policies;
    uint256 private _policyCount;
    /// @dev Coverage of unsettled policies: funds that must stay in the contract.
    uint256 private _reserved;
    /// @dev Approved payouts not yet withdrawn (also kept in the contract).
    uint256 private _owedTotal;
    mapping(address holder => uint256) private _owed;

    /// @notice The insurer added `amount` to the pool.
    event Funded(address indexed from, uint256 amount);
    /// @notice Policy `policyId` covers `holder` up to `coverage` on `modelId`'s verdict on `inputCommitment`.
    event PolicyIssued(
        uint256 indexed policyId,
        address indexed holder,
        bytes32 indexed modelId,
        uint256 inputCommitment,
        uint256 coverage
    );
    /// @notice Policy `policyId` was settled on claim `claimId` (severity `severity`, at `level` or
    /// above) for `payout`.
    event PayoutApproved(
        uint256 indexed policyId,
        bytes32 indexed claimId,
        uint256 severity,
        Level requiredLevel,
        uint256 payout
    );
    /// @notice `account` withdrew `amount`.
    event Withdrawn(address indexed account, uint256 amount);

    /// @notice Only the insurer may do this; `caller` is not it.
    error ParametricInsuranceNotInsurer(address caller);
    /// @notice The pool's free funds `free` cannot cover `needed`.
    error ParametricInsuranceUnderfunded(uint256 needed, uint256 free);
    /// @notice No policy `policyId`.
    error ParametricInsuranceUnknownPolicy(uint256 policyId);
    /// @notice Policy `policyId` is already settled.
    error ParametricInsuranceSettled(uint256 policyId);
    /// @notice Nothing to withdraw for `account`.
    error ParametricInsuranceNothingOwed(address account);
    /// @notice Sending `amount` to `to` failed.
    error ParametricInsuranceTransferFailed(address to, uint256 amount);
    /// @notice Coverage must be nonzero and fit 96 bits; got `coverage`.
    error ParametricInsuranceBadCoverage(uint256 coverage);

    /// @notice Trusts receipts of `hub_` with the payout thresholds `thresholds_`. Reverts when
    /// `hub_` is zero or the thresholds are unordered.
    constructor(IReceiptHub hub_, ConsequencePolicy.Thresholds memory thresholds_) AssayConsumer(hub_, thresholds_) {
        _INSURER = msg.sender;
    }

    /// @notice Adds `msg.value` to the pool.
    function fund() external payable {
        emit Funded(msg.sender, msg.value);
    }

    /// @notice Issues a policy, reserving its coverage from the free funds. Only the insurer.
    function issuePolicy(
        address holder,
        bytes32 modelId,
        uint256 inputCommitment,
        uint256 coverage
    ) external returns (uint256 policyId) {
        if (msg.sender != _INSURER) revert ParametricInsuranceNotInsurer(msg.sender);
        if (coverage == 0 || coverage > type(uint96).max) revert ParametricInsuranceBadCoverage(coverage);
        uint256 free = freeFunds();
        if (coverage > free) revert ParametricInsuranceUnderfunded(coverage, free);
        policyId = ++_policyCount;
        _policies[policyId] = Policy({
            holder: holder,
            coverage: uint96(coverage),
            modelId: modelId,
            inputCommitment: inputCommitment,
            settled: false
        });
        _reserved += coverage;
        emit PolicyIssued(policyId, holder, modelId, inputCommitment, coverage);
    }

    /// @notice Settles policy `policyId` on `claim` (anyone may call; the payout is owed to the
    /// holder). Reverts unless the claim is about the insured model and input, the hub holds it
    /// final at the level the payout requires, backed (below Proven) by at least the payout in
    /// stake, and it has not settled a policy before (the kit's `_acceptClaim`).
    function claimPayout(uint256 policyId, Claim calldata claim) external returns (uint256 payout) {
        Policy storage policy = _policies[policyId];
        if (policy.holder == address(0)) revert ParametricInsuranceUnknownPolicy(policyId);
        if (policy.settled) revert ParametricInsuranceSettled(policyId);
        uint256 severity = claim.output > MAX_SEVERITY ? MAX_SEVERITY : claim.output;
        uint256 coverage = policy.coverage;
        payout = (coverage * severity) / MAX_SEVERITY;
        (bytes32 claimId, ) = _acceptClaim(claim, policy.modelId, policy.inputCommitment, payout);

        policy.settled = true;
        _reserved -= coverage;
        _owed[policy.holder] += payout;
        _owedTotal += payout;
        emit PayoutApproved(policyId, claimId, severity, requiredLevel(payout), payout);
    }

    /// @notice Sends the caller what it is owed.
    function withdraw() external nonReentrant {
        uint256 amount = _owed[msg.sender];
        if (amount == 0) revert ParametricInsuranceNothingOwed(msg.sender);
        _owed[msg.sender] = 0;
        _owedTotal -= amount;
        emit Withdrawn(msg.sender, amount);
        _send(msg.sender, amount);
    }

    /// @notice Sends `amount` of free funds to the insurer. Only the insurer.
    function withdrawFree(uint256 amount) external nonReentrant {
        if (msg.sender != _INSURER) revert ParametricInsuranceNotInsurer(msg.sender);
        uint256 free = freeFunds();
        if (amount > free) revert ParametricInsuranceUnderfunded(amount, free);
        emit Withdrawn(msg.sender, amount);
        _send(msg.sender, amount);
    }

    /// @notice Funds neither reserved for open policies nor owed.
    function freeFunds() public view returns (uint256) {
        return address(this).balance - _reserved - _owedTotal;
    }

    /// @notice Policy `policyId` (zero holder when unknown).
    function policyOf(uint256 policyId) external view returns (Policy memory) {
        return _policies[policyId];
    }

    /// @notice Approved payouts `account` has not withdrawn yet.
    function owedTo(address account) external view returns (uint256) {
        return _owed[account];
    }

    /// @notice Coverage held back for unsettled policies.
    function reserved() external view returns (uint256) {
        return _reserved;
    }

    /// @notice The receipt hub this insurer trusts.
    function hub() external view returns (IReceiptHub) {
        return assayHub();
    }

    /// @notice The insurer (deployer): issues policies and withdraws free funds.
    function insurer() external view returns (address) {
        return _INSURER;
    }

    /// @notice The payout thresholds of the Signed and Attested levels.
    function thresholds() external view returns (ConsequencePolicy.Thresholds memory) {
        return consequenceThresholds();
    }

    /// @dev Sends `amount` to `to`, reverting (state restored) when the payee refuses it.
    function _send(address to, uint256 amount) private {
        (bool ok, ) = to.call{value: amount}("");
        if (!ok) revert ParametricInsuranceTransferFailed(to, amount);
    }
}
