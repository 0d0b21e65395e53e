// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IEnclaveRegistry
/// @notice Enclave images (by measurement) and the secp256k1 signing keys of enclaves running them.
///
/// Trust assumption: the chain does not parse attestation documents. An account holding the
/// attestation-verifier role checked each document off-chain (vendor certificate chain, the
/// measurement, that the document's report data commits to the key) before registering the key,
/// and records the document's hash so an auditor can fetch and re-check it. An Attested claim is
/// therefore as good as the hardware vendor's attestation and that role's diligence; a proof can
/// still refute it, and revoking an image disables every key of that image at once.
///
/// The role cannot put a key on an operator's stake by itself: the operator consents by signing
/// the EIP-712 struct `EnclaveKeyBacking(address key,bytes32 measurement,uint40 expiresAt)` in the
/// receipt hub's domain (or by holding the role and registering the key itself), and must be
/// staked when the key is registered.
interface IEnclaveRegistry {
    /// @notice An enclave image. `index` is its compact id (1, 2, ...), used in key records.
    struct EnclaveImage {
        bytes32 measurement;
        uint32 index;
        bool revoked;
        uint40 revokedAt;
    }

    /// @notice An enclave signing key. `operator` is the account whose stake backs the key's claims; `revoked` is set
    /// by the role or when a proof refutes one of its claims.
    struct EnclaveKey {
        bytes32 measurement;
        uint32 imageIndex;
        uint40 expiresAt;
        bool revoked;
        address operator;
        bytes32 attestationDocHash;
    }

    /// @notice `measurement` was registered as image `index`.
    event EnclaveImageRegistered(bytes32 indexed measurement, uint32 index, address indexed registrant);

    /// @notice Image `measurement` was revoked: every key of it is disabled.
    event EnclaveImageRevoked(bytes32 indexed measurement, uint32 index, address indexed by);

    /// @notice `key` was registered for image `measurement` from the attestation document with hash
    /// `attestationDocHash`, valid until `expiresAt`, backed by `operator`'s stake.
    event EnclaveKeyRegistered(
        address indexed key,
        bytes32 indexed measurement,
        bytes32 attestationDocHash,
        uint40 expiresAt,
        address indexed operator
    );

    /// @notice `key` was revoked (`byProof`: a proof refuted one of its claims).
    event EnclaveKeyRevoked(address indexed key, bool byProof);

    /// @notice The measurement is zero.
    error EnclaveRegistryZeroMeasurement();

    /// @notice No image is registered under `measurement`.
    error EnclaveRegistryUnknownImage(bytes32 measurement);

    /// @notice Image `measurement` is revoked.
    error EnclaveRegistryImageRevoked(bytes32 measurement);

    /// @notice The key is the zero address.
    error EnclaveRegistryZeroKey();

    /// @notice `key` is already registered (keys are write-once; a rebooted enclave has a new key).
    error EnclaveRegistryKeyExists(address key);

    /// @notice `key` is not registered.
    error EnclaveRegistryUnknownKey(address key);

    /// @notice `key` expired at `expiresAt`.
    error EnclaveRegistryKeyExpired(address key, uint40 expiresAt);

    /// @notice `key` is revoked.
    error EnclaveRegistryKeyRevoked(address key);

    /// @notice The key's image is not approved for `modelId`.
    error EnclaveRegistryImageNotApproved(bytes32 modelId, bytes32 measurement);

    /// @notice The backing operator is the zero address.
    error EnclaveRegistryZeroOperator();

    /// @notice `operator` did not sign its consent to back `key` (or signed different terms).
    error EnclaveRegistryNoOperatorConsent(address operator, address key);

    /// @notice The backing `operator` has active stake `active`, below the minimum `minStake`.
    error EnclaveRegistryOperatorNotStaked(address operator, uint256 active, uint256 minStake);

    /// @notice The expiry `expiresAt` is not after `now`.
    error EnclaveRegistryExpiryInPast(uint40 expiresAt, uint256 now);

    /// @notice Registers `measurement` as an image and returns its index; returns the existing
    /// index (and emits nothing) when it is already registered. Permissionless: an image confers
    /// nothing until a model approves it and a key is registered for it.
    function registerImage(bytes32 measurement) external returns (uint32 index);

    /// @notice Registers an enclave signing key backed by `operator`. Only the attestation-verifier
    /// role, which vouches that it checked the document off-chain. `operatorSignature` is the
    /// operator's signature (EOA or ERC-1271) over `enclaveKeyBackingDigest(key, measurement,
    /// expiresAt)`; it may be empty when the caller is the operator. Reverts for a zero or existing
    /// key, an unknown or revoked image, an expiry not in the future, a zero, unstaked or
    /// non-consenting operator.
    function registerEnclaveKey(
        address key,
        bytes32 measurement,
        bytes32 attestationDocHash,
        uint40 expiresAt,
        address operator,
        bytes calldata operatorSignature
    ) external;

    /// @notice The EIP-712 digest an operator signs to back `key` (image `measurement`, until `expiresAt`).
    function enclaveKeyBackingDigest(
        address key,
        bytes32 measurement,
        uint40 expiresAt
    ) external view returns (bytes32);

    /// @notice Revokes one key. Only the attestation-verifier role. Reverts for an unknown key.
    function revokeEnclaveKey(address key) external;

    /// @notice Revokes an image and, in the same transaction, every key registered for it (the
    /// keys' `revoked` flag is set; no per-key event). Only the attestation-verifier role. Reverts
    /// for an unknown or already revoked image. Gas grows with the image's key count (about 5k per
    /// key), which only that role adds to.
    function revokeImage(bytes32 measurement) external;

    /// @notice The image registered under `measurement` (index 0 when unknown).
    function enclaveImage(bytes32 measurement) external view returns (EnclaveImage memory);

    /// @notice The key record (imageIndex 0 when unknown).
    function enclaveKey(address key) external view returns (EnclaveKey memory);

    /// @notice Whether `key` is registered, unrevoked, unexpired, of an unrevoked image that is
    /// approved for the active version `modelId` (so `submitAttested` would accept its signature).
    function canAttest(address key, bytes32 modelId) external view returns (bool);
}
