/** Mozello's sample order for "send a test order": an ORDER_CREATED notification of an unpaid order. */
import { sampleMoment, sampleNumericId, TEST_CUSTOMER, TEST_NOTE } from "../sample-order";
import type { SampleDelivery } from "../types";
import { HASH_HEADER, signMozello } from "./mozello-signature";

export async function mozelloSample(secret: string, now: number): Promise<SampleDelivery> {
  const id = sampleNumericId();
  const { iso } = sampleMoment(now, id);
  const orderId = `TEST-${id}`;
  const body = JSON.stringify({
    event: "ORDER_CREATED",
    order: {
      order_id: orderId,
      created_at: iso.slice(0, 19).replace("T", " "),
      payment_status: "pending",
      dispatched: false,
      archived: false,
      name: TEST_CUSTOMER.name,
      email: TEST_CUSTOMER.email,
      country_code: "lv",
      address: "1 Test Street",
      city: "Riga",
      zip: "LV-1010",
      notes: TEST_NOTE,
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
  return { externalId: orderId, headers: { "content-type": "application/json", [HASH_HEADER]: await signMozello(body, secret) }, body };
}
