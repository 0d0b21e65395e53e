pragma circom 2.1.6;

include "bitify.circom";

// PiecewiseLinear(N, M, K, D, A, B, Y_LO, Y_HI)
// Spec:   (reference: prover/quantize/int-ops.ts piecewiseLinear) for a signed N-bit `in`:
//           in < -2^M: out = Y_LO;   in >= 2^M: out = Y_HI;   otherwise, with u = in + 2^M,
//           s = floor(u / 2^(M+1-K)) (the segment, 0 <= s < 2^K) and
//           o = floor((u mod 2^(M+1-K)) / 2^D) (the offset inside it, truncated):
//           out = A[s] + B[s] * o.
//         Sigmoid / Tanh use it with A, B the secants of 2^K equal segments of [-R, R)
//         (prover/quantize/pwl.ts states the error bound).
// Domain: satisfiable for every -2^(N-1) <= in < 2^(N-1) (and some inputs beyond: the caller's
//         bound, from static bounds over all valid inputs, is what gives the spec).
// Caller: 2 <= K <= M + 1, 0 <= D <= M + 1 - K; A, B have 2^K entries.
// Cost:   without saturation (N - 1 <= M): M+1 booleans + 2^K - 2 (decoder) + 1;
//         with it: N+1 booleans + 2^K - 2 + 6.
// Why it is sound: z = in + 2^M (+ 2^P with P = N - 1 when saturation is possible) is
// decomposed into boolean digits with weighted sum z, so the digits are unique. Its low M+1
// digits are those of u. The decoder turns the K segment digits into indicators e[j]
// (each a product of digits or their complements, every one pinned by a constraint), exactly
// one of which is 1; sum e[j] A[j] and sum e[j] B[j] are then A[s] and B[s] (linear). With
// saturation: z < 2^P iff in < -2^M (digits P and P+1 both 0); in range iff digit P is 1 and
// digits P+1 and M+1..P-1 are 0 (IsZero of their sum, pinned by mid * inv = 1 - zero and
// mid * zero = 0); above otherwise. Exactly one of below / inRange / above is 1.
template PiecewiseLinear(N, M, K, D, A, B, Y_LO, Y_HI) {
    assert(K >= 2 && K <= M + 1);
    assert(D >= 0 && D <= M + 1 - K);
    assert(N >= 1 && N + 2 <= 250 && M + 2 <= 250);
    var W = M + 1 - K;
    var SAT = N - 1 > M ? 1 : 0;
    var P = N - 1;
    var DIGITS = SAT == 1 ? P + 2 : M + 1;

    signal input in;
    signal output out;

    component z = Num2Bits(DIGITS);
    z.in <== in + 2 ** M + SAT * 2 ** P;

    // Segment indicators from the K digits W..M (a binary decoder: 2^K - 2 products).
    var e[2 ** K];
    e[0] = 1 - z.out[W];
    e[1] = z.out[W];
    signal prod[2 ** K - 2];
    var c = 0;
    for (var t = 1; t < K; t++) {
        for (var j = 0; j < 2 ** t; j++) {
            prod[c] <== e[j] * z.out[W + t];
            e[j + 2 ** t] = prod[c];
            e[j] = e[j] - prod[c];
            c++;
        }
    }
    var a = 0;
    var b = 0;
    for (var j = 0; j < 2 ** K; j++) {
        a += e[j] * A[j];
        b += e[j] * B[j];
    }
    var o = 0;
    for (var i = D; i < W; i++) {
        o += z.out[i] * 2 ** (i - D);
    }
    for (var i = 0; i < D; i++) {
        _ <== z.out[i];  // truncated, only range-checked
    }
    signal slope;
    slope <== b * o;

    if (SAT == 0) {
        out <== a + slope;
    } else {
        // Digits M+1..P-1 must be 0 for in range; digit P must be 1 and digit P+1 be 0.
        var mid = 0;
        for (var i = M + 1; i < P; i++) {
            mid += z.out[i];
        }
        mid += z.out[P + 1];
        signal inv;
        signal midZero;
        inv <-- mid != 0 ? 1 / mid : 0;
        midZero <== 1 - mid * inv;
        mid * midZero === 0;
        signal both;  // digit P and digit P+1
        both <== z.out[P] * z.out[P + 1];
        var below = 1 - z.out[P] - z.out[P + 1] + both;
        signal inRange;
        inRange <== z.out[P] * midZero;
        signal y;
        y <== inRange * (a + slope);
        out <== y + (1 - below - inRange) * Y_HI + below * Y_LO;
    }
}
