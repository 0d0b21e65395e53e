// A node on a chain that already has the protocol and the models: the counterpart of
// dev-bootstrap.ts for real chains. It deploys nothing, stakes nothing and registers nothing: it
// checks what is there and serves it with the operator's own key (held by this process). Each
// served model's on-chain id is the one given (checked against the circuit's verifying key), or
// found by reading ModelVersionRegistered events from the deployment's block in bounded ranges
// (`logRange` blocks per eth_getLogs call: public endpoints cap a call at a few thousand blocks)
// and taking the latest active version registered with the circuit's key.
import type { Contract, Signer } from "ethers";
import { isHexString } from "ethers";
import type { ChainEthers } from "../chain/chain-ethers.js";
import { attach, type Deployment } from "../chain/protocol-client.js";
import { AssayError } from "../errors.js";
import { verifyingKeyId } from "../zk/vkey-encoding.js";
import type { DevModel } from "./dev-bootstrap.js";
import type { ServedModel } from "./inference-service.js";

export class ExistingNodeError extends AssayError {}

export interface ExistingNodeOptions {
  ethers: ChainEthers;
  deployment: Deployment & { blockNumber?: number };
  /** The operator: signs claims, sends transactions, receives proof bonds. */
  operator: Signer & { readonly address: string };
  /** Models to serve; a `modelId` pins the on-chain version. */
  models: readonly DevModel[];
  /** Blocks per eth_getLogs call when looking models up (default 2000). */
  logRange?: number;
  /** First block to look from (default: the deployment's block, else 0). */
  fromBlock?: number;
  log?: (line: string) => void;
}

export interface ExistingNode {
  deployment: Deployment;
  operator: Signer & { readonly address: string };
  served: ServedModel[];
  /** Whether the operator's stake allows Signed claims now. */
  staked: boolean;
}

const ACTIVE = 1;

/**
 * For each of `keyIds`, the active model ids registered with it, oldest first: one pass over the
 * registration events in `range`-block steps, whatever the number of models looked up.
 */
async function modelIdsByKey(
  hub: Contract,
  keyIds: ReadonlySet<string>,
  from: number,
  range: number,
): Promise<Map<string, string[]>> {
  const head = await hub.runner!.provider!.getBlockNumber();
  const found = new Map<string, string[]>([...keyIds].map((k) => [k, []]));
  for (let start = from; start <= head; start += range) {
    const end = Math.min(head, start + range - 1);
    const events = (await hub.queryFilter(hub.filters.ModelVersionRegistered(), start, end)) as unknown as {
      args: { modelId: string; input: { verifyingKeyId: string } };
    }[];
    for (const e of events) found.get(e.args.input.verifyingKeyId)?.push(e.args.modelId);
  }
  for (const [key, ids] of found) {
    const active: string[] = [];
    for (const id of ids) if (Number((await hub.modelVersion(id)).status) === ACTIVE) active.push(id);
    found.set(key, active);
  }
  return found;
}

export async function attachExistingNode(o: ExistingNodeOptions): Promise<ExistingNode> {
  const say = o.log ?? (() => {});
  const range = o.logRange ?? 2000;
  if (!Number.isInteger(range) || range < 1) throw new RangeError(`logRange must be an integer >= 1, got ${range}`);
  const hub = (await attach(o.ethers, o.deployment, o.operator)).protocol as unknown as Contract;
  const where = `chain ${o.deployment.chainId} (protocol ${o.deployment.protocol})`;
  const staked: boolean = await hub.isStaked(o.operator.address);
  if (!staked)
    say(
      `operator ${o.operator.address} is not staked on ${where}: no Signed claims until it is ` +
        "(assay stake <eth> with the same key)",
    );
  const from = o.fromBlock ?? o.deployment.blockNumber ?? 0;
  const named = o.models.map((m) => {
    const circuit = m.model.ref.circuitId;
    const name = m.alias ? `${m.alias} (circuit ${circuit})` : `circuit ${circuit}`;
    if (!m.model.vkey) throw new ExistingNodeError(`model ${name} has no verifying key: run setup first`);
    return { m, name, keyId: verifyingKeyId(m.model.vkey) };
  });
  const unpinned = new Set(named.filter((n) => n.m.modelId === undefined).map((n) => n.keyId));
  let byKey = new Map<string, string[]>();
  if (unpinned.size > 0) {
    say(`looking up ${unpinned.size} model(s) by verifying key from block ${from}, ${range} blocks per call`);
    byKey = await modelIdsByKey(hub, unpinned, from, range);
  }
  const served: ServedModel[] = [];
  for (const { m, name, keyId } of named) {
    const modelId =
      m.modelId === undefined
        ? latestWithKey(byKey, keyId, name, where, say)
        : await pinned(hub, m.modelId, keyId, name, where);
    served.push({ modelId, model: m.model, alias: m.alias });
  }
  return { deployment: o.deployment, operator: o.operator, served, staked };
}

/** The latest active version registered with the model's key. */
function latestWithKey(
  byKey: Map<string, string[]>,
  keyId: string,
  name: string,
  where: string,
  say: (line: string) => void,
): string {
  const ids = byKey.get(keyId) ?? [];
  if (ids.length === 0)
    throw new ExistingNodeError(
      `no active model version on ${where} has the verifying key of ${name} (${keyId}): register it ` +
        "(assay model register) or pass --model-id",
    );
  const latest = ids[ids.length - 1];
  if (ids.length > 1) say(`${name}: ${ids.length} active versions have its key; serving the latest, ${latest}`);
  return latest;
}

/** `modelId` as given, checked to be registered with the model's key. */
async function pinned(hub: Contract, modelId: string, keyId: string, name: string, where: string): Promise<string> {
  if (!isHexString(modelId, 32)) throw new ExistingNodeError(`--model-id ${modelId} is not 32-byte hex`);
  let version;
  try {
    version = await hub.modelVersion(modelId);
  } catch {
    throw new ExistingNodeError(`model id ${modelId} is not registered on ${where}`);
  }
  if (version.verifyingKeyId !== keyId)
    throw new ExistingNodeError(
      `model id ${modelId} is registered with key ${version.verifyingKeyId}, but ${name} has key ${keyId}`,
    );
  return modelId;
}
