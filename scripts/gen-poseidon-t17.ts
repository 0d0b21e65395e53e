// Writes the code hashes of the Poseidon (t = 17) constants data contracts into
// contracts/requests/PoseidonT17.sol, from circomlibjs's parameter file (prover/chain/poseidon-t17.ts).
//
//   npx tsx scripts/gen-poseidon-t17.ts          (rewrites the four _HASHn lines)
//   npx tsx scripts/gen-poseidon-t17.ts --check  (exit 1 when the file differs)
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { poseidonT17ChunkHashes } from "../prover/chain/poseidon-t17.js";

const file = fileURLToPath(new URL("../contracts/requests/PoseidonT17.sol", import.meta.url));
const source = readFileSync(file, "utf8");
let updated = source;
poseidonT17ChunkHashes().forEach((hash, i) => {
  const line = new RegExp(`(bytes32 private constant _HASH${i} = )0x[0-9a-f]{64};`);
  if (!line.test(updated)) throw new Error(`PoseidonT17.sol has no _HASH${i} line`);
  updated = updated.replace(line, `$1${hash};`);
});
if (process.argv.includes("--check")) {
  if (updated !== source) {
    console.error("contracts/requests/PoseidonT17.sol: constants hashes are stale (run scripts/gen-poseidon-t17.ts)");
    process.exit(1);
  }
} else if (updated !== source) {
  writeFileSync(file, updated);
  console.log("contracts/requests/PoseidonT17.sol: hashes updated");
} else console.log("contracts/requests/PoseidonT17.sol: up to date");
