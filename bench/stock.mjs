/**
 * Part (e), stock sync at scale, against `npm start` (wrangler dev: the real queue consumer, local
 * D1) and the fake WooCommerce, Mozello and Shopify servers of the test suite (bundled with esbuild
 * and run in this process, so they see every request). For N SKUs (default 10,000) in all three
 * stores, each channel runs:
 *   1. a full sync with nothing known yet (WooCommerce and Shopify look every SKU up first),
 *   2. a full sync again (ids cached),
 *   3. a changes run after 1 % of the counts changed.
 * Reported per run: items, store requests and Worker invocations (queue messages) from the run's
 * own log, the floor the store's batch size allows, and their ratio.
 */
import { build } from "esbuild";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { adminApi, startInbox, stopInbox } from "./server.mjs";

const ROOT = path.resolve(import.meta.dirname, "..");
const WOO_KEY = "ck_0123456789abcdef0123456789abcdef01234567";
const WOO_SECRET = "cs_76543210fedcba9876543210fedcba9876543210";
const MOZELLO_KEY = "MZL-2475405-0123456789abcdef0123456789abcdef";
const SHOPIFY_TOKEN = "shpat_bench_0123456789abcdef";
const LOCATION = "gid://shopify/Location/1";
/** Store requests one step may make: the Worker's STOCK_SYNC_SUBREQUESTS default. */
const SUBREQUESTS = 40;
const POLL_MS = 250;

/** Items one request carries, per store: the floor of a full sync is N / this. */
const BATCH = { woocommerce: 100, mozello: 1000, shopify: 250 };
/** Lookups: SKUs per request (Mozello sets stock by SKU without one). */
const LOOKUP = { woocommerce: 100, mozello: 0, shopify: 100 };

async function loadFakes(tmpDir) {
  const outfile = path.join(tmpDir, "fakes.mjs");
  const entry = path.join(tmpDir, "fakes-entry.ts");
  writeFileSync(
    entry,
    ["woocommerce", "mozello", "shopify"].map((name) => `export * from ${JSON.stringify(path.join(ROOT, "test/fakes", `${name}-server.ts`))};`).join("\n") +
      "\n" +
      ["woocommerce", "mozello", "shopify"].map((name) => `export * as ${name}Control from ${JSON.stringify(path.join(ROOT, "test/fakes", `${name}-control.ts`))};`).join("\n"),
  );
  await build({ entryPoints: [entry], outfile, bundle: true, format: "esm", platform: "node", target: "es2022", logLevel: "warning" });
  return import(pathToFileURL(outfile).href);
}

export async function runStockBench({ tmpDir: parentDir, skus: count }) {
  // An inbox of its own: the products of the other parts must not enter its runs.
  const tmpDir = path.join(parentDir, "stock");
  mkdirSync(tmpDir, { recursive: true });
  const fakes = await loadFakes(tmpDir);
  const servers = await Promise.all([fakes.startFakeWooCommerce(), fakes.startFakeMozello(), fakes.startFakeShopify()]);
  const [woo, mozello, shopify] = servers;
  const inbox = await startInbox(tmpDir, ["ALLOW_INSECURE_STORE_URLS:true"]);
  try {
    const skus = Array.from({ length: count }, (_, index) => `BENCH-${String(index).padStart(6, "0")}`);
    await seedInbox(inbox, skus);
    const stores = [
      await wooStore(fakes, woo.url, inbox, skus),
      await mozelloStore(fakes, mozello.url, inbox, skus),
      await shopifyStore(fakes, shopify.url, inbox, skus),
    ];
    const rows = [];
    for (const store of stores) {
      rows.push({ store: store.name, run: "full, nothing cached", ...(await syncAndWait(inbox, store, "full", count)) });
      rows.push({ store: store.name, run: "full, ids cached", ...(await syncAndWait(inbox, store, "full", count)) });
    }
    // 1 % of the counts change; each store then gets only those.
    const changed = skus.filter((_, index) => index % 100 === 0);
    await importCsv(inbox, "/api/stock/import", ["sku,on_hand", ...changed.map((sku) => `${sku},${count + 7}`)]);
    for (const store of stores) rows.push({ store: store.name, run: "changes, 1 % changed", ...(await syncAndWait(inbox, store, "changes", changed.length)) });
    for (const row of rows) {
      const cold = row.run === "full, nothing cached" ? Math.ceil(row.items / (LOOKUP[row.key] || Number.POSITIVE_INFINITY)) : 0;
      row.floor = Math.ceil(row.items / BATCH[row.key]) + cold;
      row.floorInvocations = Math.max(1, Math.ceil(row.floor / SUBREQUESTS));
    }
    return { skus: count, subrequests: SUBREQUESTS, rows };
  } finally {
    await stopInbox(inbox);
    await Promise.all(servers.map((server) => server.close()));
  }
}

async function seedInbox(inbox, skus) {
  await importCsv(inbox, "/api/products/import", ["sku,name", ...skus.map((sku) => `${sku},Bench product ${sku}`)]);
  await importCsv(inbox, "/api/stock/import", ["sku,on_hand", ...skus.map((sku, index) => `${sku},${index % 50}`)]);
}

async function importCsv(inbox, pathname, lines) {
  const response = await fetch(`${inbox.origin}${pathname}`, {
    method: "POST",
    headers: { authorization: `Bearer ${inbox.adminToken}`, "content-type": "text/csv" },
    body: lines.join("\n"),
    signal: AbortSignal.timeout(120_000),
  });
  if (!response.ok) throw new Error(`${pathname} answered ${response.status}: ${(await response.text()).slice(0, 500)}`);
}

async function wooStore(fakes, url, inbox, skus) {
  const control = fakes.woocommerceControl;
  await control.configureStore(url, "bench", { consumerKey: WOO_KEY, consumerSecret: WOO_SECRET, https: false, manageStock: true });
  for (let start = 0; start < skus.length; start += 2000) {
    await control.seedProducts(url, "bench", skus.slice(start, start + 2000).map((sku, offset) => ({ id: 10_000 + start + offset, sku, manage_stock: true, stock_quantity: 0 })));
  }
  const channel = await adminApi(inbox, "/api/channels", {
    method: "POST",
    json: { type: "woocommerce-premium", name: "Bench WooCommerce", store_url: control.storeBaseUrl(url, "bench"), consumer_key: WOO_KEY, consumer_secret: WOO_SECRET },
    expect: 201,
  });
  return { name: "WooCommerce", key: "woocommerce", channelId: channel.id };
}

async function mozelloStore(fakes, url, inbox, skus) {
  const control = fakes.mozelloControl;
  await control.configureMozello(url, "bench", { apiKey: MOZELLO_KEY });
  for (let start = 0; start < skus.length; start += 2000) {
    await control.seedMozelloProducts(url, "bench", skus.slice(start, start + 2000).map((sku, offset) => ({ handle: `uid-${start + offset}`, sku, stock: 0 })));
  }
  const channel = await adminApi(inbox, "/api/channels", {
    method: "POST",
    json: { type: "mozello", name: "Bench Mozello", secret: MOZELLO_KEY, api_url: control.mozelloBaseUrl(url, "bench") },
    expect: 201,
  });
  return { name: "Mozello", key: "mozello", channelId: channel.id };
}

async function shopifyStore(fakes, url, inbox, skus) {
  const control = fakes.shopifyControl;
  // A standard plan's GraphQL bucket (the fake's defaults: 2,000 points, 100 restored a second).
  await control.configureShop(url, "bench", { accessToken: SHOPIFY_TOKEN });
  await control.seedShopifyLocations(url, "bench", [{ id: LOCATION, name: "Warehouse" }]);
  for (let start = 0; start < skus.length; start += 2000) {
    await control.seedShopifyVariants(
      url,
      "bench",
      skus.slice(start, start + 2000).map((sku, offset) => ({ id: `gid://shopify/ProductVariant/${start + offset + 1}`, sku, inventoryItemId: `gid://shopify/InventoryItem/${start + offset + 1}` })),
    );
  }
  const channel = await adminApi(inbox, "/api/channels", {
    method: "POST",
    json: { type: "shopify", name: "Bench Shopify", shop_domain: control.shopBaseUrl(url, "bench"), access_token: SHOPIFY_TOKEN },
    expect: 201,
  });
  return { name: "Shopify", key: "shopify", channelId: channel.id };
}

async function syncAndWait(inbox, store, mode, expectedItems) {
  const startedAt = performance.now();
  const run = await adminApi(inbox, `/api/channels/${store.channelId}/stock-sync`, { method: "POST", json: { mode }, expect: 202 });
  for (;;) {
    await sleep(POLL_MS);
    const detail = await adminApi(inbox, `/api/channels/${store.channelId}/stock-syncs/${run.id}?limit=1`);
    if (!["planning", "running"].includes(detail.status)) {
      if (detail.status !== "succeeded" || detail.items.planned !== expectedItems) {
        throw new Error(`${store.name} ${mode} run ended ${detail.status} with ${JSON.stringify(detail.items)} (${detail.error ?? "no run error"})`);
      }
      return { key: store.key, items: detail.items.planned, requests: detail.requests, invocations: detail.invocations, seconds: (performance.now() - startedAt) / 1000 };
    }
  }
}
