// Accounting invariant under random sequences of stake / unbond / withdraw / claim / batch posts
// (with a sybil racing the same root) and imports / commit-reveal challenge / refute (by anyone,
// paying the open challenger) / defend / timeout / credit withdrawals, with stakes slashed to
// exhaustion along the way: after every step the protocol's balance equals
// what it owes (stakes + credits + open bonds), every operator account and credit matches a
// shadow model of the rules, and ETH is conserved across all accounts (gas fees aside). At the end
// everything is settled and withdrawn, and the contract holds exactly zero.
import { expect } from "chai";
import { network } from "hardhat";
import { type ContractTransactionResponse, id } from "ethers";
import { BatchTree } from "../../prover/chain/batch-tree.js";
import { challengeCommitment } from "../../prover/chain/disputes.js";
import { bindingFor } from "../../prover/chain/binding.js";
import type { Claim } from "../../prover/chain/claim.js";
import { idOf, latest, makeClaim, readyProtocol, sign, signAttested, type Ready } from "./fixtures/protocol.js";
import { proveToy, releaseToyModel, toyCommitment, toyOutput } from "./fixtures/toy-model.js";

const { ethers, networkHelpers } = await network.create();

/** Small deterministic PRNG (mulberry32) so a failing sequence can be replayed from its seed. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)],
  };
}

interface Tracked {
  claim: Claim;
  id: string;
  x: bigint;
  salt: bigint;
  truthful: boolean;
  backer: string;
  level: "signed" | "attested";
  state: "open" | "disputed" | "proven" | "refuted";
  challenger?: string;
  challengeEnd: bigint;
  responseDeadline?: bigint;
}

interface Shadow {
  active: Map<string, bigint>;
  unbonding: Map<string, bigint>;
  readyAt: Map<string, bigint>;
  openDisputes: Map<string, number>;
  credit: Map<string, bigint>;
}

const get = (m: Map<string, bigint>, k: string) => m.get(k) ?? 0n;

async function runSequence(r: Ready, seed: number, steps: number, proofBudget: number) {
  const rnd = prng(seed);
  const operators = [r.operator, r.operator2, r.others[0]];
  const challengers = [r.challenger, r.user, r.others[1]];
  const everyone = [
    ...new Map(
      [...operators, ...challengers, r.enclaveOperator, r.treasury, r.admin].map((s) => [s.address, s]),
    ).values(),
  ];
  const shadow: Shadow = {
    active: new Map(),
    unbonding: new Map(),
    readyAt: new Map(),
    openDisputes: new Map(),
    credit: new Map(),
  };
  for (const s of everyone) {
    const a = await r.hub.operatorAccount(s.address);
    shadow.active.set(s.address, a.active);
    shadow.unbonding.set(s.address, a.unbonding);
  }
  const claims: Tracked[] = [];
  let enclaveRevoked = false;
  let fees = 0n;
  let proofs = 0;
  let batchedDefences = 0;
  const totalBefore = async () => {
    let t = await ethers.provider.getBalance(r.hubAddress);
    for (const s of everyone) t += await ethers.provider.getBalance(s.address);
    return t;
  };
  const start = await totalBefore();
  const params = r.params;
  const share = (x: bigint) => (x * BigInt(params.challengerShareBps)) / 10_000n;

  const send = async (p: Promise<ContractTransactionResponse>) => {
    const tx = await p;
    const rc = (await tx.wait())!;
    fees += rc.gasUsed * rc.gasPrice;
    return BigInt((await ethers.provider.getBlock(rc.blockNumber))!.timestamp);
  };
  const credit = (who: string, x: bigint) => shadow.credit.set(who, get(shadow.credit, who) + x);
  const slash = (backer: string) => {
    if (backer === "0x0000000000000000000000000000000000000000") return 0n;
    const active = get(shadow.active, backer);
    const unbonding = get(shadow.unbonding, backer);
    const fromActive = params.slashAmount < active ? params.slashAmount : active;
    const rest = params.slashAmount - fromActive;
    const fromUnbonding = rest < unbonding ? rest : unbonding;
    shadow.active.set(backer, active - fromActive);
    shadow.unbonding.set(backer, unbonding - fromUnbonding);
    return fromActive + fromUnbonding;
  };
  const payOut = (winner: string, slashed: bigint) => {
    credit(winner, share(slashed));
    credit(params.treasury, slashed - share(slashed));
  };
  const closeDispute = (backer: string) => shadow.openDisputes.set(backer, (shadow.openDisputes.get(backer) ?? 1) - 1);

  const check = async (step: string) => {
    let owed = 0n;
    for (const s of everyone) {
      const a = await r.hub.operatorAccount(s.address);
      expect(a.active, `${step}: active of ${s.address}`).to.equal(get(shadow.active, s.address));
      expect(a.unbonding, `${step}: unbonding of ${s.address}`).to.equal(get(shadow.unbonding, s.address));
      expect(Number(a.openDisputes), `${step}: open disputes of ${s.address}`).to.equal(
        shadow.openDisputes.get(s.address) ?? 0,
      );
      const c = await r.hub.creditOf(s.address);
      expect(c, `${step}: credit of ${s.address}`).to.equal(get(shadow.credit, s.address));
      owed += a.active + a.unbonding + c;
    }
    const bonds = BigInt(claims.filter((c) => c.state === "disputed").length) * params.challengeBond;
    expect(await ethers.provider.getBalance(r.hubAddress), `${step}: balance = stakes + credits + bonds`).to.equal(
      owed + bonds,
    );
    expect((await totalBefore()) + fees, `${step}: ETH conserved`).to.equal(start);
  };

  for (let step = 0; step < steps; step++) {
    const now = await latest(ethers);
    // Weighted: claims and disputes more often than stake movements.
    const action = rnd.pick([0, 1, 2, 3, 3, 3, 4, 5, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11]);
    const label = `seed ${seed} step ${step} action ${action}`;
    if (action === 0) {
      const op = rnd.pick(operators);
      const amount = BigInt(1 + rnd.int(4)) * (params.minStake / 2n);
      await send(r.hub.connect(op).stake({ value: amount }));
      shadow.active.set(op.address, get(shadow.active, op.address) + amount);
    } else if (action === 1) {
      const op = rnd.pick(operators);
      const active = get(shadow.active, op.address);
      if (active === 0n) continue;
      const amount = 1n + BigInt(rnd.int(1000)) * (active / 1000n);
      const ts = await send(r.hub.connect(op).requestUnbonding(amount > active ? active : amount));
      shadow.active.set(op.address, active - (amount > active ? active : amount));
      shadow.unbonding.set(op.address, get(shadow.unbonding, op.address) + (amount > active ? active : amount));
      shadow.readyAt.set(op.address, ts + BigInt(params.unbondingDelay));
    } else if (action === 2) {
      const op = rnd.pick(operators);
      const unbonding = get(shadow.unbonding, op.address);
      if (
        unbonding === 0n ||
        now + 1n < get(shadow.readyAt, op.address) ||
        (shadow.openDisputes.get(op.address) ?? 0) > 0
      )
        continue;
      await send(r.hub.connect(op).withdrawStake());
      shadow.unbonding.set(op.address, 0n);
    } else if (action === 3 || action === 4) {
      // A claim, true or false, Signed by a staked operator or Attested by the enclave.
      const attested = action === 4;
      const op = rnd.pick(operators);
      if (attested && enclaveRevoked) continue;
      if (!attested && get(shadow.active, op.address) < params.minStake) {
        // Top the operator up first (slashing or unbonding may have left it short).
        const topUp = params.minStake - get(shadow.active, op.address);
        await send(r.hub.connect(op).stake({ value: topUp }));
        shadow.active.set(op.address, params.minStake);
      }
      const x = BigInt(1 + rnd.int(50));
      const salt = BigInt(rnd.int(1_000_000));
      const truthful = rnd.next() < 0.5;
      const claim = makeClaim(r.modelId, now, {
        inputCommitment: await toyCommitment(x, salt),
        output: truthful ? toyOutput(x) : toyOutput(x) + 1n + BigInt(rnd.int(5)),
      });
      const s = attested ? await signAttested(r, r.enclave, claim) : await sign(r, op, claim);
      const ts = await send(
        attested ? r.hub.submitAttested(claim, r.toy.keyId, s.r, s.vs) : r.hub.submitSigned(claim, s.r, s.vs),
      );
      claims.push({
        claim,
        id: idOf(r, claim),
        x,
        salt,
        truthful,
        backer: attested ? r.enclaveOperator.address : op.address,
        level: attested ? "attested" : "signed",
        state: "open",
        challengeEnd: ts + BigInt(params.challengeWindow),
      });
    } else if (action === 5) {
      const open = claims.filter((c) => c.state === "open" && now + 1n <= c.challengeEnd);
      if (open.length === 0) continue;
      const c = rnd.pick(open);
      const who = rnd.pick(challengers);
      const salt = id(`seed ${seed} step ${step}`);
      await send(r.hub.connect(who).commitChallenge(challengeCommitment(c.id, who.address, salt)));
      const ts = await send(r.hub.connect(who).challenge(c.id, salt, { value: params.challengeBond }));
      c.state = "disputed";
      c.challenger = who.address;
      c.responseDeadline = ts + BigInt(params.responseWindow);
      shadow.openDisputes.set(c.backer, (shadow.openDisputes.get(c.backer) ?? 0) + 1);
    } else if (action === 6) {
      // Refute a lie with a proof (while its window or dispute is open).
      const lies = claims.filter(
        (c) => !c.truthful && (c.state === "disputed" || (c.state === "open" && now + 1n <= c.challengeEnd)),
      );
      if (lies.length === 0 || proofs >= proofBudget) continue;
      const c = rnd.pick(lies);
      // Anyone refutes: a challenger, a third party, or the lying backer itself.
      const who = rnd.pick([...challengers, ...operators]);
      const p = await proveToy(r.toy, c.x, c.salt, bindingFor(c.id, who.address));
      proofs++;
      await send(r.hub.connect(who).refute(c.claim, toyOutput(c.x), p.proof));
      // The open challenger wins the share whoever refutes; with no dispute, the refuter.
      const winner = c.state === "disputed" ? c.challenger! : who.address;
      if (c.state === "disputed") {
        credit(c.challenger!, params.challengeBond);
        closeDispute(c.backer);
      }
      c.state = "refuted";
      payOut(winner, slash(c.backer));
      // A refuted Attested claim revokes its enclave key.
      if (c.level === "attested") enclaveRevoked = true;
    } else if (action === 7) {
      // Defend a disputed true claim before its deadline, or two at once in a proven batch.
      const defensible = claims.filter((c) => c.truthful && c.state === "disputed" && now + 1n <= c.responseDeadline!);
      if (defensible.length === 0 || proofs >= proofBudget) continue;
      const first = rnd.pick(defensible);
      const rest = defensible.filter((c) => c !== first);
      const batch =
        rest.length > 0 && proofs + 2 <= proofBudget && rnd.int(2) === 1 ? [first, rnd.pick(rest)] : [first];
      const who = rnd.pick([...operators, ...challengers]);
      const ps = [];
      for (const c of batch) ps.push((await proveToy(r.toy, c.x, c.salt, bindingFor(c.id, who.address))).proof);
      proofs += batch.length;
      if (batch.length === 1) await send(r.hub.connect(who).submitProven(first.claim, ps[0]));
      else
        await send(
          r.hub.connect(who).submitProvenBatch(
            batch.map((c) => c.claim),
            ps,
          ),
        );
      if (batch.length > 1) batchedDefences++;
      for (const c of batch) {
        credit(who.address, params.challengeBond);
        closeDispute(c.backer);
        c.state = "proven";
      }
    } else if (action === 8) {
      const expired = claims.filter((c) => c.state === "disputed" && now + 1n > c.responseDeadline!);
      if (expired.length === 0) continue;
      const c = rnd.pick(expired);
      await send(r.hub.connect(rnd.pick(everyone)).resolveTimeout(c.id));
      closeDispute(c.backer);
      const slashed = slash(c.backer);
      credit(c.challenger!, params.challengeBond);
      payOut(c.challenger!, slashed);
      c.state = "refuted";
    } else if (action === 9) {
      const who = rnd.pick(everyone);
      if (get(shadow.credit, who.address) === 0n) continue;
      await send(r.hub.connect(who).withdrawCredit());
      shadow.credit.set(who.address, 0n);
    } else if (action === 11) {
      // A batch of two claims; a sybil posts the same root first half the time. Batches are
      // keyed by (operator, root): the sybil's post changes nothing for the operator.
      const op = rnd.pick(operators);
      const sybil = rnd.pick(operators.filter((o) => o !== op));
      const x = BigInt(1 + rnd.int(50));
      const salt = BigInt(rnd.int(1_000_000));
      const truthful = rnd.next() < 0.5;
      const claim = makeClaim(r.modelId, now, {
        inputCommitment: await toyCommitment(x, salt),
        output: truthful ? toyOutput(x) : toyOutput(x) + 1n,
      });
      const tree = BatchTree.fromClaimIds([idOf(r, claim), id(`other leaf ${seed} ${step}`)]);
      const staked = (a: string) => get(shadow.active, a) >= params.minStake;
      if (rnd.next() < 0.5 && staked(sybil.address)) await send(r.hub.connect(sybil).postBatch(tree.root, 2));
      if (!staked(op.address)) {
        await expect(r.hub.connect(op).postBatch(tree.root, 2)).to.be.revertedWithCustomError(
          r.hub,
          "ReceiptHubSignerNotStaked",
        );
        continue;
      }
      await send(r.hub.connect(op).postBatch(tree.root, 2));
      const importer = rnd.pick(challengers);
      const ts = await send(r.hub.connect(importer).importBatchedClaim(op.address, tree.root, claim, tree.proof(0)));
      claims.push({
        claim,
        id: idOf(r, claim),
        x,
        salt,
        truthful,
        backer: op.address,
        level: "signed",
        state: "open",
        challengeEnd: ts + BigInt(params.challengeWindow),
      });
    } else {
      await networkHelpers.time.increase(1 + rnd.int(params.responseWindow));
    }
    await check(label);
  }

  // Settle everything: time out every open dispute, withdraw all credits, unbond and withdraw all stake.
  await networkHelpers.time.increase(params.responseWindow + 1);
  for (const c of claims.filter((x) => x.state === "disputed")) {
    await send(r.hub.resolveTimeout(c.id));
    closeDispute(c.backer);
    const slashed = slash(c.backer);
    credit(c.challenger!, params.challengeBond);
    payOut(c.challenger!, slashed);
    c.state = "refuted";
  }
  await check(`seed ${seed} settled`);
  for (const s of everyone) {
    const active = get(shadow.active, s.address);
    if (active > 0n) {
      await send(r.hub.connect(s).requestUnbonding(active));
      shadow.unbonding.set(s.address, get(shadow.unbonding, s.address) + active);
      shadow.active.set(s.address, 0n);
    }
  }
  await networkHelpers.time.increase(params.unbondingDelay + 1);
  for (const s of everyone) {
    if (get(shadow.unbonding, s.address) > 0n) {
      await send(r.hub.connect(s).withdrawStake());
      shadow.unbonding.set(s.address, 0n);
    }
    if (get(shadow.credit, s.address) > 0n) {
      await send(r.hub.connect(s).withdrawCredit());
      shadow.credit.set(s.address, 0n);
    }
  }
  await check(`seed ${seed} drained`);
  expect(await ethers.provider.getBalance(r.hubAddress)).to.equal(0n);
  return {
    claims: claims.length,
    proofs,
    refuted: claims.filter((c) => c.state === "refuted").length,
    proven: claims.filter((c) => c.state === "proven").length,
    batchedDefences,
  };
}

describe("Accounting invariant", function () {
  const fixture = () => readyProtocol(ethers);
  after(releaseToyModel);

  for (const seed of [1, 2, 3]) {
    it(`reconciles after a random sequence (seed ${seed}) and drains to zero`, async function () {
      const r = await networkHelpers.loadFixture(fixture);
      const summary = await runSequence(r, seed, 100, 8);
      if (process.env.ASSAY_DEBUG_INVARIANT) console.log(summary);
      // The sequence exercised the interesting paths, not just stake and withdraw.
      expect(summary.claims).to.be.greaterThan(3);
      expect(summary.refuted).to.be.greaterThan(0);
      // Seed 3 defends two disputed claims in one submitProvenBatch.
      if (seed === 3) expect(summary.batchedDefences).to.be.greaterThan(0);
    });
  }
});
