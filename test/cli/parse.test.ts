// The CLI's value parsers (prover/cli/parse.ts) and the input / sample file layouts
// (prover/data/samples.ts): amounts with units, addresses with checksums, nested and shaped arrays.
import { expect } from "chai";
import { getAddress, parseEther, parseUnits } from "ethers";
import { addressOption, amountOption, formatAmount, parseAmount } from "../../prover/cli/parse.js";
import { parseInput, parseSamples } from "../../prover/data/samples.js";

/** The message of what `f` throws (the test fails when it throws nothing). */
function thrown(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  return expect.fail("expected an error");
}

describe("cli: amounts (one convention: wei, or a decimal with a unit)", () => {
  it("plain integers are wei; eth, ether and gwei scale exactly", () => {
    expect(parseAmount("--x", "1000")).to.equal(1000n);
    expect(parseAmount("--x", "0.5eth")).to.equal(parseEther("0.5"));
    expect(parseAmount("--x", "2ETH")).to.equal(parseEther("2"));
    expect(parseAmount("--x", "1.25 ether")).to.equal(parseEther("1.25"));
    expect(parseAmount("--x", "12gwei")).to.equal(parseUnits("12", 9));
    expect(parseAmount("--x", "0.000000001gwei")).to.equal(1n);
    expect(parseAmount("--x", "7wei")).to.equal(7n);
    expect(parseAmount("--x", "1_000_000gwei")).to.equal(parseUnits("1000000", 9));
    expect(parseAmount("--x", "0.100000000000000000eth")).to.equal(parseEther("0.1"));
    expect(parseAmount("--x", (2n ** 256n - 1n).toString())).to.equal(2n ** 256n - 1n);
    expect(formatAmount(parseEther("1.5"))).to.equal("1.5 ETH");
    expect(formatAmount(1n)).to.equal("0.000000000000000001 ETH");
    expect(formatAmount(0n)).to.equal("0 ETH");
  });

  it("each bad amount fails naming the option and why", () => {
    const bad = amountOption("--min-stake");
    expect(thrown(() => bad("abc"))).to.equal(
      "--min-stake must be an amount (wei, or with a unit: 0.5eth, 12gwei): " +
        'not a number with an optional unit, got "abc"',
    );
    expect(thrown(() => bad("0.5"))).to.match(/^--min-stake .*a plain number is wei and has no fraction/);
    expect(thrown(() => bad("1btc"))).to.match(/unknown unit "btc" \(units: wei, gwei, eth\), got "1btc"$/);
    expect(thrown(() => bad("-1eth"))).to.contain("not a number with an optional unit");
    expect(thrown(() => bad("0.0000000000000000001eth"))).to.contain("below 1 wei (at most 18 decimals in eth)");
    expect(thrown(() => bad("1.5wei"))).to.contain("below 1 wei (at most 0 decimals in wei)");
    expect(thrown(() => bad(`${2n ** 256n}`))).to.contain("does not fit uint256");
  });
});

describe("cli: addresses", () => {
  const a = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
  it("lower, upper and correctly checksummed addresses are accepted and checksummed", () => {
    const opt = addressOption("--consumer");
    for (const v of [a, a.toLowerCase(), `0x${a.slice(2).toUpperCase()}`]) expect(opt(v)).to.equal(getAddress(a));
  });
  it("a mixed-case address with a wrong checksum, or not 20 bytes, is refused naming the option", () => {
    const opt = addressOption("--consumer");
    const typo = a.replace("C51812dc", "C51812DC");
    expect(thrown(() => opt(typo))).to.equal(`--consumer ${typo} has a bad checksum (did you mean ${a}?)`);
    expect(thrown(() => opt("0x1234"))).to.equal('--consumer must be an address (0x + 40 hex digits), got "0x1234"');
  });
});

describe("cli: input files and sample sets in the model's own shape", () => {
  const flat = Array.from({ length: 64 }, (_, i) => i / 64);
  const asImage = (x: number[]) => [[Array.from({ length: 8 }, (_, r) => x.slice(8 * r, 8 * r + 8))]];

  it("an input is a flat or nested array, { input } or { shape, data }", () => {
    expect(parseInput(flat, "x.json")).to.deep.equal(flat);
    expect(parseInput(asImage(flat), "x.json")).to.deep.equal(flat);
    expect(parseInput({ input: asImage(flat) }, "x.json")).to.deep.equal(flat);
    expect(parseInput({ shape: [1, 1, 8, 8], data: flat }, "x.json")).to.deep.equal(flat);
    expect(parseInput({ shape: [1, 1, 8, 8], data: asImage(flat) }, "x.json")).to.deep.equal(flat);
  });

  it("a ragged or non-numeric input is refused naming the element", () => {
    const ragged = asImage(flat);
    ragged[0][0][3] = ragged[0][0][3].slice(1);
    expect(thrown(() => parseInput(ragged, "x.json"))).to.equal(
      "x.json: element [0][0][3] is 7 elements; expected 8 elements like the first (the array must be rectangular)",
    );
    expect(
      thrown(() =>
        parseInput(
          [
            [1, 2],
            [3, "4"],
          ],
          "x.json",
        ),
      ),
    ).to.equal('x.json: element [1][1] is "4", not a finite number');
    expect(thrown(() => parseInput({ shape: [2, 3], data: [1, 2] }, "x.json"))).to.equal(
      "x.json: shape [2, 3] needs 6 numbers, found 2",
    );
    expect(thrown(() => parseInput({ shape: [1, 1, 8, 8], data: [flat] }, "x.json"))).to.equal(
      'x.json: "data" is nested as [1, 64], "shape" says [1, 1, 8, 8]',
    );
    expect(thrown(() => parseInput({ values: [] }, "x.json"))).to.contain("expected a JSON array of numbers");
  });

  it("sample sets: rows found from the model's input shape, in every layout", () => {
    const rows = [flat, flat.map((v) => 1 - v), flat.map((v) => v / 2)];
    const want = { xs: rows };
    const shape = [1, 1, 8, 8];
    expect(parseSamples({ shape: [3, 64], data: rows.flat() }, "c.json", shape)).to.deep.equal(want);
    expect(parseSamples(rows, "c.json", shape)).to.deep.equal(want);
    expect(parseSamples(rows.map(asImage), "c.json", shape)).to.deep.equal(want);
    expect(parseSamples(rows.flat(), "c.json", shape)).to.deep.equal(want);
    expect(parseSamples({ data: rows.map((r) => asImage(r)[0]), labels: [1, 2, 3] }, "c.json", shape)).to.deep.equal({
      xs: rows,
      labels: [1, 2, 3],
    });
    expect(parseSamples({ shape: [3, 1, 8, 8], data: rows.flat() }, "c.json", [1, 64])).to.deep.equal(want);
  });

  it("sample sets that do not hold whole inputs of the model are refused with the shapes", () => {
    const shape = [1, 64];
    expect(thrown(() => parseSamples(flat.slice(0, 60), "c.json", shape))).to.equal(
      "c.json: 60 numbers are not whole inputs of the model's input [1, 64] (64 numbers)",
    );
    const rows = Array.from({ length: 4 }, () => flat.slice(0, 48));
    expect(thrown(() => parseSamples(rows, "c.json", shape))).to.equal(
      "c.json: an array shaped [4, 48] does not hold rows of the model's input [1, 64] (64 numbers): " +
        "its last dimensions must multiply to the input's element count",
    );
    expect(thrown(() => parseSamples({ data: [flat], labels: [1, 2] }, "c.json", shape))).to.equal(
      'c.json: "labels" must be 1 integers, one per sample',
    );
    expect(thrown(() => parseSamples({ shape: "3x64", data: flat }, "c.json", shape))).to.contain(
      '"shape" must be an array of positive integers',
    );
    expect(thrown(() => parseSamples([], "c.json", shape))).to.equal("c.json: no samples");
  });
});
