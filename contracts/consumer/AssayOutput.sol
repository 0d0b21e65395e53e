// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IModelRegistry} from "../interfaces/IModelRegistry.sol";

/// @title AssayOutput
/// @notice Reads the values out of a claim's `output` word, exactly as the prover packs them
/// (prover/commit/tensor-commitment.ts `packWords`, circuits/commit.circom `PackWords`):
///
///     u_i    = v_i + offset        offset = 2^(bits-1) for signed values (logits), 0 for labels
///     output = sum_i u_i * 2^(i * bits)      for i < count, with count * bits <= 253
///
/// so value `i` sits in bits [i * bits, (i + 1) * bits) and the word stays below the BN254 field
/// order. A model ending in ArgMax publishes its labels this way (unsigned, `bits` just wide enough
/// for the largest label; one group: the output is the label itself); any other model publishes its
/// output values, signed fixed-point integers whose real value is `v / 2^frac`. An output with more
/// than 253 bits of values is published as a Poseidon commitment instead and cannot be read here
/// (`fits` is false). The format comes from the model's registered output spec (`formatOf`, from
/// the `ModelVersionRegistered` event) or the compiled model's manifest (`output.encoding`).
///
/// Every reader reverts `AssayOutputNotPacked` when the word has bits set above `count * bits`: no
/// circuit of the format produces such a word, so a claim carrying one is a lie.
///
/// Import path after `npm install assay`: `assay/contracts/consumer/AssayOutput.sol`.
library AssayOutput {
    /// @notice Bits of one word the packing may use.
    uint256 internal constant WORD_BITS = 253;

    /// @notice How an output word packs its values: `count` values of `bits` bits each, offset by
    /// 2^(bits-1) when `isSigned`; a value's real number is `value / 2^frac` (labels ignore `frac`).
    struct Format {
        uint16 count;
        uint8 bits;
        bool isSigned;
        int16 frac;
    }

    /// @notice `count` values of `bits` bits do not fit one word (or one of them is zero).
    error AssayOutputBadFormat(uint256 count, uint256 bits);

    /// @notice `output` has bits set above the `usedBits` its format packs.
    error AssayOutputNotPacked(uint256 output, uint256 usedBits);

    /// @notice There is no value `index` in an output of `count` values.
    error AssayOutputIndexOutOfRange(uint256 index, uint256 count);

    /// @notice Labels were asked of a signed format (labels are unsigned).
    error AssayOutputSignedLabels();

    /// @notice `value * one / 2^frac` does not fit an int256 (or `one` does not).
    error AssayOutputScaleOverflow(int256 value, int16 frac, uint256 one);

    /// @notice The format of a registered output spec: `count` is the product of its shape.
    /// Reverts `AssayOutputBadFormat` when it does not fit one word.
    function formatOf(IModelRegistry.TensorSpec memory spec) internal pure returns (Format memory format) {
        uint256 count = 1;
        for (uint256 i; i < spec.shape.length; ++i) {
            count *= spec.shape[i];
            if (count > WORD_BITS) break;
        }
        if (!_fits(count, spec.bits)) revert AssayOutputBadFormat(count, spec.bits);
        // count <= 253 here.
        format = Format({count: uint16(count), bits: spec.bits, isSigned: spec.isSigned, frac: spec.frac});
    }

    /// @notice Whether `format` describes a packed word (1 <= bits, 1 <= count, count * bits <= 253).
    function fits(Format memory format) internal pure returns (bool) {
        return _fits(format.count, format.bits);
    }

    /// @notice Reverts unless `format` fits one word and `output` has no bits set above its values.
    function check(uint256 output, Format memory format) internal pure {
        if (!_fits(format.count, format.bits)) revert AssayOutputBadFormat(format.count, format.bits);
        uint256 used = uint256(format.count) * format.bits;
        if (output >> used != 0) revert AssayOutputNotPacked(output, used);
    }

    /// @notice Value `index` of the output: a signed integer (fixed point, see `toUnits`), or a
    /// label for an unsigned format. Reverts on a bad format, word or index.
    function valueAt(uint256 output, Format memory format, uint256 index) internal pure returns (int256) {
        uint256 u = _rawAt(output, format, index);
        // u < 2^bits <= 2^253 and the offset is at most 2^252: both fit int256.
        return int256(u) - int256(_offset(format));
    }

    /// @notice Every value of the output, in order (see `valueAt`).
    function values(uint256 output, Format memory format) internal pure returns (int256[] memory out) {
        check(output, format);
        uint256 bits = format.bits;
        uint256 mask = (uint256(1) << bits) - 1;
        int256 offset = int256(_offset(format));
        uint256 n = format.count;
        out = new int256[](n);
        for (uint256 i; i < n;) {
            // u < 2^253 and offset <= 2^252 (see valueAt); i < n <= 253: neither overflows.
            unchecked {
                out[i] = int256(output & mask) - offset;
                ++i;
            }
            output >>= bits;
        }
    }

    /// @notice Label `index` of an ArgMax model's output (an unsigned format). Reverts on a signed
    /// format, a bad word or index.
    function labelAt(uint256 output, Format memory format, uint256 index) internal pure returns (uint256) {
        if (format.isSigned) revert AssayOutputSignedLabels();
        return _rawAt(output, format, index);
    }

    /// @notice Every label of an ArgMax model's output, in order (see `labelAt`).
    function labels(uint256 output, Format memory format) internal pure returns (uint256[] memory out) {
        if (format.isSigned) revert AssayOutputSignedLabels();
        check(output, format);
        uint256 bits = format.bits;
        uint256 mask = (uint256(1) << bits) - 1;
        uint256 n = format.count;
        out = new uint256[](n);
        for (uint256 i; i < n;) {
            out[i] = output & mask;
            output >>= bits;
            // i < n <= 253: no overflow.
            unchecked {
                ++i;
            }
        }
    }

    /// @notice The index of the first largest value and that value (for a model publishing its
    /// logits: its predicted class, as ONNX ArgMax without `select_last_index`).
    function argmax(uint256 output, Format memory format) internal pure returns (uint256 index, int256 best) {
        check(output, format);
        uint256 bits = format.bits;
        uint256 mask = (uint256(1) << bits) - 1;
        // Comparing the offset values u_i orders the values v_i the same way.
        uint256 top = output & mask;
        uint256 n = format.count;
        for (uint256 i = 1; i < n;) {
            output >>= bits;
            uint256 u = output & mask;
            if (u > top) (top, index) = (u, i);
            // i < n <= 253: no overflow.
            unchecked {
                ++i;
            }
        }
        best = int256(top) - int256(_offset(format));
    }

    /// @notice `value / 2^frac` expressed in a unit of `one` (e.g. 1e18 for 18 decimals), rounded
    /// toward zero: `trunc(value * one / 2^frac)`. Reverts `AssayOutputScaleOverflow` when it does
    /// not fit an int256.
    function toUnits(int256 value, int16 frac, uint256 one) internal pure returns (int256) {
        uint256 mag;
        unchecked {
            // |value| without overflow for type(int256).min: -(value + 1) is representable.
            mag = value < 0 ? uint256(-(value + 1)) + 1 : uint256(value);
        }
        if (one != 0 && mag > type(uint256).max / one) revert AssayOutputScaleOverflow(value, frac, one);
        mag *= one;
        if (frac >= 0) {
            mag = frac >= 256 ? 0 : mag >> uint16(frac);
        } else {
            uint256 shift = uint256(-int256(frac));
            if (mag != 0 && (shift >= 256 || mag >> (256 - shift) != 0)) {
                revert AssayOutputScaleOverflow(value, frac, one);
            }
            mag <<= shift;
        }
        if (mag > uint256(type(int256).max)) {
            // Only -2^255 itself fits beyond int256.max.
            if (value < 0 && mag == uint256(type(int256).max) + 1) return type(int256).min;
            revert AssayOutputScaleOverflow(value, frac, one);
        }
        return value < 0 ? -int256(mag) : int256(mag);
    }

    /// @notice Value `index` of the output in a unit of `one`: `toUnits(valueAt(...), frac, one)`.
    function valueInUnits(
        uint256 output,
        Format memory format,
        uint256 index,
        uint256 one
    ) internal pure returns (int256) {
        return toUnits(valueAt(output, format, index), format.frac, one);
    }

    /// @dev The offset-added field `u_index` after the same checks as `check` and an index check.
    function _rawAt(uint256 output, Format memory format, uint256 index) private pure returns (uint256) {
        check(output, format);
        if (index >= format.count) revert AssayOutputIndexOutOfRange(index, format.count);
        uint256 bits = format.bits;
        return (output >> (index * bits)) & ((uint256(1) << bits) - 1);
    }

    /// @dev 2^(bits-1) for a signed format, else 0.
    function _offset(Format memory format) private pure returns (uint256) {
        return format.isSigned ? uint256(1) << (format.bits - 1) : 0;
    }

    /// @dev 1 <= bits, 1 <= count and count * bits <= 253.
    function _fits(uint256 count, uint256 bits) private pure returns (bool) {
        if (bits == 0 || count == 0 || bits > WORD_BITS || count > WORD_BITS) return false;
        // Both at most 253: the product cannot overflow.
        unchecked {
            return count * bits <= WORD_BITS;
        }
    }
}
