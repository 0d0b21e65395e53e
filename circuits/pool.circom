pragma circom 2.1.6;

include "bitify.circom";

// Max2(BITS)
// Spec:   out = max(a, b) (reference: prover/quantize/int-ops.ts max2).
// Domain: satisfiable iff -2^BITS <= a - b < 2^BITS (a - b read as a signed field element);
//         other inputs make the circuit unsatisfiable.
// Caller: nothing beyond the domain. BITS + 1 <= 252.
// Cost:   BITS + 1 boolean constraints + 1 product (+1 linear, removed by --O2).
// Why it is sound: d = a - b + 2^BITS is decomposed into BITS + 1 boolean digits whose weighted
// sum is constrained to equal d, so 0 <= d < 2^(BITS+1) and the digits are unique; the top digit
// is then 1 exactly when a - b >= 0, and out = b + top * (a - b) is max(a, b).
template Max2(BITS) {
    assert(BITS >= 1);
    assert(BITS + 1 <= 252);

    signal input a;
    signal input b;
    signal output out;

    component d = Num2Bits(BITS + 1);
    d.in <== a - b + 2 ** BITS;
    for (var i = 0; i < BITS; i++) {
        _ <== d.out[i];  // only range-checked
    }
    out <== b + d.out[BITS] * (a - b);
}

// MaxPool2D(C, H, W, KH, KW, SH, SW, PT, PL, DH, DW, OH, OW, BITS)
// Spec:   one image, channels first (reference: prover/kinds/maxpool.ts). For channel c and
//         output position (oy, ox): out[(c * OH + oy) * OW + ox] = max of in[(c * H + iy) * W + ix]
//         over the valid taps iy = oy * SH - PT + ky * DH, ix = ox * SW - PL + kx * DW inside the
//         input (padding never wins). Every window has at least one valid tap.
// Domain: satisfiable iff every comparison's difference lies in [-2^BITS, 2^BITS); the caller
//         picks BITS with max(in) - min(in) < 2^BITS over all valid inputs.
// Cost:   (taps - 1) Max2(BITS) per output: (taps - 1) * (BITS + 2) constraints.
// Why it is sound: a chain of Max2 (each sound on its domain) computes the window maximum.
template MaxPool2D(C, H, W, KH, KW, SH, SW, PT, PL, DH, DW, OH, OW, BITS) {
    signal input in[C * H * W];
    signal output out[C * OH * OW];

    // Number of comparisons (a compile-time count over the geometry).
    var count = 0;
    for (var oy = 0; oy < OH; oy++) {
        for (var ox = 0; ox < OW; ox++) {
            var taps = 0;
            for (var ky = 0; ky < KH; ky++) {
                for (var kx = 0; kx < KW; kx++) {
                    var iy = oy * SH - PT + ky * DH;
                    var ix = ox * SW - PL + kx * DW;
                    if (iy >= 0 && iy < H && ix >= 0 && ix < W) {
                        taps++;
                    }
                }
            }
            assert(taps >= 1);
            count += taps - 1;
        }
    }
    component cmp[C * count + 1];

    var k = 0;
    for (var c = 0; c < C; c++) {
        for (var oy = 0; oy < OH; oy++) {
            for (var ox = 0; ox < OW; ox++) {
                var first = 1;
                var best = 0;
                for (var ky = 0; ky < KH; ky++) {
                    for (var kx = 0; kx < KW; kx++) {
                        var iy = oy * SH - PT + ky * DH;
                        var ix = ox * SW - PL + kx * DW;
                        if (iy >= 0 && iy < H && ix >= 0 && ix < W) {
                            if (first == 1) {
                                best = in[(c * H + iy) * W + ix];
                                first = 0;
                            } else {
                                cmp[k] = Max2(BITS);
                                cmp[k].a <== in[(c * H + iy) * W + ix];
                                cmp[k].b <== best;
                                best = cmp[k].out;
                                k++;
                            }
                        }
                    }
                }
                out[(c * OH + oy) * OW + ox] <== best;
            }
        }
    }
}

// SumPool2D(C, H, W, KH, KW, SH, SW, PT, PL, OH, OW, MULT)
// Spec:   one image, channels first (reference: prover/kinds/avgpool.ts):
//         out[(c * OH + oy) * OW + ox] = MULT[oy * OW + ox] * sum of in[(c * H + iy) * W + ix]
//         over the valid taps iy = oy * SH - PT + ky, ix = ox * SW - PL + kx. With
//         MULT = round(2^F / divisor) this is the average at 2^F times the input's scale.
// Caller: the results must fit the nonlinear layer that reads them (which checks it).
// Cost:   linear only.
template SumPool2D(C, H, W, KH, KW, SH, SW, PT, PL, OH, OW, MULT) {
    signal input in[C * H * W];
    signal output out[C * OH * OW];

    for (var c = 0; c < C; c++) {
        for (var oy = 0; oy < OH; oy++) {
            for (var ox = 0; ox < OW; ox++) {
                var acc = 0;
                for (var ky = 0; ky < KH; ky++) {
                    for (var kx = 0; kx < KW; kx++) {
                        var iy = oy * SH - PT + ky;
                        var ix = ox * SW - PL + kx;
                        if (iy >= 0 && iy < H && ix >= 0 && ix < W) {
                            acc += in[(c * H + iy) * W + ix];
                        }
                    }
                }
                out[(c * OH + oy) * OW + ox] <== MULT[oy * OW + ox] * acc;
            }
        }
    }
}
