// Deploys the whole protocol: the universal Groth16 verifier, the two registry logic libraries
// and AssayProtocol (registry, enclaves, staking, receipts, disputes, batches) linked to them.
//
//   npx hardhat ignition deploy ignition/modules/AssayProtocol.ts                      (embedded network)
//   ASSAY_RPC_URL=http://host:8545 npx hardhat ignition deploy ignition/modules/AssayProtocol.ts \
//     --network rpc --parameters ignition/parameters/example.json                        (any JSON-RPC chain)
//
// Parameters (module "AssayProtocol"; defaults suit a test network): admin, treasury (default:
// the deploying account), minStake, challengeBond, slashAmount (wei), challengerShareBps,
// challengeWindow, responseWindow, unbondingDelay (seconds; unbondingDelay must exceed
// 2 * challengeWindow + responseWindow), attestationVerifier (optional: granted the
// attestation-verifier role when given; the admin must be the deploying account for that).
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import VerifierModule from "./Groth16Verifier.js";
import { PROTOCOL_DEFAULTS } from "../../prover/chain/protocol-client.js";

export const DEFAULTS = PROTOCOL_DEFAULTS;

export default buildModule("AssayProtocol", (m) => {
  const { verifier } = m.useModule(VerifierModule);
  const deployer = m.getAccount(0);
  const admin = m.getParameter("admin", deployer);
  const params = {
    minStake: m.getParameter("minStake", DEFAULTS.minStake),
    challengeBond: m.getParameter("challengeBond", DEFAULTS.challengeBond),
    slashAmount: m.getParameter("slashAmount", DEFAULTS.slashAmount),
    challengerShareBps: m.getParameter("challengerShareBps", DEFAULTS.challengerShareBps),
    challengeWindow: m.getParameter("challengeWindow", DEFAULTS.challengeWindow),
    responseWindow: m.getParameter("responseWindow", DEFAULTS.responseWindow),
    unbondingDelay: m.getParameter("unbondingDelay", DEFAULTS.unbondingDelay),
    treasury: m.getParameter("treasury", deployer),
  };
  const modelRegistryLogic = m.library("ModelRegistryLogic");
  const enclaveRegistryLogic = m.library("EnclaveRegistryLogic");
  const protocol = m.contract("AssayProtocol", [verifier, admin, params], {
    libraries: { ModelRegistryLogic: modelRegistryLogic, EnclaveRegistryLogic: enclaveRegistryLogic },
  });
  return { verifier, modelRegistryLogic, enclaveRegistryLogic, protocol };
});
