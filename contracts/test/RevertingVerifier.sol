// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IGroth16Verifier} from "../interfaces/IGroth16Verifier.sol";

/// @title RevertingVerifier (test only)
/// @notice A verifier whose `verify` always reverts (here with its own "insufficient gas" error),
/// or burns all the gas it is given: disputes must still resolve.
contract RevertingVerifier is IGroth16Verifier {
    bool private immutable _BURN;

    constructor(bool burn) {
        _BURN = burn;
    }

    function registerKey(bytes calldata vk) external pure returns (bytes32) {
        return keccak256(vk);
    }

    function verify(bytes32, uint256[8] calldata, uint256[] calldata) external view returns (bool) {
        if (_BURN) {
            // Spin until the call runs out of gas.
            uint256 x;
            while (gasleft() > 0) {
                x = uint256(keccak256(abi.encode(x)));
            }
        }
        revert Groth16VerifierInsufficientGas();
    }

    function verifyBatch(bytes32[] calldata, uint256[8][] calldata, uint256[] calldata) external pure returns (bool) {
        revert Groth16VerifierInsufficientGas();
    }

    function isRegistered(bytes32) external pure returns (bool) {
        return true;
    }

    function publicSignalCount(bytes32) external pure returns (uint256) {
        return 3;
    }

    function verifyingKey(bytes32) external pure returns (bytes memory) {
        return "";
    }

    function keyCodeAddress(bytes32) external pure returns (address) {
        return address(0);
    }
}
