// Attack: challenge an honest claim and wait. A challenged Signed claim that nobody proves before
// the response deadline is refuted by resolveTimeout: its operator is slashed and the challenger
// takes its bond back plus a share of the stake, so an unattended node would pay for every
// challenge of its honest claims. Defence: the node's challenge watcher
// (prover/node/challenge-watcher.ts) follows ClaimChallenged, proves the claimed output from the
// stored input and salt, and submits the proof before the deadline, with no manual step, also
// across a crash mid-proof. Who pays: the challenger loses its bond (credited to the operator)
// and its gas; the operator's stake is untouched; the timeout path is closed. A challenge of a
// claim the node never made is left alone (no gas spent on someone else's dispute).
import { expect } from "chai";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { network } from "hardhat";
import { type Contract, hexlify, randomBytes } from "ethers";
import { claimFor, claimIdOf, signClaimCompact } from "../../prover/chain/claim.js";
import { openChallenge } from "../../prover/chain/disputes.js";
import { LEVEL } from "../../prover/chain/protocol-client.js";
import { openDatabase, SQLITE_FILE } from "../../prover/node/db/database.js";
import { fromJson } from "../../prover/node/db/json.js";
import type { InferenceService } from "../../prover/node/inference-service.js";
import { infer } from "../../prover/prove-inference.js";
import { releaseCurve } from "../../prover/zk/groth16.js";
import { chainBridge } from "../node/fixtures/chain-bridge.js";
import { digits, digitsModel, type TestNode, tempDir, testNode } from "../node/fixtures/node.js";

const { ethers, networkHelpers } = await network.create();

async function until(what: string, check: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Wei `who` spent on gas in blocks [from, to]. */
async function gasSpent(who: string, from: number, to: number): Promise<bigint> {
  let total = 0n;
  for (let n = from; n <= to; n++) {
    const block = await ethers.provider.getBlock(n, true);
    for (const tx of block!.prefetchedTransactions) {
      if (tx.from !== who) continue;
      const receipt = await ethers.provider.getTransactionReceipt(tx.hash);
      total += receipt!.gasUsed * receipt!.gasPrice;
    }
  }
  return total;
}

/** The proof jobs in `stateDir`'s database (any state) for `claimId`. */
async function jobsFor(stateDir: string, claimId: string): Promise<{ id: string; state: string; attempts: number }[]> {
  if (!existsSync(path.join(stateDir, SQLITE_FILE))) return [];
  const db = await openDatabase({ stateDir });
  try {
    const rows = await db.query<{ id: string; state: string; attempts: number; payload: string }>(
      "SELECT id, state, attempts, payload FROM jobs",
    );
    return rows
      .filter((j) => fromJson<{ claimId: string }>(j.payload).claimId === claimId)
      .map(({ id, state, attempts }) => ({ id, state, attempts: Number(attempts) }));
  } finally {
    await db.close();
  }
}

describe("attack: challenge an unattended honest claim and wait for the timeout", function () {
  let node: TestNode;
  let hub: Contract;
  let operator: string;
  const xs = digits().xs;

  before(async () => {
    node = await testNode(ethers, { enclave: false });
    hub = node.hub;
    operator = node.operator.address;
  });
  after(async () => {
    await node?.stop();
    await releaseCurve();
  });

  const signedClaim = async (svc: InferenceService, i: number) =>
    svc.infer({ model: "digits", input: xs[i], valueAtRisk: 1, level: "signed" });

  it("a running node defeats a challenge of its batched claim (imported by the challenger)", async () => {
    const [, , , challenger] = await ethers.getSigners();
    const lines: string[] = [];
    const svc = await node.service({
      stateDir: tempDir("unattended-1"),
      config: { batch: { size: 1, intervalMs: 3_600_000 } },
      watchChallenges: { pollMs: 50 },
      log: (l) => lines.push(l),
    });
    const r = await signedClaim(svc, 0);
    await svc.flushBatch();
    const view = await svc.claim(r.claimId);
    expect(view.status).to.equal("batched");
    const asChallenger = hub.connect(challenger) as Contract;
    const first = await ethers.provider.getBlockNumber();
    const before = {
      wallet: await ethers.provider.getBalance(challenger.address),
      challengerCredit: await hub.creditOf(challenger.address),
      operatorCredit: await hub.creditOf(operator),
      stake: (await hub.operatorAccount(operator)).active,
      hub: await ethers.provider.getBalance(await hub.getAddress()),
    };
    // The challenger takes the claim out of the node's batch itself, then challenges it.
    await (await asChallenger.importBatchedClaim(operator, view.batch!.root, view.claim, view.batch!.proof)).wait();
    expect(Number(await hub.levelOf(r.claimId))).to.equal(LEVEL.Signed);
    await openChallenge(asChallenger, r.claimId);
    const bond: bigint = await hub.challengeBond();
    const { responseDeadline } = await hub.disputeOf(r.claimId);
    const challenged = await ethers.provider.getBlockNumber();

    // No manual step: the node's watcher proves and submits.
    await until("the node defends its claim", async () => Number(await hub.levelOf(r.claimId)) === LEVEL.Proven);
    const [defeated] = (await hub.queryFilter(hub.filters.ChallengeDefeated(r.claimId))) as unknown as {
      args: { challenger: string; defender: string; bond: bigint };
      blockNumber: number;
    }[];
    expect([defeated.args.challenger, defeated.args.defender, defeated.args.bond]).to.deep.equal([
      challenger.address,
      operator,
      bond,
    ]);
    const defenceBlock = await ethers.provider.getBlock(defeated.blockNumber);
    expect(defenceBlock!.timestamp).to.be.at.most(Number(responseDeadline));

    // Who pays: the challenger's bond (and its gas) went to the operator; the stake is intact.
    expect(await hub.creditOf(operator)).to.equal(before.operatorCredit + bond);
    expect(await hub.creditOf(challenger.address)).to.equal(before.challengerCredit);
    expect((await hub.operatorAccount(operator)).active).to.equal(before.stake);
    const spent = await gasSpent(challenger.address, first + 1, challenged);
    expect(await ethers.provider.getBalance(challenger.address)).to.equal(before.wallet - bond - spent);
    expect(await ethers.provider.getBalance(await hub.getAddress())).to.equal(before.hub + bond);

    // The timeout path is closed, even after the deadline.
    await networkHelpers.time.increaseTo(Number(responseDeadline) + 1);
    await expect((hub.connect(challenger) as Contract).resolveTimeout(r.claimId)).to.be.revertedWithCustomError(
      hub,
      "DisputeNotOpen",
    );
    await svc.idle();
    expect((await svc.claim(r.claimId)).status).to.equal("proven");
    expect(svc.challengeWatch!.defences.landed).to.equal(1);
    expect(lines.filter((l) => l.startsWith(`watch: challenge of claim ${r.claimId}`))).to.have.length(1);
    expect(lines.filter((l) => l.startsWith(`watch: defence landed: claim ${r.claimId}`))).to.have.length(1);
    await svc.close();
  });

  it("a node killed mid-proof (SIGKILL) defends the challenge after a restart, in time", async () => {
    const [, , , challenger] = await ethers.getSigners();
    const stateDir = tempDir("unattended-2");
    const first = await node.service({ stateDir, config: { batch: null }, watchChallenges: false });
    const r = await signedClaim(first, 1);
    await first.close();
    expect(r.status).to.equal("recorded");

    const model = await digitsModel();
    const deploymentFile = path.join(stateDir, "deployment.json");
    writeFileSync(deploymentFile, JSON.stringify(node.deployment));
    const bridge = await chainBridge(ethers);
    let child: ChildProcess | undefined;
    let deadline: bigint;
    try {
      const args = [node.served[0].modelId, model.ref.circuitId, model.ref.ptauId!];
      child = spawn(
        process.execPath,
        [
          "--import",
          "tsx",
          path.join(import.meta.dirname, "../node/fixtures/watcher-child.ts"),
          ...[bridge.url, stateDir, deploymentFile, operator, ...args],
        ],
        { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, ASSAY_PRIVATE_KEY: "" } },
      );
      let out = "";
      child.stdout!.on("data", (d) => (out += String(d)));
      await until("the child node starts", async () => out.includes("ready\n") || child!.exitCode !== null);
      expect(child.exitCode, out).to.equal(null);

      await openChallenge(hub.connect(challenger) as Contract, r.claimId);
      deadline = (await hub.disputeOf(r.claimId)).responseDeadline;
      await until("the child's defence proof is running", async () =>
        (await jobsFor(stateDir, r.claimId)).some((j) => j.state === "running"),
      );
      child.kill("SIGKILL");
      await new Promise((done) => (child!.exitCode !== null ? done(null) : child!.once("exit", done)));
      expect(out).to.include(`watch: challenge of claim ${r.claimId}`);
    } finally {
      if (child && child.exitCode === null) child.kill("SIGKILL");
      await bridge.close();
    }
    // Killed mid-proof: the claim is still only Signed and disputed.
    const receipt = await hub.receiptOf(r.claimId);
    expect([Number(receipt.level), receipt.disputed]).to.deep.equal([LEVEL.Signed, true]);
    const stake = (await hub.operatorAccount(operator)).active;
    const credit: bigint = await hub.creditOf(operator);

    // Restart on the same state directory: the persisted job resumes; the watcher does not queue another.
    const lines: string[] = [];
    const restarted = await node.service({
      stateDir,
      config: { batch: null },
      watchChallenges: { pollMs: 50 },
      log: (l) => lines.push(l),
    });
    await until(
      "the restarted node defends its claim",
      async () => Number(await hub.levelOf(r.claimId)) === LEVEL.Proven,
    );
    const [defeated] = (await hub.queryFilter(hub.filters.ChallengeDefeated(r.claimId))) as unknown as {
      args: { defender: string; bond: bigint };
      blockNumber: number;
    }[];
    expect(defeated.args.defender).to.equal(operator);
    expect((await ethers.provider.getBlock(defeated.blockNumber))!.timestamp).to.be.at.most(Number(deadline!));
    expect((await hub.disputeOf(r.claimId)).challenger).to.equal(ethers.ZeroAddress);
    await restarted.idle();
    const jobs = await jobsFor(stateDir, r.claimId);
    expect(jobs.map((j) => [j.state, j.attempts])).to.deep.equal([["done", 2]]);
    expect(await hub.creditOf(operator)).to.equal(credit + defeated.args.bond);
    expect((await hub.operatorAccount(operator)).active).to.equal(stake);
    await restarted.close();
  });

  it("a challenge of a claim the node never made is ignored (no job, no gas)", async () => {
    const [, , , challenger, stranger] = await ethers.getSigners();
    await (await (hub.connect(stranger) as Contract).stake({ value: await hub.minStake() })).wait();
    const model = await digitsModel();
    const now = (await ethers.provider.getBlock("latest"))!.timestamp;
    const claim = claimFor(
      { modelId: node.served[0].modelId, requestId: hexlify(randomBytes(32)), deadline: BigInt(now + 3600) },
      await infer(model, xs[2]),
    );
    const chainId = (await ethers.provider.getNetwork()).chainId;
    const claimId = claimIdOf(claim, chainId, await hub.getAddress());
    const { r: sr, vs } = await signClaimCompact(stranger, claim, chainId, await hub.getAddress());
    await (await (hub.connect(stranger) as Contract).submitSigned(claim, sr, vs)).wait();

    const stateDir = tempDir("unattended-3");
    const debug: string[] = [];
    const svc = await node.service({
      stateDir,
      config: { batch: null },
      watchChallenges: { pollMs: 50, debug: (l) => debug.push(l) },
    });
    const operatorBalance = await ethers.provider.getBalance(operator);
    await openChallenge(hub.connect(challenger) as Contract, claimId);
    const block = await ethers.provider.getBlockNumber();
    await until("the watcher has scanned the challenge", async () => (svc.challengeWatch!.cursor ?? -1) >= block);
    // (The look-back also finds the earlier tests' challenges: claims of other state directories.)
    expect(debug.filter((l) => l.includes(claimId))).to.deep.equal([
      `watch: challenge of claim ${claimId} by ${challenger.address}: not a claim of this node, ignored`,
    ]);
    expect(svc.challengeWatch!.ignored).to.equal(debug.length);
    expect(svc.challengeWatch!.defences).to.deep.equal({ pending: 0, queued: 0, landed: 0, lost: 0, late: 0 });
    await svc.idle();
    expect(await jobsFor(stateDir, claimId)).to.deep.equal([]);
    expect(await ethers.provider.getBalance(operator)).to.equal(operatorBalance);
    expect((await hub.receiptOf(claimId)).disputed).to.equal(true);
    await svc.close();
  });
});
