pragma circom 2.1.6;

// Dense(N_IN, N_OUT, W, B)
// Spec:   out[j] = sum_i W[j][i] * in[i] + B[j] (integer weights and biases as template
//         parameters; negative constants are x mod P like every signed value).
// Caller: the accumulator must fit the range the next nonlinear layer was compiled for
//         (FloorShift / FloorShiftRelu check it); W is W[N_OUT][N_IN], B is B[N_OUT].
// Cost:   linear only: with --O2 the outputs are substituted into the next layer's constraints.
template Dense(N_IN, N_OUT, W, B) {
    assert(N_IN >= 1);
    assert(N_OUT >= 1);

    signal input in[N_IN];
    signal output out[N_OUT];

    for (var j = 0; j < N_OUT; j++) {
        var acc = B[j];
        for (var i = 0; i < N_IN; i++) {
            acc += W[j][i] * in[i];
        }
        out[j] <== acc;
    }
}
