import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createWooClient } from "../../src/channels/woocommerce/woocommerce-api";
import { handleQueue, ORDER_QUEUE_NAME } from "../../src/jobs/consumer";
import {
  configureStore,
  disableWebhook,
  injectFaults,
  productsState,
  requestLog,
  seedOrders,
  seedProducts,
  storeBaseUrl,
  storeWebhooks,
  webhookDelivery,
} from "../fakes/woocommerce-control";
import simpleOrder from "../fixtures/woocommerce/simple.body?raw";
import { api, createChannel, deliver, json } from "../helpers";

const FAKE = env.WOO_FAKE_URL;
const KEY = "ck_0123456789abcdef0123456789abcdef01234567";
const SECRET = "cs_76543210fedcba9876543210fedcba9876543210";

/** A Premium channel on a store reached over plain HTTP, so every request is OAuth 1.0a-signed. */
async function premiumChannel(storeKey: string) {
  await configureStore(FAKE, storeKey, { consumerKey: KEY, consumerSecret: SECRET, https: false, manageStock: true });
  return createChannel(`Store ${storeKey}`, {
    type: "woocommerce-premium",
    store_url: storeBaseUrl(FAKE, storeKey),
    consumer_key: KEY,
    consumer_secret: SECRET,
  });
}

/** The simple fixture as another order: its own id and modification time (UTC, as WooCommerce writes it). */
function storeOrder(id: number, modifiedGmt: string): string {
  return simpleOrder.replace(/^\{"id":\d+/, `{"id":${id}`).replace(/"date_modified_gmt":"[^"]+"/, `"date_modified_gmt":"${modifiedGmt}"`);
}
const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString().slice(0, 19);

async function sweep(channelId: string) {
  const batch = createMessageBatch(ORDER_QUEUE_NAME, [{ id: "sweep", timestamp: new Date(), attempts: 1, body: { type: "channel.reconcile", channel_id: channelId } }]);
  await handleQueue(batch, env, { now: Date.now, fetch: (input, init) => fetch(input, init), sleep: async () => undefined });
  await getQueueResult(batch, createExecutionContext());
  return json(await api(`/api/channels/${channelId}/reconciliation`));
}

describe("a WooCommerce Premium channel", () => {
  it("never shows its REST keys, and refuses keys that are not WooCommerce's", async () => {
    const channel = await premiumChannel("wc-keys");
    const read = await json(await api(`/api/channels/${channel.id}`));
    expect(read.credentials).toEqual(["consumer_key", "consumer_secret"]);
    expect(JSON.stringify(read)).not.toMatch(/ck_0123|cs_7654/);
    const bad = await api("/api/channels", { method: "POST", json: { type: "woocommerce-premium", name: "x", consumer_key: "shpat_1234567890" } });
    expect((await json(bad)).error.message).toMatch(/^consumer_key: must be a WooCommerce consumer key/);
  });

  it("installs its own webhooks over OAuth 1.0a, and reports what works", async () => {
    const channel = await premiumChannel("wc-connect");
    const before = await json(await api(`/api/channels/${channel.id}/test-connection`, { method: "POST" }));
    expect(before).toMatchObject({ auth: { ok: true }, stock_management: "enabled" });
    expect(before.webhooks.map((webhook: { status: string }) => webhook.status)).toEqual(["missing", "missing", "missing", "missing"]);

    const connected = await json(await api(`/api/channels/${channel.id}/connect`, { method: "POST" }));
    expect(connected.created.map((webhook: { topic: string }) => webhook.topic)).toEqual(["order.created", "order.updated", "order.deleted", "order.restored"]);
    const installed = await storeWebhooks(FAKE, "wc-connect");
    expect(installed.every((webhook) => webhook.delivery_url === channel.uri && webhook.status === "active")).toBe(true);
    // The webhooks are signed with the channel's own secret: a delivery WooCommerce builds from them verifies.
    const delivery = await webhookDelivery(FAKE, "wc-connect", installed[0].id, { body: storeOrder(9001, minutesAgo(1)) });
    const response = await deliver(channel.token, delivery.body, delivery.headers);
    expect(response.status).toBe(202);

    // Connecting again creates nothing new.
    expect((await json(await api(`/api/channels/${channel.id}/connect`, { method: "POST" }))).created).toEqual([]);
    const log = await requestLog(FAKE, "wc-connect");
    expect(log.every((entry) => entry.auth === "oauth")).toBe(true);
  });

  it("switches a webhook WooCommerce disabled back on and finds the orders it missed, page by page", async () => {
    const channel = await premiumChannel("wc-sweep");
    await api(`/api/channels/${channel.id}/connect`, { method: "POST" });
    const [first] = await storeWebhooks(FAKE, "wc-sweep");
    await disableWebhook(FAKE, "wc-sweep", first.id);
    await seedOrders(FAKE, "wc-sweep", Array.from({ length: 130 }, (_, index) => storeOrder(20_000 + index, minutesAgo(60 - index / 10))));

    const report = await sweep(channel.id);
    expect(report.runs[0]).toMatchObject({ status: "ok", pages: 2, orders_seen: 130, orders_created: 130 });
    expect(report.orders).toMatchObject({ total: 130, found_only_by_reconciliation: 130 });
    expect((await storeWebhooks(FAKE, "wc-sweep")).find((webhook) => webhook.id === first.id)!.status).toBe("active");
    const health = (await json(await api(`/api/channels/${channel.id}`))).health;
    expect(health.reactivated).toEqual([{ id: first.id, topic: first.topic }]);

    const listing = (await requestLog(FAKE, "wc-sweep")).filter((entry) => entry.path.includes("/orders?"));
    expect(decodeURIComponent(listing[0].path)).toMatch(/modified_after=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d&dates_are_gmt=true&orderby=modified&order=asc&status=any&per_page=100&page=1&oauth_/);

    const again = await sweep(channel.id);
    expect(again.runs[0]).toMatchObject({ status: "ok", orders_created: 0, orders_updated: 0 });
  });
});

describe("the WooCommerce REST client", () => {
  it("uses HTTP Basic over HTTPS (where WooCommerce allows it)", async () => {
    await configureStore(FAKE, "wc-basic", { consumerKey: KEY, consumerSecret: SECRET, https: true, manageStock: true });
    const seen: string[] = [];
    const client = createWooClient({
      storeUrl: "https://shop.example",
      consumerKey: KEY,
      consumerSecret: SECRET,
      // The fake listens on plain HTTP: route the https store there, as a TLS terminator would.
      fetch: (input, init) => {
        const url = String(input).replace("https://shop.example", storeBaseUrl(FAKE, "wc-basic"));
        seen.push(url);
        return fetch(url, init);
      },
    });
    expect(await client.stockManagementEnabled()).toBe(true);
    expect(seen[0]).not.toMatch(/oauth_/);
    expect((await requestLog(FAKE, "wc-basic"))[0].auth).toBe("basic");
  });

  it("finds products and variations by SKU and sets stock in batches of at most 100, per item", async () => {
    await configureStore(FAKE, "wc-stock", { consumerKey: KEY, consumerSecret: SECRET, https: false, manageStock: true });
    await seedProducts(FAKE, "wc-stock", [
      ...Array.from({ length: 150 }, (_, index) => ({ id: 1000 + index, sku: `SKU-${index}`, manage_stock: true, stock_quantity: 1 })),
      { id: 500, type: "variable", sku: "TSHIRT" },
      { id: 501, parent_id: 500, sku: "TSHIRT-BLUE-M", manage_stock: true, stock_quantity: 0 },
    ]);
    const client = createWooClient({ storeUrl: storeBaseUrl(FAKE, "wc-stock"), consumerKey: KEY, consumerSecret: SECRET, fetch });
    const found = await client.productsBySku(["SKU-3", "TSHIRT-BLUE-M", "NOPE"]);
    expect(found.map((product) => [product.id, product.type, product.parent_id])).toEqual(
      expect.arrayContaining([
        [1003, "simple", 0],
        [501, "variation", 500],
      ]),
    );

    const results = await client.updateStock([
      ...Array.from({ length: 150 }, (_, index) => ({ id: 1000 + index, stockQuantity: index })),
      { id: 999_999, stockQuantity: 4 },
      { id: 501, parentId: 500, stockQuantity: 7 },
    ]);
    expect(results.filter((result) => result.ok)).toHaveLength(151);
    expect(results.find((result) => result.id === 999_999)).toMatchObject({ ok: false, error: "Invalid ID." });
    const batches = (await requestLog(FAKE, "wc-stock")).filter((entry) => entry.path.includes("/batch"));
    expect(batches.map((entry) => entry.path.split("?")[0].replace(/^.*\/wc\/v3/, ""))).toEqual([
      "/products/batch",
      "/products/batch",
      "/products/500/variations/batch",
    ]);
    const state = await productsState(FAKE, "wc-stock");
    expect(state.find((product) => product.id === 1149)!.stock_quantity).toBe(149);
    expect(state.find((product) => product.id === 501)!.stock_quantity).toBe(7);
  });

  it("waits out 429 + Retry-After, re-signing each attempt, and changes order status and notes", async () => {
    await configureStore(FAKE, "wc-429", { consumerKey: KEY, consumerSecret: SECRET, https: false, manageStock: true });
    await seedOrders(FAKE, "wc-429", [storeOrder(1457, minutesAgo(5))]);
    await injectFaults(FAKE, "wc-429", { status: 429, count: 2, retryAfter: 3, afterAuth: true });
    const waits: number[] = [];
    const client = createWooClient({
      storeUrl: storeBaseUrl(FAKE, "wc-429"),
      consumerKey: KEY,
      consumerSecret: SECRET,
      fetch,
      sleep: async (ms) => void waits.push(ms),
    });
    await client.updateOrderStatus("1457", "completed");
    await client.addOrderNote("1457", "Invoice INV-2026-00042 issued");
    expect(waits).toEqual([3000, 3000]);
    const statuses = (await requestLog(FAKE, "wc-429")).map((entry) => entry.status);
    expect(statuses).toEqual([429, 429, 200, 201]);
  });

  it("reports a refused key as a permanent error", async () => {
    await configureStore(FAKE, "wc-401", { consumerKey: KEY, consumerSecret: SECRET, https: false });
    const client = createWooClient({ storeUrl: storeBaseUrl(FAKE, "wc-401"), consumerKey: KEY, consumerSecret: "cs_wrong", fetch });
    await expect(client.webhooks()).rejects.toMatchObject({ status: 401, retryable: false, code: "woocommerce_rest_authentication_error" });
  });
});
