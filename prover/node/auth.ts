// Who may use the node's HTTP API, and how much of the operator's gas one caller can spend.
//
// API keys are bearer tokens (`Authorization: Bearer <token>`), checked by @fastify/bearer-auth
// (constant-time comparison against every configured token). Each key has a name; limits are
// counted per name, never per IP, so a key shared by many machines shares one budget:
//   - @fastify/rate-limit: requests per minute to POST /v1/infer (a refused or malformed request
//     counts too: the limit runs before the body is read);
//   - ProofJobCap: proof jobs queued or running at once; the request over the cap is refused
//     with 429 before the node evaluates, queues or sends anything.
// Without keys the node is open (the development default on the embedded chain): the same
// limits then apply per client address, and checkExposure decides whether open is allowed.
//
// Key sources: a file (`--api-keys <file>`) and/or the environment (ASSAY_API_KEYS), each either
// JSON ({"name": "token", ...} or [{"name": ..., "token": ...}]) or `name:token` entries, one per
// line (or comma-separated), `#` starting a comment. Tokens are never echoed in errors or logs.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import bearerAuth from "@fastify/bearer-auth";
import rateLimit from "@fastify/rate-limit";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { InputError } from "../errors.js";

export interface ApiKey {
  name: string;
  token: string;
}

export const API_KEYS_ENV = "ASSAY_API_KEYS";
export const MIN_TOKEN_LENGTH = 16;
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/;
// RFC 6750 b64token: what an Authorization: Bearer header can carry.
const TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

function checkKey(name: string, token: string, where: string): ApiKey {
  if (!NAME.test(name))
    throw new InputError(
      `${where}: key name ${JSON.stringify(name.slice(0, 70))} must be 1-64 letters, digits, '_', '.', '@' or '-'`,
    );
  if (token.length < MIN_TOKEN_LENGTH)
    throw new InputError(
      `${where}: the token of key "${name}" has ${token.length} characters; ` +
        `use at least ${MIN_TOKEN_LENGTH} random ones (e.g. \`openssl rand -hex 24\`)`,
    );
  if (!TOKEN.test(token))
    throw new InputError(
      `${where}: the token of key "${name}" has characters a bearer token cannot carry; ` +
        "use letters, digits and - . _ ~ + / (e.g. `openssl rand -hex 24`)",
    );
  return { name, token };
}

function parseJsonKeys(text: string, source: string): ApiKey[] {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the text, which holds tokens: say only where it broke.
    throw new InputError(`${source}: not valid JSON (expected {"name": "token", ...} or [{"name", "token"}, ...])`);
  }
  if (Array.isArray(j)) {
    return j.map((e, i) => {
      const { name, token } = (e ?? {}) as { name?: unknown; token?: unknown };
      if (typeof name !== "string" || typeof token !== "string")
        throw new InputError(`${source}: entry ${i} must be {"name": "<name>", "token": "<token>"}`);
      return checkKey(name, token, source);
    });
  }
  if (!j || typeof j !== "object")
    throw new InputError(`${source}: expected a JSON object {"name": "token", ...} or an array of {name, token}`);
  return Object.entries(j).map(([name, token]) => {
    if (typeof token !== "string") throw new InputError(`${source}: the token of key "${name}" must be a string`);
    return checkKey(name, token, source);
  });
}

function parseLineKeys(text: string, source: string): ApiKey[] {
  const keys: ApiKey[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*$/, "");
    for (const entry of line.split(",")) {
      const e = entry.trim();
      if (!e) continue;
      const where = `${source} line ${i + 1}`;
      const colon = e.indexOf(":");
      // No colon: the entry may be a bare token, so it is not quoted.
      if (colon < 0) throw new InputError(`${where}: expected "name:token" entries, found one without ':'`);
      keys.push(checkKey(e.slice(0, colon).trim(), e.slice(colon + 1).trim(), where));
    }
  });
  return keys;
}

/** Parses one key source (file text or the environment variable); `source` names it in errors. */
export function parseApiKeys(text: string, source: string): ApiKey[] {
  const t = text.trim();
  return t.startsWith("{") || t.startsWith("[") ? parseJsonKeys(t, source) : parseLineKeys(text, source);
}

/** Keys from `--api-keys <file>` and the environment, merged; names and tokens must be unique. */
export function loadApiKeys(o: { file?: string; env?: string }): ApiKey[] {
  const sources: { keys: ApiKey[]; source: string }[] = [];
  if (o.file !== undefined) {
    let text: string;
    try {
      text = readFileSync(o.file, "utf8");
    } catch (e) {
      throw new InputError(`cannot read the API key file ${o.file}: ${(e as NodeJS.ErrnoException).code ?? e}`);
    }
    const keys = parseApiKeys(text, o.file);
    if (keys.length === 0) throw new InputError(`${o.file} holds no API key (expected name:token lines or JSON)`);
    sources.push({ keys, source: o.file });
  }
  if (o.env !== undefined && o.env.trim() !== "")
    sources.push({ keys: parseApiKeys(o.env, API_KEYS_ENV), source: API_KEYS_ENV });
  const byName = new Map<string, string>();
  const byToken = new Map<string, string>();
  const all: ApiKey[] = [];
  for (const { keys, source } of sources) {
    for (const k of keys) {
      const seen = byName.get(k.name);
      if (seen)
        throw new InputError(`API key name "${k.name}" is given twice (${seen} and ${source}): names must be unique`);
      const same = byToken.get(k.token);
      if (same)
        throw new InputError(`API keys "${same}" and "${k.name}" have the same token: give each key its own token`);
      byName.set(k.name, source);
      byToken.set(k.token, k.name);
      all.push(k);
    }
  }
  return all;
}

/** Listening on a loopback address only (reachable from this machine alone). */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, "");
  return h === "localhost" || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h);
}

/**
 * Whether the node may start with this exposure; throws when it must not, returns the warnings to print.
 * Open (no key) is the default only on the embedded development chain; a real chain or a
 * non-loopback address needs keys, or an explicit `--no-auth`.
 */
export function checkExposure(o: { host: string; keys: number; embedded: boolean; noAuth: boolean }): string[] {
  const give = `give API keys (--api-keys <file> or ${API_KEYS_ENV}), or --no-auth to run open anyway`;
  if (o.noAuth && o.keys > 0)
    throw new InputError(`--no-auth contradicts the ${o.keys} API key(s) given: drop --no-auth or the keys`);
  if (o.keys === 0 && !o.noAuth && !o.embedded)
    throw new InputError(
      "refusing to serve a real chain without API keys: anyone who reaches the node could make its operator " +
        `pay for transactions; ${give}`,
    );
  if (o.keys === 0 && !o.noAuth && !isLoopback(o.host))
    throw new InputError(
      `refusing to listen on ${o.host} without API keys: other machines could use the node; ${give}`,
    );
  const warnings: string[] = [];
  if (o.noAuth)
    warnings.push(
      "WARNING: --no-auth: POST /v1/infer needs no API key; every request anyone sends to this node is " +
        "paid for by its operator (limits apply per client address only)",
    );
  else if (o.keys === 0)
    warnings.push(
      "no API keys: the HTTP API is open to anyone who can reach it (the embedded development chain " +
        "only; give --api-keys <file> to require keys)",
    );
  if (!isLoopback(o.host))
    warnings.push(
      `WARNING: listening on ${o.host}, not 127.0.0.1: the node is reachable from other machines ` +
        "(put TLS in front of it: bearer tokens travel in clear over plain HTTP)",
    );
  return warnings;
}

/** A 4xx the server's error handler reports as it is (statusCode and one-line message). */
export class AccessError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

/** Which caller a request is from: "key:<name>" with keys, "ip:<address>" on an open node. */
const callers = new WeakMap<FastifyRequest, string>();
export function callerOf(req: FastifyRequest): string {
  return callers.get(req) ?? `ip:${req.ip}`;
}
export function describeCaller(caller: string): string {
  return caller.startsWith("key:") ? `API key "${caller.slice(4)}"` : `client ${caller.slice(3)}`;
}

/**
 * Requires a valid bearer token on every route of `scope` (an encapsulated fastify context) and
 * records the key's name as the request's caller. With no keys nothing is required.
 */
export async function requireApiKeys(scope: FastifyInstance, keys: readonly ApiKey[]): Promise<void> {
  if (keys.length === 0) return;
  const names = new Map(keys.map((k) => [sha256(k.token), k.name]));
  // Awaited so its hook is added (and runs) before the one below.
  await scope.register(bearerAuth, {
    keys: keys.map((k) => k.token),
    contentType: "application/json; charset=utf-8",
    verifyErrorLogLevel: "debug",
    errorResponse: (e) => ({
      error:
        (e as { code?: string }).code === "FST_BEARER_AUTH_MISSING_AUTHORIZATION_HEADER"
          ? "missing API key: send the header `Authorization: Bearer <token>`"
          : "invalid API key: the bearer token is not one of this node's keys",
    }),
  });
  // Runs after bearer-auth accepted the token, so the lookup only names a known key.
  scope.addHook("onRequest", async (req) => {
    const token = String(req.headers.authorization ?? "")
      .slice("Bearer ".length)
      .trim();
    const name = names.get(sha256(token));
    if (!name) throw new AccessError(401, "invalid API key: the bearer token is not one of this node's keys");
    callers.set(req, `key:${name}`);
  });
}

/** Registers @fastify/rate-limit on `scope`: routes opt in with `config: { rateLimit: {} }`. */
export async function limitRequestRate(scope: FastifyInstance, perMinute: number): Promise<void> {
  await scope.register(rateLimit, {
    global: false,
    max: perMinute,
    timeWindow: 60_000,
    keyGenerator: callerOf,
    errorResponseBuilder: (req, ctx) =>
      new AccessError(
        ctx.statusCode,
        `${describeCaller(callerOf(req))} is over its limit of ${ctx.max} requests per minute to POST /v1/infer; ` +
          `retry in ${ctx.after}`,
      ),
  });
}

/**
 * At most `max` proof jobs queued or running per caller. `reserve` holds a slot before any work;
 * `settle` turns it into the claim whose job holds it (or frees it if no job was queued). Slots
 * are freed lazily: when a caller is at the cap, each held claim is asked whether its job is
 * still live. Counts live in memory: jobs a previous process accepted count for nobody.
 */
export class ProofJobCap {
  private readonly held = new Map<string, Set<string>>();
  private readonly reserved = new Map<string, number>();

  constructor(
    readonly max: number,
    private readonly live: (claimId: string) => Promise<boolean>,
  ) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`proof jobs per key must be >= 1, got ${max}`);
  }

  count(caller: string): number {
    return (this.held.get(caller)?.size ?? 0) + (this.reserved.get(caller) ?? 0);
  }

  async reserve(caller: string): Promise<void> {
    if (this.count(caller) >= this.max) await this.prune(caller);
    // Checked and taken with no await in between: concurrent requests cannot both pass.
    if (this.count(caller) >= this.max)
      throw new AccessError(
        429,
        `${describeCaller(caller)} already has ${this.max} proof job(s) queued or running (its limit); ` +
          "retry when one finishes (GET /v1/claims/<id> shows its state)",
      );
    this.reserved.set(caller, (this.reserved.get(caller) ?? 0) + 1);
  }

  settle(caller: string, claimId?: string): void {
    this.reserved.set(caller, (this.reserved.get(caller) ?? 1) - 1);
    if (claimId === undefined) return;
    const set = this.held.get(caller) ?? new Set<string>();
    set.add(claimId);
    this.held.set(caller, set);
  }

  private async prune(caller: string): Promise<void> {
    const set = this.held.get(caller);
    if (!set) return;
    for (const id of [...set]) if (!(await this.live(id))) set.delete(id);
  }
}
