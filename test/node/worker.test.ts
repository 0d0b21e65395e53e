// Distributed proving end to end: `assay node start --rpc --db postgres --queue redis --no-prove`
// answers a Proven request by queueing a proof job on BullMQ, and one `assay worker` process, with
// its own account, proves it, submits submitProven, and records the outcome in the shared claim
// store; a SIGTERM while it proves lets it finish that job before it exits 0. The chain is this
// process's Hardhat network served over JSON-RPC (fixtures/chain-bridge), so both child processes
// share it. Needs Redis and PostgreSQL ($ASSAY_TEST_REDIS_URL, $ASSAY_TEST_POSTGRES_URL); skipped
// without them. One test (about 25 s): it starts two CLI processes and proves once.
import { expect } from "chai";
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { network } from "hardhat";
import { Queue } from "bullmq";
import type { Contract } from "ethers";
import { LEVEL } from "../../prover/chain/protocol-client.js";
import { parseRedisUrl } from "../../prover/node/bullmq-queue.js";
import { startAssay, stopAssay } from "../helpers/cli.js";
import { requireService, scratchPostgres } from "../helpers/services.js";
import { type ChainBridge, chainBridge } from "./fixtures/chain-bridge.js";
import { digits, digitsModel, tempDir } from "./fixtures/node.js";

const { ethers } = await network.create();

describe("cli: assay worker proves a node's queued proof jobs (BullMQ, PostgreSQL)", function () {
  let bridge: ChainBridge | undefined;
  let pg: { url: string; drop(): Promise<void> } | undefined;
  let redisUrl: string | undefined;
  const prefix = `assay-e2e-${randomBytes(4).toString("hex")}`;
  const procs: ChildProcess[] = [];

  after(async () => {
    for (const c of procs) if (c.exitCode === null) c.kill("SIGKILL");
    await bridge?.close();
    await pg?.drop().catch(() => {});
    if (redisUrl) {
      const admin = new Queue("proofs", { connection: parseRedisUrl(redisUrl), prefix });
      await admin.obliterate({ force: true });
      await admin.close();
    }
  });

  it("a Proven request ends proven on chain with the worker as beneficiary, and recorded proven", async function () {
    redisUrl = requireService(this, "redis");
    const pgUrl = requireService(this, "postgres");
    const model = await digitsModel(); // compiled and set up (cached) before the commands run
    pg = await scratchPostgres(pgUrl);
    bridge = await chainBridge(ethers);
    const stateDir = tempDir("worker-e2e");
    const circuit = model.ref.circuitId;
    const queueArgs = ["--queue", redisUrl, "--queue-prefix", prefix, "--db", pg.url];

    const node = await startAssay(
      [
        "node",
        "start",
        "--models",
        circuit,
        "--ptau-id",
        model.ref.ptauId!,
        "--rpc",
        bridge.url,
        ...queueArgs,
        "--no-prove",
        "--no-enclave",
        "--no-auth",
        "--port",
        "0",
        "--state-dir",
        stateDir,
        "--batch-size",
        "0",
        "--log-level",
        "warn",
      ],
      /assay node listening on (http:\/\/\S+)/,
    );
    procs.push(node.child);
    const url = node.match[1];
    expect(node.out()).to.contain("proofs     BullMQ at redis://").and.contain("run by workers, not here (--no-prove)");
    const operator = /operator {3}(0x[0-9a-fA-F]{40})/.exec(node.out())![1];
    const protocol = /protocol {3}(0x[0-9a-fA-F]{40})/.exec(node.out())![1];

    const worker = await startAssay(
      [
        "worker",
        ...queueArgs,
        "--models",
        circuit,
        "--ptau-id",
        model.ref.ptauId!,
        "--rpc",
        bridge.url,
        "--account",
        "3",
        "--state-dir",
        stateDir,
      ],
      /assay worker (0x[0-9a-fA-F]{40}) taking proof jobs/,
    );
    procs.push(worker.child);
    const workerAddress = worker.match[1];
    expect(workerAddress).to.equal((await ethers.getSigners())[3].address);
    expect(workerAddress).to.not.equal(operator);

    const res = await fetch(`${url}/v1/infer`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: circuit, input: digits().xs[0], valueAtRisk: "1", level: "proven" }),
    });
    const accepted = await res.json();
    expect(res.status, JSON.stringify(accepted)).to.equal(200);
    expect([accepted.level, accepted.status]).to.deep.equal(["Proven", "proving"]);

    // SIGTERM while the worker proves: it finishes the job (proof, transaction, record) and exits 0.
    const taken = Date.now() + 120_000;
    while (!worker.err().includes(": taken (") && Date.now() < taken) await new Promise((r) => setTimeout(r, 20));
    expect(worker.err()).to.contain(`job ${accepted.claimId}: taken (claim ${accepted.claimId}`);
    expect(await stopAssay(worker.child)).to.equal(0);
    const log = worker.err();
    expect(log).to.contain("SIGTERM: finishing 1 running job(s); queued jobs stay for other workers");

    const record = await (await fetch(`${url}/v1/claims/${accepted.claimId}`)).json();
    expect(record.status, `${JSON.stringify(record)}\nworker:\n${log}`).to.equal("proven");
    expect(record.job).to.deep.equal({ id: accepted.claimId, state: "done", attempts: 1 });
    expect(record.onChain).to.deep.equal({ level: "Proven", final: true });

    const hub = (await ethers.getContractAt("AssayProtocol", protocol)) as unknown as Contract;
    expect(Number(await hub.levelOf(accepted.claimId))).to.equal(LEVEL.Proven);
    const events = await hub.queryFilter(hub.filters.ClaimProven(accepted.claimId));
    expect(events).to.have.length(1);
    const proven = events[0] as unknown as { args: { beneficiary: string }; transactionHash: string };
    expect(proven.args.beneficiary).to.equal(workerAddress);
    expect(record.transaction?.hash).to.equal(proven.transactionHash);
    const tx = await ethers.provider.getTransaction(proven.transactionHash);
    expect(tx!.from).to.equal(workerAddress);
    expect(log).to.match(new RegExp(`proved in [0-9.]+ s; submitProven tx ${proven.transactionHash}`));

    expect(await stopAssay(node.child)).to.equal(0);
  });
});
