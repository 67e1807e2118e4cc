import { describe, expect, it, vi } from "vitest";
import { signWoo } from "../../src/channels/woocommerce/woocommerce-signature";
import cases from "../fixtures/woocommerce/cases.json";
import { api, createChannel, deliver, json } from "../helpers";

const files = import.meta.glob("../fixtures/woocommerce/*.{body,json}", { query: "?raw", import: "default", eager: true }) as Record<string, string>;
const fixture = (file: string) => files[`../fixtures/woocommerce/${file}`]!;
const headersOf = (name: string) => cases.find((entry) => entry.name === name)!.headers as Record<string, string>;
const SECRET = "wcInboxTestSecret2025-alnum-0123456789";

async function wooChannel() {
  return createChannel("Veikals", { type: "woocommerce", secret: SECRET });
}

async function webhook(token: string, name: string, extra: Record<string, string> = {}) {
  const body = fixture(`${name}.body`);
  const signature: Record<string, string> = name === "ping" ? {} : { "X-WC-Webhook-Signature": await signWoo(body, SECRET) };
  return deliver(token, body, { ...headersOf(name), ...signature, ...extra });
}

const readOrder = async (orderId: string) => json(await api(`/api/orders/${orderId}`));
const ordersOf = async (channelId: string) => (await json(await api(`/api/orders?channel_id=${channelId}`))).items;

describe("a WooCommerce channel", () => {
  it("answers the ping with exactly 200, logs it, and stores nothing", async () => {
    const channel = await wooChannel();
    const response = await webhook(channel.token, "ping");
    expect(response.status).toBe(200);
    expect((await json(response)).ignored).toMatch(/ping/);
    expect(await ordersOf(channel.id)).toEqual([]);
    const [logged] = (await json(await api(`/api/deliveries?channel_id=${channel.id}`))).items;
    expect(logged).toMatchObject({ outcome: "ignored", http_status: 200 });
  });

  it("refuses any other unsigned request with 401", async () => {
    const channel = await wooChannel();
    const response = await deliver(channel.token, fixture("simple.body"), headersOf("simple"));
    expect(response.status).toBe(401);
    expect(await ordersOf(channel.id)).toEqual([]);
  });

  it("stores an order once per state, whatever the delivery id says", async () => {
    const channel = await wooChannel();
    const first = await webhook(channel.token, "simple");
    expect(first.status).toBe(202);
    const { order_id: orderId } = await json(first);
    // The same state again, as WooCommerce's coalesced order.updated would send it.
    const again = await webhook(channel.token, "simple", { "X-WC-Webhook-Topic": "order.updated", "X-WC-Webhook-Delivery-ID": "f".repeat(32) });
    expect(await json(again)).toEqual({ order_id: orderId, duplicate: true });
    await vi.waitFor(async () => expect((await readOrder(orderId)).processing.state).toBe("done"), { timeout: 10_000, interval: 200 });
    expect((await readOrder(orderId)).status).toBe("new");
  });

  it("stores an order with its refunds from one delivery, in one batch", async () => {
    const channel = await wooChannel();
    const response = await webhook(channel.token, "partial-refund");
    expect(response.status).toBe(202);
    const order = await readOrder((await json(response)).order_id);
    const expected = JSON.parse(fixture("partial-refund.expected.json"));
    expect(order.financial_status).toBe("partially_refunded");
    expect(order.timeline.filter((event: { kind: string }) => event.kind === "refund").map((event: { data: unknown }) => event.data)).toEqual(expected.refunds);
  });

  it("creates nothing for a checkout draft", async () => {
    const channel = await wooChannel();
    const response = await webhook(channel.token, "draft");
    expect(response.status).toBe(200);
    expect((await json(response)).ignored).toMatch(/draft/);
    expect(await ordersOf(channel.id)).toEqual([]);
  });

  it("cancels an order moved to the trash (order.deleted), and a restore brings it back", async () => {
    const channel = await wooChannel();
    // The fixture deletes order 1461; store that order first from the variation fixture's shape.
    const body = fixture("variation.body").replace(/^\{"id":\d+/, '{"id":1461');
    const created = await deliver(channel.token, body, { ...headersOf("variation"), "X-WC-Webhook-Signature": await signWoo(body, SECRET) });
    const { order_id: orderId } = await json(created);
    await vi.waitFor(async () => expect((await readOrder(orderId)).processing.state).toBe("done"), { timeout: 10_000, interval: 200 });

    const deleted = await webhook(channel.token, "deleted");
    expect(deleted.status).toBe(202);
    await vi.waitFor(async () => expect((await readOrder(orderId)).status).toBe("cancelled"), { timeout: 10_000, interval: 200 });
    expect((await readOrder(orderId)).timeline.map((event: { kind: string }) => event.kind)).toContain("removed");

    const restoredBody = body.replace(/"date_modified_gmt":"[^"]+"/, '"date_modified_gmt":"2099-01-01T00:00:00"');
    const restored = await deliver(channel.token, restoredBody, {
      ...headersOf("variation"),
      "X-WC-Webhook-Topic": "order.restored",
      "X-WC-Webhook-Signature": await signWoo(restoredBody, SECRET),
    });
    expect(restored.status).toBe(202);
    await vi.waitFor(async () => expect((await readOrder(orderId)).status).toBe("new"), { timeout: 10_000, interval: 200 });
  });
});
