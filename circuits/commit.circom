pragma circom 2.1.6;

include "bitify.circom";
include "poseidon_constants.circom";

// Tensor encoding and commitment. Must match prover/commit/tensor-commitment.ts exactly:
//   u_i = v_i + OFFSET in [0, 2^BITS); K = 253 \ BITS values per word;
//   w_j = sum_{t<K} u_{jK+t} * 2^(t*BITS); seq = [salt, w_0, ..., w_{M-1}];
//   h_0 = TAG (= tensorTag(n, BITS, OFFSET)); h_{k+1} = Poseidon16(h_k, seq[15k..15k+14], zero padded).

// PackWords(N, BITS)
// Spec:   out[j] = sum_{t < K, jK+t < N} in[jK+t] * 2^(t*BITS), K = 253 \ BITS, M = ceil(N / K).
// Caller: guarantees 0 <= in[i] < 2^BITS (otherwise the packing is not injective).
// Cost:   linear only (no constraints after --O2).
template PackWords(N, BITS) {
    assert(N >= 1);
    assert(BITS >= 1 && BITS <= 253);
    var K = 253 \ BITS;
    var M = (N + K - 1) \ K;

    signal input in[N];
    signal output out[M];

    for (var j = 0; j < M; j++) {
        var word = 0;
        for (var t = 0; t < K && j * K + t < N; t++) {
            word += in[j * K + t] * 2 ** (t * BITS);
        }
        out[j] <== word;
    }
}

// Fifth power of a linear combination: the Poseidon S-box, three multiplications.
template Pow5() {
    signal input in;
    signal output out;

    signal sq <== in * in;
    signal quad <== sq * sq;
    out <== quad * in;
}

// Poseidon(T - 1): the permutation of circomlib's poseidon.circom (initial state 0, first output;
// its optimized round structure and constants from poseidon_constants.circom), written with the
// state as linear combinations instead of signals.
// Spec:   out = circomlib Poseidon(T - 1)(inputs) = circomlibjs poseidon(inputs), T in 2..17.
// Caller: nothing (any field elements).
// Cost:   3 constraints per S-box: 3 * (8 * T + partial rounds), as circomlib's template gives
//         after --O2; S-boxes of a constant (zero padding) cost none.
// Compile time: circomlib's template puts every round constant addition and linear mix in a
//         signal of its own (Ark, Mix, MixS), and circom's --O2 then eliminates ~30 linear
//         constraints per S-box, in clusters that span every permutation of a commitment chain
//         (24 s of a 3,264-input model's 34 s of simplification). Here only the S-boxes are
//         signals: mixes and constants stay linear combinations, so --O2 has nothing to
//         eliminate. Same constraints, term for term.
template PoseidonLC(T) {
    assert(T >= 2 && T <= 17);
    signal input inputs[T - 1];
    signal output out;

    var ROUNDS_P[16] = [56, 57, 56, 60, 60, 63, 64, 63, 60, 66, 60, 65, 70, 60, 64, 68];
    var FULL = 8;
    var HALF = FULL \ 2;
    var PARTIAL = ROUNDS_P[T - 2];
    var C[T * FULL + PARTIAL] = POSEIDON_C(T);
    var S[PARTIAL * (2 * T - 1)] = POSEIDON_S(T);
    var M[T][T] = POSEIDON_M(T);
    var P[T][T] = POSEIDON_P(T);

    component boxF[FULL][T];
    component boxP[PARTIAL];
    var st[T];
    var next[T];

    // Round constants of the first round.
    st[0] = C[0];
    for (var j = 1; j < T; j++) st[j] = inputs[j - 1] + C[j];

    // First half of the full rounds: S-boxes, next round's constants, then M (P after the last).
    for (var r = 0; r < HALF; r++) {
        for (var j = 0; j < T; j++) {
            boxF[r][j] = Pow5();
            boxF[r][j].in <== st[j];
            st[j] = boxF[r][j].out + C[(r + 1) * T + j];
        }
        for (var i = 0; i < T; i++) {
            next[i] = 0;
            for (var j = 0; j < T; j++) next[i] += (r < HALF - 1 ? M[j][i] : P[j][i]) * st[j];
        }
        for (var i = 0; i < T; i++) st[i] = next[i];
    }

    // Partial rounds: one S-box, its constant, then the sparse mix of round r.
    for (var r = 0; r < PARTIAL; r++) {
        boxP[r] = Pow5();
        boxP[r].in <== st[0];
        st[0] = boxP[r].out + C[(HALF + 1) * T + r];
        var base = (2 * T - 1) * r;
        next[0] = 0;
        for (var i = 0; i < T; i++) next[0] += S[base + i] * st[i];
        for (var i = 1; i < T; i++) next[i] = st[i] + st[0] * S[base + T + i - 1];
        for (var i = 0; i < T; i++) st[i] = next[i];
    }

    // Second half: S-boxes, constants and M, the last round without constants, then output 0.
    for (var r = 0; r < HALF; r++) {
        for (var j = 0; j < T; j++) {
            boxF[HALF + r][j] = Pow5();
            boxF[HALF + r][j].in <== st[j];
            st[j] = boxF[HALF + r][j].out;
            if (r < HALF - 1) st[j] = st[j] + C[(HALF + 1) * T + PARTIAL + r * T + j];
        }
        if (r < HALF - 1) {
            for (var i = 0; i < T; i++) {
                next[i] = 0;
                for (var j = 0; j < T; j++) next[i] += M[j][i] * st[j];
            }
            for (var i = 0; i < T; i++) st[i] = next[i];
        }
    }
    var lc = 0;
    for (var j = 0; j < T; j++) lc += M[j][0] * st[j];
    out <== lc;
}

// PoseidonChain(M, TAG)
// Spec:   state = TAG; for each block b of 15 inputs (the last one zero padded):
//         state = Poseidon(16)(state, in[15b], ..., in[15b+14]); out = state.
// Caller: nothing (any field elements). M >= 1.
// Cost:   ceil(M / 15) Poseidon permutations of width 17.
template PoseidonChain(M, TAG) {
    assert(M >= 1);
    var RATE = 15;
    var BLOCKS = (M + RATE - 1) \ RATE;

    signal input in[M];
    signal output out;

    component perm[BLOCKS];
    for (var b = 0; b < BLOCKS; b++) {
        perm[b] = PoseidonLC(RATE + 2);
        if (b == 0) {
            perm[b].inputs[0] <== TAG;
        } else {
            perm[b].inputs[0] <== perm[b - 1].out;
        }
        for (var t = 0; t < RATE; t++) {
            if (b * RATE + t < M) {
                perm[b].inputs[t + 1] <== in[b * RATE + t];
            } else {
                perm[b].inputs[t + 1] <== 0;
            }
        }
    }
    out <== perm[BLOCKS - 1].out;
}

// TensorCommit(N, BITS, OFFSET, TAG)
// Spec:   commitment = commitTensor(in, {n: N, bits: BITS, offset: OFFSET}, salt), i.e.
//         PoseidonChain over [salt, PackWords(in[i] + OFFSET)] starting from TAG;
//         bits[i] = binary digits of in[i] + OFFSET (little-endian).
// Domain: satisfiable iff 0 <= in[i] + OFFSET < 2^BITS for every i (in[i] read as an integer
//         mod P); other inputs make the circuit unsatisfiable.
// Caller: TAG must equal tensorTag({n: N, bits: BITS, offset: OFFSET}) (computed in TypeScript).
// Cost:   N * BITS boolean constraints + ceil((1 + ceil(N / K)) / 15) Poseidon permutations.
template TensorCommit(N, BITS, OFFSET, TAG) {
    assert(N >= 1);
    assert(BITS >= 1 && BITS <= 253);
    var K = 253 \ BITS;
    var M = (N + K - 1) \ K;

    signal input in[N];
    signal input salt;
    signal output commitment;
    signal output bits[N][BITS];

    // Range check (Num2Bits pins its hinted digits) and packing of the offset values.
    component digits[N];
    component pack = PackWords(N, BITS);
    for (var i = 0; i < N; i++) {
        digits[i] = Num2Bits(BITS);
        digits[i].in <== in[i] + OFFSET;
        bits[i] <== digits[i].out;
        pack.in[i] <== in[i] + OFFSET;
    }

    component chain = PoseidonChain(M + 1, TAG);
    chain.in[0] <== salt;
    for (var j = 0; j < M; j++) {
        chain.in[j + 1] <== pack.out[j];
    }
    commitment <== chain.out;
}

// OutputWord(N, BITS)
// Spec:   out = sum_i in[i] * 2^(i*BITS): the whole tensor as one word (outputSignal() when
//         fitsOneWord()). Signed values must be passed with their offset already added.
// Caller: guarantees 0 <= in[i] < 2^BITS (e.g. FloorShiftRelu outputs, or FloorShift outputs
//         plus 2^(BITS-1)); N * BITS <= 253.
// Cost:   linear only.
template OutputWord(N, BITS) {
    assert(N >= 1);
    assert(BITS >= 1);
    assert(N * BITS <= 253);

    signal input in[N];
    signal output out;

    var word = 0;
    for (var i = 0; i < N; i++) {
        word += in[i] * 2 ** (i * BITS);
    }
    out <== word;
}
