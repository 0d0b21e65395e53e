// The node's HTTP API (fastify 5) over the transport-free InferenceService.
//
//   POST /v1/infer       { model, input, valueAtRisk, level?, consumer? } -> 200 claim + output
//                        (+ transaction, batch, or proof job)             [API key; rate limit]
//   GET  /v1/claims/:id  -> 200 the node's record of the claim, its job, its level on chain  [API key]
//   GET  /v1/claims      ?status&level&model&since&until&limit -> 200 the caller's claims, newest
//                        first (with keys: those made with the caller's key; open: all)     [API key]
//   GET  /v1/models      -> 200 the models served                                         [open]
//   GET  /healthz        -> 200 chain, protocol, operator, enclave, queue depth            [open]
//   GET  /metrics        -> 200 Prometheus text (metrics.ts)      [open; API key when the node has keys]
//   GET  /openapi.json   -> 200 the OpenAPI 3.1 document of this API                       [open]
//   GET  /ui/...         web pages for auditors (`ui`: the explorer, prover/explorer)      [open; Host check]
//   POST /rpc            read-only JSON-RPC passthrough to the node's chain (when given one), so
//                        other tools can read the embedded chain: `assay audit --rpc http://.../rpc`
//
// The contract (api-schema.ts): TypeBox schemas validate every request before the service sees
// it (types, lengths, patterns, no unknown fields; a 400 names the field) and serialize every
// response; @fastify/swagger builds /openapi.json from the same schemas.
//
// Exposure (auth.ts, rpc-guard.ts; `assay node start --help`):
//   - With API keys (`access.keys`), /v1/infer and /v1/claims need `Authorization: Bearer
//     <token>` (401 without a valid one). Per key name: at most `ratePerMinute` requests per
//     minute to POST /v1/infer and `proofJobsPerKey` proof jobs queued or running; over either,
//     429 and nothing is evaluated, queued or sent. Without keys the API is open; with `access`
//     given the limits then count per client address, and /v1 also gets the Host check below.
//   - /metrics: Prometheus scrapers usually come without credentials to a private address, so
//     it is open on a node without keys (which listens on loopback unless told otherwise); a
//     node with keys requires one for /metrics too (give the scraper a key: `authorization`
//     with `type: Bearer` in its scrape config), since the counters tell who uses it how much.
//   - /rpc passes only read-only methods (eth_call, eth_getLogs, ...): eth_sendTransaction,
//     eth_sign*, personal_*, evm_*, hardhat_*, debug_* and batches holding any of them get a
//     JSON-RPC error (-32601, HTTP 200) and nothing runs. Its Host header must name localhost,
//     127.0.0.1, [::1] or one of `access.publicHosts` (else 403): a DNS-rebinding defence.
//   - startServer listens on 127.0.0.1 unless told otherwise; checkExposure (auth.ts) decides
//     whether another address, or a real chain without keys, may be served.
//
// Logs: fastify's pino logger, JSON lines (`logLevel`, default "info"; "silent" for none) on
// stderr, where the CLI writes its progress (stdout holds its results): a line per request and
// per response (method, url, status, time) and one per 5xx fault. Request bodies (inputs, salts
// in answers) and Authorization headers are never logged. `log`, if given, also gets each 5xx
// fault as one plain line (the CLI's progress output).
//
// Every error is JSON `{ "error": "<one line>" }`: 400 malformed or invalid, 401 missing or
// invalid API key, 403 foreign Host header, 404 unknown model, claim or route, 409 conflicts with
// chain state, 413 body too large, 415 not JSON, 422 a level the policy or the model rules out,
// 429 over a rate or proof-job limit, 502 the chain refused a transaction, 503 shutting down.
// Big integers (field elements, values at risk, gas) are decimal strings.
import { createRequire } from "node:module";
import path from "node:path";
import swagger, { type SwaggerOptions } from "@fastify/swagger";
import { type TSchema, Type } from "@sinclair/typebox";
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyPluginAsync,
  type FastifyRequest,
} from "fastify";
import {
  ClaimParams,
  ClaimsQuery,
  ClaimsResponse,
  ClaimView,
  type ErrorStatus,
  errorResponses,
  ErrorBody,
  HealthResponse,
  InferBody,
  InferResponse,
  ModelsResponse,
  validationMessage,
} from "./api-schema.js";
import { PROJECT_ROOT } from "../artifacts.js";
import { AccessError, type ApiKey, callerOf, limitRequestRate, ProofJobCap, requireApiKeys } from "./auth.js";
import type { AccessLimits } from "./config.js";
import { type NodeErrorKind, NodeError } from "./errors.js";
import type { InferenceService, InferRequest } from "./inference-service.js";
import { NodeMetrics } from "./metrics.js";
import { hostAllowed, hostRefusal, refuseRpc } from "./rpc-guard.js";

export const DEFAULT_BODY_LIMIT = 1024 * 1024;

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

// From the package root, whether this runs from the sources (prover/node/) or the build (dist/prover/node/).
const PACKAGE_VERSION = (
  createRequire(path.join(PROJECT_ROOT, "package.json"))("./package.json") as { version: string }
).version;

/** An EIP-1193 provider (what the embedded Hardhat network exposes). */
export interface Eip1193Provider {
  request(args: { method: string; params?: unknown[] | object }): Promise<unknown>;
}

/** Who may call the API (see the header). Omitted: open and unlimited (tests, the demo). */
export interface AccessOptions extends AccessLimits {
  /** API keys; empty: open, with the limits counted per client address. */
  keys: readonly ApiKey[];
  /** Host names, besides localhost, 127.0.0.1 and [::1], accepted in Host headers. */
  publicHosts?: readonly string[];
}

export interface NodeServerOptions {
  service: InferenceService;
  access?: AccessOptions;
  /** Largest accepted request body in bytes (default 1 MiB). */
  bodyLimit?: number;
  /** Chain to expose at POST /rpc (omit to disable the route). */
  rpc?: Eip1193Provider;
  /** Called for server-side faults (5xx), one line each. */
  log?: (line: string) => void;
  /** Structured logs (pino JSON lines) at this level and above: default "info"; "silent" for none. */
  logLevel?: LogLevel;
  /** Where the JSON log lines go (default stderr). */
  logStream?: { write(line: string): unknown };
  /** Web pages served under /ui behind the Host check (the explorer, prover/explorer, given by the caller). */
  ui?: FastifyPluginAsync;
}

const STATUS: Record<NodeErrorKind, number> = {
  invalid: 400,
  "not-found": 404,
  conflict: 409,
  unprocessable: 422,
  unavailable: 503,
  chain: 502,
  internal: 500,
};

// Never in a log line, whatever a serializer is changed to include: keys, cookies, bodies.
const REDACT = ["req.headers.authorization", "req.headers.cookie", "req.body", "res.body"];

export function json(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
}

/** One line for any error, and its HTTP status. */
export function describeError(e: unknown, bodyLimit: number): { status: number; message: string } {
  if (e instanceof NodeError) return { status: STATUS[e.kind], message: e.message };
  const err = e as FastifyError & { validation?: unknown[]; validationContext?: string };
  if (err.validation) {
    return { status: 400, message: `invalid request: ${err.message}` };
  }
  switch (err.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return { status: 413, message: `request body is larger than the limit of ${bodyLimit} bytes` };
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return { status: 415, message: "request body must be JSON (content-type: application/json)" };
    case "FST_ERR_CTP_INVALID_JSON_BODY":
      return { status: 400, message: "request body is not valid JSON" };
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return { status: 400, message: "request body is empty; expected a JSON object" };
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return { status: 400, message: "request body size does not match its content-length" };
  }
  const status =
    typeof err.statusCode === "number" && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
  return {
    status,
    message: status === 500 ? `internal error: ${err.message ?? String(e)}` : (err.message ?? String(e)),
  };
}

export function buildServer(o: NodeServerOptions): FastifyInstance {
  const bodyLimit = o.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const app = Fastify({
    bodyLimit,
    logger: {
      level: o.logLevel ?? "info",
      stream: o.logStream ?? process.stderr,
      redact: { paths: REDACT, censor: "[redacted]" },
    },
    // verbose: failed checks carry the value and its schema, for validationMessage.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false, verbose: true } },
    schemaErrorFormatter: (errors, dataVar) => new Error(validationMessage(errors, dataVar)),
  });
  const metrics = new NodeMetrics({ queueCounts: () => o.service.queueCounts() });
  const unobserve = o.service.observe((e) => metrics.record(e));
  app.addHook("onClose", async () => void unobserve());
  app.addHook("onResponse", async (req, reply) => {
    const route = req.is404 ? "unmatched" : (req.routeOptions.url ?? "unmatched");
    metrics.response(req.method, route, reply.statusCode, reply.elapsedTime / 1000);
  });
  setErrorHandlers(app, bodyLimit, o.log, metrics);
  // Before any route: @fastify/swagger learns the routes as they are added.
  void app.register(swagger, openApiOptions());
  for (const shared of [ErrorBody, ClaimView, InferResponse]) app.addSchema(shared);
  void app.register(async (root) => {
    // An encapsulated context: its auth and limit hooks apply to these routes only.
    await root.register((scope) => addKeyedRoutes(scope, o.service, metrics, o.access));
    addOpenRoutes(root, o.service, metrics, (o.access?.keys.length ?? 0) > 0);
    if (o.rpc) addRpcRoute(root, o.rpc, o.access?.publicHosts ?? []);
    if (o.ui) await root.register(uiScope(o.ui, o.access?.publicHosts ?? []), { prefix: "/ui" });
  });
  return app;
}

/** The /ui pages, behind the Host check (a DNS-rebinding page must not read them). */
function uiScope(ui: FastifyPluginAsync, publicHosts: readonly string[]): FastifyPluginAsync {
  return async (scope) => {
    scope.addHook("onRequest", hostCheck(publicHosts));
    await scope.register(ui);
  };
}

/** @fastify/swagger's options: the document's header, the bearer scheme, shared schemas as components. */
function openApiOptions(): SwaggerOptions {
  return {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "assay inference node",
        version: PACKAGE_VERSION,
        description:
          "Runs ML models and claims their outputs on chain at the level of evidence the value at risk " +
          'needs (Signed, Attested, Proven). Errors are `{ "error": "<one line>" }`; big integers are ' +
          "decimal strings.",
      },
      tags: [
        { name: "claims", description: "inference claims: make one, read one" },
        { name: "node", description: "what the node serves, its health, metrics and chain" },
      ],
      components: {
        securitySchemes: {
          apiKey: {
            type: "http",
            scheme: "bearer",
            description:
              "An API key of this node, `Authorization: Bearer <token>`; required by /v1/infer, /v1/claims " +
              "and /metrics when the node is configured with keys",
          },
        },
      },
    },
    // Shared schemas (api-schema.ts: Error, ClaimView, InferResponse) become components by name.
    refResolver: {
      buildLocalReference: (schema, _base, _fragment, i) => (typeof schema.$id === "string" ? schema.$id : `def-${i}`),
    },
  };
}

const JSON_TYPE = "application/json; charset=utf-8";

function send(reply: { type(t: string): { send(b: string): unknown } }, body: unknown): unknown {
  return reply.type(JSON_TYPE).send(json(body));
}

/** Every error, unknown routes included, as JSON `{ error }` with its status. */
function setErrorHandlers(
  app: FastifyInstance,
  bodyLimit: number,
  log: NodeServerOptions["log"],
  metrics: NodeMetrics,
): void {
  app.setErrorHandler((e, req, reply) => {
    const { status, message } = describeError(e, bodyLimit);
    const line = message.split("\n")[0];
    if (status >= 500) {
      log?.(`${status} ${message}`);
      // The message only: an error object may hold request values (validation errors do).
      req.log.error({ status, error: line }, "request failed");
      metrics.failure("server");
    }
    void reply
      .code(status)
      .type(JSON_TYPE)
      .send(json({ error: line }));
  });
  app.setNotFoundHandler((req, reply) => {
    void reply
      .code(404)
      .type(JSON_TYPE)
      .send(json({ error: `no route ${req.method} ${req.url.split("?")[0]}` }));
  });
}

/** An onRequest hook refusing (403) a Host header that does not name this machine. */
function hostCheck(publicHosts: readonly string[]) {
  return async (req: FastifyRequest): Promise<void> => {
    if (!hostAllowed(req.headers.host, publicHosts)) throw new AccessError(403, hostRefusal(req.headers.host));
  };
}

/** Errors a keyed route may answer besides its own: 401 with keys, else 403 (Host check); 429 with limits. */
function accessErrors(access: AccessOptions | undefined, limited: boolean): ErrorStatus[] {
  const keyed = (access?.keys.length ?? 0) > 0;
  return [keyed ? 401 : 403, ...(access && limited ? [429 as const] : [])];
}

/** The OpenAPI security requirement of a keyed route: the bearer key when the node has keys, else none. */
function security(keyed: boolean): Record<string, string[]>[] {
  return keyed ? [{ apiKey: [] }] : [];
}

/** The routes that spend or reveal the operator's work: API key, rate limit and proof cap when configured. */
async function addKeyedRoutes(
  scope: FastifyInstance,
  service: InferenceService,
  metrics: NodeMetrics,
  access?: AccessOptions,
) {
  const keys = access?.keys ?? [];
  // Open: no token stops a rebinding page in a browser on this machine; the Host check does.
  if (keys.length === 0) scope.addHook("onRequest", hostCheck(access?.publicHosts ?? []));
  await requireApiKeys(scope, keys);
  let cap: ProofJobCap | undefined;
  if (access) {
    await limitRequestRate(scope, access.ratePerMinute);
    cap = new ProofJobCap(access.proofJobsPerKey, (id) => proofJobLive(service, id));
  }
  const config = { rateLimit: access ? {} : (false as const) };
  const inferSchema = {
    summary: "Run a model on an input and claim its output on chain",
    description:
      "Gives the cheapest level of evidence the policy accepts for the value at risk (the consumer " +
      "contract's requiredLevel, or the node's thresholds) and at least `level` (default auto). The input, " +
      "flattened, must hold as many values as the model's input shape (GET /v1/models). Signed and Attested " +
      "claims are on chain (or in a batch) when this returns; a Proven claim returns with its queued proof job.",
    tags: ["claims"],
    security: security(keys.length > 0),
    body: InferBody,
    response: {
      200: Type.Ref(InferResponse, { description: "the claim, its output and the salt of its input commitment" }),
      ...errorResponses([400, ...accessErrors(access, true), 404, 409, 413, 415, 422, 500, 502, 503]),
    },
  };
  scope.post("/v1/infer", { schema: inferSchema, config }, async (req, reply) => {
    const started = performance.now();
    let level = "none";
    const chosen = (l: string) => (level = l);
    try {
      const res = await inferWithinCap(service, req.body as InferRequest, cap, callerOf(req), chosen);
      metrics.infer(level, "ok", (performance.now() - started) / 1000);
      return reply.send(res);
    } catch (e) {
      metrics.infer(level, outcomeOf(e), (performance.now() - started) / 1000);
      throw e;
    }
  });
  const claimSchema = {
    summary: "The node's record of a claim",
    description: "Its level, status, transaction or batch, proof job, and its level on chain now.",
    tags: ["claims"],
    security: security(keys.length > 0),
    params: ClaimParams,
    response: {
      200: Type.Ref(ClaimView, { description: "the claim (never its input or salt)" }),
      ...errorResponses([400, ...accessErrors(access, false), 404, 500, 503]),
    },
  };
  scope.get("/v1/claims/:id", { schema: claimSchema }, async (req, reply) =>
    reply.send(await service.claim((req.params as ClaimParams).id)),
  );
  addClaimListRoute(scope, service, keys, access);
  // With keys, /metrics is one of these routes (see the header); without, it is open.
  if (keys.length > 0) addMetricsRoute(scope, metrics, true);
}

/** GET /v1/claims. With API keys a caller lists only the claims it asked for; an open node lists all of them. */
function addClaimListRoute(
  scope: FastifyInstance,
  service: InferenceService,
  keys: readonly ApiKey[],
  access: AccessOptions | undefined,
): void {
  const listSchema = {
    summary: "The claims this caller asked for",
    description:
      "Newest first, filtered by status, level, model and time. With API keys, only the claims made with " +
      "the caller's key; on an open node, every claim. Views come from the node's records (no chain reads).",
    tags: ["claims"],
    security: security(keys.length > 0),
    querystring: ClaimsQuery,
    response: {
      200: ClaimsResponse,
      ...errorResponses([400, ...accessErrors(access, false), 404, 500, 503]),
    },
  };
  scope.get("/v1/claims", { schema: listSchema }, async (req, reply) => {
    const q = req.query as ClaimsQuery;
    const claims = await service.listClaims({
      status: q.status,
      level: q.level,
      model: q.model,
      since: q.since === undefined ? undefined : Date.parse(q.since),
      until: q.until === undefined ? undefined : Date.parse(q.until),
      limit: q.limit === undefined ? undefined : Number(q.limit),
      client: keys.length > 0 ? callerOf(req) : undefined,
    });
    return reply.send({ claims });
  });
}

/** How an /v1/infer request ended, for metrics: "ok" or the error's kind. */
function outcomeOf(e: unknown): string {
  if (e instanceof NodeError) return e.kind;
  if (e instanceof AccessError) return "over-limit";
  return "internal";
}

/** Whether a claim's proof job is still queued or running (when unsure: yes, it still counts). */
async function proofJobLive(service: InferenceService, claimId: string): Promise<boolean> {
  try {
    const state = (await service.claim(claimId)).job?.state;
    return state === "queued" || state === "running";
  } catch {
    return true;
  }
}

/**
 * service.infer, telling `chosen` the level given before any work, and refusing (429) a Proven
 * request over the caller's proof-job cap before any work.
 */
async function inferWithinCap(
  service: InferenceService,
  body: InferRequest,
  cap: ProofJobCap | undefined,
  caller: string,
  chosen: (level: string) => void,
) {
  let holding = false;
  try {
    const res = await service.infer(
      body,
      async (level) => {
        chosen(level);
        if (!cap || level !== "Proven") return;
        await cap.reserve(caller);
        holding = true;
      },
      caller,
    );
    if (holding) cap!.settle(caller, res.job ? res.claimId : undefined);
    holding = false;
    return res;
  } finally {
    if (holding) cap!.settle(caller);
  }
}

function addOpenRoutes(app: FastifyInstance, service: InferenceService, metrics: NodeMetrics, keyed: boolean): void {
  const internal = errorResponses([500]);
  app.get(
    "/v1/models",
    {
      schema: {
        summary: "The models this node serves",
        tags: ["node"],
        response: { 200: { ...ModelsResponse, description: "the models served" }, ...internal },
      },
    },
    async (_req, reply) => reply.send({ models: service.servedModels() }),
  );

  app.get(
    "/healthz",
    {
      schema: {
        summary: "Chain, protocol, operator, enclave, policy, batching and the challenge watcher",
        tags: ["node"],
        response: { 200: { ...HealthResponse, description: "the node is up" }, ...internal },
      },
    },
    async (_req, reply) =>
      reply.send({
        ok: true,
        chainId: service.chainId,
        protocol: service.hubAddress,
        operator: service.operatorAddress,
        enclave: service.enclaveAddress ?? null,
        models: service.servedModels().length,
        pendingBatch: service.pendingBatch,
        policy: service.config.policy,
        batch: service.config.batch,
        challengeWatch: service.challengeWatch,
      }),
  );

  if (!keyed) addMetricsRoute(app, metrics, false);

  app.get(
    "/openapi.json",
    {
      schema: {
        summary: "This document",
        tags: ["node"],
        response: { 200: { type: "object", additionalProperties: true, description: "the OpenAPI 3.1 document" } },
      },
    },
    // A string, so the schema above (any object) only documents it.
    async (_req, reply) => send(reply, app.swagger()),
  );
}

/** GET /metrics: Prometheus text; `keyed` when it sits behind the API keys. */
function addMetricsRoute(scope: FastifyInstance, metrics: NodeMetrics, keyed: boolean): void {
  const text: TSchema = Type.String({ description: "Prometheus text exposition format 0.0.4" });
  scope.get(
    "/metrics",
    {
      schema: {
        summary: "Prometheus metrics",
        description:
          "Requests and latency per route and per level, responses by status, proof-job queue depth, " +
          "proof time, gas per action, failures, and the process's own metrics.",
        tags: ["node"],
        security: security(keyed),
        response: {
          200: { description: "the metrics", content: { "text/plain": { schema: text } } },
          ...(keyed ? errorResponses([401]) : {}),
        },
      },
    },
    async (_req, reply) => reply.type(metrics.contentType).send(await metrics.text()),
  );
}

/** POST /rpc: one read-only JSON-RPC call or a batch, passed through to the chain (rpc-guard.ts). */
function addRpcRoute(app: FastifyInstance, rpc: Eip1193Provider, publicHosts: readonly string[]): void {
  const one = (m: unknown) => forwardRpcCall(rpc, m);
  const schema = {
    summary: "Read-only JSON-RPC to the node's chain",
    description:
      "One JSON-RPC 2.0 call or a batch; only read-only methods run (others get error -32601). The Host " +
      "header must name this machine or a configured public host (else 403).",
    tags: ["node"],
  };
  app.post("/rpc", { schema, onRequest: hostCheck(publicHosts) }, async (req, reply) => {
    const refused = refuseRpc(req.body);
    if (refused) return send(reply, refused);
    return send(reply, Array.isArray(req.body) ? await Promise.all(req.body.map(one)) : await one(req.body));
  });
}

/** One JSON-RPC call's response: the chain's result, its error, or "invalid request". */
async function forwardRpcCall(rpc: Eip1193Provider, m: unknown) {
  const call = m as { jsonrpc?: unknown; id?: unknown; method?: unknown; params?: unknown };
  const id = call && typeof call === "object" && "id" in call ? call.id : null;
  if (!call || typeof call !== "object" || call.jsonrpc !== "2.0" || typeof call.method !== "string") {
    return { jsonrpc: "2.0", id, error: { code: -32600, message: "invalid JSON-RPC request" } };
  }
  try {
    const result = await rpc.request({ method: call.method, params: (call.params ?? []) as unknown[] });
    return { jsonrpc: "2.0", id, result: result ?? null };
  } catch (e) {
    const err = e as { code?: unknown; message?: string; data?: unknown };
    return {
      jsonrpc: "2.0",
      id,
      error: {
        code: typeof err.code === "number" ? err.code : -32603,
        message: err.message ?? String(e),
        data: err.data,
      },
    };
  }
}

/** Builds the server and listens; returns its base URL. */
export async function startServer(
  o: NodeServerOptions & { host?: string; port?: number },
): Promise<{ app: FastifyInstance; url: string }> {
  const app = buildServer(o);
  await app.listen({ host: o.host ?? "127.0.0.1", port: o.port ?? 0 });
  const addr = app.server.address();
  const port = typeof addr === "object" && addr ? addr.port : o.port;
  return { app, url: `http://${o.host ?? "127.0.0.1"}:${port}` };
}
