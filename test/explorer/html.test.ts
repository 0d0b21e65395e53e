// The explorer's markup: every interpolated value is escaped (text from the chain, a node or a URL
// never becomes markup), and a check's detail keeps its exact text while its hashes and addresses
// are marked up.
import { expect } from "chai";
import { detailMarkup } from "../../prover/explorer/format.js";
import { escapeHtml, html, trusted } from "../../prover/explorer/html.js";

/** The text a browser shows for markup without elements' attributes (tags dropped, entities decoded). */
function textOf(markup: string): string {
  return markup
    .replace(/<[^>]*>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");
}

describe("explorer: markup", () => {
  it("escapes the five characters that matter in text and quoted attributes", () => {
    expect(escapeHtml(`<a href="x" title='y'>&amp;</a>`)).to.equal(
      "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;",
    );
  });

  it("html`` escapes every value, joins arrays, keeps fragments, drops null, undefined and false", () => {
    const evil = '"><script>alert(1)</script>';
    const out = html`<p title="${evil}">${[evil, html`<b>${1n}</b>`, null, undefined, false, 0]}</p>`.value;
    expect(out).to.equal(
      '<p title="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;">' +
        "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;<b>1</b>0</p>",
    );
    expect(html`${trusted("<i>ok</i>")}`.value).to.equal("<i>ok</i>");
  });

  it("a detail keeps its text; addresses link to operators, the claim's model id to its version", () => {
    const model = `0x${"1f".repeat(32)}`;
    const operator = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
    const detail =
      `${model}: version 1 of family 0xabcdef01…, Active; signature in tx 0x${"2".repeat(64)} recovers to ` +
      `${operator}, the recorded operator <not markup>`;
    const out = detailMarkup({ base: "/ui", models: new Set([model]) }, detail).value;
    expect(textOf(out)).to.equal(detail);
    expect(out).to.contain(`<a class="hash" href="/ui/models#m-${model}" title="${model}">${model}</a>`);
    const link = `href="/ui/operators#op-${operator.toLowerCase()}" title="${operator}">${operator}</a>`;
    expect(out).to.contain(`<a class="hash" ${link}`);
    expect(out).to.contain('<code class="hash">0xabcdef01…</code>');
    expect(out).to.contain("&lt;not markup&gt;");
  });
});
