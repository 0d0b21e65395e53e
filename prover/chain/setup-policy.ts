// Where keys from a development ceremony may go: on a local development chain, anywhere; on any
// other chain only when the operator says so (--allow-dev-setup), because whoever knows the
// ceremony's secrets (everybody, for the development powers of tau) can forge proofs that the
// verifier accepts.
import { InputError } from "../errors.js";
import { isDevelopmentChain } from "./dev-chain.js";

/** Development keys were about to be used on a chain where someone could lose money. */
export class DevelopmentSetupRefusedError extends InputError {
  constructor(
    readonly what: string,
    readonly chainId: bigint,
  ) {
    super(
      `${what} uses keys from the development powers of tau, whose secrets are public: anyone can forge its ` +
        `proofs. Refusing on chain ${chainId}; pass --allow-dev-setup to register it anyway (testing only)`,
    );
  }
}

export interface SetupPolicyInput {
  chainId: bigint | number | string;
  /** The keys come from a development ceremony (setupProvenance(model).development). */
  development: boolean;
  /** The operator accepted development keys on this chain (--allow-dev-setup). */
  allowDevSetup?: boolean;
  /** Names the model in the message, e.g. "model 1a2b3c…". */
  what: string;
}

/** Throws DevelopmentSetupRefusedError for development keys on a chain that is not a development chain. */
export function assertSetupAllowed(p: SetupPolicyInput): void {
  if (!p.development || p.allowDevSetup || isDevelopmentChain(p.chainId)) return;
  throw new DevelopmentSetupRefusedError(p.what, BigInt(p.chainId));
}
