// Messages between the host and the enclave process (Node IPC with structured-clone
// serialization, so byte arrays cross as Uint8Array and integers as bigint). The private key
// never crosses.
//
//   host -> enclave  { id, method, params }
//   enclave -> host  { id, ok: true, result } | { id, ok: false, error }
//                    and once at start: { ready: true, address, moduleId, pcrs, models, verifyingKeys, bindings }
//
// The models the enclave serves are fixed at start (EnclaveStartConfig.models): their manifest,
// quantized weights and verifying key are files of the measured image, so PCR0 and PCR2 cover
// them as well as the code. The host cannot swap a model afterwards. The enclave computes each
// model's verifying-key id itself from the key file it loaded.
//
// Methods (enclave-process.ts holds the handler table):
//   attest { nonce, userData? }  -> { document }   attestation document whose public_key is the
//                                                  enclave's secp256k1 key (key-binding.ts, binding 1)
//   bind   { modelId, circuitId } -> { modelId, circuitId, verifyingKeyId }
//                                                  binds an on-chain model id to a served circuit,
//                                                  once: rebinding it to another circuit is refused
//                                                  (AlreadyBound). Bindings can also come in the
//                                                  start config.
//   infer  { circuitId, input, context, salt? } -> { claim, claimId, verifyingKeyId, signature, salt, result }
//                                                  the enclave quantizes the input, runs the integer
//                                                  evaluator, commits to the input, builds the claim
//                                                  and signs AttestedClaim(claimId, verifyingKeyId)
//                                                  itself, with the key id of the model it ran.
//                                                  context.modelId must be bound to circuitId
//                                                  (else ModelMismatch).
//
// There is no method that signs a digest the host supplies: the attested key only ever signs
// claims whose inputCommitment and output the enclave computed from a model in its image, and it
// names that model's verifying key in what it signs. The host still chooses the request id,
// deadline, chain, hub and salt; the chain checks that the model id approves the key's image and
// that the signed verifying key is the model's registered key. The development enclave signs for
// development chains only (chain/dev-chain.ts): a context on any other chain is refused
// (DevelopmentOnly).

import type { Claim } from "../chain/claim.js";

/** A compiled model the enclave serves: the files it loads (and measures). */
export interface EnclaveModelFiles {
  circuitId: string;
  /** manifest.json of the compiled model. */
  manifest: string;
  /** quantized.json: the integer network the enclave evaluates. */
  quantized: string;
  /** vkey.json: the Groth16 verifying key of the circuit; the enclave signs its key id. */
  verifyingKey: string;
}

/** An on-chain model id served by one of the enclave's circuits (write-once inside the enclave). */
export interface ModelBinding {
  /** bytes32 hex. */
  modelId: string;
  circuitId: string;
}

export interface BindResult extends ModelBinding {
  /** Key id (bytes32 hex) the enclave computed from the circuit's verifying key. */
  verifyingKeyId: string;
}

export interface EnclaveStartConfig {
  /** Directory of the development CA (dev-ca.ts) the enclave's security module certifies from. */
  caDir: string;
  moduleId?: string;
  /** Files that make up the enclave image, measured into PCR0 and PCR2 (they include the models' files). */
  imageFiles: string[];
  /** Base directory the image paths are measured relative to. */
  imageBaseDir: string;
  /** Models the enclave serves; each one's files must be among `imageFiles`. */
  models: EnclaveModelFiles[];
  /** Model ids bound to served circuits from the start (more can be bound once with `bind`). */
  bindings?: ModelBinding[];
}

export interface AttestParams {
  nonce: Uint8Array;
  userData?: Uint8Array;
}

export interface AttestResult {
  document: Uint8Array;
}

/** Where the claim will be recorded and under which id; the host chooses these. */
export interface ClaimContext {
  /** On-chain model version id (bytes32 hex) the claim is about. */
  modelId: string;
  /** bytes32 hex. */
  requestId: string;
  /** Last second the claim may be recorded (uint64). */
  deadline: bigint;
  chainId: bigint;
  /** Address of the receipt hub (the EIP-712 verifying contract). */
  hub: string;
}

export interface InferParams {
  /** Which of the enclave's models to run. */
  circuitId: string;
  /** The real-valued input, flat. */
  input: number[];
  context: ClaimContext;
  /** Blinding of the input commitment (a field element); the enclave draws one when absent. */
  salt?: bigint;
}

export interface InferResult {
  claim: Claim;
  /** EIP-712 digest of the claim under the hub's domain. */
  claimId: string;
  /** Key id (bytes32 hex) of the model the enclave evaluated, computed from its verifying key. */
  verifyingKeyId: string;
  /** 0x-hex, 65 bytes: r || s || v, by the enclave key over AttestedClaim(claimId, verifyingKeyId). */
  signature: string;
  salt: bigint;
  result: {
    label: number;
    labels: number[];
    logits: bigint[];
    dequantized: number[];
    /** Input values clamped into the calibrated range. */
    clamped: number;
  };
}

export interface EnclaveMethods {
  attest: { params: AttestParams; result: AttestResult };
  bind: { params: ModelBinding; result: BindResult };
  infer: { params: InferParams; result: InferResult };
}

export type EnclaveMethod = keyof EnclaveMethods;

export interface EnclaveRequest {
  id: number;
  method: string;
  params: unknown;
}

export interface EnclaveErrorInfo {
  name: string;
  code?: string;
  message: string;
}

export type EnclaveResponse =
  { id: number; ok: true; result: unknown } | { id: number; ok: false; error: EnclaveErrorInfo };

export interface EnclaveReady {
  ready: true;
  address: string;
  moduleId: string;
  /** PCR index -> hex, as the enclave reports them. */
  pcrs: Record<number, string>;
  /** Circuit ids of the models loaded from the image. */
  models: string[];
  /** Circuit id -> verifying key id, as the enclave computed them from its image. */
  verifyingKeys: Record<string, string>;
  /** Model ids bound at start. */
  bindings: ModelBinding[];
}
