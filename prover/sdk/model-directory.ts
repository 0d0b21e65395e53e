// Models by family name: which model version a name means on a node. The registry namespaces a
// family id by its creator (the top 20 bytes of the id are the creating account, the low 12
// bytes come from keccak256(name): IModelRegistry.familyIdOf), so one name can be several
// families. A name resolves to the family of a model this node serves whose id is
// familyIdOf(creator, name) (or familyOwner's, when the caller names the owner), then to that
// family's latest version, which the node must serve. Ids are read from the registry itself.
import { dataSlice, getAddress } from "ethers";
import { firstLine } from "../errors.js";
import type { AssayProtocol } from "./contracts.js";
import { ModelResolutionError } from "./errors.js";

/** A model a node serves, as GET /v1/models lists it. */
export interface ServedModel {
  modelId: string;
  circuitId: string;
  alias?: string;
  inputShape: number[];
}

/** A served model with its place in the registry. */
export interface ServedVersion extends ServedModel {
  /** Family id (bytes32); undefined when the registry does not know the id. */
  family?: string;
  version?: number;
}

/** The account that created `family` (its id's top 20 bytes). */
export function familyCreator(family: string): string {
  return getAddress(dataSlice(family, 0, 20));
}

export class ModelDirectory {
  /** modelId -> family and version: immutable once registered. */
  private readonly versions = new Map<string, { family: string; version: number } | null>();
  /** `${owner}:${name}` -> family id (a pure function of both). */
  private readonly familyIds = new Map<string, string>();

  constructor(
    private readonly protocol: AssayProtocol,
    /** How the chain is reached, for messages ("the node's /rpc", a url). */
    private readonly chainLabel: string,
  ) {}

  /** The served models with their family and version (one registry read per model, cached). */
  async withVersions(served: readonly ServedModel[]): Promise<ServedVersion[]> {
    return Promise.all(served.map(async (m) => ({ ...m, ...(await this.versionOf(m.modelId)) })));
  }

  private async versionOf(modelId: string): Promise<{ family?: string; version?: number }> {
    const key = modelId.toLowerCase();
    if (!this.versions.has(key)) {
      try {
        const v = await this.protocol.modelVersion(modelId);
        this.versions.set(key, { family: v.family, version: Number(v.version) });
      } catch (e) {
        // An id the registry does not know (ModelRegistryUnknownModel) has no family; anything
        // else (the chain unreachable) is the caller's to see.
        if ((e as { code?: string }).code !== "CALL_EXCEPTION") throw e;
        this.versions.set(key, null);
      }
    }
    return this.versions.get(key) ?? {};
  }

  private async familyId(owner: string, name: string): Promise<string> {
    const key = `${owner}:${name}`;
    let id = this.familyIds.get(key);
    if (id === undefined) {
      id = await this.protocol.familyIdOf(owner, name);
      this.familyIds.set(key, id);
    }
    return id;
  }

  /**
   * The model id `name` means among `served`: the latest version of the one family of that
   * name (of `familyOwner`, when given) that the node serves a version of. Undefined when no
   * served model is of a family of that name and no owner was named (the node may know the name
   * as an alias or circuit id).
   */
  async resolve(name: string, served: readonly ServedModel[], familyOwner?: string): Promise<string | undefined> {
    try {
      return await this.resolveOnChain(name, served, familyOwner);
    } catch (e) {
      if (e instanceof ModelResolutionError) throw e;
      throw new ModelResolutionError(name, `model names are looked up on chain (${this.chainLabel}): ${firstLine(e)}`);
    }
  }

  private async resolveOnChain(
    name: string,
    served: readonly ServedModel[],
    familyOwner?: string,
  ): Promise<string | undefined> {
    const versions = (await this.withVersions(served)).filter((m) => m.family !== undefined);
    const owners = familyOwner
      ? [getAddress(familyOwner)]
      : [...new Set(versions.map((m) => familyCreator(m.family!)))];
    const ids = await Promise.all(owners.map((o) => this.familyId(o, name)));
    const families = [...new Set(ids.filter((f) => versions.some((m) => m.family === f)))];
    if (families.length === 0 && familyOwner)
      throw new ModelResolutionError(name, `this node serves no version of the family created by ${owners[0]}`);
    if (families.length === 0) return undefined;
    if (families.length > 1) {
      const who = families.map(familyCreator).join(", ");
      throw new ModelResolutionError(
        name,
        `${families.length} families of this name are served (created by ${who}): ` +
          "give familyOwner, or the model id",
      );
    }
    const family = families[0];
    const latest = await this.protocol.latestVersion(family);
    const latestId = await this.protocol.modelIdOf(family, latest);
    if (versions.some((m) => m.modelId.toLowerCase() === latestId.toLowerCase())) return latestId;
    const mine = versions.filter((m) => m.family === family).map((m) => `v${m.version}`);
    throw new ModelResolutionError(
      name,
      `the latest version of its family is v${latest} (${latestId}), which this node does not serve ` +
        `(it serves ${mine.join(", ")}): ask for a served version by its id`,
    );
  }
}
