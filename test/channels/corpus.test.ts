/**
 * The corpus (issue 21): deliveries found in public material (platform docs, SDK and plugin tests,
 * captures in public repositories), posted byte for byte through the real Worker route, signed as
 * the store signs them. A real order from a real store adds up, so each is expected to be stored
 * with no warnings unless cases.json says otherwise. Sources are in test/fixtures/corpus/README.md.
 */
import { describe, expect, it, vi } from "vitest";
import { signShopify } from "../../src/channels/shopify/shopify-signature";
import { signWoo } from "../../src/channels/woocommerce/woocommerce-signature";
import cases from "../fixtures/corpus/cases.json";
import { api, createChannel, deliver, json, postOrder } from "../helpers";

interface CorpusCase {
  file: string;
  channel: "shopify" | "woocommerce" | "connect";
  content_type: string;
  headers: Record<string, string>;
  /** The known bug this case pins (issue 21 A–D): it fails until the mapper is fixed. */
  issue_item?: string;
  expect: OrderExpectation | RefundExpectation;
}

interface OrderExpectation {
  status: number;
  kind?: undefined;
  external_id: string;
  currency: string;
  total?: string;
  lines: number;
  warnings: string[];
  payment_amount?: string;
}

/** A refunds/create for an order this channel has not seen: kept until its order arrives. */
interface RefundExpectation {
  status: number;
  kind: "refund";
  answer: Record<string, unknown>;
}

// Vite inlines each file as text: the bytes posted and signed are the bytes in the file.
const files = import.meta.glob("../fixtures/corpus/*/*.{json,xml}", { query: "?raw", import: "default", eager: true }) as Record<string, string>;
const fixture = (file: string) => {
  const text = files[`../fixtures/corpus/${file}`];
  if (text === undefined) throw new Error(`no corpus file ${file}`);
  return text;
};

const SHOPIFY_KEY = "5f1e0c2a9b7d4e6f8a0c2e4b6d8f0a2c4e6b8d0f2a4c6e8b0d2f4a6c8e0b2d4f";
const WOO_SECRET = "corpusWooSecret2026";
const all = cases as unknown as CorpusCase[];

async function post(entry: CorpusCase): Promise<Response> {
  const body = fixture(entry.file);
  const headers = { ...entry.headers, "content-type": entry.content_type };
  if (entry.channel === "shopify") {
    const channel = await createChannel("Corpus Shopify", { type: "shopify", secret: SHOPIFY_KEY });
    return deliver(channel.token, body, { ...headers, "x-shopify-hmac-sha256": await signShopify(body, SHOPIFY_KEY) });
  }
  if (entry.channel === "woocommerce") {
    const channel = await createChannel("Corpus WooCommerce", { type: "woocommerce", secret: WOO_SECRET });
    return deliver(channel.token, body, { ...headers, "x-wc-webhook-signature": await signWoo(body, WOO_SECRET) });
  }
  const channel = await createChannel("Corpus Connect");
  return postOrder(channel, body, { contentType: entry.content_type, headers: entry.headers });
}

const readOrder = async (orderId: string) => json(await api(`/api/orders/${orderId}`));
const label = (entry: CorpusCase) => `${entry.file}${entry.issue_item ? ` (issue 21 ${entry.issue_item})` : ""}`;

describe("the corpus of real deliveries", () => {
  it("lists every corpus file in cases.json, once", () => {
    const listed = all.map((entry) => entry.file).sort();
    const present = Object.keys(files).map((path) => path.replace("../fixtures/corpus/", "")).sort();
    expect(listed).toEqual(present);
  });

  it.each(all.map((entry) => [label(entry), entry] as const))("stores %s, adding up as the store says", async (_, entry) => {
    const response = await post(entry);
    const answer = await json(response);
    const expected = entry.expect;
    expect({ status: response.status, error: answer.error ?? null }).toEqual({ status: expected.status, error: null });
    if (expected.kind === "refund") {
      expect(answer).toEqual(expected.answer);
      return;
    }

    const orderId = answer.order_id as string;
    await vi.waitFor(async () => expect((await readOrder(orderId)).processing.state).toBe("done"), { timeout: 10_000, interval: 200 });
    const order = await readOrder(orderId);
    expect(order.warnings.map((warning: { code: string; message: string }) => `${warning.code}: ${warning.message}`)).toEqual(
      expected.warnings.map((code) => expect.stringMatching(new RegExp(`^${code}: `))),
    );
    expect({ external_id: order.external_id, currency: order.currency, lines: order.lines.length }).toEqual({
      external_id: expected.external_id,
      currency: expected.currency,
      lines: expected.lines,
    });
    if (expected.total !== undefined) expect(order.totals.total).toBe(expected.total);
    if (expected.payment_amount !== undefined) expect(order.payment?.amount).toBe(expected.payment_amount);
  });

  it("keeps a Shopify tip as a line of its own, outside the subtotal (issue 21 C)", async () => {
    const entry = all.find((candidate) => candidate.issue_item === "C")!;
    const { order_id: orderId } = await json(await post(entry));
    const order = await readOrder(orderId);
    expect(order.lines.find((line: { name: string }) => line.name === "Tip")).toMatchObject({ sku: null, quantity: 1, total: "4.50" });
  });

  it("names the gift card among the ways a Shopify order was paid (issue 21 D)", async () => {
    const entry = all.find((candidate) => candidate.file === "shopify/D-gift-card-payment.json")!;
    const { order_id: orderId } = await json(await post(entry));
    const order = await readOrder(orderId);
    expect(order.payment).toMatchObject({ amount: "60.00", method: expect.stringContaining("gift_card") });
  });
});
