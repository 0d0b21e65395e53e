// The constants of circomlib's Poseidon for 16 inputs (t = 17) as the data contracts that
// contracts/requests/PoseidonT17.sol reads, and their deployment. The words come from
// circomlibjs's own parameter file (poseidon_constants_opt.json), the same ones its `poseidon`
// and circomlib's circuit use, in the order C, S, M (row-major), P.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { concat, keccak256, toBeHex, type Signer } from "ethers";
import { PoseidonT17__factory } from "../../types/ethers-contracts/factories/requests/index.js";
import type { ChainEthers, ChainSigner } from "./chain-ethers.js";

const T = 17;
/** Words per data contract (the last one holds the rest); matches PoseidonT17.sol. */
export const CHUNK_WORDS = 767;
export const CONSTANT_WORDS = 3026;

interface OptConstants {
  C: string[][];
  S: string[][];
  M: string[][][];
  P: string[][][];
}

let words: bigint[] | undefined;

/** The 3,026 constant words, in the order the contract reads them. */
export function poseidonT17Words(): bigint[] {
  if (words) return words;
  const require = createRequire(import.meta.url);
  const root = dirname(dirname(require.resolve("circomlibjs")));
  const c = JSON.parse(readFileSync(join(root, "src", "poseidon_constants_opt.json"), "utf8")) as OptConstants;
  const i = T - 2;
  const flat = [...c.C[i], ...c.S[i], ...c.M[i].flat(), ...c.P[i].flat()].map((v) => BigInt(v));
  if (flat.length !== CONSTANT_WORDS)
    throw new Error(`expected ${CONSTANT_WORDS} Poseidon constants, got ${flat.length}`);
  words = flat;
  return flat;
}

/** Runtime code of the four data contracts: 0x00 (STOP) followed by their words. */
export function poseidonT17ChunkCodes(): string[] {
  const all = poseidonT17Words();
  const codes: string[] = [];
  for (let start = 0; start < all.length; start += CHUNK_WORDS) {
    const part = all.slice(start, start + CHUNK_WORDS).map((w) => toBeHex(w, 32));
    codes.push(concat(["0x00", ...part]));
  }
  return codes;
}

/** keccak256 of each data contract's code: the constants PoseidonT17.sol checks. */
export function poseidonT17ChunkHashes(): string[] {
  return poseidonT17ChunkCodes().map((code) => keccak256(code));
}

/** Init code returning `code` as the runtime code: PUSH2 len DUP1 PUSH1 10 PUSH0 CODECOPY PUSH0 RETURN. */
function dataInitCode(code: string): string {
  const len = (code.length - 2) / 2;
  if (len > 0x6000) throw new Error(`data contract of ${len} bytes exceeds 24,576`);
  return concat([`0x61${len.toString(16).padStart(4, "0")}80600a5f395ff3`, code]);
}

/** Deploys the four data contracts and returns their addresses. */
export async function deployPoseidonT17Chunks(signer: Signer): Promise<string[]> {
  const addresses: string[] = [];
  for (const code of poseidonT17ChunkCodes()) {
    const tx = await signer.sendTransaction({ data: dataInitCode(code) });
    const receipt = await tx.wait();
    if (!receipt?.contractAddress) throw new Error("a Poseidon constants data contract was not created");
    addresses.push(receipt.contractAddress);
  }
  return addresses;
}

/** Deploys the data contracts and PoseidonT17 bound to them; returns PoseidonT17's address. */
export async function deployPoseidonT17(ethers: ChainEthers, signer?: ChainSigner): Promise<string> {
  const from = signer ?? (await ethers.getSigners())[0];
  const chunks = await deployPoseidonT17Chunks(from);
  const [a, b, c, d] = chunks;
  const contract = await new PoseidonT17__factory(from).deploy([a, b, c, d]);
  await contract.waitForDeployment();
  return contract.getAddress();
}
