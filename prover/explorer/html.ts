// HTML built by a tagged template that escapes every interpolated value: a page is assembled from
// `html` fragments only, so text from the chain, the node or the URL can never become markup.
// Arrays of fragments are joined; null, undefined and false render as nothing.

/** A piece of markup that is already safe (built by `html`, or a trusted constant via `trusted`). */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Text as it must appear in HTML text and in quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

export type Fragment = Html | string | number | bigint | boolean | null | undefined | readonly Fragment[];

function render(v: Fragment): string {
  if (v === null || v === undefined || v === false) return "";
  if (v instanceof Html) return v.value;
  if (Array.isArray(v)) return v.map(render).join("");
  return escapeHtml(String(v));
}

/** `html\`<p>${text}</p>\``: the literal parts are markup, every `${value}` is escaped. */
export function html(strings: TemplateStringsArray, ...values: Fragment[]): Html {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1];
  return new Html(out);
}

/** A constant of this module's own (the style sheet): never text from outside. */
export function trusted(markup: string): Html {
  return new Html(markup);
}
