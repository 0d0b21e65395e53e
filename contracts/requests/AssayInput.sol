// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice circomlib Poseidon of 16 field elements (contracts/requests/PoseidonT17.sol).
interface IPoseidonT17 {
    /// @notice circomlibjs `poseidon(inputs)`.
    function hash(uint256[16] calldata inputs) external view returns (uint256);
}

/// @notice A fixed-point input tensor that lives on chain, in assay's canonical encoding
/// (prover/commit/tensor-commitment.ts): each value `v` is stored as `u = v + offset` with
/// `0 <= u < 2^bits`, `K = 253 / bits` values per word, value `i` in bits `(i % K) * bits` of
/// word `i / K`.
/// @param words The packed words, `ceil(n / K)` of them.
/// @param n Number of values (the model's input size).
/// @param bits Bits per value (the model's input width).
/// @param offset 0 for unsigned inputs, `2^(bits-1)` for signed ones.
struct InputTensor {
    uint256[] words;
    uint256 n;
    uint256 bits;
    uint256 offset;
}

/// @title AssayInput
/// @notice Packs on-chain values into an {InputTensor} and recomputes the input commitment the
/// circuits prove, with salt 0 (an input that lives on chain has nothing to hide):
///
///     tag = 1 + bits << 8 + n << 16 + offset << 64
///     seq = [0, words...];  h = tag;  h = Poseidon16(h, seq[15k .. 15k + 14], zero padded)
///
/// so a contract checks a claim's `inputCommitment` against its own data, at every level.
library AssayInput {
    /// @notice Width bits per value exceeds 253 or is zero, n is zero or too large, or offset too large.
    error AssayInputBadEncoding(uint256 n, uint256 bits, uint256 offset);
    /// @notice The tensor has `got` words; its encoding needs `expected`.
    error AssayInputWordCount(uint256 expected, uint256 got);
    /// @notice Word `index` holds bits beyond the values it may carry.
    error AssayInputWordRange(uint256 index);
    /// @notice Value `index` is `value`; with the offset it must lie in [0, 2^bits).
    error AssayInputValueRange(uint256 index, int256 value);

    /// @dev Words per Poseidon permutation after the chained state.
    uint256 private constant _RATE = 15;
    /// @dev Bits a word may use (below log2 of the field order).
    uint256 private constant _WORD_BITS = 253;

    /// @notice The encoding's domain tag (prover/commit tensorTag). Reverts for a bad encoding.
    function tag(uint256 n, uint256 bits, uint256 offset) internal pure returns (uint256) {
        if (bits == 0 || bits > _WORD_BITS || n == 0 || n >= 1 << 48 || offset >= 1 << 188) {
            revert AssayInputBadEncoding(n, bits, offset);
        }
        return 1 + (bits << 8) + (n << 16) + (offset << 64);
    }

    /// @notice The input commitment with salt 0 (what `commitTensor(values, encoding, 0n)` gives).
    /// Reverts unless the encoding is valid, the word count matches and no word has stray bits.
    function commitment(IPoseidonT17 poseidon, InputTensor calldata input) internal view returns (uint256 state) {
        state = tag(input.n, input.bits, input.offset);
        _checkWords(input);
        uint256 m = input.words.length + 1; // the salt, then the words
        uint256[16] memory block_;
        for (uint256 start = 0; start < m; start += _RATE) {
            block_[0] = state;
            for (uint256 t = 0; t < _RATE; ++t) {
                uint256 i = start + t;
                // seq[0] is the salt (0); seq[i] = words[i - 1]; past the end, zero padding.
                block_[t + 1] = (i == 0 || i >= m) ? 0 : input.words[i - 1];
            }
            state = poseidon.hash(block_);
        }
    }

    /// @notice Packs signed or unsigned `values` (each plus `offset` in [0, 2^bits)) into words.
    function pack(int256[] memory values, uint256 bits, uint256 offset) internal pure returns (uint256[] memory words) {
        tag(values.length, bits, offset);
        uint256 k = _WORD_BITS / bits;
        words = new uint256[]((values.length + k - 1) / k);
        for (uint256 i = 0; i < values.length; ++i) {
            int256 u = values[i] + int256(offset);
            if (u < 0 || uint256(u) >> bits != 0) revert AssayInputValueRange(i, values[i]);
            words[i / k] |= uint256(u) << ((i % k) * bits);
        }
    }

    /// @dev Reverts unless `input` has ceil(n / K) words and each word only uses the bits of its values.
    function _checkWords(InputTensor calldata input) private pure {
        uint256 k = _WORD_BITS / input.bits;
        uint256 m = (input.n + k - 1) / k;
        if (input.words.length != m) revert AssayInputWordCount(m, input.words.length);
        for (uint256 j = 0; j < m; ++j) {
            uint256 count = j + 1 < m ? k : input.n - j * k;
            if (input.words[j] >> (count * input.bits) != 0) revert AssayInputWordRange(j);
        }
    }
}
