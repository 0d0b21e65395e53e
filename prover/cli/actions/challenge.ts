// assay challenge: commit-reveal a challenge with the protocol's bond, or settle an unanswered one.
import { type ContractTransactionReceipt, hexlify, type Log, type LogDescription, randomBytes } from "ethers";
import type { ChainConnection } from "../../chain/chain-connection.js";
import { challengeCommitment } from "../../chain/disputes.js";
import type { OpenDeployment } from "../../chain/open-deployment.js";
import { LEVEL, LEVEL_NAMES } from "../../chain/protocol-client.js";
import { ContractRevertError, withRevertReason } from "../../chain/revert-reason.js";
import { latestTimestamp, readReceipt } from "../../audit/hub-reads.js";
import { InputError } from "../../errors.js";
import type { ChallengeOptions } from "../commands/challenge.js";
import { type GlobalOptions, progress, result } from "../output.js";
import { formatAmount } from "../parse.js";
import { withDeployment } from "./with-chain.js";

type Opts = ChallengeOptions & GlobalOptions;

const iso = (t: number | bigint) => new Date(Number(t) * 1000).toISOString();

/** The hub's checks of `challenge`, made before the commitment is paid for (the reveal would revert). */
async function checkChallengeable(d: OpenDeployment, conn: ChainConnection, claimId: string): Promise<void> {
  const r = await readReceipt(d.protocol, claimId);
  const claim = `claim ${claimId}`;
  if (r.level === LEVEL.None)
    throw new InputError(
      `unknown ${claim}: the hub ${d.deployment.protocol} on chain ${conn.chainId} has no record of it ` +
        "(a batched claim is recorded once imported from its root)",
    );
  if (r.level === LEVEL.Proven) throw new InputError(`${claim} is Proven: a proof settled it, nothing to challenge`);
  if (r.refuted) throw new InputError(`${claim} is already refuted`);
  if (r.disputed) {
    const dispute = await d.protocol.disputeOf(claimId);
    throw new InputError(
      `${claim} is already challenged by ${dispute.challenger} (response deadline ${iso(dispute.responseDeadline)})`,
    );
  }
  const now = await latestTimestamp(conn.ethers.provider);
  if (now > r.challengeEnd) throw new InputError(`the challenge window of ${claim} closed at ${iso(r.challengeEnd)}`);
}

/** Reveals; a chain that runs calls in the commitment's own block refuses until the next one is mined. */
async function reveal(o: Opts, d: OpenDeployment, conn: ChainConnection, claimId: string, salt: string, bond: bigint) {
  for (let waited = 0; ; waited += 1) {
    try {
      return await withRevertReason("challenge", d.ifaces, async () =>
        (await d.protocol.challenge(claimId, salt, { value: bond })).wait(),
      );
    } catch (e) {
      if (!(e instanceof ContractRevertError) || e.errorName !== "DisputeCommitmentTooRecent" || waited >= 120) throw e;
      if (waited === 0) progress(o, "[challenge] waiting for the next block to reveal");
      const head = await conn.ethers.provider.getBlockNumber();
      while ((await conn.ethers.provider.getBlockNumber()) === head) await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

async function open(o: Opts, conn: ChainConnection, d: OpenDeployment, claimId: string): Promise<void> {
  await checkChallengeable(d, conn, claimId);
  const challenger = conn.signer.address;
  const bond = (await d.protocol.protocolParams()).challengeBond;
  const salt = hexlify(randomBytes(32));
  progress(o, `[challenge] committing to challenge claim ${claimId} from ${challenger}`);
  await withRevertReason("commitChallenge", d.ifaces, async () => {
    const commitment = challengeCommitment(claimId, challenger, salt);
    await d.protocol.commitChallenge.staticCall(commitment);
    return (await d.protocol.commitChallenge(commitment)).wait();
  });
  progress(o, `[challenge] revealing with the bond of ${formatAmount(bond)}`);
  const receipt = await reveal(o, d, conn, claimId, salt, bond);
  const dispute = await d.protocol.disputeOf(claimId);
  const deadline = Number(dispute.responseDeadline);
  const human = [
    `claim ${claimId} challenged by ${challenger}`,
    `  bond               ${formatAmount(bond)}`,
    `  response deadline  ${iso(deadline)}: the backer must prove the claimed output before then; ` +
      "after it, `assay challenge <claimId> --resolve` slashes the backer",
    `  transaction        ${receipt?.hash}`,
  ].join("\n");
  result(o, human, { claimId, challenger, bond, responseDeadline: deadline, transaction: receipt?.hash });
}

async function resolve(o: Opts, d: OpenDeployment, claimId: string): Promise<void> {
  progress(o, `[challenge] settling the unanswered challenge of claim ${claimId}`);
  const receipt: ContractTransactionReceipt | null = await withRevertReason("resolveTimeout", d.ifaces, async () => {
    await d.protocol.resolveTimeout.staticCall(claimId);
    return (await d.protocol.resolveTimeout(claimId)).wait();
  });
  const event = receipt?.logs
    .map((l: Log) => {
      try {
        return d.protocol.interface.parseLog(l);
      } catch {
        return null;
      }
    })
    .find((e: LogDescription | null) => e?.name === "ChallengeTimedOut");
  const [, challenger, backer, slashed] = (event?.args ?? []) as unknown as [string, string, string, bigint];
  const level = LEVEL_NAMES[Number((await readReceipt(d.protocol, claimId)).level)];
  const human = [
    `claim ${claimId} refuted: its challenge went unanswered`,
    `  backer      ${backer} slashed ${formatAmount(slashed ?? 0n)}`,
    `  challenger  ${challenger} credited its bond and reward (\`assay credit --withdraw\`)`,
    `  transaction ${receipt?.hash}`,
  ].join("\n");
  result(o, human, { claimId, level, refuted: true, challenger, backer, slashed, transaction: receipt?.hash });
}

export async function run(claimId: string, o: Opts): Promise<void> {
  await withDeployment(o, (conn, d) => (o.resolve ? resolve(o, d, claimId) : open(o, conn, d, claimId)));
}
