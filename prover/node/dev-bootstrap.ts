// Brings up everything a node needs on a development chain (the embedded Hardhat network, or a
// local JSON-RPC node with unlocked dev accounts) from its dev accounts:
//
//   account 0  admin: deploys the protocol (or reuses a deployment), grants the role, registers models
//   account 1  operator: stakes the minimum; signs Signed claims, posts batches, sends proofs
//   account 2  attestation verifier: registers the enclave key after checking its document
//
// Each model is registered with Signed (and Attested, when an enclave runs) on top of Proven,
// approving the enclave image that holds the node's code and that model's weights and verifying
// key; the development enclave is started with those models, each model id bound to its circuit
// inside the enclave, and its key registered (registerEnclave) with the operator's consent.
// The development enclave is refused on a chain that is not a local development chain.
import path from "node:path";
import type { ChainEthers, ChainSigner } from "../chain/chain-ethers.js";
import type { Contract } from "ethers";
import type { ArtifactRef } from "../artifacts.js";
import { devCaDir, devRoot, loadOrCreateDevCa, requireDevelopmentChain } from "../attest/dev-ca.js";
import { EnclaveClient, enclaveImage } from "../attest/enclave-client.js";
import { attach, deployAssay, type Deployment, registerModel } from "../chain/protocol-client.js";
import type { CompiledModel } from "../compile-model.js";
import { AssayError } from "../errors.js";
import { imageMeasurementId, registerEnclave, type RegisteredEnclave } from "./enclave-registration.js";
import type { ServedModel } from "./inference-service.js";

export interface DevModel {
  model: CompiledModel;
  /** Short name for requests; also the model family's name (default: the circuit id). */
  alias?: string;
  /** An existing on-chain id to serve instead of registering a new version. */
  modelId?: string;
}

export interface DevBootstrapOptions {
  ethers: ChainEthers;
  models: readonly DevModel[];
  /** Reuse this deployment (default: deploy a new one). */
  deployment?: Deployment;
  /** Start and register a development enclave serving the models (default true). */
  enclave?: boolean;
  /** Development CA directory (default <cache>/attest/dev-ca). */
  caDir?: string;
  /** Attestation documents are kept under <stateDir>/attestations. */
  stateDir: string;
  log?: (line: string) => void;
}

export interface DevBootstrap {
  deployment: Deployment;
  admin: ChainSigner;
  operator: ChainSigner;
  attester: ChainSigner;
  served: ServedModel[];
  /** The enclave image's PCRs and its on-chain measurement. */
  image?: { pcrs: Record<number, string>; measurement: string };
  enclave?: EnclaveClient;
  registration?: RegisteredEnclave;
}

export async function bootstrapDevNode(o: DevBootstrapOptions): Promise<DevBootstrap> {
  const say = o.log ?? (() => {});
  const signers = await o.ethers.getSigners();
  if (signers.length < 3)
    throw new AssayError(
      "a development node needs 3 unlocked accounts (admin, operator, attestation verifier); " +
        `the chain has ${signers.length}`,
    );
  const [admin, operator, attester] = signers;
  const withEnclave = o.enclave !== false;
  const chainId = (await o.ethers.provider.getNetwork()).chainId;
  if (withEnclave)
    requireDevelopmentChain(chainId, "the development enclave", "or run the node without an enclave (--no-enclave)");
  const deployment = o.deployment ?? (await deployAssay(o.ethers));
  if (!o.deployment) say(`deployed the protocol at ${deployment.protocol} (verifier ${deployment.verifier})`);
  const contracts = await attach(o.ethers, deployment, admin);
  const protocol = contracts.protocol as unknown as Contract;

  const role = await protocol.ATTESTATION_VERIFIER_ROLE();
  if (!(await protocol.hasRole(role, attester.address)))
    await (await protocol.grantRole(role, attester.address)).wait();
  if (!(await protocol.isStaked(operator.address))) {
    await (await (protocol.connect(operator) as Contract).stake({ value: await protocol.minStake() })).wait();
    say(`operator ${operator.address} staked`);
  }

  const refs = enclaveModelRefs(o.models);
  const pcrs = withEnclave ? enclaveImage({ models: refs }) : undefined;
  const measurement = pcrs ? imageMeasurementId(pcrs) : undefined;

  const served: ServedModel[] = [];
  for (const m of o.models) {
    let modelId = m.modelId;
    if (!modelId) {
      const r = await registerModel(contracts, m.model, {
        family: m.alias ?? m.model.ref.circuitId,
        levels: withEnclave ? ["Signed", "Attested"] : ["Signed"],
        enclaveImages: measurement ? [measurement] : [],
      });
      modelId = r.modelId;
      say(`registered ${m.alias ?? m.model.ref.circuitId} (circuit ${m.model.ref.circuitId}) as model ${modelId}`);
    }
    served.push({ modelId, model: m.model, alias: m.alias });
  }

  const base = { deployment, admin, operator, attester, served };
  if (!withEnclave) return base;
  const image = { pcrs: pcrs!, measurement: measurement! };
  return { ...base, image, ...(await startDevEnclave(o, { protocol, chainId, refs, image, ...base })) };
}

/** Starts the development enclave with the served models bound, and registers its key with the operator's consent. */
async function startDevEnclave(
  o: DevBootstrapOptions,
  c: Pick<DevBootstrap, "operator" | "attester" | "served"> & {
    protocol: Contract;
    chainId: bigint;
    refs: ArtifactRef[];
    image: { pcrs: Record<number, string>; measurement: string };
  },
): Promise<{ enclave: EnclaveClient; registration: RegisteredEnclave }> {
  const caDir = o.caDir ?? devCaDir();
  const enclave = await EnclaveClient.start({
    caDir,
    models: c.refs,
    bindings: c.served.map((s) => ({ modelId: s.modelId, circuitId: s.model.ref.circuitId })),
    chainId: c.chainId,
  });
  try {
    const registration = await registerEnclave({
      protocol: c.protocol.connect(c.attester) as Contract,
      enclave,
      roots: [devRoot(loadOrCreateDevCa(caDir))],
      modelIds: c.served.map((s) => s.modelId),
      images: [c.image.pcrs],
      operator: c.operator.address,
      operatorSigner: c.operator,
      attestationDir: path.join(o.stateDir, "attestations"),
    });
    const expires = new Date(registration.expiresAt * 1000).toISOString();
    o.log?.(
      `enclave key ${enclave.address} attested and registered (image ${c.image.measurement}, expires ${expires})`,
    );
    return { enclave, registration };
  } catch (e) {
    await enclave.stop();
    throw e;
  }
}

/** The compiled models the enclave serves (one per circuit), with the keys they were set up with. */
export function enclaveModelRefs(models: readonly Pick<DevModel, "model">[]): ArtifactRef[] {
  const byCircuit = new Map<string, ArtifactRef>();
  for (const { model } of models) {
    const ref = { circuitId: model.ref.circuitId, ptauId: model.ref.ptauId };
    const seen = byCircuit.get(ref.circuitId);
    if (seen && seen.ptauId !== ref.ptauId)
      throw new AssayError(
        `circuit ${ref.circuitId} is served with two sets of keys (${seen.ptauId}, ${ref.ptauId}): pick one`,
      );
    byCircuit.set(ref.circuitId, ref);
  }
  return [...byCircuit.values()];
}
