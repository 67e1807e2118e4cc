/**
 * WooCommerce trash and restore ordered by the store's time, not by when the webhooks arrive
 * (issue 14): WooCommerce queues its deliveries, so both may come after the restore, in either
 * order. A plain channel has only the webhooks; a Premium channel asks the store about a deletion.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { signWoo } from "../../src/channels/woocommerce/woocommerce-signature";
import { configureStore, requestLog, seedOrders, storeBaseUrl } from "../fakes/woocommerce-control";
import simpleOrder from "../fixtures/woocommerce/simple.body?raw";
import { api, createChannel, deliver, json } from "../helpers";

const WAIT = { timeout: 10_000, interval: 150 };
const SECRET = "wcInboxTestSecret2025-alnum-0123456789";
const FAKE = env.WOO_FAKE_URL;
const KEY = "ck_0123456789abcdef0123456789abcdef01234567";
const CS = "cs_76543210fedcba9876543210fedcba9876543210";

/** WooCommerce's GMT text (no zone) of a time some minutes ago. */
const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString().slice(0, 19);

/** The simple fixture as order `id` in `status`, last modified at `modifiedGmt`. */
function orderBody(id: number, status: string, modifiedGmt: string): string {
  return simpleOrder
    .replace(/^\{"id":\d+/, `{"id":${id}`)
    .replace(/"status":"[^"]+"/, `"status":"${status}"`)
    .replace(/"date_modified_gmt":"[^"]+"/, `"date_modified_gmt":"${modifiedGmt}"`);
}

let deliveries = 0;
async function webhook(token: string, secret: string, topic: string, body: string) {
  return deliver(token, body, {
    "content-type": "application/json",
    "x-wc-webhook-topic": topic,
    "x-wc-webhook-delivery-id": `d${++deliveries}${crypto.randomUUID().slice(0, 8)}`,
    "x-wc-webhook-signature": await signWoo(body, secret),
  });
}

const readOrder = async (orderId: string) => json(await api(`/api/orders/${orderId}`));
/** The order once processing has caught up with its last change (the inbox status follows the review). */
const settledOrder = (orderId: string) =>
  vi.waitFor(async () => {
    const order = await readOrder(orderId);
    expect(order.processing.state).toBe("done");
    return order;
  }, WAIT);
const newId = () => 5_000 + Math.floor(Math.random() * 1_000_000);

describe("a plain WooCommerce channel (the webhooks only)", () => {
  it("trash then restore, both delivered after the restore: the order ends restored, not cancelled", async () => {
    const channel = await createChannel("Woo state time", { type: "woocommerce", secret: SECRET });
    const id = newId();
    const created = await webhook(channel.token, SECRET, "order.created", orderBody(id, "processing", minutesAgo(30)));
    const { order_id: orderId } = await json(created);
    // Trashed 20 minutes ago and restored 10 minutes ago; WooCommerce's queue sends both only now.
    expect((await webhook(channel.token, SECRET, "order.deleted", JSON.stringify({ id }))).status).toBe(202);
    expect((await settledOrder(orderId)).status).toBe("cancelled");
    const restoredAt = minutesAgo(10);
    const restored = await webhook(channel.token, SECRET, "order.restored", orderBody(id, "processing", restoredAt));
    expect(restored.status).toBe(202);
    expect(await json(restored)).toEqual({ order_id: orderId, duplicate: false });
    const order = await settledOrder(orderId);
    expect(order.status).not.toBe("cancelled");
    expect(order.cancelled_at).toBeNull();
    expect(Date.parse(order.updated_at)).toBe(Date.parse(`${restoredAt}Z`));
  });

  it("a trash state older than the state held (order.updated in status trash, sent late) cancels nothing", async () => {
    const channel = await createChannel("Woo late trash", { type: "woocommerce", secret: SECRET });
    const id = newId();
    const { order_id: orderId } = await json(await webhook(channel.token, SECRET, "order.created", orderBody(id, "processing", minutesAgo(30))));
    expect((await webhook(channel.token, SECRET, "order.restored", orderBody(id, "processing", minutesAgo(10)))).status).toBe(202);
    await webhook(channel.token, SECRET, "order.updated", orderBody(id, "trash", minutesAgo(20)));
    const order = await settledOrder(orderId);
    expect(order.status).not.toBe("cancelled");
    expect(order.cancelled_at).toBeNull();
  });
});

describe("a WooCommerce Premium channel asks the store when an order went to the trash", () => {
  async function premium(storeKey: string) {
    await configureStore(FAKE, storeKey, { consumerKey: KEY, consumerSecret: CS, https: false, manageStock: true });
    return createChannel(`Store ${storeKey}`, { type: "woocommerce-premium", store_url: storeBaseUrl(FAKE, storeKey), consumer_key: KEY, consumer_secret: CS });
  }

  /** Waits until the deferred deletion is settled, and answers its outcome. */
  async function settled(channelId: string) {
    return vi.waitFor(async () => {
      const items = (await json(await api(`/api/deliveries?channel_id=${channelId}`))).items as Array<{ outcome: string; reason: string | null }>;
      const pending = items.filter((item) => item.outcome === "pending");
      expect(pending).toEqual([]);
      return items[0];
    }, WAIT);
  }

  it("restored before the deletion arrives: the store's current state wins, the order is not cancelled", async () => {
    const channel = await premium("wc-restored-first");
    const id = newId();
    const { order_id: orderId } = await json(await webhook(channel.token, channel.secret, "order.created", orderBody(id, "processing", minutesAgo(30))));
    // The store: trashed 20 minutes ago, restored 10 minutes ago. The restore's webhook comes first.
    const restoredState = orderBody(id, "processing", minutesAgo(10));
    await seedOrders(FAKE, "wc-restored-first", [restoredState]);
    expect((await webhook(channel.token, channel.secret, "order.restored", restoredState)).status).toBe(202);
    const deleted = await webhook(channel.token, channel.secret, "order.deleted", JSON.stringify({ id }));
    expect(deleted.status).toBe(200);
    await settled(channel.id);
    expect((await requestLog(FAKE, "wc-restored-first")).some((entry) => entry.method === "GET" && entry.path.split("?")[0].endsWith(`/orders/${id}`))).toBe(true);
    const order = await settledOrder(orderId);
    expect(order.status).not.toBe("cancelled");
    expect(order.cancelled_at).toBeNull();
  });

  it("still in the trash when the deletion arrives: cancelled as of the store's time, and a later restore brings it back", async () => {
    const channel = await premium("wc-trash-first");
    const id = newId();
    const { order_id: orderId } = await json(await webhook(channel.token, channel.secret, "order.created", orderBody(id, "processing", minutesAgo(30))));
    const trashedAt = minutesAgo(20);
    await seedOrders(FAKE, "wc-trash-first", [orderBody(id, "trash", trashedAt)]);
    expect((await webhook(channel.token, channel.secret, "order.deleted", JSON.stringify({ id }))).status).toBe(200);
    await settled(channel.id);
    const cancelled = await settledOrder(orderId);
    expect(cancelled.status).toBe("cancelled");
    const removed = cancelled.timeline.find((event: { kind: string }) => event.kind === "removed");
    expect(Date.parse(removed.data.removed_at)).toBe(Date.parse(`${trashedAt}Z`));
    // Restored 10 minutes ago (after the trash, before now): that state is newer than the removal.
    const restored = await webhook(channel.token, channel.secret, "order.restored", orderBody(id, "processing", minutesAgo(10)));
    expect(restored.status).toBe(202);
    expect(await json(restored)).toEqual({ order_id: orderId, duplicate: false });
    const order = await settledOrder(orderId);
    expect(order.status).not.toBe("cancelled");
    expect(order.cancelled_at).toBeNull();
  });

  it("the store no longer has the order (deleted for good): the deletion cancels the state held, as on a plain channel", async () => {
    const channel = await premium("wc-gone");
    const id = newId();
    const { order_id: orderId } = await json(await webhook(channel.token, channel.secret, "order.created", orderBody(id, "processing", minutesAgo(30))));
    expect((await webhook(channel.token, channel.secret, "order.deleted", JSON.stringify({ id }))).status).toBe(200);
    expect((await settled(channel.id)).outcome).toBe("accepted");
    const order = await settledOrder(orderId);
    expect(order.status).toBe("cancelled");
    // A restore the store sends later is newer than the state held: it brings the order back.
    expect((await webhook(channel.token, channel.secret, "order.restored", orderBody(id, "processing", minutesAgo(5)))).status).toBe(202);
    expect((await settledOrder(orderId)).status).not.toBe("cancelled");
  });
});
