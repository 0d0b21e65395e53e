// The HTTP API's contract: TypeBox schemas of every request and response of server.ts. Fastify
// validates requests against them (Ajv) before the service sees anything, serializes responses
// with them (fast-json-stringify: big integers become decimal strings, and nothing outside the
// schema leaks out), and @fastify/swagger turns them into GET /openapi.json. One definition, so
// the document cannot drift from what the node accepts and answers.
//
// Requests are checked at the edge as far as a schema can say: types, lengths, patterns, no
// unknown fields. What needs the node's state stays with the service (the input's size for the
// model, a value at risk above 2^256 - 1 that fits in 78 digits, an address checksum, whether a
// model or claim exists), and its messages say so just as precisely. A failed check becomes one
// line naming the field, what it must be (the schema's `description`) and what it was:
//   invalid request: valueAtRisk must be a non-negative integer ..., got {}
import { type Static, type TSchema, Type } from "@sinclair/typebox";
import { LEVEL_NAMES, type LevelName } from "../chain/protocol-client.js";
import type { ClaimStatus } from "./claim-store.js";
import { JOB_STATES } from "./job-queue.js";
import { LEVEL_REQUESTS } from "./routing.js";

// ---------------------------------------------------------------- helpers

/** A string from a fixed list (`enum`, not TypeBox's anyOf of literals: simpler for docs and serializers). */
function stringEnum<T extends string>(values: readonly T[], description?: string) {
  return Type.Unsafe<T>({ type: "string", enum: [...values], ...(description ? { description } : {}) });
}

function nullable<T extends TSchema>(schema: T) {
  return Type.Union([schema, Type.Null()]);
}

/** A pattern matching `words` in any letter case (JSON Schema patterns have no `i` flag). */
function anyCase(words: readonly string[]): string {
  const letters = (w: string) => [...w].map((c) => `[${c.toLowerCase()}${c.toUpperCase()}]`).join("");
  return `^(?:${words.map(letters).join("|")})$`;
}

/** A big integer in a response: a decimal string (uint256 values, field elements, gas). */
const Decimal = (description?: string) => Type.String({ pattern: "^[0-9]+$", ...(description ? { description } : {}) });
const Bytes32 = (description?: string) =>
  Type.String({ pattern: "^0x[0-9a-fA-F]{64}$", ...(description ? { description } : {}) });
const Address = (description?: string) =>
  Type.String({ pattern: "^0x[0-9a-fA-F]{40}$", ...(description ? { description } : {}) });

// ---------------------------------------------------------------- requests

/** Array levels an input may nest (a rank-8 tensor); deeper is refused before any recursion can hurt. */
export const MAX_INPUT_DEPTH = 8;
/** 2^256 - 1 has 78 decimal digits and 64 hex digits. */
export const VALUE_AT_RISK_DECIMAL = "^(?:0|[1-9][0-9]{0,77})$";
export const VALUE_AT_RISK_HEX = "^0x[0-9a-fA-F]{1,64}$";

/** Elements of an input: a number or an array of them, nested at most MAX_INPUT_DEPTH levels in all. */
function inputSchema() {
  const deep = `arrays nest at most ${MAX_INPUT_DEPTH} levels deep`;
  let element: TSchema = Type.Number({ description: `a finite number (${deep})` });
  for (let level = MAX_INPUT_DEPTH - 1; level > 0; level--)
    element = Type.Union([Type.Number(), Type.Array(element)], {
      description: `a finite number or an array of them (${deep})`,
    });
  return Type.Array(element, { description: `an array of finite numbers, flat or nested (${deep})` });
}

export const InferBody = Type.Object(
  {
    model: Type.String({
      minLength: 1,
      maxLength: 200,
      description: "a model id (0x and 64 hex digits), circuit id or alias of 1 to 200 characters",
    }),
    input: inputSchema(),
    valueAtRisk: Type.Union(
      [
        Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
        Type.String({ pattern: VALUE_AT_RISK_DECIMAL }),
        Type.String({ pattern: VALUE_AT_RISK_HEX }),
      ],
      {
        description:
          "a non-negative integer below 2^256: a JSON number up to 2^53 - 1, a decimal string " +
          "of up to 78 digits, or 0x and up to 64 hex digits",
      },
    ),
    level: Type.Optional(
      Type.String({
        pattern: anyCase(LEVEL_REQUESTS),
        description: `one of ${LEVEL_REQUESTS.join(", ")} (any letter case)`,
      }),
    ),
    consumer: Type.Optional(
      Address("an address (0x and 40 hex digits) of a contract with requiredLevel(uint256 valueAtRisk)"),
    ),
  },
  { additionalProperties: false, description: "a JSON object" },
);
export type InferBody = Static<typeof InferBody>;

export const ClaimParams = Type.Object(
  { id: Bytes32("a claim id: 0x and 64 hex digits (32 bytes)") },
  { additionalProperties: false },
);
export type ClaimParams = Static<typeof ClaimParams>;

// ---------------------------------------------------------------- responses

/** Every error: one line. The shared schemas below are components of the OpenAPI document. */
export const ErrorBody = Type.Object(
  { error: Type.String({ description: "what is wrong, one line" }) },
  { $id: "Error", title: "Error" },
);

// Checked by the compiler against ClaimStatus: a status added there fails here until listed.
const CLAIM_STATUSES = Object.keys({
  batching: 1,
  batched: 1,
  recorded: 1,
  proving: 1,
  proven: 1,
  failed: 1,
} satisfies Record<ClaimStatus, 1>) as ClaimStatus[];
const LEVELS = LEVEL_NAMES.filter((l): l is LevelName => l !== "None");

const TxInfo = Type.Object({
  hash: Bytes32(),
  blockNumber: Type.Integer(),
  gasUsed: Decimal(),
});

const claimViewProps = {
  claimId: Bytes32(),
  level: stringEnum(LEVELS, "the level given"),
  requiredLevel: nullable(stringEnum(LEVELS, "the level the policy required (null: none)")),
  policy: Type.Object({
    source: stringEnum(["consumer", "node"] as const),
    consumer: Type.Optional(Address()),
    describe: Type.String(),
  }),
  valueAtRisk: Decimal(),
  status: stringEnum(CLAIM_STATUSES),
  modelId: Bytes32(),
  circuitId: Type.String(),
  claim: Type.Object(
    {
      modelId: Bytes32(),
      inputCommitment: Decimal("Poseidon commitment of the input and the salt"),
      output: Decimal(),
      requestId: Bytes32(),
      deadline: Decimal("unix seconds"),
    },
    { description: "the claim as the hub records it" },
  ),
  output: Type.Object({
    signal: Decimal("the claim's public output (packed word, commitment or label)"),
    label: Type.Integer(),
    labels: Type.Array(Type.Number()),
    classes: Type.Optional(
      Type.Array(Type.Union([Type.String(), Type.Number()]), {
        description: "the classes the labels stand for, when the classifier names them",
      }),
    ),
    logits: Type.Array(Type.String({ pattern: "^-?[0-9]+$" }), { description: "fixed-point integers, decimal" }),
    values: Type.Array(Type.Number(), { description: "the logits as reals" }),
    clamped: Type.Integer({ description: "input values clamped into the calibrated range" }),
  }),
  signer: Type.Optional(Address("who signed: the operator (Signed) or the enclave key (Attested)")),
  signature: Type.Optional(Type.String({ pattern: "^0x[0-9a-fA-F]{130}$" })),
  transaction: Type.Optional(TxInfo),
  batch: Type.Optional(
    Type.Object(
      {
        root: Bytes32(),
        index: Type.Integer(),
        size: Type.Integer(),
        proof: Type.Array(Bytes32()),
        transaction: TxInfo,
      },
      { description: "the Merkle batch of a Signed claim (proof: for checkBatchedClaim / importBatchedClaim)" },
    ),
  ),
  job: Type.Optional(
    Type.Object({
      id: Type.String(),
      state: stringEnum([...JOB_STATES, "unknown"] as const),
      attempts: Type.Optional(Type.Integer()),
      error: Type.Optional(Type.String()),
    }),
  ),
  onChain: Type.Optional(
    Type.Object({ level: stringEnum(LEVEL_NAMES), final: Type.Boolean() }, { description: "the hub's view now" }),
  ),
  error: Type.Optional(Type.String()),
  createdAt: Type.String({ format: "date-time" }),
  updatedAt: Type.String({ format: "date-time" }),
};

export const ClaimView = Type.Object(claimViewProps, {
  $id: "ClaimView",
  title: "ClaimView",
  description: "the node's record of a claim (never its input or salt)",
});

/** GET /v1/claims: every condition given must hold. */
export const ClaimsQuery = Type.Object(
  {
    status: Type.Optional(stringEnum(CLAIM_STATUSES, "the claim's status")),
    level: Type.Optional(stringEnum(LEVELS, "the level it was made at")),
    model: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: "model id, circuit id or name" })),
    since: Type.Optional(Type.String({ format: "date-time", description: "made at or after (ISO 8601)" })),
    until: Type.Optional(Type.String({ format: "date-time", description: "made before (ISO 8601)" })),
    // A string: query values are not coerced (the node's validator never coerces types).
    limit: Type.Optional(
      Type.String({ pattern: "^(?:[1-9][0-9]{0,2}|1000)$", description: "at most this many, 1 to 1000 (default 100)" }),
    ),
  },
  { additionalProperties: false },
);
export type ClaimsQuery = Static<typeof ClaimsQuery>;

export const ClaimsResponse = Type.Object({
  claims: Type.Array(Type.Ref(ClaimView), {
    description: "newest first; no chain reads (GET /v1/claims/:id has onChain)",
  }),
});

export const InferResponse = Type.Object(
  { ...claimViewProps, salt: Decimal("the input commitment's salt: the caller's to keep, never shown again") },
  { $id: "InferResponse", title: "InferResponse", description: "the claim made, with its output and salt" },
);

export const ModelsResponse = Type.Object({
  models: Type.Array(
    Type.Object({
      modelId: Bytes32(),
      circuitId: Type.String(),
      alias: Type.Optional(Type.String()),
      inputShape: Type.Array(Type.Integer()),
    }),
  ),
});

export const HealthResponse = Type.Object({
  ok: Type.Boolean(),
  chainId: Decimal(),
  protocol: Address(),
  operator: Address(),
  enclave: nullable(Address()),
  models: Type.Integer({ description: "models served" }),
  pendingBatch: Type.Integer({ description: "Signed claims waiting for a batch" }),
  policy: Type.Object(
    { signedMax: Decimal(), attestedMax: Decimal() },
    { description: "the node's thresholds, for requests naming no consumer" },
  ),
  batch: nullable(Type.Object({ size: Type.Integer(), intervalMs: Type.Integer() })),
  challengeWatch: nullable(
    Type.Object(
      {
        running: Type.Boolean(),
        cursor: nullable(Type.Integer()),
        head: nullable(Type.Integer()),
        lastScanAt: nullable(Type.String()),
        lastError: nullable(Type.String()),
        ignored: Type.Integer(),
        defences: Type.Record(Type.String(), Type.Integer()),
      },
      // The watcher may report more than this; it passes through.
      { additionalProperties: true, description: "the challenge watcher (null: off)" },
    ),
  ),
});

/** What each error status means, for the OpenAPI document (server.ts maps errors to them). */
export const ERROR_STATUSES = {
  400: "malformed or invalid request",
  401: "missing or invalid API key (when the node has keys)",
  403: "Host header names another machine (open node: DNS-rebinding defence)",
  404: "unknown model or claim",
  409: "conflicts with chain state (e.g. a deprecated model)",
  413: "request body larger than the limit",
  415: "request body is not JSON",
  422: "a level the policy or the model rules out, or a consumer policy that cannot be read",
  429: "over the API key's request rate or proof-job limit",
  500: "the node is at fault",
  502: "the chain refused a transaction",
  503: "the node is shutting down",
} as const;
export type ErrorStatus = keyof typeof ERROR_STATUSES;

/** Response schemas of `statuses` errors: `{ error }`, each with its meaning. */
export function errorResponses(statuses: readonly ErrorStatus[]): Record<number, TSchema> {
  return Object.fromEntries(statuses.map((s) => [s, Type.Ref(ErrorBody, { description: ERROR_STATUSES[s] })]));
}

// ---------------------------------------------------------------- validation messages

/** A value, short, for a message (the service's messages describe values the same way). */
export function describeValue(v: unknown): string {
  if (v === undefined) return "nothing";
  if (Array.isArray(v)) return `an array of ${v.length}`;
  // 1e999 in JSON parses to Infinity, which JSON.stringify would show as null.
  if (typeof v === "number") return String(v);
  if (typeof v === "string") return JSON.stringify(v.length > 36 ? `${v.slice(0, 36)}...` : v);
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

/** What Ajv reports for a failed check (run `verbose`: with the value and the schema that failed). */
export interface SchemaError {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string;
  data?: unknown;
  parentSchema?: object;
}

const depth = (e: SchemaError) => (e.instancePath === "" ? 0 : e.instancePath.split("/").length - 1);

/**
 * The error to report: the deepest one (closest to the bad value); at one place, a union's own
 * error ("matches none of") over its branches' (each says only why one branch failed).
 */
function mainError(errors: readonly SchemaError[]): SchemaError {
  let best = errors[0];
  for (const e of errors) {
    const union = e.keyword === "anyOf" || e.keyword === "oneOf";
    if (depth(e) > depth(best) || (depth(e) === depth(best) && union)) best = e;
  }
  return best;
}

/** `input[0][3]`, `policy.source`, or "" for the whole value; from a JSON pointer. */
function fieldName(instancePath: string): string {
  const parts = instancePath
    .split("/")
    .slice(1)
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
  return parts.map((p, i) => (i === 0 ? p : /^[0-9]+$/.test(p) ? `[${p}]` : `.${p}`)).join("");
}

/**
 * One line for a failed request check (Ajv run with `verbose`, so errors carry the value and
 * schema): the field, what it must be, what it was. `dataVar` is fastify's part name ("body",
 * "params", "querystring", "headers").
 */
export function validationMessage(errors: readonly SchemaError[], dataVar: string): string {
  const e = mainError(errors);
  const field = fieldName(e.instancePath);
  const where = dataVar === "body" ? field : `${dataVar === "params" ? "path parameter" : dataVar} ${field}`.trim();
  const whole = field === "" ? (dataVar === "body" ? "the request body" : `the ${dataVar}`) : where;
  const parent = (e.parentSchema ?? {}) as { description?: string; required?: string[]; properties?: object };
  if (e.keyword === "required") {
    const missing = String(e.params.missingProperty);
    const inside = field === "" ? "" : ` in ${where}`;
    return `missing field "${missing}"${inside} (required: ${(parent.required ?? []).join(", ")})`;
  }
  if (e.keyword === "additionalProperties") {
    const extra = String(e.params.additionalProperty);
    const inside = field === "" ? "" : ` in ${where}`;
    return `unknown field "${extra}"${inside} (allowed: ${Object.keys(parent.properties ?? {}).join(", ")})`;
  }
  const expected = parent.description ?? e.message ?? `must satisfy ${e.keyword}`;
  const must = parent.description ? `must be ${expected}` : expected;
  return `${whole} ${must}, got ${describeValue(e.data)}`;
}
