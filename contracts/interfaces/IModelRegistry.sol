// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Level} from "./IReceiptHub.sol";

/// @title IModelRegistry
/// @notice Immutable model versions, grouped in families owned by one account. A version is data in
/// storage (never a contract): its verifying key lives in the universal Groth16 verifier under a
/// key id, and everything else an auditor needs is committed by `descriptorHash` and emitted in
/// full with `ModelVersionRegistered`. Owners add versions and deprecate them; nothing is deleted.
///
/// A version's id is `keccak256(abi.encode(family, version))` with versions numbered 1, 2, ...
/// within their family. Family ids are namespaced by their creator: the top 20 bytes of a new
/// family's id must be the registering account (see `familyIdOf`), so nobody can take a name in
/// someone else's namespace first; ownership can move later, the id stays. Every version has a verifying key whose
/// circuit has exactly three public
/// signals `[inputCommitment, output, binding]`, so every claim about it can be proven, and so
/// disputed. `allowedLevels` is a bit mask over {Level} (`1 << uint8(level)`); Proven is always
/// in it, Signed and Attested are the owner's choice; Attested needs at least one approved image.
interface IModelRegistry {
    /// @notice Lifecycle of a version. A deprecated version accepts no new claims at any level;
    /// claims already recorded keep their level and can still be proven or disputed.
    enum ModelStatus {
        Unknown,
        Active,
        Deprecated
    }

    /// @notice Shape and fixed-point scale of a tensor: real value = integer / 2^frac; integers
    /// are `bits` wide, two's complement offset by 2^(bits-1) when `isSigned`.
    struct TensorSpec {
        uint32[] shape;
        int16 frac;
        uint8 bits;
        bool isSigned;
    }

    /// @notice Where the verifying key came from. `ptauHash`: SHA-256 of the powers-of-tau file;
    /// `phase2Hash`: SHA-256 of the final zkey (the phase-2 transcript, every contribution in it);
    /// `development`: the keys come from a development ceremony whose secrets are public, so anyone
    /// can forge proofs: fine for testing, worthless on a chain with value. Declared by the
    /// registrant; `assay model verify-setup` re-checks the zkey against the r1cs and the ptau.
    struct SetupProvenance {
        bytes32 ptauHash;
        bytes32 phase2Hash;
        bool development;
    }

    /// @notice Everything that defines a version. `descriptorHash = keccak256(abi.encode(input))`.
    /// @param family Family id; a new one must be in the registrant's namespace (`familyIdOf`).
    /// @param onnxSha256 SHA-256 of the ONNX file.
    /// @param quantizationHash Hash of the quantization configuration (scales, widths).
    /// @param circuitHash Hash of the circuit (e.g. of its r1cs).
    /// @param verifyingKeyId Key id in the universal Groth16 verifier (three public signals).
    /// @param allowedLevels Bit mask over {Level}; must contain Proven.
    /// @param input Input tensor spec.
    /// @param output Output tensor spec.
    /// @param storageUri Where the ONNX file and artifacts can be fetched.
    /// @param enclaveImages Enclave image measurements approved for Attested claims (registered
    /// with the enclave registry first; at most `MAX_IMAGES_PER_MODEL`, no duplicates).
    /// @param setup Provenance of the verifying key's trusted setup.
    struct ModelVersionInput {
        bytes32 family;
        bytes32 onnxSha256;
        bytes32 quantizationHash;
        bytes32 circuitHash;
        bytes32 verifyingKeyId;
        uint8 allowedLevels;
        TensorSpec input;
        TensorSpec output;
        string storageUri;
        bytes32[] enclaveImages;
        SetupProvenance setup;
    }

    /// @notice What is stored for a version.
    struct ModelVersion {
        bytes32 family;
        uint32 version;
        ModelStatus status;
        uint8 allowedLevels;
        uint40 registeredAt;
        uint40 deprecatedAt;
        bytes32 verifyingKeyId;
        bytes32 descriptorHash;
        bool developmentSetup;
    }

    /// @notice `owner` registered the first version of `family` and owns it.
    event ModelFamilyCreated(bytes32 indexed family, address indexed owner);

    /// @notice Ownership of `family` moved from `previousOwner` to `newOwner`.
    event ModelFamilyOwnershipTransferred(
        bytes32 indexed family,
        address indexed previousOwner,
        address indexed newOwner
    );

    /// @notice Version `version` of `family` was registered under `modelId`; `input` is the full
    /// descriptor, `descriptorHash` its hash as stored.
    event ModelVersionRegistered(
        bytes32 indexed modelId,
        bytes32 indexed family,
        uint32 version,
        bytes32 descriptorHash,
        ModelVersionInput input
    );

    /// @notice `modelId` was deprecated by its family's owner.
    event ModelVersionDeprecated(bytes32 indexed modelId, bytes32 indexed family);

    /// @notice No version is registered under `modelId`.
    error ModelRegistryUnknownModel(bytes32 modelId);

    /// @notice The family id is zero.
    error ModelRegistryZeroFamily();

    /// @notice A new family's id must start with its creator's address (`familyIdOf(caller, label)`).
    error ModelRegistryFamilyNotInNamespace(bytes32 family, address caller);

    /// @notice `caller` does not own `family` (owned by `owner`).
    error ModelRegistryNotFamilyOwner(bytes32 family, address caller, address owner);

    /// @notice The new owner is the zero address.
    error ModelRegistryZeroOwner();

    /// @notice The level mask has bits outside Signed|Attested|Proven, or lacks Proven.
    error ModelRegistryInvalidLevels(uint8 allowedLevels);

    /// @notice The verifying key is not registered in the verifier.
    error ModelRegistryUnknownVerifyingKey(bytes32 keyId);

    /// @notice The verifying key takes `nPublic` public signals; model circuits take 3.
    error ModelRegistryKeySignalCount(bytes32 keyId, uint256 nPublic);

    /// @notice Attested is allowed but no image is approved, or images are given without Attested.
    error ModelRegistryImagesMismatch(uint8 allowedLevels, uint256 imageCount);

    /// @notice More images than fit one version (`max`).
    error ModelRegistryTooManyImages(uint256 count, uint256 max);

    /// @notice The image is listed twice.
    error ModelRegistryDuplicateImage(bytes32 measurement);

    /// @notice The version is already deprecated.
    error ModelRegistryAlreadyDeprecated(bytes32 modelId);

    /// @notice The version is deprecated: it accepts no new claims.
    error ModelRegistryModelDeprecated(bytes32 modelId);

    /// @notice The version does not allow claims at `level`.
    error ModelRegistryLevelNotAllowed(bytes32 modelId, Level level);

    /// @notice A family holds at most 2^32 - 1 versions.
    error ModelRegistryTooManyVersions(bytes32 family);

    /// @notice Registers the next version of `input.family` and returns its id and number. Creates
    /// the family (owned by the caller) on its first version, when its id is in the caller's
    /// namespace; reverts unless the caller owns it.
    /// Reverts unless the verifying key is registered with three public signals, the level mask
    /// contains Proven, and the images (registered, distinct, at most the maximum) are given
    /// exactly when Attested is allowed.
    function registerModelVersion(ModelVersionInput calldata input) external returns (bytes32 modelId, uint32 version);

    /// @notice Deprecates `modelId`. Reverts unless the caller owns its family and it is active.
    function deprecateModelVersion(bytes32 modelId) external;

    /// @notice Moves ownership of `family` to `newOwner`. Reverts unless the caller owns it.
    function transferModelFamily(bytes32 family, address newOwner) external;

    /// @notice The stored version. Reverts for an unknown id.
    function modelVersion(bytes32 modelId) external view returns (ModelVersion memory);

    /// @notice Measurements of the images approved for `modelId` (empty if none; unknown ids too).
    function approvedImages(bytes32 modelId) external view returns (bytes32[] memory);

    /// @notice Whether `modelId` is active and allows claims at `level`.
    function acceptsLevel(bytes32 modelId, Level level) external view returns (bool);

    /// @notice Owner of `family` (zero if it has no version yet).
    function familyOwner(bytes32 family) external view returns (address);

    /// @notice Number of versions of `family` (the latest version's number).
    function latestVersion(bytes32 family) external view returns (uint32);

    /// @notice The family id of `label` in `owner`'s namespace:
    /// `bytes32(uint256(uint160(owner)) << 96 | uint96(uint256(keccak256(bytes(label)))))`.
    function familyIdOf(address owner, string calldata label) external pure returns (bytes32);

    /// @notice `keccak256(abi.encode(family, version))`.
    function modelIdOf(bytes32 family, uint32 version) external pure returns (bytes32);

    /// @notice `keccak256(abi.encode(input))`: compare with `modelVersion(id).descriptorHash`.
    function descriptorHashOf(ModelVersionInput calldata input) external pure returns (bytes32);
}
