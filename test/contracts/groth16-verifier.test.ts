import { expect } from "chai";
import { network } from "hardhat";
import { concat, getBytes, getCreate2Address, hexlify, keccak256, toBeHex } from "ethers";
import {
  BASE_FIELD_MODULUS as Q,
  MAX_PUBLIC_SIGNALS,
  ProofEncodingError,
  VerifyingKeyEncodingError,
  decodeVerifyingKey,
  encodeProof,
  encodePublicSignals,
  encodeVerifyingKey,
  keyHeader,
  verifyingKeyId,
  verifyingKeyWords,
  type ProofCalldata,
} from "../../prover/zk/vkey-encoding.js";
import {
  buildFixtureCircuit,
  fixturePtau,
  fixtureWorkspace,
  proveFixture,
  releaseSnarkjs,
  removeWorkspace,
  snarkjsVerifies,
  type FixtureCircuit,
  type FixtureProof,
} from "./fixtures/groth16-fixture.js";
import { buildBn128 } from "ffjavascript";
import { isOnTwist, negateG1, offCurveG1, twistPointOutsideG2 } from "./fixtures/bn254-points.js";

const { ethers } = await network.create();

/** BN254 scalar field order, written out here so the test does not trust any module's copy. */
const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

const wordsHex = (words: readonly bigint[]): string => hexlify(concat(words.map((w) => toBeHex(w, 32))));

describe("Groth16Verifier", function () {
  let dir: string;
  let main: FixtureCircuit; // 3 public signals
  let sibling: FixtureCircuit; // same circuit, another setup: another key
  let single: FixtureCircuit; // 1 public signal
  let good: FixtureProof;
  let other: FixtureProof; // same circuit and key, other statement
  let siblingProof: FixtureProof;
  let singleProof: FixtureProof;
  let verifier: Awaited<ReturnType<typeof deploy>>;
  let mainKey: string;
  let mainId: string;
  let proof: ProofCalldata;
  let signals: bigint[];

  async function deploy() {
    return ethers.deployContract("Groth16Verifier");
  }

  before(async function () {
    dir = await fixtureWorkspace("verifier-test");
    const ptau = await fixturePtau(6);
    main = await buildFixtureCircuit(dir, ptau, 3, "0123456789abcdef");
    sibling = await buildFixtureCircuit(dir, ptau, 3, "fedcba9876543210");
    single = await buildFixtureCircuit(dir, ptau, 1);
    good = await proveFixture(main, 3n, 5n, [7n, 11n]);
    other = await proveFixture(main, 2n, 9n, [4n, 6n]);
    siblingProof = await proveFixture(sibling, 3n, 5n, [7n, 11n]);
    singleProof = await proveFixture(single, 6n, 7n, []);
    expect(await snarkjsVerifies(main, good)).to.equal(true);

    verifier = await deploy();
    mainKey = encodeVerifyingKey(main.vkey);
    mainId = verifyingKeyId(mainKey);
    await (await verifier.registerKey(mainKey)).wait();
    await (await verifier.registerKey(encodeVerifyingKey(sibling.vkey))).wait();
    await (await verifier.registerKey(encodeVerifyingKey(single.vkey))).wait();
    proof = encodeProof(good.proof);
    signals = encodePublicSignals(good.publicSignals);
  });

  after(async function () {
    await releaseSnarkjs();
    await removeWorkspace(dir);
  });

  describe("encoding (prover/zk/vkey-encoding.ts)", function () {
    it("lays a 3-signal key out in 23 words and round-trips through decode", function () {
      const bytes = getBytes(mainKey);
      expect(bytes.length).to.equal(32 * (17 + 2 * 3));
      expect(BigInt(hexlify(bytes.slice(0, 32)))).to.equal((1n << 248n) | 3n);
      const decoded = decodeVerifyingKey(mainKey);
      expect(decoded.nPublic).to.equal(3);
      expect(decoded.vk_alpha_1).to.deep.equal(main.vkey.vk_alpha_1);
      expect(decoded.vk_beta_2).to.deep.equal(main.vkey.vk_beta_2);
      expect(decoded.vk_delta_2).to.deep.equal(main.vkey.vk_delta_2);
      expect(decoded.IC).to.deep.equal(main.vkey.IC);
      expect(encodeVerifyingKey(decoded)).to.equal(mainKey);
      expect(mainId).to.equal(keccak256(mainKey));
    });

    it("puts B's imaginary parts first", function () {
      expect(proof[2]).to.equal(BigInt(good.proof.pi_b[0][1]));
      expect(proof[3]).to.equal(BigInt(good.proof.pi_b[0][0]));
      expect(proof[4]).to.equal(BigInt(good.proof.pi_b[1][1]));
      expect(proof[5]).to.equal(BigInt(good.proof.pi_b[1][0]));
    });

    it("rejects what the contract would reject, with the facts", function () {
      expect(() => encodePublicSignals(["1", R.toString()])).to.throw(ProofEncodingError, "publicSignals[1]");
      expect(() => encodePublicSignals([R - 1n])).not.to.throw();
      expect(() => encodeVerifyingKey({ ...main.vkey, IC: main.vkey.IC.slice(1) })).to.throw(
        VerifyingKeyEncodingError,
        "IC",
      );
      expect(() => encodeVerifyingKey({ ...main.vkey, protocol: "plonk" })).to.throw(
        VerifyingKeyEncodingError,
        "protocol",
      );
      const beta = structuredClone(main.vkey.vk_beta_2);
      beta[1][0] = Q.toString();
      expect(() => encodeVerifyingKey({ ...main.vkey, vk_beta_2: beta })).to.throw(
        VerifyingKeyEncodingError,
        "vk_beta_2.y.c0",
      );
      expect(() => decodeVerifyingKey(mainKey + "00")).to.throw(VerifyingKeyEncodingError, "length");
    });
  });

  describe("registerKey", function () {
    it("stores a key under keccak256 of its encoding and emits KeyRegistered", async function () {
      const fresh = await deploy();
      const [signer] = await ethers.getSigners();
      const keyCode = await fresh.keyCodeAddress(mainId);
      expect(await fresh.isRegistered(mainId)).to.equal(false);
      expect(await fresh.registerKey.staticCall(mainKey)).to.equal(mainId);
      await expect(fresh.registerKey(mainKey))
        .to.emit(fresh, "KeyRegistered")
        .withArgs(mainId, 3n, keyCode, signer.address);
      expect(await fresh.isRegistered(mainId)).to.equal(true);
      expect(await fresh.publicSignalCount(mainId)).to.equal(3n);
      expect(await fresh.verifyingKey(mainId)).to.equal(mainKey);
      // The data contract: STOP, then the key with beta, gamma, delta negated.
      const code = getBytes(await ethers.provider.getCode(keyCode));
      expect(code.length).to.equal(1 + getBytes(mainKey).length);
      expect(code[0]).to.equal(0);
      const stored = verifyingKeyWords(main.vkey);
      for (const w of [5, 6, 9, 10, 13, 14]) stored[w] = (Q - stored[w]) % Q;
      expect(hexlify(code.slice(1))).to.equal(wordsHex(stored));
    });

    it("is write-once: registering a key again returns its id, changes nothing, emits nothing", async function () {
      const keyCode = await verifier.keyCodeAddress(mainId);
      const before = await ethers.provider.getCode(keyCode);
      expect(await verifier.registerKey.staticCall(mainKey)).to.equal(mainId);
      const tx = verifier.registerKey(mainKey);
      await expect(tx).not.to.emit(verifier, "KeyRegistered");
      expect(await ethers.provider.getCode(keyCode)).to.equal(before);
      expect(await verifier.verify(mainId, proof, signals)).to.equal(true);
    });

    it("keeps different keys side by side, each answering only for its own proofs", async function () {
      const siblingId = verifyingKeyId(sibling.vkey);
      const singleId = verifyingKeyId(single.vkey);
      expect(await verifier.isRegistered(siblingId)).to.equal(true);
      expect(new Set([mainId, siblingId, singleId]).size).to.equal(3);
      expect(await verifier.publicSignalCount(singleId)).to.equal(1n);

      const siblingCalldata = encodeProof(siblingProof.proof);
      const siblingSignals = encodePublicSignals(siblingProof.publicSignals);
      expect(siblingSignals).to.deep.equal(signals); // same statement, different key
      expect(await verifier.verify(siblingId, siblingCalldata, siblingSignals)).to.equal(true);
      expect(await verifier.verify(mainId, siblingCalldata, siblingSignals)).to.equal(false);
      expect(await verifier.verify(siblingId, proof, signals)).to.equal(false);
      expect(await verifier.verify(mainId, proof, signals)).to.equal(true);

      const singleSignals = encodePublicSignals(singleProof.publicSignals);
      expect(singleSignals).to.deep.equal([42n]);
      expect(await verifier.verify(singleId, encodeProof(singleProof.proof), singleSignals)).to.equal(true);
      await expect(verifier.verify(mainId, encodeProof(singleProof.proof), singleSignals))
        .to.be.revertedWithCustomError(verifier, "Groth16VerifierSignalCount")
        .withArgs(3n, 1n);
    });

    describe("rejects malformed encodings", function () {
      const words = () => verifyingKeyWords(main.vkey);

      it("a key too short to hold a header", async function () {
        await expect(verifier.registerKey("0x1234"))
          .to.be.revertedWithCustomError(verifier, "Groth16VerifierKeyLength")
          .withArgs(544n, 2n);
      });

      it("a length that does not match nPublic", async function () {
        await expect(verifier.registerKey(mainKey + "00"))
          .to.be.revertedWithCustomError(verifier, "Groth16VerifierKeyLength")
          .withArgs(736n, 737n);
        await expect(verifier.registerKey(wordsHex(words().slice(0, -2))))
          .to.be.revertedWithCustomError(verifier, "Groth16VerifierKeyLength")
          .withArgs(736n, 672n);
        const w = words();
        w[0] = keyHeader(4);
        await expect(verifier.registerKey(wordsHex(w)))
          .to.be.revertedWithCustomError(verifier, "Groth16VerifierKeyLength")
          .withArgs(800n, 736n);
      });

      it("an unknown version or non-zero reserved header bytes", async function () {
        for (const header of [keyHeader(3, 2), keyHeader(3, 0), keyHeader(3) | (1n << 100n)]) {
          const w = words();
          w[0] = header;
          await expect(verifier.registerKey(wordsHex(w)))
            .to.be.revertedWithCustomError(verifier, "Groth16VerifierKeyHeader")
            .withArgs(toBeHex(header, 32));
        }
      });

      it("more public signals than one data contract holds", async function () {
        const n = MAX_PUBLIC_SIGNALS + 1;
        const w = [keyHeader(n), ...words().slice(1, 15), ...Array.from({ length: 2 * (n + 1) }, () => 0n)];
        await expect(verifier.registerKey(wordsHex(w)))
          .to.be.revertedWithCustomError(verifier, "Groth16VerifierKeyTooManySignals")
          .withArgs(BigInt(n), BigInt(MAX_PUBLIC_SIGNALS));
      });

      it("points off their curve, non-canonical or at infinity, naming the point", async function () {
        const cases: [string, (w: bigint[]) => void, number][] = [
          ["alpha off the curve", (w) => ([w[1], w[2]] = offCurveG1(w[1], w[2])), 0],
          ["alpha at infinity", (w) => ([w[1], w[2]] = [0n, 0n]), 0],
          ["alpha.y + q (same residue, not canonical)", (w) => (w[2] += Q), 0],
          ["beta.x.c1 = q", (w) => (w[3] = Q), 1],
          ["gamma.y.c0 + 1", (w) => (w[10] = (w[10] + 1n) % Q), 2],
          ["delta at infinity", (w) => w.fill(0n, 11, 15), 3],
          ["IC[0] off the curve", (w) => (w[16] = (w[16] + 1n) % Q), 4],
          ["IC[2] off the curve", (w) => (w[19] = (w[19] + 1n) % Q), 6],
        ];
        for (const [label, mutate, pointIndex] of cases) {
          const w = words();
          mutate(w);
          await expect(verifier.registerKey(wordsHex(w)), label)
            .to.be.revertedWithCustomError(verifier, "Groth16VerifierKeyPointInvalid")
            .withArgs(BigInt(pointIndex));
        }
      });

      it("a G2 point on the twist but outside the order-r subgroup", async function () {
        const [x1, x0, y1, y0] = twistPointOutsideG2();
        expect(isOnTwist([x0, x1], [y0, y1])).to.equal(true);
        const w = words();
        w.splice(11, 4, x1, x0, y1, y0); // delta
        await expect(verifier.registerKey(wordsHex(w))).to.be.revertedWithCustomError(
          verifier,
          "Groth16VerifierKeyG2NotInSubgroup",
        );
      });

      it("accepts IC points at infinity (a public signal the circuit does not use)", async function () {
        const w = words();
        w[19] = 0n;
        w[20] = 0n;
        const encoded = wordsHex(w);
        await expect(verifier.registerKey(encoded))
          .to.emit(verifier, "KeyRegistered")
          .withArgs(
            keccak256(encoded),
            3n,
            await verifier.keyCodeAddress(keccak256(encoded)),
            (await ethers.getSigners())[0].address,
          );
        expect(await verifier.verifyingKey(keccak256(encoded))).to.equal(encoded);
      });
    });
  });

  describe("verify", function () {
    it("accepts a real proof (true), as snarkjs does", async function () {
      expect(await verifier.verify(mainId, proof, signals)).to.equal(true);
      expect(signals).to.deep.equal([15n, 7n, 11n]);
    });

    it("answers false when any one proof coordinate is changed", async function () {
      for (let i = 0; i < 8; i++) {
        const tampered = [...proof] as ProofCalldata;
        tampered[i] = (tampered[i] + 1n) % Q;
        expect(await verifier.verify(mainId, tampered, signals), `proof[${i}] + 1`).to.equal(false);
      }
    });

    it("answers false for valid curve points that are the wrong ones", async function () {
      const [ax, ay] = negateG1(proof[0], proof[1]);
      const [cx, cy] = negateG1(proof[6], proof[7]);
      const wrongB = encodeProof(other.proof).slice(2, 6) as bigint[];
      const variants: [string, ProofCalldata][] = [
        ["-A", [ax, ay, ...proof.slice(2)] as ProofCalldata],
        ["-C", [...proof.slice(0, 6), cx, cy] as ProofCalldata],
        ["B of another proof", [proof[0], proof[1], ...wrongB, proof[6], proof[7]] as ProofCalldata],
        ["another statement's proof", encodeProof(other.proof)],
      ];
      for (const [label, tampered] of variants) {
        expect(await verifier.verify(mainId, tampered, signals), label).to.equal(false);
      }
      expect(
        await verifier.verify(mainId, encodeProof(other.proof), encodePublicSignals(other.publicSignals)),
      ).to.equal(true);
    });

    it("answers false for non-canonical coordinates (x + q) and points off the curve or subgroup", async function () {
      for (const i of [0, 1, 2, 5, 7]) {
        const tampered = [...proof] as ProofCalldata;
        tampered[i] += Q; // congruent, so a reduction would accept it: must not
        expect(await verifier.verify(mainId, tampered, signals), `proof[${i}] + q`).to.equal(false);
      }
      const [ax, ay] = offCurveG1(proof[0], proof[1]);
      expect(await verifier.verify(mainId, [ax, ay, ...proof.slice(2)] as ProofCalldata, signals)).to.equal(false);
      const outside = twistPointOutsideG2();
      expect(
        await verifier.verify(mainId, [proof[0], proof[1], ...outside, proof[6], proof[7]] as ProofCalldata, signals),
      ).to.equal(false);
    });

    it("answers false when any one public signal is changed", async function () {
      for (let i = 0; i < signals.length; i++) {
        const tampered = [...signals];
        tampered[i] += 1n;
        expect(await verifier.verify(mainId, proof, tampered), `signal ${i} + 1`).to.equal(false);
      }
      // r - 1 is in the field (so no revert) but is the wrong value.
      expect(await verifier.verify(mainId, proof, [signals[0], signals[1], R - 1n])).to.equal(false);
    });

    it("reverts for a public signal >= r, naming its index and value", async function () {
      for (const [index, value] of [
        [0, R],
        [2, R + signals[2]], // same residue as the valid signal: must not pass
        [1, 2n ** 256n - 1n],
      ] as const) {
        const tampered = [...signals];
        tampered[index] = value;
        await expect(verifier.verify(mainId, proof, tampered))
          .to.be.revertedWithCustomError(verifier, "Groth16VerifierSignalNotInField")
          .withArgs(BigInt(index), value);
      }
    });

    it("reverts for an unknown key id", async function () {
      const unknown = keccak256("0x01");
      await expect(verifier.verify(unknown, proof, signals))
        .to.be.revertedWithCustomError(verifier, "Groth16VerifierUnknownKey")
        .withArgs(unknown);
      await expect(verifier.publicSignalCount(unknown))
        .to.be.revertedWithCustomError(verifier, "Groth16VerifierUnknownKey")
        .withArgs(unknown);
      await expect(verifier.verifyingKey(unknown))
        .to.be.revertedWithCustomError(verifier, "Groth16VerifierUnknownKey")
        .withArgs(unknown);
      expect(await verifier.isRegistered(unknown)).to.equal(false);
    });

    it("reverts for a wrong number of public signals", async function () {
      await expect(verifier.verify(mainId, proof, signals.slice(0, 2)))
        .to.be.revertedWithCustomError(verifier, "Groth16VerifierSignalCount")
        .withArgs(3n, 2n);
      await expect(verifier.verify(mainId, proof, [...signals, 0n]))
        .to.be.revertedWithCustomError(verifier, "Groth16VerifierSignalCount")
        .withArgs(3n, 4n);
      await expect(verifier.verify(mainId, proof, []))
        .to.be.revertedWithCustomError(verifier, "Groth16VerifierSignalCount")
        .withArgs(3n, 0n);
    });

    it("reverts rather than answer false when starved of gas; estimateGas gives enough for true", async function () {
      await expect(
        verifier.verify.staticCall(mainId, proof, signals, { gasLimit: 150_000 }),
      ).to.be.revertedWithCustomError(verifier, "Groth16VerifierInsufficientGas");
      const estimate = await verifier.verify.estimateGas(mainId, proof, signals);
      expect(await verifier.verify.staticCall(mainId, proof, signals, { gasLimit: estimate })).to.equal(true);
      // Walk the gas limit up to the estimate: a valid proof gets true or a revert, never false.
      const insufficient = verifier.interface.getError("Groth16VerifierInsufficientGas")!.selector;
      const seen = new Set<string>();
      for (let gasLimit = estimate - 12_000n; gasLimit <= estimate; gasLimit += 250n) {
        try {
          const verdict = await verifier.verify.staticCall(mainId, proof, signals, { gasLimit });
          expect(verdict, `gasLimit ${gasLimit}`).to.equal(true);
          seen.add("true");
        } catch (err) {
          const data = (err as { data?: string }).data ?? "0x";
          // Our guard's error, or a plain out-of-gas halt of the frame (no return data).
          expect([insufficient, "0x"], `gasLimit ${gasLimit}: ${String(err)}`).to.include(data.slice(0, 10));
          seen.add(data === "0x" ? "halt" : "guard");
        }
      }
      expect(seen.has("true") && seen.has("guard")).to.equal(true);
    });

    it("reverts with the count error, not out of gas, for an absurd number of signals", async function () {
      const many = Array.from({ length: 2_000 }, () => 1n);
      await expect(verifier.verify(mainId, proof, many))
        .to.be.revertedWithCustomError(verifier, "Groth16VerifierSignalCount")
        .withArgs(3n, 2_000n);
    });

    it("costs at most 240k gas as a transaction, and a consumer's verify-and-record stays close", async function () {
      const receipt = await (await verifier.verify.send(mainId, proof, signals)).wait();
      expect(receipt!.gasUsed).to.be.lessThanOrEqual(240_000n);
      const consumer = await ethers.deployContract("Groth16VerifierConsumer", [await verifier.getAddress()]);
      await (await consumer.verifyAndRecord(mainId, proof, signals)).wait(); // first write of the slots
      const second = await (await consumer.verifyAndRecord(mainId, proof, signals)).wait();
      expect(await consumer.lastVerdict()).to.equal(true);
      expect(second!.gasUsed).to.be.lessThanOrEqual(250_000n);
    });

    it("handles the 1-signal key's proof with the same code path (N is general)", async function () {
      const singleId = verifyingKeyId(single.vkey);
      const calldata = encodeProof(singleProof.proof);
      expect(await verifier.verify(singleId, calldata, [42n])).to.equal(true);
      expect(await verifier.verify(singleId, calldata, [43n])).to.equal(false);
    });
  });

  it("reads keys back byte for byte (auditors re-derive the id from chain data)", async function () {
    const onChain = await verifier.verifyingKey(mainId);
    expect(keccak256(onChain)).to.equal(mainId);
    expect(decodeVerifyingKey(onChain).vk_gamma_2).to.deep.equal(main.vkey.vk_gamma_2);
    // The data contract's address depends on the key id alone (constant initcode), so anyone can derive it.
    const initcode = "0x63542de2845f525f5f6004601c335afa6016575f5ffd5b3d5f5f3e3d5ff3";
    expect(await verifier.keyCodeAddress(mainId)).to.equal(
      getCreate2Address(await verifier.getAddress(), mainId, keccak256(initcode)),
    );
  });

  describe("verifyBatch", function () {
    type Entry = { id: string; proof: ProofCalldata; signals: bigint[] };
    let entries: Entry[]; // main, main (other statement), sibling, single
    let g1: Awaited<ReturnType<typeof buildBn128>>["G1"];
    const args = (batch: Entry[]) =>
      [batch.map((e) => e.id), batch.map((e) => e.proof), batch.flatMap((e) => e.signals)] as const;
    /** (x1, y1) + (x2, y2) on G1, with ffjavascript (independent of the contract). */
    const addG1 = (x1: bigint, y1: bigint, x2: bigint, y2: bigint): [bigint, bigint] => {
      const p = g1.toAffine(g1.add(g1.fromObject([x1, y1, 1n]), g1.fromObject([x2, y2, 1n])));
      const [x, y] = g1.toObject(p) as bigint[];
      return [x, y];
    };

    before(async function () {
      g1 = (await buildBn128(true)).G1;
      const entry = (c: FixtureCircuit, p: FixtureProof): Entry => ({
        id: verifyingKeyId(encodeVerifyingKey(c.vkey)),
        proof: encodeProof(p.proof),
        signals: encodePublicSignals(p.publicSignals),
      });
      entries = [entry(main, good), entry(main, other), entry(sibling, siblingProof), entry(single, singleProof)];
    });

    it("accepts valid proofs of one key, and of three keys mixed in any order", async function () {
      expect(await verifier.verifyBatch(...args([entries[0]]))).to.equal(true);
      expect(await verifier.verifyBatch(...args([entries[0], entries[1]]))).to.equal(true);
      expect(await verifier.verifyBatch(...args(entries))).to.equal(true);
      expect(await verifier.verifyBatch(...args([entries[3], entries[0], entries[2], entries[1]]))).to.equal(true);
    });

    it("rejects the batch when any one proof is tampered with, at every position", async function () {
      for (let at = 0; at < entries.length; at++) {
        const batch = entries.map((e, i) => {
          if (i !== at) return e;
          const proof = [...e.proof] as ProofCalldata;
          [proof[6], proof[7]] = negateG1(proof[6], proof[7]); // still a G1 point, no longer the proof
          return { ...e, proof };
        });
        expect(await verifier.verifyBatch(...args(batch)), `tampered at ${at}`).to.equal(false);
        const wrongSignal = entries.map((e, i) =>
          i === at ? { ...e, signals: [e.signals[0] + 1n, ...e.signals.slice(1)] } : e,
        );
        expect(await verifier.verifyBatch(...args(wrongSignal)), `signal changed at ${at}`).to.equal(false);
      }
    });

    it("proofs wrong in opposite directions do not cancel: each proof gets its own coefficient", async function () {
      // C0 + D and C1 - D: with equal coefficients the two errors would cancel in the sum.
      const [a, b] = [entries[0], entries[1]];
      const d = [b.proof[6], b.proof[7]] as const;
      const pa = [...a.proof] as ProofCalldata;
      const pb = [...b.proof] as ProofCalldata;
      [pa[6], pa[7]] = addG1(pa[6], pa[7], d[0], d[1]);
      const minus = negateG1(d[0], d[1]);
      [pb[6], pb[7]] = addG1(pb[6], pb[7], minus[0], minus[1]); // C1 - C1: the point at infinity
      expect(
        await verifier.verifyBatch(
          ...args([
            { ...a, proof: pa },
            { ...b, proof: pb },
          ]),
        ),
      ).to.equal(false);
    });

    it("the same proof twice verifies (duplicates are the caller's to refuse)", async function () {
      expect(await verifier.verifyBatch(...args([entries[0], entries[0]]))).to.equal(true);
    });

    it("signals at the field boundary: r - 1 is a wrong signal, r reverts naming its position", async function () {
      const boundary = [entries[0], { ...entries[1], signals: [R - 1n, ...entries[1].signals.slice(1)] }];
      expect(await verifier.verifyBatch(...args(boundary))).to.equal(false);
      const over = [entries[0], { ...entries[1], signals: [R, ...entries[1].signals.slice(1)] }];
      await expect(verifier.verifyBatch(...args(over)))
        .to.be.revertedWithCustomError(verifier, "Groth16VerifierSignalNotInField")
        .withArgs(3, R);
    });

    it("a coordinate >= q or an A off its curve is a false verdict, not a revert", async function () {
      const q = [...entries[1].proof] as ProofCalldata;
      q[0] += Q;
      expect(await verifier.verifyBatch(...args([entries[0], { ...entries[1], proof: q }]))).to.equal(false);
      const off = [...entries[1].proof] as ProofCalldata;
      [off[0], off[1]] = offCurveG1(off[0], off[1]);
      expect(await verifier.verifyBatch(...args([entries[0], { ...entries[1], proof: off }]))).to.equal(false);
    });

    it("refuses malformed batches with the facts", async function () {
      const [ids, proofs, sigs] = args(entries);
      await expect(verifier.verifyBatch([], [], []))
        .to.be.revertedWithCustomError(verifier, "Groth16VerifierBatchShape")
        .withArgs(0, 0, 64);
      await expect(verifier.verifyBatch(ids.slice(1), proofs, sigs))
        .to.be.revertedWithCustomError(verifier, "Groth16VerifierBatchShape")
        .withArgs(3, 4, 64);
      const many = Array.from({ length: 65 }, () => entries[0]);
      await expect(verifier.verifyBatch(...args(many)))
        .to.be.revertedWithCustomError(verifier, "Groth16VerifierBatchShape")
        .withArgs(65, 65, 64);
      await expect(verifier.verifyBatch(ids, proofs, sigs.slice(1)))
        .to.be.revertedWithCustomError(verifier, "Groth16VerifierSignalCount")
        .withArgs(sigs.length, sigs.length - 1);
      await expect(verifier.verifyBatch(ids, proofs, [...sigs, 1n]))
        .to.be.revertedWithCustomError(verifier, "Groth16VerifierSignalCount")
        .withArgs(sigs.length, sigs.length + 1);
      const unknown = keccak256("0x01");
      await expect(verifier.verifyBatch([ids[0], unknown], proofs.slice(0, 2), sigs.slice(0, 6)))
        .to.be.revertedWithCustomError(verifier, "Groth16VerifierUnknownKey")
        .withArgs(unknown);
    });

    it("a caller who starves the call gets a revert, never a false verdict", async function () {
      const data = verifier.interface.encodeFunctionData("verifyBatch", args(entries));
      const to = await verifier.getAddress();
      const needed = await ethers.provider.estimateGas({ to, data });
      await expect(ethers.provider.call({ to, data, gasLimit: needed - 60_000n })).to.be.revertedWithCustomError(
        verifier,
        "Groth16VerifierInsufficientGas",
      );
    });
  });
});
