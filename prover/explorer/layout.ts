// The page shell every explorer page shares: title, navigation, a claim-id search box, the chain
// and hub it reads, and the style sheet (inline: the page loads nothing from anywhere).
import { type Fragment, type Html, html, trusted } from "./html.js";

const STYLE = trusted(`
:root { --fg:#1d2330; --muted:#667085; --line:#e4e7ec; --bg:#f6f7f9; --card:#fff; --accent:#2f5bd3;
  --pass:#137a3a; --pass-bg:#e6f4ea; --fail:#b42318; --fail-bg:#fdecea; --skip:#667085; --skip-bg:#f0f1f3;
  --info:#175cd3; --info-bg:#eaf1fd; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
  color:var(--fg); background:var(--bg); }
header { background:#111827; color:#fff; padding:10px 24px; display:flex; gap:24px; align-items:center;
  flex-wrap:wrap; }
header .brand { font-weight:700; font-size:17px; letter-spacing:.3px; color:#fff; text-decoration:none; }
header nav a { color:#cbd5e1; text-decoration:none; margin-right:16px; }
header nav a.on, header nav a:hover { color:#fff; }
header form { margin-left:auto; display:flex; gap:6px; }
header input { width:min(46ch,60vw); padding:5px 8px; border-radius:6px; border:1px solid #374151;
  background:#1f2937; color:#fff; font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; }
header button { padding:5px 10px; border-radius:6px; border:0; background:var(--accent); color:#fff; cursor:pointer; }
main { max-width:1180px; margin:0 auto; padding:20px 24px 48px; }
h1 { font-size:21px; margin:4px 0 4px; }
h2 { font-size:16px; margin:26px 0 8px; }
h3 { font-size:14px; margin:16px 0 6px; }
.sub { color:var(--muted); margin:0 0 14px; }
.card { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:14px 16px; margin:10px 0; }
table { width:100%; border-collapse:collapse; background:var(--card); border:1px solid var(--line); border-radius:10px;
  overflow:hidden; }
th, td { text-align:left; padding:7px 10px; border-bottom:1px solid var(--line); vertical-align:top; }
th { background:#f9fafb; font-weight:600; color:#344054; font-size:12.5px; white-space:nowrap; }
h3.operator .hash { font-size:14px; }
tr:last-child td { border-bottom:0; }
.hash, code { font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; word-break:break-all; }
a { color:var(--accent); }
a.hash { text-decoration:none; } a.hash:hover { text-decoration:underline; }
.muted { color:var(--muted); }
.level { display:inline-block; padding:1px 8px; border-radius:999px; font-size:12px; font-weight:600; }
.level-proven { background:#e9e3fc; color:#5b21b6; } .level-attested { background:#e0f2fe; color:#075985; }
.level-signed { background:#fef3c7; color:#92400e; }
.level-none, .level-refuted { background:var(--fail-bg); color:var(--fail); }
.level-batch { background:var(--skip-bg); color:#344054; }
.verdict { display:inline-block; padding:3px 12px; border-radius:6px; font-weight:700; }
.verdict.pass { background:var(--pass-bg); color:var(--pass); }
.verdict.fail { background:var(--fail-bg); color:var(--fail); }
ul.checks { list-style:none; padding:0; margin:0; }
li.check { display:grid; grid-template-columns:28px 150px 1fr; gap:4px 10px; padding:10px 12px; margin:6px 0;
  border-radius:8px; border:1px solid var(--line); border-left:5px solid var(--skip); background:var(--card); }
li.check .mark { font-weight:700; font-size:16px; text-align:center; }
li.check .id { font-weight:600; font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; font-size:12.5px; }
li.check .evidence { grid-column:2 / 4; }
li.pass { border-left-color:var(--pass); } li.pass .mark { color:var(--pass); }
li.fail { border-left-color:var(--fail); background:var(--fail-bg); } li.fail .mark { color:var(--fail); }
li.skip .mark { color:var(--skip); } li.info { border-left-color:var(--info); } li.info .mark { color:var(--info); }
dl.ev { display:grid; grid-template-columns:minmax(140px,230px) 1fr; gap:2px 12px; margin:6px 0 0; padding:8px 10px;
  background:#f9fafb; border-radius:6px; font-size:12.5px; }
dl.ev dt { color:var(--muted); } dl.ev dd { margin:0; }
ol.words { margin:0; padding-left:22px; }
.pill { display:inline-block; padding:0 7px; border-radius:999px; background:var(--skip-bg); font-size:12px; }
.pill.bad { background:var(--fail-bg); color:var(--fail); } .pill.good { background:var(--pass-bg); color:var(--pass); }
.grid { display:grid; grid-template-columns:repeat(auto-fit,minmax(150px,1fr)); gap:10px; margin:10px 0; }
.stat { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:10px 14px; }
.stat b { display:block; font-size:20px; } .stat span { color:var(--muted); font-size:12px; }
.empty { color:var(--muted); font-style:italic; padding:8px 0; }
.error { border-left:5px solid var(--fail); }
footer { color:var(--muted); font-size:12px; text-align:center; padding:16px; }
`);

export interface PageContext {
  base: string;
  /** "chain 31337, hub 0x…" and what else the footer should say. */
  chainLabel: string;
  hub: string;
}

export type NavItem = "claims" | "models" | "operators" | "";

export function page(ctx: PageContext, o: { title: string; nav: NavItem; body: Fragment }): Html {
  const tab = (item: NavItem, href: string, label: string) =>
    html`<a class="${o.nav === item ? "on" : ""}" href="${ctx.base}${href}">${label}</a>`;
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${o.title} · assay explorer</title>
        <style>
          ${STYLE}
        </style>
      </head>
      <body>
        <header>
          <a class="brand" href="${ctx.base}/">assay explorer</a>
          <nav>
            ${tab("claims", "/", "Claims")}${tab("models", "/models", "Models")}
            ${tab("operators", "/operators", "Operators")}
          </nav>
          <form method="get" action="${ctx.base}/claims">
            <input name="id" placeholder="claim id 0x…" aria-label="claim id" /> <button type="submit">Audit</button>
          </form>
        </header>
        <main>${o.body}</main>
        <footer>
          ${ctx.chainLabel} · hub <code>${ctx.hub}</code> · everything here is read from the chain when the page loads
        </footer>
      </body>
    </html> `;
}
