// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IEnclaveRegistry} from "../interfaces/IEnclaveRegistry.sol";
import {EnclaveRegistryLogic} from "./EnclaveRegistryLogic.sol";

/// @title EnclaveRegistry
/// @notice Enclave images and keys (see IEnclaveRegistry for the trust assumption: the
/// attestation-verifier role checks attestation documents off-chain).
/// @dev A key record is one word (image index, expiry, revoked, operator; layout in
/// EnclaveRegistryLogic) and an image's status is one slot, so checking an attester costs three
/// storage reads with the model approval. Writes run in EnclaveRegistryLogic (delegatecall).
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
        address operator
    ) external onlyRole(ATTESTATION_VERIFIER_ROLE) {
        EnclaveRegistryLogic.registerKey(_enclaves, key, measurement, attestationDocHash, expiresAt, operator);
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
            _isAttestable(modelId, index);
    }

    /// @dev Reverts unless `key` may attest claims about `modelId`: registered, unrevoked,
    /// unexpired (valid while now < expiresAt), image unrevoked and approved for the active model.
    /// Three storage reads on success; the failure paths read more to name the exact cause.
    function _requireAttester(address key, bytes32 modelId) internal view {
        uint256 word = _enclaves.keys[key];
        uint32 index = uint32(word);
        if (index == 0) revert EnclaveRegistryUnknownKey(key);
        if (word & _KEY_REVOKED != 0) revert EnclaveRegistryKeyRevoked(key);
        uint40 expiresAt = uint40(word >> _KEY_EXPIRY_SHIFT);
        if (block.timestamp >= expiresAt) revert EnclaveRegistryKeyExpired(key, expiresAt);
        if (_enclaves.images[index].revoked) revert EnclaveRegistryImageRevoked(_enclaves.images[index].measurement);
        if (!_isAttestable(modelId, index)) {
            _explainNotAttestable(modelId);
            revert EnclaveRegistryImageNotApproved(modelId, _enclaves.images[index].measurement);
        }
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

    /// @dev Whether image `imageIndex` is approved for `modelId` and the model is active (the model
    /// registry keeps this one bit per approval up to date).
    function _isAttestable(bytes32 modelId, uint32 imageIndex) internal view virtual returns (bool);

    /// @dev Reverts with the model's own error when it is unknown, deprecated or disallows Attested.
    function _explainNotAttestable(bytes32 modelId) internal view virtual;
}
