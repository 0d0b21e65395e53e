// circuits/bind.circom: BindPublic puts an otherwise unused public input into the constraints.
import { expect } from "chai";
import { testCircuit, type TestCircuit } from "../helpers/test-circuit.js";

const main = (bind: boolean) => `pragma circom 2.1.6;
include "bind.circom";
template M() {
    signal input x;
    signal input y;
    signal output o;
    o <== y * y;
${bind ? "    component b = BindPublic();\n    b.x <== x;\n" : ""}}
component main {public [x, y]} = M();
`;

/** Constraints that mention a wire in any of A, B, C. */
function mentioning(c: TestCircuit, wire: number): number {
  return c.r1cs.constraints.filter((k) => [k.a, k.b, k.c].some((lc) => lc.wires.includes(wire))).length;
}

describe("circuits: BindPublic", () => {
  for (const opt of ["O1", "O2"] as const) {
    it(`costs one constraint, which mentions the public input (--${opt})`, async () => {
      const bound = await testCircuit(main(true), opt);
      const x = bound.sym.get("main.x")!;
      expect(bound.constraints).to.equal(2);
      expect(mentioning(bound, x)).to.equal(1);
      const w = await bound.witness({ x: 12345n, y: 3n });
      expect(bound.check(w).ok).to.equal(true);
      // The square is pinned: a witness whose square disagrees with x fails.
      expect(bound.present("main.b.square")).to.equal(true);
      expect(bound.check(bound.tamper(w, { "main.b.square": 12345n * 12345n + 1n })).ok).to.equal(false);
      expect(bound.check(bound.tamper(w, { "main.x": 12346n })).ok).to.equal(false);
    });
  }

  it("without it the public input appears in no constraint (what it fixes)", async () => {
    const unbound = await testCircuit(main(false), "O2");
    expect(mentioning(unbound, unbound.sym.get("main.x")!)).to.equal(0);
    const w = await unbound.witness({ x: 1n, y: 3n });
    // Any value of x satisfies the constraints: nothing ties it to the proof.
    expect(unbound.check(unbound.tamper(w, { "main.x": 999n })).ok).to.equal(true);
  });
});
