// The assay command line, end to end: compile (with and without a user ceremony file; calibration
// files in the model's own shape), prove (also in snarkjs's layout, which snarkjs verifies),
// verify (local keys or a key file), and one clear line plus a non-zero exit for bad input.
import { expect } from "chai";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { cacheRoot, PROJECT_ROOT } from "../../prover/artifacts.js";
import * as snarkjs from "snarkjs";
import { run as runVerify } from "../../prover/cli/actions/verify.js";
import { InputError } from "../../prover/errors.js";
import { releaseCurve } from "../../prover/zk/groth16.js";
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
  after(() => releaseCurve());

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

  it("calibration rows and inputs nested in the model's shape: the same circuit as the flat file", () => {
    const calib = loadDigits(8, "calib");
    const image = (x: number[]) => Array.from({ length: 8 }, (_, r) => x.slice(8 * r, 8 * r + 8));
    const nested = path.join(tmp, "calib-nested.json");
    writeFileSync(nested, JSON.stringify({ data: calib.xs.map(image), labels: calib.labels }));
    const j = JSON.parse(assay("--json", "model", "compile", ONNX, "--calib", nested).out);
    expect(j).to.include({ circuitId, ptauId });
    const bad = path.join(tmp, "calib-48.json");
    writeFileSync(bad, JSON.stringify(calib.xs.slice(0, 4).map((x) => x.slice(0, 48))));
    const r = assay("model", "compile", ONNX, "--calib", bad);
    expect(r.code).to.equal(1);
    expect(r.err.trim()).to.equal(
      `assay: ${bad}: an array shaped [4, 48] does not hold rows of the model's input [1, 64] (64 numbers): ` +
        "its last dimensions must multiply to the input's element count",
    );
  });

  it("prove --snarkjs writes what snarkjs verifies; verify takes a key file and snarkjs proofs", async () => {
    const nestedInput = path.join(tmp, "input-nested.json");
    const x = loadDigits(8, "test").xs[0];
    writeFileSync(nestedInput, JSON.stringify([Array.from({ length: 8 }, (_, r) => x.slice(8 * r, 8 * r + 8))]));
    const dir = path.join(tmp, "snarkjs");
    const out = path.join(tmp, "p3.json");
    const p = assay("prove", circuitId, "--ptau-id", ptauId, "--input", nestedInput, "--out", out, "--snarkjs", dir);
    expect(p.code, p.err).to.equal(0);
    const read = (f: string) => JSON.parse(readFileSync(path.join(dir, f), "utf8"));
    const [vkey, pub, proof] = [read("verification_key.json"), read("public.json"), read("proof.json")];
    expect(pub).to.deep.equal(JSON.parse(readFileSync(out, "utf8")).publicSignals);
    expect(await snarkjs.groth16.verify(vkey, pub, proof)).to.equal(true);
    expect(await snarkjs.groth16.verify(vkey, [pub[0], "1", pub[2]], proof)).to.equal(false);

    const vk = path.join(dir, "verification_key.json");
    const s = assay("verify", path.join(dir, "proof.json"), "--vkey", vk);
    expect(s.code, s.err).to.equal(0);
    expect(s.out).to.contain(`valid proof (output ${pub[1]}) against key file ${vk}`);
    const noKey = assay("verify", path.join(dir, "proof.json"));
    expect(noKey.code).to.equal(1);
    expect(noKey.err.trim()).to.equal(
      `assay: ${path.join(dir, "proof.json")} is a snarkjs proof and names no model: give --vkey or --from-chain`,
    );
    const forged = path.join(tmp, "public-forged.json");
    writeFileSync(forged, JSON.stringify([pub[0], "1", pub[2]]));
    const f = assay("verify", path.join(dir, "proof.json"), "--public", forged, "--vkey", vk);
    expect(f.code).to.equal(1);
    expect(f.err.trim()).to.equal(
      `assay: ${path.join(dir, "proof.json")}: the proof does not verify for key file ${vk}`,
    );
    // The options' mistakes, in this process (the command's own code, without a process each).
    const verify = (file: string, o: Record<string, unknown>) => () =>
      runVerify(file, o as Parameters<typeof runVerify>[1]).then(
        () => expect.fail(`verify ${file} ${JSON.stringify(o)} did not fail`),
        (e: unknown) => {
          expect(e).to.be.instanceOf(InputError);
          return (e as Error).message;
        },
      );
    const bare = path.join(tmp, "bare");
    mkdirSync(bare);
    copyFileSync(path.join(dir, "proof.json"), path.join(bare, "proof.json"));
    const keyOf2 = path.join(tmp, "vkey-2.json");
    writeFileSync(keyOf2, JSON.stringify({ ...vkey, nPublic: 2, IC: vkey.IC.slice(0, 3) }));
    const rejections: [() => Promise<string>, string][] = [
      [verify(out, { vkey: vk, fromChain: true }), "give --vkey or --from-chain, not both"],
      [verify(out, { model: `0x${"11".repeat(32)}` }), "--model applies with --from-chain"],
      [verify(out, { fromChain: true }), "--from-chain needs the registered model: --model <modelId>"],
      [verify(out, { public: forged }), `--public is for snarkjs proofs; ${out} holds its own public signals`],
      [
        verify(path.join(bare, "proof.json"), {}),
        `${path.join(bare, "proof.json")} is a snarkjs proof: give its public signals with --public <file> ` +
          `(no ${path.join(bare, "public.json")})`,
      ],
      [verify(vk, {}), `${vk}: neither an assay.proof file nor a snarkjs proof (no pi_a)`],
      [verify(out, { vkey: out }), `${out}: not a snarkjs Groth16 verification key`],
      [verify(out, { vkey: keyOf2 }), `${out}: the key has 2 public signals, the proof 3`],
    ];
    for (const [fail, message] of rejections) expect(await fail()).to.equal(message);
    const missing = assay("verify", out, "--vkey", path.join(tmp, "none.json"));
    expect(missing.err.trim()).to.equal(`assay: cannot read verification key ${path.join(tmp, "none.json")}: ENOENT`);
  });
});
