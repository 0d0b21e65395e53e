// Attack: pass off a real proof with its public signals edited so that an off-chain verifier
// (`assay verify`, `assay audit`, anyone calling verifyInference) reports a claim that was never
// proved. snarkjs checks only as many signals as it is given, so a proof of [c, o, 0] also
// verifies as [c, o]: a claim with no binding at all. (An appended signal makes snarkjs throw a
// TypeError, a value >= r makes it say false.) Defence: verifyInference takes exactly the
// circuit's signals, each a field element, and says which rule an edited file breaks. Nobody's
// stake moves off-chain; what is at stake is the auditor's trust (the chain checks the same
// bounds in Groth16Verifier: test/contracts/groth16-verifier.test.ts).
import { expect } from "chai";
import { type CompiledModel, compileModel } from "../../prover/compile-model.js";
import { InputError } from "../../prover/errors.js";
import { FIELD_MODULUS } from "../../prover/field.js";
import { type ProvenInference, proveInference, verifyInference } from "../../prover/prove-inference.js";
import { groth16Verify, releaseCurve } from "../../prover/zk/groth16.js";
import { loadDigits, modelPath } from "../helpers/data.js";
import { expectRejection } from "../helpers/reject.js";

describe("attack: a real proof with edited public signals", function () {
  let model: CompiledModel;
  let proven: ProvenInference;

  before(async function () {
    const calib = loadDigits(8, "calib");
    model = await compileModel({ onnx: modelPath("digits-mlp-64-32-10"), calibration: calib.xs });
    proven = await proveInference(model, calib.xs[0], { binding: 0n });
  });
  after(releaseCurve);

  it("the untouched proof verifies", async function () {
    expect(await verifyInference(model, proven.publicSignals, proven.proof)).to.equal(true);
  });

  it("a dropped zero signal, an appended signal or a non-canonical value is refused", async function () {
    const [c, o, b] = proven.publicSignals;
    expect(b).to.equal(0n);
    // The attack is real: snarkjs alone accepts the proof without its binding.
    expect(await groth16Verify(model.vkey!, [c, o], proven.proof)).to.equal(true);
    const edits: [string, bigint[]][] = [
      ["dropped binding", [c, o]],
      ["appended signal", [c, o, b, 12345n]],
      ["commitment + r", [c + FIELD_MODULUS, o, b]],
    ];
    for (const [what, signals] of edits) {
      const e = await expectRejection(verifyInference(model, signals, proven.proof), InputError);
      expect(e.message, what).to.match(/public signals|not a field element/);
    }
  });
});
