// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IAssayProtocol
/// @notice Deployment of the whole on-chain protocol behind one address, which implements
/// IModelRegistry, IEnclaveRegistry, IOperatorStaking, IReceiptHub, IClaimDisputes and
/// IBatchSettlement. They share one contract so that recording a claim reads the model, the stake
/// or the enclave key without a cross-contract call.
interface IAssayProtocol {
    /// @notice Deployment parameters (fixed for the life of the contract).
    /// @param minStake Active stake needed to sign claims and post batches.
    /// @param challengeBond Exact value a challenge sends.
    /// @param slashAmount Stake a backer loses per refuted claim (capped by what it has).
    /// @param challengerShareBps Part of slashed stake paid to the winner (basis points, below
    /// 10,000: the treasury always keeps some, so a liar challenging itself still loses).
    /// @param challengeWindow Seconds a Signed/Attested claim (and a batch's imports) stays open.
    /// @param responseWindow Seconds a backer has to answer a challenge with a proof.
    /// @param unbondingDelay Seconds between an unbonding request and the withdrawal; must exceed
    /// 2 * challengeWindow + responseWindow (a batched claim may be imported at the end of its
    /// batch's window and challenged at the end of its own).
    /// @param treasury Receives the rest of slashed stake.
    struct ProtocolParams {
        uint96 minStake;
        uint96 challengeBond;
        uint96 slashAmount;
        uint16 challengerShareBps;
        uint32 challengeWindow;
        uint32 responseWindow;
        uint32 unbondingDelay;
        address treasury;
    }

    /// @notice The protocol was deployed with `params`, the verifier `verifier` and `admin`.
    event ProtocolDeployed(address indexed verifier, address indexed admin, ProtocolParams params);

    /// @notice An address parameter (verifier, admin or treasury) is zero.
    error AssayProtocolZeroAddress();

    /// @notice A window or the minimum stake is zero.
    error AssayProtocolZeroParameter();

    /// @notice The unbonding delay `unbondingDelay` does not exceed `minimum`.
    error AssayProtocolUnbondingTooShort(uint256 unbondingDelay, uint256 minimum);

    /// @notice The winner's share `bps` exceeds 10,000 basis points.
    error AssayProtocolShareTooHigh(uint256 bps);

    /// @notice The deployment parameters.
    function protocolParams() external view returns (ProtocolParams memory);
}
