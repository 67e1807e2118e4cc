import { createExecutionContext, createMessageBatch, createScheduledController, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { signShopify } from "../../src/channels/shopify/shopify-signature";
import worker from "../../src/index";
import { handleQueue, ORDER_QUEUE_NAME } from "../../src/jobs/consumer";
import { EVERY_MINUTE } from "../../src/jobs/schedule";
import { utf8 } from "../../src/lib/encoding";
import { configureShop, injectFaults, requestLog, seedOrders, shopBaseUrl } from "../fakes/shopify-control";
import refundFixture from "../fixtures/shopify/refund.json?raw";
import simpleOrder from "../fixtures/shopify/simple.json?raw";
import { api, createChannel, deliver, json } from "../helpers";

afterEach(() => vi.restoreAllMocks());

const FAKE = env.SHOPIFY_FAKE_URL;
const TOKEN = "shpat_reconcile_test_token";
const KEY = "shop-signing-key-for-reconciliation";

/** A Shopify order (the simple fixture's shape) with its own id, number and updated time, as raw JSON text. */
function storeOrder(id: string, updatedAt: string, extra: { note?: string } = {}): string {
  return simpleOrder
    .replace(/"id":\d+,"admin_graphql_api_id":"gid:\\\/\\\/shopify\\\/Order\\\/\d+"/, `"id":${id},"admin_graphql_api_id":"gid:\\/\\/shopify\\/Order\\/${id}"`)
    .replace(/"updated_at":"[^"]+"/, `"updated_at":"${updatedAt}"`)
    .replace(/"name":"#\d+"/, `"name":"#${id.slice(-4)}"`)
    .replace(/"note":(null|"[^"]*")/, `"note":${JSON.stringify(extra.note ?? null)}`);
}

const recent = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();

async function reconcilableChannel(shopKey: string, bucket: { bucketSize?: number; leakPerSecond?: number } = {}) {
  await configureShop(FAKE, shopKey, { accessToken: TOKEN, ...bucket });
  return createChannel(`Shop ${shopKey}`, { type: "shopify", secret: KEY, shop_domain: shopBaseUrl(FAKE, shopKey), access_token: TOKEN });
}

/**
 * Runs a sweep the way the queue does: one channel.reconcile message through the real consumer,
 * over real HTTP to the fake shop. Only the waiting between retries is cut short.
 */
async function sweep(channelId: string, sleep: (ms: number) => Promise<void> = async () => undefined) {
  const batch = createMessageBatch(ORDER_QUEUE_NAME, [{ id: "sweep-1", timestamp: new Date(), attempts: 1, body: { type: "channel.reconcile", channel_id: channelId } }]);
  const retry = vi.spyOn(batch.messages[0], "retry");
  await handleQueue(batch, env, { now: Date.now, fetch: (input, init) => fetch(input, init), sleep });
  const result = await getQueueResult(batch, createExecutionContext());
  const report = await json(await api(`/api/channels/${channelId}/reconciliation`));
  return { acked: result.explicitAcks.includes("sweep-1"), retried: retry.mock.calls.length > 0, report, run: report.runs[0] };
}

const orderIdsOf = async (channelId: string) =>
  (await env.DB.prepare("SELECT external_id FROM orders WHERE channel_id = ? ORDER BY external_id").bind(channelId).all<{ external_id: string }>()).results.map(
    (row) => row.external_id,
  );

describe("Shopify reconciliation", () => {
  it("finds the order whose webhook never came, and duplicates nothing that did come", async () => {
    const channel = await reconcilableChannel("recon-basic");
    // Inside the overlap a second sweep re-reads (15 minutes), so both sweeps see both orders.
    const delivered = storeOrder("9007199254740993", recent(10));
    const missed = storeOrder("9007199254740995", recent(5));
    await seedOrders(FAKE, "recon-basic", [delivered, missed]);
    const webhook = await deliver(channel.token, delivered, {
      "content-type": "application/json",
      "x-shopify-topic": "orders/create",
      "x-shopify-event-id": crypto.randomUUID(),
      "x-shopify-hmac-sha256": await signShopify(utf8.encode(delivered), KEY),
    });
    expect(webhook.status).toBe(202);

    const first = await sweep(channel.id);
    expect(first.acked).toBe(true);
    expect(first.run).toMatchObject({ status: "ok", pages: 1, orders_seen: 2, orders_created: 1, orders_updated: 0, error: null });
    expect(first.report.orders).toEqual({ total: 2, seen_by_webhook: 1, found_only_by_reconciliation: 1 });
    expect(await orderIdsOf(channel.id)).toEqual(["9007199254740993", "9007199254740995"]);

    const [{ path }] = await requestLog(FAKE, "recon-basic");
    expect(path).toMatch(/^\/admin\/api\/2026-07\/orders\.json\?status=any&updated_at_min=[^&]+&limit=250$/);

    // Overlapping sweeps find the same states: no new orders, no new timeline entries.
    const eventsBefore = await env.DB.prepare("SELECT count(*) AS n FROM order_events WHERE channel_id = ?").bind(channel.id).first<{ n: number }>();
    const second = await sweep(channel.id);
    expect(second.run).toMatchObject({ status: "ok", orders_seen: 2, orders_created: 0, orders_updated: 0 });
    const eventsAfter = await env.DB.prepare("SELECT count(*) AS n FROM order_events WHERE channel_id = ?").bind(channel.id).first<{ n: number }>();
    expect(eventsAfter!.n).toBe(eventsBefore!.n);
  });

  it("applies a newer state found by the sweep when its orders/updated webhook was lost", async () => {
    const channel = await reconcilableChannel("recon-update");
    await seedOrders(FAKE, "recon-update", [storeOrder("5001", recent(40))]);
    await sweep(channel.id);
    await seedOrders(FAKE, "recon-update", [storeOrder("5001", recent(5), { note: "Leave at reception" })]);
    const result = await sweep(channel.id);
    expect(result.run).toMatchObject({ orders_created: 0, orders_updated: 1 });
    const [row] = (await json(await api(`/api/orders?channel_id=${channel.id}`))).items;
    expect(row.note).toBe("Leave at reception");
  });

  it("stores the refunds a swept order carries, and a later refunds/create is a duplicate", async () => {
    const channel = await reconcilableChannel("recon-refund");
    const refund = refundFixture;
    const order = storeOrder("6431184420867", recent(5)).replace('"refunds":[]', `"refunds":[${refund}]`);
    await seedOrders(FAKE, "recon-refund", [order]);
    await sweep(channel.id);
    const [listed] = (await json(await api(`/api/orders?channel_id=${channel.id}`))).items;
    const detail = await json(await api(`/api/orders/${listed.id}`));
    expect(detail.timeline.filter((event: { kind: string; origin: string }) => event.kind === "refund" && event.origin === "reconciliation")).toHaveLength(1);

    const webhook = await deliver(channel.token, refund, {
      "content-type": "application/json",
      "x-shopify-topic": "refunds/create",
      "x-shopify-hmac-sha256": await signShopify(utf8.encode(refund), KEY),
    });
    expect(await json(webhook)).toEqual({ order_id: listed.id, duplicate: true });
  });

  it("follows Link pagination through every page", async () => {
    const channel = await reconcilableChannel("recon-pages");
    await seedOrders(
      FAKE,
      "recon-pages",
      Array.from({ length: 260 }, (_, index) => storeOrder(String(7_000_000 + index), recent(60 - index / 10))),
    );
    const result = await sweep(channel.id);
    expect(result.run).toMatchObject({ status: "ok", pages: 2, orders_seen: 260, orders_created: 260 });
    const log = await requestLog(FAKE, "recon-pages");
    expect(log).toHaveLength(2);
    expect(log[1].path).toMatch(/page_info=/);
    expect(log[1].path).not.toMatch(/status=|updated_at_min=/);
  });

  it("waits out 429 + Retry-After and finishes the sweep", async () => {
    const channel = await reconcilableChannel("recon-429");
    await seedOrders(FAKE, "recon-429", [storeOrder("6001", recent(10))]);
    await injectFaults(FAKE, "recon-429", { status: 429, count: 2, retryAfter: "1.5" });
    const waits: number[] = [];
    const result = await sweep(channel.id, async (ms) => void waits.push(ms));
    expect(waits).toEqual([1500, 1500]);
    expect(result.run).toMatchObject({ status: "ok", requests: 3, orders_created: 1 });
    const statuses = (await requestLog(FAKE, "recon-429")).map((entry) => entry.status);
    expect(statuses).toEqual([429, 429, 200]);
  });

  it("paces itself by the call-limit header instead of running into the bucket", async () => {
    await configureShop(FAKE, "recon-bucket", { accessToken: TOKEN, bucketSize: 2, leakPerSecond: 4 });
    await seedOrders(
      FAKE,
      "recon-bucket",
      Array.from({ length: 12 }, (_, index) => storeOrder(String(8_000_000 + index), recent(30 - index))),
    );
    // Small pages make many requests against a two-request bucket.
    const { createShopifyClient } = await import("../../src/channels/shopify/shopify-api");
    const client = createShopifyClient({ baseUrl: shopBaseUrl(FAKE, "recon-bucket"), accessToken: TOKEN, apiVersion: "2026-07", fetch });
    let seen = 0;
    for await (const page of client.ordersUpdatedSince(new Date(Date.now() - 3_600_000), 2)) seen += page.orders.length;
    expect(seen).toBe(12);
    const log = await requestLog(FAKE, "recon-bucket");
    expect(log.every((entry) => entry.status === 200)).toBe(true);
    expect(log).toHaveLength(6);
  });

  it("records a sweep refused for a bad token as failed, without retrying it", async () => {
    const channel = await reconcilableChannel("recon-401");
    await api(`/api/channels/${channel.id}`, { method: "PATCH", json: { access_token: "shpat_revoked_token_value" } });
    const result = await sweep(channel.id);
    expect(result.acked).toBe(true);
    expect(result.retried).toBe(false);
    expect(result.run).toMatchObject({ status: "failed", error: expect.stringContaining("Shopify answered 401") });
  });

  it("retries a sweep when the shop keeps failing with 5xx, and keeps the cursor where it was", async () => {
    const channel = await reconcilableChannel("recon-503");
    await injectFaults(FAKE, "recon-503", { status: 503, count: 20 });
    const waits: number[] = [];
    const result = await sweep(channel.id, async (ms) => void waits.push(ms));
    expect(waits).toEqual([1000, 2000, 4000, 8000, 16000]);
    expect(result.retried).toBe(true);
    expect(result.run).toMatchObject({ status: "failed", error: expect.stringContaining("503") });
    const row = await env.DB.prepare("SELECT reconcile_cursor FROM channels WHERE id = ?").bind(channel.id).first<{ reconcile_cursor: number | null }>();
    expect(row!.reconcile_cursor).toBeNull();
  });
});

describe("the minute cron queues due sweeps", () => {
  it("queues a channel with credentials once per interval, and never one without", async () => {
    const due = await reconcilableChannel("recon-cron");
    const webhookOnly = await createChannel("No API", { type: "shopify", secret: KEY });
    const sent = vi.spyOn(env.ORDER_QUEUE, "sendBatch").mockImplementation(async () => ({}) as never);
    const queued = () => sent.mock.calls.flatMap((call) => Array.from(call[0], (message) => (message.body as { channel_id?: string }).channel_id));

    const now = Date.now();
    await worker.scheduled(createScheduledController({ cron: EVERY_MINUTE, scheduledTime: now }), env);
    expect(queued()).toContain(due.id);
    expect(queued()).not.toContain(webhookOnly.id);

    sent.mockClear();
    await worker.scheduled(createScheduledController({ cron: EVERY_MINUTE, scheduledTime: now + 60_000 }), env);
    expect(queued()).not.toContain(due.id);

    await worker.scheduled(createScheduledController({ cron: EVERY_MINUTE, scheduledTime: now + 16 * 60_000 }), env);
    expect(queued()).toContain(due.id);
  });

  it("can be asked for a sweep now through the API", async () => {
    const channel = await reconcilableChannel("recon-now");
    const sent = vi.spyOn(env.ORDER_QUEUE, "send").mockImplementation(async () => ({}) as never);
    const response = await api(`/api/channels/${channel.id}/reconcile`, { method: "POST" });
    expect(response.status).toBe(202);
    expect(sent).toHaveBeenCalledWith({ type: "channel.reconcile", channel_id: channel.id });
    const webhookOnly = await createChannel("No API", { type: "shopify", secret: KEY });
    expect((await api(`/api/channels/${webhookOnly.id}/reconcile`, { method: "POST" })).status).toBe(409);
  });
});
