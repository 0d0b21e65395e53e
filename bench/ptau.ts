// Benchmark: development powers-of-tau generation (prover/zk/dev-ptau.ts).
//
//   npx tsx bench/ptau.ts [power=16] [--verify]
//
// Generates a prepared 2^power ceremony into a temporary directory, prints wall-clock seconds,
// CPU seconds and the process's peak RSS (main thread and worker threads together), optionally runs
// `snarkjs powersoftau verify` on it, and writes bench/ptau.json.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { availableParallelism, cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { generateDevPtau } from "../prover/zk/dev-ptau.js";

const args = process.argv.slice(2);
const power = Number(args.find((a) => /^\d+$/.test(a)) ?? 16);
const verify = args.includes("--verify");

const dir = await mkdtemp(join(tmpdir(), "assay-ptau-bench-"));
try {
  const outFile = join(dir, `dev_${power}.ptau`);
  let lastStage = "";
  const t0 = performance.now();
  const result = await generateDevPtau({
    power,
    outFile,
    onProgress: ({ stage, done, total }) => {
      if (stage !== lastStage) {
        lastStage = stage;
        process.stderr.write(
          `  ${((performance.now() - t0) / 1000).toFixed(1)} s  ${stage} (${done}/${total} points)\n`,
        );
      }
    },
  });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(); // all threads of the process, since start
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const peakRssMiB = process.resourceUsage().maxRSS / 1024;

  let verifySeconds: number | undefined;
  let verified: boolean | undefined;
  if (verify) {
    const snarkjs = await import("snarkjs");
    const t1 = performance.now();
    verified = await snarkjs.powersOfTau.verify(outFile);
    verifySeconds = (performance.now() - t1) / 1000;
    await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate();
  }

  const report = {
    benchmark: "dev-ptau",
    power,
    seconds: Number(seconds.toFixed(2)),
    cpuSeconds: Number(cpuSeconds.toFixed(2)),
    peakRssMiB: Math.round(peakRssMiB),
    fileBytes: result.bytes,
    threads: availableParallelism(),
    cpu: cpus()[0]?.model ?? "unknown",
    node: process.version,
    ...(verify ? { verified, verifySeconds: Number(verifySeconds!.toFixed(2)) } : {}),
    date: new Date().toISOString(),
  };
  console.log(
    `dev ptau 2^${power}: ${report.seconds} s (${report.cpuSeconds} s CPU), ` +
      `peak RSS ${report.peakRssMiB} MiB, ${(result.bytes / 2 ** 20).toFixed(1)} MiB file` +
      (verify ? `; snarkjs verify: ${verified} in ${report.verifySeconds} s` : ""),
  );
  await writeFile(new URL("./ptau.json", import.meta.url), JSON.stringify(report, null, 2) + "\n");
} finally {
  await rm(dir, { recursive: true, force: true });
}
