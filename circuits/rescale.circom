pragma circom 2.1.6;

include "bitify.circom";
include "digits.circom";

// Rescaling of fixed-point values: floor division by a power of two, optionally fused with ReLU.
// Reference semantics: prover/quantize/int-ops.ts (rescale, rescaleRelu). Signed integers are
// field elements x mod P.

// FloorShift(SHIFT, BITS)
// Spec:   out = floor(in / 2^SHIFT), a signed BITS-bit integer;
//         outBits = the binary digits of out + 2^(BITS-1) (little-endian), so a caller can pack
//         the output (e.g. PackWords with OFFSET 2^(BITS-1)) without another range check.
// Domain: satisfiable iff -2^(BITS+SHIFT-1) <= in < 2^(BITS+SHIFT-1) (in read as a signed field
//         element); every other `in` makes the circuit unsatisfiable.
// Caller: nothing beyond the domain; `in` may be any linear combination of signals.
// Cost:   one SplitDigits(SHIFT, BITS): BITS+SHIFT boolean constraints (+1 linear, removed by --O2).
// Why it is sound: u = in + 2^(N-1) with N = BITS+SHIFT is decomposed into N boolean digits whose
// weighted sum is constrained to equal u; as 2^N < P the digits are unique and exist iff
// 0 <= u < 2^N. Then floor(u / 2^SHIFT) = floor(in / 2^SHIFT) + 2^(BITS-1) is the value of the
// top BITS digits, and out subtracts the offset again. The low SHIFT digits are the remainder.
template FloorShift(SHIFT, BITS) {
    assert(SHIFT >= 0);
    assert(BITS >= 1);
    assert(BITS + SHIFT <= 250);
    var N = BITS + SHIFT;

    signal input in;
    signal output out;
    signal output outBits[BITS];

    // The low SHIFT digits are the remainder: range-checked by SplitDigits, used nowhere else.
    component digits = SplitDigits(SHIFT, BITS);
    digits.in <== in + 2 ** (N - 1);

    var high = 0;
    for (var i = 0; i < BITS; i++) {
        outBits[i] <== digits.high[i];
        high += digits.high[i] * 2 ** i;
    }
    out <== high - 2 ** (BITS - 1);
}

// FloorShiftRelu(SHIFT, BITS)
// Spec:   out = max(0, floor(in / 2^SHIFT)), where the quotient is a signed BITS-bit integer;
//         hence 0 <= out < 2^(BITS-1).
// Domain: satisfiable iff -2^(BITS+SHIFT-1) <= in < 2^(BITS+SHIFT-1) (same as FloorShift).
// Caller: nothing beyond the domain. BITS >= 2.
// Cost:   BITS+SHIFT boolean constraints + 1 product (+1 linear, removed by --O2).
// Why it is sound: with u = in + 2^(N-1) decomposed as in FloorShift, the top digit s is 1 iff
// floor(in / 2^SHIFT) >= 0, and then the quotient equals m, the value of the BITS-1 digits below
// s; if s is 0 the quotient is negative. So max(0, quotient) = s * m, one constraint.
// The unsigned digits of out would cost BITS-1 more products (s * digit), so they are not
// exposed; out is already known to lie in [0, 2^(BITS-1)) and can be packed as it is.
template FloorShiftRelu(SHIFT, BITS) {
    assert(SHIFT >= 0);
    assert(BITS >= 2);
    assert(BITS + SHIFT <= 250);
    var N = BITS + SHIFT;

    signal input in;
    signal output out;

    component digits = SplitDigits(SHIFT, BITS);  // the low SHIFT digits only range-checked
    digits.in <== in + 2 ** (N - 1);
    var magnitude = 0;
    for (var i = 0; i < BITS - 1; i++) {
        magnitude += digits.high[i] * 2 ** i;
    }
    out <== digits.high[BITS - 1] * magnitude;
}
