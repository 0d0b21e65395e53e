// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IGroth16Verifier} from "../interfaces/IGroth16Verifier.sol";
import {IModelRegistry} from "../interfaces/IModelRegistry.sol";
import {Level} from "../interfaces/IReceiptHub.sol";
import {EnclaveRegistry} from "./EnclaveRegistry.sol";
import {ModelRegistryLogic} from "./ModelRegistryLogic.sol";

/// @title ModelRegistry
/// @notice Immutable model versions in families (see IModelRegistry).
/// @dev Per version: a packed status word (what claims read), the verifying key id, the descriptor
/// hash and the family; approved images as up to eight 32-bit image indices in one word, plus one
/// "attestable" word per (version, image) holding the version's verifying key id, which deprecation
/// clears, so an Attested submission checks model, image approval and key with a single read. Writes run in
/// ModelRegistryLogic (delegatecall).
abstract contract ModelRegistry is IModelRegistry, EnclaveRegistry {
    /// @notice Most enclave images one version approves.
    uint256 public constant MAX_IMAGES_PER_MODEL = ModelRegistryLogic.MAX_IMAGES_PER_MODEL;
    /// @dev Public signals of every model circuit: [inputCommitment, output, binding].
    uint256 internal constant _MODEL_SIGNALS = ModelRegistryLogic.MODEL_SIGNALS;

    /// @dev The universal Groth16 verifier holding every model's verifying key.
    IGroth16Verifier internal immutable _VERIFIER;

    ModelRegistryLogic.Layout private _registry;

    constructor(IGroth16Verifier verifier_) {
        _VERIFIER = verifier_;
    }

    /// @inheritdoc IModelRegistry
    function registerModelVersion(ModelVersionInput calldata input) external returns (bytes32 modelId, uint32 version) {
        return ModelRegistryLogic.registerVersion(_registry, _imageIndexMap(), _VERIFIER, input);
    }

    /// @inheritdoc IModelRegistry
    function deprecateModelVersion(bytes32 modelId) external {
        ModelRegistryLogic.deprecateVersion(_registry, modelId);
    }

    /// @inheritdoc IModelRegistry
    function transferModelFamily(bytes32 family, address newOwner) external {
        ModelRegistryLogic.transferFamily(_registry, family, newOwner);
    }

    /// @inheritdoc IModelRegistry
    function modelVersion(bytes32 modelId) external view returns (ModelVersion memory) {
        ModelRegistryLogic.ModelRecord storage model = _registry.models[modelId];
        if (model.status == ModelStatus.Unknown) revert ModelRegistryUnknownModel(modelId);
        return
            ModelVersion({
                family: model.family,
                version: model.version,
                status: model.status,
                allowedLevels: model.allowedLevels,
                registeredAt: model.registeredAt,
                deprecatedAt: model.deprecatedAt,
                verifyingKeyId: model.verifyingKeyId,
                descriptorHash: model.descriptorHash,
                developmentSetup: model.developmentSetup
            });
    }

    /// @inheritdoc IModelRegistry
    function approvedImages(bytes32 modelId) external view returns (bytes32[] memory measurements) {
        uint256 list = _registry.imageLists[modelId];
        uint256 n;
        while (n < MAX_IMAGES_PER_MODEL && uint32(list >> (32 * n)) != 0) ++n;
        measurements = new bytes32[](n);
        for (uint256 i; i < n; ++i) {
            measurements[i] = _imageMeasurement(uint32(list >> (32 * i)));
        }
    }

    /// @inheritdoc IModelRegistry
    function acceptsLevel(bytes32 modelId, Level level) external view returns (bool) {
        ModelRegistryLogic.ModelRecord storage model = _registry.models[modelId];
        return
            model.status == ModelStatus.Active && level != Level.None && model.allowedLevels & (1 << uint8(level)) != 0;
    }

    /// @inheritdoc IModelRegistry
    function familyOwner(bytes32 family) external view returns (address) {
        return _registry.families[family].owner;
    }

    /// @inheritdoc IModelRegistry
    function latestVersion(bytes32 family) external view returns (uint32) {
        return _registry.families[family].versions;
    }

    /// @inheritdoc IModelRegistry
    function familyIdOf(address owner, string calldata label) external pure returns (bytes32) {
        return bytes32((uint256(uint160(owner)) << 96) | uint96(uint256(keccak256(bytes(label)))));
    }

    /// @inheritdoc IModelRegistry
    function modelIdOf(bytes32 family, uint32 version) external pure returns (bytes32) {
        return keccak256(abi.encode(family, version));
    }

    /// @inheritdoc IModelRegistry
    function descriptorHashOf(ModelVersionInput calldata input) external pure returns (bytes32) {
        return keccak256(abi.encode(input));
    }

    /// @notice The universal Groth16 verifier.
    function verifier() external view returns (IGroth16Verifier) {
        return _VERIFIER;
    }

    /// @dev Reverts unless `modelId` is active and allows `level` (one storage read).
    function _requireAccepts(bytes32 modelId, Level level) internal view {
        ModelRegistryLogic.ModelRecord storage model = _registry.models[modelId];
        ModelStatus status = model.status;
        if (status != ModelStatus.Active) {
            if (status == ModelStatus.Unknown) revert ModelRegistryUnknownModel(modelId);
            revert ModelRegistryModelDeprecated(modelId);
        }
        if (model.allowedLevels & (1 << uint8(level)) == 0) revert ModelRegistryLevelNotAllowed(modelId, level);
    }

    /// @dev Verifying key id of `modelId`; reverts for an unknown model.
    function _verifyingKeyOf(bytes32 modelId) internal view returns (bytes32 keyId) {
        keyId = _registry.models[modelId].verifyingKeyId;
        if (keyId == 0) revert ModelRegistryUnknownModel(modelId);
    }

    /// @inheritdoc EnclaveRegistry
    function _attestableKey(bytes32 modelId, uint32 imageIndex) internal view override returns (bytes32) {
        return _registry.attestable[modelId][imageIndex];
    }

    /// @inheritdoc EnclaveRegistry
    function _explainNotAttestable(bytes32 modelId) internal view override {
        _requireAccepts(modelId, Level.Attested);
    }
}
