// The explorer's event scans are remembered per chain: loading a page again reads only the blocks
// added since the last scan (and the last REORG_DEPTH blocks again, which a reorg may have
// replaced), finds what happened in them, and forgets events below a window that moved up.
import { expect } from "chai";
import { network } from "hardhat";
import type { Provider } from "ethers";
import { deployAssay, attach } from "../../prover/chain/protocol-client.js";
import { type ExplorerChain, hubEvents, REORG_DEPTH } from "../../prover/explorer/chain-reads.js";

const { ethers } = await network.create();

describe("explorer: remembered event scans", function () {
  it("a second scan reads only the new blocks and the reorg margin, and sees the new events", async () => {
    const d = await deployAssay(ethers);
    const { protocol, verifier } = await attach(ethers, d);
    const fromBlock = await ethers.provider.getBlockNumber();
    await (await protocol.stake({ value: 10n ** 18n })).wait();
    await ethers.provider.send("hardhat_mine", ["0x100"]);
    const ranges: [number, number][] = [];
    const provider = new Proxy(ethers.provider, {
      get(target, prop, receiver) {
        if (prop === "getLogs")
          return (f: { fromBlock: number; toBlock: number }) => {
            ranges.push([f.fromBlock, f.toBlock]);
            return target.getLogs(f);
          };
        const v = Reflect.get(target, prop, receiver);
        return typeof v === "function" ? v.bind(target) : v;
      },
    }) as unknown as Provider;
    const chain: ExplorerChain = { provider, chainId: 31337n, protocol, verifier, fromBlock, logRange: 50 };
    const names = ["StakeDeposited"];

    const first = await hubEvents(chain, names, 0);
    expect(first.events.map((e) => e.name)).to.deep.equal(["StakeDeposited"]);
    expect(ranges[0][0]).to.equal(fromBlock);
    expect(ranges.at(-1)![1]).to.equal(first.to);
    const firstCalls = ranges.length;
    expect(firstCalls).to.equal(Math.ceil((first.to - fromBlock + 1) / 50));

    ranges.length = 0;
    const [, other] = await ethers.getSigners();
    await (await protocol.connect(other).stake({ value: 2n * 10n ** 18n })).wait();
    const second = await hubEvents(chain, names, 0);
    expect(second.events.map((e) => e.args.operator)).to.deep.equal([
      (await ethers.getSigners())[0].address,
      other.address,
    ]);
    expect(ranges[0][0]).to.equal(first.to - REORG_DEPTH + 1);
    expect(ranges.at(-1)![1]).to.equal(second.to);

    // A window that moved past the first stake forgets it, and reads only the reorg margin again.
    ranges.length = 0;
    const from = second.events[0].blockNumber + 1;
    const moved = await hubEvents(chain, names, from);
    expect(moved.events.map((e) => e.args.operator)).to.deep.equal([other.address]);
    expect(ranges[0][0]).to.equal(Math.max(from, second.to - REORG_DEPTH + 1));
    expect(ranges.at(-1)![1]).to.equal(second.to);
  });
});
