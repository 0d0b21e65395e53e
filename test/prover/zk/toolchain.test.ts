// prover/zk: compileCircuit (circom2), computeWitness / readSymbols, r1cs parsing and checking.
import { expect } from "chai";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { FIELD_MODULUS } from "../../../prover/field.js";
import { CircomCompileError, compileCircuit } from "../../../prover/zk/circom.js";
import { checkR1cs, WitnessShapeError } from "../../../prover/zk/r1cs-check.js";
import { parseR1cs, R1csFormatError, readR1cs } from "../../../prover/zk/r1cs-file.js";
import {
  computeWitness,
  computeWitnessWtns,
  readSymbols,
  WitnessError,
  WitnessInputError,
} from "../../../prover/zk/witness.js";
import { expectRejection } from "../../helpers/reject.js";
import { CIRCUIT_TEST_DIR, compileTestCircuit, testCircuit, witnessFailure } from "../../helpers/test-circuit.js";

const square = `pragma circom 2.1.6;
template Sq() {
    signal input a;
    signal input b[2];
    signal output c;
    signal t;
    signal u;
    t <== b[0] * b[1];
    u <== t + 1;
    c <== a * a + u;
}
component main {public [a]} = Sq();
`;

const EVERY = `pragma circom 2.1.6;
include "rescale.circom";
include "argmax.circom";
include "commit.circom";
include "dense.circom";
include "bind.circom";
function denseWeights(id) {
    return [[1, 2, 3, 4], [-1, 0, 1, 2], [5, 5, 5, 5], [0, 0, 0, 1]];
}
function denseBiases(id) {
    return [1, 2, 3, 4];
}
template Every() {
    signal input x[4];
    signal input salt;
    signal input pub;
    signal output o;
    signal output cm;
    signal output word;
    component d = Dense(4, 4, 0, 0);
    d.in <== x;
    component r = FloorShiftRelu(2, 8);
    r.in <== d.out[0];
    component f[3];
    component am = ArgMax(3, 8);
    for (var i = 0; i < 3; i++) {
        f[i] = FloorShift(2, 8);
        f[i].in <== d.out[i + 1];
        am.in[i] <== f[i].out;
    }
    o <== am.out;
    component tc = TensorCommit(4, 8, 128, 1234);
    tc.in <== x;
    tc.salt <== salt;
    cm <== tc.commitment;
    component w = OutputWord(1, 8);
    w.in[0] <== r.out;
    word <== w.out;
    component b = BindPublic();
    b.x <== pub;
}
component main {public [pub]} = Every();
`;

describe("zk toolchain", () => {
  let work: string;
  before(async () => {
    await mkdir(CIRCUIT_TEST_DIR, { recursive: true });
    work = await mkdtemp(path.join(CIRCUIT_TEST_DIR, "toolchain-"));
  });
  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  describe("compileCircuit", () => {
    it("compiles into a new directory and reports the r1cs facts and progress lines", async () => {
      await writeFile(path.join(work, "sq.circom"), square);
      const lines: string[] = [];
      const out = path.join(work, "out", "nested");
      const c = await compileCircuit({
        source: path.join(work, "sq.circom"),
        outDir: out,
        onProgress: (l) => lines.push(l),
      });
      expect(c.name).to.equal("sq");
      expect(c.r1cs).to.equal(path.join(out, "sq.r1cs"));
      expect(c.wasm).to.equal(path.join(out, "sq_js", "sq.wasm"));
      expect(c.constraints).to.equal(2);
      expect(c.nonLinearConstraints + c.linearConstraints).to.equal(2);
      expect([c.publicOutputs, c.publicInputs, c.privateInputs]).to.deep.equal([1, 1, 2]);
      expect(c.wires).to.equal((await readR1cs(c.r1cs)).nWires);
      expect(lines.some((l) => /non-linear constraints: 2/.test(l))).to.equal(true);
      expect(c.warnings).to.deep.equal([]);
    });

    it("compiles a source outside the project (cwd = common ancestor, here /)", async () => {
      const dir = await mkdtemp(path.join(tmpdir(), "assay-circom-"));
      try {
        await writeFile(
          path.join(dir, "outside.circom"),
          `pragma circom 2.1.6;\ninclude "bitify.circom";\ncomponent main = Num2Bits(4);\n`,
        );
        const c = await compileCircuit({
          source: path.join(dir, "outside.circom"),
          outDir: path.join(dir, "o"),
          optimize: "O1",
        });
        expect(c.constraints).to.equal(5);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it("throws CircomCompileError with the compiler's message for a non-quadratic constraint", async () => {
      await writeFile(
        path.join(work, "cubic.circom"),
        "pragma circom 2.1.6;\n" +
          "template C() { signal input a; signal output b; b <== a * a * a; }\n" +
          "component main = C();\n",
      );
      const err = await expectRejection(
        compileCircuit({ source: path.join(work, "cubic.circom"), outDir: path.join(work, "cubic") }),
        CircomCompileError,
      );
      expect(err.exitCode).to.equal(1);
      expect(err.compilerMessage).to.contain("Non quadratic constraints are not allowed");
      expect(err.compilerMessage).to.not.include("\u001b[");
    });

    it("throws CircomCompileError for a missing include and for a missing source", async () => {
      await writeFile(
        path.join(work, "noinc.circom"),
        `pragma circom 2.1.6;\ninclude "no-such-file.circom";\ncomponent main = X();\n`,
      );
      const err = await expectRejection(
        compileCircuit({ source: path.join(work, "noinc.circom"), outDir: path.join(work, "noinc") }),
        CircomCompileError,
      );
      expect(err.compilerMessage).to.contain("no-such-file.circom");
      const missing = await expectRejection(
        compileCircuit({ source: path.join(work, "absent.circom"), outDir: work }),
        CircomCompileError,
      );
      expect(missing.exitCode).to.equal(null);
    });

    it("checks template parameters at compile time (FloorShift needs BITS + SHIFT <= 250)", async () => {
      await writeFile(
        path.join(work, "wide.circom"),
        `pragma circom 2.1.6;\ninclude "rescale.circom";\ncomponent main = FloorShift(200, 51);\n`,
      );
      const err = await expectRejection(
        compileCircuit({ source: path.join(work, "wide.circom"), outDir: path.join(work, "wide") }),
        CircomCompileError,
      );
      expect(err.compilerMessage).to.match(/assert/i);
    });
  });

  it("the templates raise no --inspect warnings of their own", async () => {
    const c = await compileTestCircuit(EVERY, { inspect: true });
    const templates = [
      "FloorShift",
      "FloorShiftRelu",
      "ArgMax",
      "PackWords",
      "PoseidonChain",
      "TensorCommit",
      "OutputWord",
      "Dense",
      "BindPublic",
    ];
    const ours = new RegExp(`In template "(${templates.join("|")})\\(`);
    expect(c.warnings.filter((w) => ours.test(w))).to.deep.equal([]);
    // The caller's unused outputs (digits it does not need) are reported against the caller.
    expect(c.warnings.some((w) => /In template "Every\(\)"/.test(w))).to.equal(true);
  });

  describe("witness and symbols", () => {
    it("computes the witness, maps names to indices, and marks eliminated signals null", async () => {
      const c = await testCircuit(square, "O2");
      const w = await computeWitness(c.wasm, { a: -3n, b: [4, "5"] });
      const sym = await readSymbols(path.join(c.dir, "main.sym"));
      expect(w[0]).to.equal(1n);
      expect(w[sym.get("main.c")!]).to.equal(9n + 20n + 1n);
      expect(w[sym.get("main.a")!]).to.equal(c.prime - 3n);
      expect(w[sym.get("main.t")!]).to.equal(20n);
      expect(sym.has("main.u")).to.equal(true);
      expect(sym.get("main.u")).to.equal(null);
      expect((await checkR1cs(c.r1csPath, w)).ok).to.equal(true);
    });

    it("produces the same witness in .wtns form", async () => {
      const c = await testCircuit(square, "O2");
      const inputs = { a: 7n, b: [2n, -1n] };
      const w = await computeWitness(c.wasm, inputs);
      const bin = await computeWitnessWtns(c.wasm, inputs);
      const view = new DataView(bin.buffer, bin.byteOffset, bin.byteLength);
      expect(String.fromCharCode(...bin.slice(0, 4))).to.equal("wtns");
      // section 1: n8, prime, n; section 2: the values (little-endian, n8 bytes each).
      const n8 = view.getUint32(24, true);
      const n = view.getUint32(28 + n8, true);
      expect(n).to.equal(w.length);
      const base = 28 + n8 + 4 + 12;
      for (let i = 0; i < n; i++) {
        let v = 0n;
        for (let k = n8 - 1; k >= 0; k--) v = (v << 8n) | BigInt(bin[base + i * n8 + k]);
        expect(v).to.equal(w[i]);
      }
    });

    it("rejects missing, unknown and mis-sized inputs with WitnessError", async () => {
      const c = await testCircuit(square, "O2");
      const missing = await witnessFailure(computeWitness(c.wasm, { a: 1n }));
      expect(missing.reason).to.match(/Not all inputs have been set/);
      const unknown = await witnessFailure(computeWitness(c.wasm, { a: 1n, b: [1n, 2n], z: 3n }));
      expect(unknown.reason).to.match(/Signal z not found|Too many values for input signal z/);
      const size = await witnessFailure(computeWitness(c.wasm, { a: 1n, b: [1n, 2n, 3n] }));
      expect(size.reason).to.match(/Too many values for input signal b/);
      const fractional = await expectRejection(computeWitness(c.wasm, { a: 1.5, b: [1n, 2n] }), WitnessInputError);
      expect(fractional.signal).to.equal("a");
    });

    it("names the failing template and line when an === fails", async () => {
      const c = await testCircuit(
        `pragma circom 2.1.6;\ninclude "rescale.circom";\ncomponent main = FloorShift(2, 4);\n`,
        "O2",
      );
      const err = await witnessFailure(computeWitness(c.wasm, { in: 1000n }), "SplitDigits");
      expect(err).to.be.instanceOf(WitnessError);
      expect(err.reason).to.equal("Assert Failed.");
      expect(err.line).to.be.a("number");
      expect(err.trace).to.contain("FloorShift");
    });
  });

  describe("r1cs", () => {
    it("rejects malformed witnesses with WitnessShapeError, not a failed check", async () => {
      const c = await testCircuit(square, "O2");
      const w = await computeWitness(c.wasm, { a: 1n, b: [1n, 1n] });
      for (const bad of [w.slice(1), [0n, ...w.slice(1)], [w[0], c.prime, ...w.slice(2)]]) {
        await expectRejection(checkR1cs(c.r1csPath, bad), WitnessShapeError);
      }
    });

    it("reports the first violated constraint with its A, B, C values", async () => {
      const c = await testCircuit(square, "O1");
      const w = await computeWitness(c.wasm, { a: 2n, b: [3n, 5n] });
      const bad = c.tamper(w, { "main.t": 16n });
      const res = c.check(bad);
      if (res.ok) throw new Error("tampered witness passed");
      expect(res.a * res.b - res.c).to.not.equal(0n);
      expect(res.constraintIndex).to.be.within(0, c.constraints - 1);
    });

    it("rejects files that are not r1cs with R1csFormatError", async () => {
      expect(() =>
        parseR1cs(new TextEncoder().encode("wtns\u0002\u0000\u0000\u0000\u0000\u0000\u0000\u0000")),
      ).to.throw(R1csFormatError);
      const bytes = new Uint8Array(await readFile((await testCircuit(square, "O2")).r1csPath));
      expect(() => parseR1cs(bytes.slice(0, bytes.length - 7))).to.throw(R1csFormatError);
    });

    it("the circuit's prime is the BN254 scalar field order that prover/field.ts encodes with", async () => {
      const c = await testCircuit(square, "O2");
      expect(c.prime).to.equal(21888242871839275222246405745257275088548364400416034343698204186575808495617n);
      expect(FIELD_MODULUS).to.equal(c.prime);
    });
  });
});
