// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IEnclaveRegistry} from "../interfaces/IEnclaveRegistry.sol";
import {IGroth16Verifier} from "../interfaces/IGroth16Verifier.sol";
import {IModelRegistry} from "../interfaces/IModelRegistry.sol";
import {Level} from "../interfaces/IReceiptHub.sol";

/// @title ModelRegistryLogic
/// @notice The model registry's writes (register, deprecate, transfer), as an external library the
/// protocol contract delegate-calls: they run on the protocol's storage, emit its events and revert
/// with its errors, while their code stays out of the protocol's 24,576-byte limit. The reads that
/// claim submissions need stay in ModelRegistry itself (no call on the hot path).
library ModelRegistryLogic {
    /// @notice Most enclave images one version approves (eight 32-bit indices fill one word).
    uint256 internal constant MAX_IMAGES_PER_MODEL = 8;
    /// @dev Public signals of every model circuit: [inputCommitment, output, binding].
    uint256 internal constant MODEL_SIGNALS = 3;
    uint8 private constant _ATTESTED_BIT = uint8(1 << uint8(Level.Attested));
    uint8 private constant _PROVEN_BIT = uint8(1 << uint8(Level.Proven));
    uint8 private constant _ALL_LEVEL_BITS = uint8(
        (1 << uint8(Level.Signed)) | (1 << uint8(Level.Attested)) | (1 << uint8(Level.Proven))
    );

    struct ModelRecord {
        // Slot 0: what claim submissions read.
        IModelRegistry.ModelStatus status;
        uint8 allowedLevels;
        uint32 version;
        uint40 registeredAt;
        uint40 deprecatedAt;
        bool developmentSetup;
        // Slots 1..3.
        bytes32 verifyingKeyId;
        bytes32 descriptorHash;
        bytes32 family;
    }

    struct Family {
        address owner;
        uint32 versions;
    }

    /// @dev The registry's storage. `imageLists`: up to eight nonzero 32-bit image indices, entry i
    /// at bits [32 i, 32 i + 32). `attestable`: image approved for the version and the version
    /// active (deprecation clears it), so an Attested submission checks both with one read.
    struct Layout {
        mapping(bytes32 modelId => ModelRecord) models;
        mapping(bytes32 family => Family) families;
        mapping(bytes32 modelId => uint256) imageLists;
        // Nonzero while the image may attest claims about the active version: the version's
        // verifying key id, which an Attested signature must name (one read checks both).
        mapping(bytes32 modelId => mapping(uint32 imageIndex => bytes32)) attestable;
    }

    /// @dev See IModelRegistry.registerModelVersion. `imageIndex` is the enclave registry's map
    /// from measurement to image index.
    function registerVersion(
        Layout storage $,
        mapping(bytes32 => uint32) storage imageIndex,
        IGroth16Verifier verifier,
        IModelRegistry.ModelVersionInput calldata input
    ) external returns (bytes32 modelId, uint32 version) {
        bytes32 family = input.family;
        if (family == 0) revert IModelRegistry.ModelRegistryZeroFamily();
        Family storage fam = $.families[family];
        address owner = fam.owner;
        if (owner == address(0)) {
            if (address(uint160(uint256(family) >> 96)) != msg.sender) {
                revert IModelRegistry.ModelRegistryFamilyNotInNamespace(family, msg.sender);
            }
            fam.owner = msg.sender;
            emit IModelRegistry.ModelFamilyCreated(family, msg.sender);
        } else if (owner != msg.sender) {
            revert IModelRegistry.ModelRegistryNotFamilyOwner(family, msg.sender, owner);
        }
        if (fam.versions == type(uint32).max) revert IModelRegistry.ModelRegistryTooManyVersions(family);
        version = fam.versions + 1;
        fam.versions = version;
        modelId = keccak256(abi.encode(family, version));

        uint8 levels = input.allowedLevels;
        if (levels & ~_ALL_LEVEL_BITS != 0 || levels & _PROVEN_BIT == 0) {
            revert IModelRegistry.ModelRegistryInvalidLevels(levels);
        }
        bytes32 keyId = input.verifyingKeyId;
        if (!verifier.isRegistered(keyId)) revert IModelRegistry.ModelRegistryUnknownVerifyingKey(keyId);
        uint256 nPublic = verifier.publicSignalCount(keyId);
        if (nPublic != MODEL_SIGNALS) revert IModelRegistry.ModelRegistryKeySignalCount(keyId, nPublic);
        _approveImages($, imageIndex, modelId, input.enclaveImages, levels, keyId);

        bytes32 descriptorHash = keccak256(abi.encode(input));
        $.models[modelId] = ModelRecord({
            status: IModelRegistry.ModelStatus.Active,
            allowedLevels: levels,
            version: version,
            registeredAt: uint40(block.timestamp),
            deprecatedAt: 0,
            developmentSetup: input.setup.development,
            verifyingKeyId: keyId,
            descriptorHash: descriptorHash,
            family: family
        });
        emit IModelRegistry.ModelVersionRegistered(modelId, family, version, descriptorHash, input);
    }

    /// @dev See IModelRegistry.deprecateModelVersion.
    function deprecateVersion(Layout storage $, bytes32 modelId) external {
        ModelRecord storage model = $.models[modelId];
        IModelRegistry.ModelStatus status = model.status;
        if (status == IModelRegistry.ModelStatus.Unknown) revert IModelRegistry.ModelRegistryUnknownModel(modelId);
        bytes32 family = model.family;
        address owner = $.families[family].owner;
        if (owner != msg.sender) revert IModelRegistry.ModelRegistryNotFamilyOwner(family, msg.sender, owner);
        if (status == IModelRegistry.ModelStatus.Deprecated)
            revert IModelRegistry.ModelRegistryAlreadyDeprecated(modelId);
        model.status = IModelRegistry.ModelStatus.Deprecated;
        model.deprecatedAt = uint40(block.timestamp);
        uint256 list = $.imageLists[modelId];
        mapping(uint32 => bytes32) storage approved = $.attestable[modelId];
        // At most eight entries; a zero entry ends the list.
        for (uint256 i; i < MAX_IMAGES_PER_MODEL; ++i) {
            uint32 index = uint32(list >> (32 * i));
            if (index == 0) break;
            delete approved[index];
        }
        emit IModelRegistry.ModelVersionDeprecated(modelId, family);
    }

    /// @dev See IModelRegistry.transferModelFamily.
    function transferFamily(Layout storage $, bytes32 family, address newOwner) external {
        Family storage fam = $.families[family];
        address owner = fam.owner;
        if (owner != msg.sender) revert IModelRegistry.ModelRegistryNotFamilyOwner(family, msg.sender, owner);
        if (newOwner == address(0)) revert IModelRegistry.ModelRegistryZeroOwner();
        fam.owner = newOwner;
        emit IModelRegistry.ModelFamilyOwnershipTransferred(family, owner, newOwner);
    }

    function _approveImages(
        Layout storage $,
        mapping(bytes32 => uint32) storage imageIndex,
        bytes32 modelId,
        bytes32[] calldata images,
        uint8 levels,
        bytes32 keyId
    ) private {
        uint256 n = images.length;
        if ((levels & _ATTESTED_BIT != 0) != (n != 0)) revert IModelRegistry.ModelRegistryImagesMismatch(levels, n);
        if (n > MAX_IMAGES_PER_MODEL) revert IModelRegistry.ModelRegistryTooManyImages(n, MAX_IMAGES_PER_MODEL);
        uint256 list;
        mapping(uint32 => bytes32) storage approved = $.attestable[modelId];
        for (uint256 i; i < n; ++i) {
            bytes32 measurement = images[i];
            uint32 index = imageIndex[measurement];
            if (index == 0) revert IEnclaveRegistry.EnclaveRegistryUnknownImage(measurement);
            if (approved[index] != 0) revert IModelRegistry.ModelRegistryDuplicateImage(measurement);
            approved[index] = keyId;
            list |= uint256(index) << (32 * i);
        }
        if (list != 0) $.imageLists[modelId] = list;
    }
}
