pragma circom 2.1.6;

// Dense(N_IN, N_OUT, WID, BID)
// Spec:   out[j] = sum_i W[j][i] * in[i] + B[j], with W = denseWeights(WID) (N_OUT x N_IN) and
//         B = denseBiases(BID) (N_OUT): integer constants (negative ones are x mod P like every
//         signed value) from two functions the including circuit defines, which return the
//         table numbered by their argument (assay's generated circuits define them; see
//         prover/kinds/dense.ts).
// Caller: defines denseWeights / denseBiases; the accumulator must fit the range the next
//         nonlinear layer was compiled for (FloorShift / FloorShiftRelu check it).
// Cost:   linear only: with --O2 the outputs are substituted into the next layer's constraints.
// Compile time: the tables are read into vars here, not passed as template parameters: circom
//         specialises a template on its parameters and writes every weight into the witness
//         generator's code as a constant (and the caller's code still evaluated the table to
//         pass it), so a 3,264 x 128 layer cost 9 MB of WebAssembly twice and ~12 s of circom;
//         a var is read from memory at run time. The constraints are the same. Each sum is built
//         as a balanced tree of partial sums (pairs added level by level), not term by term:
//         circom copies a linear expression on every `+=`, so a running sum of N_IN terms costs
//         N_IN^2 / 2 term copies per output and the tree N_IN log N_IN. (The tree is written out
//         here, not in a circom function: passing a few thousand linear expressions to a
//         function overflows the witness generator's memory.)
template Dense(N_IN, N_OUT, WID, BID) {
    assert(N_IN >= 1);
    assert(N_OUT >= 1);

    signal input in[N_IN];
    signal output out[N_OUT];
    var W[N_OUT][N_IN] = denseWeights(WID);
    var B[N_OUT] = denseBiases(BID);

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
