// On-chain inference requests (contracts/requests/AssayRequestHub.sol) from TypeScript: the
// request and fulfilment ids the hub computes, the on-chain input encoding and its commitment
// (salt 0), the Requested event decoded, and the deployment of the hub with its Poseidon.
import { AbiCoder, Interface, keccak256, type Log } from "ethers";
import { AssayRequestHub__factory } from "../../types/ethers-contracts/factories/requests/index.js";
import { commitTensor, packWords, type TensorEncoding, unpackWords } from "../commit/tensor-commitment.js";
import type { ChainEthers, ChainSigner } from "./chain-ethers.js";
import { LEVEL_NAMES, type LevelName } from "./protocol-client.js";
import { deployPoseidonT17 } from "./poseidon-t17.js";

const coder = AbiCoder.defaultAbiCoder();

const REQUEST_TUPLE =
  "tuple(address requester, uint96 fee, bytes32 modelId, uint256 inputCommitment, uint8 requiredLevel, " +
  "uint32 callbackGas, uint64 deadline)";
const INPUT_TUPLE = "tuple(uint256[] words, uint256 n, uint256 bits, uint256 offset)";
const CLAIM_TUPLE =
  "tuple(bytes32 modelId, uint256 inputCommitment, uint256 output, bytes32 requestId, uint64 deadline)";

/** The hub's ABI, as the node uses it (human-readable: no build artifacts needed). */
export const REQUEST_HUB_ABI = [
  "event Requested(bytes32 indexed requestId, address indexed requester, bytes32 indexed modelId, " +
    `${REQUEST_TUPLE} request, ${INPUT_TUPLE} input, uint256 valueAtRisk)`,
  "event Fulfilled(bytes32 indexed requestId, bytes32 indexed claimId, address indexed payee, uint8 level, " +
    "uint256 fee)",
  "event CallbackResult(bytes32 indexed requestId, bool success)",
  "event Refunded(bytes32 indexed requestId, address indexed requester, uint256 fee)",
  `function fulfil(bytes32 requestId, ${REQUEST_TUPLE} req, address payee, ${CLAIM_TUPLE} claim)`,
  `function fulfilSigned(bytes32 requestId, ${REQUEST_TUPLE} req, address payee, ${CLAIM_TUPLE} claim, ` +
    "bytes32 r, bytes32 vs)",
  "function statusOf(bytes32 requestId) view returns (uint8)",
  "function receiptHub() view returns (address)",
  "function owedTo(address account) view returns (uint256)",
  "function withdraw()",
];
export const requestHubInterface = new Interface(REQUEST_HUB_ABI);

/** A request as the hub stores (by hash) and emits it. */
export interface HubRequest {
  requester: string;
  fee: bigint;
  modelId: string;
  inputCommitment: bigint;
  requiredLevel: number;
  callbackGas: bigint;
  deadline: bigint;
}

/** The on-chain input: packed words and the encoding (AssayInput.sol's InputTensor). */
export interface InputTensor {
  words: bigint[];
  n: bigint;
  bits: bigint;
  offset: bigint;
}

/** A Requested event, decoded. */
export interface RequestedEvent {
  requestId: string;
  request: HubRequest;
  input: InputTensor;
  valueAtRisk: bigint;
  blockNumber: number;
  transactionHash: string;
}

/** Request status codes of `statusOf`. */
export const REQUEST_STATUS = ["unknown", "open", "fulfilled", "refunded"] as const;

/** `keccak256(abi.encode(chainId, hub, nonce))`: the id of the hub's request number `nonce`. */
export function requestIdOf(chainId: bigint, hub: string, nonce: bigint): string {
  return keccak256(coder.encode(["uint256", "address", "uint256"], [chainId, hub, nonce]));
}

/** The request id a claim must carry to fulfil `requestId` for `payee`. */
export function fulfilmentIdOf(requestId: string, payee: string): string {
  return keccak256(coder.encode(["bytes32", "address"], [requestId, payee]));
}

/** The on-chain form of `values` under `enc`. */
export function inputTensorOf(values: readonly bigint[], enc: TensorEncoding): InputTensor {
  return { words: packWords(values, enc), n: BigInt(enc.n), bits: BigInt(enc.bits), offset: enc.offset };
}

/** The encoding an InputTensor declares. */
export function encodingOf(input: InputTensor): TensorEncoding {
  return { n: Number(input.n), bits: Number(input.bits), offset: input.offset };
}

/** The integer values of an InputTensor (throws when its words do not fit its encoding). */
export function valuesOf(input: InputTensor): bigint[] {
  const enc = encodingOf(input);
  const values = unpackWords(input.words, enc);
  const words = packWords(values, enc);
  if (words.length !== input.words.length || words.some((w, i) => w !== input.words[i]))
    throw new Error("the input's words do not match its encoding");
  return values;
}

/** The commitment the hub computes for `input`: commitTensor with salt 0. */
export function onchainInputCommitment(input: InputTensor): Promise<bigint> {
  return commitTensor(valuesOf(input), encodingOf(input), 0n);
}

export function levelName(level: number): LevelName | "None" {
  return LEVEL_NAMES[level] ?? "None";
}

/** Decodes a Requested log of the hub (null for any other log). */
export function decodeRequested(log: Log): RequestedEvent | null {
  const parsed = requestHubInterface.parseLog(log);
  if (!parsed || parsed.name !== "Requested") return null;
  const r = parsed.args.request;
  const i = parsed.args.input;
  return {
    requestId: parsed.args.requestId as string,
    request: {
      requester: r.requester as string,
      fee: r.fee as bigint,
      modelId: r.modelId as string,
      inputCommitment: r.inputCommitment as bigint,
      requiredLevel: Number(r.requiredLevel),
      callbackGas: r.callbackGas as bigint,
      deadline: r.deadline as bigint,
    },
    input: { words: [...(i.words as bigint[])], n: i.n as bigint, bits: i.bits as bigint, offset: i.offset as bigint },
    valueAtRisk: parsed.args.valueAtRisk as bigint,
    blockNumber: log.blockNumber,
    transactionHash: log.transactionHash,
  };
}

/** Deploys PoseidonT17 (with its constants) and an AssayRequestHub on `protocol`. */
export async function deployRequestHub(
  ethers: ChainEthers,
  protocol: string,
  opts: { requestTtl?: number; maxCallbackGas?: number; signer?: ChainSigner } = {},
): Promise<{ hub: string; poseidon: string }> {
  const poseidon = await deployPoseidonT17(ethers, opts.signer);
  const from = opts.signer ?? (await ethers.getSigners())[0];
  const hub = await new AssayRequestHub__factory(from).deploy(
    protocol,
    poseidon,
    opts.requestTtl ?? 3600,
    opts.maxCallbackGas ?? 1_000_000,
  );
  await hub.waitForDeployment();
  return { hub: await hub.getAddress(), poseidon };
}
