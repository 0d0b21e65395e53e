// Sliding-window geometry shared by Conv, MaxPool and AveragePool (float and integer evaluators,
// circuit emitters): which input positions each output position reads.
import type { Window2D } from "./float-graph.js";

/**
 * For output position p = oy * ow + ox: the valid taps as pairs (kernel index ky * kw + kx,
 * input spatial index iy * w + ix), flattened: taps[p] = [k0, i0, k1, i1, ...]. Positions that
 * fall into the padding are left out.
 */
export type Taps = Int32Array[];

const cache = new WeakMap<Window2D, Taps>();

export function windowTaps(win: Window2D): Taps {
  const hit = cache.get(win);
  if (hit) return hit;
  const taps: Taps = [];
  for (let oy = 0; oy < win.oh; oy++) {
    for (let ox = 0; ox < win.ow; ox++) {
      const t: number[] = [];
      for (let ky = 0; ky < win.kh; ky++) {
        const iy = oy * win.sh - win.pt + ky * win.dh;
        if (iy < 0 || iy >= win.h) continue;
        for (let kx = 0; kx < win.kw; kx++) {
          const ix = ox * win.sw - win.pl + kx * win.dw;
          if (ix < 0 || ix >= win.w) continue;
          t.push(ky * win.kw + kx, iy * win.w + ix);
        }
      }
      taps.push(Int32Array.from(t));
    }
  }
  cache.set(win, taps);
  return taps;
}

/**
 * Output length along one axis (ONNX formula; ceil mode rounds up, but a window must start inside
 * input + leading pad).
 */
export function outputLength(
  len: number,
  kernel: number,
  stride: number,
  padBegin: number,
  padEnd: number,
  dilation: number,
  ceil: boolean,
): number {
  const span = dilation * (kernel - 1) + 1;
  const num = len + padBegin + padEnd - span;
  let out = (ceil ? Math.ceil(num / stride) : Math.floor(num / stride)) + 1;
  // In ceil mode the last window must start inside the (padded-before) input.
  if (ceil && (out - 1) * stride >= len + padBegin) out--;
  return out;
}

/**
 * The per-channel window loop of the pools, written once: y[nc][p] = reduce(base, taps[p], p) for
 * every image-channel nc (its plane starts at `base` in the input) and output position p.
 * Float and integer evaluation and the quantizer's bounds all run through it.
 */
export function poolWindows(
  win: Window2D,
  reduce: (base: number, taps: Int32Array, p: number) => number,
): Float64Array {
  const taps = windowTaps(win);
  const plane = win.h * win.w;
  const outPlane = win.oh * win.ow;
  const y = new Float64Array(win.n * win.c * outPlane);
  for (let nc = 0; nc < win.n * win.c; nc++) {
    for (let p = 0; p < outPlane; p++) y[nc * outPlane + p] = reduce(nc * plane, taps[p], p);
  }
  return y;
}

/** The largest of the window's valid inputs (-Infinity for a window of padding only). */
export function windowMax(x: ArrayLike<number>): (base: number, taps: Int32Array) => number {
  return (base, t) => {
    let best = -Infinity;
    for (let i = 1; i < t.length; i += 2) best = Math.max(best, x[base + t[i]]);
    return best;
  };
}

/** The sum of the window's valid inputs. */
export function windowSum(x: ArrayLike<number>, base: number, t: Int32Array): number {
  let s = 0;
  for (let i = 1; i < t.length; i += 2) s += x[base + t[i]];
  return s;
}
