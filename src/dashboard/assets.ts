/**
 * The dashboard's stylesheet and its one small script, served from /dashboard/assets/ under names
 * that carry a hash of their content: the Content-Security-Policy allows scripts and styles from
 * the Worker itself only (no inline script, no inline style), and a new build gets new names, so
 * they can be cached for good.
 *
 * The script only enhances: copy buttons, the select-all checkbox of the inbox, a print button.
 * Every page works without it (copy buttons stay hidden; select-all is a form field the server reads).
 */
import { crc32 } from "../lib/crc32";
import { utf8 } from "../lib/encoding";

const STYLE = `
:root { --ink: #1d2330; --muted: #5b6475; --line: #d9dee7; --soft: #f4f6f9; --accent: #2457c5; --accent-ink: #fff;
  --ok: #1f7a3f; --ok-bg: #e3f4e8; --warn: #8a5300; --warn-bg: #fff1d6; --bad: #a32020; --bad-bg: #fde6e6; --info-bg: #e7eefc; }
* { box-sizing: border-box; }
html { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink); background: #fff; }
body { margin: 0; }
a { color: var(--accent); }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible { outline: 3px solid #8fb0ff; outline-offset: 1px; }
header.top { display: flex; align-items: center; gap: 1.5rem; padding: .6rem 1.25rem; background: #17213a; color: #fff; flex-wrap: wrap; }
header.top .brand { font-weight: 700; color: #fff; text-decoration: none; letter-spacing: .02em; }
header.top nav { display: flex; gap: .25rem; flex-wrap: wrap; flex: 1; }
header.top nav a { color: #d7def0; text-decoration: none; padding: .3rem .6rem; border-radius: 4px; }
header.top nav a[aria-current="page"] { background: #33436b; color: #fff; }
header.top nav a:hover { color: #fff; }
header.top form { margin: 0; }
header.top a.who { color: #d7def0; text-decoration: none; font-size: .9rem; }
header.top a.who[aria-current="page"], header.top a.who:hover { color: #fff; text-decoration: underline; }
header.top button { background: transparent; color: #d7def0; border: 1px solid #50608a; }
main { padding: 1.25rem; max-width: 1280px; margin: 0 auto; }
h1 { font-size: 1.5rem; margin: .25rem 0 1rem; }
h2 { font-size: 1.15rem; margin: 1.75rem 0 .6rem; }
h3 { font-size: 1rem; margin: 1.2rem 0 .4rem; }
p.lead { color: var(--muted); margin-top: -.5rem; }
.muted { color: var(--muted); }
.small { font-size: .87rem; }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .87rem; }
pre { background: var(--soft); border: 1px solid var(--line); border-radius: 6px; padding: .75rem; overflow: auto; max-height: 32rem; white-space: pre-wrap; word-break: break-word; }
table { border-collapse: collapse; width: 100%; margin: .25rem 0 1rem; }
th, td { text-align: left; padding: .45rem .55rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: .8rem; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); background: var(--soft); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.diff td { background: var(--bad-bg); }
table.kv th { width: 14rem; text-transform: none; letter-spacing: 0; font-size: .9rem; background: transparent; }
.badge { display: inline-block; padding: .08rem .5rem; border-radius: 999px; font-size: .8rem; font-weight: 600; white-space: nowrap; background: var(--soft); color: var(--muted); border: 1px solid var(--line); }
.badge.new, .badge.accepted, .badge.executed, .badge.active, .badge.ok { background: var(--ok-bg); color: var(--ok); border-color: #b9e2c6; }
.badge.needs_attention, .badge.draft, .badge.pending, .badge.stale, .badge.warn { background: var(--warn-bg); color: var(--warn); border-color: #f0d29b; }
.badge.cancelled, .badge.rejected, .badge.unverified, .badge.failed, .badge.disabled, .badge.bad { background: var(--bad-bg); color: var(--bad); border-color: #f3bcbc; }
.badge.processed { background: var(--info-bg); color: #1d3f8f; border-color: #bccdf3; }
.flash { padding: .7rem 1rem; border-radius: 6px; margin: 0 0 1rem; border: 1px solid var(--line); }
.flash.ok { background: var(--ok-bg); border-color: #b9e2c6; }
.flash.error { background: var(--bad-bg); border-color: #f3bcbc; }
.flash.info { background: var(--info-bg); border-color: #bccdf3; }
.field-error { display: block; color: #a40000; font-size: .85rem; }
.problems { margin: .25rem 0 1rem; padding: .6rem 1rem .6rem 2rem; background: var(--warn-bg); border: 1px solid #f0d29b; border-radius: 6px; }
.reason { color: var(--warn); font-size: .87rem; }
.tabs { display: flex; gap: .25rem; border-bottom: 2px solid var(--line); margin-bottom: .9rem; flex-wrap: wrap; }
.tabs a { padding: .45rem .8rem; text-decoration: none; color: var(--muted); border-bottom: 3px solid transparent; margin-bottom: -2px; }
.tabs a[aria-current="page"] { color: var(--ink); border-color: var(--accent); font-weight: 600; }
.tabs .count { display: inline-block; min-width: 1.5rem; padding: 0 .35rem; margin-left: .3rem; border-radius: 999px; background: var(--soft); font-size: .8rem; text-align: center; }
form.filters { display: flex; gap: .6rem; align-items: flex-end; flex-wrap: wrap; margin-bottom: .9rem; }
form.filters label { display: flex; flex-direction: column; font-size: .8rem; color: var(--muted); gap: .15rem; }
label { font-weight: 500; }
input[type=text], input[type=search], input[type=password], input[type=date], input[type=number], input[type=email], select, textarea {
  font: inherit; padding: .38rem .5rem; border: 1px solid #b9c1cf; border-radius: 4px; background: #fff; color: var(--ink); }
textarea { width: 100%; min-height: 5rem; }
button, .button { font: inherit; padding: .4rem .85rem; border-radius: 4px; border: 1px solid #b9c1cf; background: #fff; color: var(--ink); cursor: pointer; text-decoration: none; display: inline-block; }
button.primary, .button.primary { background: var(--accent); color: var(--accent-ink); border-color: var(--accent); }
button.danger { color: var(--bad); border-color: #e3a3a3; }
button:disabled { opacity: .5; cursor: not-allowed; }
.actions { display: flex; gap: .5rem; flex-wrap: wrap; align-items: center; margin: .5rem 0 1rem; }
.actions form { margin: 0; display: inline-flex; gap: .4rem; align-items: center; flex-wrap: wrap; }
.stack { display: grid; gap: .7rem; max-width: 40rem; }
.stack label { display: grid; gap: .2rem; }
.check { display: flex !important; gap: .45rem; align-items: center; font-weight: 400; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(16rem, 1fr)); gap: 1rem; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: .9rem 1rem; background: #fff; }
.card h2, .card h3 { margin-top: 0; }
.stat { font-size: 2rem; font-weight: 700; line-height: 1.1; }
.stat a { text-decoration: none; }
.copy { display: flex; gap: .4rem; align-items: center; flex-wrap: wrap; }
.copy input { flex: 1; min-width: 18rem; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .87rem; }
.secret-once { border: 2px solid var(--warn); background: var(--warn-bg); border-radius: 8px; padding: .8rem 1rem; margin: 1rem 0; }
ol.steps li { margin: .35rem 0; }
ol.steps .path { font-weight: 600; }
.types { display: grid; grid-template-columns: repeat(auto-fit, minmax(15rem, 1fr)); gap: .5rem; border: 0; padding: 0; margin: 0; }
.types label { display: flex; gap: .5rem; border: 1px solid var(--line); border-radius: 6px; padding: .6rem .7rem; font-weight: 400; }
.types label strong { display: block; }
.pager { display: flex; gap: 1rem; align-items: center; margin: .5rem 0 1.5rem; }
.chart svg { width: 100%; height: auto; max-width: 980px; }
.chart .legend { display: flex; gap: 1rem; flex-wrap: wrap; font-size: .87rem; margin: .25rem 0 1rem; }
.chart .swatch { display: inline-block; width: .8rem; height: .8rem; border-radius: 2px; margin-right: .3rem; vertical-align: -1px; }
.swatch.c0 { background: #2457c5; } .swatch.c1 { background: #e07b1a; } .swatch.c2 { background: #2b9a66; } .swatch.c3 { background: #b23a8a; }
.swatch.c4 { background: #6c4ad0; } .swatch.c5 { background: #c4a21b; } .swatch.c6 { background: #1b9bb0; } .swatch.c7 { background: #8a8f98; }
.signin { max-width: 26rem; margin: 4rem auto; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.document { max-width: 56rem; }
.document .parties { display: grid; grid-template-columns: repeat(auto-fit, minmax(14rem, 1fr)); gap: 1rem; margin: 1rem 0; }
address { font-style: normal; white-space: pre-line; }
table.totals { width: auto; min-width: 22rem; margin-left: auto; }
table.totals th { width: auto; }
details > summary { cursor: pointer; color: var(--accent); }
@media print {
  header.top, .no-print, .actions, .flash, form { display: none !important; }
  main { padding: 0; max-width: none; }
  html { font-size: 11pt; }
  a { color: inherit; text-decoration: none; }
  .badge { border: 1px solid #999; background: none; color: #000; }
  th { background: none; }
  pre { max-height: none; }
}
`;

const SCRIPT = `
(function () {
  "use strict";
  function copyText(text, button) {
    var done = function () {
      var label = button.textContent;
      button.textContent = "Copied";
      button.setAttribute("data-copied", "true");
      setTimeout(function () { button.textContent = label; }, 2000);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { fallback(text); done(); });
    } else { fallback(text); done(); }
  }
  function fallback(text) {
    var area = document.createElement("textarea");
    area.value = text; area.setAttribute("readonly", ""); area.className = "sr-only";
    document.body.appendChild(area); area.select();
    try { document.execCommand("copy"); } catch (e) {}
    document.body.removeChild(area);
  }
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source) return;
    button.hidden = false;
    button.addEventListener("click", function (event) {
      event.preventDefault();
      copyText(source.value !== undefined && source.tagName === "INPUT" ? source.value : source.textContent, button);
    });
  });
  document.querySelectorAll("input[data-select-all]").forEach(function (all) {
    var form = all.form;
    if (!form) return;
    var boxes = function () { return Array.prototype.slice.call(form.querySelectorAll("input[type=checkbox][name=order_id]")); };
    all.addEventListener("change", function () { boxes().forEach(function (box) { box.checked = all.checked; }); all.indeterminate = false; });
    form.addEventListener("change", function (event) {
      if (event.target === all || event.target.name !== "order_id") return;
      var list = boxes(), checked = list.filter(function (box) { return box.checked; }).length;
      // Select-all is also what the server reads: it may only stay on when every row is on.
      all.checked = checked === list.length && list.length > 0;
      all.indeterminate = checked > 0 && checked < list.length;
    });
  });
  document.querySelectorAll("button[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
`;

/**
 * The standalone print page of a document (pages/document-print.tsx): an A4 sheet on screen, and
 * exactly the sheet on paper.
 */
const PRINT_STYLE = `
@page { size: A4; margin: 15mm; }
* { box-sizing: border-box; }
html { font: 10pt/1.4 "DejaVu Sans", "Noto Sans", system-ui, Arial, sans-serif; color: #1d2330; background: #e9ecf1; }
body { margin: 0; }
.sheet { width: 210mm; min-height: 297mm; margin: 1rem auto; padding: 15mm; background: #fff; box-shadow: 0 1px 4px rgba(0,0,0,.15); }
.toolbar { width: 210mm; margin: 1rem auto 0; display: flex; gap: .75rem; align-items: center; font-size: 9pt; }
.toolbar a, .toolbar button { font: inherit; }
header.doc { display: flex; justify-content: space-between; gap: 2rem; align-items: flex-start; }
.seller img { max-width: 150px; max-height: 60px; display: block; margin-bottom: .5rem; }
.seller .name { font-weight: 700; font-size: 12pt; }
.seller p, .buyer p { margin: 0; }
.muted { color: #5b6475; }
.title { text-align: right; }
.title h1 { font-size: 20pt; margin: 0; }
.title .number { font-size: 12pt; margin: .2rem 0 .4rem; }
.title .draft { color: #a32020; font-weight: 700; font-size: 13pt; border: 2px solid #a32020; display: inline-block; padding: .1rem .5rem; margin: .2rem 0 .4rem; }
dl.dates { display: grid; grid-template-columns: auto auto; gap: .1rem .6rem; justify-content: end; margin: 0; font-size: 9pt; }
dl.dates dt { color: #5b6475; } dl.dates dd { margin: 0; text-align: right; }
.buyer { margin: 1.5rem 0 1rem; }
.buyer h2, section h2 { font-size: 8pt; text-transform: uppercase; letter-spacing: .05em; color: #5b6475; margin: 0 0 .3rem; }
section h2 { margin-top: 1.2rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .3rem .35rem; border-bottom: 1px solid #d9dee7; vertical-align: top; }
th { font-size: 7.5pt; text-transform: uppercase; letter-spacing: .03em; color: #5b6475; }
td.num, th.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
table.totals { width: auto; margin: .8rem 0 0 auto; }
table.totals td { border: 0; padding: .15rem .35rem; }
table.totals tr.strong td { font-weight: 700; border-top: 1px solid #1d2330; }
.notes p { margin: .25rem 0; font-size: 9pt; }
footer.doc { margin-top: 1.5rem; font-size: 8.5pt; color: #5b6475; white-space: pre-line; }
@media print {
  html { background: #fff; }
  .toolbar { display: none; }
  .sheet { width: auto; min-height: 0; margin: 0; padding: 0; box-shadow: none; }
}
`;

const hashOf = (text: string) => crc32(utf8.encode(text)).toString(16).padStart(8, "0");

export const STYLE_PATH = `/dashboard/assets/app.${hashOf(STYLE)}.css`;
export const PRINT_STYLE_PATH = `/dashboard/assets/print.${hashOf(PRINT_STYLE)}.css`;
export const SCRIPT_PATH = `/dashboard/assets/app.${hashOf(SCRIPT)}.js`;

/** The asset at a path under /dashboard/assets/, if there is one. */
export function assetAt(path: string): { body: string; contentType: string } | null {
  if (path === STYLE_PATH) return { body: STYLE, contentType: "text/css; charset=utf-8" };
  if (path === PRINT_STYLE_PATH) return { body: PRINT_STYLE, contentType: "text/css; charset=utf-8" };
  if (path === SCRIPT_PATH) return { body: SCRIPT, contentType: "text/javascript; charset=utf-8" };
  return null;
}
