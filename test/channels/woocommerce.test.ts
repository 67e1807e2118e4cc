import { describe, expect, it } from "vitest";
import { wooAdapter, wooArrivals, wooPremiumAdapter } from "../../src/channels/woocommerce";
import { checkTotals } from "../../src/orders/totals";
import { orderWarnings } from "../../src/orders/order-warnings";
import { signWoo } from "../../src/channels/woocommerce/woocommerce-signature";
import type { ChannelConfig } from "../../src/channels/types";
import { utf8 } from "../../src/lib/encoding";
import { decodeOrder } from "../../src/orders/order";
import { decodeRefund } from "../../src/orders/refund";
import cases from "../fixtures/woocommerce/cases.json";
import { channelContract, type ContractFixture } from "./contract";
import { arrivalsOf, orderOf } from "./verdicts";

const files = import.meta.glob("../fixtures/woocommerce/*.{body,json}", { query: "?raw", import: "default", eager: true }) as Record<string, string>;
const fixture = (file: string) => {
  const text = files[`../fixtures/woocommerce/${file}`];
  if (text === undefined) throw new Error(`no fixture ${file}`);
  return text;
};
const headersOf = (name: string) => cases.find((entry) => entry.name === name)!.headers as Record<string, string>;

interface Expected {
  order: unknown;
  refunds: unknown[];
  removal: { external_id: string } | null;
  ignored: string | null;
}
const expectedOf = (name: string) => JSON.parse(fixture(`${name}.expected.json`)) as Expected;

function decoded(name: string): ContractFixture["expected"] {
  const expected = expectedOf(name);
  if (expected.ignored) return null;
  const order = decodeOrder(expected.order);
  if (!order.ok) throw new Error(`${name}.expected.json: ${JSON.stringify(order.issues)}`);
  const refunds = expected.refunds.map((refund) => {
    const result = decodeRefund(refund);
    if (!result.ok) throw new Error(`${name}.expected.json refund: ${JSON.stringify(result.issues)}`);
    return result.refund;
  });
  return refunds.length ? { arrivals: [order.order, ...refunds] } : order.order;
}

// Orders first: the contract's signature checks use the first fixture.
const names = cases.map((entry) => entry.name).filter((name) => !expectedOf(name).removal);
const ordered = [...names.filter((name) => !expectedOf(name).ignored), ...names.filter((name) => expectedOf(name).ignored)];

for (const adapter of [wooAdapter, wooPremiumAdapter]) {
  channelContract({
    adapter,
    fixtures: ordered.map((name) => ({
      name: `${name} (${headersOf(name)["X-WC-Webhook-Topic"] ?? "ping"})`,
      mediaType: (headersOf(name)["Content-Type"] ?? "").split(";")[0],
      body: fixture(`${name}.body`),
      headers: headersOf(name),
      expected: decoded(name),
      unsigned: name === "ping",
    })),
    // The ping is the one request WooCommerce does not sign.
    sign: async (body, secret): Promise<Record<string, string>> =>
      /^webhook_id=\d+$/.test(new TextDecoder().decode(body)) ? {} : { "x-wc-webhook-signature": await signWoo(body, secret) },
  });
}

const NOW = Date.parse("2026-11-28T12:00:00Z");
const channel: ChannelConfig = { id: "ch_w", type: "woocommerce", secrets: [{ id: "sec_w", secret: "wcInboxTestSecret2025" }], settings: {} };
const request = (body: string, headers: Record<string, string>, mediaType = "application/json") => ({
  headers: new Headers(headers),
  body: utf8.encode(body),
  mediaType,
  receivedAt: NOW,
});

describe("WooCommerce orders add up under the inbox's checks", () => {
  it.each(ordered.filter((name) => !expectedOf(name).ignored))("%s has no totals warnings", (name) => {
    const verdict = wooArrivals(JSON.parse(fixture(`${name}.body`)));
    expect(checkTotals(orderOf(verdict))).toEqual([]);
  });
});

describe("WooCommerce figures a store setting changes", () => {
  it("keeps an order whose country no name maps, warning about it instead of refusing a delivery WooCommerce never sends again", () => {
    const body = fixture("country-written-out.body").replaceAll('"country":"India"', '"country":"Bharat Ganarajya"');
    const order = orderOf(wooArrivals(JSON.parse(body)));
    expect(order.billing_address?.country).toBe("Bharat Ganarajya");
    expect(orderWarnings(order).map((warning) => warning.code)).toEqual(["unknown_country", "unknown_country"]);
  });

  it("re-rounds line taxes from the raw taxes only when the rounded ones miss cart_tax (round at subtotal)", () => {
    const subtotal = orderOf(wooArrivals(JSON.parse(fixture("round-at-subtotal.body"))));
    expect(subtotal.lines.map((line) => line.tax)).toEqual([20, 19, 13]);
    // Rounded per line, the same lines keep their own total_tax: cart_tax is their sum.
    const perLine = JSON.parse(fixture("round-at-subtotal.body"));
    perLine.cart_tax = "0.53";
    perLine.total_tax = "1.18";
    perLine.total = "19.18";
    const order = orderOf(wooArrivals(perLine));
    expect(order.lines.map((line) => line.tax)).toEqual([20, 20, 13]);
    expect(checkTotals(order)).toEqual([]);
  });

  it("reads a total that already counts the gift cards as what the order is worth, too", () => {
    const payload = JSON.parse(fixture("gift-cards.body"));
    const order = orderOf(wooArrivals({ ...payload, total: "28.00" }));
    expect([order.totals.total, order.payment?.amount, order.gift_cards?.map((card) => card.amount)]).toEqual([2800, 400, [2000, 400]]);
  });
});

describe("WooCommerce webhooks", () => {
  it("reproduces the signature test vector from WooCommerce's recipe", async () => {
    const body = '{"id":1457,"status":"on-hold","total":"47.55","customer_note":"L\\u016bdzu pieg\\u0101d\\u0101t"}';
    expect(await signWoo(body, "wcInboxTestSecret2025")).toBe("WjZSkBzdtzD62BfuGkSNbOWdqxkSzxim1kUcOFkKTm8=");
  });

  it("lets the unsigned ping through and nothing else unsigned", async () => {
    const ping = request("webhook_id=12", { "user-agent": "WooCommerce/9.4.2 Hookshot (WordPress/6.7.1)" }, "application/x-www-form-urlencoded");
    expect(await wooAdapter.verify(ping, channel)).toEqual({ ok: true, secretId: null });
    const unsigned = request(fixture("simple.body"), headersOf("simple"));
    expect(await wooAdapter.verify(unsigned, channel)).toMatchObject({ ok: false, rejection: { code: "signature_missing" } });
    const disguised = request("webhook_id=12&status=completed", {}, "application/x-www-form-urlencoded");
    expect(await wooAdapter.verify(disguised, channel)).toMatchObject({ ok: false, rejection: { code: "signature_missing" } });
  });

  it("turns order.deleted into a removal of that order", async () => {
    const verdict = await wooAdapter.parse(request(fixture("deleted.body"), headersOf("deleted")), channel);
    expect(arrivalsOf(verdict)).toEqual([
      { type: "removal", key: `removal:1461:${headersOf("deleted")["X-WC-Webhook-Delivery-ID"]}`, externalId: "1461", at: new Date(NOW).toISOString(), ordering: "held" },
    ]);
  });

  it("keys an order state by the order id and its date_modified_gmt, whatever the delivery id", async () => {
    const first = await wooAdapter.parse(request(fixture("simple.body"), headersOf("simple")), channel);
    const again = await wooAdapter.parse(request(fixture("simple.body"), { ...headersOf("simple"), "x-wc-webhook-delivery-id": "0".repeat(32) }), channel);
    expect(arrivalsOf(again)[0].key).toBe(arrivalsOf(first)[0].key);
    expect(arrivalsOf(first)[0].key).toMatch(/^order:\d+:\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it("creates the order from an order.updated it has never seen (WooCommerce sends the current state)", async () => {
    const body = fixture("variation.body");
    expect(headersOf("variation")["X-WC-Webhook-Topic"]).toBe("order.updated");
    expect(orderOf(await wooAdapter.parse(request(body, headersOf("variation")), channel)).external_id).toMatch(/^\d+$/);
  });

  it("refuses the error WooCommerce sends when the webhook's user lost access", async () => {
    const body = '{"code":"woocommerce_rest_cannot_view","message":"Sorry, you cannot view this resource.","data":{"status":401}}';
    const verdict = await wooAdapter.parse(request(body, headersOf("simple")), channel);
    expect(verdict).toMatchObject({ kind: "rejected", rejection: { code: "validation_failed", message: expect.stringContaining("recreate the webhook as an administrator") } });
  });

  it("ignores topics it does not use", async () => {
    const headers = { ...headersOf("simple"), "X-WC-Webhook-Topic": "product.updated" };
    expect(await wooAdapter.parse(request('{"id":5}', headers), channel)).toEqual({
      kind: "ignored",
      reason: "Topic product.updated is not one the inbox uses",
    });
  });
});
