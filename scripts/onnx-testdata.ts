// ONNX's backend test suite (Debian package libonnx-testdata): data/node/test_* and
// data/pytorch-converted/test_*, each a model.onnx with test_data_set_*/{input,output}_*.pb.
//
// ensureOnnxTestData() returns the suite's data directory: $ONNX_TESTDATA_DIR, else the system
// copy (/usr/share/libonnx-testdata/data when the package is installed), else a copy unpacked
// under build/onnx-testdata/, fetched with `apt-get download libonnx-testdata` + `dpkg -x` when
// missing (no root needed, except for one `apt-get update` when the package lists are empty;
// the machine's Debian registry is the only source).
//
//   npx tsx scripts/onnx-testdata.ts     # fetch if needed, print the directory
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { PROJECT_ROOT } from "../prover/artifacts.js";

export const ONNX_TESTDATA_PACKAGE = "libonnx-testdata";
const SYSTEM_DIR = "/usr/share/libonnx-testdata/data";
const LOCAL_DIR = path.join(PROJECT_ROOT, "build", "onnx-testdata");
const DATA_SUBDIR = path.join("usr", "share", "libonnx-testdata", "data");

export class OnnxTestDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OnnxTestDataError";
  }
}

function looksComplete(dir: string): boolean {
  return (
    existsSync(path.join(dir, "node", "test_conv_with_strides_padding", "model.onnx")) &&
    existsSync(path.join(dir, "pytorch-converted", "test_Conv2d", "model.onnx"))
  );
}

function run(cmd: string, args: string[], cwd: string): void {
  try {
    execFileSync(cmd, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    throw new OnnxTestDataError(`${cmd} ${args.join(" ")} failed: ${err.stderr?.toString().trim() || err.message}`);
  }
}

/** The suite's data directory (containing node/ and pytorch-converted/), fetched if needed. */
export function ensureOnnxTestData(): string {
  const env = process.env.ONNX_TESTDATA_DIR;
  if (env) {
    if (!looksComplete(env))
      throw new OnnxTestDataError(`ONNX_TESTDATA_DIR=${env} does not hold node/ and pytorch-converted/ test cases`);
    return env;
  }
  if (looksComplete(SYSTEM_DIR)) return SYSTEM_DIR;
  const unpacked = path.join(LOCAL_DIR, "root", DATA_SUBDIR);
  if (looksComplete(unpacked)) return unpacked;

  // Download into a private directory, unpack, then move into place (concurrent runs are safe).
  mkdirSync(LOCAL_DIR, { recursive: true });
  const tmp = path.join(LOCAL_DIR, `tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  try {
    try {
      run("apt-get", ["download", ONNX_TESTDATA_PACKAGE], tmp);
    } catch (e) {
      // A fresh container may have empty package lists: refresh them once (root only) and retry.
      if (!(e instanceof OnnxTestDataError) || process.getuid?.() !== 0) throw e;
      run("apt-get", ["update"], tmp);
      run("apt-get", ["download", ONNX_TESTDATA_PACKAGE], tmp);
    }
    const deb = readdirSync(tmp).find((f) => f.startsWith(`${ONNX_TESTDATA_PACKAGE}_`) && f.endsWith(".deb"));
    if (!deb) throw new OnnxTestDataError(`apt-get download ${ONNX_TESTDATA_PACKAGE} produced no .deb in ${tmp}`);
    run("dpkg", ["-x", deb, "root"], tmp);
    if (!looksComplete(path.join(tmp, "root", DATA_SUBDIR)))
      throw new OnnxTestDataError(`${deb} does not contain ${DATA_SUBDIR}/node and pytorch-converted`);
    if (!looksComplete(unpacked)) {
      rmSync(path.join(LOCAL_DIR, "root"), { recursive: true, force: true });
      renameSync(path.join(tmp, "root"), path.join(LOCAL_DIR, "root"));
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return unpacked;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(ensureOnnxTestData());
}
