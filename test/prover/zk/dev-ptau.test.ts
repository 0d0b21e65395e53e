// prover/zk dev-ptau: the development powers of tau equal snarkjs's own ceremony, pass its
// verifier, and serve a Groth16 setup; the ptau cache and the checks on user-supplied files.
import { expect } from "chai";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as snarkjs from "snarkjs";
import { buildBn128 } from "ffjavascript";
import {
  DEV_PTAU_CONTRIBUTION_NAME,
  devPtauBeacon,
  devPtauSecrets,
  generateDevPtau,
} from "../../../prover/zk/dev-ptau.js";
import { bestWindowBits, FixedBasePool } from "../../../prover/zk/fixed-base-pool.js";
import { devPtauPath, ensureDevPtau } from "../../../prover/zk/ptau-cache.js";
import {
  PtauFileError,
  PtauNotPreparedError,
  PtauPowerError,
  PtauTooSmallError,
} from "../../../prover/zk/ptau-errors.js";
import { readPtauInfo } from "../../../prover/zk/ptau-file.js";
import {
  BN254_R,
  lagrangeScalars,
  modR,
  powMod,
  rootOfUnity,
  scalarsToBytes,
} from "../../../prover/zk/ptau-scalars.js";
import { groth16PtauPower, resolvePtau } from "../../../prover/zk/resolve-ptau.js";
import { expectRejection } from "../../helpers/reject.js";
import { compileTestCircuit } from "../../helpers/test-circuit.js";

const POWER = 4;

describe("dev-ptau: development powers of tau", function () {
  let dir: string;
  let mine: string;
  let reference: string; // snarkjs new + beacon + prepare phase2
  let unprepared: string; // snarkjs new + beacon

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "assay-dev-ptau-test-"));
    mine = join(dir, "mine.ptau");
    reference = join(dir, "reference.ptau");
    unprepared = join(dir, "beacon.ptau");
    // Small jobs (5 points) so that chunk boundaries fall inside every section and level.
    await generateDevPtau({ power: POWER, outFile: mine, threads: 2, batch: 5 });

    const curve: unknown = await snarkjs.curves.getCurveFromName("bn128");
    const blank = join(dir, "blank.ptau");
    await snarkjs.powersOfTau.newAccumulator(curve, POWER, blank);
    const beaconHex = Buffer.from(devPtauBeacon({})).toString("hex");
    await snarkjs.powersOfTau.beacon(blank, unprepared, DEV_PTAU_CONTRIBUTION_NAME, beaconHex, 10);
    await snarkjs.powersOfTau.preparePhase2(unprepared, reference);
  });

  after(async () => {
    await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  describe("scalars", () => {
    it("uses the BN254 group order and ffjavascript's roots of unity", async () => {
      const c = await buildBn128(true);
      expect(BN254_R).to.equal(BigInt(c.r));
      for (const p of [0, 1, 5, 17, 28]) expect(rootOfUnity(p)).to.equal(BigInt(c.Fr.toObject(c.Fr.w[p])));
      expect(powMod(rootOfUnity(28), 1n << 27n)).to.equal(BN254_R - 1n);
    });

    it("Lagrange values sum to 1 and interpolate the powers of tau", () => {
      const tau = 123456789123456789n;
      for (const p of [0, 1, 3, 6]) {
        const n = 2 ** p;
        const l = lagrangeScalars(tau, { p, start: 0, count: n, multiplier: 1n });
        expect(l.reduce((a, b) => modR(a + b))).to.equal(1n);
        // sum_j L_j(tau) * w^(j*k) = tau^k for k < n
        const w = rootOfUnity(p);
        const k = BigInt(n - 1);
        expect(l.reduce((acc, lj, j) => modR(acc + lj * powMod(w, BigInt(j) * k)), 0n)).to.equal(powMod(tau, k));
        // a chunk of a range equals the same slice of the full range
        if (n >= 4)
          expect(lagrangeScalars(tau, { p, start: 2, count: 2, multiplier: 7n })).to.deep.equal(
            l.slice(2, 4).map((x) => modR(7n * x)),
          );
      }
      // the top tauG1 level leaves tau^(n-1) out
      const p = 3;
      const n = 8;
      const full = lagrangeScalars(tau, { p, start: 0, count: n, multiplier: 1n });
      const top = lagrangeScalars(tau, { p, start: 0, count: n, multiplier: 1n, withoutTopPower: true });
      const w = rootOfUnity(p);
      const interp = (ls: bigint[], k: bigint) =>
        ls.reduce((acc, lj, j) => modR(acc + lj * powMod(w, BigInt(j) * k)), 0n);
      expect(interp(top, 5n)).to.equal(interp(full, 5n));
      expect(interp(top, BigInt(n - 1))).to.equal(0n);
    });

    it("fixed-base workers agree with ffjavascript's scalar multiplication, edge scalars included", async () => {
      const c = await buildBn128(true);
      const scalars = [
        0n,
        1n,
        2n,
        BN254_R - 1n,
        (1n << 253n) + 12345n,
        0x1234567890abcdef1234567890abcdefn,
        BN254_R / 3n,
      ];
      const pool = await FixedBasePool.create({ threads: 2, expectedPoints: { G1: 100, G2: 100 } });
      try {
        for (const group of ["G1", "G2"] as const) {
          const G = c[group];
          const size = group === "G1" ? 64 : 128;
          const got = await pool.multiply(group, scalarsToBytes(scalars));
          scalars.forEach((s, i) => {
            const want = new Uint8Array(size);
            G.toRprLEM(want, 0, G.timesScalar(G.g, s));
            expect(Buffer.from(got.subarray(i * size, (i + 1) * size)).equals(want), `${group} * ${s}`).to.equal(true);
          });
        }
        await expectRejection(pool.multiply("G1", new Uint8Array(32 * 4097)), RangeError);
      } finally {
        await pool.close();
      }
    });

    it("picks wider fixed-base windows for more points", () => {
      expect(bestWindowBits(16)).to.be.lessThan(bestWindowBits(100_000));
      expect(bestWindowBits(10_000_000)).to.equal(14);
    });
  });

  describe("file", () => {
    it("equals the snarkjs new + beacon + prepare phase2 ceremony, section by section", async () => {
      const [a, b] = await Promise.all([readFile(mine), readFile(reference)]);
      const [ia, ib] = await Promise.all([readPtauInfo(mine), readPtauInfo(reference)]);
      expect([...ia.sections.keys()]).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 12, 13, 14, 15]);
      expect([...ib.sections.keys()]).to.deep.equal([...ia.sections.keys()]);
      for (const [id, s] of ib.sections) {
        const m = ia.sections.get(id)!;
        const same =
          Buffer.compare(a.subarray(m.offset, m.offset + m.size), b.subarray(s.offset, s.offset + s.size)) === 0;
        expect(same, `section ${id}`).to.equal(true);
      }
      expect(a.equals(b)).to.equal(true);
    });

    it("passes snarkjs powersoftau verify", async () => {
      expect(await snarkjs.powersOfTau.verify(mine)).to.equal(true);
    });

    it("is named UNSAFE FOR PRODUCTION and its secret is derivable from the public beacon", async () => {
      const info = await readPtauInfo(mine);
      const bytes = await readFile(mine);
      const s7 = info.sections.get(7)!;
      expect(bytes.subarray(s7.offset, s7.offset + s7.size).toString("latin1")).to.contain("UNSAFE FOR PRODUCTION");
      const { tau, beta } = await devPtauSecrets();
      const c = await buildBn128(true);
      const tauG1 = new Uint8Array(64);
      c.G1.toRprLEM(tauG1, 0, c.G1.timesScalar(c.G1.g, tau));
      const s2 = info.sections.get(2)!;
      expect(Buffer.from(tauG1).equals(bytes.subarray(s2.offset + 64, s2.offset + 128))).to.equal(true);
      const betaG2 = new Uint8Array(128);
      c.G2.toRprLEM(betaG2, 0, c.G2.timesScalar(c.G2.g, beta));
      const s6 = info.sections.get(6)!;
      expect(Buffer.from(betaG2).equals(bytes.subarray(s6.offset, s6.offset + 128))).to.equal(true);
    });

    it("depends on the beacon: another seed gives another ceremony", async () => {
      const other = join(dir, "other.ptau");
      const res = await generateDevPtau({ power: 2, outFile: other, seed: "another seed", batch: 1, threads: 1 });
      expect(res.beacon).to.not.equal(Buffer.from(devPtauBeacon({})).toString("hex"));
      expect(await snarkjs.powersOfTau.verify(other)).to.equal(true);
    });

    it("rejects powers it cannot produce", async () => {
      for (const power of [0, 28, 2.5]) {
        const err = await expectRejection(generateDevPtau({ power, outFile: join(dir, "never.ptau") }), PtauPowerError);
        expect(err.power).to.equal(power);
      }
      expect(await expectRejection(stat(join(dir, "never.ptau")))).to.include({ code: "ENOENT" });
    });
  });

  describe("groth16 with the development ceremony", () => {
    it("sets up, proves and verifies a circuit (and rejects a wrong public signal)", async () => {
      // circom's default simplification (--O1), as this test always compiled it.
      const mul = await compileTestCircuit(
        "pragma circom 2.0.0;\n" +
          "template Mul() { signal input x; signal input y; signal output z; z <== x * y; }\n" +
          "component main {public [x]} = Mul();\n",
        { optimize: "O1" },
      );
      expect(mul.constraints).to.equal(1);

      const cacheDir = join(dir, "cache");
      const minPower = groth16PtauPower({ constraints: mul.constraints, publicSignals: 2 });
      expect(minPower).to.equal(2);
      const ptau = await resolvePtau({ minPower, cacheDir });
      expect(ptau).to.equal(devPtauPath(minPower, { cacheDir }));

      const zkey = join(dir, "mul.zkey");
      await snarkjs.zKey.newZKey(mul.r1cs, ptau, zkey);
      const vkey = await snarkjs.zKey.exportVerificationKey(zkey);
      const { proof, publicSignals } = await snarkjs.groth16.fullProve({ x: 3, y: 11 }, mul.wasm, zkey);
      expect(publicSignals).to.deep.equal(["33", "3"]);
      expect(await snarkjs.groth16.verify(vkey, publicSignals, proof)).to.equal(true);
      expect(await snarkjs.groth16.verify(vkey, ["34", "3"], proof)).to.equal(false);
    });
  });

  describe("cache and user files", () => {
    it("caches by power under ASSAY_CACHE_DIR and reuses the file", async () => {
      const saved = process.env.ASSAY_CACHE_DIR;
      process.env.ASSAY_CACHE_DIR = join(dir, "env-cache");
      try {
        const path = devPtauPath(3);
        expect(path.startsWith(join(dir, "env-cache", "ptau"))).to.equal(true);
        let progress = 0;
        const first = await ensureDevPtau(3, { onProgress: () => progress++ });
        expect(first).to.equal(path);
        expect(progress).to.be.greaterThan(0);
        const { mtimeMs } = await stat(path);
        progress = 0;
        expect(await ensureDevPtau(3, { onProgress: () => progress++ })).to.equal(path);
        expect(progress).to.equal(0);
        expect((await stat(path)).mtimeMs).to.equal(mtimeMs);
        // a damaged cached file is replaced
        await writeFile(path, "not a ceremony");
        expect(await ensureDevPtau(3)).to.equal(path);
        expect((await readPtauInfo(path)).power).to.equal(3);
      } finally {
        if (saved === undefined) delete process.env.ASSAY_CACHE_DIR;
        else process.env.ASSAY_CACHE_DIR = saved;
      }
    });

    it("accepts a prepared user ceremony of sufficient power", async () => {
      expect(await resolvePtau({ ptau: reference, minPower: POWER })).to.equal(reference);
      expect(await resolvePtau({ ptau: reference, minPower: 1 })).to.equal(reference);
    });

    it("rejects a user ceremony that is too small", async () => {
      const err = await expectRejection(resolvePtau({ ptau: reference, minPower: POWER + 1 }), PtauTooSmallError);
      expect(err).to.include({ path: reference, power: POWER, requiredPower: POWER + 1 });
    });

    it("rejects a user ceremony that is not prepared for phase 2", async () => {
      const err = await expectRejection(resolvePtau({ ptau: unprepared, minPower: 2 }), PtauNotPreparedError);
      expect(err).to.include({ path: unprepared, power: POWER });
    });

    it("rejects files that are not BN254 ceremonies", async () => {
      const junk = join(dir, "junk.ptau");
      await writeFile(junk, "definitely not a ptau file");
      const notPtau = await expectRejection(resolvePtau({ ptau: junk, minPower: 1 }), PtauFileError);
      expect(notPtau.reason).to.match(/not a \.ptau file/);

      const truncated = join(dir, "truncated.ptau");
      await writeFile(truncated, (await readFile(reference)).subarray(0, 3000));
      const cut = await expectRejection(resolvePtau({ ptau: truncated, minPower: 1 }), PtauFileError);
      expect(cut.reason).to.match(/past the end|truncated/);

      const missing = await expectRejection(
        resolvePtau({ ptau: join(dir, "missing.ptau"), minPower: 1 }),
        PtauFileError,
      );
      expect(missing.reason).to.match(/cannot open/);
    });
  });
});
