// The Signed batcher on its own: size and interval triggers, a failed post keeps its claims for
// the next attempt, and the tree it posts is the BatchTree of the claims in arrival order.
import { expect } from "chai";
import { id } from "ethers";
import { BatchTree } from "../../prover/chain/batch-tree.js";
import { SignedBatcher } from "../../prover/node/batcher.js";
import type { TxInfo } from "../../prover/node/claim-store.js";

const claims = (n: number, tag = "c") => Array.from({ length: n }, (_, i) => id(`${tag} ${i}`));
const tx = (i: number): TxInfo => ({ hash: id(`tx ${i}`), blockNumber: i, gasUsed: 49_000n });

describe("node: Signed batcher", () => {
  it("posts a root per `size` claims, in order, and what is left at close", async () => {
    const posted: { root: string; size: number; ids: string[] }[] = [];
    const b = new SignedBatcher({
      size: 3,
      intervalMs: 3_600_000,
      post: async () => tx(posted.length),
      onPosted: async (ids, tree) => void posted.push({ root: tree.root, size: ids.length, ids }),
      onError: (e) => expect.fail(e.message),
    });
    const ids = claims(7);
    ids.forEach((c) => b.add(c));
    await b.flush();
    await b.close();
    expect(posted.map((p) => p.ids)).to.deep.equal([ids.slice(0, 3), ids.slice(3, 6), ids.slice(6)]);
    expect(posted.map((p) => p.root)).to.deep.equal(
      [ids.slice(0, 3), ids.slice(3, 6), ids.slice(6)].map((g) => BatchTree.fromClaimIds(g).root),
    );
    expect(b.pending).to.equal(0);
  });

  it("a failed post keeps the claims and the next attempt posts them", async () => {
    let calls = 0;
    const errors: string[] = [];
    const posted: string[][] = [];
    const b = new SignedBatcher({
      size: 10,
      intervalMs: 20,
      post: async () => {
        if (++calls === 1) throw new Error("postBatch failed on chain: ReceiptHubSignerNotStaked");
        return tx(calls);
      },
      onPosted: async (ids) => void posted.push(ids),
      onError: (e, ids) => errors.push(`${e.message} (${ids.length})`),
    });
    const ids = claims(2, "retry");
    ids.forEach((c) => b.add(c));
    await b.flush();
    expect([b.pending, errors]).to.deep.equal([2, ["postBatch failed on chain: ReceiptHubSignerNotStaked (2)"]]);
    // The interval timer was re-armed: the retry happens without another add.
    const end = Date.now() + 2_000;
    while (posted.length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    expect(posted).to.deep.equal([ids]);
    expect(b.pending).to.equal(0);
    await b.close();
  });

  it("refuses a size below 1 or a non-positive interval", () => {
    const o = { post: async () => tx(0), onPosted: async () => {}, onError: () => {} };
    expect(() => new SignedBatcher({ ...o, size: 0, intervalMs: 10 })).to.throw(
      RangeError,
      "batch size must be an integer >= 1, got 0",
    );
    expect(() => new SignedBatcher({ ...o, size: 1, intervalMs: 0 })).to.throw(
      RangeError,
      "batch interval must be >= 1 ms, got 0",
    );
  });
});
