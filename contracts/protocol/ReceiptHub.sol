// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {Claim, IReceiptHub, Level} from "../interfaces/IReceiptHub.sol";
import {EnclaveRegistry} from "./EnclaveRegistry.sol";
import {ModelRegistry} from "./ModelRegistry.sol";
import {OperatorStaking} from "./OperatorStaking.sol";

/// @title ReceiptHub
/// @notice Claims at three levels of evidence (see IReceiptHub).
/// @dev A receipt is one storage word:
///   bits   0..7    level
///   bit    8       disputed      bit 9  refuted      bit 10  batched
///   bits  16..55   challenge-window end (uint40, last second a challenge is accepted)
///   bits  56..215  signer
/// so recording a claim costs one new slot; the registry, stake and enclave reads it needs live in
/// this same contract (no cross-contract calls on the hot path).
abstract contract ReceiptHub is IReceiptHub, ModelRegistry, OperatorStaking, EIP712 {
    /// @dev BN254 scalar field order r: public signals, and so claim fields, are below it.
    uint256 internal constant _R = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// @dev EIP-712 type hash of {Claim}.
    bytes32 internal constant _CLAIM_TYPEHASH = keccak256(
        "Claim(bytes32 modelId,uint256 inputCommitment,uint256 output,bytes32 requestId,uint64 deadline)"
    );

    /// @dev EIP-712 type hash of what an enclave key signs for an Attested claim.
    bytes32 internal constant _ATTESTED_TYPEHASH = keccak256("AttestedClaim(bytes32 claimId,bytes32 verifyingKeyId)");
    /// @dev EIP-712 type hash of an operator's consent to back an enclave key.
    bytes32 internal constant _BACKING_TYPEHASH = keccak256(
        "EnclaveKeyBacking(address key,bytes32 measurement,uint40 expiresAt)"
    );

    uint256 internal constant _LEVEL_MASK = 0xff;
    uint256 internal constant _DISPUTED = 1 << 8;
    uint256 internal constant _REFUTED = 1 << 9;
    uint256 internal constant _BATCHED = 1 << 10;
    uint256 private constant _END_SHIFT = 16;
    uint256 private constant _SIGNER_SHIFT = 56;

    /// @dev Seconds a Signed or Attested claim stays open to challenges after it is recorded.
    uint32 internal immutable _CHALLENGE_WINDOW;

    mapping(bytes32 claimId => uint256) private _receipts;

    constructor(uint32 challengeWindow_) {
        _CHALLENGE_WINDOW = challengeWindow_;
    }

    /// @inheritdoc IReceiptHub
    function submitSigned(Claim calldata claim, bytes32 r, bytes32 vs) external returns (bytes32 claimId) {
        claimId = _claimIdOf(claim);
        _requireRecordable(claimId, claim);
        _requireAccepts(claim.modelId, Level.Signed);
        address signer = ECDSA.recover(claimId, r, vs);
        uint256 active = _activeStake(signer);
        if (active < _MIN_STAKE) revert ReceiptHubSignerNotStaked(signer, active, _MIN_STAKE);
        _store(claimId, _receipt(Level.Signed, 0, _challengeEndFromNow(), signer));
        emit ClaimSigned(claimId, signer);
    }

    /// @inheritdoc IReceiptHub
    function submitAttested(
        Claim calldata claim,
        bytes32 verifyingKeyId,
        bytes32 r,
        bytes32 vs
    ) external returns (bytes32 claimId) {
        claimId = _claimIdOf(claim);
        _requireRecordable(claimId, claim);
        address signer = ECDSA.recover(_attestedDigest(claimId, verifyingKeyId), r, vs);
        // Checks key, image, the model's approval of the image (which implies the model is active
        // and allows Attested) and its verifying key in three reads. The backer's stake is read
        // where it matters, at finality: reading it here would cost the hot path a cold slot.
        _requireAttester(signer, claim.modelId, verifyingKeyId);
        _store(claimId, _receipt(Level.Attested, 0, _challengeEndFromNow(), signer));
        emit ClaimAttested(claimId, signer);
    }

    /// @inheritdoc IReceiptHub
    function submitProven(Claim calldata claim, uint256[8] calldata proof) external returns (bytes32 claimId) {
        claimId = _claimIdOf(claim);
        uint256 word = _receipts[claimId];
        _requireProvable(claimId, word, claim);
        bytes32 keyId = _verifyingKeyOf(claim.modelId);
        if (!_verifies(keyId, proof, claim.inputCommitment, claim.output, _binding(claimId, msg.sender))) {
            revert ReceiptHubProofRejected(claimId, keyId);
        }
        _recordProven(claimId, word);
    }

    /// @notice Most claims one `submitProvenBatch` takes (the verifier's batch limit).
    uint256 public constant MAX_PROVEN_BATCH = 64;

    /// @inheritdoc IReceiptHub
    function submitProvenBatch(
        Claim[] calldata claims,
        uint256[8][] calldata proofs
    ) external returns (bytes32[] memory claimIds) {
        uint256 n = claims.length;
        if (n == 0 || n > MAX_PROVEN_BATCH || proofs.length != n) {
            revert ReceiptHubBatchShape(n, proofs.length, MAX_PROVEN_BATCH);
        }
        claimIds = new bytes32[](n);
        bytes32[] memory keyIds = new bytes32[](n);
        uint256[] memory signals = new uint256[](n * _MODEL_SIGNALS);
        for (uint256 i; i < n; ++i) {
            Claim calldata claim = claims[i];
            bytes32 claimId = _claimIdOf(claim);
            uint256 word = _receipts[claimId];
            _requireProvable(claimId, word, claim);
            // Recorded before the proofs are checked: a second copy of the claim then meets a
            // Proven receipt and reverts, and a failed check below reverts everything.
            _recordProven(claimId, word);
            claimIds[i] = claimId;
            keyIds[i] = _verifyingKeyOf(claim.modelId);
            signals[3 * i] = claim.inputCommitment;
            signals[3 * i + 1] = claim.output;
            signals[3 * i + 2] = _binding(claimId, msg.sender);
        }
        // A verifier revert (starved call, unknown key) counts as "not proven", as in `_verifies`.
        try _VERIFIER.verifyBatch(keyIds, proofs, signals) returns (bool ok) {
            if (!ok) revert ReceiptHubBatchRejected();
        } catch {
            revert ReceiptHubBatchRejected();
        }
    }

    /// @dev Reverts unless a proof may record `claimId` (receipt `word`) at Proven now.
    function _requireProvable(bytes32 claimId, uint256 word, Claim calldata claim) internal view {
        if (word == 0) {
            _requireRecordable(claimId, claim);
            _requireAccepts(claim.modelId, Level.Proven);
        } else {
            if (word & _REFUTED != 0) revert ReceiptHubClaimRefuted(claimId);
            if (word & _LEVEL_MASK == uint256(Level.Proven)) revert ReceiptHubAlreadyProven(claimId);
            if (word & _DISPUTED != 0) _checkDefence(claimId);
        }
    }

    /// @dev Records `claimId` at Proven for the caller, or raises it (settling an open dispute).
    function _recordProven(bytes32 claimId, uint256 word) internal {
        if (word == 0) {
            _store(claimId, _receipt(Level.Proven, 0, 0, msg.sender));
            emit ClaimProven(claimId, msg.sender, Level.None);
        } else {
            _receipts[claimId] = (word & ~(_LEVEL_MASK | _DISPUTED)) | uint256(Level.Proven);
            emit ClaimProven(claimId, msg.sender, Level(word & _LEVEL_MASK));
            if (word & _DISPUTED != 0) _settleDefence(claimId, word, msg.sender);
        }
    }

    /// @inheritdoc IReceiptHub
    function levelOf(bytes32 claimId) external view returns (Level) {
        uint256 word = _receipts[claimId];
        if (word & _REFUTED != 0) return Level.None;
        return Level(word & _LEVEL_MASK);
    }

    /// @inheritdoc IReceiptHub
    function receiptOf(bytes32 claimId) external view returns (Receipt memory) {
        uint256 word = _receipts[claimId];
        return
            Receipt({
                level: Level(word & _LEVEL_MASK),
                disputed: word & _DISPUTED != 0,
                refuted: word & _REFUTED != 0,
                batched: word & _BATCHED != 0,
                challengeEnd: _challengeEndOf(word),
                signer: _signerOf(word)
            });
    }

    /// @inheritdoc IReceiptHub
    function isFinal(bytes32 claimId) external view returns (bool) {
        uint256 word = _receipts[claimId];
        uint256 level = word & _LEVEL_MASK;
        if (level == uint256(Level.None) || word & _REFUTED != 0) return false;
        if (level == uint256(Level.Proven)) return true;
        return
            word & _DISPUTED == 0 &&
            block.timestamp > _challengeEndOf(word) &&
            _activeStake(_backerOf(word)) >= _MIN_STAKE;
    }

    /// @inheritdoc IReceiptHub
    function outputOf(Claim calldata claim) external view returns (uint256 output) {
        bytes32 claimId = _claimIdOf(claim);
        uint256 word = _receipts[claimId];
        if (word == 0) revert ReceiptHubUnknownClaim(claimId);
        if (word & _REFUTED != 0) revert ReceiptHubClaimRefuted(claimId);
        return claim.output;
    }

    /// @inheritdoc IReceiptHub
    function requireLevel(
        Claim calldata claim,
        Level minLevel
    ) external view returns (bytes32 claimId, uint256 output) {
        return _requireStanding(claim, minLevel, 0);
    }

    /// @inheritdoc IReceiptHub
    function requireBacking(
        Claim calldata claim,
        Level minLevel,
        uint256 minBackingStake
    ) external view returns (bytes32 claimId, uint256 output) {
        return _requireStanding(claim, minLevel, minBackingStake);
    }

    /// @inheritdoc IReceiptHub
    function backingOf(bytes32 claimId) external view returns (address backer, uint256 activeStake) {
        uint256 word = _receipts[claimId];
        uint256 level = word & _LEVEL_MASK;
        if (word & _REFUTED != 0 || level == uint256(Level.None) || level == uint256(Level.Proven))
            return (address(0), 0);
        backer = _backerOf(word);
        activeStake = _activeStake(backer);
    }

    /// @inheritdoc IReceiptHub
    function attestedDigestOf(bytes32 claimId, bytes32 verifyingKeyId) external view returns (bytes32) {
        return _attestedDigest(claimId, verifyingKeyId);
    }

    /// @inheritdoc IReceiptHub
    function claimIdOf(Claim calldata claim) external view returns (bytes32) {
        return _claimIdOf(claim);
    }

    /// @inheritdoc IReceiptHub
    function bindingOf(bytes32 claimId, address beneficiary) external pure returns (uint256) {
        return _binding(claimId, beneficiary);
    }

    /// @notice Seconds a Signed or Attested claim stays open to challenges after it is recorded.
    function challengeWindow() external view returns (uint256) {
        return _CHALLENGE_WINDOW;
    }

    /// @notice EIP-712 domain separator of this hub (chain id and address included).
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    /// @dev EIP-712 digest of `claim` under this hub's domain.
    function _claimIdOf(Claim calldata claim) internal view returns (bytes32) {
        // Reading `deadline` through Solidity validates it is a clean uint64; the other four fields
        // are full words, copied as they are.
        uint256 deadline = claim.deadline;
        bytes32 typeHash = _CLAIM_TYPEHASH;
        bytes32 structHash;
        assembly ("memory-safe") {
            // Hash (typehash, modelId, inputCommitment, output, requestId, deadline) in scratch
            // memory past the free pointer, which is left unchanged.
            let p := mload(0x40)
            mstore(p, typeHash)
            calldatacopy(add(p, 0x20), claim, 0x80)
            mstore(add(p, 0xa0), deadline)
            structHash := keccak256(p, 0xc0)
        }
        return _hashTypedDataV4(structHash);
    }

    /// @dev Reverts unless `claim` is recorded, not refuted, at least `minLevel` and final, and,
    /// below Proven, backed by at least max(minimum stake, `minBacking`) of active stake.
    function _requireStanding(
        Claim calldata claim,
        Level minLevel,
        uint256 minBacking
    ) internal view returns (bytes32 claimId, uint256 output) {
        claimId = _claimIdOf(claim);
        uint256 word = _receipts[claimId];
        if (word == 0) revert ReceiptHubUnknownClaim(claimId);
        if (word & _REFUTED != 0) revert ReceiptHubClaimRefuted(claimId);
        Level level = Level(word & _LEVEL_MASK);
        if (level < minLevel) revert ReceiptHubLevelTooLow(claimId, level, minLevel);
        if (level != Level.Proven) {
            uint40 end = _challengeEndOf(word);
            bool disputed = word & _DISPUTED != 0;
            if (disputed || block.timestamp <= end) revert ReceiptHubNotFinal(claimId, end, disputed);
            address backer = _backerOf(word);
            uint256 active = _activeStake(backer);
            uint256 required = minBacking > _MIN_STAKE ? minBacking : _MIN_STAKE;
            if (active < required) revert ReceiptHubBackerUnderstaked(claimId, backer, active, required);
        }
        output = claim.output;
    }

    /// @dev EIP-712 digest of `AttestedClaim(claimId, verifyingKeyId)` under this hub's domain.
    function _attestedDigest(bytes32 claimId, bytes32 verifyingKeyId) internal view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(_ATTESTED_TYPEHASH, claimId, verifyingKeyId)));
    }

    /// @inheritdoc EnclaveRegistry
    function _enclaveKeyBackingDigest(
        address key,
        bytes32 measurement,
        uint40 expiresAt
    ) internal view override returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(_BACKING_TYPEHASH, key, measurement, expiresAt)));
    }

    /// @inheritdoc EnclaveRegistry
    function _backingStake(address operator) internal view override returns (uint256 active, uint256 minimum) {
        return (_activeStake(operator), _MIN_STAKE);
    }

    /// @inheritdoc EnclaveRegistry
    function _wrongVerifyingKey(bytes32 modelId, bytes32 registeredKey, bytes32 signedKey) internal pure override {
        revert ReceiptHubWrongVerifyingKey(modelId, registeredKey, signedKey);
    }

    /// @dev The binding public signal of a proof for `claimId` submitted by `beneficiary`.
    function _binding(bytes32 claimId, address beneficiary) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode(claimId, beneficiary))) % _R;
    }

    /// @dev Reverts unless a new claim may be recorded now: not recorded, unexpired, fields in the field.
    function _requireRecordable(bytes32 claimId, Claim calldata claim) internal view {
        _requireUnrecorded(claimId, claim);
        if (block.timestamp > claim.deadline) revert ReceiptHubClaimExpired(claimId, claim.deadline);
    }

    /// @dev Reverts when `claimId` is recorded or a field the circuit takes is not below r.
    function _requireUnrecorded(bytes32 claimId, Claim calldata claim) internal view {
        uint256 word = _receipts[claimId];
        if (word != 0) {
            revert ReceiptHubClaimExists(claimId, word & _REFUTED != 0 ? Level.None : Level(word & _LEVEL_MASK));
        }
        if (claim.inputCommitment >= _R) revert ReceiptHubNotInField(claimId, claim.inputCommitment);
        if (claim.output >= _R) revert ReceiptHubNotInField(claimId, claim.output);
    }

    /// @dev Packs a receipt word (layout in the contract's notes).
    function _receipt(
        Level level,
        uint256 flags,
        uint256 challengeEnd,
        address signer
    ) internal pure returns (uint256) {
        return uint256(level) | flags | (challengeEnd << _END_SHIFT) | (uint256(uint160(signer)) << _SIGNER_SHIFT);
    }

    /// @dev End of a challenge window opened now. A timestamp plus a 32-bit window: no overflow,
    /// and it fits the receipt's 40 bits until the year 36812.
    function _challengeEndFromNow() internal view returns (uint256 end) {
        unchecked {
            end = block.timestamp + _CHALLENGE_WINDOW;
        }
    }

    /// @dev Stores a new receipt word.
    function _store(bytes32 claimId, uint256 word) internal {
        _receipts[claimId] = word;
    }

    /// @dev Verifies a model proof; a verifier revert (unknown key, signal out of field, starved
    /// call) counts as "not proven", so no caller can make a verifier failure block anything.
    function _verifies(
        bytes32 keyId,
        uint256[8] calldata proof,
        uint256 inputCommitment,
        uint256 output,
        uint256 binding
    ) internal view returns (bool) {
        uint256[] memory signals = new uint256[](_MODEL_SIGNALS);
        signals[0] = inputCommitment;
        signals[1] = output;
        signals[2] = binding;
        try _VERIFIER.verify(keyId, proof, signals) returns (bool ok) {
            return ok;
        } catch {
            return false;
        }
    }

    /// @dev The receipt word of `claimId` (zero when not recorded).
    function _receiptWord(bytes32 claimId) internal view returns (uint256) {
        return _receipts[claimId];
    }

    /// @dev Overwrites the receipt word of a recorded claim (disputes set and clear flags).
    function _setReceiptWord(bytes32 claimId, uint256 word) internal {
        _receipts[claimId] = word;
    }

    /// @dev Last second a challenge is accepted, from a receipt word.
    function _challengeEndOf(uint256 word) internal pure returns (uint40) {
        return uint40(word >> _END_SHIFT);
    }

    /// @dev Signer (or first prover) from a receipt word.
    function _signerOf(uint256 word) internal pure returns (address) {
        return address(uint160(word >> _SIGNER_SHIFT));
    }

    /// @dev The account whose stake backs a Signed/Attested receipt (zero when none).
    function _backerOf(uint256 word) internal view returns (address) {
        address signer = _signerOf(word);
        return word & _LEVEL_MASK == uint256(Level.Attested) ? _keyOperator(signer) : signer;
    }

    /// @dev Reverts when a proof can no longer answer the open dispute on `claimId`.
    function _checkDefence(bytes32 claimId) internal view virtual;

    /// @dev Closes the open dispute on `claimId`, which a proof by `defender` just answered.
    function _settleDefence(bytes32 claimId, uint256 word, address defender) internal virtual;
}
