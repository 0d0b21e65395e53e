// Messages between the host and the enclave process (Node IPC with structured-clone
// serialization, so byte arrays cross as Uint8Array). The private key never crosses.
//
//   host -> enclave  { id, method, params }
//   enclave -> host  { id, ok: true, result } | { id, ok: false, error }
//                    and once at start: { ready: true, address, moduleId, pcrs }
//
// Methods (enclave-process.ts holds the handler table):
//   attest { nonce, userData? }  -> { document }   attestation document whose public_key is the
//                                                  enclave's secp256k1 key (key-binding.ts, binding 1)
//   sign   { digest }            -> { signature }  65-byte r || s || v over the 32-byte digest
//   infer  (reserved: runs the model inside the enclave and signs the claim it computed)

export interface EnclaveStartConfig {
  /** Directory of the development CA (dev-ca.ts) the enclave's security module certifies from. */
  caDir: string;
  moduleId?: string;
  /** Files that make up the enclave image, measured into PCR0 and PCR2. */
  imageFiles: string[];
  /** Base directory the image paths are measured relative to. */
  imageBaseDir: string;
}

export interface AttestParams {
  nonce: Uint8Array;
  userData?: Uint8Array;
}

export interface AttestResult {
  document: Uint8Array;
}

export interface SignParams {
  digest: Uint8Array;
}

export interface SignResult {
  /** 0x-hex, 65 bytes: r || s || v (v = 27 or 28). */
  signature: string;
}

export interface EnclaveMethods {
  attest: { params: AttestParams; result: AttestResult };
  sign: { params: SignParams; result: SignResult };
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
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: EnclaveErrorInfo };

export interface EnclaveReady {
  ready: true;
  address: string;
  moduleId: string;
  /** PCR index -> hex, as the enclave reports them. */
  pcrs: Record<number, string>;
}
