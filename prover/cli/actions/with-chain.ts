// The connect / run / close around a chain command's body, and the claim targets proofs are made
// for (the contracts' factories are built before the action loads: ../lazy-action.ts).
import { type ChainConnection, connectChain } from "../../chain/chain-connection.js";
import { type ClaimTarget, randomRequestId } from "../../chain/claim-proof.js";
import { type OpenDeployment, openDeployment } from "../../chain/open-deployment.js";
import type { ChainOptions } from "../commands/chain-options.js";
import type { GlobalOptions } from "../output.js";

/** Connects, runs `fn`, and always closes the connection. */
export async function withChain<T>(
  o: ChainOptions & GlobalOptions,
  fn: (conn: ChainConnection) => Promise<T>,
): Promise<T> {
  const conn = await connectChain(o);
  try {
    return await fn(conn);
  } finally {
    await conn.close().catch(() => {});
  }
}

/** Connects, opens the deployment, runs `fn`. */
export async function withDeployment<T>(
  o: ChainOptions & GlobalOptions,
  fn: (conn: ChainConnection, d: OpenDeployment) => Promise<T>,
): Promise<T> {
  return withChain(o, async (conn) => fn(conn, await openDeployment(conn, o)));
}

/** A claim's deadline: the given unix time, else +seconds (default `defaultSeconds`) after the latest block. */
export async function claimDeadline(
  conn: ChainConnection,
  deadline: { relative: boolean; value: bigint } | undefined,
  defaultSeconds: bigint,
): Promise<bigint> {
  if (deadline && !deadline.relative) return deadline.value;
  const now = BigInt((await conn.ethers.provider.getBlock("latest"))!.timestamp);
  return now + (deadline ? deadline.value : defaultSeconds);
}

/** The claim a proof made here is for: this deployment's hub, a request id (random by default) and a deadline. */
export async function claimTarget(
  conn: ChainConnection,
  d: OpenDeployment,
  claim: { modelId: string; submitter: string },
  o: { requestId?: string; deadline?: { relative: boolean; value: bigint } },
  defaultSeconds: bigint,
): Promise<ClaimTarget> {
  return {
    ...claim,
    chainId: conn.chainId,
    hub: d.deployment.protocol,
    requestId: o.requestId ?? randomRequestId(),
    deadline: await claimDeadline(conn, o.deadline, defaultSeconds),
  };
}
