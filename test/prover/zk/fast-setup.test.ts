// prover/zk fast-setup: Groth16 keys computed from a development ceremony's public secrets.
// Without a contribution the file is byte for byte snarkjs `zkey new`'s (ceremony of the
// circuit's own power, whose top Lagrange level lacks its last power, and a larger one); with one,
// `snarkjs zkey verify` accepts it and snarkjs proves and verifies with it. A real ceremony has no
// known secrets; a development file whose points were changed is refused or set up by snarkjs.
import { expect } from "chai";
import { mkdtemp, open, readFile, rm, copyFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as snarkjs from "snarkjs";
import { readZkeyContributions } from "../../../prover/zk/ceremony-record.js";
import { generateDevPtau } from "../../../prover/zk/dev-ptau.js";
import { CeremonyMismatchError, ceremonySecrets, fastGroth16Setup } from "../../../prover/zk/fast-setup.js";
import { groth16Setup, groth16Verify, releaseCurve } from "../../../prover/zk/groth16.js";
import { PtauSection, readPtauInfo } from "../../../prover/zk/ptau-file.js";
import { expectRejection } from "../../helpers/reject.js";
import { compileTestCircuit } from "../../helpers/test-circuit.js";

// Public inputs and outputs, products, a wire only in C, a wire only in linear constraints.
const CIRCUIT = `pragma circom 2.1.0;
template Mix(n) {
  signal input x[n];
  signal input k;
  signal output y;
  signal output z;
  signal p[n];
  signal acc[n + 1];
  acc[0] <== k;
  for (var i = 0; i < n; i++) {
    p[i] <== x[i] * x[i] + 3 * k;
    acc[i + 1] <== acc[i] * p[i];
  }
  y <== acc[n] - 7 * x[0];
  z <== x[1] * k + p[0];
}
component main {public [k]} = Mix(3);
`;
const INPUT = { x: ["2", "5", "11"], k: "3" };

const silent = { info() {}, debug() {}, warn() {}, error() {} };

describe("prover/zk: fast Groth16 setup from a development ceremony", function () {
  let dir: string;
  let r1cs: string;
  let wasm: string;
  let power: number;
  let exact: string; // dev ceremony of the circuit's own power
  let larger: string; // dev ceremony one power larger

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "assay-fast-setup-"));
    const c = await compileTestCircuit(CIRCUIT);
    r1cs = c.r1cs;
    wasm = c.wasm;
    const info = (await snarkjs.r1cs.info(r1cs, undefined)) as {
      nConstraints: number;
      nOutputs: number;
      nPubInputs: number;
    };
    power = Math.floor(Math.log2(info.nConstraints + info.nOutputs + info.nPubInputs)) + 1;
    exact = join(dir, "exact.ptau");
    larger = join(dir, "larger.ptau");
    await generateDevPtau({ power, outFile: exact, threads: 2 });
    await generateDevPtau({ power: power + 1, outFile: larger, threads: 2 });
  });

  after(async () => {
    await releaseCurve();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  for (const which of ["exact", "larger"] as const) {
    it(`without a contribution, writes snarkjs zkey new's file byte for byte (${which} ceremony)`, async () => {
      const ptau = which === "exact" ? exact : larger;
      const theirs = join(dir, `theirs-${which}.zkey`);
      const mine = join(dir, `mine-${which}.zkey`);
      await snarkjs.zKey.newZKey(r1cs, ptau, theirs, silent);
      const secrets = await ceremonySecrets(ptau);
      expect(secrets, "development ceremony secrets").to.not.equal(undefined);
      const res = await fastGroth16Setup({ r1cs, ptau, zkey: mine, secrets: secrets!, contribute: false, threads: 2 });
      expect(res.contributionHash).to.equal(undefined);
      const [a, b] = [await readFile(mine), await readFile(theirs)];
      expect(a.length).to.equal(b.length);
      expect(Buffer.compare(a, b), "zkey bytes").to.equal(0);
    });
  }

  it("with a contribution: snarkjs zkey verify accepts the key, and proofs made with it verify", async () => {
    const zkey = join(dir, "contributed.zkey");
    const res = await groth16Setup({ r1cs, ptau: exact, zkey, contributor: "fast test" });
    expect(res.engine).to.equal("fixed-base");
    expect(res.contributionHash).to.match(/^[0-9a-f]{128}$/);
    expect(await snarkjs.zKey.verifyFromR1cs(r1cs, exact, zkey, silent)).to.equal(true);
    expect(await readZkeyContributions(zkey)).to.deep.equal([{ kind: "secret", name: "fast test" }]);
    const { proof, publicSignals } = await snarkjs.groth16.fullProve(INPUT, wasm, zkey);
    const signals = (publicSignals as string[]).map(BigInt);
    expect(await groth16Verify(res.vkey, signals, proof)).to.equal(true);
    const forged = [...signals];
    forged[0] += 1n;
    expect(await groth16Verify(res.vkey, forged, proof)).to.equal(false);
    // A fresh delta every time: a second setup's key differs and its proofs do not pass the first's.
    const again = await groth16Setup({ r1cs, ptau: exact, zkey: join(dir, "again.zkey") });
    expect(again.vkey.vk_delta_2).to.not.deep.equal(res.vkey.vk_delta_2);
    const other = await snarkjs.groth16.fullProve(INPUT, wasm, join(dir, "again.zkey"));
    expect(await groth16Verify(res.vkey, signals, other.proof)).to.equal(false);
  });

  it("a ceremony with a secret contribution has no known secrets and is set up by snarkjs", async () => {
    const curve: unknown = await snarkjs.curves.getCurveFromName("bn128");
    const blank = join(dir, "blank.ptau");
    const c1 = join(dir, "c1.ptau");
    const real = join(dir, "real.ptau");
    await snarkjs.powersOfTau.newAccumulator(curve, power, blank);
    await snarkjs.powersOfTau.contribute(blank, c1, "alice", "entropy of alice");
    await snarkjs.powersOfTau.preparePhase2(c1, real);
    expect(await ceremonySecrets(real)).to.equal(undefined);
    const res = await groth16Setup({ r1cs, ptau: real, zkey: join(dir, "real.zkey") });
    expect(res.engine).to.equal("snarkjs");
    const { proof, publicSignals } = await snarkjs.groth16.fullProve(INPUT, wasm, join(dir, "real.zkey"));
    expect(await groth16Verify(res.vkey, (publicSignals as string[]).map(BigInt), proof)).to.equal(true);
  });

  it("a changed development file: a changed tauG1 gives no secrets, a changed Lagrange point is caught", async () => {
    const info = await readPtauInfo(exact);
    const flip = async (file: string, section: number, index: number) => {
      await copyFile(exact, file);
      const fh = await open(file, "r+");
      const at = info.sections.get(section)!.offset + index * 64 + 5;
      const b = new Uint8Array(1);
      await fh.read(b, 0, 1, at);
      b[0] ^= 1;
      await fh.write(b, 0, 1, at);
      await fh.close();
    };
    const badTau = join(dir, "bad-tau.ptau");
    await flip(badTau, PtauSection.tauG1, 1);
    expect(await ceremonySecrets(badTau)).to.equal(undefined);

    const badLagrange = join(dir, "bad-lagrange.ptau");
    const n = 2 ** power;
    await flip(badLagrange, PtauSection.lagrangeTauG1, n - 1); // L_0 of the circuit's level
    const secrets = await ceremonySecrets(badLagrange);
    expect(secrets).to.not.equal(undefined);
    await expectRejection(
      fastGroth16Setup({ r1cs, ptau: badLagrange, zkey: join(dir, "bad.zkey"), secrets: secrets! }),
      CeremonyMismatchError,
      /L_0 differs/,
    );
  });
});
