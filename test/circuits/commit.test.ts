// circuits/commit.circom: PackWords, PoseidonChain, TensorCommit and OutputWord against
// prover/commit/tensor-commitment.ts.
import { expect } from "chai";
import {
  commitTensor,
  outputSignal,
  packWords,
  poseidonChain,
  tensorTag,
  valuesPerWord,
  type TensorEncoding,
} from "../../prover/commit/tensor-commitment.js";
import { IntRangeError } from "../../prover/quantize/int-ops.js";
import { testCircuit, witnessFailure, type TestCircuit } from "../helpers/test-circuit.js";
import { bitsOf, rng } from "../helpers/vectors.js";

const OPTS = ["O1", "O2"] as const;
const header = `pragma circom 2.1.6;\ninclude "commit.circom";\n`;

function commitMain(enc: TensorEncoding, publicIn: boolean): string {
  const args = `${enc.n}, ${enc.bits}, ${enc.offset}, ${tensorTag(enc)}`;
  return `${header}component main ${publicIn ? "{public [in]} " : ""}= TensorCommit(${args});\n`;
}

function randomTensor(seed: number, enc: TensorEncoding): bigint[] {
  const r = rng(seed);
  return Array.from({ length: enc.n }, () => r.int(-enc.offset, (1n << BigInt(enc.bits)) - 1n - enc.offset));
}

const FIELD_BITS = 253n;
const salts = (seed: number) => [0n, 1n, rng(seed).below(1n << FIELD_BITS)];

describe("circuits: PackWords", () => {
  it("matches packWords() with a partial last word, and is linear only", async () => {
    for (const [n, bits] of [
      [10, 30],
      [3, 253],
      [40, 8],
    ] as const) {
      const c = await testCircuit(`${header}component main {public [in]} = PackWords(${n}, ${bits});\n`);
      expect(c.constraints, `PackWords(${n}, ${bits})`).to.equal(Math.ceil(n / valuesPerWord(bits)));
      const r = rng(n * 1000 + bits);
      for (let t = 0; t < 3; t++) {
        const xs = Array.from({ length: n }, (_, i) =>
          t === 0 ? (1n << BigInt(bits)) - 1n : t === 1 ? BigInt(i % 2) : r.below(1n << BigInt(bits)),
        );
        const w = await c.witness({ in: xs });
        const words = packWords(xs, { n, bits, offset: 0n });
        expect(c.signals(w, "main.out", words.length).map((v) => (v < 0n ? v + c.prime : v))).to.deep.equal(words);
        expect(c.check(w).ok).to.equal(true);
      }
    }
  });
});

describe("circuits: PoseidonChain", () => {
  // 15 inputs fill one permutation (1 pads it), 16 spill into a second: later boundaries repeat that step.
  it("matches poseidonChain() at the block boundary (15 and 16 inputs; 2 in every TensorCommit test)", async () => {
    const r = rng(77);
    for (const m of [15, 16]) {
      const tag = r.below(1n << FIELD_BITS);
      const c = await testCircuit(`${header}component main {public [in]} = PoseidonChain(${m}, ${tag});\n`);
      const xs = Array.from({ length: m }, () => r.below(c.prime));
      const w = await c.witness({ in: xs });
      const expected = await poseidonChain(tag, xs);
      expect(w[c.sym.get("main.out")!], `M = ${m}`).to.equal(expected);
      expect(c.check(w).ok).to.equal(true);
      expect(c.check(c.tamper(w, { "main.out": expected + 1n })).ok).to.equal(false);
    }
  });
});

describe("circuits: TensorCommit", () => {
  const big: TensorEncoding = { n: 784, bits: 8, offset: 128n };
  const small: TensorEncoding = { n: 5, bits: 8, offset: 128n };
  // K = 2 values per word, 16 words: the chain [salt, w_0..w_15] spans two permutations.
  const wide: TensorEncoding = { n: 32, bits: 126, offset: 1n << 125n };
  const unsigned: TensorEncoding = { n: 40, bits: 4, offset: 0n };

  it("equals commitTensor() for 784 signed 8-bit values (random data, several salts)", async () => {
    const c = await testCircuit(commitMain(big, false));
    for (const [k, salt] of salts(5).entries()) {
      const xs = randomTensor(100 + k, big);
      const w = await c.witness({ in: xs, salt });
      expect(w[c.sym.get("main.commitment")!]).to.equal(await commitTensor(xs, big, salt));
      expect(c.check(w).ok).to.equal(true);
    }
  });

  it("equals commitTensor() for small, multi-block and unsigned encodings, at the range edges", async () => {
    for (const enc of [small, wide, unsigned]) {
      const c = await testCircuit(commitMain(enc, true));
      const lo = -enc.offset;
      const hi = (1n << BigInt(enc.bits)) - 1n - enc.offset;
      const cases = [
        randomTensor(enc.n, enc),
        Array.from({ length: enc.n }, () => lo),
        Array.from({ length: enc.n }, () => hi),
        Array.from({ length: enc.n }, (_, i) => (i % 2 ? lo : hi)),
      ];
      for (const xs of cases) {
        for (const salt of salts(enc.n)) {
          const w = await c.witness({ in: xs, salt });
          expect(w[c.sym.get("main.commitment")!], `n ${enc.n} bits ${enc.bits}`).to.equal(
            await commitTensor(xs, enc, salt),
          );
          const digits = xs.map((x) => bitsOf(x + enc.offset, enc.bits));
          for (let i = 0; i < enc.n; i++) expect(c.signals(w, `main.bits[${i}]`, enc.bits)).to.deep.equal(digits[i]);
          expect(c.check(w).ok).to.equal(true);
        }
      }
    }
  });

  it("cannot produce a witness for a value just outside [−OFFSET, 2^BITS − OFFSET) (like packWords())", async () => {
    for (const enc of [small, unsigned]) {
      const c = await testCircuit(commitMain(enc, true));
      for (const bad of [-enc.offset - 1n, (1n << BigInt(enc.bits)) - enc.offset]) {
        const xs = randomTensor(9, enc);
        xs[enc.n - 1] = bad;
        expect(() => packWords(xs, enc)).to.throw(IntRangeError);
        await witnessFailure(c.witness({ in: xs, salt: 0n }), "Num2Bits");
      }
    }
  });

  it("pins its constraint counts", async () => {
    // 784 * 8 digits + 2 Poseidon(16) permutations of 603 constraints each (27 chain inputs);
    // `in` private as in a model.
    expect((await testCircuit(commitMain(big, false))).constraints).to.equal(784 * 8 + 2 * 603);
    // One permutation whose zero padding makes some first-round S-boxes constant (572, not 603).
    expect((await testCircuit(commitMain(small, true))).constraints).to.equal(5 * 8 + 572);
  });

  for (const opt of OPTS) {
    describe(`tampered witnesses (--${opt})`, () => {
      let c: TestCircuit;
      const enc = small;
      const xs = [-128n, 5n, 127n, 0n, -1n];
      before(async () => {
        c = await testCircuit(commitMain(enc, true), opt);
      });

      it("rejects a different commitment", async () => {
        const w = await c.witness({ in: xs, salt: 7n });
        const honest = w[c.sym.get("main.commitment")!];
        expect(c.check(c.tamper(w, { "main.commitment": honest + 1n })).ok).to.equal(false);
      });

      it("rejects a changed value with its digits recomputed (the commitment no longer matches)", async () => {
        const w = await c.witness({ in: xs, salt: 7n });
        const ys = [...xs];
        ys[2] = 126n;
        expect(
          c.check(c.tamper(w, { "main.in": ys, "main.bits[2]": bitsOf(126n + 128n, 8) }, { skipEliminated: true })).ok,
        ).to.equal(false);
      });

      it("rejects carrying into the next value (same words, one value beyond 2^BITS)", async () => {
        // u_0 + 2^BITS and u_1 - 1 pack to the same word, so the chain and the commitment are
        // unchanged: only the range check on u_0 can reject it.
        const w = await c.witness({ in: xs, salt: 7n });
        const ys = [...xs];
        ys[0] = xs[0] + 256n;
        ys[1] = xs[1] - 1n;
        const word = (vs: bigint[]) => vs.reduce((a, v, i) => a + ((v + enc.offset) << BigInt(8 * i)), 0n);
        expect(word(ys)).to.equal(word(xs));
        const u0 = ys[0] + enc.offset; // 256: needs 9 bits
        for (const how of ["nonBooleanDigit", "booleanDigits"] as const) {
          const d0 = bitsOf(u0 % 256n, 8);
          if (how === "nonBooleanDigit") d0[0] += u0 - (u0 % 256n);
          const bad = c.tamper(
            w,
            {
              "main.in": ys,
              "main.bits[0]": d0,
              "main.bits[1]": bitsOf(ys[1] + enc.offset, 8),
              "main.digits[0].in": u0,
              "main.digits[1].in": ys[1] + enc.offset,
            },
            { skipEliminated: true },
          );
          expect(c.check(bad).ok, how).to.equal(false);
        }
      });

      it("the carrying forgery passes with honest digits (control: it changes only what it claims)", async () => {
        const w = await c.witness({ in: xs, salt: 7n });
        const again = c.tamper(
          w,
          {
            "main.in": xs,
            "main.bits[0]": bitsOf(xs[0] + enc.offset, 8),
            "main.bits[1]": bitsOf(xs[1] + enc.offset, 8),
            "main.digits[0].in": xs[0] + enc.offset,
            "main.digits[1].in": xs[1] + enc.offset,
          },
          { skipEliminated: true, allowUnchanged: true },
        );
        expect(again).to.deep.equal(w);
      });

      it("rejects a flipped digit", async () => {
        const w = await c.witness({ in: xs, salt: 7n });
        expect(c.check(c.tamper(w, { "main.bits[3][7]": 0n })).ok).to.equal(false);
      });
    });
  }
});

describe("circuits: OutputWord", () => {
  it("equals outputSignal() for a tensor that fits one word, and is linear only", async () => {
    const enc: TensorEncoding = { n: 10, bits: 16, offset: 1n << 15n };
    const c = await testCircuit(`${header}component main {public [in]} = OutputWord(${enc.n}, ${enc.bits});\n`);
    expect(c.constraints).to.equal(1);
    const r = rng(4242);
    for (const xs of [
      Array.from({ length: enc.n }, () => r.int(-enc.offset, enc.offset - 1n)),
      Array.from({ length: enc.n }, () => -enc.offset),
      Array.from({ length: enc.n }, () => enc.offset - 1n),
    ]) {
      const w = await c.witness({ in: xs.map((x) => x + enc.offset) });
      expect(w[c.sym.get("main.out")!]).to.equal(await outputSignal(xs, enc));
      expect(c.check(w).ok).to.equal(true);
    }
  });
});
