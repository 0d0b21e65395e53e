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

    /// @dev A batch key record in memory (words): 0 key id, 1 nPublic, 2 address of the stored key
    /// copy, 3 sum of the coefficients of its proofs (mod r), 4..5 sum of r_j * C_j, then per public
    /// signal i the sum of r_j * signal_j[i] (mod r).
    uint256 private constant _REC_HEADER_WORDS = 6;
    /// @dev `_batchProof` outcomes.
    uint256 private constant _PROOF_INVALID = 0;
    uint256 private constant _PROOF_ADDED = 1;

    /// @inheritdoc IGroth16Verifier
    function verifyBatch(
        bytes32[] calldata keyIds,
        uint256[8][] calldata proofs,
        uint256[] calldata publicSignals
    ) external view returns (bool) {
        uint256 n = proofs.length;
        if (n == 0 || n > MAX_BATCH || keyIds.length != n)
            revert Groth16VerifierBatchShape(keyIds.length, n, MAX_BATCH);
        // Pairing input: (r_j A_j, B_j) per proof, then per key (sumR alpha, -beta), (C_k, -delta)
        // and per distinct gamma (vk_x, -gamma): at most n + 3 n pairs of 192 bytes.
        uint256 pairs = _allocate(192 * 4 * n);
        // state: [seed, number of keys, last record used, record of key 0, 1, ...]
        uint256[] memory state = new uint256[](3 + n);
        state[0] = uint256(_batchSeed());
        uint256 signalAt;
        for (uint256 j; j < n; ++j) {
            uint256 rec = _batchRecord(state, keyIds[j]);
            signalAt = _batchAdd(rec, proofs, j, bytes32(state[0]), pairs, publicSignals, signalAt);
            if (signalAt == _BATCH_INVALID) return false;
        }
        if (signalAt != publicSignals.length) revert Groth16VerifierSignalCount(signalAt, publicSignals.length);
        uint256 count = _batchKeyPairs(state, pairs, n);
        // The pairing costs 45,000 + 34,000 per pair (EIP-1108) and gets 63/64 of what is left.
        if (gasleft() < ((45_000 + 34_000 * count) * 64) / 63 + 2_000) revert Groth16VerifierInsufficientGas();
        bool success;
        uint256 verdict;
        assembly ("memory-safe") {
            // With this much gas left the pairing precompile cannot run out: failure means a B point
            // off its curve or subgroup, a plain false.
            success := staticcall(gas(), 0x08, pairs, mul(count, 192), 0, 32)
            verdict := mload(0)
        }
        return success && verdict == 1;
    }

    /// @dev `_batchAdd`'s answer for a proof with a coordinate >= q or A or C off G1.
    uint256 private constant _BATCH_INVALID = type(uint256).max;

    /// @dev The record of key `keyId` (batch state: [seed, keys, last record, records...]): the last
    /// one used when it is that key's (proofs of one key usually come together), else found among
    /// the records, else loaded and appended.
    function _batchRecord(uint256[] memory state, bytes32 keyId) private view returns (uint256 rec) {
        rec = state[2];
        if (rec != 0 && _mword(rec, 0) == uint256(keyId)) return rec;
        uint256 nKeys = state[1];
        for (uint256 k; k < nKeys; ++k) {
            rec = state[3 + k];
            if (_mword(rec, 0) == uint256(keyId)) {
                state[2] = rec;
                return rec;
            }
        }
        rec = _loadBatchKey(keyId);
        state[3 + nKeys] = rec;
        state[1] = nKeys + 1;
        state[2] = rec;
    }

    /// @dev Adds proof j (coefficient r_0 = 1, else `_coefficient`) and its signals, which start
    /// at `signalAt`; returns where the next proof's signals start, or _BATCH_INVALID.
    function _batchAdd(
        uint256 rec,
        uint256[8][] calldata proofs,
        uint256 j,
        bytes32 seed,
        uint256 pairs,
        uint256[] calldata publicSignals,
        uint256 signalAt
    ) private view returns (uint256) {
        uint256 np = _mword(rec, 1);
        if (signalAt + np > publicSignals.length) {
            revert Groth16VerifierSignalCount(signalAt + np, publicSignals.length);
        }
        uint256 proofAt;
        uint256 signalsAt;
        assembly ("memory-safe") {
            proofAt := add(proofs.offset, shl(8, j))
            signalsAt := add(publicSignals.offset, shl(5, signalAt))
        }
        uint256 r = j == 0 ? 1 : _coefficient(seed, j);
        if (_batchProof(rec, proofAt, r, pairs + 192 * j, signalsAt, signalAt) == _PROOF_INVALID) return _BATCH_INVALID;
        return signalAt + np;
    }

    /// @dev Fiat-Shamir seed: keccak256(chainid, this, keccak256(calldata)); the call data holds
    /// every key id, proof and signal the check reads.
    function _batchSeed() private view returns (bytes32 seed) {
        assembly ("memory-safe") {
            let m := mload(0x40)
            calldatacopy(m, 0, calldatasize())
            let h := keccak256(m, calldatasize())
            mstore(m, chainid())
            mstore(add(m, 32), address())
            mstore(add(m, 64), h)
            seed := keccak256(m, 96)
        }
    }

    /// @dev r_j = the top 128 bits of keccak256(seed, j), never 0.
    function _coefficient(bytes32 seed, uint256 j) private pure returns (uint256 r) {
        assembly ("memory-safe") {
            mstore(0, seed)
            mstore(32, j)
            r := shr(128, keccak256(0, 64))
            if iszero(r) {
                r := 1
            }
        }
    }

    /// @dev Reserves `bytes` of memory (not cleared: every word is written before it is read).
    function _allocate(uint256 bytes_) private pure returns (uint256 at) {
        assembly ("memory-safe") {
            at := mload(0x40)
            mstore(0x40, add(at, bytes_))
        }
    }

    /// @dev Copies key `id` into memory behind a zeroed batch record (layout at _REC_HEADER_WORDS).
    function _loadBatchKey(bytes32 id) private view returns (uint256 rec) {
        address keyCode = _keyCodeAddress(id);
        uint256 size = keyCode.code.length;
        if (size == 0) revert Groth16VerifierUnknownKey(id);
        uint256 header;
        assembly ("memory-safe") {
            let key := mload(0x40)
            extcodecopy(keyCode, key, 1, sub(size, 1))
            header := mload(key)
            let np := and(header, 0xffffffff)
            rec := add(key, sub(size, 1))
            let words := add(_REC_HEADER_WORDS, np)
            // Zero the record (fresh memory may hold old scratch data), then fill its header.
            calldatacopy(rec, calldatasize(), shl(5, words))
            mstore(rec, id)
            mstore(add(rec, 32), np)
            mstore(add(rec, 64), key)
            mstore(0x40, add(rec, shl(5, words)))
        }
        if (header >> 248 != _KEY_VERSION) revert Groth16VerifierUnknownKey(id);
    }

    /// @dev Adds proof `proofAt` (calldata) with coefficient r: writes pair (r A, B) at `pair`, adds
    /// r C and r * signals to the key record. _PROOF_INVALID when a coordinate is >= q or A or C is
    /// off G1 (checked here, so a failing ecMul/ecAdd can only mean lack of gas, which reverts).
    function _batchProof(
        uint256 rec,
        uint256 proofAt,
        uint256 r,
        uint256 pair,
        uint256 signalsAt,
        uint256 firstSignal
    ) private view returns (uint256 outcome) {
        bool fed = true;
        uint256 bad;
        assembly ("memory-safe") {
            outcome := _PROOF_ADDED
            for {
                let i := 0
            } lt(i, 0x100) {
                i := add(i, 0x20)
            } {
                if iszero(lt(calldataload(add(proofAt, i)), _Q)) {
                    outcome := _PROOF_INVALID
                }
            }
            // A (words 0, 1) and C (words 6, 7) on y^2 = x^3 + 3, or the point at infinity (0, 0).
            for {
                let o := 0
            } lt(o, 0x100) {
                o := add(o, 0xc0)
            } {
                let x := calldataload(add(proofAt, o))
                let y := calldataload(add(proofAt, add(o, 0x20)))
                if or(x, y) {
                    if iszero(eq(mulmod(y, y, _Q), addmod(mulmod(mulmod(x, x, _Q), x, _Q), 3, _Q))) {
                        outcome := _PROOF_INVALID
                    }
                }
            }
            if outcome {
                // Pair: r A (ecMul in place; the scalar sits where B goes next), then B.
                calldatacopy(pair, proofAt, 64)
                if iszero(eq(r, 1)) {
                    mstore(add(pair, 64), r)
                    fed := and(fed, staticcall(gas(), 0x07, pair, 96, pair, 64))
                }
                calldatacopy(add(pair, 64), add(proofAt, 64), 128)
                // Scratch (free memory): [C acc | r C] for ecAdd, r C made by ecMul in place.
                let t := mload(0x40)
                mcopy(t, add(rec, 128), 64)
                calldatacopy(add(t, 64), add(proofAt, 192), 64)
                if iszero(eq(r, 1)) {
                    mstore(add(t, 128), r)
                    fed := and(fed, staticcall(gas(), 0x07, add(t, 64), 96, add(t, 64), 64))
                }
                fed := and(fed, staticcall(gas(), 0x06, t, 128, add(rec, 128), 64))
                mstore(add(rec, 96), addmod(mload(add(rec, 96)), r, _R))
                let np := mload(add(rec, 32))
                let sums := add(rec, shl(5, _REC_HEADER_WORDS))
                for {
                    let i := 0
                } lt(i, np) {
                    i := add(i, 1)
                } {
                    let signal := calldataload(add(signalsAt, shl(5, i)))
                    if iszero(lt(signal, _R)) {
                        bad := add(i, 1)
                        break
                    }
                    let at := add(sums, shl(5, i))
                    mstore(at, addmod(mload(at), mulmod(r, signal, _R), _R))
                }
            }
        }
        if (bad != 0) {
            uint256 index = firstSignal + bad - 1;
            uint256 value;
            assembly ("memory-safe") {
                value := calldataload(add(signalsAt, shl(5, sub(bad, 1))))
            }
            revert Groth16VerifierSignalNotInField(index, value);
        }
        if (!fed) revert Groth16VerifierInsufficientGas();
    }

    /// @dev Appends each key's pairs behind the proofs' `n`: (sumR alpha, -beta), (C_k, -delta),
    /// and (vk_x, -gamma) with the vk_x of keys sharing a gamma summed. Returns the pair count.
    function _batchKeyPairs(uint256[] memory state, uint256 pairs, uint256 n) private view returns (uint256 count) {
        count = n;
        uint256 nKeys = state[1];
        uint256[] memory gammaVkx = new uint256[](2 * nKeys); // summed vk_x per key whose gamma comes first
        for (uint256 k; k < nKeys; ++k) {
            uint256 rec = state[3 + k];
            uint256 key = _mword(rec, 2);
            uint256 sumR = _mword(rec, 3);
            (uint256 x, uint256 y) = _ecMul(_mword(key, 1), _mword(key, 2), sumR);
            _putPair(pairs, count, x, y, key, 3);
            _putPair(pairs, count + 1, _mword(rec, 4), _mword(rec, 5), key, 11);
            count += 2;
            (x, y) = _ecMul(_mword(key, 15), _mword(key, 16), sumR);
            uint256 np = _mword(rec, 1);
            for (uint256 i; i < np; ++i) {
                uint256 sum = _mword(rec, _REC_HEADER_WORDS + i);
                (uint256 px, uint256 py) = _ecMul(_mword(key, 17 + 2 * i), _mword(key, 18 + 2 * i), sum);
                (x, y) = _ecAdd(x, y, px, py);
            }
            // The first key with this gamma collects the vk_x of every later key with the same gamma.
            uint256 owner = _gammaOwner(state, k);
            (gammaVkx[2 * owner], gammaVkx[2 * owner + 1]) = _ecAdd(gammaVkx[2 * owner], gammaVkx[2 * owner + 1], x, y);
        }
        for (uint256 k; k < nKeys; ++k) {
            if (_gammaOwner(state, k) == k) {
                _putPair(pairs, count, gammaVkx[2 * k], gammaVkx[2 * k + 1], _mword(state[3 + k], 2), 7);
                ++count;
            }
        }
    }

    /// @dev Writes pair `index`: the G1 point (x, y) and the G2 point at word `g2Word` of `key`.
    function _putPair(uint256 pairs, uint256 index, uint256 x, uint256 y, uint256 key, uint256 g2Word) private pure {
        assembly ("memory-safe") {
            let p := add(pairs, mul(index, 192))
            mstore(p, x)
            mstore(add(p, 32), y)
            mcopy(add(p, 64), add(key, shl(5, g2Word)), 128)
        }
    }

    /// @dev The first of the records (up to `k`) whose key's gamma (stored words 7..10) is key k's.
    function _gammaOwner(uint256[] memory state, uint256 k) private pure returns (uint256 e) {
        uint256 key = _mword(state[3 + k], 2);
        for (; e < k; ++e) {
            uint256 other = _mword(state[3 + e], 2);
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
