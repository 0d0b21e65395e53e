// The part of ffjavascript's (untyped) BN254 engine the development ceremony uses, typed.
import { buildBn128 } from "ffjavascript";

/** An ffjavascript point or field element: opaque bytes in the engine's internal layout. */
export type CurvePoint = Uint8Array;

export interface CurveGroup {
  /** The generator (Jacobian) and its affine form. */
  g: CurvePoint;
  oneAffine: CurvePoint;
  fromRng(rng: unknown): CurvePoint;
  toAffine(p: CurvePoint): CurvePoint;
  timesFr(p: CurvePoint, scalar: Uint8Array): CurvePoint;
  toUncompressed(p: CurvePoint): Uint8Array;
  toRprUncompressed(buf: Uint8Array, offset: number, p: CurvePoint): void;
  toRprLEM(buf: Uint8Array, offset: number, p: CurvePoint): void;
  /** Affine LEM points to their compressed / uncompressed encodings, in order. */
  batchLEMtoC(points: Uint8Array): Promise<Uint8Array>;
  batchLEMtoU(points: Uint8Array): Promise<Uint8Array>;
}

export interface ScalarField {
  fromRng(rng: unknown): Uint8Array;
  /** An element in the engine's internal (Montgomery) layout, as timesFr takes it. */
  e(value: bigint): Uint8Array;
  toObject(x: Uint8Array): bigint;
}

export interface Bn128Curve {
  G1: CurveGroup;
  G2: CurveGroup;
  Fr: ScalarField;
  /** The thread manager; `code` is the engine's WebAssembly module. */
  tm?: { code?: unknown };
}

let engine: Promise<Bn128Curve> | undefined;

/** The single-threaded engine (no worker threads of its own to terminate), built once per process. */
export function singleThreadBn128(): Promise<Bn128Curve> {
  engine ??= buildBn128(true) as Promise<Bn128Curve>;
  return engine;
}
