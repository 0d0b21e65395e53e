// The fixed-base worker threads under the Node the `assay` command runs on when started as
// `node bin/assay.mjs` (or through its #!/usr/bin/env node line): the system Node, not the Node 22
// that npm and npx put first on PATH. On Node 20 a worker thread does not inherit the tsx loader
// bin/assay.mjs registers, and cannot strip types itself: the worker must register tsx on its own.
import { expect } from "chai";
import { execFile } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join, sep } from "node:path";
import { pathToFileURL } from "node:url";
import { buildBn128 } from "ffjavascript";
import { generateDevPtau } from "../../../prover/zk/dev-ptau.js";
import { BN254_R } from "../../../prover/zk/ptau-scalars.js";
import { PROJECT_ROOT } from "../../../prover/artifacts.js";

const POWER = 4;
const SCALARS = [0n, 1n, 2n, 12345678901234567890n, BN254_R - 1n];

/** The first `node` on PATH outside node_modules (where the npm package's Node 22 lives). */
function systemNode(): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir === "" || dir.split(sep).includes("node_modules")) continue;
    const file = join(dir, "node");
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** What the child prints: its Node version, the points s * G (hex, LEM) and the ceremony it wrote. */
interface ChildReport {
  node: string;
  points: Record<"G1" | "G2", string>;
  challengeHash: string;
}

/**
 * A module run by the system Node as `node <file>.mjs`: registers tsx exactly as bin/assay.mjs
 * does, then uses the worker pool and the development ceremony from the TypeScript sources.
 */
function childScript(outFile: string): string {
  const url = (file: string): string => JSON.stringify(pathToFileURL(join(PROJECT_ROOT, file)).href);
  return `
    import { register } from ${JSON.stringify(import.meta.resolve("tsx/esm/api"))};
    register();
    const { FixedBasePool } = await import(${url("prover/zk/fixed-base-pool.ts")});
    const { generateDevPtau } = await import(${url("prover/zk/dev-ptau.ts")});
    const { scalarsToBytes } = await import(${url("prover/zk/ptau-scalars.ts")});
    const scalars = scalarsToBytes(${JSON.stringify(SCALARS.map(String))}.map(BigInt));
    const pool = await FixedBasePool.create({ threads: 2, expectedPoints: { G1: 8, G2: 8 } });
    const points = {};
    try {
      for (const group of ["G1", "G2"]) {
        points[group] = Buffer.from(await pool.multiply(group, scalars.slice())).toString("hex");
      }
    } finally {
      await pool.close();
    }
    const ptau = await generateDevPtau({ power: ${POWER}, outFile: ${JSON.stringify(outFile)}, threads: 2 });
    console.log(JSON.stringify({ node: process.version, points, challengeHash: ptau.challengeHash }));
  `;
}

/** Runs `node <script>` in the repository, with PATH and the environment of a plain shell. */
function run(node: string, script: string): Promise<string> {
  const PATH = (process.env.PATH ?? "")
    .split(delimiter)
    .filter((d) => !d.split(sep).includes("node_modules"))
    .join(delimiter);
  // Nothing the test runner passes to its own Node (NODE_OPTIONS: loaders) may reach the child.
  const env = { ...process.env, PATH, NODE_OPTIONS: "" };
  return new Promise((resolve, reject) => {
    execFile(node, [script], { cwd: PROJECT_ROOT, env, timeout: 120_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
    );
  });
}

describe("fixed-base workers under the system Node (how `node bin/assay.mjs` runs)", function () {
  this.timeout(180_000);
  let dir: string;

  before(async function () {
    dir = await mkdtemp(join(tmpdir(), "assay-fixed-base-worker-"));
  });

  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("multiplies in worker threads and writes the same development ceremony as this process", async function () {
    const node = systemNode();
    if (!node) {
      console.log("      (skipped: no `node` on PATH outside node_modules)");
      this.skip();
    }
    const theirs = join(dir, "system-node.ptau");
    const script = join(dir, "child.mjs");
    await writeFile(script, childScript(theirs));
    const report = JSON.parse((await run(node, script)).trim().split("\n").pop()!) as ChildReport;
    console.log(`      (${node}: ${report.node})`);

    const curve = await buildBn128(true);
    for (const group of ["G1", "G2"] as const) {
      const G = curve[group];
      const size = group === "G1" ? 64 : 128;
      const got = Buffer.from(report.points[group], "hex");
      expect(got.byteLength).to.equal(SCALARS.length * size);
      SCALARS.forEach((s, i) => {
        const want = new Uint8Array(size);
        G.toRprLEM(want, 0, G.timesScalar(G.g, s));
        expect(got.subarray(i * size, (i + 1) * size).equals(want), `${group} * ${s}`).to.equal(true);
      });
    }

    const ours = join(dir, "this-process.ptau");
    const mine = await generateDevPtau({ power: POWER, outFile: ours, threads: 2 });
    expect(report.challengeHash).to.equal(mine.challengeHash);
    expect((await readFile(theirs)).equals(await readFile(ours))).to.equal(true);
  });
});
