/** WooCommerce's sample order for "send a test order": an order.created webhook of an on-hold order. */
import { sampleMoment, sampleNumericId, TEST_CUSTOMER, TEST_NOTE } from "../sample-order";
import type { SampleDelivery } from "../types";
import { SIGNATURE_HEADER, signWoo } from "./woocommerce-signature";

export async function wooSample(secret: string, now: number): Promise<SampleDelivery> {
  const id = sampleNumericId();
  const { iso, number } = sampleMoment(now, id);
  const local = iso.slice(0, 19);
  const orderId = Number(id.slice(-9));
  const body = JSON.stringify({
    id: orderId,
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
    billing: { first_name: "Test", last_name: "customer", address_1: "1 Test Street", city: "Riga", postcode: "LV-1010", country: "LV", email: TEST_CUSTOMER.email },
    shipping: null,
    payment_method: "bacs",
    payment_method_title: "Direct bank transfer",
    transaction_id: "",
    customer_note: TEST_NOTE,
    line_items: [{ name: "Test item", sku: "TEST-SKU-1", quantity: 2, subtotal: "20.00", subtotal_tax: "4.20", total: "20.00", total_tax: "4.20", taxes: [{ id: 1, total: "4.2" }] }],
    tax_lines: [{ rate_id: 1, rate_percent: 21 }],
    shipping_lines: [],
    fee_lines: [],
    coupon_lines: [],
    refunds: [],
  });
  return {
    externalId: String(orderId),
    headers: {
      "content-type": "application/json",
      "user-agent": "Sales Inbox test order",
      "x-wc-webhook-topic": "order.created",
      "x-wc-webhook-resource": "order",
      "x-wc-webhook-event": "created",
      [SIGNATURE_HEADER]: await signWoo(body, secret),
      "x-wc-webhook-delivery-id": crypto.randomUUID().replace(/-/g, ""),
    },
    body,
  };
}
