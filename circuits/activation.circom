pragma circom 2.1.6;

include "bitify.circom";
include "digits.circom";

// Rescale fused with Clip / LeakyRelu. Reference semantics: prover/quantize/int-ops.ts
// (rescaleClip, rescaleLeaky). The first step is FloorShift's: u = in + 2^(N-1), N = BITS+SHIFT,
// is decomposed into N boolean digits whose weighted sum is constrained to equal u, so
// 0 <= u < 2^N (any other `in` makes the circuit unsatisfiable) and the digits are unique;
// the top BITS digits are q + 2^(BITS-1) with q = floor(in / 2^SHIFT), and the top digit is
// 1 exactly when q >= 0.

// FloorShiftClip(SHIFT, BITS, HAS_LO, LO, HAS_HI, HI)
// Spec:   q = floor(in / 2^SHIFT) (a signed BITS-bit integer); t = max(q, LO) if HAS_LO else q;
//         out = min(t, HI) if HAS_HI else t.
// Domain: satisfiable iff -2^(BITS+SHIFT-1) <= in < 2^(BITS+SHIFT-1).
// Caller: LO and HI are signed BITS-bit integers with LO <= HI (when both are present).
// Cost:   BITS+SHIFT booleans; per present bound one product, and BITS+1 booleans for the
//         comparison (none for LO = 0: the sign digit is the comparison).
// Why it is sound: for LO != 0, q - LO + 2^BITS lies in (0, 2^(BITS+1)) for q, LO in the signed
// BITS-bit range, so its (BITS+1)-digit decomposition exists, is unique, and its top digit is
// [q >= LO]; then t = LO + [q >= LO] * (q - LO) = max(q, LO). Likewise the top digit of
// HI - q + 2^BITS is [q <= HI], and out = HI + [q <= HI] * (t - HI): when q <= HI, t <= HI
// (as LO <= HI) and out = t; when q > HI, out = HI, which is min(max(q, LO), HI) since q > HI >= LO.
template FloorShiftClip(SHIFT, BITS, HAS_LO, LO, HAS_HI, HI) {
    assert(SHIFT >= 0);
    assert(BITS >= 2);
    assert(BITS + SHIFT <= 250);
    var N = BITS + SHIFT;

    signal input in;
    signal output out;

    component digits = SplitDigits(SHIFT, BITS);  // the low SHIFT digits only range-checked
    digits.in <== in + 2 ** (N - 1);
    var q = -(2 ** (BITS - 1));
    for (var i = 0; i < BITS; i++) {
        q += digits.high[i] * 2 ** i;
    }

    var t = q;
    if (HAS_LO == 1) {
        signal keepLo;  // [q >= LO]
        if (LO == 0) {
            keepLo <== digits.high[BITS - 1];
        } else {
            component geLo = Num2Bits(BITS + 1);
            geLo.in <== q - LO + 2 ** BITS;
            for (var i = 0; i < BITS; i++) {
                _ <== geLo.out[i];
            }
            keepLo <== geLo.out[BITS];
        }
        signal raised;
        raised <== keepLo * (q - LO);
        t = LO + raised;
    }
    if (HAS_HI == 1) {
        component leHi = Num2Bits(BITS + 1);  // top digit: [q <= HI]
        leHi.in <== HI - q + 2 ** BITS;
        for (var i = 0; i < BITS; i++) {
            _ <== leHi.out[i];
        }
        out <== HI + leHi.out[BITS] * (t - HI);
    } else {
        out <== t;
    }
}

// FloorShiftLeaky(SHIFT, BITS, NEG, T)
// Spec:   q = floor(in / 2^SHIFT) (a signed BITS-bit integer); out = q * 2^T if q >= 0, else
//         NEG * q. (A LeakyRelu / PRelu with slope NEG / 2^T; the output scale is 2^T finer.)
// Domain: satisfiable iff -2^(BITS+SHIFT-1) <= in < 2^(BITS+SHIFT-1).
// Caller: nothing beyond the domain; NEG is any integer.
// Cost:   BITS+SHIFT booleans + 1 product.
// Why it is sound: with s the top digit ([q >= 0]), NEG + s * (2^T - NEG) is 2^T when q >= 0
// and NEG otherwise; out is q times it, one product of two linear expressions.
template FloorShiftLeaky(SHIFT, BITS, NEG, T) {
    assert(SHIFT >= 0);
    assert(BITS >= 2);
    assert(T >= 0);
    assert(BITS + SHIFT <= 250);
    var N = BITS + SHIFT;

    signal input in;
    signal output out;

    component digits = SplitDigits(SHIFT, BITS);  // the low SHIFT digits only range-checked
    digits.in <== in + 2 ** (N - 1);
    var q = -(2 ** (BITS - 1));
    for (var i = 0; i < BITS; i++) {
        q += digits.high[i] * 2 ** i;
    }
    out <== q * (NEG + digits.high[BITS - 1] * (2 ** T - NEG));
}
