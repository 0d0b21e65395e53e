// How the pages show chain values: hashes and addresses in monospace (whole, so they can be copied
// and compared), addresses linked to their operator, model ids to their version, claim ids to
// their page, times in UTC, wei in ETH; and check details with the same values marked up in place.
import { formatEther } from "ethers";
import { type Fragment, type Html, html } from "./html.js";

/** Links are relative to where the explorer is mounted ("" or "/ui"). */
export interface Links {
  base: string;
  /** The model ids the page may link to (others are shown as plain hashes). */
  models?: ReadonlySet<string>;
}

export function hash(h: string): Html {
  return html`<code class="hash">${h}</code>`;
}

/** A hash or address cut to its ends for tables ("0x7263b5aa5d…9ee3ea7d"); links carry it whole in their title. */
export function shortHex(h: string): string {
  return h.length > 24 ? `${h.slice(0, 12)}…${h.slice(-8)}` : h;
}

export function address(links: Links, a: string, text: Fragment = a): Html {
  return html`<a class="hash" href="${links.base}/operators#op-${a.toLowerCase()}" title="${a}">${text}</a>`;
}

export function modelLink(links: Links, id: string, text: Fragment = id): Html {
  return html`<a class="hash" href="${links.base}/models#m-${id.toLowerCase()}" title="${id}">${text}</a>`;
}

export function claimLink(links: Links, id: string, text: Fragment = id): Html {
  return html`<a class="hash" href="${links.base}/claims/${id.toLowerCase()}" title="${id}">${text}</a>`;
}

/** A chain timestamp (seconds) in UTC. */
export function time(seconds: number): string {
  if (!seconds) return "–";
  return new Date(seconds * 1000).toISOString().replace(".000Z", "Z").replace("T", " ");
}

export function eth(wei: bigint): string {
  return `${formatEther(wei)} ETH`;
}

export function levelBadge(level: string): Html {
  return html`<span class="level level-${level.toLowerCase()}">${level}</span>`;
}

/**
 * A check's detail line with its hashes and addresses marked up in place: the text is unchanged
 * (what `assay audit` prints), addresses link to their operator and the claim's model id to its
 * version.
 */
export function detailMarkup(links: Links, detail: string): Html {
  const parts: Fragment[] = [];
  let at = 0;
  for (const m of detail.matchAll(/0x[0-9a-fA-F]+…?/g)) {
    parts.push(detail.slice(at, m.index));
    const token = m[0];
    const hex = token.replace("…", "");
    if (hex.length === 42 && !token.endsWith("…")) parts.push(address(links, token));
    else if (hex.length === 66 && links.models?.has(hex.toLowerCase())) parts.push(modelLink(links, hex));
    else parts.push(hash(token));
    at = m.index + token.length;
  }
  parts.push(detail.slice(at));
  return html`${parts}`;
}
