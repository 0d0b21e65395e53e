// Deploys the universal Groth16 verifier (one per chain; models register their keys in it).
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

export default buildModule("Groth16Verifier", (m) => {
  const verifier = m.contract("Groth16Verifier");
  return { verifier };
});
