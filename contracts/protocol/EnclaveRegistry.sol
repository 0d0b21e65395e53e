// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IEnclaveRegistry} from "../interfaces/IEnclaveRegistry.sol";
import {EnclaveRegistryLogic} from "./EnclaveRegistryLogic.sol";

/// @title EnclaveRegistry
/// @notice Enclave images and keys (see IEnclaveRegistry for the trust assumption: the
/// attestation-verifier role checks attestation documents off-chain).
/// @dev A key record is one word (image index, expiry, revoked, operator; layout in
/// EnclaveRegistryLogic), and revoking an image sets the revoked bit of each of its keys, so
/// checking an attester costs two storage reads with the model approval (which also holds the
/// model's verifying key id). Writes run in EnclaveRegistryLogic (delegatecall).
abstract contract EnclaveRegistry is IEnclaveRegistry, AccessControl {
    /// @notice Role that registers and revokes enclave keys and revokes images, vouching that it
    /// verified each attestation document off-chain.
    bytes32 public constant ATTESTATION_VERIFIER_ROLE = keccak256("ATTESTATION_VERIFIER_ROLE");

    uint256 private constant _KEY_EXPIRY_SHIFT = EnclaveRegistryLogic.KEY_EXPIRY_SHIFT;
    uint256 private constant _KEY_REVOKED = EnclaveRegistryLogic.KEY_REVOKED;
    uint256 private constant _KEY_OPERATOR_SHIFT = EnclaveRegistryLogic.KEY_OPERATOR_SHIFT;

    EnclaveRegistryLogic.Layout private _enclaves;

    /// @inheritdoc IEnclaveRegistry
    function registerImage(bytes32 measurement) external returns (uint32 index) {
        return EnclaveRegistryLogic.registerImage(_enclaves, measurement);
    }

    /// @inheritdoc IEnclaveRegistry
    function registerEnclaveKey(
        address key,
        bytes32 measurement,
        bytes32 attestationDocHash,
        uint40 expiresAt,
        address operator,
        bytes calldata operatorSignature
    ) external onlyRole(ATTESTATION_VERIFIER_ROLE) {
        _registerKey(
            EnclaveRegistryLogic.KeyTerms({
                key: key,
                measurement: measurement,
                attestationDocHash: attestationDocHash,
                expiresAt: expiresAt,
                operator: operator
            }),
            operatorSignature
        );
    }

    /// @inheritdoc IEnclaveRegistry
    function enclaveKeyBackingDigest(
        address key,
        bytes32 measurement,
        uint40 expiresAt
    ) external view returns (bytes32) {
        return _enclaveKeyBackingDigest(key, measurement, expiresAt);
    }

    /// @inheritdoc IEnclaveRegistry
    function revokeEnclaveKey(address key) external onlyRole(ATTESTATION_VERIFIER_ROLE) {
        EnclaveRegistryLogic.revokeKey(_enclaves, key);
    }

    /// @inheritdoc IEnclaveRegistry
    function revokeImage(bytes32 measurement) external onlyRole(ATTESTATION_VERIFIER_ROLE) {
        EnclaveRegistryLogic.revokeImage(_enclaves, measurement);
    }

    /// @inheritdoc IEnclaveRegistry
    function enclaveImage(bytes32 measurement) external view returns (EnclaveImage memory) {
        uint32 index = _enclaves.imageIndex[measurement];
        EnclaveRegistryLogic.ImageRecord storage image = _enclaves.images[index];
        return
            EnclaveImage({
                measurement: index == 0 ? bytes32(0) : measurement,
                index: index,
                revoked: image.revoked,
                revokedAt: image.revokedAt
            });
    }

    /// @inheritdoc IEnclaveRegistry
    function enclaveKey(address key) external view returns (EnclaveKey memory) {
        uint256 word = _enclaves.keys[key];
        uint32 index = uint32(word);
        return
            EnclaveKey({
                measurement: _enclaves.images[index].measurement,
                imageIndex: index,
                expiresAt: uint40(word >> _KEY_EXPIRY_SHIFT),
                revoked: word & _KEY_REVOKED != 0,
                operator: address(uint160(word >> _KEY_OPERATOR_SHIFT)),
                attestationDocHash: _enclaves.keyAttestation[key]
            });
    }

    /// @inheritdoc IEnclaveRegistry
    function canAttest(address key, bytes32 modelId) external view returns (bool) {
        uint256 word = _enclaves.keys[key];
        uint32 index = uint32(word);
        return
            index != 0 &&
            word & _KEY_REVOKED == 0 &&
            block.timestamp < uint40(word >> _KEY_EXPIRY_SHIFT) &&
            !_enclaves.images[index].revoked &&
            _attestableKey(modelId, index) != 0;
    }

    /// @dev Registers a key on the operator's consent (checked by the library).
    function _registerKey(EnclaveRegistryLogic.KeyTerms memory t, bytes calldata signature) private {
        (uint256 active, uint256 minimum) = _backingStake(t.operator);
        bytes32 digest = _enclaveKeyBackingDigest(t.key, t.measurement, t.expiresAt);
        EnclaveRegistryLogic.registerKey(
            _enclaves,
            t,
            EnclaveRegistryLogic.Consent({digest: digest, signature: signature, active: active, minStake: minimum})
        );
    }

    /// @dev Reverts unless `key` may attest claims about `modelId` evaluated with verifying key
    /// `keyId`: registered, unrevoked (revoking an image revokes its keys), unexpired (valid while
    /// now < expiresAt), its image approved for the active model, whose key is `keyId`. Two
    /// storage reads on success; the failure paths read more to name the exact cause.
    function _requireAttester(address key, bytes32 modelId, bytes32 keyId) internal view {
        uint256 word = _enclaves.keys[key];
        uint32 index = uint32(word);
        if (index == 0) revert EnclaveRegistryUnknownKey(key);
        if (word & _KEY_REVOKED != 0) {
            if (_enclaves.images[index].revoked)
                revert EnclaveRegistryImageRevoked(_enclaves.images[index].measurement);
            revert EnclaveRegistryKeyRevoked(key);
        }
        uint40 expiresAt = uint40(word >> _KEY_EXPIRY_SHIFT);
        if (block.timestamp >= expiresAt) revert EnclaveRegistryKeyExpired(key, expiresAt);
        bytes32 approvedKey = _attestableKey(modelId, index);
        if (approvedKey == 0) {
            _explainNotAttestable(modelId);
            revert EnclaveRegistryImageNotApproved(modelId, _enclaves.images[index].measurement);
        }
        if (approvedKey != keyId) _wrongVerifyingKey(modelId, approvedKey, keyId);
    }

    /// @dev Operator whose stake backs `key`'s claims (zero when none or unknown).
    function _keyOperator(address key) internal view returns (address) {
        return address(uint160(_enclaves.keys[key] >> _KEY_OPERATOR_SHIFT));
    }

    /// @dev Marks `key` revoked because a proof refuted one of its claims (no-op if already).
    function _revokeKeyByProof(address key) internal {
        uint256 word = _enclaves.keys[key];
        if (word & _KEY_REVOKED != 0) return;
        _enclaves.keys[key] = word | _KEY_REVOKED;
        emit EnclaveKeyRevoked(key, true);
    }

    /// @dev The map from measurement to image index (for the registry's library).
    function _imageIndexMap() internal view returns (mapping(bytes32 => uint32) storage) {
        return _enclaves.imageIndex;
    }

    /// @dev Measurement of image `index`.
    function _imageMeasurement(uint32 index) internal view returns (bytes32) {
        return _enclaves.images[index].measurement;
    }

    /// @dev The verifying key id of `modelId` when image `imageIndex` is approved for it and the
    /// model is active, else zero (the model registry keeps this word per approval up to date).
    function _attestableKey(bytes32 modelId, uint32 imageIndex) internal view virtual returns (bytes32);

    /// @dev Reverts: an enclave signed for `signedKey`, but `modelId`'s key is `registeredKey`.
    function _wrongVerifyingKey(bytes32 modelId, bytes32 registeredKey, bytes32 signedKey) internal pure virtual;

    /// @dev Active stake of `operator` and the protocol minimum.
    function _backingStake(address operator) internal view virtual returns (uint256 active, uint256 minimum);

    /// @dev EIP-712 digest of `EnclaveKeyBacking(key, measurement, expiresAt)`.
    function _enclaveKeyBackingDigest(
        address key,
        bytes32 measurement,
        uint40 expiresAt
    ) internal view virtual returns (bytes32);

    /// @dev Reverts with the model's own error when it is unknown, deprecated or disallows Attested.
    function _explainNotAttestable(bytes32 modelId) internal view virtual;
}
