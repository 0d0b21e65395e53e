import { expect } from "chai";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { FileJobQueue } from "../../prover/node/job-queue.js";

const fresh = () => mkdtempSync(path.join(os.tmpdir(), "assay-jobs-"));

describe("node: persistent job queue", () => {
  it("runs jobs with bounded concurrency and records results (bigints survive)", async () => {
    const q = new FileJobQueue<{ n: bigint }, bigint>(fresh(), 2);
    let active = 0;
    let peak = 0;
    await q.start(async ({ n }) => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 15));
      active--;
      return n * 2n;
    });
    const ids = await Promise.all([1n, 2n, 3n, 4n, 5n].map((n) => q.enqueue({ n })));
    await q.idle();
    expect(peak).to.equal(2);
    const jobs = await Promise.all(ids.map((id) => q.get(id)));
    expect(jobs.map((j) => j!.result)).to.deep.equal([2n, 4n, 6n, 8n, 10n]);
    expect(jobs.every((j) => j!.state === "done")).to.equal(true);
  });

  it("a job accepted before a crash is run by the next process (nothing lost)", async () => {
    const dir = fresh();
    // First process: accepts two jobs, is killed (SIGKILL) while running the first.
    // Node itself runs the child (tsx as a loader, not tsx's CLI, which would add a process the
    // kill below would not reach).
    const child = spawn(
      process.execPath,
      ["--import", "tsx", path.join(import.meta.dirname, "fixtures/queue-child.ts"), dir],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    const line = await new Promise<string>((resolve) => child.stdout.once("data", (d) => resolve(String(d))));
    const [a, b] = line.trim().split(" ");
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    expect(readdirSync(dir).filter((f) => f.endsWith(".json"))).to.have.length(2);
    // Second process over the same directory.
    const second = new FileJobQueue<{ v: number }, number>(dir, 1);
    expect((await second.get(a))!.state).to.equal("running");
    const seen: number[] = [];
    await second.start(async ({ v }) => {
      seen.push(v);
      return v + 100;
    });
    await second.idle();
    expect(seen).to.deep.equal([1, 2]);
    const ja = await second.get(a);
    expect([ja!.state, ja!.result, ja!.attempts]).to.deep.equal(["done", 101, 2]);
    const jb = await second.get(b);
    expect([jb!.state, jb!.result, jb!.attempts]).to.deep.equal(["done", 102, 1]);
  });

  it("retries a failing job, then marks it failed with the error", async () => {
    const q = new FileJobQueue<object, number>(fresh(), 1, 2);
    let calls = 0;
    await q.start(async () => {
      calls++;
      throw new Error(`boom ${calls}`);
    });
    const id = await q.enqueue({});
    await q.idle();
    const j = await q.get(id);
    expect(calls).to.equal(2);
    expect(j!.state).to.equal("failed");
    expect(j!.error).to.equal("boom 2");
  });

  it("returns undefined for unknown or malformed ids", async () => {
    const q = new FileJobQueue(fresh());
    expect(await q.get("nope")).to.equal(undefined);
    expect(await q.get("../../etc/passwd")).to.equal(undefined);
  });
});
