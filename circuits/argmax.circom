pragma circom 2.1.6;

include "bitify.circom";

// ArgMax(N, BITS)
// Spec:   out = the index of the first maximum of in[0..N-1] (ties go to the lowest index), as in
//         prover/quantize/int-ops.ts argmax (ONNX ArgMax with select_last_index = 0).
// Caller: guarantees every in[i] is a signed BITS-bit integer (-2^(BITS-1) <= in[i] < 2^(BITS-1)),
//         e.g. because it is the output of FloorShift(_, BITS). BITS + 1 <= 252.
// Cost:   N booleanity + N products + N * (BITS + 1) range digits (+ linear, removed by --O2).
// Why it is sound: sel is constrained to be boolean with sum 1, so exactly one sel[k] is 1 and
// out = k, best = in[k]. before_j = sum_{i > j} sel[i] is then [j < k]. For every j the range
// check proves best - in[j] - [j < k] >= 0 (as integers: the caller's bound keeps the difference
// within (-2^(BITS+1), 2^(BITS+1)), far from wrapping mod P). So in[k] >= in[j] for all j, and
// in[k] > in[j] for all j < k: k is the first maximum, and it is unique.
template ArgMax(N, BITS) {
    assert(N >= 1);
    assert(BITS >= 1);
    assert(BITS + 1 <= 252);

    signal input in[N];
    signal output out;

    // Hint: the first maximum (circom compares field elements as signed values).
    var first = 0;
    var firstValue = in[0];
    for (var i = 1; i < N; i++) {
        if (in[i] > firstValue) {
            first = i;
            firstValue = in[i];
        }
    }

    // One-hot selector, pinned by booleanity and sum == 1.
    signal sel[N];
    var count = 0;
    var index = 0;
    for (var i = 0; i < N; i++) {
        sel[i] <-- i == first ? 1 : 0;
        sel[i] * (sel[i] - 1) === 0;
        count += sel[i];
        index += i * sel[i];
    }
    count === 1;
    out <== index;

    // The selected value.
    signal picked[N];
    var best = 0;
    for (var i = 0; i < N; i++) {
        picked[i] <== sel[i] * in[i];
        best += picked[i];
    }

    // best - in[j] - [j < out] >= 0 for every j.
    component gap[N];
    var before = 0;  // sum of sel[i] for i > j, built from the top down
    for (var j = N - 1; j >= 0; j--) {
        gap[j] = Num2Bits(BITS + 1);
        gap[j].in <== best - in[j] - before;
        _ <== gap[j].out;  // the digits only witness the range; their values are not used
        before += sel[j];
    }
}
