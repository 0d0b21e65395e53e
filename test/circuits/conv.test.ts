// circuits/conv.circom: Conv2D against the integer evaluator (prover/kinds/conv.ts) for stride,
// padding, dilation, groups and depthwise kernels; linear, so one constraint per public output.
import { expect } from "chai";
import { conv } from "../../prover/kinds/conv.js";
import type { Window2D } from "../../prover/model/float-graph.js";
import type { ConvLayer } from "../../prover/quantize/quantized-model.js";
import { literal } from "../../prover/kinds/emit-context.js";
import { testCircuit } from "../helpers/test-circuit.js";
import { rng } from "../helpers/vectors.js";

interface Case {
  label: string;
  win: Window2D;
  m: number;
  group: number;
}

function convMain(c: Case, weight: number[], bias: number[]): string {
  const w = c.win;
  return [
    `pragma circom 2.1.6;`,
    `include "conv.circom";`,
    `function WT() { return ${literal(weight, [c.m, w.c / c.group, w.kh, w.kw])}; }`,
    `function B() { return ${literal(bias)}; }`,
    `component main {public [in]} = Conv2D(${w.c}, ${w.h}, ${w.w}, ${c.m}, ${w.kh}, ${w.kw}, ${c.group}, ` +
      `${w.sh}, ${w.sw}, ${w.pt}, ${w.pl}, ${w.dh}, ${w.dw}, ${w.oh}, ${w.ow}, WT(), B());`,
    ``,
  ].join("\n");
}

const base = { n: 1, sh: 1, sw: 1, pt: 0, pl: 0, dh: 1, dw: 1 };
const CASES: Case[] = [
  {
    label: "3x3 valid, 2 -> 3 channels",
    win: { ...base, c: 2, h: 5, w: 5, kh: 3, kw: 3, oh: 3, ow: 3 },
    m: 3,
    group: 1,
  },
  {
    label: "3x3 stride 2, padding 1, 1 -> 2 channels",
    win: { ...base, c: 1, h: 7, w: 5, kh: 3, kw: 3, sh: 2, sw: 2, pt: 1, pl: 1, oh: 4, ow: 3 },
    m: 2,
    group: 1,
  },
  {
    label: "3x3 dilation 2",
    win: { ...base, c: 1, h: 6, w: 6, kh: 3, kw: 3, dh: 2, dw: 2, oh: 2, ow: 2 },
    m: 2,
    group: 1,
  },
  {
    label: "groups 2 (4 -> 4 channels)",
    win: { ...base, c: 4, h: 4, w: 4, kh: 2, kw: 2, oh: 3, ow: 3 },
    m: 4,
    group: 2,
  },
  {
    label: "depthwise 3x3 padded, multiplier 2",
    win: { ...base, c: 2, h: 4, w: 4, kh: 3, kw: 3, pt: 1, pl: 1, oh: 4, ow: 4 },
    m: 4,
    group: 2,
  },
  {
    label: "1-D (h = 1), asymmetric padding",
    win: { ...base, c: 2, h: 1, w: 7, kh: 1, kw: 3, pl: 2, sw: 2, oh: 1, ow: 4 },
    m: 2,
    group: 1,
  },
];

describe("circuits: Conv2D", () => {
  for (const c of CASES) {
    it(`${c.label}: out == the evaluator (random kernel, bias and input)`, async () => {
      const r = rng(c.win.h * 100 + c.m * 10 + c.group);
      const w = c.win;
      const weight = Array.from({ length: c.m * (w.c / c.group) * w.kh * w.kw }, () => Number(r.int(-127n, 127n)));
      const bias = Array.from({ length: c.m }, () => Number(r.int(-5000n, 5000n)));
      const circuit = await testCircuit(convMain(c, weight, bias));
      const layer = { kind: "conv", win: w, m: c.m, group: c.group, weight, bias, wFrac: 0 } as unknown as ConvLayer;
      const nOut = c.m * w.oh * w.ow;
      for (let trial = 0; trial < 3; trial++) {
        const x = Array.from({ length: w.c * w.h * w.w }, () => Number(r.int(-255n, 255n)));
        const wit = await circuit.witness({ in: x });
        const expected = Array.from(conv.evalInt(layer, [Float64Array.from(x)], 0), (v) => BigInt(v));
        expect(circuit.signals(wit, "main.out", nOut)).to.deep.equal(expected);
        expect(circuit.check(wit).ok).to.equal(true);
        // Any change of an output breaks its (linear) constraint.
        expect(circuit.check(circuit.tamper(wit, { [`main.out[${nOut - 1}]`]: expected[nOut - 1] + 1n })).ok).to.equal(
          false,
        );
      }
      // Linear only: one constraint per public output.
      expect(circuit.constraints).to.equal(nOut);
    });
  }
});
