pragma circom 2.1.6;

include "bitify.circom";
include "poseidon.circom";

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
        perm[b] = Poseidon(RATE + 1);
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
