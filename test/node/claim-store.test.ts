// The claim store on both engines: SQLite (always) and PostgreSQL (when $ASSAY_TEST_POSTGRES_URL
// is set; .ci/run sets it). Records round-trip exactly (bigints, inputs, salts); claims are
// queryable by status, level, model and time; concurrent updates of one claim never lose one;
// two processes' stores on one PostgreSQL database see each other's claims.
import { expect } from "chai";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ClaimStore } from "../../prover/node/claim-store.js";
import type { Database } from "../../prover/node/db/database.js";
import { MIGRATIONS, migrate, SCHEMA_VERSION } from "../../prover/node/db/migrations.js";
import { writerClaimId, writerRecord } from "./fixtures/state-writer-child.js";
import { requireService, scratchDatabase } from "../helpers/services.js";
import { expectRejection } from "../helpers/reject.js";

const fresh = () => mkdtempSync(path.join(os.tmpdir(), "assay-claims-"));

for (const kind of ["sqlite", "postgres"] as const) {
  describe(`node: claim store in ${kind}`, function () {
    let db: Database;
    let drop: () => Promise<void>;

    beforeEach(async function () {
      const pg = kind === "postgres" ? requireService(this, "postgres") : undefined;
      ({ db, drop } = await scratchDatabase(kind, fresh(), pg));
    });
    afterEach(async () => {
      await drop?.();
    });

    it("round-trips a record exactly; an unknown or malformed id is undefined", async () => {
      const store = new ClaimStore(db);
      const r = writerRecord(0, 12);
      r.salt = (1n << 250n) + 12345n;
      r.signer = "0x" + "Ab".repeat(20);
      await store.put(r);
      const back = await store.get(r.claimId.toUpperCase().replace("0X", "0x"));
      expect(back).to.deep.equal(r);
      expect(typeof back!.salt).to.equal("bigint");
      expect(await store.get(writerClaimId(1))).to.equal(undefined);
      expect(await store.get("0x1234")).to.equal(undefined);
      expect(await store.get("'; DROP TABLE claims; --")).to.equal(undefined);
    });

    it("lists by status, level, model and time, newest first; counts per status", async () => {
      const store = new ClaimStore(db);
      const t0 = Date.parse("2026-06-01T00:00:00Z");
      for (let i = 0; i < 6; i++) {
        const r = writerRecord(i, 3);
        r.createdAt = new Date(t0 + i * 1000).toISOString();
        r.status = i % 2 === 0 ? "batching" : "proven";
        r.level = i % 2 === 0 ? "Signed" : "Proven";
        if (i === 5) r.modelId = "0x" + "cd".repeat(32);
        await store.put(r);
      }
      const ids = (rs: { claimId: string }[]) => rs.map((r) => r.claimId);
      expect(ids(await store.list({ status: "proven" }))).to.deep.equal([5, 3, 1].map(writerClaimId));
      expect(ids(await store.list({ level: "Signed", limit: 2 }))).to.deep.equal([4, 2].map(writerClaimId));
      expect(ids(await store.list({ modelId: "0x" + "CD".repeat(32) }))).to.deep.equal([writerClaimId(5)]);
      expect(ids(await store.list({ since: t0 + 2000, until: t0 + 4000 }))).to.deep.equal([3, 2].map(writerClaimId));
      expect(ids(await store.pending())).to.deep.equal([0, 2, 4].map(writerClaimId));
      const counts = await store.counts();
      expect([counts.batching, counts.proven, counts.failed]).to.deep.equal([3, 3, 0]);
    });

    it("concurrent updates of one claim run one after another: none is lost", async () => {
      const store = new ClaimStore(db);
      const r = writerRecord(0, 1);
      r.input = [];
      await store.put(r);
      await Promise.all(
        Array.from({ length: 20 }, (_, k) =>
          store.update(r.claimId, (x) => {
            x.input.push(k);
          }),
        ),
      );
      const back = await store.get(r.claimId);
      expect([...back!.input].sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 20 }, (_, k) => k));
      await expectRejection(
        store.update(writerClaimId(9), () => {}),
        Error,
        /missing/,
      );
    });

    it("migrations are recorded, idempotent, and a newer schema is refused", async () => {
      expect(await migrate(db)).to.equal(SCHEMA_VERSION);
      const rows = await db.query<{ version: number }>("SELECT version FROM assay_schema ORDER BY version");
      expect(rows.map((r) => Number(r.version))).to.deep.equal(MIGRATIONS.map((m) => m.version));
      await db.run("INSERT INTO assay_schema (version, name, applied_ms) VALUES ($1, 'from the future', 0)", [
        SCHEMA_VERSION + 1,
      ]);
      await expectRejection(migrate(db), Error, new RegExp(`schema version ${SCHEMA_VERSION + 1}, newer than`));
    });
  });
}

describe("node: claim store shared by two processes (PostgreSQL)", function () {
  it("a claim written through one connection pool is read and updated through another", async function () {
    const pg = requireService(this, "postgres");
    const { db, url, drop } = await scratchDatabase("postgres", fresh(), pg);
    const { openDatabase } = await import("../../prover/node/db/database.js");
    const other = await openDatabase({ url });
    try {
      const a = new ClaimStore(db);
      const b = new ClaimStore(other);
      const r = writerRecord(3, 4);
      await a.put(r);
      await Promise.all([
        a.update(r.claimId, (x) => void x.input.push(1)),
        b.update(r.claimId, (x) => void x.input.push(2)),
      ]);
      expect((await b.get(r.claimId))!.input.slice(-2).sort()).to.deep.equal([1, 2]);
    } finally {
      await other.close();
      await drop();
    }
  });
});
