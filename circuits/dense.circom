pragma circom 2.1.6;

// Dense(N_IN, N_OUT, W, B)
// Spec:   out[j] = sum_i W[j][i] * in[i] + B[j] (integer weights and biases as template
//         parameters; negative constants are x mod P like every signed value).
// Caller: the accumulator must fit the range the next nonlinear layer was compiled for
//         (FloorShift / FloorShiftRelu check it); W is W[N_OUT][N_IN], B is B[N_OUT].
// Cost:   linear only: with --O2 the outputs are substituted into the next layer's constraints.
// Compile time: each sum is built as a balanced tree of partial sums (pairs added level by
//         level), not term by term: circom copies a linear expression on every `+=`, so a running
//         sum of N_IN terms costs N_IN^2 / 2 term copies per output (minutes for 3,264 inputs x 128
//         outputs) and the tree N_IN log N_IN. The constraints are the same, term for term. (The
//         tree is written out here, not in a circom function: passing a few thousand linear
//         expressions to a function overflows the witness generator's memory.)
template Dense(N_IN, N_OUT, W, B) {
    assert(N_IN >= 1);
    assert(N_OUT >= 1);

    signal input in[N_IN];
    signal output out[N_OUT];

    for (var j = 0; j < N_OUT; j++) {
        var part[N_IN];
        for (var i = 0; i < N_IN; i++) {
            part[i] = W[j][i] * in[i];
        }
        for (var step = 1; step < N_IN; step *= 2) {
            for (var i = 0; i + step < N_IN; i += 2 * step) {
                part[i] = part[i] + part[i + step];
            }
        }
        out[j] <== part[0] + B[j];
    }
}
