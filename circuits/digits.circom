pragma circom 2.1.6;

// Binary digits of a value whose low digits are a remainder. Used by the rescaling templates
// (rescale.circom, activation.circom), whose input is usually a long linear combination (a dense
// or convolution sum).

// SplitDigits(SHIFT, BITS)
// Spec:   in = sum_i low[i] * 2^i + sum_i high[i] * 2^(SHIFT + i), every digit 0 or 1; high is
//         the output, the SHIFT low digits (the remainder) are only range-checked.
// Domain: satisfiable iff 0 <= in < 2^(SHIFT+BITS).
// Caller: nothing beyond the domain; `in` may be any linear combination of signals.
// Cost:   SHIFT+BITS boolean constraints (+1 linear, removed by --O2).
// Why it is sound: as circomlib's Num2Bits: each digit is hinted with `<--` and pinned by its
//         booleanity and the weighted sum; as 2^(SHIFT+BITS) < P the digits exist iff `in` is in
//         range and are then unique.
// Why the low digits are declared last: --O2 removes the weighted-sum constraint by solving it
//         for the digit with the highest signal number, which is then replaced by `in` minus the
//         other digits wherever it appears. A remainder digit appears in its booleanity only
//         (two copies of `in`); circomlib's Num2Bits gives up its top digit, which callers also
//         multiply, so a 3,264-term dense sum was written three times into the r1cs instead of
//         two. Same constraints, a third fewer coefficients to compile, set up and prove.
template SplitDigits(SHIFT, BITS) {
    assert(SHIFT >= 0);
    assert(BITS >= 1);
    assert(SHIFT + BITS <= 250);

    signal input in;
    signal output high[BITS];
    signal low[SHIFT];

    var sum = 0;
    for (var i = 0; i < BITS; i++) {
        high[i] <-- (in >> (SHIFT + i)) & 1;
        high[i] * (high[i] - 1) === 0;
        sum += high[i] * 2 ** (SHIFT + i);
    }
    for (var i = 0; i < SHIFT; i++) {
        low[i] <-- (in >> i) & 1;
        low[i] * (low[i] - 1) === 0;
        sum += low[i] * 2 ** i;
    }
    sum === in;
}
