// prover/node/proven-batcher.ts against the real hub: proofs that arrive while another proof is
// running wait for it and go out together in one submitProvenBatch; a lone proof goes at once as
// submitProven; a full batch goes without waiting; a batch with a bad proof falls back to one
// transaction per proof, so the good ones land and only the bad one fails.
import { expect } from "chai";
import { network } from "hardhat";
import type { Contract } from "ethers";
import { bindingFor } from "../../prover/chain/binding.js";
import { ProvenBatcher } from "../../prover/node/proven-batcher.js";
import { TxSender } from "../../prover/node/tx-sender.js";
import { LEVEL, idOf, latest, makeClaim, readyProtocol, type Ready } from "../contracts/fixtures/protocol.js";
import { proveToy, releaseToyModel, toyCommitment, toyOutput } from "../contracts/fixtures/toy-model.js";
import { expectRejection } from "../helpers/reject.js";

const { ethers, networkHelpers } = await network.create();

describe("node: proven claims in batches", function () {
  const fixture = () => readyProtocol(ethers);
  after(releaseToyModel);

  async function proven(r: Ready, x: bigint, output = toyOutput(x)) {
    const claim = makeClaim(r.modelId, await latest(ethers), { inputCommitment: await toyCommitment(x, 3n), output });
    const p = await proveToy(r.toy, x, 3n, bindingFor(idOf(r, claim), r.user.address));
    return { claim, proof: p.proof, id: idOf(r, claim) };
  }

  function batcher(r: Ready, size: number, waitMs: number) {
    const hub = r.hub.connect(r.user) as unknown as Contract;
    return new ProvenBatcher({ hub, sender: new TxSender(hub.interface), size, waitMs, proveSlots: 2, log: () => {} });
  }

  /** A proof "in progress" until release() is called. */
  function holdProving(b: ProvenBatcher) {
    let release!: () => void;
    const done = b.proving(() => new Promise<void>((r) => (release = r)));
    return { release: () => release(), done };
  }

  it("proofs arriving while another runs go out together; a lone proof goes at once", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    const [a, b, c] = [await proven(r, 2n), await proven(r, 3n), await proven(r, 4n)];
    const bt = batcher(r, 16, 60_000);
    const hold = holdProving(bt);
    const pa = bt.submit(a.claim, a.proof);
    const pb = bt.submit(b.claim, b.proof);
    hold.release(); // the last running proof ended: nothing else could join, so the two go now
    await hold.done;
    const [ta, tb] = await Promise.all([pa, pb]);
    expect(ta.hash).to.equal(tb.hash);
    expect(ta.batchSize).to.equal(2);
    const tx = await ethers.provider.getTransaction(ta.hash);
    expect(r.hub.interface.parseTransaction(tx!)!.name).to.equal("submitProvenBatch");
    const tc = await bt.submit(c.claim, c.proof); // nothing running: alone, at once
    expect(tc.batchSize).to.equal(undefined);
    expect(r.hub.interface.parseTransaction((await ethers.provider.getTransaction(tc.hash))!)!.name).to.equal(
      "submitProven",
    );
    for (const x of [a, b, c]) expect(await r.hub.levelOf(x.id)).to.equal(BigInt(LEVEL.Proven));
    await bt.close();
  });

  it("a proof finishing while others wait joins their batch (proofs run one after another)", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    const [a, b] = [await proven(r, 12n), await proven(r, 13n)];
    const bt = batcher(r, 16, 60_000);
    const holdB = holdProving(bt);
    const pa = bt.submit(a.claim, a.proof); // a is done; b is still being proved
    // b's proof ends, and its job submits right after, as proofJobHandler does.
    const pb = bt
      .proving(async () => {
        holdB.release();
        await holdB.done;
      })
      .then(() => bt.submit(b.claim, b.proof));
    const [ta, tb] = await Promise.all([pa, pb]);
    expect(ta.hash).to.equal(tb.hash);
    expect(ta.batchSize).to.equal(2);
    await bt.close();
  });

  it("a full batch goes without waiting; a partial one after the wait", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    const xs = [await proven(r, 5n), await proven(r, 6n), await proven(r, 7n)];
    const bt = batcher(r, 2, 300);
    const hold = holdProving(bt);
    const t0 = Date.now();
    const txs = await Promise.all(xs.map((x) => bt.submit(x.claim, x.proof)));
    expect(txs[0].hash).to.equal(txs[1].hash); // the first two filled a batch
    expect(txs[2].hash).to.not.equal(txs[0].hash); // the third went when its wait ran out
    expect(Date.now() - t0).to.be.at.least(250);
    hold.release();
    await hold.done;
    await bt.close();
  });

  it("a batch with a bad proof falls back to one transaction each: the good ones land", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    const good = await proven(r, 8n);
    const bad = await proven(r, 9n);
    const wrong = { ...bad.claim, output: bad.claim.output + 1n }; // the proof is of the true output
    const bt = batcher(r, 2, 60_000);
    const hold = holdProving(bt);
    const [pg, pw] = [bt.submit(good.claim, good.proof), bt.submit(wrong, bad.proof)];
    const tg = await pg;
    expect(tg.batchSize).to.equal(undefined);
    await expectRejection(pw, /submitProven/);
    expect(await r.hub.levelOf(good.id)).to.equal(BigInt(LEVEL.Proven));
    expect(await r.hub.levelOf(idOf(r, wrong))).to.equal(BigInt(LEVEL.None));
    hold.release();
    await hold.done;
    await bt.close();
  });
});
