import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { createMozelloClient } from "../../src/channels/mozello/mozello-api";
import { mozelloStockPusher } from "../../src/channels/mozello/mozello-stock";
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
  type FakeMozelloConfig,
} from "../fakes/mozello-control";
import cases from "../fixtures/mozello/cases.json";
import { api, createChannel, deliver, json } from "../helpers";

const FAKE = env.MOZELLO_FAKE_URL;
const KEY = "MZL-2475405-0123456789abcdef0123456789abcdef";
const files = import.meta.glob("../fixtures/mozello/*.body", { query: "?raw", import: "default", eager: true }) as Record<string, string>;
const fixture = (name: string) => files[`../fixtures/mozello/${name}.body`]!;
const headersOf = (name: string) => cases.find((entry) => entry.name === name)!.headers as Record<string, string>;
const sign = (body: string) => signMozello(body, KEY);

async function mozelloChannel(storeKey: string, config: Partial<FakeMozelloConfig> = {}) {
  await configureMozello(FAKE, storeKey, { apiKey: KEY, alias: "koks", ...config });
  return createChannel(`Mozello ${storeKey}`, { type: "mozello", secret: KEY, api_url: mozelloBaseUrl(FAKE, storeKey) });
}

async function notify(token: string, name: string) {
  const body = fixture(name);
  return deliver(token, body, { ...headersOf(name), "X-Mozello-Hash": await sign(body) });
}

const readOrder = async (orderId: string) => json(await api(`/api/orders/${orderId}`));
const documentsOf = async (orderId: string) => (await json(await api(`/api/documents?order_id=${orderId}`))).items as any[];
const WAIT = { timeout: 15_000, interval: 150 };

/** The order's invoice once automation has executed it and added its payment. */
async function paidInvoice(orderId: string) {
  return vi.waitFor(async () => {
    const [invoice] = await documentsOf(orderId);
    expect(invoice?.status).toBe("executed");
    const read = await json(await api(`/api/documents/${invoice.id}`));
    expect(read.payments).toHaveLength(1);
    return read;
  }, WAIT);
}

async function sweep(channelId: string) {
  const batch = createMessageBatch(ORDER_QUEUE_NAME, [{ id: crypto.randomUUID(), timestamp: new Date(), attempts: 1, body: { type: "channel.reconcile", channel_id: channelId } }]);
  await handleQueue(batch, env, { now: Date.now, fetch: (input, init) => fetch(input, init), sleep: async () => undefined });
  await getQueueResult(batch, createExecutionContext());
  return (await json(await api(`/api/channels/${channelId}/reconciliation`))).runs[0];
}

/** The order object of a notification fixture, as the Store API returns it. */
const orderText = (name: string) => JSON.stringify(JSON.parse(fixture(name)).order);

describe("a Mozello channel", () => {
  it("refuses to take over a notification URL another app set, unless the merchant confirms", async () => {
    const other = { notifications_url: "https://erp.example/mozello/hook", notifications_wanted: ["ORDER_CREATED"] };
    const channel = await mozelloChannel("mz-taken", { notifications: other });
    const refused = await api(`/api/channels/${channel.id}/connect`, { method: "POST" });
    expect(refused.status).toBe(409);
    expect((await json(refused)).error).toMatchObject({ code: "notification_url_taken", message: expect.stringContaining("https://erp.example/mozello/hook") });
    expect(await mozelloNotifications(FAKE, "mz-taken")).toEqual(other);
    const forced = await api(`/api/channels/${channel.id}/connect`, { method: "POST", json: { force: true } });
    expect(forced.status).toBe(200);
    expect((await mozelloNotifications(FAKE, "mz-taken")).notifications_url).toBe(channel.uri);
    // Connecting again finds its own URL: nothing to confirm.
    expect((await api(`/api/channels/${channel.id}/connect`, { method: "POST" })).status).toBe(200);
  });

  it("registers its URI for order notifications through the Store API", async () => {
    const channel = await mozelloChannel("mz-connect");
    const response = await api(`/api/channels/${channel.id}/connect`, { method: "POST" });
    expect(response.status).toBe(200);
    expect(await mozelloNotifications(FAKE, "mz-connect")).toEqual({
      notifications_url: channel.uri,
      notifications_wanted: ["ORDER_CREATED", "PAYMENT_CHANGED", "DISPATCH_CHANGED", "ORDER_DELETED"],
    });
  });

  it("keeps a paid state when ORDER_CREATED comes late, and stores each delivery once", async () => {
    const channel = await mozelloChannel("mz-states");
    const paid = await notify(channel.token, "payment-changed");
    expect(paid.status).toBe(202);
    const { order_id: orderId } = await json(paid);
    const created = await notify(channel.token, "order-created");
    expect(await json(created)).toEqual({ order_id: orderId, duplicate: false, stale: true });
    expect((await json(await notify(channel.token, "dispatch-changed"))).duplicate).toBe(false);
    expect((await readOrder(orderId)).financial_status).toBe("paid");
  });

  it("takes every real Mozello delivery of the corpus through the route, signed as Mozello signs", async () => {
    const channel = await mozelloChannel("mz-corpus");
    for (const name of ["real-payment-changed-19", "real-payment-changed-21", "real-order-created", "real-payment-changed", "real-dispatch-changed"]) {
      const response = await notify(channel.token, name);
      expect([name, response.status]).toEqual([name, 202]);
    }
    const order = await readOrder((await json(await notify(channel.token, "real-dispatch-changed"))).order_id);
    expect(order).toMatchObject({ financial_status: "paid", warnings: [] });
    expect(order.prices_include_tax).toBe(false);
  });

  it("holds a paid, invoiced order for a person when Mozello moves its payment back to pending", async () => {
    const channel = await mozelloChannel("mz-revert");
    await notify(channel.token, "real-order-created");
    const { order_id: orderId } = await json(await notify(channel.token, "real-payment-changed"));
    const invoice = await paidInvoice(orderId);
    const reverted = await notify(channel.token, "payment-reverted");
    expect(await json(reverted)).toMatchObject({ order_id: orderId, duplicate: false });
    const held = await vi.waitFor(async () => {
      const order = await readOrder(orderId);
      expect(order.status).toBe("needs_attention");
      return order;
    }, WAIT);
    expect(held.financial_status).toBe("pending");
    expect(held.warnings).toEqual([
      { code: "payment_reverted", message: "The payment was reverted to pending in Mozello after the invoice was paid: remove or reverse the payment by hand" },
    ]);
    // Nothing undone behind the bookkeeper's back: the payment stays, no credit note.
    expect((await documentsOf(orderId)).map((document) => [document.type, document.status])).toEqual([["invoice", "executed"]]);
    expect((await json(await api(`/api/documents/${invoice.id}`))).payments).toHaveLength(1);
  });

  it("holds the order instead of crediting it when Mozello marks its payment failed after the invoice was paid", async () => {
    const channel = await mozelloChannel("mz-failed");
    const { order_id: orderId } = await json(await notify(channel.token, "real-payment-changed"));
    await paidInvoice(orderId);
    await notify(channel.token, "payment-failed");
    const held = await vi.waitFor(async () => {
      const order = await readOrder(orderId);
      expect(order.status).toBe("needs_attention");
      return order;
    }, WAIT);
    expect(held.warnings[0]).toMatchObject({ code: "payment_reverted", message: expect.stringMatching(/reverted to failed in Mozello/) });
    expect((await documentsOf(orderId)).filter((document) => document.type === "credit_note")).toEqual([]);
  });

  it("does not credit a paid, dispatched, archived order that Mozello deletes (housekeeping): a person decides", async () => {
    const channel = await mozelloChannel("mz-housekeeping");
    await notify(channel.token, "real-order-created");
    const { order_id: orderId } = await json(await notify(channel.token, "real-payment-changed"));
    await paidInvoice(orderId);
    await notify(channel.token, "real-dispatch-changed");
    expect((await notify(channel.token, "real-order-deleted-archived")).status).toBe(202);
    const held = await vi.waitFor(async () => {
      const order = await readOrder(orderId);
      expect(order.status).toBe("needs_attention");
      return order;
    }, WAIT);
    expect(held.warnings[0]).toMatchObject({ code: "paid_order_deleted", message: expect.stringMatching(/deleted in Mozello after its invoice was paid/) });
    expect((await documentsOf(orderId)).filter((document) => document.type === "credit_note")).toEqual([]);
    // A person who says it was a cancellation gets the credit note by processing it.
    await api(`/api/orders/${orderId}/process`, { method: "POST", json: {} });
    expect((await documentsOf(orderId)).filter((document) => document.type === "credit_note")).toHaveLength(1);
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

  it("sweeps by modified_at, archived orders included (a paid, dispatched order is archived at once)", async () => {
    const channel = await mozelloChannel("mz-sweep");
    const recent = (name: string, createdAt: string) => orderText(name).replace(/"created_at":"[^"]+"/, `"created_at":"${createdAt}"`);
    const now = new Date(Date.now() - 3_600_000).toISOString().slice(0, 19).replace("T", " ");
    await seedMozelloOrders(FAKE, "mz-sweep", [recent("discount", now), recent("exclusive-tax", now), recent("real-dispatch-changed", now)]);

    expect(await sweep(channel.id)).toMatchObject({ status: "ok", orders_seen: 3, orders_created: 3 });
    const requests = (await mozelloRequestLog(FAKE, "mz-sweep")).map((entry) => decodeURIComponent(entry.path));
    expect(requests).toHaveLength(2);
    expect(requests[0]).toMatch(/^\/store\/orders\/\?page_size=100&archived=false&filter=modified_at>=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect(requests[1]).toMatch(/archived=true&filter=modified_at>=/);
    // A known state read again stores nothing.
    expect(await sweep(channel.id)).toMatchObject({ status: "ok", orders_seen: 3, orders_created: 0, orders_updated: 0 });
  });

  it("sweeps by created_at over the look-back where Mozello refuses a modified_at filter", async () => {
    const channel = await mozelloChannel("mz-sweep-created", { orderFilters: ["created_at"] });
    const now = new Date(Date.now() - 3 * 86_400_000).toISOString().slice(0, 19).replace("T", " ");
    await seedMozelloOrders(FAKE, "mz-sweep-created", [orderText("real-dispatch-changed").replace(/"created_at":"[^"]+"/, `"created_at":"${now}"`)]);
    expect(await sweep(channel.id)).toMatchObject({ status: "ok", orders_seen: 1, orders_created: 1 });
    const requests = (await mozelloRequestLog(FAKE, "mz-sweep-created")).map((entry) => [entry.status, decodeURIComponent(entry.path).match(/filter=(\w+)/)![1]]);
    expect(requests).toEqual([
      [400, "modified_at"],
      [200, "created_at"],
      [200, "created_at"],
    ]);
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

  it.each(["link", "uri"] as const)("follows Mozello's next page (%s: a full next_page_link URL, or a relative next_page_uri)", async (nextPage) => {
    const key = `mz-pages-${nextPage}`;
    await configureMozello(FAKE, key, { apiKey: KEY, ratePerSecond: 0, nextPage });
    const created = (index: number) => `2026-01-0${index} 10:00:00`;
    await seedMozelloOrders(FAKE, key, [1, 2, 3].map((index) => orderText("real-order-created").replace(/"order_id":"[^"]+"/, `"order_id":"M-2475405-${index}"`).replace(/"created_at":"[^"]+"/, `"created_at":"${created(index)}"`)));
    const client = createMozelloClient({ apiKey: KEY, baseUrl: mozelloBaseUrl(FAKE, key), fetch, sleep: async () => undefined });
    const pages: string[][] = [];
    for await (const page of client.orders({ field: "created_at", since: new Date("2026-01-01T00:00:00Z"), archived: false }, 2)) {
      pages.push(page.map((order) => (order as { order_id: string }).order_id));
    }
    expect(pages).toEqual([["M-2475405-1", "M-2475405-2"], ["M-2475405-3"]]);
    expect((await mozelloRequestLog(FAKE, key)).map((entry) => entry.status)).toEqual([200, 200]);
  });

  it("never counts a SKU as set when Mozello's batch answer has no per-item results", async () => {
    await configureMozello(FAKE, "mz-unconfirmed", { apiKey: KEY, ratePerSecond: 0, batchResults: "none" });
    await seedMozelloProducts(FAKE, "mz-unconfirmed", [{ handle: "uid-1", sku: "KK-01", stock: 1 }]);
    const source = { settings: { api_url: mozelloBaseUrl(FAKE, "mz-unconfirmed") }, credentials: {}, signingSecret: KEY, fetch, now: Date.now(), sleep: async () => undefined };
    const outcomes = await mozelloStockPusher.push(source, {}, [{ sku: "KK-01", quantity: 7, ref: null }, { sku: "NONE-1", quantity: 2, ref: null }], "run");
    expect(outcomes).toEqual([
      { sku: "KK-01", result: "retry", reason: expect.stringMatching(/^unconfirmed/) },
      { sku: "NONE-1", result: "retry", reason: expect.stringMatching(/^unconfirmed/) },
    ]);
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
