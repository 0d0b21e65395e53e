// The node's HTTP API (fastify 5) over the transport-free InferenceService.
//
//   POST /v1/infer       { model, input, valueAtRisk, level?, consumer? } -> 200 claim + output
//                        (+ transaction, batch, or proof job)             [API key; rate limit]
//   GET  /v1/claims/:id  -> 200 the node's record of the claim, its job, its level on chain  [API key]
//   GET  /v1/models      -> 200 the models served                                         [open]
//   GET  /healthz        -> 200 chain, protocol, operator, enclave, queue depth            [open]
//   POST /rpc            read-only JSON-RPC passthrough to the node's chain (when given one), so
//                        other tools can read the embedded chain: `assay audit --rpc http://.../rpc`
//
// Exposure (auth.ts, rpc-guard.ts; `assay node start --help`):
//   - With API keys (`access.keys`), /v1/infer and /v1/claims need `Authorization: Bearer
//     <token>` (401 without a valid one). Per key name: at most `ratePerMinute` requests per
//     minute to POST /v1/infer and `proofJobsPerKey` proof jobs queued or running; over either,
//     429 and nothing is evaluated, queued or sent. Without keys the API is open; with `access`
//     given the limits then count per client address, and /v1 also gets the Host check below.
//   - /rpc passes only read-only methods (eth_call, eth_getLogs, ...): eth_sendTransaction,
//     eth_sign*, personal_*, evm_*, hardhat_*, debug_* and batches holding any of them get a
//     JSON-RPC error (-32601, HTTP 200) and nothing runs. Its Host header must name localhost,
//     127.0.0.1, [::1] or one of `access.publicHosts` (else 403): a DNS-rebinding defence.
//   - startServer listens on 127.0.0.1 unless told otherwise; checkExposure (auth.ts) decides
//     whether another address, or a real chain without keys, may be served.
//
// Every error is JSON `{ "error": "<one line>" }`: 400 malformed or invalid, 401 missing or
// invalid API key, 403 foreign Host header, 404 unknown model, claim or route, 409 conflicts with
// chain state, 413 body too large, 415 not JSON, 422 a level the policy or the model rules out,
// 429 over a rate or proof-job limit, 502 the chain refused a transaction, 503 shutting down.
// Big integers (field elements, values at risk, gas) are decimal strings.
import Fastify, { type FastifyError, type FastifyInstance, type FastifyRequest } from "fastify";
import { AccessError, type ApiKey, callerOf, limitRequestRate, ProofJobCap, requireApiKeys } from "./auth.js";
import type { AccessLimits } from "./config.js";
import { type NodeErrorKind, NodeError } from "./errors.js";
import type { InferenceService, InferRequest } from "./inference-service.js";
import { hostAllowed, hostRefusal, refuseRpc } from "./rpc-guard.js";

export const DEFAULT_BODY_LIMIT = 1024 * 1024;

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

const inferSchema = {
  body: {
    type: "object",
    required: ["model", "input", "valueAtRisk"],
    additionalProperties: false,
    properties: {
      model: { type: "string", minLength: 1, maxLength: 200 },
      input: { type: "array" },
      // Values are checked by the service, whose messages say exactly what is wrong.
      valueAtRisk: {},
      level: { type: "string" },
      consumer: { type: "string" },
    },
  },
} as const;

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
    logger: false,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
  });
  setErrorHandlers(app, bodyLimit, o.log);
  // An encapsulated context: its auth and limit hooks apply to these routes only.
  void app.register((scope) => addKeyedRoutes(scope, o.service, o.access));
  addOpenRoutes(app, o.service);
  if (o.rpc) addRpcRoute(app, o.rpc, o.access?.publicHosts ?? []);
  return app;
}

const JSON_TYPE = "application/json; charset=utf-8";

function send(reply: { type(t: string): { send(b: string): unknown } }, body: unknown): unknown {
  return reply.type(JSON_TYPE).send(json(body));
}

/** Every error, unknown routes included, as JSON `{ error }` with its status. */
function setErrorHandlers(app: FastifyInstance, bodyLimit: number, log: NodeServerOptions["log"]): void {
  app.setErrorHandler((e, _req, reply) => {
    const { status, message } = describeError(e, bodyLimit);
    if (status >= 500) log?.(`${status} ${message}`);
    void reply
      .code(status)
      .type(JSON_TYPE)
      .send(json({ error: message.split("\n")[0] }));
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

/** The routes that spend or reveal the operator's work: API key, rate limit and proof cap when configured. */
async function addKeyedRoutes(scope: FastifyInstance, service: InferenceService, access?: AccessOptions) {
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
  scope.post("/v1/infer", { schema: inferSchema, config }, async (req, reply) =>
    send(reply, await inferWithinCap(service, req.body as InferRequest, cap, callerOf(req))),
  );
  scope.get("/v1/claims/:id", async (req, reply) =>
    send(reply, await service.claim((req.params as { id: string }).id)),
  );
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

/** service.infer, refusing (429) a Proven request over the caller's proof-job cap before any work. */
async function inferWithinCap(
  service: InferenceService,
  body: InferRequest,
  cap: ProofJobCap | undefined,
  caller: string,
) {
  if (!cap) return service.infer(body);
  let holding = false;
  try {
    const res = await service.infer(body, async (level) => {
      if (level !== "Proven") return;
      await cap.reserve(caller);
      holding = true;
    });
    if (holding) cap.settle(caller, res.job ? res.claimId : undefined);
    holding = false;
    return res;
  } finally {
    if (holding) cap.settle(caller);
  }
}

function addOpenRoutes(app: FastifyInstance, service: InferenceService): void {
  app.get("/v1/models", async (_req, reply) => send(reply, { models: service.servedModels() }));

  app.get("/healthz", async (_req, reply) =>
    send(reply, {
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
}

/** POST /rpc: one read-only JSON-RPC call or a batch, passed through to the chain (rpc-guard.ts). */
function addRpcRoute(app: FastifyInstance, rpc: Eip1193Provider, publicHosts: readonly string[]): void {
  const one = (m: unknown) => forwardRpcCall(rpc, m);
  app.post("/rpc", { onRequest: hostCheck(publicHosts) }, async (req, reply) => {
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
