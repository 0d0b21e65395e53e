// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IEnclaveRegistry} from "../interfaces/IEnclaveRegistry.sol";

/// @title EnclaveRegistryLogic
/// @notice The enclave registry's writes, as an external library the protocol contract
/// delegate-calls (its storage, its events, its errors; code outside its size limit). Access
/// control stays in the contract; the attester check on the hot path stays there too.
library EnclaveRegistryLogic {
    /// @dev Key word layout: bits 0..31 image index, 32..71 expiry, bit 72 revoked, 80..239 operator.
    uint256 internal constant KEY_EXPIRY_SHIFT = 32;
    uint256 internal constant KEY_REVOKED = 1 << 72;
    uint256 internal constant KEY_OPERATOR_SHIFT = 80;

    struct ImageRecord {
        bytes32 measurement;
        bool revoked;
        uint40 revokedAt;
    }

    struct Layout {
        mapping(bytes32 measurement => uint32) imageIndex;
        mapping(uint32 index => ImageRecord) images;
        uint32 imageCount;
        mapping(address key => uint256) keys;
        mapping(address key => bytes32) keyAttestation;
    }

    /// @dev See IEnclaveRegistry.registerImage.
    function registerImage(Layout storage $, bytes32 measurement) external returns (uint32 index) {
        if (measurement == 0) revert IEnclaveRegistry.EnclaveRegistryZeroMeasurement();
        index = $.imageIndex[measurement];
        if (index != 0) return index;
        index = ++$.imageCount;
        $.imageIndex[measurement] = index;
        $.images[index].measurement = measurement;
        emit IEnclaveRegistry.EnclaveImageRegistered(measurement, index, msg.sender);
    }

    /// @dev See IEnclaveRegistry.registerEnclaveKey (the caller checked the role).
    function registerKey(
        Layout storage $,
        address key,
        bytes32 measurement,
        bytes32 attestationDocHash,
        uint40 expiresAt,
        address operator
    ) external {
        if (key == address(0)) revert IEnclaveRegistry.EnclaveRegistryZeroKey();
        if ($.keys[key] != 0) revert IEnclaveRegistry.EnclaveRegistryKeyExists(key);
        uint32 index = $.imageIndex[measurement];
        if (index == 0) revert IEnclaveRegistry.EnclaveRegistryUnknownImage(measurement);
        if ($.images[index].revoked) revert IEnclaveRegistry.EnclaveRegistryImageRevoked(measurement);
        if (expiresAt <= block.timestamp)
            revert IEnclaveRegistry.EnclaveRegistryExpiryInPast(expiresAt, block.timestamp);
        $.keys[key] =
            uint256(index) |
            (uint256(expiresAt) << KEY_EXPIRY_SHIFT) |
            (uint256(uint160(operator)) << KEY_OPERATOR_SHIFT);
        $.keyAttestation[key] = attestationDocHash;
        emit IEnclaveRegistry.EnclaveKeyRegistered(key, measurement, attestationDocHash, expiresAt, operator);
    }

    /// @dev See IEnclaveRegistry.revokeEnclaveKey (the caller checked the role).
    function revokeKey(Layout storage $, address key) external {
        uint256 word = $.keys[key];
        if (word == 0) revert IEnclaveRegistry.EnclaveRegistryUnknownKey(key);
        if (word & KEY_REVOKED != 0) revert IEnclaveRegistry.EnclaveRegistryKeyRevoked(key);
        $.keys[key] = word | KEY_REVOKED;
        emit IEnclaveRegistry.EnclaveKeyRevoked(key, false);
    }

    /// @dev See IEnclaveRegistry.revokeImage (the caller checked the role).
    function revokeImage(Layout storage $, bytes32 measurement) external {
        uint32 index = $.imageIndex[measurement];
        if (index == 0) revert IEnclaveRegistry.EnclaveRegistryUnknownImage(measurement);
        ImageRecord storage image = $.images[index];
        if (image.revoked) revert IEnclaveRegistry.EnclaveRegistryImageRevoked(measurement);
        image.revoked = true;
        image.revokedAt = uint40(block.timestamp);
        emit IEnclaveRegistry.EnclaveImageRevoked(measurement, index, msg.sender);
    }
}
