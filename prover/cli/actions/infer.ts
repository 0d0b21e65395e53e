// assay infer: one inference through a running node (--node) or a one-shot inference service here.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { isHexString } from "ethers";
import type { ChainConnection } from "../../chain/chain-connection.js";
import type { OpenDeployment } from "../../chain/open-deployment.js";
import { openRegisteredModel, readRegisteredModel } from "../../chain/registered-model.js";
import { AssayError, InputError } from "../../errors.js";
import { DEFAULT_NODE_CONFIG, type NodeConfig } from "../../node/config.js";
import { type ClaimView, InferenceService } from "../../node/inference-service.js";
import { describeLabels } from "../../engine/evaluate.js";
import { releaseCurve } from "../../zk/groth16.js";
import type { InferOptions } from "../commands/infer.js";
import { type GlobalOptions, progress, result, step } from "../output.js";
import { readInputFile } from "../parse.js";
import { withDeployment } from "./with-chain.js";

type Opts = InferOptions & GlobalOptions;

/** A running node answered a request with an error status. */
export class NodeRequestError extends AssayError {
  constructor(
    readonly url: string,
    readonly status: number,
    readonly reason: string,
  ) {
    super(status === 0 ? `node ${url} is unreachable: ${reason}` : `node ${url} answered ${status}: ${reason}`);
  }
}

type Answer = ClaimView & { salt: bigint | string };

function describe(a: Answer): string {
  const tx = a.transaction
    ? `${a.transaction.hash} (gas ${a.transaction.gasUsed})`
    : a.batch
      ? `batch ${a.batch.root}`
      : "none yet";
  const onChain = a.onChain ? `; on chain ${a.onChain.level}${a.onChain.final ? ", final" : ""}` : "";
  return [
    `claim ${a.claimId}`,
    `  level        ${a.level} (required ${a.requiredLevel ?? "none"} for value at risk ${a.valueAtRisk}: ` +
      `${a.policy.describe})`,
    `  output       ${describeLabels(a.output.labels, a.output.classes)} (${a.output.signal})`,
    `  model        ${a.modelId}`,
    `  salt         ${a.salt} (with the input, \`assay audit ${a.claimId} --input f --salt n\` ` +
      "re-checks the commitment)",
    `  status       ${a.status}${onChain}${a.error ? `: ${a.error}` : ""}`,
    `  transaction  ${tx}`,
  ].join("\n");
}

async function viaNode(url: string, body: unknown, apiKey: string | undefined): Promise<Answer> {
  let res: Response;
  const auth: Record<string, string> = apiKey ? { authorization: `Bearer ${apiKey}` } : {};
  try {
    res = await fetch(new URL("/v1/infer", url), {
      method: "POST",
      headers: { "content-type": "application/json", ...auth },
      body: JSON.stringify(body),
    });
  } catch (e) {
    const c = (e as { cause?: { code?: string; errors?: { code?: string }[] } }).cause;
    const cause = c?.code ?? c?.errors?.[0]?.code;
    throw new NodeRequestError(url, 0, cause ?? (e as Error).message);
  }
  const text = await res.text();
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch {
    throw new NodeRequestError(url, res.status, `answered with non-JSON: ${text.slice(0, 80)}`);
  }
  if (!res.ok)
    throw new NodeRequestError(url, res.status, String((j as { error?: unknown }).error ?? text.slice(0, 120)));
  return j as Answer;
}

/** Asks the running node --node for the inference. */
async function inferViaNode(model: string, input: number[], o: Opts): Promise<Answer> {
  if (o.signedMax !== undefined || o.attestedMax !== undefined)
    throw new InputError("--signed-max/--attested-max set this process's policy; a node (--node) has its own");
  const body = {
    model,
    input,
    valueAtRisk: o.value.toString(),
    level: o.level,
    ...(o.consumer ? { consumer: o.consumer } : {}),
  };
  return viaNode(o.node!, body, o.apiKey ?? (process.env.ASSAY_API_KEY || undefined));
}

function policyOf(o: Opts): NodeConfig["policy"] {
  const policy = {
    signedMax: o.signedMax ?? DEFAULT_NODE_CONFIG.policy.signedMax,
    attestedMax: o.attestedMax ?? DEFAULT_NODE_CONFIG.policy.attestedMax,
  };
  if (policy.signedMax > policy.attestedMax)
    throw new InputError(`--signed-max ${policy.signedMax} exceeds --attested-max ${policy.attestedMax}`);
  return policy;
}

/**
 * Runs a one-shot inference service in this process: its claim and job records live only as long
 * as this command, which waits for its proof job; the chain keeps the claim.
 */
async function inferHere(
  ctx: { model: string; input: number[]; o: Opts; policy: NodeConfig["policy"] },
  conn: ChainConnection,
  d: OpenDeployment,
): Promise<Answer> {
  const { model, input, o, policy } = ctx;
  const registered = await readRegisteredModel(d.protocol, model, conn.chainId, d.deployment.blockNumber ?? 0);
  const compiled = await openRegisteredModel(registered);
  const stateDir = mkdtempSync(path.join(os.tmpdir(), "assay-infer-"));
  let service: InferenceService | undefined;
  try {
    service = await InferenceService.start({
      ethers: conn.ethers,
      deployment: d.deployment,
      operator: conn.signer,
      models: [{ modelId: registered.modelId, model: compiled }],
      stateDir,
      config: { policy, batch: null },
      log: (line) => progress(o, `[node] ${line}`),
    });
    progress(o, `[infer] model ${model} on chain ${conn.chainId}, value at risk ${o.value}`);
    const first = await service.infer({ model, input, valueAtRisk: o.value, level: o.level, consumer: o.consumer });
    if (first.status === "proving")
      await step(o, `[infer] Proven: proving claim ${first.claimId} and submitting it`, () => service!.idle());
    const final = await service.claim(first.claimId);
    if (final.status === "failed")
      throw new AssayError(`claim ${first.claimId} (${final.level}) failed: ${final.error}`);
    return { ...final, salt: first.salt } as Answer;
  } finally {
    await service?.close();
    await releaseCurve();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

export async function run(model: string, o: Opts): Promise<void> {
  const input = readInputFile(o.input);
  if (o.node) {
    const a = await inferViaNode(model, input, o);
    result(o, describe(a), a);
    return;
  }
  if (!isHexString(model, 32))
    throw new InputError(`<model> must be a registered model id (0x + 64 hex), got "${model}"`);
  const policy = policyOf(o);
  const answer = await withDeployment(o, (conn, d) => inferHere({ model, input, o, policy }, conn, d));
  result(o, describe(answer), answer);
}
