// circuits/attention.circom: RowMax, ExpDigits, Reciprocal and InvSqrt against BigInt references
// (exhaustive where the parameters allow), with the complete witnesses a malicious prover would try.
import { expect } from "chai";
import { CircomCompileError } from "../../prover/zk/circom.js";
import { compileTestCircuit, testCircuit, type TestCircuit, witnessFailure } from "../helpers/test-circuit.js";
import { expectRejection } from "../helpers/reject.js";
import { bitsOf, rng } from "../helpers/vectors.js";

const OPTS = ["O1", "O2"] as const;
const mod = (x: bigint, m: bigint) => ((x % m) + m) % m;

// Inputs are public: the verifier knows them (in a model they are bound by the layer before), and a
// private main input that the constraints determine linearly would be eliminated by --O2.
const rowMaxMain = (n: number, bits: number) =>
  `pragma circom 2.1.6;\ninclude "attention.circom";\ncomponent main {public [in]} = RowMax(${n}, ${bits});\n`;
/**
 * RowMax as a layer uses it: its digits stay private (ExpDigits reads them), so --O2 may eliminate
 * one digit per gap by the gap's linear sum. As main's outputs the digits would be public and could
 * not be eliminated.
 */
const rowMaxInnerMain = (n: number, bits: number) =>
  [
    `pragma circom 2.1.6;`,
    `include "attention.circom";`,
    `template Inner(N, BITS) {`,
    `    signal input in[N];`,
    `    signal output out;`,
    `    component m = RowMax(N, BITS);`,
    `    m.in <== in;`,
    `    out <== m.out;`,
    `    _ <== m.digits;`,
    `}`,
    `component main {public [in]} = Inner(${n}, ${bits});`,
    ``,
  ].join("\n");
const reciprocalMain = (k: number, bits: number) =>
  `pragma circom 2.1.6;\ninclude "attention.circom";\ncomponent main {public [s]} = Reciprocal(${k}, ${bits});\n`;
const invSqrtMain = (r: number, bits: number) =>
  `pragma circom 2.1.6;\ninclude "attention.circom";\ncomponent main {public [w]} = InvSqrt(${r}, ${bits});\n`;

type Forgery = "booleanDigits" | "nonBooleanDigit";
const HOWS = ["booleanDigits", "nonBooleanDigit"] as const;

/**
 * The digits a forger writes for a range check of `value` over `width` digits. A value outside
 * [0, 2^width) has none: "booleanDigits" writes the digits of value mod 2^width (the sum breaks),
 * "nonBooleanDigit" puts the whole difference into digit 0 (booleanity breaks). In range, both are
 * the honest digits.
 */
function forgeDigits(value: bigint, width: number, how: Forgery): bigint[] {
  const m = 1n << BigInt(width);
  const digits = bitsOf(mod(value, m), width);
  if (how === "nonBooleanDigit") digits[0] += value - mod(value, m);
  return digits;
}

/** Number of constraints the witness violates (checkR1cs stops at the first). */
function violations(c: TestCircuit, w: readonly bigint[]): number {
  const p = c.prime;
  const dot = (lc: { wires: ArrayLike<number>; coeffs: ArrayLike<bigint> }) =>
    Array.from(lc.wires).reduce((acc, wire, i) => acc + lc.coeffs[i] * w[wire], 0n) % p;
  return c.r1cs.constraints.filter((k) => (dot(k.a) * dot(k.b) - dot(k.c)) % p !== 0n).length;
}

/** Largest r >= 0 with r^2 <= n. */
function isqrt(n: bigint): bigint {
  let lo = 0n;
  let hi = n + 1n;
  while (hi - lo > 1n) {
    const mid = (lo + hi) >> 1n;
    if (mid * mid <= n) lo = mid;
    else hi = mid;
  }
  return lo;
}
/** floor(2^R / sqrt(w)): the largest r with r^2 * w <= 2^(2R), i.e. r^2 <= floor(2^(2R) / w). */
const invSqrt = (r: number, w: bigint) => isqrt((1n << BigInt(2 * r)) / w);
/** The gap width of InvSqrt (circuits/attention.circom InvSqrtWidth). */
const invSqrtWidth = (r: number, bits: number) => Math.max(r + 2 + Math.ceil(bits / 2), bits + 1);

describe("circuits: RowMax", () => {
  const [N, BITS] = [4, 5];
  const half = 1n << BigInt(BITS - 1);
  const main = rowMaxMain(N, BITS);
  const maxOf = (xs: bigint[]) => xs.reduce((a, b) => (b > a ? b : a));

  const edgeRows: bigint[][] = [
    [0n, 0n, 0n, 0n], // all equal
    [-half, -half, -half, -half],
    [half - 1n, half - 1n, half - 1n, half - 1n],
    [half - 1n, -half, -half, -half], // extremes, max first
    [-half, -half, -half, half - 1n], // max last
    [-half, half - 1n, -half, half - 1n], // tie at the top of the range
    [3n, 7n, 7n, -2n], // tie in the middle
    [-1n, -5n, -1n, -16n],
    [-half + 1n, -half, -half, -half],
    [1n, 2n, 3n, 4n],
    [4n, 3n, 2n, 1n],
  ];
  const randomRows = (seed: number, count: number) => {
    const r = rng(seed);
    return Array.from({ length: count }, (_, t) => {
      const span = t % 3 === 0 ? 2n : half; // every third row draws from {-2..1}: ties everywhere
      return Array.from({ length: N }, () => r.int(-span, span - 1n));
    });
  };

  /**
   * A complete witness claiming out = v for the row xs, RowMax being the component `at`: every gap
   * v - xs[i] decomposed (see forgeDigits, the output digits the same) and the product chain
   * recomputed from the gaps. Fed the true maximum, it is the honest witness.
   */
  function forgeAt(c: TestCircuit, w: bigint[], xs: bigint[], v: bigint, how: Forgery, honest: boolean, at: string) {
    const gaps = xs.map((x) => v - x);
    const prod: bigint[] = [gaps[0] * gaps[1]];
    for (let i = 2; i < xs.length; i++) prod.push(prod[i - 2] * gaps[i]);
    const changes: Record<string, bigint | bigint[]> = { "main.in": xs, "main.out": v };
    Object.assign(changes, { [`${at}.in`]: xs, [`${at}.out`]: v, [`${at}.prod`]: prod });
    gaps.forEach((g, i) => {
      const digits = forgeDigits(g, BITS, how);
      changes[`${at}.gap[${i}].in`] = g;
      changes[`${at}.gap[${i}].out`] = digits;
      changes[`${at}.digits[${i}]`] = digits;
    });
    if (!c.present("main.in[0]")) throw new Error("main.in must be in the witness for the forgery to bind it");
    return c.tamper(w, changes, { skipEliminated: true, allowUnchanged: honest });
  }

  it("gives the maximum on edge rows (ties, all-equal rows, the range's extremes) and random rows", async () => {
    const c = await testCircuit(main);
    for (const xs of [...edgeRows, ...randomRows(4242, 60)]) {
      const w = await c.witness({ in: xs });
      expect(c.signal(w, "main.out"), `in = ${xs}`).to.equal(maxOf(xs));
      expect(c.check(w).ok).to.equal(true);
    }
  });

  it("gives the maximum for every row of RowMax(3, 3) (exhaustive)", async () => {
    const c = await testCircuit(rowMaxMain(3, 3));
    for (let i = 0; i < 8 ** 3; i++) {
      const xs = [i & 7, (i >> 3) & 7, (i >> 6) & 7].map((d) => BigInt(d) - 4n);
      const w = await c.witness({ in: xs });
      expect(c.signal(w, "main.out"), `in = ${xs}`).to.equal(maxOf(xs));
      expect(c.check(w).ok).to.equal(true);
    }
  });

  it("outputs the digits of out - in[i] (its range checks' own)", async () => {
    const c = await testCircuit(main);
    for (const xs of [...edgeRows, ...randomRows(4343, 30)]) {
      const w = await c.witness({ in: xs });
      for (let i = 0; i < N; i++) {
        const digits = c.signals(w, `main.digits[${i}]`, BITS);
        expect(digits, `in = ${xs}, i = ${i}`).to.deep.equal(bitsOf(maxOf(xs) - xs[i], BITS));
      }
    }
    const c2 = await testCircuit(rowMaxMain(2, 8));
    const w2 = await c2.witness({ in: [-128n, 127n] });
    expect(c2.signals(w2, "main.digits[0]", 8)).to.deep.equal(bitsOf(255n, 8));
    expect(c2.signals(w2, "main.digits[1]", 8)).to.deep.equal(bitsOf(0n, 8));
    // N = 1: d_0 = 0.
    const c1 = await testCircuit(rowMaxMain(1, 8));
    const w1 = await c1.witness({ in: [-5n] });
    expect(c1.signals(w1, "main.digits[0]", 8)).to.deep.equal(bitsOf(0n, 8));
  });

  it("works for N = 2 (the product is the only one) and N = 1 (out is the input)", async () => {
    const c2 = await testCircuit(rowMaxMain(2, 8));
    for (const xs of [
      [-128n, 127n],
      [127n, -128n],
      [5n, 5n],
      [-3n, -4n],
    ]) {
      const w = await c2.witness({ in: xs });
      expect(c2.signal(w, "main.out"), `in = ${xs}`).to.equal(maxOf(xs));
      expect(c2.check(w).ok).to.equal(true);
    }
    const c1 = await testCircuit(rowMaxMain(1, 8));
    for (const x of [-128n, 0n, 127n]) {
      const w = await c1.witness({ in: [x] });
      expect(c1.signal(w, "main.out")).to.equal(x);
      expect(c1.check(w).ok).to.equal(true);
    }
  });

  it("has no witness when max - min reaches 2^BITS (outside the caller's range)", async () => {
    const c = await testCircuit(main);
    await witnessFailure(c.witness({ in: [half, -half, 0n, 0n] }), "Num2Bits");
    await witnessFailure(c.witness({ in: [0n, 0n, -half - 1n, half - 1n] }), "Num2Bits");
  });

  it("pins its constraint counts: N * BITS digits + N - 1 products", async () => {
    const inner = rowMaxInnerMain(N, BITS);
    expect((await testCircuit(inner)).constraints).to.equal(N * BITS + N - 1);
    // --O1 keeps the N digit sums and the linear out - in[i] of each gap.
    expect((await testCircuit(inner, "O1")).constraints).to.equal(N * BITS + N - 1 + 2 * N);
    expect((await testCircuit(rowMaxInnerMain(2, 8))).constraints).to.equal(2 * 8 + 1);
    expect((await testCircuit(rowMaxInnerMain(16, 12))).constraints).to.equal(16 * 12 + 15);
    // N = 1: the one linear constraint out = in[0] between two public signals stays.
    expect((await testCircuit(rowMaxInnerMain(1, 8))).constraints).to.equal(1);
    // With the digits as main's (public) outputs no digit can be eliminated: --O2 keeps the N digit
    // sums as well, and for N = 1 the BITS constraints digits = 0.
    expect((await testCircuit(main)).constraints).to.equal(N * BITS + N - 1 + N);
    expect((await testCircuit(main, "O1")).constraints).to.equal(N * BITS + N - 1 + 2 * N);
    expect((await testCircuit(rowMaxMain(1, 8))).constraints).to.equal(1 + 8);
  });

  const variants = [
    { what: "digits public", source: main, at: "main" },
    { what: "digits private", source: rowMaxInnerMain(N, BITS), at: "main.m" },
  ];
  for (const [opt, { what, source, at }] of OPTS.flatMap((o) => variants.map((v) => [o, v] as const))) {
    describe(`tampered witnesses (--${opt}, ${what})`, () => {
      let c: TestCircuit;
      const forge = (w: bigint[], xs: bigint[], v: bigint, how: Forgery, honest = false) =>
        forgeAt(c, w, xs, v, how, honest, at);
      before(async () => {
        c = await testCircuit(source, opt);
      });

      it("the forger reproduces the honest witness for the true maximum (control)", async () => {
        for (const xs of edgeRows) {
          const w = await c.witness({ in: xs });
          for (const how of HOWS) expect(forge(w, xs, maxOf(xs), how, true)).to.deep.equal(w);
        }
      });

      it("rejects a value above the maximum that is no input (every gap in range, the product not 0)", async () => {
        for (const xs of [...edgeRows, ...randomRows(77, 20)]) {
          const w = await c.witness({ in: xs });
          for (let v = maxOf(xs) + 1n; v < maxOf(xs) + 4n; v++) {
            if (xs.some((x) => v - x >= 1n << BigInt(BITS))) continue; // keep the gaps in range
            expect(c.check(forge(w, xs, v, "booleanDigits")).ok, `in = ${xs}, claim ${v}`).to.equal(false);
            expect(violations(c, forge(w, xs, v, "booleanDigits")), `in = ${xs}, claim ${v}`).to.equal(1);
          }
        }
      });

      it("rejects a value below the maximum, an input or not, with either digit forgery", async () => {
        for (const xs of [...edgeRows, ...randomRows(78, 20)]) {
          const w = await c.witness({ in: xs });
          const max = maxOf(xs);
          const claims = new Set([max - 1n, max - 2n, ...xs.filter((x) => x < max)]);
          for (const v of claims) {
            for (const how of HOWS) {
              expect(c.check(forge(w, xs, v, how)).ok, `in = ${xs}, claim ${v}, ${how}`).to.equal(false);
            }
          }
        }
      });

      it("rejects out = in[j] for an input j below the maximum (the product is 0, a gap is negative)", async () => {
        const xs = [3n, -9n, 12n, 0n];
        const w = await c.witness({ in: xs });
        for (const j of [0, 1, 3]) {
          for (const how of HOWS) {
            const bad = forge(w, xs, xs[j], how);
            // The product chain holds (a factor is 0); the gap in[j] - 12 < 0 has no digits.
            expect(c.check(bad).ok, `claim in[${j}], ${how}`).to.equal(false);
          }
        }
      });

      it("rejects a changed out with everything else left alone", async () => {
        const w = await c.witness({ in: [3n, -9n, 12n, 0n] });
        expect(c.check(c.tamper(w, { "main.out": 13n })).ok).to.equal(false);
        expect(c.check(c.tamper(w, { "main.out": 3n })).ok).to.equal(false);
      });
    });
  }
});

/**
 * ExpDigits' tables for W offset digits (PI = 8, P = 10): EI[k] ~ e^-k 2^8, A[s] ~ e^(-s/8) 2^10 and
 * B[s] the drop of e^-t over segment s at 2^(10-W).
 */
function expTables(w: number): { ei: bigint[]; a: bigint[]; b: bigint[] } {
  const round = (x: number) => BigInt(Math.round(x));
  return {
    ei: Array.from({ length: 16 }, (_, k) => round(Math.exp(-k) * 2 ** 8)),
    a: Array.from({ length: 8 }, (_, s) => round(Math.exp(-s / 8) * 2 ** 10)),
    b: Array.from({ length: 8 }, (_, s) => round((Math.exp(-s / 8) - Math.exp(-(s + 1) / 8)) * 2 ** (10 - w))),
  };
}
const expDigitsMain = (bits: number, f: number, w: number) => {
  const t = expTables(w);
  return [
    `pragma circom 2.1.6;`,
    `include "attention.circom";`,
    `function EI() { return [${t.ei.join(",")}]; }`,
    `function A() { return [${t.a.join(",")}]; }`,
    `function B() { return [${t.b.join(",")}]; }`,
    `component main {public [d]} = ExpDigits(${bits}, ${f}, ${w}, 8, 10, EI(), A(), B());`,
    ``,
  ].join("\n");
};

/** The pieces of ExpDigits' integer function of d >= 0 (circuits/attention.circom): k, s, o, sat and out. */
function expDigitsRef(bits: number, f: number, w: number, d: bigint) {
  const t = expTables(w);
  const field = (lo: number, n: number) => Number((d >> BigInt(lo)) & ((1n << BigInt(n)) - 1n));
  const [k, s, o] = [field(f, 4), field(f - 3, 3), BigInt(field(f - 3 - w, w))];
  const h = bitsOf(d, bits)
    .slice(f + 4)
    .reduce((x, y) => x + y, 0n);
  const sat = h !== 0n;
  return { k, s, o, h, sat, out: sat ? 0n : t.ei[k] * (t.a[s] - t.b[s] * o) };
}

/**
 * The products of a binary decoder (circuits/pwl.circom's order) fed the little-endian digits of
 * `v`: stage t = 1, 2, ... multiplies each indicator of the digits below t by digit t.
 */
function decoderProducts(v: number, digits: number): bigint[] {
  const b = bitsOf(BigInt(v), digits);
  const e = [1n - b[0], b[0]];
  const prods: bigint[] = [];
  for (let t = 1; t < digits; t++) {
    for (let j = 0; j < 2 ** t; j++) {
      const p = e[j] * b[t];
      prods.push(p);
      e[j + 2 ** t] = p;
      e[j] -= p;
    }
  }
  return prods;
}

describe("circuits: ExpDigits", () => {
  // Configurations (BITS, F, W): D = F - 3 - W = 0 (every digit read) and D = 1 (digit 0 dropped).
  const CONFIGS = [
    [10, 4, 1],
    [12, 6, 2],
  ] as const;

  for (const [BITS, F, W] of CONFIGS) {
    describe(`ExpDigits(${BITS}, ${F}, ${W})`, () => {
      const main = expDigitsMain(BITS, F, W);
      const t = expTables(W);
      const ref = (d: bigint) => expDigitsRef(BITS, F, W, d);
      const all = Array.from({ length: 2 ** BITS }, (_, i) => BigInt(i));
      // Tampering: every 5th d (every k, s and o, saturated or not) and the edges of saturation.
      const top = 16n << BigInt(F);
      const sample = [...new Set([...all.filter((_, i) => i % 5 === 0), top - 1n, top, 2n ** BigInt(BITS) - 1n])];
      const unsaturated = sample.filter((d) => !ref(d).sat);
      const saturated = sample.filter((d) => ref(d).sat);

      /** What a forger may claim instead of the honest values; everything unnamed follows from it. */
      interface Claim {
        k?: number;
        s?: number;
        notSat?: bigint;
        inv?: bigint;
        frac?: bigint;
        out?: bigint;
      }

      /**
       * A complete witness for the digits of d: both decoders' products for the claimed k and s,
       * frac, notSat and inv (honest: 1 / h or 0), live = EI[k] notSat and out = live frac, each
       * the claim's where it names one. With no claim it is the honest witness.
       */
      function forge(c: TestCircuit, w: bigint[], d: bigint, claim: Claim = {}, honest = false) {
        const r = ref(d);
        const k = claim.k ?? r.k;
        const s = claim.s ?? r.s;
        const frac = claim.frac ?? t.a[s] - t.b[s] * r.o;
        const notSat = claim.notSat ?? (r.sat ? 0n : 1n);
        const inv = claim.inv ?? (r.sat ? modPow(r.h, c.prime - 2n, c.prime) : 0n);
        const live = t.ei[k] * notSat;
        return c.tamper(
          w,
          {
            "main.d": bitsOf(d, BITS),
            "main.kProd": decoderProducts(k, 4),
            "main.sProd": decoderProducts(s, 3),
            "main.frac": frac,
            "main.inv": inv,
            "main.notSat": notSat,
            "main.live": live,
            "main.out": claim.out ?? live * frac,
          },
          { skipEliminated: true, allowUnchanged: honest },
        );
      }

      it("gives EI[k] (A[s] - B[s] o), 0 from d = 16 * 2^F on, for every d in [0, 2^BITS) (exhaustive)", async () => {
        const c = await testCircuit(main);
        for (const d of all) {
          const w = await c.witness({ d: bitsOf(d, BITS) });
          expect(c.signal(w, "main.out"), `d = ${d}`).to.equal(ref(d).out);
          expect(c.check(w).ok).to.equal(true);
        }
        // The tables approximate e^(-d / 2^F) at scale 2^18 (the digits below D dropped).
        for (const d of all.filter((x) => x < top)) {
          const exact = Math.exp(-Number(d) / 2 ** F) * 2 ** 18;
          expect(Math.abs(Number(ref(d).out) - exact), `d = ${d}`).to.be.below(2 ** 18 / 32);
        }
      });

      it("pins its constraint count: 14 + 6 decoder products, frac, 2 for the saturation test, 2 for out", async () => {
        expect((await testCircuit(main)).constraints).to.equal(25);
        expect((await testCircuit(main, "O1")).constraints).to.equal(25);
      });

      for (const opt of OPTS) {
        describe(`tampered witnesses (--${opt})`, () => {
          let c: TestCircuit;
          before(async () => {
            c = await testCircuit(main, opt);
            for (const d of sample) honest.set(d, await c.witness({ d: bitsOf(d, BITS) }));
          });
          const honest = new Map<bigint, bigint[]>();
          const witness = (d: bigint) => honest.get(d) ?? [];

          it("the forger reproduces the honest witness (control)", async () => {
            for (const d of sample) {
              const w = witness(d);
              expect(forge(c, w, d, {}, true), `d = ${d}`).to.deep.equal(w);
            }
          });

          it("rejects notSat = 1 when a high digit is 1, any inv (inv = 0: only h * notSat = 0 breaks)", async () => {
            for (const d of saturated) {
              const w = witness(d);
              const { h } = ref(d);
              for (const inv of [0n, 1n, modPow(h, c.prime - 2n, c.prime), 12345n]) {
                const bad = forge(c, w, d, { notSat: 1n, inv });
                expect(c.check(bad).ok, `d = ${d}, inv = ${inv}`).to.equal(false);
                if (inv === 0n) expect(violations(c, bad), `d = ${d}`).to.equal(1);
              }
            }
          });

          it("rejects notSat = 0 (out = 0) when the high digits are all 0, with any inv", async () => {
            for (const d of unsaturated) {
              const w = witness(d);
              for (const inv of [0n, 1n, 12345n]) {
                const bad = forge(c, w, d, { notSat: 0n, inv });
                expect(c.check(bad).ok, `d = ${d}, inv = ${inv}`).to.equal(false);
                expect(violations(c, bad), `d = ${d}, inv = ${inv}`).to.equal(1);
              }
            }
          });

          // A decoder's first stage is linear in its lowest digit: a forged one-hot keeps that digit.
          it("rejects a forged k decoder (another one-hot indicator, out recomputed from it)", async () => {
            for (const d of sample) {
              const w = witness(d);
              const { k } = ref(d);
              for (let k2 = k % 2; k2 < 16; k2 += 2) {
                if (k2 === k) continue;
                const bad = forge(c, w, d, { k: k2 });
                expect(c.check(bad).ok, `d = ${d}, k = ${k2}`).to.equal(false);
                // One digit apart: exactly the product of that digit's stage breaks.
                if ([2, 4, 8].includes(k ^ k2)) expect(violations(c, bad), `d = ${d}, k = ${k2}`).to.equal(1);
              }
            }
          });

          it("rejects a forged s decoder (another one-hot indicator, frac and out recomputed from it)", async () => {
            for (const d of sample) {
              const w = witness(d);
              const { s } = ref(d);
              for (let s2 = s % 2; s2 < 8; s2 += 2) {
                if (s2 === s) continue;
                const bad = forge(c, w, d, { s: s2 });
                expect(c.check(bad).ok, `d = ${d}, s = ${s2}`).to.equal(false);
                if ([2, 4].includes(s ^ s2)) expect(violations(c, bad), `d = ${d}, s = ${s2}`).to.equal(1);
              }
            }
          });

          it("rejects a wrong frac (out recomputed from it) and a wrong out", async () => {
            for (const d of sample) {
              const w = witness(d);
              const { out } = ref(d);
              const frac = t.a[ref(d).s] - t.b[ref(d).s] * ref(d).o;
              for (const bad of [
                forge(c, w, d, { frac: frac + 1n }),
                forge(c, w, d, { frac: frac - 3n }),
                forge(c, w, d, { out: out + 1n }),
                forge(c, w, d, { out: out - 1n }),
              ]) {
                expect(c.check(bad).ok, `d = ${d}`).to.equal(false);
                expect(violations(c, bad), `d = ${d}`).to.equal(1);
              }
            }
          });
        });
      }
    });
  }

  it("W = 0 at the smallest parameters (F = 3, BITS = 8): frac = A[s] is linear, --O2 keeps 24", async () => {
    const c = await testCircuit(expDigitsMain(8, 3, 0));
    for (let d = 0n; d < 256n; d++) {
      const w = await c.witness({ d: bitsOf(d, 8) });
      expect(c.signal(w, "main.out"), `d = ${d}`).to.equal(expDigitsRef(8, 3, 0, d).out);
      expect(c.check(w).ok).to.equal(true);
    }
    expect(c.constraints).to.equal(24);
    expect((await testCircuit(expDigitsMain(8, 3, 0), "O1")).constraints).to.equal(25);
  });

  it("after RowMax: e^(-(max - x_i)) from RowMax's digits", async () => {
    const t = expTables(1);
    const source = [
      `pragma circom 2.1.6;`,
      `include "attention.circom";`,
      `function EI() { return [${t.ei.join(",")}]; }`,
      `function A() { return [${t.a.join(",")}]; }`,
      `function B() { return [${t.b.join(",")}]; }`,
      `template Row() {`,
      `    signal input x[4];`,
      `    signal output e[4];`,
      `    component m = RowMax(4, 10);`,
      `    m.in <== x;`,
      `    component ex[4];`,
      `    for (var i = 0; i < 4; i++) {`,
      `        ex[i] = ExpDigits(10, 4, 1, 8, 10, EI(), A(), B());`,
      `        ex[i].d <== m.digits[i];`,
      `        e[i] <== ex[i].out;`,
      `    }`,
      `}`,
      `component main {public [x]} = Row();`,
      ``,
    ].join("\n");
    const c = await testCircuit(source);
    const r = rng(31);
    for (let n = 0; n < 40; n++) {
      const xs = Array.from({ length: 4 }, () => r.int(-512n, 511n));
      const mx = xs.reduce((a, b) => (b > a ? b : a));
      const w = await c.witness({ x: xs });
      expect(c.signals(w, "main.e", 4), `x = ${xs}`).to.deep.equal(xs.map((x) => expDigitsRef(10, 4, 1, mx - x).out));
      expect(c.check(w).ok).to.equal(true);
    }
    // RowMax's 4 * 10 digits + 3 products, 4 * 25.
    expect(c.constraints).to.equal(4 * 10 + 3 + 4 * 25);
  });

  it("rejects parameters outside its domain at compile time (F < 3, BITS < F + 5, W outside [0, F - 3])", async () => {
    for (const [bits, f, w] of [
      [7, 2, 0],
      [8, 4, 1],
      [10, 4, 2],
      [10, 4, -1],
    ]) {
      const err = await expectRejection(compileTestCircuit(expDigitsMain(bits, f, w)), CircomCompileError);
      expect(err.compilerMessage, `(${bits}, ${f}, ${w})`).to.match(/assert/i);
    }
  });
});

describe("circuits: Reciprocal", () => {
  const [K, BITS] = [10, 6];
  const main = reciprocalMain(K, BITS);
  const recip = (s: bigint) => (1n << BigInt(K)) / s;

  /**
   * A complete witness claiming out = q for s: out's digits, prod = q * s, r = 2^K - q * s and
   * s - 1 - r, each decomposed (see forgeDigits). Fed the true quotient, it is the honest witness.
   */
  function forge(c: TestCircuit, w: bigint[], s: bigint, q: bigint, how: Forgery, honest = false) {
    const prod = mod(q * s, c.prime);
    const r = (1n << BigInt(K)) - prod;
    return c.tamper(
      w,
      {
        "main.s": s,
        "main.out": q,
        "main.outDigits.in": q,
        "main.outDigits.out": forgeDigits(mod(q, c.prime), K + 1, how),
        "main.prod": prod,
        "main.remDigits.in": r,
        "main.remDigits.out": forgeDigits(r, BITS, how),
        "main.slackDigits.in": s - 1n - r,
        "main.slackDigits.out": forgeDigits(s - 1n - r, BITS, how),
      },
      { skipEliminated: true, allowUnchanged: honest },
    );
  }

  it("gives floor(2^K / s) for every s in [1, 2^BITS) (exhaustive)", async () => {
    const c = await testCircuit(main);
    for (let s = 1n; s < 1n << BigInt(BITS); s++) {
      const w = await c.witness({ s });
      expect(c.signal(w, "main.out"), `s = ${s}`).to.equal(recip(s));
      expect(c.check(w).ok).to.equal(true);
    }
  });

  it("gives floor(2^K / s) at wide parameters (K = 40, BITS = 32) on edge and random s", async () => {
    const c = await testCircuit(reciprocalMain(40, 32));
    const r = rng(99);
    const edges = [1n, 2n, 3n, 1n << 20n, (1n << 20n) + 1n, (1n << 32n) - 1n, (1n << 31n) + 1n];
    for (const s of [...edges, ...Array.from({ length: 20 }, () => r.int(1n, (1n << 32n) - 1n))]) {
      const w = await c.witness({ s });
      expect(c.signal(w, "main.out"), `s = ${s}`).to.equal((1n << 40n) / s);
      expect(c.check(w).ok).to.equal(true);
    }
  });

  it("has no witness for s = 0 or negative s", async () => {
    const c = await testCircuit(main);
    for (const s of [0n, -1n, -63n]) await witnessFailure(c.witness({ s }), "Num2Bits");
  });

  it("pins its constraint counts: K + 1 + 2 * BITS digits + 1 product", async () => {
    expect((await testCircuit(main)).constraints).to.equal(K + 1 + 2 * BITS + 1);
    // --O1 keeps the three digit sums and the two linear inputs of the remainder's range checks.
    expect((await testCircuit(main, "O1")).constraints).to.equal(K + 1 + 2 * BITS + 1 + 3 + 2);
    expect((await testCircuit(reciprocalMain(40, 32))).constraints).to.equal(41 + 64 + 1);
  });

  for (const opt of OPTS) {
    describe(`tampered witnesses (--${opt})`, () => {
      let c: TestCircuit;
      before(async () => {
        c = await testCircuit(main, opt);
      });

      it("the forger reproduces the honest witness for the true quotient (control)", async () => {
        for (const s of [1n, 2n, 3n, 31n, 32n, 63n]) {
          const w = await c.witness({ s });
          for (const how of HOWS) expect(forge(c, w, s, recip(s), how, true)).to.deep.equal(w);
        }
      });

      it("rejects out + 1 (r < 0) and out - 1 (r >= s) with r recomputed, for every s", async () => {
        for (let s = 1n; s < 1n << BigInt(BITS); s++) {
          const w = await c.witness({ s });
          for (const q of [recip(s) + 1n, recip(s) - 1n]) {
            for (const how of HOWS) {
              expect(c.check(forge(c, w, s, q, how)).ok, `s = ${s}, claim ${q}, ${how}`).to.equal(false);
            }
          }
        }
      });

      it("rejects the field solution out = (2^K - r') / s mod P: only out's range check stops it", async () => {
        for (const s of [3n, 7n, 10n, 63n]) {
          const w = await c.witness({ s });
          const trueR = (1n << BigInt(K)) % s;
          for (const r of [0n, 1n, s - 1n].filter((x) => x !== trueR)) {
            const inv = modPow(s, c.prime - 2n, c.prime);
            const q = mod(((1n << BigInt(K)) - r) * inv, c.prime);
            for (const how of HOWS) {
              const bad = forge(c, w, s, q, how);
              expect(c.check(bad).ok, `s = ${s}, r' = ${r}, ${how}`).to.equal(false);
            }
            // With digit 0 absorbing out's excess, its booleanity is the one constraint broken: r and
            // s - 1 - r are in range and the product holds.
            expect(violations(c, forge(c, w, s, q, "nonBooleanDigit")), `s = ${s}, r' = ${r}`).to.equal(1);
          }
        }
      });
    });
  }
});

function modPow(b: bigint, e: bigint, m: bigint): bigint {
  let result = 1n;
  b = mod(b, m);
  for (; e > 0n; e >>= 1n, b = (b * b) % m) if (e & 1n) result = (result * b) % m;
  return result;
}

describe("circuits: InvSqrt", () => {
  const [R, BITS] = [8, 10];
  const G = invSqrtWidth(R, BITS);
  const main = invSqrtMain(R, BITS);
  const four = 1n << BigInt(2 * R);

  /**
   * A complete witness claiming out = q for w: out's digits, sq = q^2, sqw = q^2 w,
   * lin = (2q + 1) w, lo = 2^(2R) - sqw and hi = sqw + lin - 2^(2R) - 1, each range decomposed
   * (see forgeDigits). Fed the true value, it is the honest witness.
   */
  function forge(c: TestCircuit, wit: bigint[], w: bigint, q: bigint, how: Forgery, honest = false) {
    const sqw = q * q * w;
    const lin = (2n * q + 1n) * w;
    const lo = four - sqw;
    const hi = sqw + lin - four - 1n;
    return c.tamper(
      wit,
      {
        "main.w": w,
        "main.out": q,
        "main.outDigits.in": q,
        "main.outDigits.out": forgeDigits(q, R + 1, how),
        "main.sq": q * q,
        "main.sqw": sqw,
        "main.lin": lin,
        "main.loDigits.in": lo,
        "main.loDigits.out": forgeDigits(lo, G, how),
        "main.hiDigits.in": hi,
        "main.hiDigits.out": forgeDigits(hi, G, how),
      },
      { skipEliminated: true, allowUnchanged: honest },
    );
  }

  it("gives floor(2^R / sqrt(w)) for every w in [1, 2^BITS) (exhaustive)", async () => {
    const c = await testCircuit(main);
    for (let w = 1n; w < 1n << BigInt(BITS); w++) {
      const wit = await c.witness({ w });
      const q = invSqrt(R, w);
      expect(c.signal(wit, "main.out"), `w = ${w}`).to.equal(q);
      expect(q * q * w <= four && (q + 1n) * (q + 1n) * w > four).to.equal(true);
      expect(c.check(wit).ok).to.equal(true);
    }
  });

  it("gives floor(2^R / sqrt(w)) at wide parameters (R = 16, BITS = 40) on edge and random w", async () => {
    const c = await testCircuit(invSqrtMain(16, 40));
    const r = rng(7);
    const edges = [1n, 2n, 3n, 4n, 1n << 32n, (1n << 32n) + 1n, (1n << 32n) - 1n, (1n << 40n) - 1n];
    for (const w of [...edges, ...Array.from({ length: 20 }, () => r.int(1n, (1n << 40n) - 1n))]) {
      const wit = await c.witness({ w });
      expect(c.signal(wit, "main.out"), `w = ${w}`).to.equal(invSqrt(16, w));
      expect(c.check(wit).ok).to.equal(true);
    }
  });

  it("has gaps of width G = max(R + 2 + ceil(BITS / 2), BITS + 1), tight for these parameters", () => {
    // Over every w, the largest honest lo or hi needs exactly G digits.
    let most = 0n;
    for (let w = 1n; w < 1n << BigInt(BITS); w++) {
      const q = invSqrt(R, w);
      const lo = four - q * q * w;
      const hi = (q + 1n) * (q + 1n) * w - four - 1n;
      if (lo > most) most = lo;
      if (hi > most) most = hi;
    }
    expect(G).to.equal(15);
    expect(most.toString(2).length).to.equal(G);
  });

  it("has no witness for w = 0", async () => {
    const c = await testCircuit(main);
    await witnessFailure(c.witness({ w: 0n }), "Num2Bits");
  });

  it("pins its constraint counts: R + 1 + 2 * G digits + 3 products", async () => {
    expect((await testCircuit(main)).constraints).to.equal(R + 1 + 2 * G + 3);
    // --O1 keeps the three digit sums and the linear inputs lo and hi.
    expect((await testCircuit(main, "O1")).constraints).to.equal(R + 1 + 2 * G + 3 + 3 + 2);
    expect(invSqrtWidth(16, 40)).to.equal(41);
    expect((await testCircuit(invSqrtMain(16, 40))).constraints).to.equal(17 + 2 * 41 + 3);
  });

  for (const opt of OPTS) {
    describe(`tampered witnesses (--${opt})`, () => {
      let c: TestCircuit;
      before(async () => {
        c = await testCircuit(main, opt);
      });

      it("the forger reproduces the honest witness for the true value (control)", async () => {
        for (const w of [1n, 2n, 3n, 100n, 1023n]) {
          const wit = await c.witness({ w });
          for (const how of HOWS) expect(forge(c, wit, w, invSqrt(R, w), how, true)).to.deep.equal(wit);
        }
      });

      it("rejects out + 1 (lo < 0) and out - 1 (hi < 0) with dependents recomputed, for every w", async () => {
        for (let w = 1n; w < 1n << BigInt(BITS); w++) {
          const wit = await c.witness({ w });
          for (const q of [invSqrt(R, w) + 1n, invSqrt(R, w) - 1n]) {
            for (const how of HOWS) {
              expect(c.check(forge(c, wit, w, q, how)).ok, `w = ${w}, claim ${q}, ${how}`).to.equal(false);
            }
          }
        }
      });

      it("rejects a changed product with the rest left alone", async () => {
        const wit = await c.witness({ w: 100n });
        const sqw = c.present("main.sqw") ? "main.sqw" : "main.sq";
        expect(c.check(c.tamper(wit, { [sqw]: c.signal(wit, sqw) + 1n })).ok).to.equal(false);
        expect(c.check(c.tamper(wit, { "main.out": c.signal(wit, "main.out") + 1n })).ok).to.equal(false);
      });
    });
  }
});

describe("circuits: attention templates under --inspect", () => {
  it("RowMax (N = 1, 2, 4), ExpDigits (D = 0 and 1), Reciprocal, InvSqrt: no warnings", async () => {
    const t = expTables(0);
    const t2 = expTables(2);
    const source = `pragma circom 2.1.6;
include "attention.circom";
function EI() { return [${t.ei.join(",")}]; }
function A() { return [${t.a.join(",")}]; }
function B() { return [${t.b.join(",")}]; }
function B2() { return [${t2.b.join(",")}]; }
template Every() {
    signal input x[4];
    signal input d[12];
    signal input s;
    signal input w;
    signal output o[7];
    component m4 = RowMax(4, 8);
    m4.in <== x;
    component ex = ExpDigits(8, 3, 0, 8, 10, EI(), A(), B());
    ex.d <== m4.digits[1];
    _ <== [m4.digits[0], m4.digits[2], m4.digits[3]];
    component ed = ExpDigits(12, 6, 2, 8, 10, EI(), A(), B2());
    ed.d <== d;
    component m2 = RowMax(2, 8);
    m2.in <== [x[0], x[1]];
    _ <== m2.digits;
    component m1 = RowMax(1, 8);
    m1.in <== [x[2]];
    _ <== m1.digits;
    component rc = Reciprocal(12, 8);
    rc.s <== s;
    component is = InvSqrt(8, 12);
    is.w <== w;
    o <== [m4.out, ex.out, ed.out, m2.out, m1.out, rc.out, is.out];
}
component main = Every();
`;
    const c = await compileTestCircuit(source, { inspect: true });
    expect(c.warnings).to.deep.equal([]);
  });
});
