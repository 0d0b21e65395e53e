// circuits/digits.circom: SplitDigits, the decomposition under every rescale, and what --O2 makes
// of it when its input is a long linear combination (a dense sum).
import { expect } from "chai";
import { testCircuit, witnessFailure } from "../helpers/test-circuit.js";
import { bitsOf } from "../helpers/vectors.js";

const SHIFT = 5;
const BITS = 6;
const N = SHIFT + BITS;

// `in` public so that --O2 keeps it (a model binds it through the input commitment).
const splitMain = (shift: number, bits: number) =>
  `pragma circom 2.1.6;\ninclude "digits.circom";\ncomponent main {public [in]} = SplitDigits(${shift}, ${bits});\n`;

// As the rescales use it: the input is a sum of K weighted private inputs and the top digit is
// multiplied (FloorShiftRelu's sign * magnitude).
const K = 40;
const denseMain = (template: string) => {
  const num2Bits = template.startsWith("Num2Bits");
  const digit = (i: string) => (num2Bits ? `d.out[${SHIFT} + ${i}]` : `d.high[${i}]`);
  return `pragma circom 2.1.6;
include "digits.circom";
include "bitify.circom";
template M() {
    signal input x[${K}];
    signal output out;
    var s = 0;
    for (var i = 0; i < ${K}; i++) s += x[i] * (i + 2);
    component d = ${template};
    d.in <== s + ${2 ** (N - 1)};
    var m = 0;
    for (var i = 0; i < ${BITS - 1}; i++) m += ${digit("i")} * 2 ** i;
    out <== ${digit(String(BITS - 1))} * m;
}
component main = M();
`;
};

describe("circuits: SplitDigits", function () {
  this.timeout(120_000);

  for (const opt of ["O1", "O2"] as const) {
    it(`gives the digits of every value in range, high digits as outputs (--${opt})`, async () => {
      const c = await testCircuit(splitMain(SHIFT, BITS), opt);
      for (const v of [0n, 1n, 31n, 32n, 1000n, (1n << BigInt(N)) - 2n, (1n << BigInt(N)) - 1n]) {
        const w = await c.witness({ in: v });
        expect(c.signals(w, "main.high", BITS), `in = ${v}`).to.deep.equal(bitsOf(v >> BigInt(SHIFT), BITS));
      }
    });

    it(`cannot produce a witness out of range (--${opt})`, async () => {
      const c = await testCircuit(splitMain(SHIFT, BITS), opt);
      for (const v of [1n << BigInt(N), (1n << BigInt(N)) + 5n, -1n]) {
        await witnessFailure(c.witness({ in: v }), "SplitDigits");
      }
    });

    it(`rejects a non-boolean digit that keeps the sum, low or high (--${opt})`, async () => {
      const c = await testCircuit(splitMain(SHIFT, BITS), opt);
      const v = 0b10110_01101n;
      const w = await c.witness({ in: v });
      const digits = bitsOf(v, N);
      // low[1] = 1 + 2, low[2] = 1 - 1: 2 * 2^1 = 1 * 2^2, the sum holds.
      const low = [...digits.slice(0, SHIFT)];
      low[1] += 2n;
      low[2] -= 1n;
      const lowBad = c.tamper(w, { "main.low": low }, { skipEliminated: true });
      expect(c.check(lowBad).ok).to.equal(false);
      // high[0] = 0 + 1 and low[4] = 1 - 2: 2^5 = 2 * 2^4, the sum holds.
      const high = [...digits.slice(SHIFT)];
      high[0] += 1n;
      const low2 = [...digits.slice(0, SHIFT)];
      low2[4] -= 2n;
      const highBad = c.tamper(w, { "main.high": high, "main.low": low2 }, { skipEliminated: true });
      expect(c.check(highBad).ok).to.equal(false);
    });

    it(`rejects boolean digits of another value (--${opt})`, async () => {
      const c = await testCircuit(splitMain(SHIFT, BITS), opt);
      const v = 700n;
      const w = await c.witness({ in: v });
      const other = bitsOf(v + 32n, N);
      const bad = c.tamper(
        w,
        { "main.low": other.slice(0, SHIFT), "main.high": other.slice(SHIFT) },
        { skipEliminated: true },
      );
      expect(c.check(bad).ok).to.equal(false);
    });
  }

  it("costs what Num2Bits costs: one boolean constraint per digit", async () => {
    expect((await testCircuit(splitMain(SHIFT, BITS))).constraints).to.equal(N);
    expect((await testCircuit(denseMain(`SplitDigits(${SHIFT}, ${BITS})`))).constraints).to.equal(N + 1);
    expect((await testCircuit(denseMain(`Num2Bits(${N})`))).constraints).to.equal(N + 1);
  });

  it("leaves a long input sum in two places of the r1cs after --O2, where Num2Bits leaves it in three", async () => {
    // --O2 solves the weighted-sum constraint for one digit and writes the sum wherever that digit
    // was. SplitDigits gives up a remainder digit (its booleanity: A and B); Num2Bits its top digit,
    // which the caller also multiplies.
    const longSlots = async (template: string) => {
      const { r1cs } = await testCircuit(denseMain(template));
      let n = 0;
      for (const k of r1cs.constraints) for (const lc of [k.a, k.b, k.c]) if (lc.wires.length >= K) n++;
      return n;
    };
    expect(await longSlots(`SplitDigits(${SHIFT}, ${BITS})`)).to.equal(2);
    expect(await longSlots(`Num2Bits(${N})`)).to.equal(3);
  });
});
