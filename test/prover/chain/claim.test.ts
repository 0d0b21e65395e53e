// prover/chain: the claim typed data, the binding signal and the batch tree, checked against
// independent computations (the contract-side agreement is in test/contracts/receipt-hub.test.ts
// and batch-settlement.test.ts).
import { expect } from "chai";
import { AbiCoder, TypedDataEncoder, Wallet, id, keccak256, recoverAddress, Signature, toBeHex } from "ethers";
import { BindingInputError, bindingFor } from "../../../prover/chain/binding.js";
import { BatchTree, BatchTreeError, batchLeaf } from "../../../prover/chain/batch-tree.js";
import {
  CLAIM_TYPE_STRING,
  ClaimFieldError,
  claimIdOf,
  claimStructHash,
  claimTypedData,
  compactSignature,
  hubDomain,
  signClaim,
  signClaimCompact,
  type Claim,
} from "../../../prover/chain/claim.js";
import { expectThrow } from "../../helpers/reject.js";

const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
const HUB = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const claim: Claim = {
  modelId: id("m"),
  inputCommitment: 123n,
  output: 7n,
  requestId: id("r"),
  deadline: 1_700_000_000n,
};

describe("prover/chain", function () {
  it("hashes a claim as EIP-712 says, with the domain's chain and hub", function () {
    const coder = AbiCoder.defaultAbiCoder();
    const structHash = keccak256(
      coder.encode(
        ["bytes32", "bytes32", "uint256", "uint256", "bytes32", "uint64"],
        [id(CLAIM_TYPE_STRING), claim.modelId, claim.inputCommitment, claim.output, claim.requestId, claim.deadline],
      ),
    );
    expect(claimStructHash(claim)).to.equal(structHash);
    const domainHash = keccak256(
      coder.encode(
        ["bytes32", "bytes32", "bytes32", "uint256", "address"],
        [
          id("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
          id("AssayReceiptHub"),
          id("1"),
          31337n,
          HUB,
        ],
      ),
    );
    expect(TypedDataEncoder.hashDomain(hubDomain(31337n, HUB))).to.equal(domainHash);
    expect(claimIdOf(claim, 31337n, HUB)).to.equal(keccak256(`0x1901${domainHash.slice(2)}${structHash.slice(2)}`));
    expect(claimIdOf(claim, 1n, HUB)).to.not.equal(claimIdOf(claim, 31337n, HUB));
    expect(claimIdOf(claim, 31337n, Wallet.createRandom().address)).to.not.equal(claimIdOf(claim, 31337n, HUB));
    expect(claimTypedData(claim, 31337n, HUB).primaryType).to.equal("Claim");
  });

  it("signs claims that recover to the signer, in full and compact form", async function () {
    const wallet = new Wallet(id("signer"));
    const sig = await signClaim(wallet, claim, 31337n, HUB);
    expect(recoverAddress(claimIdOf(claim, 31337n, HUB), sig)).to.equal(wallet.address);
    const compact = await signClaimCompact(wallet, claim, 31337n, HUB);
    expect(compact).to.deep.equal(compactSignature(sig));
    const s = Signature.from(sig);
    expect(BigInt(compact.vs)).to.equal((BigInt(s.yParity) << 255n) | BigInt(s.s));
  });

  it("refuses claims the hub would refuse, naming the field", function () {
    const bad: [Partial<Claim>, string][] = [
      [{ inputCommitment: R }, "inputCommitment"],
      [{ output: -1n }, "output"],
      [{ modelId: "0x1234" }, "modelId"],
      [{ requestId: "request" }, "requestId"],
      [{ deadline: 1n << 64n }, "deadline"],
    ];
    for (const [patch, field] of bad) {
      const err = expectThrow(() => claimIdOf({ ...claim, ...patch }, 31337n, HUB), ClaimFieldError);
      expect(err.field).to.equal(field);
    }
    expect(() => hubDomain(31337n, "not an address")).to.throw(ClaimFieldError);
    expect(() => hubDomain(0n, HUB)).to.throw(ClaimFieldError);
    expect(claimIdOf({ ...claim, inputCommitment: R - 1n }, 31337n, HUB)).to.match(/^0x[0-9a-f]{64}$/);
  });

  it("computes the binding as keccak256(abi.encode(claimId, beneficiary)) mod r", function () {
    const claimId = id("claim");
    const who = Wallet.createRandom().address;
    const expected = BigInt(keccak256(AbiCoder.defaultAbiCoder().encode(["bytes32", "address"], [claimId, who]))) % R;
    expect(bindingFor(claimId, who)).to.equal(expected);
    expect(bindingFor(claimId, who.toLowerCase())).to.equal(expected);
    expect(bindingFor(claimId, who)).to.not.equal(bindingFor(claimId, Wallet.createRandom().address));
    expect(() => bindingFor("0x12", who)).to.throw(BindingInputError);
    expect(() => bindingFor(claimId, "0x12")).to.throw(BindingInputError);
  });

  it("builds sorted-pair Merkle trees whose proofs fold to the root", function () {
    const fold = (leaf: string, proof: string[]) =>
      proof.reduce(
        (acc, sib) =>
          BigInt(acc) < BigInt(sib) ? keccak256(`${acc}${sib.slice(2)}`) : keccak256(`${sib}${acc.slice(2)}`),
        leaf,
      );
    for (const n of [1, 2, 3, 4, 7, 16, 33]) {
      const ids = Array.from({ length: n }, (_, i) => id(`claim ${n} ${i}`));
      const tree = BatchTree.fromClaimIds(ids);
      expect(tree.size).to.equal(n);
      for (let i = 0; i < n; i++) expect(fold(batchLeaf(ids[i]), tree.proof(i))).to.equal(tree.root);
      expect(tree.proof(0).length).to.equal(Math.ceil(Math.log2(n)));
    }
    expect(BatchTree.fromClaimIds([id("solo")]).root).to.equal(batchLeaf(id("solo")));
    expect(batchLeaf(toBeHex(1n, 32))).to.equal(
      keccak256(AbiCoder.defaultAbiCoder().encode(["bytes32"], [toBeHex(1n, 32)])),
    );
    expect(() => BatchTree.fromLeaves(["0x1234"])).to.throw(BatchTreeError);
    expect(() => BatchTree.fromClaimIds([id("a"), id("b")]).proof(2)).to.throw(BatchTreeError);
    expect(() => batchLeaf("0xabc")).to.throw(BatchTreeError);
  });
});
