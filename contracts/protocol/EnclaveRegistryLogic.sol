// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
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

    /// @dev What a key registration records.
    struct KeyTerms {
        address key;
        bytes32 measurement;
        bytes32 attestationDocHash;
        uint40 expiresAt;
        address operator;
    }

    /// @dev The operator's consent to back a key: its signature over `digest` (empty when the
    /// operator registers the key itself), and its stake now.
    struct Consent {
        bytes32 digest;
        bytes signature;
        uint256 active;
        uint256 minStake;
    }

    struct Layout {
        mapping(bytes32 measurement => uint32) imageIndex;
        mapping(uint32 index => ImageRecord) images;
        uint32 imageCount;
        mapping(address key => uint256) keys;
        mapping(address key => bytes32) keyAttestation;
        // Every key registered for an image, so revoking the image revokes them all in the key
        // words themselves: the Attested hot path then reads no image record. Only the
        // attestation-verifier role adds keys, so the list grows only as fast as it registers.
        mapping(uint32 imageIndex => address[]) imageKeys;
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
    // The protocol builds both structs in memory (one from its calldata, one from its own reads).
    // solhint-disable-next-line gas-calldata-parameters
    function registerKey(Layout storage $, KeyTerms memory t, Consent memory c) external {
        if (t.key == address(0)) revert IEnclaveRegistry.EnclaveRegistryZeroKey();
        if ($.keys[t.key] != 0) revert IEnclaveRegistry.EnclaveRegistryKeyExists(t.key);
        uint32 index = $.imageIndex[t.measurement];
        if (index == 0) revert IEnclaveRegistry.EnclaveRegistryUnknownImage(t.measurement);
        if ($.images[index].revoked) revert IEnclaveRegistry.EnclaveRegistryImageRevoked(t.measurement);
        if (t.expiresAt <= block.timestamp)
            revert IEnclaveRegistry.EnclaveRegistryExpiryInPast(t.expiresAt, block.timestamp);
        _requireConsent(t, c);
        $.keys[t.key] =
            uint256(index) |
            (uint256(t.expiresAt) << KEY_EXPIRY_SHIFT) |
            (uint256(uint160(t.operator)) << KEY_OPERATOR_SHIFT);
        $.keyAttestation[t.key] = t.attestationDocHash;
        $.imageKeys[index].push(t.key);
        emit IEnclaveRegistry.EnclaveKeyRegistered(t.key, t.measurement, t.attestationDocHash, t.expiresAt, t.operator);
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
        address[] storage keys = $.imageKeys[index];
        uint256 n = keys.length;
        for (uint256 i; i < n; ++i) {
            address key = keys[i];
            uint256 word = $.keys[key];
            if (word & KEY_REVOKED == 0) $.keys[key] = word | KEY_REVOKED;
        }
        emit IEnclaveRegistry.EnclaveImageRevoked(measurement, index, msg.sender);
    }

    /// @dev Reverts unless the operator is nonzero, staked, and consents: it is the caller, or it
    /// signed the backing digest (an EOA signature or an ERC-1271 contract's approval).
    function _requireConsent(KeyTerms memory t, Consent memory c) private view {
        address operator = t.operator;
        if (operator == address(0)) revert IEnclaveRegistry.EnclaveRegistryZeroOperator();
        if (c.active < c.minStake)
            revert IEnclaveRegistry.EnclaveRegistryOperatorNotStaked(operator, c.active, c.minStake);
        if (operator == msg.sender) return;
        if (!SignatureChecker.isValidSignatureNow(operator, c.digest, c.signature)) {
            revert IEnclaveRegistry.EnclaveRegistryNoOperatorConsent(operator, t.key);
        }
    }
}
