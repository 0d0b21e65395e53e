pragma circom 2.1.6;

include "bitify.circom";

// Tree ensembles (prover/kinds/trees.ts). A feature is located once among every threshold the
// ensemble tests it against (Interval: one one-hot choice and two range checks, whatever the
// number of thresholds), and each tree's walk is then one product per inner node (TreeSum).

// Interval(K, BITS, LO, HI, T)
// Spec:   ge[j] = 1 when in >= T[j], else 0 (j = 0 .. K-1), for thresholds T[0] < ... < T[K-1].
// Caller: guarantees LO <= in <= HI (the feature's static bounds), LO < T[0], T[K-1] <= HI,
//         HI - LO < 2^BITS and BITS <= 250. A threshold outside (LO, HI] is constant on the
//         feature's range and is not passed.
// Cost:   K + 1 booleanity + 2 * BITS range digits (+ linear, removed by --O2).
// Why it is sound: sel is boolean with sum 1, so exactly one sel[i] is 1: the claimed interval i.
//   With L[0] = LO, L[i] = T[i-1] (i >= 1) and U[i] = T[i] (i < K), U[K] = HI + 1, the digits
//   prove in - L[i] = d1 and U[i] - 1 - in = d2 (mod P) with 0 <= d1, d2 < 2^BITS. Their sum
//   U[i] - 1 - L[i] = d1 + d2 holds mod P between integers far below P, so as integers, and in is
//   the integer L[i] + d1 in [L[i], U[i] - 1]: T[i-1] <= in < T[i]. As T increases, one interval
//   holds in, so i is unique, and ge[j] = sum_{i > j} sel[i] = [i > j] = [in >= T[j]].
template Interval(K, BITS, LO, HI, T) {
    assert(K >= 1);
    assert(BITS >= 1 && BITS <= 250);
    assert(LO < T[0] && T[K - 1] <= HI);
    for (var j = 1; j < K; j++) assert(T[j - 1] < T[j]);

    signal input in;
    signal output ge[K];

    // Hint: the interval, i.e. the number of thresholds at or below in.
    var at = 0;
    for (var j = 0; j < K; j++) {
        if (in >= T[j]) at = j + 1;
    }

    // One-hot selector, pinned by booleanity and sum == 1.
    signal sel[K + 1];
    var count = 0;
    var lower = 0;
    var upper = 0;
    for (var i = 0; i <= K; i++) {
        sel[i] <-- i == at ? 1 : 0;
        sel[i] * (sel[i] - 1) === 0;
        count += sel[i];
        lower += sel[i] * (i == 0 ? LO : T[i - 1]);
        upper += sel[i] * (i == K ? HI + 1 : T[i]);
    }
    count === 1;

    // L <= in <= U - 1.
    component below = Num2Bits(BITS);
    below.in <== in - lower;
    _ <== below.out;  // the digits only witness the range
    component above = Num2Bits(BITS);
    above.in <== upper - 1 - in;
    _ <== above.out;

    // ge[j] = [interval > j], built from the top down.
    var after = 0;
    for (var j = K - 1; j >= 0; j--) {
        after += sel[j + 1];
        ge[j] <== after;
    }
}

// TreeSum(G, NN, NI, NT, M, TEST, HI, LO, ROOTS, W, BASE)
// Spec:   out[m] = BASE[m] + sum over the NT trees of W[leaf][m] (m = 0 .. M-1), for the leaf each
//         tree's walk reaches from ROOTS[t]. At node n: TEST[n] = -1 is a leaf; TEST[n] >= 0 goes
//         to HI[n] when ge[TEST[n]] = 1, else to LO[n]; TEST[n] = -2 always goes to HI[n] and
//         TEST[n] = -3 always to LO[n].
// Caller: guarantees every ge[g] is 0 or 1 (an Interval's outputs); lists every node after its
//         parent, every node but a root has one parent and no root has one; NI is the number of
//         nodes with TEST[n] >= 0.
// Cost:   one product per tested node that is not a root (a root's product is linear, removed
//         by --O2); out is linear.
// Why it is sound: by induction over the node list, reach[n] (a linear expression in the
//   products) is 1 on the walk's path and 0 elsewhere. A root's reach is the constant 1. At a
//   tested node, prod = reach[n] * ge[TEST[n]] is pinned by its constraint, so reach[HI[n]] =
//   prod and reach[LO[n]] = reach[n] - prod are bits, exactly the walk's step when reach[n] = 1
//   and both 0 when reach[n] = 0. out is a fixed linear combination of the reach values.
template TreeSum(G, NN, NI, NT, M, TEST, HI, LO, ROOTS, W, BASE) {
    signal input ge[G];
    signal output out[M];

    var reach[NN];
    for (var n = 0; n < NN; n++) reach[n] = 0;
    for (var t = 0; t < NT; t++) reach[ROOTS[t]] = 1;

    signal prod[NI];
    var p = 0;
    for (var n = 0; n < NN; n++) {
        if (TEST[n] >= 0) {
            prod[p] <== reach[n] * ge[TEST[n]];
            reach[HI[n]] = prod[p];
            reach[LO[n]] = reach[n] - prod[p];
            p++;
        } else if (TEST[n] == -2) {
            reach[HI[n]] = reach[n];
        } else if (TEST[n] == -3) {
            reach[LO[n]] = reach[n];
        }
    }
    assert(p == NI);

    for (var m = 0; m < M; m++) {
        var sum = BASE[m];
        for (var n = 0; n < NN; n++) {
            if (TEST[n] == -1) sum += W[n][m] * reach[n];
        }
        out[m] <== sum;
    }
}
