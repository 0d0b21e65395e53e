// Deploys and drives the on-chain protocol (the shared Groth16Verifier and AssayProtocol) from
// TypeScript with ethers v6 and the typed factories of the compiled contracts: what the CLI, the
// node and the demo use.
import {
  type BaseContract,
  type ContractRunner,
  type Signer,
  ZeroHash,
  getAddress,
  id,
  keccak256,
  toBeHex,
  toUtf8Bytes,
} from "ethers";
import {
  AssayProtocol__factory,
  EnclaveRegistryLogic__factory,
  ModelRegistryLogic__factory,
} from "../../types/ethers-contracts/factories/protocol/index.js";
import { Groth16Verifier__factory } from "../../types/ethers-contracts/factories/verifier/index.js";
import type { CompiledModel } from "../compile-model.js";
import { AssayError } from "../errors.js";
import type { ChainEthers, ChainSigner } from "./chain-ethers.js";
import { type SetupProvenance, setupProvenance } from "../zk/setup-provenance.js";
import { encodeVerifyingKey, verifyingKeyId } from "../zk/vkey-encoding.js";

export const LEVEL = { None: 0, Signed: 1, Attested: 2, Proven: 3 } as const;
export type LevelName = Exclude<keyof typeof LEVEL, "None">;
export const LEVEL_NAMES = ["None", "Signed", "Attested", "Proven"] as const;

export function levelBit(level: LevelName): number {
  return 1 << LEVEL[level];
}

export interface ProtocolParams {
  minStake: bigint;
  challengeBond: bigint;
  slashAmount: bigint;
  challengerShareBps: number;
  challengeWindow: number;
  responseWindow: number;
  unbondingDelay: number;
  treasury: string;
}

/** Addresses of a deployment; written to disk so later commands find it. */
export interface Deployment {
  format: "assay.deployment";
  version: 1;
  chainId: string;
  verifier: string;
  protocol: string;
  deployer: string;
  deployedAt: string;
}

export class DeploymentError extends AssayError {}

/** Default parameters (also the Ignition module's defaults): 1 ETH stake, 0.1 ETH bond, 1 h windows. */
export const PROTOCOL_DEFAULTS = {
  minStake: 10n ** 18n,
  challengeBond: 10n ** 17n,
  slashAmount: 10n ** 18n,
  challengerShareBps: 5000,
  challengeWindow: 3600,
  responseWindow: 3600,
  unbondingDelay: 4 * 3600,
} as const satisfies Omit<ProtocolParams, "treasury">;

export function defaultParams(treasury: string): ProtocolParams {
  return { ...PROTOCOL_DEFAULTS, treasury };
}

/**
 * Deploys the verifier, the two logic libraries and AssayProtocol. The deployer is admin: `signer`
 * (a local key, for instance), else the chain's first account.
 */
export async function deployAssay(
  ethers: ChainEthers,
  params?: Partial<ProtocolParams>,
  signer?: ChainSigner,
): Promise<Deployment> {
  const deployer = signer ?? (await ethers.getSigners())[0];
  const verifier = await new Groth16Verifier__factory(deployer).deploy();
  const modelLogic = await new ModelRegistryLogic__factory(deployer).deploy();
  const enclaveLogic = await new EnclaveRegistryLogic__factory(deployer).deploy();
  const p = { ...defaultParams(deployer.address), ...params };
  const libraries = {
    "project/contracts/protocol/ModelRegistryLogic.sol:ModelRegistryLogic": await modelLogic.getAddress(),
    "project/contracts/protocol/EnclaveRegistryLogic.sol:EnclaveRegistryLogic": await enclaveLogic.getAddress(),
  };
  const protocol = await new AssayProtocol__factory(libraries, deployer).deploy(
    await verifier.getAddress(),
    deployer.address,
    p,
  );
  await protocol.waitForDeployment();
  return {
    format: "assay.deployment",
    version: 1,
    chainId: (await ethers.provider.getNetwork()).chainId.toString(),
    verifier: await verifier.getAddress(),
    protocol: await protocol.getAddress(),
    deployer: deployer.address,
    deployedAt: new Date().toISOString(),
  };
}

/** Typed handles on a deployment (the contracts' generated factories). */
export async function attach(ethers: ChainEthers, d: Deployment, runner?: ContractRunner) {
  const chainId = (await ethers.provider.getNetwork()).chainId.toString();
  if (chainId !== d.chainId)
    throw new DeploymentError(
      `wrong chain: the deployment is on chain ${d.chainId}, the connected chain is ${chainId}`,
    );
  for (const [name, addr] of [
    ["verifier", d.verifier],
    ["protocol", d.protocol],
  ] as const) {
    if ((await ethers.provider.getCode(addr)) === "0x")
      throw new DeploymentError(`no contract at ${name} address ${addr} on chain ${chainId}`);
  }
  // Without a runner, the first account signs (as Hardhat's getContractAt does), else reads only.
  runner ??= (await ethers.getSigners().catch(() => []))[0] ?? ethers.provider;
  const verifier = Groth16Verifier__factory.connect(d.verifier, runner);
  const protocol = AssayProtocol__factory.connect(d.protocol, runner);
  return { verifier, protocol };
}

export interface RegisterOptions {
  /** Model family name; its id is namespaced by the family's creator (familyIdOf). */
  family: string;
  /** Creator of the family, whose namespace its id is in (default: the registering account). */
  familyOwner?: string;
  /** Where the verifying key came from (default: read from the compiled model's setup). */
  setup?: SetupProvenance;
  levels: LevelName[];
  /** Approved enclave image measurements (bytes32) for Attested. */
  enclaveImages?: string[];
  storageUri?: string;
}

/**
 * The family id of `label` in `owner`'s namespace, as the registry computes it: the owner's
 * address in the top 20 bytes, the low 12 bytes of keccak256(label) below.
 */
export function familyIdOf(owner: string, label: string): string {
  const low = BigInt(id(label)) & ((1n << 96n) - 1n);
  return toBeHex((BigInt(getAddress(owner)) << 96n) | low, 32);
}

/** The registry's ModelVersionInput for a compiled model. */
export function modelVersionInput(
  model: CompiledModel,
  opts: RegisterOptions & { familyOwner: string; setup: SetupProvenance },
) {
  if (!model.vkey) throw new AssayError("model has no verifying key: run setup first");
  const m = model.manifest;
  const tensor = (shape: number[], frac: number, bits: number, isSigned: boolean) => ({ shape, frac, bits, isSigned });
  return {
    family: familyIdOf(opts.familyOwner, opts.family),
    onnxSha256: `0x${m.onnx.sha256}`,
    quantizationHash: keccak256(toUtf8Bytes(JSON.stringify(m.quantization))),
    circuitHash: `0x${m.circuitId.padEnd(64, "0")}`,
    verifyingKeyId: verifyingKeyId(model.vkey),
    allowedLevels: [...new Set([...opts.levels, "Proven" as const])].reduce((a, l) => a | levelBit(l), 0),
    input: tensor(m.input.shape, m.input.frac, m.input.encoding.bits, m.input.encoding.offset !== "0"),
    output: tensor(m.output.shape, m.output.frac, m.output.encoding.bits, m.output.encoding.offset !== "0"),
    storageUri: opts.storageUri ?? `assay://circuits/${m.circuitId}`,
    enclaveImages: opts.enclaveImages ?? [],
    setup: opts.setup,
  };
}

/**
 * Registers the model's verifying key with the shared verifier (idempotent) and a new version of
 * its family in the registry. Returns the model id.
 */
export async function registerModel(
  contracts: { verifier: BaseContract; protocol: BaseContract },
  model: CompiledModel,
  opts: RegisterOptions,
): Promise<{ modelId: string; version: number; keyId: string; gasUsed: bigint; family: string }> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const verifier = contracts.verifier as any;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const protocol = contracts.protocol as any;
  await (await verifier.registerKey(encodeVerifyingKey(model.vkey!))).wait();
  for (const image of opts.enclaveImages ?? []) {
    const known = await protocol.enclaveImage(image);
    if (known.measurement === ZeroHash) await (await protocol.registerImage(image)).wait();
  }
  const familyOwner = opts.familyOwner ?? (await (protocol.runner as Signer).getAddress());
  const setup = opts.setup ?? (await setupProvenance(model));
  const input = modelVersionInput(model, { ...opts, familyOwner, setup });
  const receipt = await (await protocol.registerModelVersion(input)).wait();
  const version = Number(await protocol.latestVersion(input.family));
  return {
    modelId: await protocol.modelIdOf(input.family, version),
    version,
    keyId: input.verifyingKeyId,
    gasUsed: receipt.gasUsed,
    family: input.family,
  };
}
