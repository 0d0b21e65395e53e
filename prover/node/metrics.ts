// The node's Prometheus metrics (prom-client), served by the HTTP server at GET /metrics.
//
// One registry per server, never prom-client's global one: a process may run several servers
// (the tests do), and each must count only its own traffic. What is counted, and where from:
//   assay_http_requests_total{method,route,status}   every response (server.ts onResponse hook);
//   assay_http_request_seconds{method,route}         route is the template (/v1/claims/:id), or
//                                                    "unmatched" for unknown paths (bounded labels)
//   assay_infer_requests_total{level,outcome}        POST /v1/infer that reached the service: level
//   assay_infer_seconds{level}                       Signed|Attested|Proven, or "none" when refused
//                                                    before one was chosen; outcome "ok" or the
//                                                    error kind (invalid, not-found, unprocessable,
//                                                    conflict, unavailable, chain, internal,
//                                                    over-limit). Requests refused at the edge
//                                                    (schema, API key, rate) are in the http metrics.
//   assay_proof_jobs{state}                          the proof-job queue by state (queued + running:
//                                                    its depth), read from the service at scrape time
//   assay_proof_seconds                              time spent proving, per proof job settled here
//   assay_gas_used_total{action}                     gas of this node's landed transactions:
//                                                    submitSigned, submitAttested, postBatch, submitProven
//   assay_failures_total{kind}                       transaction (a submission failed), batch (a batch
//                                                    post failed; it is retried), proof-job (failed for
//                                                    good), server (a 5xx answer)
// plus prom-client's default process metrics (CPU, memory, event loop lag, GC) on the same registry.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { ServiceEvent } from "./inference-service.js";
import { JOB_STATES, type JobState } from "./job-queue.js";

export type FailureKind = "transaction" | "batch" | "proof-job" | "server";

export interface NodeMetricsOptions {
  /** The proof-job queue's counts by state, read at each scrape (InferenceService.queueCounts). */
  queueCounts?: () => Promise<Record<JobState, number>>;
  /** Also collect prom-client's default process metrics (default true). */
  defaultMetrics?: boolean;
}

// Seconds. HTTP and inference answers wait for a transaction on chain at most; proofs take
// from under a second (tiny models) to many minutes.
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const PROOF_BUCKETS = [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];

export class NodeMetrics {
  readonly registry = new Registry();
  private readonly httpRequests: Counter<"method" | "route" | "status">;
  private readonly httpSeconds: Histogram<"method" | "route">;
  private readonly inferRequests: Counter<"level" | "outcome">;
  private readonly inferSeconds: Histogram<"level">;
  private readonly proofSeconds: Histogram;
  private readonly gasUsed: Counter<"action">;
  private readonly failures: Counter<"kind">;

  constructor(o: NodeMetricsOptions = {}) {
    const registers = [this.registry];
    this.httpRequests = new Counter({
      name: "assay_http_requests_total",
      help: "HTTP responses by method, route and status",
      labelNames: ["method", "route", "status"],
      registers,
    });
    this.httpSeconds = new Histogram({
      name: "assay_http_request_seconds",
      help: "HTTP request latency by method and route",
      labelNames: ["method", "route"],
      buckets: HTTP_BUCKETS,
      registers,
    });
    this.inferRequests = new Counter({
      name: "assay_infer_requests_total",
      help: "POST /v1/infer requests handled by the service, by level given and outcome",
      labelNames: ["level", "outcome"],
      registers,
    });
    this.inferSeconds = new Histogram({
      name: "assay_infer_seconds",
      help: "POST /v1/infer time in the service (model, signature or enclave, transaction), by level",
      labelNames: ["level"],
      buckets: HTTP_BUCKETS,
      registers,
    });
    this.proofSeconds = new Histogram({
      name: "assay_proof_seconds",
      help: "Time spent proving, per proof job settled by this node",
      buckets: PROOF_BUCKETS,
      registers,
    });
    this.gasUsed = new Counter({
      name: "assay_gas_used_total",
      help: "Gas used by this node's transactions that landed, by action",
      labelNames: ["action"],
      registers,
    });
    this.failures = new Counter({
      name: "assay_failures_total",
      help: "Failures by kind: transaction, batch (retried), proof-job (for good), server (5xx)",
      labelNames: ["kind"],
      registers,
    });
    const queueCounts = o.queueCounts;
    if (queueCounts) {
      new Gauge({
        name: "assay_proof_jobs",
        help: "Proof jobs by state; queued + running is the queue's depth",
        labelNames: ["state"],
        registers,
        async collect() {
          // A closed or unreachable queue leaves the gauge empty rather than failing the scrape.
          this.reset();
          const counts = await queueCounts().catch(() => null);
          if (counts) for (const state of JOB_STATES) this.set({ state }, counts[state] ?? 0);
        },
      });
    }
    if (o.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** One HTTP response (route: the matched template, or "unmatched"). */
  response(method: string, route: string, status: number, seconds: number): void {
    this.httpRequests.inc({ method, route, status: String(status) });
    this.httpSeconds.observe({ method, route }, seconds);
  }

  /** One POST /v1/infer handled by the service. */
  infer(level: string, outcome: string, seconds: number): void {
    this.inferRequests.inc({ level, outcome });
    this.inferSeconds.observe({ level }, seconds);
  }

  failure(kind: FailureKind): void {
    this.failures.inc({ kind });
  }

  /** Counts what the service reports (InferenceService.observe). */
  record(e: ServiceEvent): void {
    if (e.type === "transaction") this.gas(e.action, e.gasUsed);
    else if (e.type === "failure") this.failure(e.kind);
    else if (e.state === "failed") this.failure("proof-job");
    else if (e.state === "done" && e.result?.transaction) {
      // A job that found its claim already Proven sent nothing and proved nothing.
      // A claim's share of a batch transaction (submitProvenBatch), so the histogram stays per claim.
      const t = e.result.transaction;
      this.gas("submitProven", t.batchSize ? BigInt(t.gasUsed) / BigInt(t.batchSize) : t.gasUsed);
      this.proofSeconds.observe(e.result.proveMs / 1000);
    }
  }

  private gas(action: string, gasUsed: bigint | number | string): void {
    // Gas of one transaction fits a double exactly (blocks hold far less than 2^53).
    this.gasUsed.inc({ action }, Number(gasUsed));
  }

  /** The Prometheus text exposition of every metric. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
