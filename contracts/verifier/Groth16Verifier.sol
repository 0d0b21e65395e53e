// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IGroth16Verifier} from "../interfaces/IGroth16Verifier.sol";

/// @title Groth16Verifier
/// @notice Groth16 over BN254 for every registered circuit; keys are data, not contracts per model.
/// @dev Storage. A key lives as the runtime code of a data contract (SSTORE2): `0x00 ++ stored`,
/// the leading STOP making it unexecutable. `stored` is the registered encoding with the y
/// coordinates of beta, gamma and delta negated, so verification checks
///     e(A, B) * e(alpha, -beta) * e(vk_x, -gamma) * e(C, -delta) == 1
/// without negating anything, and copies the key into the pairing input as is.
/// The data contract is deployed with CREATE2, salt `keyId`, from a constant 30-byte initcode that
/// calls back `pendingKeyCode()` for the bytes (handed over in transient storage). The initcode
/// does not depend on the key, so a key's address is a pure function of its id: `verify` derives it
/// with one keccak and reads the key with one cold EXTCODECOPY (2,600 gas plus copying), with no
/// storage read, and a key id can only ever hold the key it is the hash of.
contract Groth16Verifier is IGroth16Verifier {
    /// @notice Most public signals a key may have: its data contract must fit in 24,576 bytes
    /// (EIP-170): 1 + 32 * (17 + 2 * 375) = 24,545.
    uint256 public constant MAX_PUBLIC_SIGNALS = 375;

    /// @dev BN254 scalar field order r (public signals are below it).
    uint256 private constant _R = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// @dev BN254 base field order q (coordinates are below it).
    uint256 private constant _Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583;
    /// @dev Coefficient b' = 3 / (9 + i) of the twist y^2 = x^3 + b' that holds G2, as c0 + c1 * i.
    uint256 private constant _TWIST_B0 = 19485874751759354771024239261021720505790618469301721065564631296452457478373;
    uint256 private constant _TWIST_B1 = 266929791119991161246907387137283842545076965332900288569378510910307636690;

    /// @dev Key encoding version this contract reads (header byte 0).
    uint256 private constant _KEY_VERSION = 1;
    /// @dev Length of the smallest key (no public signals): header, alpha, beta, gamma, delta, IC[0].
    uint256 private constant _MIN_KEY_LENGTH = 544;
    /// @dev Gas that must be left before the 4-pair pairing call: 45,000 + 4 * 34,000 = 181,000
    /// (EIP-1108 prices) must survive the 63/64 rule and the call's own cost, with a margin.
    uint256 private constant _PAIRING_GAS_FLOOR = 185_000;
    /// @dev Same for the 3-pair subgroup check at registration: 45,000 + 3 * 34,000 = 147,000.
    uint256 private constant _SUBGROUP_GAS_FLOOR = 151_000;
    /// @dev `_pairingCheck` outcome when a precompile ran out of gas (0 false, 1 true).
    uint256 private constant _STARVED = 2;

    /// @dev Transient slot holding the length of the key code being deployed; its words follow.
    /// keccak256("assay.Groth16Verifier.pendingKeyCode") - 1.
    uint256 private constant _PENDING_SLOT = 0xa05b82a75b2560b164c5b97ff18aaf1a5526247d573e7ad6e72f5db96a57bdaa;

    /// @dev CREATE2 initcode of every key's data contract:
    ///   PUSH4 0x542de284 (pendingKeyCode()) PUSH0 MSTORE
    ///   STATICCALL(gas, CALLER, 28, 4, 0, 0)  -- revert if it failed --
    ///   RETURNDATACOPY(0, 0, RETURNDATASIZE) RETURN(0, RETURNDATASIZE)
    bytes private constant _KEY_CODE_INITCODE = hex"63542de2845f525f5f6004601c335afa6016575f5ffd5b3d5f5f3e3d5ff3";
    bytes32 private constant _KEY_CODE_INITCODE_HASH = keccak256(_KEY_CODE_INITCODE);

    /// @inheritdoc IGroth16Verifier
    function registerKey(bytes calldata vk) external returns (bytes32 keyId) {
        keyId = keccak256(vk);
        address keyCode = _keyCodeAddress(keyId);
        // Write-once: the code at this address is the key whose hash is `keyId`, so nothing to do.
        if (keyCode.code.length != 0) return keyId;

        uint256 nPublic = _checkShape(vk);
        _checkPoints(vk, nPublic);
        bytes memory code = _storedForm(vk);
        _checkG2Subgroup(code);
        _deployKeyCode(keyId, keyCode, code);
        emit KeyRegistered(keyId, nPublic, keyCode, msg.sender);
    }

    /// @inheritdoc IGroth16Verifier
    function verify(
        bytes32 keyId,
        uint256[8] calldata proof,
        uint256[] calldata publicSignals
    ) external view returns (bool) {
        uint256 n = publicSignals.length;
        address keyCode = _keyCodeAddress(keyId);
        uint256 buffer;
        uint256 header;
        assembly ("memory-safe") {
            // Reserve the 768-byte pairing input, then copy the whole stored key behind it with one
            // EXTCODECOPY sized by the caller's signal count, capped at the largest key (absent code
            // reads as zeros; a count that does not match the key is caught by the header check).
            buffer := mload(0x40)
            let key := add(buffer, 768)
            let keyBytes := shl(5, add(17, shl(1, n)))
            if gt(n, MAX_PUBLIC_SIGNALS) {
                keyBytes := shl(5, add(17, shl(1, MAX_PUBLIC_SIGNALS)))
            }
            extcodecopy(keyCode, key, 1, keyBytes)
            mstore(0x40, add(key, keyBytes))
            header := mload(key)
        }
        if (header >> 248 != _KEY_VERSION) revert Groth16VerifierUnknownKey(keyId);
        uint256 expected = header & 0xffffffff;
        if (expected != n) revert Groth16VerifierSignalCount(expected, n);
        for (uint256 i; i < n;) {
            uint256 signal = publicSignals[i];
            if (signal >= _R) revert Groth16VerifierSignalNotInField(i, signal);
            // i < n, the length of a calldata array, so it cannot overflow.
            unchecked {
                ++i;
            }
        }
        uint256 outcome = _pairingCheck(buffer, proof, publicSignals);
        if (outcome == _STARVED) revert Groth16VerifierInsufficientGas();
        return outcome == 1;
    }

    /// @notice Most proofs one `verifyBatch` call takes.
    uint256 public constant MAX_BATCH = 64;

    /// @dev One key's share of a batch: its stored key (memory), the sum of its proofs'
    /// coefficients, per public signal the coefficient-weighted sum of the signals, and the
    /// coefficient-weighted sum of its proofs' C points.
    struct BatchKey {
        bytes32 id;
        uint256 nPublic;
        uint256 key;
        uint256 sumR;
        uint256[] signalSums;
        uint256 cx;
        uint256 cy;
    }

    /// @inheritdoc IGroth16Verifier
    function verifyBatch(
        bytes32[] calldata keyIds,
        uint256[8][] calldata proofs,
        uint256[] calldata publicSignals
    ) external view returns (bool) {
        uint256 n = proofs.length;
        if (n == 0 || n > MAX_BATCH || keyIds.length != n)
            revert Groth16VerifierBatchShape(keyIds.length, n, MAX_BATCH);
        BatchKey[] memory keys = new BatchKey[](n);
        // Pairing input: (r_j A_j, B_j) per proof, then per key (sumR alpha, -beta), (C_k, -delta)
        // and per distinct gamma (vk_x, -gamma): at most n + 3 * keys pairs of 6 words.
        uint256[] memory pairs = new uint256[](6 * 4 * n);
        uint256 signalAt = _collect(keys, pairs, keyIds, proofs, publicSignals);
        if (signalAt == _INVALID_PROOF) return false;
        if (signalAt != publicSignals.length) revert Groth16VerifierSignalCount(signalAt, publicSignals.length);
        uint256 count = _batchKeyPairs(keys, pairs, n);
        // The pairing costs 45,000 + 34,000 per pair (EIP-1108) and gets 63/64 of what is left.
        if (gasleft() < ((45_000 + 34_000 * count) * 64) / 63 + 2_000) revert Groth16VerifierInsufficientGas();
        bool success;
        uint256 verdict;
        assembly ("memory-safe") {
            // With this much gas left the pairing precompile cannot run out: failure means a B point
            // off its curve or subgroup, a plain false.
            success := staticcall(gas(), 0x08, add(pairs, 32), mul(count, 192), 0, 32)
            verdict := mload(0)
        }
        return success && verdict == 1;
    }

    /// @dev `_collect`'s answer when a proof has a coordinate >= q or A or C off G1.
    uint256 private constant _INVALID_PROOF = type(uint256).max;

    /// @dev Loads each proof's key (`keys` fills from index 0; an empty entry has id 0), writes the
    /// proofs' pairs and the keys' sums. Returns the number of signals read, or _INVALID_PROOF.
    function _collect(
        BatchKey[] memory keys,
        uint256[] memory pairs,
        bytes32[] calldata keyIds,
        uint256[8][] calldata proofs,
        uint256[] calldata publicSignals
    ) private view returns (uint256 signalAt) {
        bytes32 seed;
        assembly ("memory-safe") {
            // Fiat-Shamir seed: keccak256(chainid, this, keccak256(calldata)); the call data holds
            // every key id, proof and signal the check reads.
            let m := mload(0x40)
            calldatacopy(m, 0, calldatasize())
            let h := keccak256(m, calldatasize())
            mstore(m, chainid())
            mstore(add(m, 32), address())
            mstore(add(m, 64), h)
            seed := keccak256(m, 96)
        }
        for (uint256 j; j < proofs.length; ++j) {
            BatchKey memory bk = keys[_batchKeyIndex(keys, keyIds[j])];
            if (!_proofPointsValid(proofs[j])) return _INVALID_PROOF;
            // r_0 = 1; r_j = 128 bits of keccak256(seed, j), never 0.
            uint256 r = 1;
            if (j != 0) {
                r = uint256(keccak256(abi.encode(seed, j))) >> 128;
                if (r == 0) r = 1;
            }
            _addProofPoints(bk, proofs[j], r, pairs, j);
            signalAt = _addSignals(bk, r, publicSignals, signalAt);
        }
    }

    /// @dev Pair j = (r A, B) of the proof; r C joins the key's C sum.
    function _addProofPoints(
        BatchKey memory bk,
        uint256[8] calldata proof,
        uint256 r,
        uint256[] memory pairs,
        uint256 j
    ) private view {
        (uint256 ax, uint256 ay) = _ecMul(proof[0], proof[1], r);
        uint256 at = 6 * j;
        pairs[at] = ax;
        pairs[at + 1] = ay;
        pairs[at + 2] = proof[2];
        pairs[at + 3] = proof[3];
        pairs[at + 4] = proof[4];
        pairs[at + 5] = proof[5];
        (uint256 cx, uint256 cy) = _ecMul(proof[6], proof[7], r);
        (bk.cx, bk.cy) = _ecAdd(bk.cx, bk.cy, cx, cy);
    }

    /// @dev Adds r and r * signal_i of the proof whose signals start at `signalAt` to the key's sums;
    /// returns where the next proof's signals start.
    function _addSignals(
        BatchKey memory bk,
        uint256 r,
        uint256[] calldata publicSignals,
        uint256 signalAt
    ) private pure returns (uint256) {
        bk.sumR = addmod(bk.sumR, r, _R);
        uint256 np = bk.nPublic;
        if (signalAt + np > publicSignals.length) {
            revert Groth16VerifierSignalCount(signalAt + np, publicSignals.length);
        }
        for (uint256 i; i < np; ++i) {
            uint256 signal = publicSignals[signalAt + i];
            if (signal >= _R) revert Groth16VerifierSignalNotInField(signalAt + i, signal);
            bk.signalSums[i] = addmod(bk.signalSums[i], mulmod(r, signal, _R), _R);
        }
        return signalAt + np;
    }

    /// @dev Index of `id` among the loaded `keys`; a new key is loaded into the first empty entry.
    function _batchKeyIndex(BatchKey[] memory keys, bytes32 id) private view returns (uint256 k) {
        for (; keys[k].id != 0; ++k) if (keys[k].id == id) return k;
        address keyCode = _keyCodeAddress(id);
        uint256 size = keyCode.code.length;
        if (size == 0) revert Groth16VerifierUnknownKey(id);
        uint256 key;
        uint256 header;
        assembly ("memory-safe") {
            // Copy the stored key (after the STOP byte) into newly reserved memory.
            key := mload(0x40)
            extcodecopy(keyCode, key, 1, sub(size, 1))
            mstore(0x40, add(key, sub(size, 1)))
            header := mload(key)
        }
        if (header >> 248 != _KEY_VERSION) revert Groth16VerifierUnknownKey(id);
        uint256 np = header & 0xffffffff;
        keys[k] = BatchKey(id, np, key, 0, new uint256[](np), 0, 0);
    }

    /// @dev Appends each key's pairs behind the proofs' `n`: (sumR alpha, -beta), (C_k, -delta),
    /// and (vk_x, -gamma) with the vk_x of keys sharing a gamma summed. Returns the pair count.
    function _batchKeyPairs(
        BatchKey[] memory keys,
        uint256[] memory pairs,
        uint256 n
    ) private view returns (uint256 count) {
        count = n;
        uint256 nKeys;
        while (nKeys < keys.length && keys[nKeys].id != 0) ++nKeys;
        uint256[] memory gammaVkx = new uint256[](2 * nKeys); // summed vk_x per key whose gamma comes first
        for (uint256 k; k < nKeys; ++k) {
            BatchKey memory bk = keys[k];
            uint256 key = bk.key;
            (uint256 x, uint256 y) = _ecMul(_mword(key, 1), _mword(key, 2), bk.sumR);
            _putPair(pairs, count, x, y, key, 3);
            _putPair(pairs, count + 1, bk.cx, bk.cy, key, 11);
            count += 2;
            (x, y) = _ecMul(_mword(key, 15), _mword(key, 16), bk.sumR);
            for (uint256 i; i < bk.nPublic; ++i) {
                (uint256 px, uint256 py) = _ecMul(_mword(key, 17 + 2 * i), _mword(key, 18 + 2 * i), bk.signalSums[i]);
                (x, y) = _ecAdd(x, y, px, py);
            }
            // The first key with this gamma collects the vk_x of every later key with the same gamma.
            uint256 owner = _gammaOwner(keys, k);
            (gammaVkx[2 * owner], gammaVkx[2 * owner + 1]) = _ecAdd(gammaVkx[2 * owner], gammaVkx[2 * owner + 1], x, y);
        }
        for (uint256 k; k < nKeys; ++k) {
            if (_gammaOwner(keys, k) == k) {
                _putPair(pairs, count, gammaVkx[2 * k], gammaVkx[2 * k + 1], keys[k].key, 7);
                ++count;
            }
        }
    }

    /// @dev Writes pair `index`: the G1 point (x, y) and the G2 point at word `g2Word` of `key`.
    function _putPair(
        uint256[] memory pairs,
        uint256 index,
        uint256 x,
        uint256 y,
        uint256 key,
        uint256 g2Word
    ) private pure {
        assembly ("memory-safe") {
            let p := add(add(pairs, 32), mul(index, 192))
            mstore(p, x)
            mstore(add(p, 32), y)
            mcopy(add(p, 64), add(key, shl(5, g2Word)), 128)
        }
    }

    /// @dev The first of `keys` (up to `k`) whose gamma (stored words 7..10) is key k's.
    function _gammaOwner(BatchKey[] memory keys, uint256 k) private pure returns (uint256 e) {
        uint256 key = keys[k].key;
        for (; e < k; ++e) {
            uint256 other = keys[e].key;
            bool same;
            assembly ("memory-safe") {
                same := eq(keccak256(add(other, 224), 128), keccak256(add(key, 224), 128))
            }
            if (same) return e;
        }
    }

    function _mword(uint256 at, uint256 i) private pure returns (uint256 w) {
        assembly ("memory-safe") {
            w := mload(add(at, shl(5, i)))
        }
    }

    /// @dev Canonical coordinates, and A and C on G1 (or infinity): the multiplications below then
    /// fail only for lack of gas. B is left to the pairing precompile.
    function _proofPointsValid(uint256[8] calldata proof) private pure returns (bool) {
        for (uint256 i; i < 8; ++i) if (proof[i] >= _Q) return false;
        return _isG1OrInfinity(proof[0], proof[1]) && _isG1OrInfinity(proof[6], proof[7]);
    }

    function _isG1OrInfinity(uint256 x, uint256 y) private pure returns (bool) {
        return (x | y) == 0 || _isG1Point(x, y);
    }

    /// @dev s * (x, y) with the ecMul precompile (points already valid: failure is lack of gas).
    function _ecMul(uint256 x, uint256 y, uint256 s) private view returns (uint256 rx, uint256 ry) {
        if (s == 1) return (x, y);
        bool ok;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, x)
            mstore(add(m, 32), y)
            mstore(add(m, 64), s)
            ok := staticcall(gas(), 0x07, m, 96, m, 64)
            rx := mload(m)
            ry := mload(add(m, 32))
        }
        if (!ok) revert Groth16VerifierInsufficientGas();
    }

    /// @dev (x1, y1) + (x2, y2) with the ecAdd precompile.
    function _ecAdd(uint256 x1, uint256 y1, uint256 x2, uint256 y2) private view returns (uint256 rx, uint256 ry) {
        if ((x1 | y1) == 0) return (x2, y2);
        if ((x2 | y2) == 0) return (x1, y1);
        bool ok;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, x1)
            mstore(add(m, 32), y1)
            mstore(add(m, 64), x2)
            mstore(add(m, 96), y2)
            ok := staticcall(gas(), 0x06, m, 128, m, 64)
            rx := mload(m)
            ry := mload(add(m, 32))
        }
        if (!ok) revert Groth16VerifierInsufficientGas();
    }

    /// @inheritdoc IGroth16Verifier
    function isRegistered(bytes32 keyId) external view returns (bool) {
        return _keyCodeAddress(keyId).code.length != 0;
    }

    /// @inheritdoc IGroth16Verifier
    function publicSignalCount(bytes32 keyId) external view returns (uint256) {
        address keyCode = _keyCodeAddress(keyId);
        uint256 header;
        assembly ("memory-safe") {
            // Read the header word (after the STOP byte) through scratch space.
            extcodecopy(keyCode, 0, 1, 32)
            header := mload(0)
        }
        if (header >> 248 != _KEY_VERSION) revert Groth16VerifierUnknownKey(keyId);
        return header & 0xffffffff;
    }

    /// @inheritdoc IGroth16Verifier
    function verifyingKey(bytes32 keyId) external view returns (bytes memory vk) {
        address keyCode = _keyCodeAddress(keyId);
        uint256 size = keyCode.code.length;
        if (size == 0) revert Groth16VerifierUnknownKey(keyId);
        vk = new bytes(size - 1);
        uint256 words;
        assembly ("memory-safe") {
            // Copy the stored key (after the STOP byte) into the freshly allocated `vk`.
            extcodecopy(keyCode, add(vk, 32), 1, sub(size, 1))
            words := add(vk, 32)
        }
        _negateG2Y(words); // negation is an involution: this restores the registered encoding
    }

    /// @inheritdoc IGroth16Verifier
    function keyCodeAddress(bytes32 keyId) external view returns (address) {
        return _keyCodeAddress(keyId);
    }

    /// @notice Hands the code of the key being registered to its CREATE2 initcode; returns it raw
    /// (not ABI-encoded). Outside `registerKey` it returns nothing.
    function pendingKeyCode() external view {
        assembly {
            // Raw return of the transient bytes: the initcode returns them verbatim as the new code.
            let length := tload(_PENDING_SLOT)
            let out := mload(0x40)
            let words := shr(5, add(length, 31))
            for {
                let i := 0
            } lt(i, words) {
                i := add(i, 1)
            } {
                mstore(add(out, shl(5, i)), tload(add(_PENDING_SLOT, add(i, 1))))
            }
            return(out, length)
        }
    }

    /// @dev Runs the precompiles over the key copied behind `buffer`. Returns 1 if the proof
    /// verifies, 0 if not (including non-canonical coordinates and points the pairing precompile
    /// rejects), `_STARVED` if a precompile ran out of gas. Signals are already checked < r.
    function _pairingCheck(
        uint256 buffer,
        uint256[8] calldata proof,
        uint256[] calldata publicSignals
    ) private view returns (uint256 outcome) {
        assembly ("memory-safe") {
            // Pairing input at buffer (768 bytes): A, B | alpha, -beta | vk_x, -gamma | C, -delta.
            // Stored key at buffer + 768: header, alpha, -beta, -gamma, -delta, IC[0..n].
            let canonical := 1
            for {
                let i := 0
            } lt(i, 0x100) {
                i := add(i, 0x20)
            } {
                canonical := and(canonical, lt(calldataload(add(proof, i)), _Q))
            }
            // A coordinate >= q is no proof; answering here spares the gas a failing precompile burns.
            if canonical {
                let key := add(buffer, 768)
                let acc := add(buffer, 384)
                let tmp := add(buffer, 448)
                // vk_x = IC[0] + sum signal[i] * IC[i + 1], accumulated in the vk_x slot; the -gamma
                // slot right behind it is the ecMul scratch, so ecAdd reads [acc, product] in place.
                mcopy(acc, add(key, 480), 64)
                let ic := add(key, 544)
                let fed := 1
                let signal := publicSignals.offset
                let end := add(signal, shl(5, publicSignals.length))
                for {} lt(signal, end) {
                    signal := add(signal, 0x20)
                } {
                    mcopy(tmp, ic, 64)
                    mstore(add(tmp, 64), calldataload(signal))
                    // IC points were validated at registration and every scalar is accepted, so
                    // ecMul (0x07) and ecAdd (0x06) fail only when out of gas.
                    fed := and(fed, staticcall(gas(), 0x07, tmp, 96, tmp, 64))
                    fed := and(fed, staticcall(gas(), 0x06, acc, 128, acc, 64))
                    ic := add(ic, 64)
                }
                mcopy(add(buffer, 192), add(key, 32), 192) // alpha, -beta
                mcopy(tmp, add(key, 224), 128) // -gamma
                mcopy(add(buffer, 640), add(key, 352), 128) // -delta
                calldatacopy(buffer, proof, 192) // A, B
                calldatacopy(add(buffer, 576), add(proof, 192), 64) // C
                // With this much gas left the pairing precompile (0x08) cannot run out, so its
                // failure means a proof point is off its curve or subgroup: a plain false.
                if lt(gas(), _PAIRING_GAS_FLOOR) {
                    fed := 0
                }
                switch fed
                case 0 {
                    outcome := _STARVED
                }
                default {
                    let success := staticcall(gas(), 0x08, buffer, 768, 0, 32)
                    outcome := and(success, eq(mload(0), 1))
                }
            }
        }
    }

    /// @dev Checks the header and length of `vk`; returns the key's number of public signals.
    function _checkShape(bytes calldata vk) private pure returns (uint256 nPublic) {
        if (vk.length < 32) revert Groth16VerifierKeyLength(_MIN_KEY_LENGTH, vk.length);
        uint256 header = _word(vk, 0);
        if (header >> 32 != _KEY_VERSION << 216) revert Groth16VerifierKeyHeader(bytes32(header));
        nPublic = header & 0xffffffff;
        if (nPublic > MAX_PUBLIC_SIGNALS) revert Groth16VerifierKeyTooManySignals(nPublic, MAX_PUBLIC_SIGNALS);
        uint256 expected = 32 * (17 + 2 * nPublic);
        if (vk.length != expected) revert Groth16VerifierKeyLength(expected, vk.length);
    }

    /// @dev Reverts unless every point of `vk` is canonical and on its curve; only IC points may be
    /// the point at infinity (0, 0). G2 subgroup membership is checked by `_checkG2Subgroup`.
    function _checkPoints(bytes calldata vk, uint256 nPublic) private pure {
        if (!_isG1Point(_word(vk, 1), _word(vk, 2))) revert Groth16VerifierKeyPointInvalid(0);
        for (uint256 p = 1; p <= 3; ++p) {
            uint256 w = 4 * p - 1; // beta at word 3, gamma at 7, delta at 11
            if (!_isTwistPoint(_word(vk, w), _word(vk, w + 1), _word(vk, w + 2), _word(vk, w + 3))) {
                revert Groth16VerifierKeyPointInvalid(p);
            }
        }
        for (uint256 i; i <= nPublic; ++i) {
            uint256 x = _word(vk, 15 + 2 * i);
            uint256 y = _word(vk, 16 + 2 * i);
            if ((x | y) != 0 && !_isG1Point(x, y)) revert Groth16VerifierKeyPointInvalid(4 + i);
        }
    }

    /// @dev `0x00 ++ vk` with the y coordinates of beta, gamma and delta negated.
    function _storedForm(bytes calldata vk) private pure returns (bytes memory code) {
        code = new bytes(vk.length + 1); // zero-filled: byte 0 is STOP
        uint256 words;
        assembly ("memory-safe") {
            // Copy the encoding behind the STOP byte.
            calldatacopy(add(code, 33), vk.offset, vk.length)
            words := add(code, 33)
        }
        _negateG2Y(words);
    }

    /// @dev Negates, in place, the y coordinates of beta, gamma and delta of a key at memory `words`.
    function _negateG2Y(uint256 words) private pure {
        assembly ("memory-safe") {
            // y.c1, y.c0 of beta (words 5, 6), gamma (9, 10), delta (13, 14); -y = (q - y) mod q.
            for {
                let w := 5
            } lt(w, 15) {
                w := add(w, 4)
            } {
                let p := add(words, shl(5, w))
                mstore(p, mod(sub(_Q, mload(p)), _Q))
                p := add(p, 32)
                mstore(p, mod(sub(_Q, mload(p)), _Q))
            }
        }
    }

    /// @dev Reverts unless -beta, -gamma, -delta (in `code`) lie in G2. The points are on the twist
    /// already; the pairing precompile additionally rejects points outside the order-r subgroup,
    /// so it is asked for e(0, -beta) * e(0, -gamma) * e(0, -delta), which is 1 for valid input.
    function _checkG2Subgroup(bytes memory code) private view {
        if (gasleft() < _SUBGROUP_GAS_FLOOR) revert Groth16VerifierInsufficientGas();
        bool inGroup;
        assembly ("memory-safe") {
            // Build three (G1 infinity, G2 point) pairs in free memory and call the precompile 0x08.
            let input := mload(0x40)
            let g2 := add(code, 129) // word 3 of the stored key: 32 (length) + 1 (STOP) + 3 * 32
            for {
                let p := 0
            } lt(p, 3) {
                p := add(p, 1)
            } {
                let pair := add(input, mul(p, 192))
                mstore(pair, 0)
                mstore(add(pair, 32), 0)
                mcopy(add(pair, 64), add(g2, shl(7, p)), 128)
            }
            let success := staticcall(gas(), 0x08, input, 576, 0, 32)
            inGroup := and(success, eq(mload(0), 1))
        }
        if (!inGroup) revert Groth16VerifierKeyG2NotInSubgroup();
    }

    /// @dev Deploys `code` at `keyCode` (CREATE2, salt `keyId`) and checks it landed there whole.
    function _deployKeyCode(bytes32 keyId, address keyCode, bytes memory code) private {
        bytes memory initcode = _KEY_CODE_INITCODE;
        address deployed;
        assembly ("memory-safe") {
            // Stash the code in transient storage for pendingKeyCode(), deploy, then clear the length.
            let length := mload(code)
            tstore(_PENDING_SLOT, length)
            let words := shr(5, add(length, 31))
            for {
                let i := 0
            } lt(i, words) {
                i := add(i, 1)
            } {
                tstore(add(_PENDING_SLOT, add(i, 1)), mload(add(code, shl(5, add(i, 1)))))
            }
            deployed := create2(0, add(initcode, 32), mload(initcode), keyId)
            tstore(_PENDING_SLOT, 0)
        }
        if (deployed != keyCode || keyCode.code.length != code.length) revert Groth16VerifierKeyStoreFailed(keyId);
    }

    /// @dev CREATE2 address of key `keyId`'s data contract.
    function _keyCodeAddress(bytes32 keyId) private view returns (address keyCode) {
        bytes32 initcodeHash = _KEY_CODE_INITCODE_HASH;
        assembly ("memory-safe") {
            // keccak256(0xff ++ this ++ keyId ++ initcodeHash)[12:], hashed in free memory.
            let m := mload(0x40)
            mstore(m, or(shl(160, 0xff), address()))
            mstore(add(m, 32), keyId)
            mstore(add(m, 64), initcodeHash)
            keyCode := and(keccak256(add(m, 11), 85), 0xffffffffffffffffffffffffffffffffffffffff)
        }
    }

    /// @dev Word `i` of `vk`; callers stay within the length `_checkShape` accepted.
    function _word(bytes calldata vk, uint256 i) private pure returns (uint256 w) {
        assembly ("memory-safe") {
            // Direct calldata read: avoids copying the slice to memory.
            w := calldataload(add(vk.offset, shl(5, i)))
        }
    }

    /// @dev (x, y) is a point of y^2 = x^3 + 3 over F_q with canonical coordinates (G1 has
    /// cofactor 1, so that makes it a G1 element). Not true for (0, 0).
    function _isG1Point(uint256 x, uint256 y) private pure returns (bool) {
        if (x >= _Q || y >= _Q) return false;
        return mulmod(y, y, _Q) == addmod(mulmod(mulmod(x, x, _Q), x, _Q), 3, _Q);
    }

    /// @dev (x, y), with x = x0 + x1 * i and y = y0 + y1 * i in F_q^2 (i^2 = -1), is a point of the
    /// twist y^2 = x^3 + b' with canonical coordinates. Not true for (0, 0).
    function _isTwistPoint(uint256 x1, uint256 x0, uint256 y1, uint256 y0) private pure returns (bool) {
        if (x1 >= _Q || x0 >= _Q || y1 >= _Q || y0 >= _Q) return false;
        // y^2 = (y0^2 - y1^2) + 2 * y0 * y1 * i
        uint256 l0 = addmod(mulmod(y0, y0, _Q), _Q - mulmod(y1, y1, _Q), _Q);
        uint256 l1 = mulmod(2, mulmod(y0, y1, _Q), _Q);
        // x^2 = s0 + s1 * i, then x^3 + b' = (s0 * x0 - s1 * x1 + b0) + (s0 * x1 + s1 * x0 + b1) * i
        uint256 s0 = addmod(mulmod(x0, x0, _Q), _Q - mulmod(x1, x1, _Q), _Q);
        uint256 s1 = mulmod(2, mulmod(x0, x1, _Q), _Q);
        uint256 r0 = addmod(addmod(mulmod(s0, x0, _Q), _Q - mulmod(s1, x1, _Q), _Q), _TWIST_B0, _Q);
        uint256 r1 = addmod(addmod(mulmod(s0, x1, _Q), mulmod(s1, x0, _Q), _Q), _TWIST_B1, _Q);
        return l0 == r0 && l1 == r1;
    }
}
