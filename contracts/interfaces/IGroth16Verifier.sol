// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IGroth16Verifier
/// @notice One Groth16 verifier over BN254 for every circuit. A verifying key is registered once,
/// as data, under its content address `keyId = keccak256(vk)`; proofs are then checked against a
/// key id. Registration is permissionless and write-once: an id always names the same key.
///
/// Key encoding `vk` (version 1; all words 32 bytes, big-endian; G2 coordinates in the order of
/// the EIP-197 precompiles, imaginary part first):
///
///   word  0                 header: byte 0 = version (1), bytes 1..27 = 0, bytes 28..31 = nPublic
///   words 1..2              alpha (G1): x, y
///   words 3..6              beta  (G2): x.c1, x.c0, y.c1, y.c0
///   words 7..10             gamma (G2)
///   words 11..14            delta (G2)
///   words 15+2i, 16+2i      IC[i] (G1) for i = 0..nPublic
///
/// so `vk.length == 32 * (17 + 2 * nPublic)`. Coordinates are canonical (< the base field order
/// q); the point at infinity is (0, 0) and allowed only for IC points. `prover/zk/vkey-encoding.ts`
/// builds this encoding from a snarkjs `verification_key.json`.
///
/// Proof encoding `proof` (uint256[8]): A.x, A.y, B.x.c1, B.x.c0, B.y.c1, B.y.c0, C.x, C.y.
interface IGroth16Verifier {
    /// @notice A verifying key was stored under `keyId` (first registration only).
    /// @param keyId keccak256 of the key encoding.
    /// @param nPublic Number of public signals the key's circuit takes.
    /// @param keyCode Data contract whose code holds the key (CREATE2, salt `keyId`).
    /// @param registrant Account that registered it (registration is permissionless).
    event KeyRegistered(bytes32 indexed keyId, uint256 nPublic, address keyCode, address indexed registrant);

    /// @notice No key is registered under `keyId`.
    error Groth16VerifierUnknownKey(bytes32 keyId);

    /// @notice The key takes `expected` public signals; the call passed `got`.
    error Groth16VerifierSignalCount(uint256 expected, uint256 got);

    /// @notice Public signal `index` is `value`, not below the BN254 scalar field order r.
    error Groth16VerifierSignalNotInField(uint256 index, uint256 value);

    /// @notice The call left too little gas for the precompiles, so no verdict is given (a verdict
    /// of false must mean the proof is wrong, never that the caller starved the call).
    error Groth16VerifierInsufficientGas();

    /// @notice The key encoding is `got` bytes long; its header implies `expected` (or, when it is
    /// too short to hold a header, `expected` is the length of the smallest key, 544).
    error Groth16VerifierKeyLength(uint256 expected, uint256 got);

    /// @notice The key header names an unknown version or has non-zero reserved bytes.
    error Groth16VerifierKeyHeader(bytes32 header);

    /// @notice The key takes `nPublic` public signals; at most `max` fit in one data contract.
    error Groth16VerifierKeyTooManySignals(uint256 nPublic, uint256 max);

    /// @notice Point `pointIndex` of the key (0 alpha, 1 beta, 2 gamma, 3 delta, 4 + i IC[i]) has a
    /// coordinate >= q, is not on its curve, or is the point at infinity where that is not allowed.
    error Groth16VerifierKeyPointInvalid(uint256 pointIndex);

    /// @notice beta, gamma or delta is on the twist curve but outside the order-r subgroup G2.
    error Groth16VerifierKeyG2NotInSubgroup();

    /// @notice Storing the key's data contract failed (never expected; reported rather than ignored).
    error Groth16VerifierKeyStoreFailed(bytes32 keyId);

    /// @notice Stores the verifying key `vk` and returns its id, `keccak256(vk)`. Reverts unless `vk`
    /// is a well-formed key (see the encoding above; every point is checked on its curve and G2
    /// points in their subgroup). Registering an already registered key is a no-op that returns the
    /// same id and emits nothing, so a different key can never take an existing id.
    /// @param vk Key encoding (version 1).
    /// @return keyId keccak256(vk).
    function registerKey(bytes calldata vk) external returns (bytes32 keyId);

    /// @notice Returns whether `proof` verifies for `publicSignals` against key `keyId`.
    /// Reverts for an unknown key, a wrong number of signals, a signal >= r, or too little gas;
    /// a proof that does not verify, including one with a coordinate >= q or a point off its curve
    /// or subgroup, returns false.
    /// @param keyId Id returned by `registerKey`.
    /// @param proof A.x, A.y, B.x.c1, B.x.c0, B.y.c1, B.y.c0, C.x, C.y.
    /// @param publicSignals The circuit's public signals in snarkjs order (outputs, then public inputs).
    function verify(
        bytes32 keyId,
        uint256[8] calldata proof,
        uint256[] calldata publicSignals
    ) external view returns (bool);

    /// @notice A batch must hold 1..`max` proofs, one key id per proof; it held `proofs` proofs and
    /// `keys` key ids.
    error Groth16VerifierBatchShape(uint256 keys, uint256 proofs, uint256 max);

    /// @notice Returns whether every `proofs[j]` verifies against key `keyIds[j]`, in one pairing
    /// check: the proofs' equations are combined with coefficients r_0 = 1 and r_j (j > 0) of 128
    /// bits drawn from keccak256 over the chain id, this contract and the whole call data (every key
    /// id, proof and signal), so a batch that holds an invalid proof passes with probability at most
    /// 2^-128 per attempt. Proofs of one key share its alpha-beta, public-input and delta pairings
    /// and one multiplication per public signal; keys with the same gamma share one gamma pairing.
    /// Reverts as `verify` does (unknown key, signal >= r, too little gas) and for a malformed batch;
    /// false when any proof does not verify (including a coordinate >= q or a point off its curve).
    /// @param keyIds Key of each proof (repeat an id for each of its proofs; any order).
    /// @param proofs Proofs, encoded as for `verify`.
    /// @param publicSignals Every proof's public signals, concatenated in proof order.
    function verifyBatch(
        bytes32[] calldata keyIds,
        uint256[8][] calldata proofs,
        uint256[] calldata publicSignals
    ) external view returns (bool);

    /// @notice Whether a key is registered under `keyId`.
    function isRegistered(bytes32 keyId) external view returns (bool);

    /// @notice Number of public signals key `keyId` takes. Reverts for an unknown key.
    function publicSignalCount(bytes32 keyId) external view returns (uint256);

    /// @notice The registered key encoding, byte for byte what was registered, so
    /// `keccak256(verifyingKey(keyId)) == keyId`. Reverts for an unknown key.
    function verifyingKey(bytes32 keyId) external view returns (bytes memory vk);

    /// @notice Address of the data contract that holds (or would hold) key `keyId`.
    function keyCodeAddress(bytes32 keyId) external view returns (address);
}
