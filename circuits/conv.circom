pragma circom 2.1.6;

// Conv2D(C, H, W, M, KH, KW, G, SH, SW, PT, PL, DH, DW, OH, OW, WT, B)
// Spec:   one image, channels first (reference: prover/kinds/conv.ts). For output channel m in
//         group g = m \ (M / G), position (oy, ox):
//           out[(m * OH + oy) * OW + ox] = B[m] + sum_{cg < C/G, ky < KH, kx < KW}
//               WT[m][cg][ky][kx] * in[((g * C/G + cg) * H + iy) * W + ix]
//         with iy = oy * SH - PT + ky * DH, ix = ox * SW - PL + kx * DW; taps outside the input
//         are the zero padding and are left out. Integer weights and biases are template
//         parameters (negative values are x mod P, like every signed value).
// Caller: the accumulators must fit the range of the nonlinear layer that reads them (which
//         checks it). G divides C and M.
// Cost:   linear only: with --O2 the outputs are substituted into the next nonlinear layer.
template Conv2D(C, H, W, M, KH, KW, G, SH, SW, PT, PL, DH, DW, OH, OW, WT, B) {
    assert(C % G == 0 && M % G == 0);
    assert(OH >= 1 && OW >= 1);
    var CG = C \ G;
    var MG = M \ G;

    signal input in[C * H * W];
    signal output out[M * OH * OW];

    for (var m = 0; m < M; m++) {
        var g = m \ MG;
        for (var oy = 0; oy < OH; oy++) {
            for (var ox = 0; ox < OW; ox++) {
                // The window's products, summed as a balanced tree (compile time: see Dense).
                var part[CG * KH * KW];
                var n = 0;
                for (var cg = 0; cg < CG; cg++) {
                    for (var ky = 0; ky < KH; ky++) {
                        var iy = oy * SH - PT + ky * DH;
                        if (iy >= 0 && iy < H) {
                            for (var kx = 0; kx < KW; kx++) {
                                var ix = ox * SW - PL + kx * DW;
                                if (ix >= 0 && ix < W) {
                                    part[n] = WT[m][cg][ky][kx] * in[((g * CG + cg) * H + iy) * W + ix];
                                    n++;
                                }
                            }
                        }
                    }
                }
                for (var step = 1; step < n; step *= 2) {
                    for (var i = 0; i + step < n; i += 2 * step) {
                        part[i] = part[i] + part[i + step];
                    }
                }
                var acc = B[m];
                if (n > 0) {
                    acc += part[0];
                }
                out[(m * OH + oy) * OW + ox] <== acc;
            }
        }
    }
}
