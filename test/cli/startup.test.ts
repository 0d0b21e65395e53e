// What `assay --help` and `assay --version` load (only commander and the option definitions: the
// engines load when a command runs), what --help shows matching what the engines use, and
// commander's own errors as one line, exit 1, and JSON under --json.
import { expect } from "chai";
import { spawn, spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { PROJECT_ROOT } from "../../prover/artifacts.js";
import { KEYSTORE_PASSWORD_ENV } from "../../prover/chain/keys.js";
import { HELP_PASSWORD_ENV } from "../../prover/cli/commands/key.js";
import { HELP_POLICY_DEFAULTS } from "../../prover/cli/commands/infer.js";
import { HELP_ACCESS, HELP_LOG_LEVELS } from "../../prover/cli/commands/node-start.js";
import { parseAmount } from "../../prover/cli/parse.js";
import { API_KEYS_ENV, MIN_TOKEN_LENGTH } from "../../prover/node/auth.js";
import { DEFAULT_ACCESS_LIMITS, DEFAULT_NODE_CONFIG } from "../../prover/node/config.js";
import { LOG_LEVELS } from "../../prover/node/server.js";
import { ASSAY_BIN, assayWith } from "../helpers/cli.js";

const MAIN = path.join(PROJECT_ROOT, "prover/cli/main.ts");

/** Modules `file` loads when it is imported: static imports and re-exports, not `import type` or `import()`. */
function staticImports(file: string): string[] {
  const text = readFileSync(file, "utf8").replace(/^\s*\/\/.*$/gm, "");
  const specs = [...text.matchAll(/^(?:import|export)\s+(?!type\b)(?:[^;"]*?\s+from\s+)?"([^"]+)";/gm)].map(
    (m) => m[1],
  );
  return specs.map((s) => (s.startsWith(".") ? path.resolve(path.dirname(file), s.replace(/\.js$/, ".ts")) : s));
}

/** Every module the CLI's entry loads before a command runs: project files and package names. */
function startupGraph(): { files: string[]; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    for (const dep of staticImports(file)) {
      if (path.isAbsolute(dep)) {
        expect(existsSync(dep), `${file} imports ${dep}`).to.equal(true);
        visit(dep);
      } else if (!dep.startsWith("node:"))
        packages.add(
          dep
            .split("/")
            .slice(0, dep.startsWith("@") ? 2 : 1)
            .join("/"),
        );
    }
  };
  visit(MAIN);
  return { files: [...files].map((f) => path.relative(PROJECT_ROOT, f)), packages };
}

describe("cli: start-up", function () {
  const assay = assayWith({ ...process.env, ASSAY_DEBUG: "" });

  it("--help and --version load commander and the definitions only, never an engine", () => {
    const { files, packages } = startupGraph();
    expect([...packages].sort()).to.deep.equal(["@noble/hashes", "commander"]);
    expect(files).to.include("prover/cli/commands/node-start.ts").and.include("prover/cli/parse.ts");
    expect(files.filter((f) => f.startsWith("prover/cli/actions/"))).to.deep.equal([]);
    // The graph walk sees the imports it is meant to see.
    expect(staticImports(path.join(PROJECT_ROOT, "prover/cli/actions/deploy.ts"))).to.include("node:fs");
  });

  it("--help shows the defaults the engines use", () => {
    expect(parseAmount("x", HELP_POLICY_DEFAULTS.signedMax)).to.equal(DEFAULT_NODE_CONFIG.policy.signedMax);
    expect(parseAmount("x", HELP_POLICY_DEFAULTS.attestedMax)).to.equal(DEFAULT_NODE_CONFIG.policy.attestedMax);
    expect([...HELP_LOG_LEVELS]).to.deep.equal([...LOG_LEVELS]);
    expect(HELP_ACCESS).to.deep.equal({
      apiKeysEnv: API_KEYS_ENV,
      minTokenLength: MIN_TOKEN_LENGTH,
      ratePerMinute: DEFAULT_ACCESS_LIMITS.ratePerMinute,
      proofJobsPerKey: DEFAULT_ACCESS_LIMITS.proofJobsPerKey,
    });
    expect(HELP_PASSWORD_ENV).to.equal(KEYSTORE_PASSWORD_ENV);
  });

  it("--version prints the package's version", () => {
    const { version } = JSON.parse(readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8"));
    for (const flag of ["--version", "-V"]) {
      const r = assay(flag);
      expect(r.code, r.err).to.equal(0);
      expect(r.out).to.equal(`${version}\n`);
    }
  });

  it("commander's errors (unknown command or option, missing option or argument): one line, exit 1", () => {
    const cases: [string[], string][] = [
      [["stke", "1eth"], "assay: unknown command 'stke' (Did you mean stake?) (see --help)"],
      [["deploy", "--bogus"], "assay: unknown option '--bogus' (see --help)"],
      [["prove", "abcd"], "assay: required option '--input <file>' not specified (see --help)"],
      [["verify"], "assay: missing required argument 'proof' (see --help)"],
      [["model", "compile", "m.onnx", "--calib"], "assay: option '--calib <file>' argument missing (see --help)"],
      [
        ["stake", "0.5"],
        "assay: <amount> must be an amount (wei, or with a unit: 0.5eth, 12gwei): a plain number is wei and has " +
          'no fraction; say 0.5eth or 500000000gwei, got "0.5"',
      ],
    ];
    for (const [args, line] of cases) {
      const r = assay(...args);
      expect(r.code, `${args.join(" ")}: ${r.err}`).to.equal(1);
      expect(r.err).to.equal(`${line}\n`);
      expect(r.out).to.equal("");
    }
  });

  it("a reader that stops early (`assay ... --help | true`) is no error", () => {
    // `true` exits before assay writes: every write meets a closed pipe (EPIPE).
    const r = spawnSync("sh", ["-c", `"${process.execPath}" "${ASSAY_BIN}" node start --help | true`], {
      encoding: "utf8",
    });
    expect(r.status).to.equal(0);
    expect(r.stderr).to.equal("");
  });

  it("with --json the error is also the JSON document on stdout", () => {
    const r = assay("--json", "deploy", "--min-stake", "1btc");
    expect(r.code).to.equal(1);
    expect(r.err.trim()).to.match(/^assay: --min-stake must be an amount .*unknown unit "btc"/);
    expect(JSON.parse(r.out)).to.deep.equal({
      error: { message: r.err.trim().slice("assay: ".length), exitCode: 1, type: "InputError" },
    });
    const u = assay("audit", "--json");
    expect(u.code).to.equal(1);
    expect(JSON.parse(u.out).error).to.deep.equal({
      message: "missing required argument 'claimId' (see --help)",
      exitCode: 1,
      type: "commander.missingArgument",
    });
  });

  it("bin/assay.mjs runs the build unless a source changed after it (or ASSAY_FROM_SOURCE says)", () => {
    // A package of two one-line entries that say which one ran.
    const root = mkdtempSync(path.join(os.tmpdir(), "assay-bin-"));
    try {
      mkdirSync(path.join(root, "bin"));
      mkdirSync(path.join(root, "prover/cli"), { recursive: true });
      mkdirSync(path.join(root, "dist/prover/cli"), { recursive: true });
      copyFileSync(ASSAY_BIN, path.join(root, "bin/assay.mjs"));
      symlinkSync(path.join(PROJECT_ROOT, "node_modules"), path.join(root, "node_modules"), "dir");
      const src = path.join(root, "prover/cli/main.ts");
      const out = path.join(root, "dist/prover/cli/main.js");
      const info = path.join(root, "dist/.tsbuildinfo");
      writeFileSync(src, 'const from: string = "sources";\nconsole.log(from);\n');
      writeFileSync(out, 'console.log("build");\n');
      writeFileSync(info, "{}");
      const at = (t: number, ...files: string[]) => files.forEach((f) => utimesSync(f, t, t));
      const ran = (env: Record<string, string> = {}) => {
        const r = spawnSync(process.execPath, [path.join(root, "bin/assay.mjs")], {
          env: { ...process.env, ASSAY_FROM_SOURCE: "", ...env },
          encoding: "utf8",
        });
        return r.status === 0 ? r.stdout.trim() : `exit ${r.status}: ${r.stderr.trim()}`;
      };
      at(1000, src);
      at(2000, out, info);
      expect(ran()).to.equal("build");
      at(3000, src); // edited after the build
      expect(ran()).to.equal("sources");
      at(1500, out); // unchanged, so not re-emitted by the later incremental build
      at(1800, src);
      expect(ran()).to.equal("build");
      expect(ran({ ASSAY_FROM_SOURCE: "1" })).to.equal("sources");
      at(3000, src);
      expect(ran({ ASSAY_FROM_SOURCE: "0" })).to.equal("build");
      rmSync(out);
      expect(ran()).to.equal("sources");
      rmSync(path.join(root, "prover"), { recursive: true });
      expect(ran()).to.equal(`exit 1: assay: ${out} is missing: build the package (npm run build:dist)`);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("on a Node before 22.13 a command runs under the bundled Node, and signals reach it", async function () {
    const old = spawnSync("/usr/bin/node", ["-p", "process.versions.node"], { encoding: "utf8" }).stdout?.trim();
    if (!old || Number(old.split(".")[0]) >= 22) this.skip();
    // A built package whose entry reports its Node, and stops cleanly on SIGTERM.
    const root = mkdtempSync(path.join(os.tmpdir(), "assay-bin-node-"));
    try {
      mkdirSync(path.join(root, "bin"));
      mkdirSync(path.join(root, "dist/prover/cli"), { recursive: true });
      copyFileSync(ASSAY_BIN, path.join(root, "bin/assay.mjs"));
      symlinkSync(path.join(PROJECT_ROOT, "node_modules"), path.join(root, "node_modules"), "dir");
      writeFileSync(
        path.join(root, "dist/prover/cli/main.js"),
        'if (process.argv[2] === "wait") {\n' +
          '  process.on("SIGTERM", () => { console.log("stopped"); process.exit(3); });\n' +
          "  setInterval(() => {}, 1000);\n}\n" +
          "console.log(process.versions.node);\n",
      );
      const bin = path.join(root, "bin/assay.mjs");
      const run = (...args: string[]) =>
        spawnSync("/usr/bin/node", [bin, ...args], { env: { ...process.env, ASSAY_SAME_NODE: "" }, encoding: "utf8" });
      const bundled = JSON.parse(readFileSync(path.join(PROJECT_ROOT, "node_modules/node/package.json"), "utf8"));
      expect(run("deploy").stdout.trim()).to.equal(bundled.version);
      expect(run("--version").stdout.trim(), "help and the version start once, on the Node given").to.equal(old);
      const same = spawnSync("/usr/bin/node", [bin, "deploy"], {
        env: { ...process.env, ASSAY_SAME_NODE: "1" },
        encoding: "utf8",
      });
      expect(same.stdout.trim()).to.equal(old);
      const child = spawn("/usr/bin/node", [bin, "wait"], { stdio: ["ignore", "pipe", "inherit"] });
      let out = "";
      await new Promise<void>((resolve) =>
        child.stdout.on("data", (d) => {
          out += String(d);
          if (out.includes("\n")) resolve();
        }),
      );
      const code = new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
      child.kill("SIGTERM");
      expect(await code).to.equal(3);
      expect(out.trim().split("\n")).to.deep.equal([bundled.version, "stopped"]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
