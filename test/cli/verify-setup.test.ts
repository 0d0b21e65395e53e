// assay model verify-setup: a small compiled model's keys verify against its r1cs and powers of
// tau (snarkjs zkey verify), with their provenance printed; one changed byte in the zkey makes
// it fail with one line and exit 1.
import { expect } from "chai";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { artifactPath, cacheRoot } from "../../prover/artifacts.js";
import { type CompiledModel, compileModel } from "../../prover/compile-model.js";
import { releaseCurve } from "../../prover/zk/groth16.js";
import { setupProvenance } from "../../prover/zk/setup-provenance.js";
import { verifyingKeyId } from "../../prover/zk/vkey-encoding.js";
import { assayWith } from "../helpers/cli.js";
import { buildModel, randomFloats } from "../helpers/onnx-builder.js";

/** A 4 -> 2 Gemm: the smallest model circuit, set up in seconds. */
function tinyModel(): Promise<CompiledModel> {
  return compileModel({
    onnx: buildModel({
      input: { name: "x", dims: [1, 4] },
      output: { name: "y", dims: [1, 2] },
      nodes: [{ op: "Gemm", inputs: ["x", "W", "b"], outputs: ["y"], attrs: { transB: 1 } }],
      initializers: { W: { dims: [2, 4], data: randomFloats(8, 3) }, b: { dims: [2], data: randomFloats(2, 5) } },
    }),
    calibration: Array.from({ length: 4 }, (_, i) => randomFloats(4, 40 + i)),
  });
}

describe("cli: assay model verify-setup", function () {
  let model: CompiledModel;
  const tmp = mkdtempSync(path.join(os.tmpdir(), "assay-verify-setup-"));

  before(async () => {
    model = await tinyModel();
  });
  after(async () => {
    await releaseCurve();
    rmSync(tmp, { recursive: true, force: true });
  });

  it("verifies the model's keys and prints their provenance (--json)", async () => {
    const assay = assayWith({ ...process.env, ASSAY_CACHE_DIR: cacheRoot() });
    const r = assay("--json", "model", "verify-setup", model.ref.circuitId.slice(0, 12));
    expect(r.code, r.err).to.equal(0);
    const j = JSON.parse(r.out);
    expect(j).to.include({ ok: true, circuitId: model.ref.circuitId, ptauId: model.ref.ptauId });
    expect(j.checks.map((c: { name: string; ok: boolean }) => `${c.name}:${c.ok}`)).to.deep.equal([
      "zkey:true",
      "verifying-key:true",
      "recorded-zkey:true",
    ]);
    expect(j.keyId).to.equal(verifyingKeyId(model.vkey!));
    expect(j.provenance).to.include({ ...(await setupProvenance(model)), development: true });
    expect(j.provenance.phase2Contributions).to.have.length(1);
  });

  it("one changed byte in the zkey: exit 1 with one line naming what does not match", () => {
    // A copy of the model's artifacts in a cache of its own, so the shared cache stays intact.
    const cache = path.join(tmp, "cache");
    cpSync(artifactPath({ circuitId: model.ref.circuitId }, "dir"), path.join(cache, "circuits", model.ref.circuitId), {
      recursive: true,
    });
    const assay = assayWith({ ...process.env, ASSAY_CACHE_DIR: cache });
    const zkey = path.join(cache, "circuits", model.ref.circuitId, model.ref.ptauId!, "circuit.zkey");
    const bytes = readFileSync(zkey);
    bytes[Math.floor(bytes.length / 2)] ^= 0x01;
    writeFileSync(zkey, bytes);
    const r = assay("model", "verify-setup", model.ref.circuitId);
    expect(r.code).to.equal(1);
    expect(r.out).to.match(/✗ zkey +the zkey does not match/);
    expect(r.out).to.match(/setup +DEVELOPMENT: every powers-of-tau contribution is a public beacon/);
    expect(r.out.trim().split("\n").at(-1)).to.equal("NOT VERIFIED");
    const lines = r.err.split("\n").filter((l) => l.startsWith("assay:"));
    expect(lines, r.err).to.have.length(1);
    expect(lines[0]).to.match(
      new RegExp(`^assay: setup of model ${model.ref.circuitId} does not verify: the zkey does not match .+`),
    );
  });
});
