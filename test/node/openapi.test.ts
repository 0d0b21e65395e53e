// The API contract as published: GET /openapi.json is an OpenAPI 3.1 document generated from the
// schemas the server validates and serializes with (prover/node/api-schema.ts), so what it says
// is what the node does. Every schema in it must compile as JSON Schema 2020-12 (the 3.1
// dialect); a request the document calls invalid must be refused with 400 and one it calls
// valid accepted; the answers must match their documented schemas.
import { createRequire } from "node:module";
import { expect } from "chai";
import type { FastifyInstance } from "fastify";
import { network } from "hardhat";
import { Ajv2020 } from "ajv/dist/2020.js";
import type { InferenceService } from "../../prover/node/inference-service.js";
import { buildServer } from "../../prover/node/server.js";
import { releaseCurve } from "../../prover/zk/groth16.js";
import { digits, type TestNode, testNode } from "./fixtures/node.js";

const connection = await network.create();
const { ethers } = connection;
const { version } = createRequire(import.meta.url)("../../package.json") as { version: string };

type Doc = {
  openapi: string;
  info: { version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, object>; securitySchemes: Record<string, object> };
};
type Operation = {
  security?: unknown[];
  requestBody?: { content: Record<string, { schema: object }> };
  parameters?: { schema: object }[];
  responses: Record<string, { description: string; content?: Record<string, { schema: object }> }>;
};

const KEY = { name: "ops", token: "ops-0123456789abcdef0123" };

describe("node: the OpenAPI document", function () {
  let node: TestNode;
  let service: InferenceService;
  let app: FastifyInstance;
  let doc: Doc;
  const x = digits().xs[0];
  // The document's schemas, compiled as OpenAPI 3.1 reads them (JSON Schema 2020-12), with its
  // components as one more schema that `#/components/schemas/<name>` references are pointed at.
  const ajv = new Ajv2020({ strict: true, validateFormats: false, allErrors: true });
  const COMPONENTS = "https://assay.invalid/components";
  const local = (schema: object) =>
    JSON.parse(JSON.stringify(schema).replaceAll('"#/components/schemas/', `"${COMPONENTS}#/$defs/`));
  const compile = (schema: object) => ajv.compile(local(schema));

  before(async () => {
    node = await testNode(ethers, { enclave: false });
    service = await node.service({ runProofJobs: false, config: { batch: null } });
    app = buildServer({ service, rpc: connection.provider, logLevel: "silent" });
    const res = await app.inject({ method: "GET", url: "/openapi.json" });
    expect(res.statusCode, res.body).to.equal(200);
    expect(res.headers["content-type"]).to.match(/^application\/json/);
    doc = res.json();
    ajv.addSchema(local({ $id: COMPONENTS, $defs: doc.components.schemas }));
  });
  after(async () => {
    await app?.close();
    await node?.stop();
    await releaseCurve();
  });

  const op = (path: string, method: string) => {
    const o = doc.paths[path]?.[method];
    expect(o, `${method.toUpperCase()} ${path} in the document`).to.not.equal(undefined);
    return o;
  };
  const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
  const compiles = (schema: object) => (compile(schema), 1);
  const bodySchema = () => op("/v1/infer", "post").requestBody!.content["application/json"].schema;
  const responseSchema = (path: string, method: string, status = "200") =>
    op(path, method).responses[status].content!["application/json"].schema;

  it("is OpenAPI 3.1 with the package's version, every route, the bearer scheme and the error answers", () => {
    expect(doc.openapi).to.match(/^3\.1\.\d+$/);
    expect(doc.info.version).to.equal(version);
    for (const [path, method] of [
      ["/v1/infer", "post"],
      ["/v1/claims/{id}", "get"],
      ["/v1/models", "get"],
      ["/healthz", "get"],
      ["/metrics", "get"],
      ["/openapi.json", "get"],
      ["/rpc", "post"],
    ])
      op(path, method);
    expect(doc.components.securitySchemes.apiKey).to.deep.include({ type: "http", scheme: "bearer" });
    const infer = op("/v1/infer", "post");
    expect(Object.keys(infer.responses).sort()).to.deep.equal(
      ["200", "400", "403", "404", "409", "413", "415", "422", "500", "502", "503"].sort(),
    );
    for (const [status, r] of Object.entries(infer.responses)) {
      expect(r.description, status).to.not.equal("Default Response");
      if (status !== "200") expect(r.content!["application/json"].schema).to.deep.equal(ref("Error"));
    }
    expect(responseSchema("/v1/infer", "post")).to.deep.equal(ref("InferResponse"));
    expect(responseSchema("/v1/claims/{id}", "get")).to.deep.equal(ref("ClaimView"));
    expect(op("/metrics", "get").responses["200"].content).to.have.key("text/plain");
  });

  it("every schema in it compiles as JSON Schema 2020-12", () => {
    let n = 0;
    for (const path of Object.values(doc.paths))
      for (const o of Object.values(path)) {
        for (const c of Object.values(o.requestBody?.content ?? {})) n += compiles(c.schema);
        for (const p of o.parameters ?? []) n += compiles(p.schema);
        for (const r of Object.values(o.responses))
          for (const c of Object.values(r.content ?? {})) n += compiles(c.schema);
      }
    expect(n).to.be.greaterThan(20);
  });

  it("documents every field of POST /v1/infer with its constraints", () => {
    const body = bodySchema() as {
      required: string[];
      additionalProperties: boolean;
      properties: Record<string, { anyOf?: object[]; pattern?: string; minLength?: number; maxLength?: number }>;
    };
    expect(body.required).to.deep.equal(["model", "input", "valueAtRisk"]);
    expect(body.additionalProperties).to.equal(false);
    expect(Object.keys(body.properties)).to.deep.equal(["model", "input", "valueAtRisk", "level", "consumer"]);
    expect(body.properties.model).to.deep.include({ minLength: 1, maxLength: 200 });
    expect(body.properties.valueAtRisk.anyOf).to.deep.equal([
      { type: "integer", minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
      { type: "string", pattern: "^(?:0|[1-9][0-9]{0,77})$" },
      { type: "string", pattern: "^0x[0-9a-fA-F]{1,64}$" },
    ]);
    expect(body.properties.consumer.pattern).to.equal("^0x[0-9a-fA-F]{40}$");
    const level = new RegExp(body.properties.level.pattern!);
    for (const ok of ["auto", "signed", "Attested", "PROVEN"]) expect(level.test(ok), ok).to.equal(true);
    for (const bad of ["none", "provenx", ""]) expect(level.test(bad), bad).to.equal(false);
    // Inputs nest at most 8 arrays deep (a rank-8 tensor), and hold numbers only.
    const documented = compile(body);
    let nested: unknown = x;
    for (let depth = 1; depth <= 9; depth++, nested = [nested])
      expect(documented({ model: "digits", input: nested, valueAtRisk: 5 }), `depth ${depth}`).to.equal(depth <= 8);
    expect(
      documented({
        model: "digits",
        input: [
          [1, 2],
          [3, [4, "5"]],
        ],
        valueAtRisk: 5,
      }),
    ).to.equal(false);
  });

  it("a request it documents as invalid gets 400 naming the field; one it documents as valid is served", async () => {
    const documented = compile(bodySchema());
    const good = { model: "digits", input: x, valueAtRisk: 5 };
    const invalid: [object, string][] = [
      [{ ...good, valueAtRisk: `0x${"f".repeat(65)}` }, "valueAtRisk"],
      [{ ...good, valueAtRisk: {} }, "valueAtRisk"],
      [{ ...good, valueAtRisk: -1 }, "valueAtRisk"],
      [{ ...good, valueAtRisk: 2 ** 53 }, "valueAtRisk"],
      [{ ...good, model: "" }, "model"],
      [{ ...good, input: [x, [["a"]]] }, "input[1][0][0]"],
      [{ ...good, level: "best" }, "level"],
      [{ ...good, consumer: "0xabc" }, "consumer"],
      [{ ...good, tip: 1 }, '"tip"'],
    ];
    for (const [body, field] of invalid) {
      expect(documented(body), JSON.stringify(body).slice(0, 80)).to.equal(false);
      const res = await app.inject({ method: "POST", url: "/v1/infer", payload: body });
      expect(res.statusCode, res.body).to.equal(400);
      expect(res.json().error).to.match(/^invalid request: /);
      expect(res.json().error).to.contain(field);
    }
    const claimView = compile(ref("ClaimView"));
    const answer = compile(responseSchema("/v1/infer", "post"));
    const valid = [
      { ...good, valueAtRisk: Number.MAX_SAFE_INTEGER, level: "Signed" },
      {
        ...good,
        valueAtRisk: "0x1f4",
        input: [x.slice(0, 32), x.slice(32)],
        consumer: await node.insurance.getAddress(),
      },
      // 2^256 - 1: at the limit of both patterns; Proven, queued.
      { ...good, valueAtRisk: `0x${"f".repeat(64)}`, level: "AUTO" },
    ];
    for (const body of valid) {
      expect(documented(body), JSON.stringify(body).slice(0, 80)).to.equal(true);
      const res = await app.inject({ method: "POST", url: "/v1/infer", payload: body });
      expect(res.statusCode, res.body).to.equal(200);
      expect(answer(res.json()), JSON.stringify(answer.errors)).to.equal(true);
      const claim = await app.inject({ method: "GET", url: `/v1/claims/${res.json().claimId}` });
      expect(claimView(claim.json()), JSON.stringify(claimView.errors)).to.equal(true);
    }
    for (const path of ["/healthz", "/v1/models"]) {
      const check = compile(responseSchema(path, "get"));
      const res = await app.inject({ method: "GET", url: path });
      expect(check(res.json()), `${path}: ${JSON.stringify(check.errors)}`).to.equal(true);
    }
  });

  it("with API keys: keyed routes and /metrics require the bearer scheme; the document stays open", async () => {
    const keyed = buildServer({
      service,
      access: { keys: [KEY], ratePerMinute: 100, proofJobsPerKey: 2 },
      logLevel: "silent",
    });
    try {
      const res = await keyed.inject({ method: "GET", url: "/openapi.json" });
      expect(res.statusCode).to.equal(200);
      const paths = (res.json() as Doc).paths;
      for (const [path, method] of [
        ["/v1/infer", "post"],
        ["/v1/claims/{id}", "get"],
        ["/metrics", "get"],
      ]) {
        expect(paths[path][method].security, path).to.deep.equal([{ apiKey: [] }]);
        expect(paths[path][method].responses).to.have.property("401");
      }
      expect(paths["/v1/infer"].post.responses).to.have.property("429");
      for (const [path, method] of [
        ["/healthz", "get"],
        ["/v1/models", "get"],
        ["/openapi.json", "get"],
      ])
        expect(paths[path][method].security ?? [], path).to.deep.equal([]);
      // Open node: nothing to send (the Host check answers 403 instead).
      expect(op("/v1/infer", "post").security).to.deep.equal([]);
    } finally {
      await keyed.close();
    }
  });
});
