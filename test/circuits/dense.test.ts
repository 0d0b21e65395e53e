// circuits/dense.circom: Dense (weights and biases from the caller's numbered tables,
// denseWeights(id) / denseBiases(id)), alone and feeding FloorShiftRelu.
import { expect } from "chai";
import { rescaleRelu } from "../../prover/quantize/int-ops.js";
import { testCircuit } from "../helpers/test-circuit.js";
import { rng } from "../helpers/vectors.js";

const literal = (m: readonly (readonly bigint[])[] | readonly bigint[]): string =>
  `[${m.map((r) => (Array.isArray(r) ? literal(r as bigint[]) : String(r))).join(", ")}]`;

/** `function name(id)` returning `first` for id 0 and `second` for id 1, as assay emits them. */
const dispatcher = (name: string, first: string, second: string) =>
  `function ${name}(id) {\n  if (id == 0) {\n    return ${first};\n  }\n  assert(id == 1);\n  return ${second};\n}\n`;

function denseRef(w: bigint[][], b: bigint[], x: bigint[]): bigint[] {
  return w.map((row, j) => row.reduce((acc, wi, i) => acc + wi * x[i], b[j]));
}

describe("circuits: Dense", () => {
  const W = [
    [1n, -2n, 3n],
    [-128n, 127n, 0n],
  ];
  const B = [5n, -1000n];

  it("computes W·in + B with negative weights, biases and inputs (tables read by number)", async () => {
    const c = await testCircuit(
      `pragma circom 2.1.6;\ninclude "dense.circom";\n` +
        `function denseWeights(id) {\n  assert(id == 0);\n  return ${literal(W)};\n}\n` +
        `function denseBiases(id) {\n  assert(id == 0);\n  return ${literal(B)};\n}\n` +
        `component main {public [in]} = Dense(3, 2, 0, 0);\n`,
    );
    // Only linear relations between public signals: one per output, nothing nonlinear.
    expect(c.constraints).to.equal(2);
    expect(c.r1cs.constraints.every((k) => k.a.wires.length === 0 && k.b.wires.length === 0)).to.equal(true);
    for (const x of [
      [0n, 0n, 0n],
      [1n, -1n, 255n],
      [-128n, 127n, -1n],
    ]) {
      const w = await c.witness({ in: x });
      expect(c.signals(w, "main.out", 2)).to.deep.equal(denseRef(W, B, x));
      expect(c.check(w).ok).to.equal(true);
      expect(c.check(c.tamper(w, { "main.out[1]": denseRef(W, B, x)[1] + 1n })).ok).to.equal(false);
    }
  });

  describe("64 -> 32 dense + FloorShiftRelu(8, 16)", () => {
    const nIn = 64;
    const nOut = 32;
    const SHIFT = 8;
    const BITS = 16;
    const r = rng(6432);
    const w = Array.from({ length: nOut }, () => Array.from({ length: nIn }, () => r.int(-127n, 127n)));
    const b = Array.from({ length: nOut }, () => r.int(-5000n, 5000n));
    // |acc| <= 64 * 127 * 255 + 5000 < 2^21 <= 2^(SHIFT + BITS - 1): always in the domain.
    const body = (wid: number, bid: number) => `template Layer() {
    signal input in[${nIn}];
    signal output out[${nOut}];
    component dense = Dense(${nIn}, ${nOut}, ${wid}, ${bid});
    dense.in <== in;
    component act[${nOut}];
    for (var j = 0; j < ${nOut}; j++) {
        act[j] = FloorShiftRelu(${SHIFT}, ${BITS});
        act[j].in <== dense.out[j];
        out[j] <== act[j].out;
    }
}
component main {public [in]} = Layer();
`;
    const head = `pragma circom 2.1.6;\ninclude "dense.circom";\ninclude "rescale.circom";\n`;
    const withLiterals =
      `${head}function denseWeights(id) { return ${literal(w)}; }\n` +
      `function denseBiases(id) { return ${literal(b)}; }\n${body(0, 0)}`;
    // The form assay emits (prover/kinds/emit-context.ts dispatcherFunctions): dispatchers over
    // one constant function per table; here the layer's tables are the second of two.
    const other = Array.from({ length: nOut }, () => new Array<bigint>(nIn).fill(7n));
    const withFunctions =
      `${head}function layerW() { return ${literal(w)}; }\n` +
      `function layerB() { return ${literal(b)}; }\n` +
      `function otherW() { return ${literal(other)}; }\n` +
      `function otherB() { return ${literal(new Array<bigint>(nOut).fill(1n))}; }\n` +
      dispatcher("denseWeights", "otherW()", "layerW()") +
      dispatcher("denseBiases", "otherB()", "layerB()") +
      body(1, 1);

    it("compiles at --O2 to exactly 32 * (BITS + SHIFT + 1) constraints: the dense layer costs nothing", async () => {
      for (const src of [withLiterals, withFunctions]) {
        const c = await testCircuit(src, "O2");
        expect(c.constraints).to.equal(nOut * (BITS + SHIFT + 1));
      }
    });

    it("agrees with the integer reference (dense, then rescaleRelu) on random uint8 inputs", async () => {
      const c = await testCircuit(withLiterals, "O2");
      const cf = await testCircuit(withFunctions, "O2");
      for (let t = 0; t < 8; t++) {
        const x = Array.from({ length: nIn }, () => (t === 0 ? 255n : t === 1 ? 0n : r.int(0n, 255n)));
        const expected = denseRef(w, b, x).map((acc) => rescaleRelu(acc, SHIFT, BITS));
        for (const circuit of [c, cf]) {
          const wit = await circuit.witness({ in: x });
          expect(circuit.signals(wit, "main.out", nOut)).to.deep.equal(expected);
          expect(circuit.check(wit).ok).to.equal(true);
        }
      }
    });

    it("rejects an output changed alone", async () => {
      const c = await testCircuit(withLiterals, "O2");
      const x = Array.from({ length: nIn }, () => r.int(0n, 255n));
      const wit = await c.witness({ in: x });
      const out0 = c.signal(wit, "main.out[0]");
      expect(c.check(c.tamper(wit, { "main.out[0]": out0 + 1n })).ok).to.equal(false);
    });
  });
});
