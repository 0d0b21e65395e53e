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
