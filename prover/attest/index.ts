// Enclave attestation: the AWS Nitro Enclaves attestation-document verifier, the development
// enclave that produces documents in the same format, and the enclave process and its client.
export * from "./errors.js";
export { verifyAttestation, DEFAULT_MAX_AGE_MS, DEFAULT_MAX_CLOCK_SKEW_MS } from "./verify-attestation.js";
export type { VerifyAttestationOptions, VerifiedAttestation } from "./verify-attestation.js";
export { parseAttestationPayload, encodeAttestationPayload, NITRO_DIGEST, PCR_BYTES } from "./attestation-document.js";
export type { AttestationPayload } from "./attestation-document.js";
export { parseCoseSign1, signCoseSign1, sigStructure, COSE_ALG_ES384 } from "./cose-sign1.js";
export { AWS_NITRO_ROOT_G1_PEM, AWS_NITRO_ROOT_G1_SHA256, awsNitroRoot, loadRoot } from "./pinned-root.js";
export type { RootSpec } from "./pinned-root.js";
export { matchApprovedImage, isDebugPcrs, pcrsToHex } from "./pcr-policy.js";
export type { ApprovedImage } from "./pcr-policy.js";
export { boundSigner, signerUserData, SIGNER_USER_DATA_PREFIX } from "./key-binding.js";
export type { BoundSigner } from "./key-binding.js";
export {
  createDevCa,
  loadOrCreateDevCa,
  devRoot,
  devCaDir,
  isDevRoot,
  requireDevelopmentChain,
  DevelopmentOnlyError,
} from "./dev-ca.js";
export type { DevCa } from "./dev-ca.js";
export { DevSecurityModule } from "./dev-enclave.js";
export type { AttestationFields } from "./dev-enclave.js";
export { measureDevImage } from "./image-measurement.js";
export {
  EnclaveClient,
  EnclaveProcessError,
  enclaveImage,
  enclaveImageFiles,
  enclaveModelFiles,
  IMAGE_BASE_DIR,
} from "./enclave-client.js";
export type { BindResult, ClaimContext, InferResult, ModelBinding } from "./enclave-protocol.js";
