// The consumer kit from a dApp's point of view: a fresh Hardhat project with the package installed
// in node_modules/assay (exactly the files `npm pack` ships, package.json and its `exports`
// included) compiles a contract that imports the kit by the documented paths
// (`assay/contracts/consumer/...`). The contract is then deployed and the node reads its policy.
import { spawnSync } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { network } from "hardhat";
import { ContractFactory, parseEther } from "ethers";
import { PROJECT_ROOT } from "../../prover/artifacts.js";
import { consumerRequiredLevel } from "../../prover/node/routing.js";

const { ethers } = await network.create();

/** The import lines the README documents. */
const KIT_IMPORTS = [
  'import {AssayConsumer} from "assay/contracts/consumer/AssayConsumer.sol";',
  'import {AssayOutput} from "assay/contracts/consumer/AssayOutput.sol";',
  'import {IAssayConsumer} from "assay/contracts/consumer/IAssayConsumer.sol";',
  'import {Claim, IReceiptHub, Level} from "assay/contracts/interfaces/IReceiptHub.sol";',
  'import {ConsequencePolicy} from "assay/contracts/policy/ConsequencePolicy.sol";',
];

const RISK_GATE = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

${KIT_IMPORTS.join("\n")}

contract RiskGate is AssayConsumer {
    bytes32 public immutable MODEL;
    int256 public lastScore;

    constructor(IReceiptHub hub, bytes32 model)
        AssayConsumer(hub, ConsequencePolicy.Thresholds(1 ether, 10 ether)) {
        MODEL = model;
    }

    function act(Claim calldata claim, uint256 inputCommitment, uint256 value) external {
        (, uint256 output) = _acceptClaim(claim, MODEL, inputCommitment, value);
        AssayOutput.Format memory f = AssayOutput.Format({count: 3, bits: 20, isSigned: true, frac: 8});
        lastScore = AssayOutput.valueInUnits(output, f, 0, 1e18);
    }

    function levelFor(uint256 value) external view returns (Level) {
        return IAssayConsumer(address(this)).requiredLevel(value);
    }
}
`;

const HARDHAT_CONFIG = `import { defineConfig } from "hardhat/config";
export default defineConfig({
  solidity: {
    version: "0.8.28",
    path: ${JSON.stringify(path.join(PROJECT_ROOT, "node_modules/solc/soljson.js"))},
    settings: { evmVersion: "cancun", optimizer: { enabled: true, runs: 200 } },
  },
});
`;

/** The package's files as `npm pack` selects them (no lifecycle scripts run). */
function packedFiles(): string[] {
  const r = spawnSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
    cwd: PROJECT_ROOT,
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`npm pack --dry-run failed: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { files: { path: string }[] }[])[0].files.map((f) => f.path);
}

describe("consumer kit: imported from an installed package", function () {
  let dir: string;
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("a dApp project compiles a contract importing assay/contracts/consumer/*; the node reads it", async function () {
    dir = await mkdtemp(path.join(tmpdir(), "assay-consumer-"));
    const pkg = path.join(dir, "node_modules", "assay");
    const files = packedFiles().filter((f) => f === "package.json" || f.endsWith(".sol"));
    expect(files).to.include.members([
      "contracts/consumer/AssayConsumer.sol",
      "contracts/consumer/AssayOutput.sol",
      "contracts/consumer/IAssayConsumer.sol",
    ]);
    for (const f of files) {
      await mkdir(path.dirname(path.join(pkg, f)), { recursive: true });
      await cp(path.join(PROJECT_ROOT, f), path.join(pkg, f));
    }
    await symlink(path.join(PROJECT_ROOT, "node_modules", "hardhat"), path.join(dir, "node_modules", "hardhat"));
    const manifest = { name: "dapp", private: true, type: "module", dependencies: { assay: "0.1.0" } };
    await writeFile(path.join(dir, "package.json"), JSON.stringify(manifest));
    await writeFile(path.join(dir, "hardhat.config.ts"), HARDHAT_CONFIG);
    await mkdir(path.join(dir, "contracts"));
    await writeFile(path.join(dir, "contracts", "RiskGate.sol"), RISK_GATE);

    const cli = path.join(dir, "node_modules", "hardhat", "dist", "src", "cli.js");
    // The child must not inherit this run's Hardhat settings (HARDHAT_CONFIG names this project's).
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("HARDHAT_")));
    const config = path.join(dir, "hardhat.config.ts");
    const build = spawnSync(process.execPath, [cli, "--config", config, "build"], { cwd: dir, env, encoding: "utf8" });
    expect(build.status, `${build.stdout}\n${build.stderr}`).to.equal(0);

    const artifact = JSON.parse(
      await readFile(path.join(dir, "artifacts", "contracts", "RiskGate.sol", "RiskGate.json"), "utf8"),
    ) as { abi: unknown[]; bytecode: string };
    const [deployer] = await ethers.getSigners();
    const hub = (await ethers.getSigners())[5].address;
    const gate = await new ContractFactory(artifact.abi as never, artifact.bytecode, deployer).deploy(
      hub,
      `0x${"11".repeat(32)}`,
    );
    const address = await gate.getAddress();
    expect((await consumerRequiredLevel(ethers.provider, address, parseEther("1"))).level).to.equal("Signed");
    expect((await consumerRequiredLevel(ethers.provider, address, parseEther("2"))).level).to.equal("Attested");
    expect((await consumerRequiredLevel(ethers.provider, address, parseEther("11"))).level).to.equal("Proven");
  });
});
