// Brings up everything a node needs on a development chain (the embedded Hardhat network, or a
// local JSON-RPC node with unlocked dev accounts) from its dev accounts:
//
//   account 0  admin: deploys the protocol (or reuses a deployment), grants the role, registers models
//   account 1  operator: stakes the minimum; signs Signed claims, posts batches, sends proofs
//   account 2  attestation verifier: registers the enclave key after checking its document
//
// Each model is registered with Signed (and Attested, when an enclave runs) on top of Proven,
// approving the enclave image that holds the node's code and that model's weights; the
// development enclave is started with those models and its key registered (registerEnclave).
import path from "node:path";
import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { Contract } from "ethers";
import { devCaDir, devRoot, loadOrCreateDevCa } from "../attest/dev-ca.js";
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
  ethers: HardhatEthers;
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
  admin: HardhatEthersSigner;
  operator: HardhatEthersSigner;
  attester: HardhatEthersSigner;
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

  const withEnclave = o.enclave !== false;
  const circuitIds = [...new Set(o.models.map((m) => m.model.ref.circuitId))];
  const pcrs = withEnclave ? enclaveImage({ models: circuitIds }) : undefined;
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

  if (!withEnclave) return { deployment, admin, operator, attester, served };
  const caDir = o.caDir ?? devCaDir();
  const enclave = await EnclaveClient.start({ caDir, models: circuitIds });
  try {
    const registration = await registerEnclave({
      protocol: protocol.connect(attester) as Contract,
      enclave,
      roots: [devRoot(loadOrCreateDevCa(caDir))],
      modelIds: served.map((s) => s.modelId),
      images: [pcrs!],
      operator: operator.address,
      attestationDir: path.join(o.stateDir, "attestations"),
    });
    const expires = new Date(registration.expiresAt * 1000).toISOString();
    say(`enclave key ${enclave.address} attested and registered (image ${measurement}, expires ${expires})`);
    return {
      deployment,
      admin,
      operator,
      attester,
      served,
      image: { pcrs: pcrs!, measurement: measurement! },
      enclave,
      registration,
    };
  } catch (e) {
    await enclave.stop();
    throw e;
  }
}
