// The development enclave: a separate process that owns a secp256k1 signing key it generated
// itself and never reveals, and a development security module (dev-enclave.ts) that attests it.
// Started by EnclaveClient (enclave-client.ts) with child_process.fork; talks over IPC only.
//
// Its configuration (EnclaveStartConfig) is argv[2] as JSON. On start it measures its image
// into PCR0..2, creates its key and a security module with a fresh leaf certificate, and sends
// { ready, address, moduleId, pcrs }. It exits when the host disconnects.
import { getBytes, hexlify, Wallet } from "ethers";
import { loadOrCreateDevCa } from "./dev-ca.js";
import { DevSecurityModule } from "./dev-enclave.js";
import { measureDevImage } from "./image-measurement.js";
import type { AttestParams, EnclaveReady, EnclaveRequest, EnclaveResponse, EnclaveStartConfig, SignParams } from "./enclave-protocol.js";

type Handler = (params: unknown) => Promise<unknown> | unknown;

class EnclaveRequestError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = "EnclaveRequestError";
  }
}

function main(): void {
  if (!process.send) throw new Error("enclave-process must be started with an IPC channel (child_process.fork)");
  const config = JSON.parse(process.argv[2] ?? "null") as EnclaveStartConfig;
  const measurement = measureDevImage(config.imageFiles, config.imageBaseDir);
  const nsm = DevSecurityModule.create(loadOrCreateDevCa(config.caDir), { moduleId: config.moduleId });
  const wallet = Wallet.createRandom(); // stays in this process
  const publicKey = getBytes(wallet.signingKey.publicKey); // 0x04 || X || Y

  const handlers: Record<string, Handler> = {
    attest: (raw) => {
      const params = raw as AttestParams;
      requireBytes(params?.nonce, "nonce");
      if (params.userData !== undefined) requireBytes(params.userData, "userData");
      const document = nsm.createAttestationDocument({
        pcrs: measurement.pcrs,
        publicKey,
        userData: params.userData ?? null,
        nonce: params.nonce,
      });
      return { document };
    },
    sign: (raw) => {
      const params = raw as SignParams;
      requireBytes(params?.digest, "digest");
      if (params.digest.length !== 32) throw new EnclaveRequestError("BadParams", "digest must be 32 bytes");
      return { signature: wallet.signingKey.sign(params.digest).serialized };
    },
    // infer: the hook for running the model inside the enclave. Add a handler here that loads
    // the model from the measured image, evaluates the input and signs the claim it computed
    // (so the attested key only ever signs results of the approved image).
  };

  process.on("message", async (message: EnclaveRequest) => {
    let response: EnclaveResponse;
    try {
      const handler = Object.hasOwn(handlers, message.method) ? handlers[message.method] : undefined;
      if (!handler) throw new EnclaveRequestError("UnknownMethod", `the enclave has no method ${JSON.stringify(message.method)}`);
      response = { id: message.id, ok: true, result: await handler(message.params) };
    } catch (e) {
      const err = e as Error & { code?: string };
      response = { id: message.id, ok: false, error: { name: err.name, code: err.code, message: err.message } };
    }
    process.send!(response);
  });
  process.on("disconnect", () => process.exit(0));

  const ready: EnclaveReady = {
    ready: true,
    address: wallet.address,
    moduleId: nsm.moduleId,
    pcrs: Object.fromEntries([...measurement.pcrs].map(([i, v]) => [i, hexlify(v).slice(2)])),
  };
  process.send(ready);
}

function requireBytes(value: unknown, name: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw new EnclaveRequestError("BadParams", `${name} must be bytes`);
}

main();
