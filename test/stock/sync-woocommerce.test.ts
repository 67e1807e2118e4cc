/**
 * Stock sync to WooCommerce Premium, step by step against the fake store: full and delta runs,
 * variations, a SKU the store lacks, a stale product id, per-item errors, 429 storms and the
 * subrequest split.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { requestStockSync } from "../../src/stock/sync-run";
import { configureStore, injectFaults, productsState, requestLog, seedProducts, storeBaseUrl, clearRequestLog } from "../fakes/woocommerce-control";
import { api, createChannel, json } from "../helpers";
import { runDetail, stock, syncHarness, syncSettings, warehouse } from "./sync-harness";

const FAKE = env.WOO_FAKE_URL;
const KEY = "ck_0123456789abcdef0123456789abcdef01234567";
const SECRET = "cs_76543210fedcba9876543210fedcba9876543210";

async function wooChannel(storeKey: string, warehouseId: string, manageStock = true) {
  await configureStore(FAKE, storeKey, { consumerKey: KEY, consumerSecret: SECRET, https: false, manageStock });
  const channel = await createChannel(`Stock ${storeKey}`, { type: "woocommerce-premium", store_url: storeBaseUrl(FAKE, storeKey), consumer_key: KEY, consumer_secret: SECRET });
  await syncSettings(channel.id, { warehouse_id: warehouseId });
  return channel;
}

const stockOf = async (storeKey: string) => new Map((await productsState(FAKE, storeKey)).map((product) => [product.sku, product.stock_quantity]));
const apiRequests = async (storeKey: string) => (await requestLog(FAKE, storeKey)).map((entry) => `${entry.method} ${entry.path.split("?")[0].replace(/^.*\/wc\/v3/, "")}`);

describe("stock sync to WooCommerce", () => {
  it("pushes every SKU on a full run, products and variations through their batch endpoints, then only what changed", async () => {
    const wh = await warehouse("wc-full");
    const key = `wc-full-${wh}`;
    const channel = await wooChannel(key, wh);
    await seedProducts(FAKE, key, [
      { id: 10, sku: `${wh}-MUG`, manage_stock: true, stock_quantity: 0 },
      { id: 11, sku: `${wh}-CAP`, manage_stock: false, stock_quantity: null },
      { id: 20, type: "variable", sku: `${wh}-TEE` },
      { id: 21, parent_id: 20, sku: `${wh}-TEE-M`, manage_stock: true, stock_quantity: 0 },
      { id: 22, parent_id: 20, sku: `${wh}-TEE-L`, manage_stock: true, stock_quantity: 0 },
    ]);
    await stock(wh, { [`${wh}-MUG`]: 5, [`${wh}-CAP`]: 3, [`${wh}-TEE-M`]: 7, [`${wh}-TEE-L`]: 0 });

    const harness = syncHarness();
    const run = (await requestStockSync(harness.services, channel.id, { mode: "full", trigger: "manual" }))!;
    expect(run.status).toBe("planning");
    const steps = await harness.drain();
    expect(steps.map((step) => step.outcome)).toEqual(["finished"]);

    const after = await stockOf(key);
    expect([after.get(`${wh}-MUG`), after.get(`${wh}-CAP`), after.get(`${wh}-TEE-M`), after.get(`${wh}-TEE-L`)]).toEqual([5, 3, 7, 0]);
    // Stock management check, one lookup for the four SKUs, one batch per endpoint.
    expect(await apiRequests(key)).toEqual(["GET /settings/products/woocommerce_manage_stock", "GET /products", "POST /products/batch", "POST /products/20/variations/batch"]);
    const detail = await runDetail(channel.id, run.id);
    expect(detail).toMatchObject({ status: "succeeded", mode: "full", trigger: "manual", requests: 4, invocations: 1, items: { planned: 4, succeeded: 4, failed: 0 } });

    // Nothing changed: a changes run plans nothing and asks the store nothing.
    await clearRequestLog(FAKE, key);
    const idle = (await requestStockSync(harness.services, channel.id, { mode: "changes", trigger: "manual" }))!;
    await harness.drain();
    expect(await runDetail(channel.id, idle.id)).toMatchObject({ status: "succeeded", requests: 0, items: { planned: 0 } });
    expect(await apiRequests(key)).toEqual([]);

    // One count changes: only that SKU goes, to its cached id, without a lookup.
    await stock(wh, { [`${wh}-TEE-L`]: 4 });
    const delta = (await requestStockSync(harness.services, channel.id, { mode: "changes", trigger: "manual" }))!;
    await harness.drain();
    expect(await apiRequests(key)).toEqual(["GET /settings/products/woocommerce_manage_stock", "POST /products/20/variations/batch"]);
    expect(await runDetail(channel.id, delta.id)).toMatchObject({ status: "succeeded", items: { planned: 1, succeeded: 1 } });
    expect((await stockOf(key)).get(`${wh}-TEE-L`)).toBe(4);
    const pushed = await json(await api(`/api/channels/${channel.id}/stock-pushed`));
    expect(pushed.items.find((item: any) => item.sku === `${wh}-TEE-L`)).toMatchObject({ quantity: 4, sync_id: delta.id });
  });

  it("fails a SKU the store does not have with the reason, skips it on changes runs, and asks again on a full run", async () => {
    const wh = await warehouse("wc-miss");
    const key = `wc-miss-${wh}`;
    const channel = await wooChannel(key, wh);
    await seedProducts(FAKE, key, [{ id: 30, sku: `${wh}-HERE`, manage_stock: true, stock_quantity: 0 }]);
    await stock(wh, { [`${wh}-HERE`]: 2, [`${wh}-GONE`]: 9 });
    const harness = syncHarness();

    const first = (await requestStockSync(harness.services, channel.id, { mode: "changes", trigger: "manual" }))!;
    await harness.drain();
    const detail = await runDetail(channel.id, first.id, "?status=failed");
    expect(detail).toMatchObject({ status: "partial", items: { planned: 2, succeeded: 1, failed: 1 } });
    expect(detail.item_list).toEqual([expect.objectContaining({ sku: `${wh}-GONE`, status: "failed", error: "The store has no product or variation with this SKU" })]);

    const second = (await requestStockSync(harness.services, channel.id, { mode: "changes", trigger: "manual" }))!;
    await harness.drain();
    expect(await runDetail(channel.id, second.id)).toMatchObject({ status: "succeeded", items: { planned: 0, skipped_not_in_store: 1 } });

    // The merchant adds the product in the store; a full run (later) finds it.
    harness.advance(60_000);
    await seedProducts(FAKE, key, [{ id: 31, sku: `${wh}-GONE`, manage_stock: true, stock_quantity: 0 }]);
    const full = (await requestStockSync(harness.services, channel.id, { mode: "full", trigger: "manual" }))!;
    await harness.drain();
    expect(await runDetail(channel.id, full.id)).toMatchObject({ status: "succeeded", items: { planned: 2, succeeded: 2 } });
    expect((await stockOf(key)).get(`${wh}-GONE`)).toBe(9);
  });

  it("looks a SKU up again when its cached product id is gone, while the rest of the batch goes through", async () => {
    const wh = await warehouse("wc-stale");
    const key = `wc-stale-${wh}`;
    const channel = await wooChannel(key, wh);
    await seedProducts(FAKE, key, [
      { id: 40, sku: `${wh}-BAG`, manage_stock: true, stock_quantity: 0 },
      { id: 42, sku: `${wh}-BOX`, manage_stock: true, stock_quantity: 0 },
    ]);
    await stock(wh, { [`${wh}-BAG`]: 3, [`${wh}-BOX`]: 1 });
    const harness = syncHarness();
    await requestStockSync(harness.services, channel.id, { mode: "full", trigger: "manual" });
    await harness.drain();

    // The merchant re-creates the bag: same SKU, new id.
    await configureStore(FAKE, key, { consumerKey: KEY, consumerSecret: SECRET, https: false, manageStock: true });
    await seedProducts(FAKE, key, [
      { id: 41, sku: `${wh}-BAG`, manage_stock: true, stock_quantity: 0 },
      { id: 42, sku: `${wh}-BOX`, manage_stock: true, stock_quantity: 0 },
    ]);
    await stock(wh, { [`${wh}-BAG`]: 5, [`${wh}-BOX`]: 2 });
    const again = (await requestStockSync(harness.services, channel.id, { mode: "changes", trigger: "manual" }))!;
    await harness.drain();
    expect(await apiRequests(key)).toEqual([
      "GET /settings/products/woocommerce_manage_stock",
      "POST /products/batch", // id 40: woocommerce_rest_product_invalid_id; id 42 taken
      "GET /products",
      "POST /products/batch",
    ]);
    const batches = (await requestLog(FAKE, key)).filter((entry) => entry.path.includes("/batch")).map((entry) => JSON.parse(entry.body!).update);
    expect(batches).toEqual([
      [{ id: 40, manage_stock: true, stock_quantity: 5 }, { id: 42, manage_stock: true, stock_quantity: 2 }],
      [{ id: 41, manage_stock: true, stock_quantity: 5 }],
    ]);
    expect(await runDetail(channel.id, again.id)).toMatchObject({ status: "succeeded", items: { succeeded: 2 } });
    expect([(await stockOf(key)).get(`${wh}-BAG`), (await stockOf(key)).get(`${wh}-BOX`)]).toEqual([5, 2]);
  });

  it("waits out a 429 storm as long as Retry-After says, then sends each item once it is let through", async () => {
    const wh = await warehouse("wc-429");
    const key = `wc-429-${wh}`;
    const channel = await wooChannel(key, wh);
    await seedProducts(FAKE, key, [{ id: 50, sku: `${wh}-A`, manage_stock: true, stock_quantity: 0 }]);
    await stock(wh, { [`${wh}-A`]: 6 });
    const harness = syncHarness();
    const run = (await requestStockSync(harness.services, channel.id, { mode: "full", trigger: "manual" }))!;
    // The first step may only check the store and look the SKU up.
    expect((await harness.drain(2, 1)).map((step) => step.outcome)).toEqual(["continued"]);
    await injectFaults(FAKE, key, { status: 429, count: 3, retryAfter: 2 });
    const steps = await harness.drain();
    expect(steps.map((step) => [step.outcome, step.requests, step.delayMs ?? 0])).toEqual([
      ["continued", 1, 2000],
      ["continued", 1, 2000],
      ["continued", 1, 2000],
      ["finished", 1, 0],
    ]);
    const statuses = (await requestLog(FAKE, key)).filter((entry) => entry.path.includes("/batch")).map((entry) => entry.status);
    expect(statuses).toEqual([429, 429, 429, 200]);
    const detail = await runDetail(channel.id, run.id);
    expect(detail).toMatchObject({ status: "succeeded", requests: 6, invocations: 5, items: { succeeded: 1 } });
    // Being throttled is not the item's fault: it used one attempt, the one that went through.
    expect(detail.item_list).toEqual([expect.objectContaining({ sku: `${wh}-A`, status: "succeeded", attempts: 1, error: null })]);
    expect((await stockOf(key)).get(`${wh}-A`)).toBe(6);
  });

  it("sleeps through a short Retry-After inside the step instead of ending it, as the queue consumer does", async () => {
    const wh = await warehouse("wc-nap");
    const key = `wc-nap-${wh}`;
    const channel = await wooChannel(key, wh);
    await seedProducts(FAKE, key, [{ id: 55, sku: `${wh}-N`, manage_stock: true, stock_quantity: 0 }]);
    await stock(wh, { [`${wh}-N`]: 2 });
    const harness = syncHarness({ sleepInline: true });
    const run = (await requestStockSync(harness.services, channel.id, { mode: "full", trigger: "manual" }))!;
    await harness.drain(2, 1);
    await injectFaults(FAKE, key, { status: 429, count: 2, retryAfter: 2 });
    const before = harness.now();
    expect(await harness.drain()).toEqual([{ outcome: "finished", requests: 3 }]);
    expect(harness.now() - before).toBe(4000);
    expect(await runDetail(channel.id, run.id)).toMatchObject({ status: "succeeded", invocations: 2, requests: 5 });

    // A Retry-After longer than a step should sleep (here on the run's first request) ends the step instead.
    await injectFaults(FAKE, key, { status: 429, count: 1, retryAfter: 30 });
    await stock(wh, { [`${wh}-N`]: 3 });
    const again = (await requestStockSync(harness.services, channel.id, { mode: "changes", trigger: "manual" }))!;
    const steps = await harness.drain();
    expect(steps.map((step) => [step.outcome, step.delayMs ?? 0])).toEqual([["continued", 30_000], ["finished", 0]]);
    expect(await runDetail(channel.id, again.id)).toMatchObject({ status: "succeeded" });
  });

  it("retries a batch the store failed (5xx) with backoff while the other batches go on", async () => {
    const wh = await warehouse("wc-5xx");
    const key = `wc-5xx-${wh}`;
    const channel = await wooChannel(key, wh);
    await seedProducts(FAKE, key, [
      { id: 60, sku: `${wh}-SIMPLE`, manage_stock: true, stock_quantity: 0 },
      { id: 61, type: "variable", sku: `${wh}-VAR` },
      { id: 62, parent_id: 61, sku: `${wh}-VAR-S`, manage_stock: true, stock_quantity: 0 },
    ]);
    await stock(wh, { [`${wh}-SIMPLE`]: 2, [`${wh}-VAR-S`]: 8 });
    const harness = syncHarness();
    const run = (await requestStockSync(harness.services, channel.id, { mode: "full", trigger: "manual" }))!;
    await harness.drain(2, 1);
    await injectFaults(FAKE, key, { status: 503, count: 1 });
    const [failedStep] = await harness.drain(40, 1);
    // The simple products' batch failed and waits; the variations' batch went through in the same step.
    expect(failedStep).toMatchObject({ outcome: "continued", requests: 2 });
    expect(failedStep.delayMs).toBeGreaterThanOrEqual(30_000);
    expect([...(await stockOf(key))].filter(([sku]) => sku.startsWith(wh))).toEqual(
      expect.arrayContaining([[`${wh}-SIMPLE`, 0], [`${wh}-VAR-S`, 8]]),
    );
    const waiting = await runDetail(channel.id, run.id, "?status=pending");
    expect(waiting.item_list).toEqual([expect.objectContaining({ sku: `${wh}-SIMPLE`, attempts: 1, error: expect.stringMatching(/^WooCommerce answered 503/) })]);
    await harness.drain();
    expect(await runDetail(channel.id, run.id)).toMatchObject({ status: "succeeded", items: { succeeded: 2, failed: 0 } });
    expect((await stockOf(key)).get(`${wh}-SIMPLE`)).toBe(2);
  });

  it("gives up on an item after its attempts and says why; the run is partial", async () => {
    const wh = await warehouse("wc-give");
    const key = `wc-give-${wh}`;
    const channel = await wooChannel(key, wh);
    await seedProducts(FAKE, key, [{ id: 71, type: "variable", sku: `${wh}-V` }, { id: 72, parent_id: 71, sku: `${wh}-V-1`, manage_stock: true, stock_quantity: 0 }, { id: 70, sku: `${wh}-X`, manage_stock: true, stock_quantity: 0 }]);
    await stock(wh, { [`${wh}-X`]: 1, [`${wh}-V-1`]: 1 });
    const harness = syncHarness();
    const run = (await requestStockSync(harness.services, channel.id, { mode: "full", trigger: "manual" }))!;
    // Check, lookup and the variations' batch (V-1 sorts first); then every request fails five times.
    await harness.drain(3, 1);
    await injectFaults(FAKE, key, { status: 500, count: 5 });
    const steps = await harness.drain();
    expect(steps.map((step) => step.delayMs ?? 0)).toEqual([30_000, 60_000, 120_000, 240_000, 0]);
    const detail = await runDetail(channel.id, run.id, "?status=failed");
    expect(detail.status).toBe("partial");
    expect(detail.items).toMatchObject({ succeeded: 1, failed: 1 });
    expect(detail.item_list).toEqual([expect.objectContaining({ sku: `${wh}-X`, attempts: 5, error: expect.stringMatching(/^WooCommerce answered 500/) })]);
  });

  it("refuses the run with the reason when the store's stock management is off", async () => {
    const wh = await warehouse("wc-off");
    const key = `wc-off-${wh}`;
    const channel = await wooChannel(key, wh, false);
    await seedProducts(FAKE, key, [{ id: 80, sku: `${wh}-OFF`, manage_stock: true, stock_quantity: 0 }]);
    await stock(wh, { [`${wh}-OFF`]: 4 });
    const harness = syncHarness();
    const run = (await requestStockSync(harness.services, channel.id, { mode: "full", trigger: "manual" }))!;
    await harness.drain();
    const detail = await runDetail(channel.id, run.id, "?status=failed");
    expect(detail).toMatchObject({ status: "failed", requests: 1, items: { planned: 1, failed: 1 } });
    expect(detail.error).toMatch(/stock management is off/);
    expect(detail.item_list[0].error).toMatch(/^Not sent: WooCommerce's stock management is off/);
  });

  it("splits a run into steps that stay within the subrequest budget", async () => {
    const wh = await warehouse("wc-split");
    const key = `wc-split-${wh}`;
    const channel = await wooChannel(key, wh);
    const skus = Array.from({ length: 250 }, (_, index) => `${wh}-S${String(index).padStart(3, "0")}`);
    await seedProducts(FAKE, key, skus.map((sku, index) => ({ id: 1000 + index, sku, manage_stock: true, stock_quantity: 0 })));
    await stock(wh, Object.fromEntries(skus.map((sku, index) => [sku, index])));
    const harness = syncHarness();
    const run = (await requestStockSync(harness.services, channel.id, { mode: "full", trigger: "manual" }))!;
    const steps = await harness.drain(3);
    // 1 check + 3 lookups + 3 pushes = 7 requests, at most 3 a step.
    expect(steps.map((step) => step.requests)).toEqual([3, 3, 1]);
    expect(steps.map((step) => step.outcome)).toEqual(["continued", "continued", "finished"]);
    expect(await runDetail(channel.id, run.id)).toMatchObject({ status: "succeeded", requests: 7, invocations: 3, items: { planned: 250, succeeded: 250 } });
    const after = await stockOf(key);
    expect(skus.every((sku, index) => after.get(sku) === index)).toBe(true);
    expect((await apiRequests(key)).filter((line) => line === "POST /products/batch")).toHaveLength(3);
  });
});
