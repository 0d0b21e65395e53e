// The explorer's routes, as a fastify plugin mounted at any prefix (`assay explorer` at /, the
// node at /ui):
//
//   GET /                 recent claims by level (and the node's records, on a node)
//   GET /claims?id=0x…    redirects to the claim's page (the search box)
//   GET /claims/:id       the claim's audit: the checks of `assay audit` with their evidence
//   GET /models           registered models, their versions and setup provenance
//   GET /operators        operators with their stake, enclave keys and disputes
//
// Pages are HTML rendered here (html.ts escapes every value), with an inline style sheet and a
// Content-Security-Policy that lets them load nothing and run no script. An audit is kept per
// claim and chain head, so reloading a page re-runs nothing until a new block arrives.
import { getAddress } from "ethers";
import type { FastifyInstance, FastifyPluginAsync, FastifyReply } from "fastify";
import type { AttestationSource } from "../audit/index.js";
import { type ExplorerChain, recentClaims } from "./chain-reads.js";
import { ClaimNotFoundError, type ClaimPageData, loadClaim, type NodeRecords } from "./claim-data.js";
import { claimPage, errorPage } from "./claim-page.js";
import { claimsPage } from "./claims-page.js";
import type { Links } from "./format.js";
import type { Html } from "./html.js";
import { type NavItem, page, type PageContext } from "./layout.js";
import { modelsPage } from "./models-page.js";
import { operatorsPage } from "./operators-page.js";
import { modelVersions, operators } from "./registry-reads.js";

export interface ExplorerOptions {
  chain: ExplorerChain;
  /** The node's records (the explorer a node serves at /ui); omit to show chain data only. */
  records?: NodeRecords;
  /** Attestation documents to re-verify on claim pages (else the attestation check is skipped, as in audit). */
  attestation?: AttestationSource;
  /** How many claims the front page lists (default 50). */
  recentLimit?: number;
  /** How the footer names the chain (default "chain <id>"). */
  chainLabel?: string;
}

export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/** Not part of the node's API document (/openapi.json). */
const PAGE = { schema: { hide: true } };
const CLAIM_ID = /^0x[0-9a-fA-F]{64}$/;
const CACHED_AUDITS = 64;

/** A request the page refuses, with its status (what the host's hooks throw carries one too). */
class PageError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** Audits by claim id and chain head: the newest CACHED_AUDITS. */
function auditCache(o: ExplorerOptions) {
  const cache = new Map<string, Promise<ClaimPageData>>();
  return async (id: string): Promise<ClaimPageData> => {
    const key = `${id.toLowerCase()}@${await o.chain.provider.getBlockNumber()}`;
    let hit = cache.get(key);
    if (!hit) {
      hit = loadClaim(o.chain, id, { records: o.records, attestation: o.attestation });
      hit.catch(() => cache.delete(key));
      cache.set(key, hit);
      if (cache.size > CACHED_AUDITS) cache.delete(cache.keys().next().value!);
    }
    return hit;
  };
}

function addPageHooks(scope: FastifyInstance, ctx: () => Promise<PageContext>): void {
  const send = async (reply: FastifyReply, status: number, message: string) =>
    reply
      .code(status)
      .type("text/html; charset=utf-8")
      .send(page(await ctx(), { title: `${status}`, nav: "", body: errorPage(message, status) }).value);
  scope.addHook("onSend", async (_req, reply) => {
    reply.header("content-security-policy", CONTENT_SECURITY_POLICY);
    reply.header("x-content-type-options", "nosniff");
    reply.header("referrer-policy", "no-referrer");
  });
  scope.setErrorHandler(async (e, _req, reply) => {
    const given = (e as { statusCode?: unknown }).statusCode;
    const refused = typeof given === "number" && given >= 400 && given < 500 ? given : undefined;
    const status = e instanceof ClaimNotFoundError ? 404 : (refused ?? 500);
    const line = (e as Error).message.split("\n")[0];
    return send(reply, status, status === 500 ? `the explorer could not read the chain: ${line}` : line);
  });
  scope.setNotFoundHandler(async (req, reply) => send(reply, 404, `no page ${req.url.split("?")[0]}`));
}

export function explorerRoutes(o: ExplorerOptions): FastifyPluginAsync {
  return async (scope) => {
    const base = scope.prefix.replace(/\/$/, "");
    let hub: string | undefined;
    const ctx = async (): Promise<PageContext> => {
      hub ??= getAddress(await o.chain.protocol.getAddress());
      return { base, hub, chainLabel: o.chainLabel ?? `chain ${o.chain.chainId}` };
    };
    const links: Links = { base };
    const audit = auditCache(o);
    const render = async (reply: FastifyReply, title: string, nav: NavItem, body: Html) =>
      reply.type("text/html; charset=utf-8").send(page(await ctx(), { title, nav, body }).value);
    addPageHooks(scope, ctx);

    scope.get("/", PAGE, async (_req, reply) => {
      const recent = await recentClaims(o.chain, o.recentLimit ?? 50);
      const records = o.records ? await o.records.listClaims({ limit: 50 }) : undefined;
      return render(reply, "Claims", "claims", claimsPage(links, { ...recent, records }));
    });
    scope.get("/claims", PAGE, async (req, reply) => {
      const id = String((req.query as { id?: unknown }).id ?? "").trim();
      if (!CLAIM_ID.test(id)) throw new PageError(400, `a claim id is 0x and 64 hex digits, not "${id.slice(0, 80)}"`);
      return reply.redirect(`${base}/claims/${id.toLowerCase()}`, 303);
    });
    scope.get("/claims/:id", PAGE, async (req, reply) => {
      const { id } = req.params as { id: string };
      if (!CLAIM_ID.test(id)) throw new PageError(400, `a claim id is 0x and 64 hex digits, not "${id.slice(0, 80)}"`);
      const d = await audit(id);
      const models = new Set(d.model ? [d.model.modelId.toLowerCase()] : []);
      return render(reply, `Claim ${id.slice(0, 10)}…`, "claims", claimPage({ base, models }, d));
    });
    scope.get("/models", PAGE, async (_req, reply) => {
      const served = o.records ? new Map(o.records.servedModels().map((m) => [m.modelId.toLowerCase(), m])) : undefined;
      return render(reply, "Models", "models", modelsPage(links, { versions: await modelVersions(o.chain), served }));
    });
    scope.get("/operators", PAGE, async (_req, reply) =>
      render(reply, "Operators", "operators", operatorsPage(links, await operators(o.chain))),
    );
  };
}
