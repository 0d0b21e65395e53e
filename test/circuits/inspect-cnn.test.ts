// The CNN templates (conv, pool, activation, pwl) raise no circom --inspect warnings of their own.
import { expect } from "chai";
import { compileTestCircuit } from "../helpers/test-circuit.js";

const SOURCE = `pragma circom 2.1.6;
include "conv.circom";
include "pool.circom";
include "activation.circom";
include "pwl.circom";
template Every() {
    signal input x[16];
    signal output o[8];
    component c = Conv2D(1, 4, 4, 2, 3, 3, 1, 1, 1, 1, 1, 1, 1, 4, 4,
        [[[[1,2,3],[4,5,6],[7,8,9]]], [[[-1,0,1],[2,0,-2],[1,1,1]]]], [3, -4]);
    c.in <== x;
    component p = MaxPool2D(2, 4, 4, 2, 2, 2, 2, 0, 0, 1, 1, 2, 2, 12);
    p.in <== c.out;
    component s = SumPool2D(2, 4, 4, 2, 2, 2, 2, 0, 0, 2, 2, [256, 256, 256, 256]);
    s.in <== c.out;
    component cl = FloorShiftClip(2, 10, 1, -5, 1, 100);
    cl.in <== p.out[0];
    component cl0 = FloorShiftClip(2, 10, 1, 0, 1, 100);
    cl0.in <== p.out[1];
    component lk = FloorShiftLeaky(2, 10, 13, 7);
    lk.in <== p.out[2];
    component pw = PiecewiseLinear(14, 10, 3, 2, [0,1,2,3,4,5,6,7], [1,1,1,1,1,1,1,1], -9, 9);
    pw.in <== s.out[0];
    component pw2 = PiecewiseLinear(8, 10, 3, 2, [0,1,2,3,4,5,6,7], [1,1,1,1,1,1,1,1], -9, 9);
    pw2.in <== x[0];
    o[0] <== cl.out;
    o[1] <== cl0.out;
    o[2] <== lk.out;
    o[3] <== pw.out;
    o[4] <== pw2.out;
    o[5] <== p.out[3];
    o[6] <== s.out[1] + p.out[4] + p.out[5] + p.out[6] + p.out[7];
    o[7] <== s.out[2] + s.out[3] + s.out[4] + s.out[5] + s.out[6] + s.out[7];
}
component main = Every();
`;

describe("circuits: CNN templates under --inspect", () => {
  it("Conv2D, MaxPool2D, Max2, SumPool2D, FloorShiftClip, FloorShiftLeaky, PiecewiseLinear: no warnings", async () => {
    const c = await compileTestCircuit(SOURCE, { inspect: true });
    expect(c.warnings).to.deep.equal([]);
    expect(c.constraints).to.be.greaterThan(0);
  });
});
