/**
 * Regressions of issue 14's hostile-input contract: what a retry cannot fix is a 4xx with the
 * error envelope, never a 5xx (a store sends a 5xx again, forever).
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { signMozello } from "../../src/channels/mozello/mozello-signature";
import { signShopify } from "../../src/channels/shopify/shopify-signature";
import { signWoo } from "../../src/channels/woocommerce/woocommerce-signature";
import { utf8 } from "../../src/lib/encoding";
import cases from "../fixtures/shopify/cases.json";
import wooCases from "../fixtures/woocommerce/cases.json";
import { api, createChannel, deliver, json, postOrder, sampleOrder } from "../helpers";

const files = import.meta.glob("../fixtures/shopify/*.{json,xml}", { query: "?raw", import: "default", eager: true }) as Record<string, string>;
const fixture = (file: string) => files[`../fixtures/shopify/${file}`]!;
const mozelloFiles = import.meta.glob("../fixtures/mozello/*.body", { query: "?raw", import: "default", eager: true }) as Record<string, string>;
const wooFiles = import.meta.glob("../fixtures/woocommerce/*.body", { query: "?raw", import: "default", eager: true }) as Record<string, string>;
const caseHeaders = (name: string) => cases.find((entry) => entry.name === name)!.headers as Record<string, string>;
const SIGNING_KEY = "hostile-shopify-signing-key";

async function shopify(token: string, body: string, headers: Record<string, string>, contentType = "application/json") {
  return deliver(token, body, { ...headers, "content-type": contentType, "x-shopify-hmac-sha256": await signShopify(utf8.encode(body), SIGNING_KEY) });
}

const nested = (depth: number) => `${"<x>".repeat(depth)}1${"</x>".repeat(depth)}`;

async function refusal(response: Response) {
  const answer = await json(response);
  expect(answer).toEqual({ error: expect.objectContaining({ code: expect.any(String), message: expect.any(String) }) });
  return answer.error as { code: string; message: string; problems?: Array<{ field: string; message: string }> };
}

describe("XML nested deeper than the parser's limit", () => {
  it("is malformed_xml (400) on a Connect channel", async () => {
    const channel = await createChannel();
    const response = await postOrder(channel, `<order><note>${nested(100)}</note></order>`, { contentType: "application/xml" });
    expect(response.status).toBe(400);
    expect((await refusal(response)).code).toBe("malformed_xml");
  });

  it("is malformed_xml (400) on a Shopify channel", async () => {
    const channel = await createChannel("Deep", { type: "shopify", secret: SIGNING_KEY });
    const body = fixture("simple.xml").replace("<note", `<junk>${nested(100)}</junk><note`);
    expect(body).not.toBe(fixture("simple.xml"));
    const response = await shopify(channel.token, body, caseHeaders("simple"), "application/xml");
    expect(response.status).toBe(400);
    expect((await refusal(response)).code).toBe("malformed_xml");
  });
});

describe("a Shopify event id reused for a different order", () => {
  it("is refused with 409 event_id_reused, leaving the first order as it was", async () => {
    const channel = await createChannel("Reuse", { type: "shopify", secret: SIGNING_KEY });
    const headers = { ...caseHeaders("simple"), "X-Shopify-Event-Id": "ev-reused-1" };
    const first = await shopify(channel.token, fixture("simple.json"), headers);
    expect(first.status).toBe(202);
    const { order_id: firstId } = await json(first);
    const before = await json(await api(`/api/orders/${firstId}`));

    const other = await shopify(channel.token, fixture("eu-vat.json"), { ...caseHeaders("eu-vat"), "X-Shopify-Event-Id": "ev-reused-1" });
    expect(other.status).toBe(409);
    const error = await refusal(other);
    expect(error.code).toBe("event_id_reused");
    expect(error.message).toMatch(/ev-reused-1/);

    const after = await json(await api(`/api/orders/${firstId}`));
    expect(after.external_id).toBe(before.external_id);
    expect(after.version).toBe(before.version);
    expect(after.totals).toEqual(before.totals);
    const orders = await env.DB.prepare("SELECT count(*) AS n FROM orders WHERE channel_id = ?").bind(channel.id).first<{ n: number }>();
    expect(orders!.n).toBe(1);
    // The delivery log says what happened to the second delivery.
    const logged = (await json(await api(`/api/deliveries?channel_id=${channel.id}`))).items as Array<Record<string, unknown>>;
    expect(logged.map((entry) => [entry.outcome, entry.http_status, entry.error_code]).sort()).toEqual([
      ["accepted", 202, null],
      ["rejected", 409, "event_id_reused"],
    ]);

    // The same event sent again for its own order is still a plain duplicate.
    const again = await shopify(channel.token, fixture("simple.json"), headers);
    expect(again.status).toBe(200);
    expect(await json(again)).toMatchObject({ order_id: firstId, duplicate: true });
  });

  it("is refused the same way when the other order is already known", async () => {
    const channel = await createChannel("Reuse known", { type: "shopify", secret: SIGNING_KEY });
    expect((await shopify(channel.token, fixture("simple.json"), { ...caseHeaders("simple"), "X-Shopify-Event-Id": "ev-a" })).status).toBe(202);
    const known = await shopify(channel.token, fixture("eu-vat.json"), { ...caseHeaders("eu-vat"), "X-Shopify-Event-Id": "ev-b" });
    expect(known.status).toBe(202);
    const reused = await shopify(channel.token, fixture("eu-vat.json"), { ...caseHeaders("eu-vat"), "X-Shopify-Event-Id": "ev-a" });
    expect(reused.status).toBe(409);
    expect((await refusal(reused)).code).toBe("event_id_reused");
  });
});

describe("numbers outside the decimal grammar or of absurd magnitude", () => {
  const base = () => sampleOrder();
  it.each([
    ["a JSON number 1e21", 1e21],
    ["a decimal string of 22 digits", "1000000000000000000000"],
    ["a quantity above 10^9", "1000000001"],
    ["more than 6 decimals", "0.1234567"],
    ["a JSON number written with an exponent", 1e-7],
  ])("refuses a Connect quantity given as %s with a field-named 400", async (_, quantity) => {
    const channel = await createChannel();
    const order = base();
    (order.lines as Array<Record<string, unknown>>)[0].quantity = quantity;
    const response = await postOrder(channel, JSON.stringify(order));
    expect(response.status).toBe(400);
    const error = await refusal(response);
    expect(error.code).toBe("validation_failed");
    expect(error.problems?.map((problem) => problem.field)).toContain("lines.0.quantity");
  });

  it("refuses a Connect price beyond the documented maximum of 10^15 minor units", async () => {
    const channel = await createChannel();
    const order = base();
    (order.lines as Array<Record<string, unknown>>)[0].unit_price = "20000000000000.00";
    const response = await postOrder(channel, JSON.stringify(order));
    expect(response.status).toBe(400);
    expect((await refusal(response)).problems?.map((problem) => problem.field)).toContain("lines.0.unit_price");
  });

  it("refuses a Shopify quantity above 10^9 (read losslessly) with a field-named 400", async () => {
    const channel = await createChannel("Huge", { type: "shopify", secret: SIGNING_KEY });
    const body = fixture("simple.json").replace(/"quantity":\s*\d+/, '"quantity":1000000001');
    expect(body).not.toBe(fixture("simple.json"));
    const response = await shopify(channel.token, body, { ...caseHeaders("simple"), "X-Shopify-Event-Id": "ev-huge" });
    expect(response.status).toBe(400);
    const error = await refusal(response);
    expect(error.code).toBe("validation_failed");
    expect(error.problems?.map((problem) => problem.field)).toContain("lines.0.quantity");
  });

  it("refuses a tax rate above 1000% with a field-named 400", async () => {
    const channel = await createChannel();
    const order = base();
    (order.lines as Array<Record<string, unknown>>)[0].tax_rate = "99999999999999999999";
    const response = await postOrder(channel, JSON.stringify(order));
    expect(response.status).toBe(400);
    expect((await refusal(response)).problems?.map((problem) => problem.field)).toContain("lines.0.tax_rate");
  });
});

describe("duplicate ids in one payload", () => {
  it("refuses a Shopify order whose line item appears twice, naming the second one", async () => {
    const channel = await createChannel("Twice", { type: "shopify", secret: SIGNING_KEY });
    const order = JSON.parse(fixture("simple.json"));
    order.line_items.push(structuredClone(order.line_items[0]));
    const response = await shopify(channel.token, JSON.stringify(order), { ...caseHeaders("simple"), "X-Shopify-Event-Id": "ev-twice" });
    expect(response.status).toBe(400);
    const error = await refusal(response);
    expect(error.code).toBe("validation_failed");
    expect(error.problems?.map((problem) => problem.field)).toContain("line_items.1.id");
  });

  it("refuses a WooCommerce order listing the same refund twice, naming the second one", async () => {
    const secret = "hostileWooSecret-0123456789";
    const channel = await createChannel("Woo twice", { type: "woocommerce", secret });
    const order = JSON.parse(wooFiles["../fixtures/woocommerce/partial-refund.body"]!);
    order.refunds.push(structuredClone(order.refunds[0]));
    const body = JSON.stringify(order);
    const headers = wooCases.find((entry) => entry.name === "partial-refund")!.headers as Record<string, string>;
    const response = await deliver(channel.token, body, { ...headers, "X-WC-Webhook-Signature": await signWoo(body, secret) });
    expect(response.status).toBe(400);
    expect((await refusal(response)).problems?.map((problem) => problem.field)).toContain("refunds.1.id");
  });
});

describe("a value a channel's mapping cannot read", () => {
  it("is a field-named 400 on a Mozello channel when created_at is no time at all (the mapping threw: 500)", async () => {
    const key = "hostile-mozello-key";
    const channel = await createChannel("Moz", { type: "mozello", secret: key });
    const body = mozelloFiles["../fixtures/mozello/dispatch-changed.body"]!.replace('"created_at":"2025-03-14 08:35:12"', '"created_at":"872676513958888843054804222393"');
    expect(body).not.toBe(mozelloFiles["../fixtures/mozello/dispatch-changed.body"]);
    const response = await deliver(channel.token, body, { "content-type": "application/json", "x-mozello-hash": await signMozello(body, key) });
    expect(response.status).toBe(400);
    const error = await refusal(response);
    expect(error.code).toBe("validation_failed");
    expect(error.problems?.map((problem) => problem.field)).toContain("placed_at");
  });
});
