// Deploys the example consumer (ParametricInsurance) against the protocol deployed by
// AssayProtocol.ts. Parameters (module "ParametricInsurance"): signedMax and attestedMax, the
// payout thresholds (wei) up to which a Signed / an Attested claim suffices; above: Proven.
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import ProtocolModule from "./AssayProtocol.js";

export default buildModule("ParametricInsurance", (m) => {
  const { protocol, verifier } = m.useModule(ProtocolModule);
  const thresholds = {
    signedMax: m.getParameter("signedMax", 10n ** 17n),
    attestedMax: m.getParameter("attestedMax", 10n ** 18n),
  };
  const insurance = m.contract("ParametricInsurance", [protocol, thresholds]);
  return { verifier, protocol, insurance };
});
