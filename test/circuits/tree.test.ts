// circuits/tree.circom: Interval (a feature located among sorted thresholds) and TreeSum (the
// walks of a tree ensemble as products of test bits), against direct references, with the
// witnesses a malicious prover would try.
import { expect } from "chai";
import { testCircuit, type TestCircuit, witnessFailure } from "../helpers/test-circuit.js";
import { bitsOf } from "../helpers/vectors.js";

const OPTS = ["O1", "O2"] as const;
const mod = (x: bigint, m: bigint) => ((x % m) + m) % m;

describe("circuits: Interval", () => {
  const [K, BITS, LO, HI] = [3, 6, -20n, 30n];
  const T = [-5n, 0n, 17n];
  const main =
    `pragma circom 2.1.6;\ninclude "tree.circom";\n` +
    `component main {public [in]} = Interval(${K}, ${BITS}, ${LO}, ${HI}, [${T.join(", ")}]);\n`;
  const ge = (x: bigint) => T.map((t) => (x >= t ? 1n : 0n));

  it("gives ge[j] = [in >= T[j]] for every input in [LO, HI], thresholds and their neighbours included", async () => {
    const c = await testCircuit(main);
    for (let x = LO; x <= HI; x++) {
      const w = await c.witness({ in: x });
      expect(c.signals(w, "main.ge", K), `in = ${x}`).to.deep.equal(ge(x));
      expect(c.check(w).ok).to.equal(true);
    }
  });

  it("pins its constraint count: K + 1 selector bits and two BITS-digit range checks", async () => {
    expect((await testCircuit(main)).constraints).to.equal(K + 1 + 2 * BITS);
  });

  it("has no witness for an input outside [LO, HI] (the caller's bound is needed for completeness)", async () => {
    const c = await testCircuit(main);
    await witnessFailure(c.witness({ in: HI + 1n }), "Num2Bits");
    await witnessFailure(c.witness({ in: LO - 1n }), "Num2Bits");
  });

  /**
   * A complete witness claiming interval `claim` for input x: one-hot selector on it, ge from it,
   * both gaps recomputed and decomposed. A negative gap cannot be decomposed: "booleanDigits"
   * writes the digits of gap mod 2^BITS (the sum breaks), "nonBooleanDigit" puts the whole
   * difference into digit 0 (booleanity breaks).
   */
  function forge(
    c: TestCircuit,
    w: bigint[],
    x: bigint,
    claim: number,
    how: "booleanDigits" | "nonBooleanDigit",
    given?: bigint[],
  ) {
    const sel = given ?? Array.from({ length: K + 1 }, (_, i) => (i === claim ? 1n : 0n));
    const lower = sel.reduce((a, s, i) => a + s * (i === 0 ? LO : T[i - 1]), 0n);
    const upper = sel.reduce((a, s, i) => a + s * (i === K ? HI + 1n : T[i]), 0n);
    const changes: Record<string, bigint | bigint[]> = {
      "main.in": x,
      "main.sel": sel,
      "main.ge": T.map((_, j) => sel.slice(j + 1).reduce((a, b) => a + b, 0n)),
    };
    const width = 1n << BigInt(BITS);
    for (const [name, gap] of [
      ["below", x - lower],
      ["above", upper - 1n - x],
    ] as const) {
      const digits = bitsOf(mod(gap, width), BITS);
      if (how === "nonBooleanDigit") digits[0] += gap - mod(gap, width);
      changes[`main.${name}.in`] = gap;
      changes[`main.${name}.out`] = digits;
    }
    return c.tamper(w, changes, { skipEliminated: true, allowUnchanged: true });
  }

  for (const opt of OPTS) {
    describe(`tampered witnesses (--${opt})`, () => {
      let c: TestCircuit;
      before(async () => {
        c = await testCircuit(main, opt);
      });

      it("the forger reproduces the honest witness for the true interval (control)", async () => {
        for (const x of [LO, -6n, -5n, 0n, 16n, 17n, HI]) {
          const w = await c.witness({ in: x });
          const at = T.filter((t) => x >= t).length;
          expect(c.check(forge(c, w, x, at, "booleanDigits")).ok, `in = ${x}`).to.equal(true);
        }
      });

      it("rejects every other interval, next to a threshold and far from it, with either digit forgery", async () => {
        for (const x of [LO, -6n, -5n, -1n, 0n, 16n, 17n, HI]) {
          const w = await c.witness({ in: x });
          const at = T.filter((t) => x >= t).length;
          for (let claim = 0; claim <= K; claim++) {
            if (claim === at) continue;
            for (const how of ["booleanDigits", "nonBooleanDigit"] as const) {
              expect(c.check(forge(c, w, x, claim, how)).ok, `in = ${x}, claim ${claim}, ${how}`).to.equal(false);
            }
          }
        }
      });

      it("rejects a selector that is not one-hot (sum 1, entries 2 and -1; its gaps in range)", async () => {
        // lower = 2 T[1] - T[2] = -17 and upper = 2 T[2] - (HI + 1) = 3: in = 0 lies between.
        const w = await c.witness({ in: 0n });
        const t = forge(c, w, 0n, -1, "booleanDigits", [0n, 0n, 2n, -1n]);
        expect(c.check(t).ok).to.equal(false);
      });
    });
  }
});

describe("circuits: TreeSum", () => {
  // Tree A: node 0 tests ge[0] (hi 1, lo 2); node 1 tests ge[1] (hi 3, lo 4); 2, 3, 4 leaves.
  // Tree B: node 5 always goes hi (6; lo 7 is unreachable); node 6 tests ge[2] (hi 8, lo 9);
  //         node 9 never goes hi (lo 10; hi 11 unreachable); 7, 8, 10, 11 leaves.
  const TEST = [0, 1, -1, -1, -1, -2, 2, -1, -1, -3, -1, -1];
  const HI = [1, 3, 0, 0, 0, 6, 8, 0, 0, 11, 0, 0];
  const LO = [2, 4, 0, 0, 0, 7, 9, 0, 0, 10, 0, 0];
  const ROOTS = [0, 5];
  const W = [
    [0, 0],
    [0, 0],
    [3, -1],
    [5, 2],
    [-7, 4],
    [0, 0],
    [0, 0],
    [100, 100],
    [11, -13],
    [0, 0],
    [17, 19],
    [200, 200],
  ];
  const BASE = [1000, -1000];
  const NI = TEST.filter((t) => t >= 0).length;
  const main =
    `pragma circom 2.1.6;\ninclude "tree.circom";\n` +
    `component main {public [ge]} = TreeSum(3, ${TEST.length}, ${NI}, 2, 2, [${TEST}], [${HI}], [${LO}], ` +
    `[${ROOTS}], [${W.map((r) => `[${r}]`).join(", ")}], [${BASE}]);\n`;

  function walk(ge: number[]): bigint[] {
    const out = BASE.map(BigInt);
    for (const root of ROOTS) {
      let n = root;
      while (TEST[n] !== -1) n = TEST[n] === -2 || (TEST[n] >= 0 && ge[TEST[n]] === 1) ? HI[n] : LO[n];
      W[n].forEach((v, m) => (out[m] += BigInt(v)));
    }
    return out;
  }
  const every = Array.from({ length: 8 }, (_, i) => [i & 1, (i >> 1) & 1, (i >> 2) & 1]);

  it("sums the weights of the leaves the walks reach, for every assignment of the test bits", async () => {
    const c = await testCircuit(main);
    for (const ge of every) {
      const w = await c.witness({ ge });
      expect(c.signals(w, "main.out", 2), `ge = ${ge}`).to.deep.equal(walk(ge));
      expect(c.check(w).ok).to.equal(true);
    }
  });

  it("costs one product per tested node below a root: only node 1's (ge[0] * ge[1])", async () => {
    // --O2 folds the product into out[0] and keeps out[1]'s linear relation: 2 constraints.
    expect((await testCircuit(main)).constraints).to.equal(2);
    expect((await testCircuit(main, "O1")).constraints).to.be.at.least(1 + 2);
  });

  for (const opt of OPTS) {
    it(`rejects a product that moves the walk, with the sums it implies, and a wrong sum (--${opt})`, async () => {
      const c = await testCircuit(main, opt);
      for (const ge of every) {
        const w = await c.witness({ ge });
        // Node 1's product decides between leaves 3 and 4 of tree A: flip it and move the sums.
        const honest = BigInt(ge[0] * ge[1]);
        const delta = 1n - 2n * honest;
        const forged = walk(ge).map((v, m) => v + delta * BigInt(W[3][m] - W[4][m]));
        const flip = c.tamper(w, { "main.prod[1]": 1n - honest, "main.out": forged }, { skipEliminated: true });
        expect(c.check(flip).ok, `ge = ${ge}`).to.equal(false);
        const other = walk(ge).map((v) => v + 1n);
        expect(c.check(c.tamper(w, { "main.out": other })).ok, `ge = ${ge}`).to.equal(false);
      }
    });
  }
});
