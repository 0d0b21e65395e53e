// Grants the attestation-verifier role of a deployed protocol to the account that checks enclave
// attestation documents off-chain (see IEnclaveRegistry for the trust this places in it). Run by
// the protocol's admin:
//   npx hardhat ignition deploy ignition/modules/AttestationVerifierRole.ts --parameters <file>
// with { "AttestationVerifierRole": { "attestationVerifier": "0x..." } } (and the AssayProtocol
// parameters, since this module builds on it).
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import ProtocolModule from "./AssayProtocol.js";

export default buildModule("AttestationVerifierRole", (m) => {
  const { protocol } = m.useModule(ProtocolModule);
  const attestationVerifier = m.getParameter<string>("attestationVerifier");
  const role = m.staticCall(protocol, "ATTESTATION_VERIFIER_ROLE");
  m.call(protocol, "grantRole", [role, attestationVerifier]);
  return { protocol };
});
