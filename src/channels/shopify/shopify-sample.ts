/** Shopify's sample order for "send a test order": an orders/create webhook, flagged as a test. */
import { sampleMoment, sampleNumericId, TEST_CUSTOMER, TEST_NOTE } from "../sample-order";
import type { SampleDelivery } from "../types";
import { HMAC_HEADER, signShopify } from "./shopify-signature";

export async function shopifySample(secret: string, now: number): Promise<SampleDelivery> {
  const id = sampleNumericId();
  const { iso, number } = sampleMoment(now, id);
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
    email: TEST_CUSTOMER.email,
    note: TEST_NOTE,
    subtotal_price: "20.00",
    total_discounts: "0.00",
    total_tax: "4.20",
    total_price: "24.20",
    payment_gateway_names: ["manual"],
    discount_codes: [],
    refunds: [],
    customer: { id: sampleNumericId(), first_name: "Test", last_name: "customer", email: TEST_CUSTOMER.email },
    billing_address: { first_name: "Test", last_name: "customer", name: TEST_CUSTOMER.name, address1: "1 Test Street", city: "Riga", zip: "LV-1010", country_code: "LV" },
    shipping_address: null,
    line_items: [
      { id: sampleNumericId(), sku: "TEST-SKU-1", name: "Test item", title: "Test item", quantity: 2, price: "10.00", discount_allocations: [], tax_lines: [{ title: "VAT", rate: 0.21, price: "4.20" }] },
    ],
    shipping_lines: [],
  });
  return {
    externalId: id,
    headers: {
      "content-type": "application/json",
      "x-shopify-topic": "orders/create",
      [HMAC_HEADER]: await signShopify(body, secret),
      "x-shopify-webhook-id": crypto.randomUUID(),
      "x-shopify-event-id": crypto.randomUUID(),
      "x-shopify-triggered-at": new Date(now).toISOString(),
      "x-shopify-test": "true",
      "x-shopify-shop-domain": "sales-inbox-test.myshopify.com",
    },
    body,
  };
}
