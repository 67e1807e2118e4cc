/**
 * Stock sync through the API, the real queue consumer and the real Cron handler: sync now, the
 * schedule, conflicts and refusals, reservations in what is sent, duplicate and lost step
 * messages, and the stores' product webhooks (caused by our own writes) starting nothing.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { signShopify } from "../../src/channels/shopify/shopify-signature";
import { signWoo } from "../../src/channels/woocommerce/woocommerce-signature";
import { purgeOldStockSyncItems } from "../../src/inbound/retention";
import { handleScheduled } from "../../src/jobs/schedule";
import { utf8 } from "../../src/lib/encoding";
import { requestStockSync, runStockSyncStep } from "../../src/stock/sync-run";
import { requeueStalledStockSyncs } from "../../src/stock/sync-schedule";
import { configureStore, productsState, seedProducts, storeBaseUrl } from "../fakes/woocommerce-control";
import { api, createChannel, deliver, json, postOrder, sampleOrder } from "../helpers";
import { runDetail, stock, syncHarness, syncSettings, warehouse } from "./sync-harness";

const FAKE = env.WOO_FAKE_URL;
const KEY = "ck_0123456789abcdef0123456789abcdef01234567";
const SECRET = "cs_76543210fedcba9876543210fedcba9876543210";
const WAIT = { timeout: 20_000, interval: 200 };

async function wooChannel(storeKey: string, warehouseId?: string) {
  await configureStore(FAKE, storeKey, { consumerKey: KEY, consumerSecret: SECRET, https: false, manageStock: true });
  const channel = await createChannel(`Stock ${storeKey}`, { type: "woocommerce-premium", store_url: storeBaseUrl(FAKE, storeKey), consumer_key: KEY, consumer_secret: SECRET });
  if (warehouseId) await syncSettings(channel.id, { warehouse_id: warehouseId });
  return channel;
}

const stockOf = async (storeKey: string, sku: string) => (await productsState(FAKE, storeKey)).find((product) => product.sku === sku)?.stock_quantity;

async function finished(channelId: string, syncId: string) {
  let detail: any;
  await vi.waitFor(async () => {
    detail = await runDetail(channelId, syncId);
    expect(["succeeded", "partial", "failed"]).toContain(detail.status);
  }, WAIT);
  return detail;
}

describe("the stock-sync API", () => {
  it("syncs now through the real queue and shows the run, its items and what each SKU was last pushed at", async () => {
    const wh = await warehouse("api-now");
    const key = `api-now-${wh}`;
    const channel = await wooChannel(key, wh);
    await seedProducts(FAKE, key, [{ id: 1, sku: `${wh}-P`, manage_stock: true, stock_quantity: 0 }]);
    await stock(wh, { [`${wh}-P`]: 12 });

    const response = await api(`/api/channels/${channel.id}/stock-sync`, { method: "POST", json: { mode: "full" } });
    expect(response.status).toBe(202);
    const run = await json(response);
    expect(run).toMatchObject({ status: "planning", mode: "full", trigger: "manual", warehouse: wh });
    const detail = await finished(channel.id, run.id);
    expect(detail).toMatchObject({ status: "succeeded", items: { planned: 1, succeeded: 1 }, requests: 3, invocations: 1 });
    expect(detail.item_list).toEqual([{ sku: `${wh}-P`, quantity: 12, status: "succeeded", attempts: 1, next_attempt_at: null, error: null }]);
    expect(await stockOf(key, `${wh}-P`)).toBe(12);

    const list = await json(await api(`/api/channels/${channel.id}/stock-syncs`));
    expect(list.items.map((item: any) => item.id)).toEqual([run.id]);
    const product = await json(await api(`/api/stock/${encodeURIComponent(`${wh}-P`)}`));
    expect(product.pushed).toEqual([{ channel_id: channel.id, channel_name: `Stock ${key}`, quantity: 12, pushed_at: expect.any(String) }]);
  });

  it("refuses with machine-readable codes: a channel that cannot push, a run in progress, a bad schedule", async () => {
    const connect = await createChannel("No stock here");
    const refused = await api(`/api/channels/${connect.id}/stock-sync`, { method: "POST", json: {} });
    expect(refused.status).toBe(409);
    expect((await json(refused)).error).toMatchObject({ code: "stock_sync_unavailable", message: expect.stringMatching(/does not sync stock/) });
    const schedule = await api(`/api/channels/${connect.id}/stock-sync/settings`, { method: "PUT", json: { schedule: { every_minutes: 15 } } });
    expect(schedule.status).toBe(409);

    const wh = await warehouse("api-busy");
    const channel = await wooChannel(`api-busy-${wh}`, wh);
    const harness = syncHarness();
    const running = (await requestStockSync(harness.services, channel.id, { mode: "changes", trigger: "manual" }))!;
    const busy = await api(`/api/channels/${channel.id}/stock-sync`, { method: "POST", json: { mode: "full" } });
    expect(busy.status).toBe(409);
    expect((await json(busy)).error).toMatchObject({ code: "stock_sync_running", message: expect.stringContaining(running.id) });

    for (const [body, message] of [
      [{ schedule: { cron: "61 * * * *" } }, /schedule.*minute: "61"/],
      [{ schedule: { every_minutes: 0 } }, /schedule/],
      [{ mode: "full" }, /mode/],
    ] as const) {
      const bad = await api(`/api/channels/${channel.id}/stock-sync/settings`, { method: "PUT", json: body });
      expect(bad.status).toBe(400);
      expect((await json(bad)).error.message).toMatch(message);
    }
    const badMode = await api(`/api/channels/${channel.id}/stock-sync`, { method: "POST", json: { mode: "everything" } });
    expect(badMode.status).toBe(400);
  });

  it("keeps settings it was not sent when changing others", async () => {
    const wh = await warehouse("api-keep");
    const channel = await wooChannel(`api-keep-${wh}`, wh);
    await syncSettings(channel.id, { schedule: { cron: "*/30 * * * *" } });
    const after = await syncSettings(channel.id, { scheduled_mode: "full" });
    expect(after).toEqual({ schedule: { cron: "*/30 * * * *" }, scheduled_mode: "full", warehouse_id: wh, cannot_sync: null });
  });

  it("sends on hand minus what open orders reserve, and stops reserving once the invoice moves the stock", async () => {
    const sku = `RES-${Date.now().toString(36)}`;
    const key = `api-res-${sku}`;
    const channel = await wooChannel(key);
    await seedProducts(FAKE, key, [{ id: 1, sku, manage_stock: true, stock_quantity: 0 }]);
    await stock("main", { [sku]: 10 });
    const shop = await createChannel("Reserving shop");
    const order = sampleOrder() as any;
    order.lines = [{ sku, name: sku, quantity: 3, unit_price: "10.00", total: "30.00" }];
    order.shipping = [];
    order.totals = { subtotal: "30.00", shipping: "0.00", tax: "0.00", total: "30.00" };
    order.payment = { method: "card", transaction_id: `tx-${crypto.randomUUID()}`, amount: "30.00", paid_at: "2026-11-27T10:00:05Z" };
    order.customer = { name: "Stock Tester", email: `res-${crypto.randomUUID().slice(0, 8)}@example.com` };
    const orderId = (await json(await postOrder(shop, JSON.stringify(order)))).order_id as string;

    const harness = syncHarness();
    const first = (await requestStockSync(harness.services, channel.id, { mode: "full", trigger: "manual" }))!;
    await harness.drain();
    expect(await stockOf(key, sku)).toBe(7);
    expect((await runDetail(channel.id, first.id, `?cursor=${sku.slice(0, -1)}`)).item_list.find((item: any) => item.sku === sku)).toMatchObject({ quantity: 7 });

    const processed = await api(`/api/orders/${orderId}/process`, { method: "POST", json: { type: "invoice", execute: true } });
    expect((await json(processed)).document.status).toBe("executed");
    // On hand 7, nothing reserved: still 7 available, so a changes run leaves this SKU alone.
    const second = (await requestStockSync(harness.services, channel.id, { mode: "changes", trigger: "manual" }))!;
    await harness.drain();
    const items = (await runDetail(channel.id, second.id, "?limit=1000")).item_list;
    expect(items.find((item: any) => item.sku === sku)).toBeUndefined();
  });

  it("drops a duplicate step message, and queues a stalled run's step again", async () => {
    const wh = await warehouse("api-dup");
    const key = `api-dup-${wh}`;
    const channel = await wooChannel(key, wh);
    await seedProducts(FAKE, key, [{ id: 1, sku: `${wh}-D`, manage_stock: true, stock_quantity: 0 }]);
    await stock(wh, { [`${wh}-D`]: 5 });
    const harness = syncHarness();
    const run = (await requestStockSync(harness.services, channel.id, { mode: "full", trigger: "manual" }))!;
    const [first] = harness.sent.splice(0);
    const io = { fetch: (input: RequestInfo | URL, init?: RequestInit) => fetch(input, init), now: harness.now, subrequests: 1 };
    expect(await runStockSyncStep(harness.services, first.body as any, io)).toMatchObject({ outcome: "continued", requests: 1 });
    // The same message again (at-least-once delivery): its step is taken.
    expect(await runStockSyncStep(harness.services, first.body as any, io)).toEqual({ outcome: "duplicate", requests: 0 });

    // The next step's message is lost; five minutes on, the minute cron's check queues it again.
    harness.sent.splice(0);
    harness.advance(4 * 60_000);
    expect((await requeueStalledStockSyncs(harness.services, harness.now())).requeued).toEqual([]);
    harness.advance(2 * 60_000);
    // (Runs other tests in this file left in progress are requeued too; this test follows its own.)
    expect((await requeueStalledStockSyncs(harness.services, harness.now())).requeued).toContain(run.id);
    expect(harness.sent.map((sent) => sent.body)).toContainEqual({ type: "stock.sync", sync_id: run.id, step: 1 });
    harness.sent.splice(0, harness.sent.length, ...harness.sent.filter((sent) => sent.body.type === "stock.sync" && sent.body.sync_id === run.id));
    await harness.drain();
    expect(await runDetail(channel.id, run.id)).toMatchObject({ status: "succeeded", items: { succeeded: 1 } });
    expect(await stockOf(key, `${wh}-D`)).toBe(5);
  });

  it("purges a finished run's items after the retention period, keeping the run and the last pushed quantities", async () => {
    const wh = await warehouse("api-purge");
    const key = `api-purge-${wh}`;
    const channel = await wooChannel(key, wh);
    await seedProducts(FAKE, key, [{ id: 1, sku: `${wh}-R`, manage_stock: true, stock_quantity: 0 }]);
    await stock(wh, { [`${wh}-R`]: 3 });
    const harness = syncHarness();
    const run = (await requestStockSync(harness.services, channel.id, { mode: "full", trigger: "manual" }))!;
    await harness.drain();
    const days = (count: number) => count * 86_400_000;
    expect((await purgeOldStockSyncItems(harness.services, harness.now() + days(29))).purged).toBe(0);
    expect((await runDetail(channel.id, run.id)).item_list).toHaveLength(1);
    expect((await purgeOldStockSyncItems(harness.services, harness.now() + days(31))).purged).toBeGreaterThanOrEqual(1);
    const after = await runDetail(channel.id, run.id);
    expect(after).toMatchObject({ status: "succeeded", items: { planned: 1, succeeded: 1 }, item_list: [] });
    expect((await json(await api(`/api/channels/${channel.id}/stock-pushed`))).items).toEqual([expect.objectContaining({ sku: `${wh}-R`, quantity: 3 })]);
  });

  it("runs on the channel's schedule from the minute cron, once per due minute", async () => {
    const wh = await warehouse("api-cron");
    const key = `api-cron-${wh}`;
    const channel = await wooChannel(key, wh);
    await seedProducts(FAKE, key, [{ id: 1, sku: `${wh}-C`, manage_stock: true, stock_quantity: 0 }]);
    await stock(wh, { [`${wh}-C`]: 4 });
    await syncSettings(channel.id, { schedule: { every_minutes: 15 }, scheduled_mode: "full" });
    const runs = async () => (await json(await api(`/api/channels/${channel.id}/stock-syncs`))).items;

    const minute = Math.floor(Date.now() / 60_000) * 60_000;
    await handleScheduled({ cron: "* * * * *", scheduledTime: minute }, env);
    await handleScheduled({ cron: "* * * * *", scheduledTime: minute + 20_000 }, env); // fired twice in a minute
    const [run] = await runs();
    expect(run).toMatchObject({ trigger: "schedule", mode: "full" });
    expect(await finished(channel.id, run.id)).toMatchObject({ status: "succeeded" });
    expect(await stockOf(key, `${wh}-C`)).toBe(4);

    // The audit trail says the system started it, and which cron.
    const [started] = (await json(await api(`/api/audit?action=stock_sync.start&subject=${run.id}`))).items;
    expect(started).toMatchObject({ actor: { kind: "system", id: "cron * * * * *", label: "System (cron * * * * *)" }, subject_type: "stock_sync" });

    await handleScheduled({ cron: "* * * * *", scheduledTime: minute + 14 * 60_000 }, env);
    expect(await runs()).toHaveLength(1);
    await handleScheduled({ cron: "* * * * *", scheduledTime: minute + 15 * 60_000 }, env);
    expect(await runs()).toHaveLength(2);
  });

  it.each([
    ["WooCommerce product.updated", "woocommerce-premium"],
    ["Shopify inventory_levels/update", "shopify"],
  ])("acknowledges a %s webhook (caused by our own stock write) without storing an order or starting a sync", async (_, type) => {
    const channel =
      type === "shopify" ? await createChannel("Shopify loop", { type: "shopify" }) : await wooChannel(`api-loop-${Date.now().toString(36)}`);
    const body = type === "shopify" ? `{"inventory_item_id":808950810,"location_id":655441491,"available":42}` : `{"id":311,"sku":"MUG","stock_quantity":7}`;
    const headers: Record<string, string> =
      type === "shopify"
        ? { "content-type": "application/json", "x-shopify-topic": "inventory_levels/update", "x-shopify-hmac-sha256": await signShopify(utf8.encode(body), channel.secret), "x-shopify-webhook-id": crypto.randomUUID(), "x-shopify-shop-domain": "example.myshopify.com" }
        : { "content-type": "application/json", "x-wc-webhook-topic": "product.updated", "x-wc-webhook-resource": "product", "x-wc-webhook-event": "updated", "x-wc-webhook-id": "12", "x-wc-webhook-delivery-id": crypto.randomUUID(), "x-wc-webhook-signature": await signWoo(body, channel.secret) };
    const response = await deliver(channel.token, body, headers);
    expect(response.status).toBe(200);
    const deliveries = await json(await api(`/api/deliveries?channel_id=${channel.id}`));
    expect(deliveries.items.map((delivery: any) => [delivery.outcome, delivery.order_id])).toEqual([["ignored", null]]);
    expect((await json(await api(`/api/channels/${channel.id}/stock-syncs`))).items).toEqual([]);
  });
});
