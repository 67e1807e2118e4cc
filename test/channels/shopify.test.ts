import { describe, expect, it } from "vitest";
import { shopifyAdapter } from "../../src/channels/shopify";
import { percentFromFractions } from "../../src/channels/shopify/map-shopify-order";
import { signShopify } from "../../src/channels/shopify/shopify-signature";
import type { ChannelConfig } from "../../src/channels/types";
import { utf8 } from "../../src/lib/encoding";
import { decodeOrder } from "../../src/orders/order";
import { decodeRefund } from "../../src/orders/refund";
import cases from "../fixtures/shopify/cases.json";
import { channelContract, type ContractFixture } from "./contract";
import { arrivalsOf, keyOf, orderOf } from "./verdicts";

// Vite inlines every fixture as text, so the bytes signed are the bytes Shopify sent.
const files = import.meta.glob("../fixtures/shopify/*.{json,xml}", { query: "?raw", import: "default", eager: true }) as Record<string, string>;
const fixture = (file: string) => {
  const text = files[`../fixtures/shopify/${file}`];
  if (text === undefined) throw new Error(`no fixture ${file}`);
  return text;
};

/** The expected file is the wire form; the adapter yields minor units. */
function expectedOf(name: string) {
  const wire = JSON.parse(fixture(`${name}.expected.json`));
  const decoded = name === "refund" ? decodeRefund(wire) : decodeOrder(wire);
  if (!decoded.ok) throw new Error(`${name}.expected.json is not a valid ${name === "refund" ? "refund" : "order"}: ${JSON.stringify(decoded.issues)}`);
  return "refund" in decoded ? decoded.refund : decoded.order;
}

const expectedCases = cases.filter((entry) => files[`../fixtures/shopify/${entry.name}.expected.json`] !== undefined);

const fixtures: ContractFixture[] = expectedCases.flatMap((entry) => [
  { name: `${entry.name} (${entry.topic}, JSON)`, mediaType: "application/json", body: fixture(`${entry.name}.json`), expected: expectedOf(entry.name), headers: entry.headers },
  { name: `${entry.name} (${entry.topic}, XML)`, mediaType: "application/xml", body: fixture(`${entry.name}.xml`), expected: expectedOf(entry.name), headers: entry.headers },
]);

channelContract({
  adapter: shopifyAdapter,
  fixtures,
  sign: async (body, secret) => ({ "x-shopify-hmac-sha256": await signShopify(body, secret) }),
});

const NOW = Date.parse("2026-11-28T12:00:00Z");
const channel: ChannelConfig = { id: "ch_s", type: "shopify", secrets: [{ id: "sec_s", secret: "shop-signing-key" }], settings: {} };

async function parse(body: string, headers: Record<string, string>, mediaType = "application/json") {
  return shopifyAdapter.parse({ headers: new Headers(headers), body: utf8.encode(body), mediaType, receivedAt: NOW }, channel);
}

describe("Shopify webhooks", () => {
  it("verifies the known test vector from Shopify's recipe", async () => {
    expect(await signShopify(utf8.encode('{"id":1}'), "hush")).toBe("VnKUjZsLuN5iZWjn5EntcBVCF9kMN43LglzCE1/GSeY=");
  });

  it("fails a body that was re-serialised, as a JSON body parser would do", async () => {
    const raw = fixture("eu-vat.json");
    const headers = { "x-shopify-hmac-sha256": await signShopify(utf8.encode(raw), "shop-signing-key") };
    const reserialised = utf8.encode(JSON.stringify(JSON.parse(raw)));
    const verdict = await shopifyAdapter.verify({ headers: new Headers(headers), body: reserialised, mediaType: "application/json", receivedAt: NOW }, channel);
    expect(verdict).toMatchObject({ ok: false, rejection: { code: "signature_mismatch" } });
  });

  it("keeps the test notification's id above 2^53 intact, in JSON and in XML", async () => {
    for (const [file, mediaType] of [["test-notification.json", "application/json"], ["test-notification.xml", "application/xml"]] as const) {
      const verdict = await parse(fixture(file), { "x-shopify-topic": "orders/create", "x-shopify-test": "true" }, mediaType);
      expect(orderOf(verdict).external_id).toBe("820982911946154508");
      expect(orderOf(verdict).test).toBe(true);
    }
  });

  it.each([
    ["the event id", { "x-shopify-event-id": "ev-1", "x-shopify-webhook-id": "wh-1" }, "event:ev-1"],
    ["the webhook id when no event id is sent", { "x-shopify-webhook-id": "wh-1" }, "webhook:wh-1"],
  ])("keys an order arrival by %s", async (_, headers, key) => {
    const verdict = await parse(fixture("simple.json"), { "x-shopify-topic": "orders/updated", ...headers });
    expect(keyOf(verdict)).toBe(key);
  });

  it("carries the refunds embedded in an order as refund arrivals, so a lost refunds/create is not lost", async () => {
    const body = fixture("eu-vat.json").replace('"refunds":[]', `"refunds":[${fixture("refund.json")}]`);
    expect(body).not.toBe(fixture("eu-vat.json"));
    const arrivals = arrivalsOf(await parse(body, { "x-shopify-topic": "orders/updated", "x-shopify-event-id": "ev-9" }));
    expect(arrivals.map((arrival) => [arrival.type, arrival.key])).toEqual([
      ["order", "event:ev-9"],
      ["refund", "refund:1004560872451"],
    ]);
    const refund = decodeRefund(JSON.parse(fixture("refund.expected.json")));
    expect(arrivals[1].type === "refund" && arrivals[1].refund).toEqual(refund.ok && refund.refund);
  });

  it("acknowledges a topic it does not use without reading the body", async () => {
    expect(await parse("{}", { "x-shopify-topic": "products/update" })).toEqual({ kind: "ignored", reason: "Topic products/update is not one the inbox uses" });
  });

  it.each([
    ["no topic header", {}, "X-Shopify-Topic: the header is missing"],
  ])("refuses a delivery with %s", async (_, headers, message) => {
    expect(await parse(fixture("simple.json"), headers)).toMatchObject({ kind: "rejected", rejection: { code: "validation_failed", message } });
  });

  it("names the field when an order lacks one the inbox needs", async () => {
    const body = fixture("simple.json").replace(/"total_price":"[^"]*",/, "");
    const verdict = await parse(body, { "x-shopify-topic": "orders/create" });
    expect(verdict).toMatchObject({ kind: "rejected", rejection: { code: "validation_failed", message: expect.stringMatching(/^total_price: /) } });
  });

  it.each([
    [["0.21"], "21"],
    [["0.055"], "5.5"],
    [["0.07", "0.0225"], "9.25"],
    [["0.1"], "10"],
    [["0"], "0"],
    [[], null],
  ])("turns Shopify's tax fractions %j into the percentage %s without float error", (rates, percent) => {
    expect(percentFromFractions(rates)).toBe(percent);
  });
});

describe("Shopify tips and gift cards", () => {
  const corpus = import.meta.glob("../fixtures/corpus/shopify/*.json", { query: "?raw", import: "default", eager: true }) as Record<string, string>;
  const mapped = (file: string, change: (order: any) => void = () => undefined) => {
    const payload = JSON.parse(corpus[`../fixtures/corpus/shopify/${file}`]);
    change(payload);
    const verdict = shopifyAdapter.parse(
      { headers: new Headers({ "x-shopify-topic": "orders/create" }), body: utf8.encode(JSON.stringify(payload)), mediaType: "application/json", receivedAt: Date.now() },
      { id: "ch_s", type: "shopify", secrets: [], settings: {} },
    );
    return verdict.then(orderOf);
  };

  it("finds the tip line by its shape and total_tip_received, and keeps it outside the subtotal", async () => {
    const order = await mapped("C-tip-line.json");
    expect(order.lines.map((line) => [line.kind, line.name, line.total])).toEqual([
      [undefined, "Ceramic Mug", 3000],
      ["tip", "Tip", 450],
    ]);
    expect([order.totals.subtotal, order.totals.tips, order.totals.total]).toEqual([3000, 450, 4940]);
    // The checkout's language names the line: a "Trinkgeld" of the right shape and amount is the tip too.
    const german = await mapped("C-tip-line.json", (payload) => (payload.line_items[1].name = payload.line_items[1].title = "Trinkgeld"));
    expect(german.lines[1].kind).toBe("tip");
    // Without tips received, a product-less line is not a tip.
    const none = await mapped("C-tip-line.json", (payload) => (payload.total_tip_received = "0.00"));
    expect(none.lines[1].kind).toBeUndefined();
  });

  it("marks a gift card sold as such, and an order paid only by gift card as gift card money, not cash", async () => {
    const sold = await mapped("gift-card-sold-test-order.json");
    expect(sold.lines[0].kind).toBe("gift_card");
    const byCard = await mapped("D-gift-card-payment.json", (payload) => (payload.payment_gateway_names = ["gift_card"]));
    expect([byCard.payment, byCard.gift_cards]).toEqual([null, [{ code: null, amount: 6000 }]]);
    // Beside another gateway Shopify does not say what the card took: one payment, named by both.
    const mixed = await mapped("D-gift-card-payment.json");
    expect([mixed.payment?.method, mixed.payment?.amount, mixed.gift_cards]).toEqual(["gift_card, shopify_payments", 6000, undefined]);
  });
});
