// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice Levels of evidence for one claim, ordered: a higher level is stronger evidence.
/// `None`: not recorded (or refuted). `Signed`: EIP-712 signature of a staked operator.
/// `Attested`: EIP-712 signature of an enclave key registered from an attestation document.
/// `Proven`: a Groth16 proof against the model's registered verifying key.
enum Level {
    None,
    Signed,
    Attested,
    Proven
}

/// @notice The one claim every level signs or proves (EIP-712 type
/// `Claim(bytes32 modelId,uint256 inputCommitment,uint256 output,bytes32 requestId,uint64 deadline)`).
/// Its id is the EIP-712 digest under the receipt hub's domain, so it binds the chain id and the
/// hub's address: a claim recorded on one hub or chain means nothing on another.
/// @param modelId Model version id in the registry (`keccak256(abi.encode(family, version))`).
/// @param inputCommitment Poseidon commitment of the quantized input (a BN254 field element).
/// @param output The model's public output: a packed word of the output values, an unsalted
/// commitment of them, or a label; a field element, and a deterministic function of the input
/// (a salted output would let two true claims differ, and a proof of one would refute the other).
/// @param requestId Caller-chosen request id or nonce; two claims that differ only here are distinct.
/// @param deadline Last timestamp at which the claim may be recorded.
struct Claim {
    bytes32 modelId;
    uint256 inputCommitment;
    uint256 output;
    bytes32 requestId;
    uint64 deadline;
}

/// @title IReceiptHub
/// @notice Records claims at three levels of evidence and answers how sure the chain is of each.
///
/// Every level signs or proves the same {Claim}; its id `claimId` is the claim's EIP-712 digest
/// under this hub's domain (name "AssayReceiptHub", version "1", chain id, hub address), so a
/// signature or record on one hub or chain is worthless on another, and each claim is recorded at
/// most once. A recorded claim's level only rises (Signed/Attested -> Proven) until a proof or an
/// unanswered challenge refutes it, after which it has no level.
///
/// Proofs. Model circuits have three public signals `[inputCommitment, output, binding]`. The hub
/// never takes `binding` from the caller: it sets
///     binding = uint256(keccak256(abi.encode(claimId, beneficiary))) % r
/// (r the BN254 scalar field order, beneficiary = msg.sender), so a proof is valid for one claim
/// and one beneficiary only; a front-runner copying it from the mempool gains nothing. The
/// verifying key always comes from the model registry, never from the caller.
///
/// Signatures are EIP-712 signatures in the EIP-2098 compact form `(r, vs)` with
/// `vs = yParity << 255 | s` (64 bytes of calldata instead of 65 plus offsets); OpenZeppelin's
/// ECDSA rejects `s` in the upper half of the curve order, so a claim has one signature per key.
/// A Signed claim is signed over `claimId`. An Attested claim is signed over the EIP-712 struct
/// `AttestedClaim(bytes32 claimId,bytes32 verifyingKeyId)`: the enclave names the verifying key of
/// the model it actually evaluated, and the hub checks it is the key registered for `modelId`, so
/// a host cannot have one model's output signed as another model's claim.
///
/// Backing. A Signed or Attested claim is backed by stake: the signer's (Signed, batched) or the
/// enclave key's operator's (Attested). It is never final, and `requireLevel` refuses it, while
/// the backer's active stake is below the protocol minimum; `requireBacking` lets a consumer ask
/// for more (e.g. stake >= its value at risk). Attested submission itself does not read the
/// backer's stake (it would cost a cold read on the hot path); finality does.
///
/// Storage: one word per claim (level, flags, challenge-window end, signer), so Signed and
/// Attested submissions cost one new slot. The output is not stored: it is bound by `claimId`, so
/// readers pass the {Claim} (from the submitting transaction's input, or the operator) and the hub
/// checks it against the record.
interface IReceiptHub {
    /// @notice The record of a claim. `signer`: operator (Signed, batched), enclave key (Attested)
    /// or the first prover (Proven). `challengeEnd`: last second a Signed or Attested claim can be
    /// challenged. `disputed`: a challenge is open. `refuted`: a proof or a lost dispute refuted it.
    struct Receipt {
        Level level;
        bool disputed;
        bool refuted;
        bool batched;
        uint40 challengeEnd;
        address signer;
    }

    /// @notice `claimId` was recorded at Signed, signed by (or batched by) `operator`. The claim's
    /// fields are in the transaction's input: logging them would cost the hot path ~1k gas.
    event ClaimSigned(bytes32 indexed claimId, address indexed operator);

    /// @notice `claimId` was recorded at Attested, signed by enclave key `key`.
    event ClaimAttested(bytes32 indexed claimId, address indexed key);

    /// @notice A proof recorded `claimId` at Proven, new (`previousLevel` None) or raised from
    /// `previousLevel`; `beneficiary` is bound in the proof.
    event ClaimProven(bytes32 indexed claimId, address indexed beneficiary, Level previousLevel);

    /// @notice The claim's deadline `deadline` has passed.
    error ReceiptHubClaimExpired(bytes32 claimId, uint64 deadline);

    /// @notice `claimId` is already recorded at `level`.
    error ReceiptHubClaimExists(bytes32 claimId, Level level);

    /// @notice `claimId` is not recorded.
    error ReceiptHubUnknownClaim(bytes32 claimId);

    /// @notice A claim field that a circuit takes as a public signal is `value`, not below r.
    error ReceiptHubNotInField(bytes32 claimId, uint256 value);

    /// @notice `signer` has active stake `active`, below the minimum `minStake`.
    error ReceiptHubSignerNotStaked(address signer, uint256 active, uint256 minStake);

    /// @notice The proof does not verify against the model's key `keyId` (or the verifier reverted).
    error ReceiptHubProofRejected(bytes32 claimId, bytes32 keyId);

    /// @notice `claimId` is already Proven (or appears twice in one batch).
    error ReceiptHubAlreadyProven(bytes32 claimId);

    /// @notice A proven batch must hold 1..`max` claims and one proof per claim; it held `claims`
    /// claims and `proofs` proofs.
    error ReceiptHubBatchShape(uint256 claims, uint256 proofs, uint256 max);

    /// @notice The batch's proofs, checked together, do not all verify (or the verifier reverted):
    /// nothing in it was recorded.
    error ReceiptHubBatchRejected();

    /// @notice `claimId` was refuted.
    error ReceiptHubClaimRefuted(bytes32 claimId);

    /// @notice `claimId` stands at `level`, below the required `required`.
    error ReceiptHubLevelTooLow(bytes32 claimId, Level level, Level required);

    /// @notice `claimId` is not final: its challenge window ends at `challengeEnd` or a dispute is open.
    error ReceiptHubNotFinal(bytes32 claimId, uint40 challengeEnd, bool disputed);

    /// @notice The enclave signed for verifying key `signedKeyId`, but `modelId`'s key is `registeredKeyId`.
    error ReceiptHubWrongVerifyingKey(bytes32 modelId, bytes32 registeredKeyId, bytes32 signedKeyId);

    /// @notice The backer `backer` of `claimId` has active stake `active`, below `required`.
    error ReceiptHubBackerUnderstaked(bytes32 claimId, address backer, uint256 active, uint256 required);

    /// @notice Records `claim` at Signed: signature `(r, vs)` by an operator whose active stake
    /// reaches the minimum. Reverts when expired, already recorded, a field is not below r,
    /// the model is not active or does not allow Signed, or the signer is not staked.
    function submitSigned(Claim calldata claim, bytes32 r, bytes32 vs) external returns (bytes32 claimId);

    /// @notice Records `claim` at Attested: signature `(r, vs)` over
    /// `AttestedClaim(claimId, verifyingKeyId)` by a registered, unrevoked, unexpired enclave key
    /// of an unrevoked image approved for the (active) model, whose registered verifying key is
    /// `verifyingKeyId`. Reverts when expired, already recorded, or a field is not below r.
    function submitAttested(
        Claim calldata claim,
        bytes32 verifyingKeyId,
        bytes32 r,
        bytes32 vs
    ) external returns (bytes32 claimId);

    /// @notice Records `claim` at Proven, or raises a recorded claim to Proven. Reverts unless
    /// `proof` verifies against the model's registered key for `[inputCommitment, output,
    /// binding(claimId, msg.sender)]`. Raising a disputed claim defends it: the challenger's bond
    /// goes to the caller. A new claim must be unexpired and its model active.
    function submitProven(Claim calldata claim, uint256[8] calldata proof) external returns (bytes32 claimId);

    /// @notice `submitProven` for up to 64 claims in one transaction: every claim is recorded (or
    /// raised, or its dispute defended) as `submitProven` would, and all proofs are checked in one
    /// `Groth16Verifier.verifyBatch` call (claims of any models, mixed). All or nothing: one proof
    /// that does not verify, or any claim `submitProven` would refuse (including the same claim
    /// twice), reverts the whole batch. Every proof binds the caller.
    function submitProvenBatch(
        Claim[] calldata claims,
        uint256[8][] calldata proofs
    ) external returns (bytes32[] memory claimIds);

    /// @notice The claim's level: None when not recorded or refuted.
    function levelOf(bytes32 claimId) external view returns (Level);

    /// @notice The full record (all zero when not recorded).
    function receiptOf(bytes32 claimId) external view returns (Receipt memory);

    /// @notice Whether the claim stands and can no longer fall: Proven, or Signed/Attested with
    /// its challenge window over, no dispute open and its backer's active stake at the minimum.
    function isFinal(bytes32 claimId) external view returns (bool);

    /// @notice The output of a standing claim (recorded, not refuted): reverts otherwise.
    function outputOf(Claim calldata claim) external view returns (uint256 output);

    /// @notice Reverts unless `claim` is recorded, final (see {isFinal}) and at least `minLevel`;
    /// returns its id and output. What a consumer calls before acting on a claim.
    function requireLevel(Claim calldata claim, Level minLevel) external view returns (bytes32 claimId, uint256 output);

    /// @notice {requireLevel}, and a Signed or Attested claim's backer must have active stake of at
    /// least `minBackingStake` (and the protocol minimum). A Proven claim needs no backing.
    function requireBacking(
        Claim calldata claim,
        Level minLevel,
        uint256 minBackingStake
    ) external view returns (bytes32 claimId, uint256 output);

    /// @notice The account whose stake backs `claimId` and its active stake now (zero for Proven,
    /// unrecorded or refuted claims).
    function backingOf(bytes32 claimId) external view returns (address backer, uint256 activeStake);

    /// @notice The EIP-712 digest an enclave key signs for an Attested claim.
    function attestedDigestOf(bytes32 claimId, bytes32 verifyingKeyId) external view returns (bytes32);

    /// @notice The claim's id: its EIP-712 digest under this hub's domain.
    function claimIdOf(Claim calldata claim) external view returns (bytes32);

    /// @notice `uint256(keccak256(abi.encode(claimId, beneficiary))) % r`: the binding public signal
    /// a proof for `claimId` submitted by `beneficiary` must carry.
    function bindingOf(bytes32 claimId, address beneficiary) external pure returns (uint256);
}
