import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { createMozelloClient } from "../../src/channels/mozello/mozello-api";
import { handleQueue, ORDER_QUEUE_NAME } from "../../src/jobs/consumer";
import { signMozello } from "../../src/channels/mozello/mozello-signature";
import {
  configureMozello,
  injectMozelloFaults,
  mozelloBaseUrl,
  mozelloNotifications,
  mozelloProducts,
  mozelloRequestLog,
  seedMozelloOrders,
  seedMozelloProducts,
} from "../fakes/mozello-control";
import cases from "../fixtures/mozello/cases.json";
import { api, createChannel, deliver, json } from "../helpers";

const FAKE = env.MOZELLO_FAKE_URL;
const KEY = "MZL-2475405-0123456789abcdef0123456789abcdef";
const files = import.meta.glob("../fixtures/mozello/*.body", { query: "?raw", import: "default", eager: true }) as Record<string, string>;
const fixture = (name: string) => files[`../fixtures/mozello/${name}.body`]!;
const headersOf = (name: string) => cases.find((entry) => entry.name === name)!.headers as Record<string, string>;
const sign = (body: string) => signMozello(body, KEY);

async function mozelloChannel(storeKey: string) {
  await configureMozello(FAKE, storeKey, { apiKey: KEY, alias: "koks" });
  return createChannel(`Mozello ${storeKey}`, { type: "mozello", secret: KEY, api_url: mozelloBaseUrl(FAKE, storeKey) });
}

async function notify(token: string, name: string) {
  const body = fixture(name);
  return deliver(token, body, { ...headersOf(name), "X-Mozello-Hash": await sign(body) });
}

const readOrder = async (orderId: string) => json(await api(`/api/orders/${orderId}`));

/** The order object of a notification fixture, as the Store API returns it. */
const orderText = (name: string) => JSON.stringify(JSON.parse(fixture(name)).order);

describe("a Mozello channel", () => {
  it("registers its URI for order notifications through the Store API", async () => {
    const channel = await mozelloChannel("mz-connect");
    const response = await api(`/api/channels/${channel.id}/connect`, { method: "POST" });
    expect(response.status).toBe(200);
    expect(await mozelloNotifications(FAKE, "mz-connect")).toEqual({
      notifications_url: channel.uri,
      notifications_wanted: ["ORDER_CREATED", "PAYMENT_CHANGED", "DISPATCH_CHANGED", "ORDER_DELETED"],
    });
  });

  it("stores each state once and keeps the furthest one, whatever order notifications come in", async () => {
    const channel = await mozelloChannel("mz-states");
    const paid = await notify(channel.token, "payment-changed");
    expect(paid.status).toBe(202);
    const { order_id: orderId } = await json(paid);
    const created = await notify(channel.token, "order-created");
    expect(await json(created)).toEqual({ order_id: orderId, duplicate: false, stale: true });
    expect(await json(await notify(channel.token, "payment-changed"))).toEqual({ order_id: orderId, duplicate: true });
    expect((await json(await notify(channel.token, "dispatch-changed"))).duplicate).toBe(false);
    expect((await readOrder(orderId)).financial_status).toBe("paid");
  });

  it("cancels the order on ORDER_DELETED and ignores product events", async () => {
    const channel = await mozelloChannel("mz-delete");
    const { order_id: orderId } = await json(await notify(channel.token, "order-created"));
    expect((await notify(channel.token, "order-deleted")).status).toBe(202);
    await vi.waitFor(async () => expect((await readOrder(orderId)).status).toBe("cancelled"), { timeout: 10_000, interval: 200 });
    const product = await notify(channel.token, "product-changed");
    expect(product.status).toBe(200);
    expect((await json(product)).ignored).toMatch(/PRODUCT_CHANGED/);
  });

  it("refuses a notification signed with another key", async () => {
    const channel = await mozelloChannel("mz-401");
    const body = fixture("order-created");
    const response = await deliver(channel.token, body, { ...headersOf("order-created"), "X-Mozello-Hash": await signMozello(body, "MZL-other") });
    expect(response.status).toBe(401);
  });

  it("finds missed orders and later payments by sweeping the Store API", async () => {
    const channel = await mozelloChannel("mz-sweep");
    const recent = (name: string, createdAt: string) => orderText(name).replace(/"created_at":"[^"]+"/, `"created_at":"${createdAt}"`);
    const now = new Date(Date.now() - 3_600_000).toISOString().slice(0, 19).replace("T", " ");
    await seedMozelloOrders(FAKE, "mz-sweep", [recent("discount", now), recent("exclusive-tax", now)]);

    const batch = createMessageBatch(ORDER_QUEUE_NAME, [{ id: "s", timestamp: new Date(), attempts: 1, body: { type: "channel.reconcile", channel_id: channel.id } }]);
    await handleQueue(batch, env, { now: Date.now, fetch: (input, init) => fetch(input, init), sleep: async () => undefined });
    await getQueueResult(batch, createExecutionContext());
    const report = await json(await api(`/api/channels/${channel.id}/reconciliation`));
    expect(report.runs[0]).toMatchObject({ status: "ok", orders_seen: 2, orders_created: 2 });
    const [request] = await mozelloRequestLog(FAKE, "mz-sweep");
    expect(decodeURIComponent(request.path)).toMatch(/^\/store\/orders\/\?page_size=100&filter=created_at>=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect(request.headers.authorization).toBe(`ApiKey ${KEY}`);
  });
});

describe("the Mozello Store API client", () => {
  it("spaces its requests to stay under 5 a second, and waits out a 429", async () => {
    await configureMozello(FAKE, "mz-rate", { apiKey: KEY });
    await injectMozelloFaults(FAKE, "mz-rate", { status: 429, count: 1, retryAfter: 1 });
    let clock = 0;
    const waits: number[] = [];
    const client = createMozelloClient({
      apiKey: KEY,
      baseUrl: mozelloBaseUrl(FAKE, "mz-rate"),
      fetch,
      now: () => clock,
      sleep: async (ms) => {
        waits.push(ms);
        clock += ms;
      },
    });
    await client.notifications();
    await client.notifications();
    expect(waits).toEqual([1000, 220]);
  });

  it("sets stock by SKU in batches of at most 1000", async () => {
    await configureMozello(FAKE, "mz-stock", { apiKey: KEY, ratePerSecond: 0 });
    await seedMozelloProducts(FAKE, "mz-stock", [{ handle: "uid-1", sku: "KK-01", stock: 1 }]);
    const client = createMozelloClient({ apiKey: KEY, baseUrl: mozelloBaseUrl(FAKE, "mz-stock"), fetch, sleep: async () => undefined });
    await client.updateStockBySku([{ sku: "KK-01", stock: 7 }, ...Array.from({ length: 1200 }, (_, index) => ({ sku: `NONE-${index}`, stock: 1 }))]);
    const batches = (await mozelloRequestLog(FAKE, "mz-stock")).filter((entry) => entry.path.includes("batch_update_by_sku"));
    expect(batches).toHaveLength(2);
    expect((await mozelloProducts(FAKE, "mz-stock"))[0].stock).toBe(7);
  });
});
