pragma circom 2.1.6;

include "bitify.circom";

// Building blocks of transformer layers: the row maximum a softmax subtracts before exponentiating,
// the reciprocal of its row sum, and the inverse square root of a layer norm's variance. Every
// output is a hint pinned by a product and range checks, as the exact inverse of a cheap forward
// relation (out = some input and no input above it; out * s + r = 2^K; out^2 * w <= 2^(2R) <
// (out + 1)^2 * w). Signed integers are field elements x mod P.

// RowMax(N, BITS)
// Spec:   out = max(in[0], ..., in[N-1]); digits[i] = the little-endian binary digits of
//         d_i = out - in[i] (0 <= d_i < 2^BITS), e.g. for ExpDigits.
// Domain: satisfiable iff max(in) - min(in) < 2^BITS (inputs read as signed field elements of
//         magnitude below 2^250), in particular on the caller's range; out is then unique.
// Caller: guarantees every in[i] is a signed BITS-bit integer (-2^(BITS-1) <= in[i] <
//         2^(BITS-1)), e.g. the output of FloorShift(_, BITS). N >= 1, BITS <= 250.
// Cost:   N * BITS boolean constraints + N - 1 products (+ 2N linear, removed by --O2); none for
//         N = 1 (out is in[0], its digits are 0). The digits are the range checks' own, wired out
//         (as public outputs of main they could not be eliminated: --O2 would keep the N sums).
// Why it is sound: the digits of gap[i] prove out - in[i] = d_i (mod P) with 0 <= d_i < 2^BITS.
//   The product chain proves d_0 * d_1 * ... * d_{N-1} = 0 (mod P); P is prime, so some factor
//   is 0 mod P, i.e. out = in[j] for some j. Then out - in[i] = in[j] - in[i] is an integer of
//   magnitude below 2^251 < P that is congruent to d_i, so it equals d_i >= 0: in[j] >= in[i] for
//   every i, and out = in[j] is the maximum (whichever maximal j the prover had in mind). The
//   digits of d_i are then unique: boolean, with weighted sum d_i < 2^BITS.
template RowMax(N, BITS) {
    assert(N >= 1);
    assert(BITS >= 1 && BITS <= 250);

    signal input in[N];
    signal output out;
    signal output digits[N][BITS];

    if (N == 1) {
        out <== in[0];
        for (var j = 0; j < BITS; j++) digits[0][j] <== 0;
    } else {
        // Hint: the maximum (circom compares field elements as signed values).
        var best = in[0];
        for (var i = 1; i < N; i++) {
            if (in[i] > best) best = in[i];
        }
        out <-- best;

        // 0 <= out - in[i] < 2^BITS for every i: the digits of d_i.
        component gap[N];
        for (var i = 0; i < N; i++) {
            gap[i] = Num2Bits(BITS);
            gap[i].in <== out - in[i];
            digits[i] <== gap[i].out;
        }

        // (out - in[0]) * ... * (out - in[N-1]) == 0, one product per factor after the first.
        signal prod[N - 1];
        prod[0] <== (out - in[0]) * (out - in[1]);
        for (var i = 2; i < N; i++) {
            prod[i - 1] <== prod[i - 2] * (out - in[i]);
        }
        prod[N - 2] === 0;
    }
}

// Reciprocal(K, BITS)
// Spec:   out = floor(2^K / s).
// Domain: satisfiable for every s in [1, 2^BITS) (the caller's range), with out unique;
//         unsatisfiable for s = 0 (it would need 0 <= r <= -1).
// Caller: guarantees 1 <= s < 2^BITS. K + 1 + BITS <= 250.
// Cost:   K + 1 + 2 * BITS boolean constraints + 1 product (+ 5 linear, removed by --O2).
// Why it is sound: outDigits proves 0 <= out < 2^(K+1) (honest: out <= 2^K), and with
//   r = 2^K - out * s, remDigits and slackDigits prove r = d1 and s - 1 - r = d2 (mod P) with
//   0 <= d1, d2 < 2^BITS. With the caller's bound, out * s + d1 < 2^(K+1+BITS) + 2^BITS < P, so
//   out * s + d1 = 2^K holds over the integers; s - 1 - d1 is an integer in (-2^BITS, 2^BITS)
//   congruent to d2, so it equals d2 >= 0: 0 <= d1 < s. That is Euclidean division of 2^K by s,
//   whose quotient is unique. The range check of out is needed: without it, for any r' in
//   [0, s) the field element out = (2^K - r') / s mod P would satisfy the other constraints.
template Reciprocal(K, BITS) {
    assert(K >= 0);
    assert(BITS >= 1);
    assert(K + 1 + BITS <= 250);

    signal input s;
    signal output out;

    // Hint: the quotient (no division by zero: s = 0 is then rejected by the constraints).
    out <-- s == 0 ? 0 : (2 ** K) \ s;

    component outDigits = Num2Bits(K + 1);
    outDigits.in <== out;
    _ <== outDigits.out;  // only range-checked

    signal prod;
    prod <== out * s;

    // r = 2^K - out * s in [0, 2^BITS) and s - 1 - r in [0, 2^BITS).
    component remDigits = Num2Bits(BITS);
    remDigits.in <== 2 ** K - prod;
    _ <== remDigits.out;
    component slackDigits = Num2Bits(BITS);
    slackDigits.in <== s - 1 - (2 ** K - prod);
    _ <== slackDigits.out;
}

// InvSqrtWidth(R, BITS): the width of InvSqrt's two gaps, max(R + 2 + ceil(BITS / 2), BITS + 1).
function InvSqrtWidth(R, BITS) {
    var a = R + 2 + (BITS + 1) \ 2;
    var b = BITS + 1;
    return a > b ? a : b;
}

// InvSqrt(R, BITS)
// Spec:   out = floor(2^R / sqrt(w)), i.e. the largest integer r >= 0 with r^2 * w <= 2^(2R).
// Domain: satisfiable for every w in [1, 2^BITS) (the caller's range), with out unique;
//         unsatisfiable for w = 0 (hi = -2^(2R) - 1 whatever out is).
// Caller: guarantees 1 <= w < 2^BITS. 2R + BITS + 2 <= 250.
// Cost:   R + 1 + 2 * G boolean constraints + 3 products (+ 5 linear, removed by --O2), with the
//         gap width G = InvSqrtWidth(R, BITS) = max(R + 2 + ceil(BITS / 2), BITS + 1).
// Why it is sound: outDigits proves 0 <= out < 2^(R+1) (honest: out <= 2^R), so out^2 * w and
//   (out + 1)^2 * w are below 2^(2R+2+BITS) <= 2^250. The products pin sq = out^2,
//   sqw = out^2 * w and lin = (2 out + 1) * w, and loDigits / hiDigits prove
//   lo = 2^(2R) - sqw and hi = sqw + lin - 2^(2R) - 1 = (out + 1)^2 * w - 2^(2R) - 1 congruent to
//   values in [0, 2^G). Both are integers of magnitude below 2^251 < P, so they equal those values:
//   out^2 * w <= 2^(2R) < (out + 1)^2 * w, which defines out uniquely.
// Width: honestly lo + hi = (2 out + 1) * w - 1, so both are below (2 out + 1) * w, and
//   out <= 2^R / sqrt(w) gives (2 out + 1) * w <= 2^(R+1) * sqrt(w) + w < 2^(R+1+BITS/2) + 2^BITS
//   <= 2^G. (The plain bound out <= 2^R would give 2^(R+BITS+2): twice as many digits for large
//   BITS.)
template InvSqrt(R, BITS) {
    assert(R >= 0);
    assert(BITS >= 1);
    assert(2 * R + BITS + 2 <= 250);
    var G = InvSqrtWidth(R, BITS);

    signal input w;
    signal output out;

    // Hint: out bit by bit from the top, keeping r^2 * w <= 2^(2R). Every value compared is below
    // 2^(2R+2+BITS) <= 2^250 < P/2 for w in the caller's range, so circom's signed comparison
    // compares the integers.
    var r = 0;
    for (var b = R; b >= 0; b--) {
        var t = r + 2 ** b;
        if (t * t * w <= 2 ** (2 * R)) r = t;
    }
    out <-- r;

    component outDigits = Num2Bits(R + 1);
    outDigits.in <== out;
    _ <== outDigits.out;  // only range-checked

    signal sq;
    sq <== out * out;
    signal sqw;
    sqw <== sq * w;
    signal lin;
    lin <== (2 * out + 1) * w;

    // lo = 2^(2R) - out^2 w >= 0 and hi = (out + 1)^2 w - 2^(2R) - 1 >= 0.
    component loDigits = Num2Bits(G);
    loDigits.in <== 2 ** (2 * R) - sqw;
    _ <== loDigits.out;
    component hiDigits = Num2Bits(G);
    hiDigits.in <== sqw + lin - 2 ** (2 * R) - 1;
    _ <== hiDigits.out;
}

// ExpDigits(BITS, F, W, PI, P, EI, A, B)
// Spec:   for the integer d = sum_i d[i] 2^i >= 0 and D = F - 3 - W:
//           out = 0                         if d >= 16 * 2^F (a digit F+4..BITS-1 is 1),
//           out = EI[k] * (A[s] - B[s] * o) otherwise, with
//           k = floor(d / 2^F) (digits F..F+3, 0..15), s = floor(d / 2^(F-3)) mod 8 (digits
//           F-3..F-1: the segment) and o = floor(d / 2^D) mod 2^W (digits D..F-4: the offset inside
//           the segment; the digits below D are dropped).
//         Softmax uses it after RowMax on d_i = max - x_i at input scale 2^F for e^(-d / 2^F) =
//         e^(-k) e^(-frac): EI[k] ~ e^(-k) at scale 2^PI, A[s] - B[s] o the secant of e^(-t) on
//         [s/8, (s+1)/8) at scale 2^P (B at 2^(P-W)), out at scale 2^(PI+P); e^(-16) is below that
//         precision. PI and P only document these scales: the constraints do not read them.
// Domain: satisfiable for every boolean d, with out unique (the integer above, as a field element).
// Caller: guarantees every d[i] is 0 or 1 (RowMax's digits, from Num2Bits). F >= 3, BITS >= F + 5,
//         0 <= W <= F - 3; EI has 16 entries, A and B have 8.
// Cost:   14 + 6 products (the decoders of k and s) + 1 (frac) + 2 (the saturation test) + 2 (out)
//         = 25 constraints; 24 for W = 0 (frac = A[s] is then linear).
// Why it is sound: the digits are boolean (the caller's obligation), so each decoder indicator is a
//   product of digits or their complements, every product pinned by a constraint, and exactly one
//   indicator of each decoder is 1: the one of k (of s). ei = sum_k EI[k] ek[k] = EI[k],
//   a = A[s], b = B[s] and o are linear in them and the digits, frac = a - b * o is pinned. The high
//   digits' sum h is below BITS < P, so h = 0 iff they all are 0; h * notSat = 0 and
//   h * inv = 1 - notSat give notSat = 1 when h = 0 and notSat = 0 when h != 0 (then notSat = 0
//   whatever inv is, and inv must be 1 / h), so notSat = 1 - sat. live = ei * notSat and
//   out = live * frac are pinned products.
template ExpDigits(BITS, F, W, PI, P, EI, A, B) {
    assert(F >= 3);
    assert(BITS >= F + 5);
    assert(W >= 0 && W <= F - 3);
    var D = F - 3 - W;

    signal input d[BITS];
    signal output out;

    // k's indicators from digits F..F+3 (a binary decoder: 14 products).
    var ek[16];
    ek[0] = 1 - d[F];
    ek[1] = d[F];
    signal kProd[14];
    var c = 0;
    for (var t = 1; t < 4; t++) {
        for (var j = 0; j < 2 ** t; j++) {
            kProd[c] <== ek[j] * d[F + t];
            ek[j + 2 ** t] = kProd[c];
            ek[j] = ek[j] - kProd[c];
            c++;
        }
    }

    // s's indicators from digits F-3..F-1 (6 products).
    var es[8];
    es[0] = 1 - d[F - 3];
    es[1] = d[F - 3];
    signal sProd[6];
    c = 0;
    for (var t = 1; t < 3; t++) {
        for (var j = 0; j < 2 ** t; j++) {
            sProd[c] <== es[j] * d[F - 3 + t];
            es[j + 2 ** t] = sProd[c];
            es[j] = es[j] - sProd[c];
            c++;
        }
    }

    // The secant of segment s at offset o.
    var a = 0;
    var b = 0;
    for (var j = 0; j < 8; j++) {
        a += es[j] * A[j];
        b += es[j] * B[j];
    }
    var o = 0;
    for (var j = 0; j < W; j++) {
        o += d[D + j] * 2 ** j;
    }
    for (var i = 0; i < D; i++) {
        _ <== d[i];  // dropped
    }
    signal frac;
    frac <== a - b * o;

    var ei = 0;
    for (var j = 0; j < 16; j++) {
        ei += ek[j] * EI[j];
    }

    // notSat = 1 iff the digits F+4..BITS-1 are all 0 (IsZero of their sum h < BITS).
    var h = 0;
    for (var i = F + 4; i < BITS; i++) {
        h += d[i];
    }
    signal inv;
    signal notSat;
    inv <-- h != 0 ? 1 / h : 0;
    notSat <== 1 - h * inv;
    h * notSat === 0;

    signal live;
    live <== ei * notSat;
    out <== live * frac;
}
