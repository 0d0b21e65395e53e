// The assay command line, end to end: compile (with and without a user ceremony file), prove,
// verify, and one clear line plus a non-zero exit for bad input.
import { expect } from "chai";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { cacheRoot, PROJECT_ROOT } from "../../prover/artifacts.js";
import { ensureDevPtau } from "../../prover/zk/ptau-cache.js";
import { loadDigits } from "../helpers/data.js";
import { assayWith } from "../helpers/cli.js";

const tmp = mkdtempSync(path.join(os.tmpdir(), "assay-cli-"));
const env = { ...process.env, ASSAY_CACHE_DIR: cacheRoot() };

const assay = assayWith(env);

const ONNX = path.join(PROJECT_ROOT, "models/digits-mlp-64-32-10.onnx");
const CALIB = path.join(PROJECT_ROOT, "models/data/digits-8x8-calib.json");

describe("cli: assay", function () {
  let circuitId: string;
  let ptauId: string;
  const input = path.join(tmp, "input.json");
  const proofFile = path.join(tmp, "proof.json");

  before(() => writeFileSync(input, JSON.stringify(loadDigits(8, "test").xs[0])));

  it("--help explains the commands", () => {
    const r = assay("--help");
    expect(r.code).to.equal(0);
    for (const c of ["model", "prove", "verify"]) expect(r.out).to.contain(c);
    expect(assay("model", "compile", "--help").out).to.contain("--ptau <file>");
  });

  it("model compile --json: circuit id, constraints and development keys marked unsafe", () => {
    const r = assay("--json", "model", "compile", ONNX, "--calib", CALIB);
    expect(r.code, r.err).to.equal(0);
    const j = JSON.parse(r.out);
    circuitId = j.circuitId;
    ptauId = j.ptauId;
    expect(j.manifest.circuit.constraints).to.be.greaterThan(1000);
    expect(j.setup.ptau).to.include({ kind: "development", unsafeForProduction: true });
  });

  it("prove writes a proof file that verify accepts; a changed output is rejected with exit 1", () => {
    const p = assay(
      "prove",
      circuitId.slice(0, 10),
      "--ptau-id",
      ptauId,
      "--input",
      input,
      "--out",
      proofFile,
      "--binding",
      "42",
    );
    expect(p.code, p.err).to.equal(0);
    const pf = JSON.parse(readFileSync(proofFile, "utf8"));
    expect(pf.format).to.equal("assay.proof");
    expect(pf.publicSignals[2]).to.equal("42");
    expect(pf.result.label).to.equal(loadDigits(8, "test").labels[0]);
    const v = assay("verify", proofFile);
    expect(v.code, v.err).to.equal(0);
    expect(v.out).to.contain("valid proof");
    pf.publicSignals[1] = (BigInt(pf.publicSignals[1]) + 1n).toString();
    const bad = path.join(tmp, "bad.json");
    writeFileSync(bad, JSON.stringify(pf));
    const w = assay("verify", bad);
    expect(w.code).to.equal(1);
    expect(w.err.trim()).to.equal(`assay: ${bad}: the proof does not verify for model ${circuitId}`);
  });

  it("bad input: one line naming the problem, exit 1", () => {
    const short = path.join(tmp, "short.json");
    writeFileSync(short, "[1, 2, 3]");
    let r = assay("prove", circuitId, "--ptau-id", ptauId, "--input", short);
    expect(r.code).to.equal(1);
    expect(r.err).to.contain("assay: model input: expected shape [1, 64], got [3]");
    r = assay("prove", "ffffffff", "--input", input);
    expect(r.code).to.equal(1);
    expect(r.err).to.match(/^assay: unknown model "ffffffff"/m);
    writeFileSync(short, '[1, "x"]');
    r = assay("prove", circuitId, "--ptau-id", ptauId, "--input", short);
    expect(r.err).to.contain('element 1 is "x", not a finite number');
    r = assay("model", "compile", path.join(tmp, "missing.onnx"), "--calib", CALIB);
    expect(r.code).to.equal(1);
    expect(r.err).to.match(/^assay: cannot read ONNX model .*missing\.onnx: ENOENT/m);
    r = assay("model", "compile", ONNX, "--calib", CALIB, "--weight-bits", "1");
    expect(r.code).to.equal(1);
    expect(r.err).to.contain("--weight-bits must be an integer in [2, 16]");
  });

  it("--ptau uses the given ceremony file (new keys), and rejects one that is too small", async () => {
    const small = await ensureDevPtau(4, { cacheDir: cacheRoot() });
    let r = assay("model", "compile", ONNX, "--calib", CALIB, "--ptau", small);
    expect(r.code).to.equal(1);
    expect(r.err.split("\n").filter((l) => l.startsWith("assay:"))).to.have.length(1);
    expect(r.err).to.match(/assay: .*2\^4.*2\^11|assay: .*too small/i);
    const big = await ensureDevPtau(12, { cacheDir: cacheRoot() });
    r = assay("--json", "model", "compile", ONNX, "--calib", CALIB, "--ptau", big);
    expect(r.code, r.err).to.equal(0);
    const j = JSON.parse(r.out);
    expect(j.setup.ptau.kind).to.equal("file");
    // The file given is the development ceremony under another name: still unsafe, and said so.
    expect(j.setup.ptau.unsafeForProduction).to.equal(true);
    expect(j.setup.provenance.development).to.equal(true);
    expect(j.ptauId).to.match(/^ptau-[0-9a-f]{16}$/);
    const p = assay("prove", circuitId, "--ptau-id", j.ptauId, "--input", input, "--out", path.join(tmp, "p2.json"));
    expect(p.code, p.err).to.equal(0);
    expect(assay("verify", path.join(tmp, "p2.json")).code).to.equal(0);
  });
});
