// Minimal declarations for untyped dependencies (only what assay uses).
declare module "circomlibjs" {
  export interface PoseidonFn {
    (inputs: (bigint | number)[]): Uint8Array;
    F: { toObject(x: Uint8Array): bigint };
  }
  export function buildPoseidon(): Promise<PoseidonFn>;
}
declare module "snarkjs";
declare module "ffjavascript";
declare module "r1csfile";
declare module "fastfile";
declare module "@iden3/binfileutils";
