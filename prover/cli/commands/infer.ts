// assay infer <model> --input f.json --value <at risk>: one verifiable inference at the level the
// value at risk calls for. Runs the node's inference service in this process (Signed: the signing
// account signs and submits; Proven: proves and submits before returning), or asks a running node
// (--node <url>), which can also give Attested from its enclave.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Command } from "commander";
import { isHexString } from "ethers";
import { openRegisteredModel, readRegisteredModel } from "../../chain/registered-model.js";
import { AssayError, InputError } from "../../errors.js";
import { DEFAULT_NODE_CONFIG } from "../../node/config.js";
import { type ClaimView, InferenceService } from "../../node/inference-service.js";
import { releaseCurve } from "../../zk/groth16.js";
import { type GlobalOptions, progress, result } from "../output.js";
import { readInputFile } from "../parse.js";
import { addressOption } from "./chain-parse.js";
import { type ChainOptions, deploymentOptions, withDeployment } from "./chain-options.js";
import type { ChainConnection } from "../../chain/chain-connection.js";
import type { OpenDeployment } from "../../chain/open-deployment.js";
import type { NodeConfig } from "../../node/config.js";

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

interface Opts extends GlobalOptions, ChainOptions {
  input: string;
  value: bigint;
  level: string;
  consumer?: string;
  node?: string;
  apiKey?: string;
  signedMax?: bigint;
  attestedMax?: bigint;
}

function uintOption(name: string) {
  return (v: string): bigint => {
    if (!/^(0|[1-9]\d*|0x[0-9a-fA-F]+)$/.test(v))
      throw new InputError(`${name} must be a non-negative integer (decimal or 0x hex), got "${v}"`);
    const n = BigInt(v);
    if (n >= 1n << 256n) throw new InputError(`${name} must be below 2^256, got ${v}`);
    return n;
  };
}

function levelOption(v: string): string {
  const l = v.toLowerCase();
  if (!["auto", "signed", "attested", "proven"].includes(l))
    throw new InputError(`--level must be auto, signed, attested or proven, got "${v}"`);
  return l;
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
    `  output       label ${a.output.label} (${a.output.signal})`,
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

function addOptions(cmd: Command): Command {
  return cmd
    .requiredOption("--input <file>", "input tensor: JSON array of numbers (or { input: [...] })")
    .requiredOption(
      "--value <at risk>",
      "value at risk in the consumer's unit (wei for the node policy)",
      uintOption("--value"),
    )
    .option("--level <level>", "auto, signed, attested or proven", levelOption, "auto")
    .option("--consumer <address>", "contract whose requiredLevel(uint256) sets the level", addressOption("--consumer"))
    .option("--node <url>", "ask a running assay node (POST <url>/v1/infer) instead of running here")
    .option("--api-key <token>", "the node's API key for --node (default: $ASSAY_API_KEY)")
    .option(
      "--signed-max <wei>",
      `node policy: highest value at risk for Signed (default ${DEFAULT_NODE_CONFIG.policy.signedMax})`,
      uintOption("--signed-max"),
    )
    .option(
      "--attested-max <wei>",
      `node policy: highest value at risk for Attested (default ${DEFAULT_NODE_CONFIG.policy.attestedMax})`,
      uintOption("--attested-max"),
    );
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
  ctx: { model: string; input: number[]; o: Opts; g: GlobalOptions; policy: NodeConfig["policy"] },
  conn: ChainConnection,
  d: OpenDeployment,
): Promise<Answer> {
  const { model, input, o, g, policy } = ctx;
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
      log: (line) => progress(g, `[node] ${line}`),
    });
    progress(g, `[infer] model ${model} on chain ${conn.chainId}, value at risk ${o.value}`);
    const first = await service.infer({ model, input, valueAtRisk: o.value, level: o.level, consumer: o.consumer });
    if (first.status === "proving") {
      progress(g, `[infer] Proven: proving claim ${first.claimId} and submitting it`);
      await service.idle();
    }
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

export function registerInfer(program: Command, globals: () => GlobalOptions): void {
  const cmd = program
    .command("infer")
    .argument("<model>", "registered model id (bytes32); with --node, also a name the node serves")
    .summary("run one inference at the level its value at risk needs")
    .description(
      "run one inference and put its claim on chain at the level the value at risk needs: the consumer's " +
        "requiredLevel(value) (--consumer) or the node policy (Signed up to --signed-max, Attested up to " +
        "--attested-max, else Proven); --level asks for more, never less. In this process the signing account " +
        "signs (it must be staked) or proves; Attested needs a node with an enclave (--node <url>).",
    );
  addOptions(cmd);
  deploymentOptions(cmd);
  cmd.action(async (model: string, o: Opts) => {
    const g = { ...globals(), ...o };
    const input = readInputFile(o.input);
    if (o.node) {
      const a = await inferViaNode(model, input, o);
      result(g, describe(a), a);
      return;
    }
    if (!isHexString(model, 32))
      throw new InputError(`<model> must be a registered model id (0x + 64 hex), got "${model}"`);
    const policy = policyOf(o);
    const answer = await withDeployment(o, (conn, d) => inferHere({ model, input, o, g, policy }, conn, d));
    result(g, describe(answer), answer);
  });
}
