// prover/zk setup-provenance: which ceremony a model's keys came from. The development powers
// of tau makes a development setup wherever the file comes from; a ceremony with a secret
// contribution in both phases does not; beacon-only or missing phase-2 contributions do. The
// hashes are the files' SHA-256, recorded at setup and recomputed the same for older setups.
import { expect } from "chai";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as snarkjs from "snarkjs";
import { artifactPath } from "../../../prover/artifacts.js";
import { openCompiledModel } from "../../../prover/compile-model.js";
import { CeremonyFileError, readZkeyContributions } from "../../../prover/zk/ceremony-record.js";
import { DEV_PTAU_CONTRIBUTION_NAME } from "../../../prover/zk/dev-ptau.js";
import { releaseCurve } from "../../../prover/zk/groth16.js";
import {
  ceremonyProvenance,
  SETUP_FORMAT_VERSION,
  setupProvenance,
  setupProvenanceRecord,
} from "../../../prover/zk/setup-provenance.js";
import { digitsModel } from "../../node/fixtures/node.js";
import { expectRejection } from "../../helpers/reject.js";
import { compileTestCircuit } from "../../helpers/test-circuit.js";

const sha256 = async (file: string) =>
  `0x${createHash("sha256")
    .update(await readFile(file))
    .digest("hex")}`;

const TINY = `pragma circom 2.1.0;
template Product() { signal input a; signal input b; signal output c; c <== a * b; }
component main {public [a]} = Product();
`;

describe("prover/zk: setup provenance", function () {
  let dir: string;
  let realPtau: string; // snarkjs new + one contribution with fresh entropy + prepare phase2
  let r1cs: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "assay-setup-provenance-"));
    const curve: unknown = await snarkjs.curves.getCurveFromName("bn128");
    await snarkjs.powersOfTau.newAccumulator(curve, 3, join(dir, "blank.ptau"));
    await snarkjs.powersOfTau.contribute(join(dir, "blank.ptau"), join(dir, "c1.ptau"), "alice", "entropy of alice");
    realPtau = join(dir, "real.ptau");
    await snarkjs.powersOfTau.preparePhase2(join(dir, "c1.ptau"), realPtau);
    r1cs = (await compileTestCircuit(TINY)).r1cs;
  });

  after(async () => {
    await releaseCurve();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("the digits model on the development powers of tau is a development setup; hashes are the files'", async () => {
    const model = await digitsModel();
    const p = await setupProvenance(model);
    expect(p.development).to.equal(true);
    expect(p.ptauHash).to.equal(await sha256(model.setup!.ptau.path));
    expect(p.phase2Hash).to.equal(await sha256(artifactPath(model.ref, "zkey")));
    const record = await setupProvenanceRecord(model);
    expect(record.ptauContributions).to.deep.equal([{ kind: "beacon", name: DEV_PTAU_CONTRIBUTION_NAME }]);
    expect(record.phase2Contributions).to.deep.equal([{ kind: "secret", name: "assay phase-2" }]);
    expect(record.reason).to.match(/every powers-of-tau contribution is a public beacon/);
  });

  it("a setup cached before provenance (setup.json v1) gets the same values, written back as v2", async () => {
    const model = await digitsModel();
    const file = artifactPath(model.ref, "setup");
    const before = await setupProvenance(model);
    const v1 = JSON.parse(await readFile(file, "utf8"));
    delete v1.provenance;
    v1.version = 1;
    await writeFile(file, JSON.stringify(v1, null, 2));
    const reopened = await openCompiledModel(model.ref);
    expect(reopened.setup!.provenance).to.equal(undefined);
    expect(await setupProvenance(reopened)).to.deep.equal(before);
    const written = JSON.parse(await readFile(file, "utf8"));
    expect(written.version).to.equal(SETUP_FORMAT_VERSION);
    expect(written.provenance).to.include(before);
  });

  it("the development ceremony passed as a file is still development", async () => {
    const model = await digitsModel();
    const copy = join(dir, "renamed-dev.ptau");
    await writeFile(copy, await readFile(model.setup!.ptau.path));
    const p = await ceremonyProvenance({ ptau: copy, zkey: artifactPath(model.ref, "zkey") });
    expect(p.development).to.equal(true);
    expect(p.ptauHash).to.equal((await setupProvenance(model)).ptauHash);
  });

  it("a ceremony with a secret contribution in each phase is not development", async () => {
    const z0 = join(dir, "tiny-0.zkey");
    const zkey = join(dir, "tiny.zkey");
    await snarkjs.zKey.newZKey(r1cs, realPtau, z0);
    await snarkjs.zKey.contribute(z0, zkey, "bob", "entropy of bob");
    const p = await ceremonyProvenance({ ptau: realPtau, zkey });
    expect(p).to.include({ development: false, ptauHash: await sha256(realPtau), phase2Hash: await sha256(zkey) });
    expect(p.reason).to.equal(undefined);
    expect(p.ptauContributions).to.deep.equal([{ kind: "secret", name: "alice" }]);
    expect(p.phase2Contributions).to.deep.equal([{ kind: "secret", name: "bob" }]);
  });

  it("no phase-2 contribution, or only a beacon, is development even over a real ceremony", async () => {
    const bare = join(dir, "bare.zkey");
    await snarkjs.zKey.newZKey(r1cs, realPtau, bare);
    let p = await ceremonyProvenance({ ptau: realPtau, zkey: bare });
    expect(p).to.include({ development: true, reason: "phase-2 has no contribution" });
    const beacon = join(dir, "beacon.zkey");
    await snarkjs.zKey.beacon(bare, beacon, "public beacon", "0102030405", 10);
    p = await ceremonyProvenance({ ptau: realPtau, zkey: beacon });
    expect(p).to.include({ development: true, reason: "every phase-2 contribution is a public beacon" });
    expect(p.phase2Contributions).to.deep.equal([{ kind: "beacon", name: "public beacon" }]);
  });

  it("a file that is not a zkey is named in one line", async () => {
    const err = await expectRejection(readZkeyContributions(realPtau), CeremonyFileError);
    expect(err.message).to.equal(`${realPtau}: not a .zkey file (magic "ptau")`);
  });
});
