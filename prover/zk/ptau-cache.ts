// Cached development ceremonies: generated once per power, then reused.
//
// Files live in <cache root>/ptau/, where the cache root is the `cacheDir` option, else the
// project's cache root (prover/artifacts.ts: $ASSAY_CACHE_DIR, else .assay/ in the working
// directory, i.e. the project root under npm scripts and hardhat). Files are written to a temporary
// name and renamed into place, so a reader never sees a partial file and concurrent writers
// leave one complete copy.
//
// Every file here is a DEVELOPMENT ceremony: UNSAFE FOR PRODUCTION (secret derivable).
import { createHash } from "node:crypto";
import { join, resolve } from "node:path";
import { ptauCacheDir } from "../artifacts.js";
import {
  DEV_PTAU_DEFAULT_ITERATIONS_EXP,
  DEV_PTAU_MAX_POWER,
  DEV_PTAU_MIN_POWER,
  devPtauBeacon,
  generateDevPtau,
  type DevPtauProgress,
} from "./dev-ptau.js";
import { PtauFileError, PtauPowerError } from "./ptau-errors.js";
import { readPtauInfo } from "./ptau-file.js";

/** Bumped whenever the generator's output changes, so stale cached files are not reused. */
export const DEV_PTAU_FORMAT_VERSION = 1;

export interface DevPtauCacheOptions {
  /** Cache root (the ptau files go in its `ptau/` subdirectory). */
  cacheDir?: string;
  /** Non-default ceremony (see DevPtauOptions): gets its own file name. */
  beacon?: string;
  seed?: string;
  numIterationsExp?: number;
}

/** Directory of cached development ceremonies: <cacheDir>/ptau, else the project's ptau cache dir. */
export function devPtauCacheDir(cacheDir?: string): string {
  return cacheDir !== undefined ? join(resolve(cacheDir), "ptau") : ptauCacheDir();
}

function checkPower(power: number): void {
  if (!Number.isInteger(power) || power < DEV_PTAU_MIN_POWER || power > DEV_PTAU_MAX_POWER) {
    throw new PtauPowerError(power, DEV_PTAU_MIN_POWER, DEV_PTAU_MAX_POWER);
  }
}

/** Where the development ceremony of this power is (or will be) cached. */
export function devPtauPath(power: number, options: DevPtauCacheOptions = {}): string {
  checkPower(power);
  const custom = options.beacon !== undefined || options.seed !== undefined || options.numIterationsExp !== undefined;
  let suffix = "";
  if (custom) {
    const beacon = devPtauBeacon(options);
    const e = options.numIterationsExp ?? DEV_PTAU_DEFAULT_ITERATIONS_EXP;
    suffix = "_" + createHash("sha256").update(beacon).update(`/${e}`).digest("hex").slice(0, 12);
  }
  const file = `dev-unsafe-v${DEV_PTAU_FORMAT_VERSION}_bn128_${String(power).padStart(2, "0")}${suffix}.ptau`;
  return join(devPtauCacheDir(options.cacheDir), file);
}

async function usable(path: string, power: number): Promise<boolean> {
  try {
    const info = await readPtauInfo(path);
    return info.power === power && info.prepared;
  } catch (err) {
    if (err instanceof PtauFileError) return false;
    throw err;
  }
}

const inProgress = new Map<string, Promise<string>>();

/**
 * Path of a prepared development ceremony of exactly 2^power, generating and caching it on
 * first use. UNSAFE FOR PRODUCTION (secret derivable).
 */
export function ensureDevPtau(
  power: number,
  options: DevPtauCacheOptions & { onProgress?: (progress: DevPtauProgress) => void; threads?: number } = {},
): Promise<string> {
  const path = devPtauPath(power, options);
  const running = inProgress.get(path);
  if (running) return running;
  const task = (async () => {
    if (await usable(path, power)) return path;
    await generateDevPtau({
      power,
      outFile: path,
      beacon: options.beacon,
      seed: options.seed,
      numIterationsExp: options.numIterationsExp,
      onProgress: options.onProgress,
      threads: options.threads,
    });
    return path;
  })().finally(() => inProgress.delete(path));
  inProgress.set(path, task);
  return task;
}
