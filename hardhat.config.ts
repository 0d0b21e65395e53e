import { createRequire } from "node:module";
import { defineConfig } from "hardhat/config";
import hardhatToolboxMochaEthers from "@nomicfoundation/hardhat-toolbox-mocha-ethers";

const require = createRequire(import.meta.url);

// solc comes from the npm `solc` package (soljson.js), so Hardhat never downloads a compiler.
const solc = {
  version: "0.8.28",
  path: require.resolve("solc/soljson.js"),
  settings: { evmVersion: "cancun", optimizer: { enabled: true, runs: 800 }, viaIR: false },
};

export default defineConfig({
  plugins: [hardhatToolboxMochaEthers],
  solidity: { profiles: { default: solc, production: solc } },
  paths: { tests: { mocha: "test" } },
  test: { mocha: { timeout: 600_000 } },
  networks: {
    hardhatMainnet: { type: "edr-simulated", chainType: "l1" },
    // `assay --rpc <url>`: the node's own accounts, or the key in $ASSAY_PRIVATE_KEY.
    rpc: {
      type: "http",
      chainType: "l1",
      url: process.env.ASSAY_RPC_URL ?? "http://127.0.0.1:8545",
      accounts: process.env.ASSAY_PRIVATE_KEY ? [process.env.ASSAY_PRIVATE_KEY] : "remote",
    },
  },
});
