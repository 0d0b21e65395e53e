// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {IAssayProtocol} from "../interfaces/IAssayProtocol.sol";
import {IGroth16Verifier} from "../interfaces/IGroth16Verifier.sol";
import {BatchSettlement} from "./BatchSettlement.sol";
import {ClaimDisputes} from "./ClaimDisputes.sol";
import {ModelRegistry} from "./ModelRegistry.sol";
import {OperatorStaking} from "./OperatorStaking.sol";
import {ReceiptHub} from "./ReceiptHub.sol";

/// @title AssayProtocol
/// @notice Deployable protocol: registry, enclaves, staking, receipts, disputes, batches.
/// `admin` holds DEFAULT_ADMIN_ROLE (grants the attestation-verifier role); nothing else is
/// upgradeable or adjustable after deployment.
contract AssayProtocol is IAssayProtocol, ClaimDisputes, BatchSettlement {
    constructor(
        IGroth16Verifier verifier_,
        address admin,
        ProtocolParams memory params
    )
        EIP712("AssayReceiptHub", "1")
        ModelRegistry(verifier_)
        OperatorStaking(params.minStake, params.unbondingDelay)
        ReceiptHub(params.challengeWindow)
        ClaimDisputes(
            params.challengeBond,
            params.slashAmount,
            params.challengerShareBps,
            params.responseWindow,
            params.treasury
        )
    {
        if (address(verifier_) == address(0) || admin == address(0) || params.treasury == address(0)) {
            revert AssayProtocolZeroAddress();
        }
        if (params.minStake == 0 || params.challengeWindow == 0 || params.responseWindow == 0) {
            revert AssayProtocolZeroParameter();
        }
        uint256 minimum = 2 * uint256(params.challengeWindow) + params.responseWindow;
        if (params.unbondingDelay <= minimum) revert AssayProtocolUnbondingTooShort(params.unbondingDelay, minimum);
        if (params.challengerShareBps >= 10_000) revert AssayProtocolShareTooHigh(params.challengerShareBps);
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        emit ProtocolDeployed(address(verifier_), admin, params);
    }

    /// @inheritdoc IAssayProtocol
    function protocolParams() external view returns (ProtocolParams memory) {
        return
            ProtocolParams({
                minStake: _MIN_STAKE,
                challengeBond: _CHALLENGE_BOND,
                slashAmount: _SLASH_AMOUNT,
                challengerShareBps: _CHALLENGER_SHARE_BPS,
                challengeWindow: _CHALLENGE_WINDOW,
                responseWindow: _RESPONSE_WINDOW,
                unbondingDelay: _UNBONDING_DELAY,
                treasury: _TREASURY
            });
    }
}
