// assay model list: one line per compiled model (circuit id, ONNX file, constraints, keys).
import { cacheRoot } from "../../artifacts.js";
import { openCompiledModel } from "../../compile-model.js";
import { listCompiled } from "../../model-store.js";
import { type GlobalOptions, result } from "../output.js";

export async function run(o: GlobalOptions): Promise<void> {
  const rows = [];
  for (const m of listCompiled()) {
    const c = await openCompiledModel({ circuitId: m.circuitId });
    rows.push({
      circuitId: m.circuitId,
      onnx: c.manifest.onnx.file,
      constraints: c.manifest.circuit.constraints,
      keys: m.ptauIds,
    });
  }
  const human = rows.length
    ? rows
        .map((r) => `${r.circuitId}  ${r.onnx}  ${r.constraints} constraints  keys: ${r.keys.join(", ") || "none"}`)
        .join("\n")
    : `no compiled models in ${cacheRoot()}`;
  result(o, human, rows);
}
