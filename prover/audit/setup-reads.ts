// What the registry recorded about where a model's verifying key came from: the development flag
// it stores with the version (ModelVersion.developmentSetup) and the ceremony hashes the
// registrant declared in ModelVersionInput.setup (from the ModelVersionRegistered event).
import type { BaseContract } from "ethers";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = BaseContract & Record<string, any>;

export interface SetupRecord {
  /** ModelVersion.developmentSetup; undefined when the registry does not record it (older protocol). */
  developmentSetup?: boolean;
  /** ModelVersionInput.setup as registered (absent when the event or the field was not found). */
  declared?: { ptauHash: string; phase2Hash: string; development: boolean };
}

/** The registry's setup record of `modelId` (events scanned from `fromBlock`). */
export async function readSetupRecord(
  protocol: BaseContract,
  modelId: string,
  fromBlock: number,
): Promise<SetupRecord> {
  const p = protocol as Loose;
  const v = await p.modelVersion(modelId);
  const flag: unknown = (v as Record<string, unknown>).developmentSetup;
  const record: SetupRecord = typeof flag === "boolean" ? { developmentSetup: flag } : {};
  const logs = await p.queryFilter(p.filters.ModelVersionRegistered(modelId), fromBlock);
  const args = (logs.at(-1) as { args?: { input?: Record<string, unknown> } } | undefined)?.args;
  const s = args?.input?.setup as { ptauHash: string; phase2Hash: string; development: boolean } | undefined;
  if (s) record.declared = { ptauHash: s.ptauHash, phase2Hash: s.phase2Hash, development: s.development };
  return record;
}
