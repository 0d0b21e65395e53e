// Benchmark: node start-up against a long history. Fills a database with finished proof jobs and
// claims (the scale: 500k jobs, 2M claims), then measures, in a fresh process each time,
// what a starting node does with its store: open and migrate the database, take up stalled jobs
// (SqlJobQueue.start), find the Signed claims still waiting for a batch (ClaimStore.pending), and
// read one claim by id. The same probe on an empty database shows what history costs: the target
// is <= 2 s and memory independent of history size. The chain, models and HTTP server a node also
// starts do not depend on history and are not part of this number.
//
//   npx tsx bench/store-startup.ts [--claims 2000000] [--jobs 500000] [--postgres <url>] [--keep]
//
// SQLite always (a temporary state directory); PostgreSQL too with --postgres (a scratch
// database created and dropped on that server). Writes bench/store-startup.json.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { ClaimStore, type ClaimRecord } from "../prover/node/claim-store.js";
import { type Database, openDatabase, SQLITE_FILE } from "../prover/node/db/database.js";
import { toJson } from "../prover/node/db/json.js";
import { SqlJobQueue } from "../prover/node/job-queue.js";

const require = createRequire(import.meta.url);
const tsxCli = require.resolve("tsx/cli");
const OPERATOR = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8";

function arg(name: string, dflt?: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : dflt;
}

/** A claim record shaped like the digits model's (64 inputs, 10 logits). */
function record(i: number, t0: number): ClaimRecord {
  const id = `0x${i.toString(16).padStart(64, "0")}`;
  const input = Array.from({ length: 64 }, (_, k) => ((i * 31 + k * 7) % 17) / 16);
  const logits = Array.from({ length: 10 }, (_, k) => BigInt((i * 13 + k * 101) % 5000) - 2500n);
  const created = new Date(t0 + i).toISOString();
  const levels = ["Signed", "Signed", "Signed", "Proven"] as const;
  const level = levels[i % 4];
  return {
    claimId: id,
    level,
    requiredLevel: level,
    policy: { source: "node", describe: "node thresholds" },
    valueAtRisk: BigInt(i % 1000),
    status: level === "Proven" ? "proven" : "batched",
    modelId: `0x${(i % 20).toString(16).padStart(64, "0")}`,
    circuitId: `c${(i % 20).toString(16).padStart(15, "0")}`,
    claim: {
      modelId: `0x${(i % 20).toString(16).padStart(64, "0")}`,
      inputCommitment: BigInt(`0x${randomBytes(31).toString("hex")}`),
      output: BigInt(i % 10),
      requestId: id,
      deadline: BigInt(Math.floor(t0 / 1000) + 86_400),
    },
    salt: BigInt(`0x${randomBytes(31).toString("hex")}`),
    input,
    output: {
      signal: BigInt(i % 10),
      label: i % 10,
      labels: [i % 10],
      logits,
      values: logits.map((l) => Number(l) / 256),
      clamped: 0,
    },
    signer: level === "Proven" ? undefined : OPERATOR,
    signature: level === "Proven" ? undefined : `0x${"ab".repeat(65)}`,
    createdAt: created,
    updatedAt: created,
  };
}

/** Inserts `claims` claims and `jobs` finished jobs, many rows per statement. */
async function fill(db: Database, claims: number, jobs: number): Promise<number> {
  const t = performance.now();
  const t0 = Date.parse("2026-01-01T00:00:00Z");
  const ROWS = 200;
  for (let start = 0; start < claims; start += ROWS * 50) {
    await db.transaction(async (tx) => {
      for (let s = start; s < Math.min(claims, start + ROWS * 50); s += ROWS) {
        const n = Math.min(ROWS, claims - s);
        const params: unknown[] = [];
        const values: string[] = [];
        for (let k = 0; k < n; k++) {
          const r = record(s + k, t0);
          const b = params.length;
          values.push(`(${Array.from({ length: 10 }, (_, j) => `$${b + j + 1}`).join(", ")})`);
          params.push(
            r.claimId,
            r.status,
            r.level,
            r.modelId,
            r.circuitId,
            r.signer ?? null,
            r.level === "Proven" ? r.claimId : null,
            Date.parse(r.createdAt),
            Date.parse(r.updatedAt),
            toJson(r),
          );
        }
        await tx.run(
          "INSERT INTO claims (claim_id, status, level, model_id, circuit_id, signer, job_id, created_ms, " +
            `updated_ms, record) VALUES ${values.join(", ")}`,
          params,
        );
      }
    });
    process.stderr.write(`\r  claims ${Math.min(claims, start + ROWS * 50)}/${claims}`);
  }
  process.stderr.write("\n");
  for (let start = 0; start < jobs; start += ROWS * 50) {
    await db.transaction(async (tx) => {
      for (let s = start; s < Math.min(jobs, start + ROWS * 50); s += ROWS) {
        const n = Math.min(ROWS, jobs - s);
        const params: unknown[] = [];
        const values: string[] = [];
        for (let k = 0; k < n; k++) {
          const i = (s + k) * 4 + 3; // the Proven claims
          const r = record(i, t0);
          const b = params.length;
          values.push(`(${Array.from({ length: 9 }, (_, j) => `$${b + j + 1}`).join(", ")})`);
          const payload = { claimId: r.claimId, modelId: r.modelId, circuitId: r.circuitId, claim: r.claim };
          const result = {
            beneficiary: OPERATOR,
            binding: r.salt,
            transaction: { hash: r.claimId, blockNumber: i, gasUsed: 268_089n },
            proveMs: 600,
          };
          params.push(
            r.claimId,
            "proofs",
            "done",
            toJson({ ...payload, input: r.input, salt: r.salt }),
            toJson(result),
            1,
            0,
          );
          params.push(Date.parse(r.createdAt), Date.parse(r.createdAt) + 1000);
        }
        await tx.run(
          "INSERT INTO jobs (id, queue, state, payload, result, attempts, run_after_ms, created_ms, updated_ms) " +
            `VALUES ${values.join(", ")}`,
          params,
        );
      }
    });
    process.stderr.write(`\r  jobs ${Math.min(jobs, start + ROWS * 50)}/${jobs}`);
  }
  process.stderr.write("\n");
  return (performance.now() - t) / 1000;
}

interface Probe {
  openMs: number;
  queueStartMs: number;
  pendingMs: number;
  getMs: number;
  totalMs: number;
  rssMiB: number;
  heapUsedMiB: number;
  pending: number;
}

/** In this (fresh) process: what a starting node does with its store. */
async function probe(url: string): Promise<Probe> {
  const t0 = performance.now();
  const db = await openDatabase({ url });
  const t1 = performance.now();
  const queue = new SqlJobQueue(db, { log: () => {} });
  await queue.start(async () => null);
  const t2 = performance.now();
  const store = new ClaimStore(db, () => {});
  const pending = await store.pending(OPERATOR);
  const t3 = performance.now();
  await store.get(`0x${(12345).toString(16).padStart(64, "0")}`);
  const t4 = performance.now();
  const mem = process.memoryUsage();
  await queue.close();
  await db.close();
  return {
    openMs: t1 - t0,
    queueStartMs: t2 - t1,
    pendingMs: t3 - t2,
    getMs: t4 - t3,
    totalMs: t4 - t0,
    rssMiB: mem.rss / 2 ** 20,
    heapUsedMiB: mem.heapUsed / 2 ** 20,
    pending: pending.length,
  };
}

function probeInChild(url: string): Probe {
  const r = spawnSync(process.execPath, [tsxCli, import.meta.filename, "--probe", url], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`probe failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").at(-1)!) as Probe;
}

const round = (p: Probe) =>
  Object.fromEntries(Object.entries(p).map(([k, v]) => [k, Number((v as number).toFixed(1))])) as unknown as Probe;

async function scratchPostgres(url: string) {
  const name = `assay_bench_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(url);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

async function engine(kind: "sqlite" | "postgres", claims: number, jobs: number, pgUrl?: string) {
  let url: string;
  let cleanup: () => Promise<void>;
  let emptyUrl: string;
  let emptyCleanup: () => Promise<void>;
  if (kind === "sqlite") {
    const dir = mkdtempSync(path.join(os.tmpdir(), "assay-store-bench-"));
    const emptyDir = mkdtempSync(path.join(os.tmpdir(), "assay-store-bench-empty-"));
    url = path.join(dir, SQLITE_FILE);
    emptyUrl = path.join(emptyDir, SQLITE_FILE);
    cleanup = async () => rmSync(dir, { recursive: true, force: true });
    emptyCleanup = async () => rmSync(emptyDir, { recursive: true, force: true });
  } else {
    const big = await scratchPostgres(pgUrl!);
    const empty = await scratchPostgres(pgUrl!);
    [url, cleanup, emptyUrl, emptyCleanup] = [big.url, big.drop, empty.url, empty.drop];
  }
  try {
    await (await openDatabase({ url: emptyUrl })).close();
    const db = await openDatabase({ url });
    process.stderr.write(`${kind}: filling ${claims} claims and ${jobs} finished jobs\n`);
    const fillSeconds = await fill(db, claims, jobs);
    if (kind === "postgres") await db.run("ANALYZE");
    await db.close();
    const sizeMiB =
      kind === "sqlite"
        ? statSync(url).size / 2 ** 20
        : Number(
            (await (async () => {
              const c = new pg.Client({ connectionString: url });
              await c.connect();
              const r = await c.query("SELECT pg_database_size(current_database()) AS s");
              await c.end();
              return r.rows[0].s;
            })()) as string,
          ) /
          2 ** 20;
    // Three probes each (the first may pay for a cold page cache); the median is reported.
    const median = (ps: Probe[]) => ps.sort((a, b) => a.totalMs - b.totalMs)[1];
    const full = median([probeInChild(url), probeInChild(url), probeInChild(url)]);
    const empty = median([probeInChild(emptyUrl), probeInChild(emptyUrl), probeInChild(emptyUrl)]);
    return {
      engine: kind,
      claims,
      finishedJobs: jobs,
      fillSeconds: Number(fillSeconds.toFixed(1)),
      databaseMiB: Math.round(sizeMiB),
      startup: round(full),
      startupEmpty: round(empty),
    };
  } finally {
    if (!process.argv.includes("--keep")) {
      await cleanup();
      await emptyCleanup();
    }
  }
}

if (process.argv.includes("--probe")) {
  process.stdout.write(`${JSON.stringify(await probe(arg("--probe")!))}\n`);
} else {
  const claims = Number(arg("--claims", "2000000"));
  const jobs = Number(arg("--jobs", "500000"));
  const pgUrl = arg("--postgres");
  const results = [await engine("sqlite", claims, jobs)];
  if (pgUrl) results.push(await engine("postgres", claims, jobs, pgUrl));
  const report = {
    benchmark: "store-startup",
    what:
      "a starting node's store work: open + migrate, SqlJobQueue.start (stalled-job recovery), " +
      "ClaimStore.pending(operator) (batch resume), one get by id; fresh process per probe, median of 3",
    target: "<= 2 s with 500k finished jobs and 2M claims; memory independent of history",
    results,
    cpu: os.cpus()[0]?.model ?? "unknown",
    cores: os.availableParallelism(),
    node: process.version,
    date: new Date().toISOString(),
  };
  for (const r of results)
    process.stdout.write(
      `${r.engine}: ${r.claims} claims + ${r.finishedJobs} jobs ` +
        `(${r.databaseMiB} MiB, filled in ${r.fillSeconds} s): ` +
        `start-up ${r.startup.totalMs} ms, RSS ${r.startup.rssMiB} MiB ` +
        `(empty: ${r.startupEmpty.totalMs} ms, ${r.startupEmpty.rssMiB} MiB)\n`,
    );
  writeFileSync(path.join(import.meta.dirname, "store-startup.json"), `${JSON.stringify(report, null, 2)}\n`);
}
