import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { signShopify } from "../../src/channels/shopify/shopify-signature";
import { utf8 } from "../../src/lib/encoding";
import cases from "../fixtures/shopify/cases.json";
import { api, createChannel, deliver, json } from "../helpers";

const files = import.meta.glob("../fixtures/shopify/*.{json,xml}", { query: "?raw", import: "default", eager: true }) as Record<string, string>;
const fixture = (file: string) => files[`../fixtures/shopify/${file}`]!;
const caseHeaders = (name: string) => cases.find((entry) => entry.name === name)!.headers as Record<string, string>;

const SIGNING_KEY = "3a9f0c2e4b7d1f6a8c5e0b2d4f6a8c0e2b4d6f8a0c2e4b6d8f0a2c4e6b8d0f2a";

async function shopifyChannel() {
  return createChannel("Atelier Lumen", { type: "shopify", secret: SIGNING_KEY });
}

/** A webhook exactly as Shopify sends it: the fixture's bytes, its headers, signed with the shop key. */
async function webhook(token: string, name: string, format: "json" | "xml" = "json", overrides: Record<string, string> = {}) {
  const body = fixture(`${name}.${format}`);
  return deliver(token, body, {
    ...caseHeaders(name),
    "content-type": format === "json" ? "application/json" : "application/xml",
    "x-shopify-hmac-sha256": await signShopify(utf8.encode(body), SIGNING_KEY),
    ...overrides,
  });
}

const readOrder = async (orderId: string) => json(await api(`/api/orders/${orderId}`));

describe("a Shopify channel", () => {
  it("is created with the signing key the merchant pastes, and never shows its access token", async () => {
    const response = await api("/api/channels", {
      method: "POST",
      json: { type: "shopify", name: "Lumen", secret: SIGNING_KEY, shop_domain: "Atelier-Lumen.myshopify.com", access_token: "shpat_0123456789abcdef" },
    });
    expect(response.status).toBe(201);
    const channel = await json(response);
    expect(channel.settings).toEqual({ shop_domain: "atelier-lumen.myshopify.com" });
    expect(channel.setup.join("\n")).toContain(`Event "Order creation", Format "XML" (or "JSON"), URL ${channel.uri}`);
    expect(channel.credentials).toEqual(["access_token"]);
    expect(JSON.stringify(await json(await api(`/api/channels/${channel.id}`)))).not.toContain("shpat_0123456789abcdef");
    const row = await env.DB.prepare("SELECT sealed_settings FROM channels WHERE id = ?").bind(channel.id).first<{ sealed_settings: string }>();
    expect(row!.sealed_settings).toMatch(/^v1\./);
    expect(row!.sealed_settings).not.toContain("shpat_");

    const removed = await json(await api(`/api/channels/${channel.id}`, { method: "PATCH", json: { access_token: null } }));
    expect(removed.credentials).toEqual([]);
  });

  it("refuses a shop domain that is not a myshopify.com domain", async () => {
    const response = await api("/api/channels", { method: "POST", json: { type: "shopify", name: "x", shop_domain: "evil.example.com" } });
    expect(response.status).toBe(400);
    expect((await json(response)).error.message).toMatch(/^shop_domain: must be the shop's myshopify.com domain/);
  });

  it.each(["simple", "eu-vat", "taxes-included", "presentment", "jpy", "no-customer", "test-notification", "cancelled"])(
    "stores the %s order from its JSON webhook, and its XML twin is the same event",
    async (name) => {
      const channel = await shopifyChannel();
      const first = await webhook(channel.token, name);
      expect(first.status).toBe(202);
      const { order_id: orderId } = await json(first);
      const twin = await webhook(channel.token, name, "xml", { "x-shopify-webhook-id": crypto.randomUUID() });
      expect(await json(twin)).toEqual({ order_id: orderId, duplicate: true });

      const order = await readOrder(orderId);
      const expected = JSON.parse(fixture(`${name}.expected.json`));
      expect(order).toMatchObject({ external_id: expected.external_id, totals: expected.totals, currency: expected.currency });
    },
  );

  it("puts a cancelled order in the inbox as cancelled once processed", async () => {
    const channel = await shopifyChannel();
    const { order_id: orderId } = await json(await webhook(channel.token, "cancelled"));
    await vi.waitFor(async () => expect((await readOrder(orderId)).processing.state).toBe("done"), { timeout: 10_000, interval: 200 });
    const order = await readOrder(orderId);
    expect(order.status).toBe("cancelled");
    expect(order.cancelled_at).toBe(JSON.parse(fixture("cancelled.expected.json")).cancelled_at);
  });

  it("answers a retried delivery (same webhook and event id) as a duplicate", async () => {
    const channel = await shopifyChannel();
    const { order_id: orderId } = await json(await webhook(channel.token, "eu-vat"));
    const retry = await webhook(channel.token, "eu-vat");
    expect(retry.status).toBe(200);
    expect(await json(retry)).toEqual({ order_id: orderId, duplicate: true });
  });

  it("creates the order from orders/paid when it comes before orders/create, which then changes nothing", async () => {
    const channel = await shopifyChannel();
    const paid = await webhook(channel.token, "paid-before-create");
    expect(paid.status).toBe(202);
    const { order_id: orderId } = await json(paid);

    const create = await webhook(channel.token, "paid-before-create.create");
    expect(create.status).toBe(200);
    expect(await json(create)).toEqual({ order_id: orderId, duplicate: false, stale: true });
    const order = await readOrder(orderId);
    expect(order.financial_status).toBe("paid");
    expect(order.timeline.map((event: { kind: string }) => event.kind)).toEqual(expect.arrayContaining(["created", "stale"]));
  });

  it("records refunds/create as a refund on its order's timeline, once", async () => {
    const channel = await shopifyChannel();
    const { order_id: orderId } = await json(await webhook(channel.token, "eu-vat"));
    const refund = await webhook(channel.token, "refund");
    expect(refund.status).toBe(202);
    expect(await json(refund)).toEqual({ order_id: orderId, duplicate: false });
    const again = await webhook(channel.token, "refund", "xml", { "x-shopify-webhook-id": crypto.randomUUID() });
    expect(await json(again)).toEqual({ order_id: orderId, duplicate: true });

    const order = await readOrder(orderId);
    const refunds = order.timeline.filter((event: { kind: string }) => event.kind === "refund");
    expect(refunds).toHaveLength(1);
    expect(refunds[0].data).toEqual(JSON.parse(fixture("refund.expected.json")));
  });

  it("keeps a refund that arrives before its order and shows it once the order comes", async () => {
    const channel = await shopifyChannel();
    const early = await webhook(channel.token, "refund");
    expect(early.status).toBe(202);
    expect(await json(early)).toEqual({ order_id: null, duplicate: false });
    const { order_id: orderId } = await json(await webhook(channel.token, "eu-vat"));
    const order = await readOrder(orderId);
    expect(order.timeline.filter((event: { kind: string }) => event.kind === "refund")).toHaveLength(1);
  });

  it("acknowledges a topic the inbox does not use, logs it, and stores nothing", async () => {
    const channel = await shopifyChannel();
    const body = '{"id":788032119674292922,"title":"Example T-Shirt"}';
    const response = await deliver(channel.token, body, {
      "content-type": "application/json",
      "x-shopify-topic": "products/update",
      "x-shopify-hmac-sha256": await signShopify(utf8.encode(body), SIGNING_KEY),
    });
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual({ order_id: null, duplicate: false, ignored: "Topic products/update is not one the inbox uses" });
    const log = await json(await api(`/api/deliveries?channel_id=${channel.id}`));
    expect(log.items[0]).toMatchObject({ outcome: "ignored", headers: { "x-shopify-topic": "products/update" } });
  });

  it.each([
    ["no HMAC", {}, "signature_missing"],
    ["an HMAC made with another key", { "x-shopify-hmac-sha256": "VnKUjZsLuN5iZWjn5EntcBVCF9kMN43LglzCE1/GSeY=" }, "signature_mismatch"],
  ])("answers 401 to a delivery with %s", async (_, headers, code) => {
    const channel = await shopifyChannel();
    const body = fixture("simple.json");
    const response = await deliver(channel.token, body, { ...caseHeaders("simple"), "content-type": "application/json", ...headers });
    expect(response.status).toBe(401);
    expect((await json(response)).error.code).toBe(code);
  });
});
