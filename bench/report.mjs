/**
 * The bench's results as Markdown (printed to stdout as is), and the "Latest results" section of
 * bench/README.md, rewritten between marker comments after each complete run.
 */
import { readFileSync, writeFileSync } from "node:fs";

const README_START = "<!-- bench:latest-results:start -->";
const README_END = "<!-- bench:latest-results:end -->";

/** Fixed decimals, with a thin guard for missing values. */
const fixed = (value, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : "n/a");
const ratio = (numerator, denominator) => `${fixed(numerator / denominator, 2)}×`;
/** "median (min–max)" of one measured CPU case. */
const cpuCell = ({ micros, min, max }) => `${fixed(micros, 1)} (${fixed(min)}–${fixed(max)})`;
/** One value when every sample agrees, else the range. */
const spread = (values) => {
  const [low, high] = [Math.min(...values), Math.max(...values)];
  return low === high ? String(low) : `${low}–${high}`;
};

function table(headers, rows) {
  const line = (cells) => `| ${cells.join(" | ")} |`;
  return [line(headers), line(headers.map(() => "---")), ...rows.map(line)].join("\n");
}

export function renderHeader({ date, commit, engine, wrangler, cpu, loadBefore, loadAfter, options }) {
  return [
    `Run ${date} · commit ${commit} · ${engine} · wrangler ${wrangler}`,
    `Machine: ${cpu} · 1-min load average ${fixed(loadBefore, 2)} before, ${fixed(loadAfter, 2)} after (the load generator shares these cores)`,
    `Same settings: \`npm run bench -- ${options}\``,
  ].join("  \n");
}

export function renderCpu({ engine, cases, webCryptoCallMicros, paypal, cpuMs, samples }) {
  const connectJson = cases.find((entry) => entry.format === "json" && entry.lines === 1 && entry.variant === "webCrypto");
  const find = (format, lines, variant) => cases.find((entry) => entry.format === format && entry.lines === lines && entry.variant === variant);
  // Ratios use the in-thread figure: it is the steadier one and the closer to what workerd does.
  const rows = cases
    .filter((entry) => entry.variant === "inThread")
    .map((inThread) => {
      const { format, lines } = inThread;
      const webCrypto = find(format, lines, "webCrypto");
      return [
        format.toUpperCase(),
        lines,
        inThread.bytes,
        cpuCell(webCrypto),
        cpuCell(inThread),
        `${fixed(1e6 / webCrypto.micros)} / ${fixed(1e6 / inThread.micros)}`,
        ratio(inThread.micros, find(format, 1, "inThread").micros),
        format === "json" ? "—" : ratio(inThread.micros, find("json", lines, "inThread").micros),
      ];
    });
  return [
    "### (a) CPU per order: Connect verify + parse + normalise",
    "",
    table(
      ["body", "lines", "bytes", "µs/order, Node WebCrypto", "µs/order, in-thread crypto", "orders/s per core (Node / in-thread)", "÷ same format, 1 line", "XML ÷ JSON"],
      rows,
    ),
    "",
    `Measured on ${engine}, the engine family workerd embeds, **not inside workerd**: user + system CPU of the whole ` +
      "process (process.cpuUsage), one order at a time through connectAdapter.verify then parse, as src/inbound/route.ts " +
      `calls them. Cells: median (min–max) of ${samples} sample(s) of ≥ ${cpuMs} ms CPU per case, taken round-robin ` +
      "over all cases after a warm-up round.",
    "Two builds of the same source: **Node WebCrypto** hands every crypto.subtle call to Node's thread pool, and one bare " +
      `call (SHA-256 of 32 bytes) costs ${fixed(webCryptoCallMicros, 1)} µs CPU here, mostly wake-ups that vary with the ` +
      "machine's load; an order makes two (HMAC, SHA-256 fingerprint). **In-thread crypto** computes the same HMAC and " +
      "SHA-256 synchronously (node:crypto), as workerd does on the request's thread. The ratios use the in-thread figure.",
    "",
    "### (a′) CPU per PayPal delivery, once PayPal has vouched for it",
    "",
    table(
      ["work", "bytes", "µs, Node WebCrypto", "per second per core", "÷ Connect JSON 1 line (Node WebCrypto)"],
      paypal.map((entry) => [entry.name, entry.bytes, cpuCell(entry), fixed(1e6 / entry.micros), ratio(entry.micros, connectJson.micros)]),
    ),
    "",
    "The IPN postback and the certificate fetch are network waits in the queue consumer, not CPU, and are left out; " +
      "the certificate's key is imported once, as the 24-hour cache keeps it. RSA runs on Node's thread pool here " +
      "(there is no in-thread stand-in for it), so the webhook row includes that hand-off.",
  ].join("\n");
}

export function renderEndToEnd({ trivial, ingest, drain }, { connections, warmupSeconds, durationSeconds, lines }) {
  const row = (name, result) => [
    name,
    fixed(result.rps),
    fixed(result.p50, 1),
    fixed(result.p99, 1),
    fixed(result.max, 1),
    result.requests,
    result.non2xx,
    result.errors,
  ];
  const rows = [
    row("GET /health (trivial)", trivial),
    row(`POST /in/<token> (${lines}-line JSON order)`, ingest),
    ["**ingest ÷ trivial**", ratio(ingest.rps, trivial.rps), ratio(ingest.p50, trivial.p50), ratio(ingest.p99, trivial.p99), "", "", "", ""],
  ];
  const drained = drain.drained
    ? `the queue consumer had processed every order ${fixed(drain.seconds, 1)} s after the load ended (pending polled every ${drain.pollMs} ms)`
    : `**orders were still pending ${fixed(drain.seconds, 1)} s after the load ended** (drain timeout reached)`;
  return [
    "### (b) End to end: wrangler dev on loopback",
    "",
    table(["route", "req/s", "p50 ms", "p99 ms", "max ms", "counted", "non-2xx", "errors"], rows),
    "",
    `${connections} connections (closed loop, keep-alive), ${warmupSeconds} s warm-up then ${durationSeconds} s counted, per route. ` +
      "Each ingest request carries a new order (unique external_id) signed at send time.",
    `Queue: ${ingest.total2xx} orders accepted (2xx, warm-up included); ${drained}; ` +
      `${drain.failed ? "**some orders failed processing**" : "no order failed processing"}.`,
  ].join("\n");
}

export function renderD1(rows) {
  const written = rows.flatMap((row) => row.costs.map((cost) => cost.rows_written));
  const constant = written.every((value) => value === written[0]);
  const column = (row, key) => spread(row.costs.map((cost) => cost[key]));
  return [
    "### (c) D1 cost per ingested order (Server-Timing of the 2xx answer)",
    "",
    table(
      ["lines", "body bytes", "round trips", "statements", "rows read", "rows written"],
      rows.map((row) => [row.lines, row.bytes, column(row, "round_trips"), column(row, "statements"), column(row, "rows_read"), column(row, "rows_written")]),
    ),
    "",
    `${rows[0].costs.length} orders per line count. Rows written constant across line counts: ` +
      (constant ? `**yes** (${written[0]} per order).` : `**NO** (${spread(written)}): the lines must live inside the order's JSON.`),
  ].join("\n");
}

export function renderDocuments({ orders, executed, postedSeconds, seconds, connections, costs }) {
  const column = (key) => spread(costs.map((cost) => cost[key]));
  return [
    "### (d) Orders processed into documents by the queue consumer",
    "",
    table(
      ["orders posted", "invoices executed", "posting took s", "first post → last invoice s", "invoices/s (end to end)"],
      [[orders, executed, fixed(postedSeconds, 1), fixed(seconds, 1), fixed(executed / seconds, 1)]],
    ),
    "",
    table(["D1 per processed order", "round trips", "statements", "rows read", "rows written"], [["range over the orders", column("round_trips"), column("statements"), column("rows_read"), column("rows_written")]]),
    "",
    `A Connect channel set to create, execute and pay invoices (its product exists); ${orders} paid 1-line orders posted ` +
      `${connections} at a time, then the API polled until every invoice was executed. The D1 figures are the consumer's ` +
      `own count for each order.received message that ended in an executed invoice (${costs.length} of them): ` +
      "the order's processing, the customer match, the document, its number and stock movements, and the payment. " +
      "Rows count what D1 reports for run, all and batch; `first()` reports none, so single-row reads are not in the rows column.",
  ].join("\n");
}

/** Replaces what lies between the markers; appends a section with markers if they are missing. */
/** (e): store requests and Worker invocations per stock-sync run, against the batch-size floor. */
export function renderStock({ skus, subrequests, rows }) {
  const ratio = (value, floor) => (floor ? `${(value / floor).toFixed(2)}×` : "–");
  const lines = [
    `### (e) Stock sync: ${skus.toLocaleString("en")} SKUs per store, ${subrequests} store requests per Worker invocation`,
    "",
    "| Store | Run | Items | Requests | Floor | Requests / floor | Invocations | Floor | Wall time |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ...rows.map(
      (row) =>
        `| ${row.store} | ${row.run} | ${row.items.toLocaleString("en")} | ${row.requests} | ${row.floor} | ${ratio(row.requests, row.floor)} | ${row.invocations} | ${row.floorInvocations} | ${row.seconds.toFixed(1)} s |`,
    ),
    "",
    "Floor: items ÷ the store's batch size (WooCommerce 100, Mozello 1,000, Shopify 250 a mutation), plus the lookups",
    "(100 SKUs a request) on a run with nothing cached. Requests over the floor are the run's own checks (WooCommerce's",
    "stock-management switch, Shopify's location) and retries after throttling (Shopify's GraphQL bucket: 2,000 points,",
    "100 a second). Invocation floor: requests ÷ the per-invocation budget.",
  ];
  return lines.join("\n");
}

export function updateReadme(readmePath, markdown) {
  const text = readFileSync(readmePath, "utf8");
  const block = `${README_START}\n${markdown}\n${README_END}`;
  const start = text.indexOf(README_START);
  const end = text.indexOf(README_END);
  const next =
    start !== -1 && end > start
      ? text.slice(0, start) + block + text.slice(end + README_END.length)
      : `${text.trimEnd()}\n\n## Latest results\n\n${block}\n`;
  writeFileSync(readmePath, next);
}
