/**
 * Stock sync to Mozello against the fake Store API: batches by SKU (variants included), a SKU the
 * store lacks, Mozello's 5 requests a second, and 429 with Retry-After. Also: the store's own
 * stock notifications, caused by our writes, start nothing.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { signMozello } from "../../src/channels/mozello/mozello-signature";
import { requestStockSync } from "../../src/stock/sync-run";
import { configureMozello, injectMozelloFaults, mozelloBaseUrl, mozelloProducts, mozelloRequestLog, seedMozelloProducts } from "../fakes/mozello-control";
import { api, createChannel, deliver, json } from "../helpers";
import { runDetail, stock, syncHarness, syncSettings, warehouse } from "./sync-harness";

const FAKE = env.MOZELLO_FAKE_URL;
const KEY = "MZL-2475405-0123456789abcdef0123456789abcdef";

async function mozelloChannel(storeKey: string, warehouseId: string) {
  await configureMozello(FAKE, storeKey, { apiKey: KEY, alias: "koks" });
  const channel = await createChannel(`Mozello ${storeKey}`, { type: "mozello", secret: KEY, api_url: mozelloBaseUrl(FAKE, storeKey) });
  await syncSettings(channel.id, { warehouse_id: warehouseId });
  return channel;
}

const batchRequests = async (storeKey: string) => (await mozelloRequestLog(FAKE, storeKey)).filter((entry) => entry.path.includes("batch_update_by_sku"));

// Thousands of SKUs through the fake store take a few seconds on a busy two-core machine: more than vitest's default 5 s.
describe("stock sync to Mozello", { timeout: 30_000 }, () => {
  it("sets products and variants by SKU in one request, and fails a SKU the store does not have", async () => {
    const wh = await warehouse("mz-full");
    const key = `mz-full-${wh}`;
    const channel = await mozelloChannel(key, wh);
    await seedMozelloProducts(FAKE, key, [
      { handle: "uid-1", sku: `${wh}-KK`, stock: 0 },
      { handle: "uid-2", sku: null, stock: null, variants: [{ variant_handle: "v-1", sku: `${wh}-GD-L`, stock: 0 }, { variant_handle: "v-2", sku: `${wh}-GD-M`, stock: 1 }] },
    ]);
    await stock(wh, { [`${wh}-KK`]: 4, [`${wh}-GD-L`]: 2, [`${wh}-GD-M`]: 0, [`${wh}-NOPE`]: 1 });
    const harness = syncHarness();
    const run = (await requestStockSync(harness.services, channel.id, { mode: "full", trigger: "manual" }))!;
    await harness.drain();

    const products = await mozelloProducts(FAKE, key);
    expect(products[0].stock).toBe(4);
    expect(products[1].variants!.map((variant) => variant.stock)).toEqual([2, 0]);
    expect(await batchRequests(key)).toHaveLength(1);
    const detail = await runDetail(channel.id, run.id, "?status=failed");
    expect(detail).toMatchObject({ status: "partial", requests: 1, items: { planned: 4, succeeded: 3, failed: 1 } });
    expect(detail.item_list).toEqual([expect.objectContaining({ sku: `${wh}-NOPE`, error: "404: Product not found" })]);

    // The missing SKU is not asked about again by a changes run.
    const next = (await requestStockSync(harness.services, channel.id, { mode: "changes", trigger: "manual" }))!;
    await harness.drain();
    expect(await runDetail(channel.id, next.id)).toMatchObject({ items: { planned: 0 } });
  });

  it("sends 2,500 SKUs in three requests of at most 1,000", async () => {
    const wh = await warehouse("mz-many");
    const key = `mz-many-${wh}`;
    const channel = await mozelloChannel(key, wh);
    const skus = Array.from({ length: 2500 }, (_, index) => `${wh}-${String(index).padStart(4, "0")}`);
    await seedMozelloProducts(FAKE, key, skus.map((sku, index) => ({ handle: `uid-${index}`, sku, stock: 0 })));
    await stock(wh, Object.fromEntries(skus.map((sku, index) => [sku, index % 7])));
    const harness = syncHarness();
    const run = (await requestStockSync(harness.services, channel.id, { mode: "full", trigger: "manual" }))!;
    await harness.drain();
    const requests = await batchRequests(key);
    // The fake answers 429 past 5 requests a second; none came (the client's spacing is tested in test/jobs/mozello.test.ts).
    expect(requests.map((entry) => entry.status)).toEqual([200, 200, 200]);
    expect(await runDetail(channel.id, run.id)).toMatchObject({ status: "succeeded", requests: 3, items: { planned: 2500, succeeded: 2500 } });
    expect((await mozelloProducts(FAKE, key)).at(-1)!.stock).toBe(2499 % 7);
  });

  it("waits as long as Mozello's Retry-After after a 429", async () => {
    const wh = await warehouse("mz-429");
    const key = `mz-429-${wh}`;
    const channel = await mozelloChannel(key, wh);
    await seedMozelloProducts(FAKE, key, [{ handle: "uid-1", sku: `${wh}-A`, stock: 0 }]);
    await stock(wh, { [`${wh}-A`]: 3 });
    await injectMozelloFaults(FAKE, key, { status: 429, count: 2 });
    const harness = syncHarness();
    const run = (await requestStockSync(harness.services, channel.id, { mode: "full", trigger: "manual" }))!;
    const steps = await harness.drain();
    expect(steps.map((step) => [step.outcome, step.delayMs ?? 0])).toEqual([
      ["continued", 1000],
      ["continued", 1000],
      ["finished", 0],
    ]);
    expect(await runDetail(channel.id, run.id)).toMatchObject({ status: "succeeded", requests: 3, invocations: 3 });
    expect((await mozelloProducts(FAKE, key))[0].stock).toBe(3);
  });

  it("acknowledges the store's stock and product notifications without starting a sync or storing an order", async () => {
    const wh = await warehouse("mz-loop");
    const channel = await mozelloChannel(`mz-loop-${wh}`, wh);
    for (const event of ["STOCK_CHANGED", "PRODUCT_CHANGED"]) {
      const body = JSON.stringify({ event, product: { handle: "uid-1", sku: `${wh}-A`, stock: 3 } });
      const response = await deliver(channel.token, body, { "content-type": "application/json", "X-Mozello-Hash": await signMozello(body, KEY) });
      expect(response.status).toBe(200);
    }
    expect((await json(await api(`/api/channels/${channel.id}/stock-syncs`))).items).toEqual([]);
    const deliveries = await json(await api(`/api/deliveries?channel_id=${channel.id}`));
    expect(deliveries.items.map((delivery: any) => [delivery.outcome, delivery.order_id])).toEqual([
      ["ignored", null],
      ["ignored", null],
    ]);
  });
});
