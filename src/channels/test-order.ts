/**
 * A sample order as each store would post it, signed the way that store signs: what "send a test
 * order" puts through a channel's own URI, so it travels the same path as a real webhook (signature
 * check, parsing, storing, the queue). Each test order is new (its own ids), small, adds up, and is
 * plainly a test: flagged where the store's format has a flag, named "Test customer" everywhere.
 * It is unpaid, so automation (which waits for payment unless told otherwise) makes no numbered
 * document from it.
 *
 * PayPal has none: a PayPal delivery is proven genuine only by asking PayPal about it (the IPN
 * postback, the webhook's certificate), so a sample the inbox signed itself could never pass.
 */
import { signConnect } from "./connect/connect-signature";
import { signShopify } from "./shopify/shopify-signature";
import type { ChannelType } from "./types";
import { signWoo } from "./woocommerce/woocommerce-signature";
import { toBase64 } from "../lib/encoding";
import { utf8 } from "../lib/encoding";
import { hmacSha256 } from "../lib/hmac";

export interface TestDelivery {
  headers: Record<string, string>;
  body: string;
}

export type TestOrder = { ok: true; delivery: TestDelivery; externalId: string } | { ok: false; reason: string };

export const PAYPAL_NO_TEST =
  "PayPal deliveries are verified by asking PayPal (the IPN postback or the webhook's certificate), so a test order cannot be made up here. Use PayPal's sandbox IPN simulator or a sandbox payment with this channel's URI instead.";

const CUSTOMER = { name: "Test customer", email: "test-customer@example.com" };

/** 12 random digits: store ids are numbers for Shopify and WooCommerce (always read as text here). */
function numericId(): string {
  const digits = crypto.getRandomValues(new Uint8Array(12));
  return `9${Array.from(digits, (byte) => String(byte % 10)).join("")}`;
}

export async function testOrderFor(type: ChannelType, secret: string, now: number): Promise<TestOrder> {
  const at = new Date(now);
  const iso = at.toISOString().replace(/\.\d{3}Z$/, "Z");
  const id = numericId();
  const number = `TEST-${id.slice(-6)}`;

  switch (type) {
    case "connect": {
      const body = JSON.stringify({
        external_id: `test-${id}`,
        number,
        placed_at: iso,
        updated_at: iso,
        currency: "EUR",
        financial_status: "pending",
        test: true,
        customer: CUSTOMER,
        billing_address: { name: CUSTOMER.name, line1: "1 Test Street", city: "Riga", postcode: "LV-1010", country: "LV" },
        lines: [{ sku: "TEST-SKU-1", name: "Test item", quantity: 2, unit_price: "10.00", discount: "0.00", tax_rate: "21", tax: "4.20", total: "20.00" }],
        shipping: [],
        totals: { subtotal: "20.00", shipping: "0.00", tax: "4.20", total: "24.20" },
      });
      return { ok: true, externalId: `test-${id}`, delivery: { headers: { "content-type": "application/json", "x-inbox-signature": await signConnect(body, secret, Math.floor(now / 1000)) }, body } };
    }

    case "shopify": {
      const body = JSON.stringify({
        id,
        name: `#${number}`,
        created_at: iso,
        processed_at: iso,
        updated_at: iso,
        cancelled_at: null,
        currency: "EUR",
        presentment_currency: "EUR",
        taxes_included: false,
        financial_status: "pending",
        test: true,
        email: CUSTOMER.email,
        note: "A test order sent from the Sales Inbox dashboard",
        subtotal_price: "20.00",
        total_discounts: "0.00",
        total_tax: "4.20",
        total_price: "24.20",
        payment_gateway_names: ["manual"],
        discount_codes: [],
        refunds: [],
        customer: { id: numericId(), first_name: "Test", last_name: "customer", email: CUSTOMER.email },
        billing_address: { first_name: "Test", last_name: "customer", name: CUSTOMER.name, address1: "1 Test Street", city: "Riga", zip: "LV-1010", country_code: "LV" },
        shipping_address: null,
        line_items: [{ id: numericId(), sku: "TEST-SKU-1", name: "Test item", title: "Test item", quantity: 2, price: "10.00", discount_allocations: [], tax_lines: [{ title: "VAT", rate: 0.21, price: "4.20" }] }],
        shipping_lines: [],
      });
      return {
        ok: true,
        externalId: id,
        delivery: {
          headers: {
            "content-type": "application/json",
            "x-shopify-topic": "orders/create",
            "x-shopify-hmac-sha256": await signShopify(utf8.encode(body), secret),
            "x-shopify-webhook-id": crypto.randomUUID(),
            "x-shopify-event-id": crypto.randomUUID(),
            "x-shopify-triggered-at": at.toISOString(),
            "x-shopify-test": "true",
            "x-shopify-shop-domain": "sales-inbox-test.myshopify.com",
          },
          body,
        },
      };
    }

    case "woocommerce":
    case "woocommerce-premium": {
      const local = iso.slice(0, 19);
      const body = JSON.stringify({
        id: Number(id.slice(-9)),
        number,
        status: "on-hold",
        currency: "EUR",
        prices_include_tax: false,
        date_created_gmt: local,
        date_modified_gmt: local,
        date_paid_gmt: null,
        discount_total: "0.00",
        discount_tax: "0.00",
        shipping_total: "0.00",
        shipping_tax: "0.00",
        total: "24.20",
        total_tax: "4.20",
        customer_id: 0,
        billing: { first_name: "Test", last_name: "customer", address_1: "1 Test Street", city: "Riga", postcode: "LV-1010", country: "LV", email: CUSTOMER.email },
        shipping: null,
        payment_method: "bacs",
        payment_method_title: "Direct bank transfer",
        transaction_id: "",
        customer_note: "A test order sent from the Sales Inbox dashboard",
        line_items: [{ name: "Test item", sku: "TEST-SKU-1", quantity: 2, subtotal: "20.00", subtotal_tax: "4.20", total: "20.00", total_tax: "4.20", taxes: [{ id: 1, total: "4.2" }] }],
        tax_lines: [{ rate_id: 1, rate_percent: 21 }],
        shipping_lines: [],
        fee_lines: [],
        coupon_lines: [],
        refunds: [],
      });
      return {
        ok: true,
        externalId: String(Number(id.slice(-9))),
        delivery: {
          headers: {
            "content-type": "application/json",
            "user-agent": "Sales Inbox test order",
            "x-wc-webhook-topic": "order.created",
            "x-wc-webhook-resource": "order",
            "x-wc-webhook-event": "created",
            "x-wc-webhook-signature": await signWoo(body, secret),
            "x-wc-webhook-delivery-id": crypto.randomUUID().replace(/-/g, ""),
          },
          body,
        },
      };
    }

    case "mozello": {
      const orderId = `TEST-${id}`;
      const body = JSON.stringify({
        event: "ORDER_CREATED",
        order: {
          order_id: orderId,
          created_at: iso.slice(0, 19).replace("T", " "),
          payment_status: "pending",
          dispatched: false,
          archived: false,
          name: CUSTOMER.name,
          email: CUSTOMER.email,
          country_code: "lv",
          address: "1 Test Street",
          city: "Riga",
          zip: "LV-1010",
          notes: "A test order sent from the Sales Inbox dashboard",
          payment_method: "bank",
          shipping_price: 0,
          currency: "EUR",
          subtotal: 24.2,
          taxes: 4.2,
          total: 24.2,
          discount_amount: 0,
          cart: [{ product_name: "Test item", product_sku: "TEST-SKU-1", product_price: 12.1, product_quantity: 2, tax_inclusive_percent: 21, tax_exclusive_percent: null }],
        },
      });
      const hash = toBase64(await hmacSha256(secret, utf8.encode(body)));
      return { ok: true, externalId: orderId, delivery: { headers: { "content-type": "application/json", "x-mozello-hash": hash }, body } };
    }

    case "paypal":
      return { ok: false, reason: PAYPAL_NO_TEST };
  }
}
