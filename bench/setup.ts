// Groth16 setup: the fixed-base path (prover/zk/fast-setup.ts) against snarkjs `zkey new` +
// `zkey contribute` on the same r1cs and development ceremony, each in its own process (peak RSS
// per path, worker threads included). Also checks that the fixed-base key without a contribution
// is byte for byte snarkjs's `zkey new` file, and with --verify runs `snarkjs zkey verify` on the
// contributed fixed-base key. Writes bench/setup.json.
//
//   npx tsx bench/setup.ts [model ...] [--verify] [--no-snarkjs]
//
// Models are names under models/ with their calibration set (default lenet-28-6-16-10); each is
// compiled first (cached under ASSAY_CACHE_DIR) at the widths `assay model compile` picks.
import { spawn } from "node:child_process";
import { readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { artifactPath, cacheRoot, PROJECT_ROOT } from "../prover/artifacts.js";
import { compileModel } from "../prover/compile-model.js";
import { loadDataSet } from "../prover/data/dataset.js";
import { ceremonySecrets, fastGroth16Setup } from "../prover/zk/fast-setup.js";
import { groth16Setup, releaseCurve, type SetupEngine } from "../prover/zk/groth16.js";
import { ensureDevPtau } from "../prover/zk/ptau-cache.js";
import { groth16PtauPower } from "../prover/zk/resolve-ptau.js";

const CALIBRATION: Record<string, string> = {
  "lenet-28-6-16-10": "digits-28x28-calib.json",
};

interface ChildReport {
  seconds: number;
  peakRssMiB: number;
  contributionHash?: string;
}

/** One setup in this process (the child side): prints a ChildReport as JSON. */
async function child(engine: SetupEngine | "fixed-base-new", r1cs: string, ptau: string, zkey: string) {
  const t0 = performance.now();
  let contributionHash: string | undefined;
  if (engine === "fixed-base-new") {
    const secrets = await ceremonySecrets(ptau);
    if (!secrets) throw new Error(`${ptau} is not a development ceremony`);
    await fastGroth16Setup({ r1cs, ptau, zkey, secrets, contribute: false });
  } else {
    const res = await groth16Setup({ r1cs, ptau, zkey, engine });
    if (res.engine !== engine) throw new Error(`asked for ${engine}, got ${res.engine}`);
    contributionHash = res.contributionHash;
  }
  const seconds = (performance.now() - t0) / 1000;
  await releaseCurve();
  const report: ChildReport = {
    seconds: Number(seconds.toFixed(2)),
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    contributionHash,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

function runChild(args: string[]): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [...process.execArgv, new URL(import.meta.url).pathname, "--child", ...args], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    p.stdout.on("data", (d: Buffer) => (out += d.toString()));
    p.on("exit", (code) => {
      if (code !== 0) reject(new Error(`setup child ${args.join(" ")} exited with ${code}`));
      else resolve(JSON.parse(out.trim().split("\n").pop()!) as ChildReport);
    });
  });
}

async function main() {
  const args = process.argv.slice(2);
  if (args[0] === "--child") {
    await child(args[1] as SetupEngine, args[2], args[3], args[4]);
    return;
  }
  const verify = args.includes("--verify");
  const withSnarkjs = !args.includes("--no-snarkjs");
  const names = args.filter((a) => !a.startsWith("--"));
  const models = names.length > 0 ? names : ["lenet-28-6-16-10"];
  const results: Record<string, unknown>[] = [];
  for (const name of models) {
    const calib = CALIBRATION[name];
    if (!calib) throw new Error(`no calibration set known for ${name}`);
    const model = await compileModel({
      onnx: path.join(PROJECT_ROOT, "models", `${name}.onnx`),
      calibration: loadDataSet(path.join(PROJECT_ROOT, "models", "data", calib)).xs,
      setup: false,
      generatedBy: "npx tsx bench/setup.ts",
      onProgress: (stage, m) => console.error(`[${name}] [${stage}] ${m}`),
    });
    const r1cs = artifactPath(model.ref, "r1cs");
    const constraints = model.manifest.circuit.constraints;
    const power = groth16PtauPower({ constraints, publicSignals: 3 });
    const ptau = await ensureDevPtau(power, { cacheDir: cacheRoot() });
    const dir = path.join(os.tmpdir(), `assay-setup-bench-${process.pid}`);
    const file = (what: string) => path.join(dir, `${name}.${what}.zkey`);
    console.error(`[${name}] ${constraints} constraints, ceremony 2^${power}`);
    const fast = await runChild(["fixed-base", r1cs, ptau, file("fast")]);
    console.error(`[${name}] fixed-base setup: ${fast.seconds} s, ${fast.peakRssMiB} MiB`);
    const fastNew = await runChild(["fixed-base-new", r1cs, ptau, file("fast-new")]);
    let snark: ChildReport | undefined;
    let identical: boolean | undefined;
    let snarkjsNewSeconds: number | undefined;
    if (withSnarkjs) {
      snark = await runChild(["snarkjs", r1cs, ptau, file("snarkjs")]);
      console.error(`[${name}] snarkjs setup: ${snark.seconds} s, ${snark.peakRssMiB} MiB`);
      // `zkey new` alone, for the byte comparison with the fixed-base key without a contribution.
      const snarkjs = await import("snarkjs");
      const t = performance.now();
      await snarkjs.zKey.newZKey(r1cs, ptau, file("snarkjs-new"), undefined);
      snarkjsNewSeconds = Number(((performance.now() - t) / 1000).toFixed(2));
      identical = Buffer.compare(await readFile(file("fast-new")), await readFile(file("snarkjs-new"))) === 0;
      console.error(`[${name}] fixed-base key without contribution = snarkjs zkey new, byte for byte: ${identical}`);
    }
    let verified: boolean | undefined;
    let verifySeconds: number | undefined;
    if (verify) {
      const snarkjs = await import("snarkjs");
      const t = performance.now();
      verified = await snarkjs.zKey.verifyFromR1cs(r1cs, ptau, file("fast"), undefined);
      verifySeconds = Number(((performance.now() - t) / 1000).toFixed(2));
      console.error(`[${name}] snarkjs zkey verify on the fixed-base key: ${verified} (${verifySeconds} s)`);
    }
    await releaseCurve();
    await rm(dir, { recursive: true, force: true });
    results.push({
      model: name,
      constraints,
      ptauPower: power,
      fixedBase: { seconds: fast.seconds, peakRssMiB: fast.peakRssMiB },
      fixedBaseWithoutContribution: { seconds: fastNew.seconds, peakRssMiB: fastNew.peakRssMiB },
      ...(snark
        ? {
            snarkjs: { seconds: snark.seconds, peakRssMiB: snark.peakRssMiB, zkeyNewSeconds: snarkjsNewSeconds },
            speedup: Number((snark.seconds / fast.seconds).toFixed(1)),
            byteIdenticalToZkeyNew: identical,
          }
        : {}),
      ...(verify ? { snarkjsZkeyVerify: verified, verifySeconds } : {}),
    });
  }
  const report = {
    benchmark: "groth16-setup",
    threads: os.availableParallelism(),
    cpu: os.cpus()[0]?.model ?? "unknown",
    node: process.version,
    results,
    date: new Date().toISOString(),
  };
  await writeFile(new URL("./setup.json", import.meta.url), `${JSON.stringify(report, null, 2)}\n`);
  console.log(JSON.stringify(results, null, 2));
}

await main();
