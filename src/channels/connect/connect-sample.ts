/** Connect's sample order for "send a test order": the normalised order as a plugin posts it. */
import { sampleMoment, sampleNumericId, TEST_CUSTOMER } from "../sample-order";
import type { SampleDelivery } from "../types";
import { signConnect } from "./connect-signature";

export async function connectSample(secret: string, now: number): Promise<SampleDelivery> {
  const id = sampleNumericId();
  const { iso, number } = sampleMoment(now, id);
  const body = JSON.stringify({
    external_id: `test-${id}`,
    number,
    placed_at: iso,
    updated_at: iso,
    currency: "EUR",
    financial_status: "pending",
    test: true,
    customer: TEST_CUSTOMER,
    billing_address: { name: TEST_CUSTOMER.name, line1: "1 Test Street", city: "Riga", postcode: "LV-1010", country: "LV" },
    lines: [{ sku: "TEST-SKU-1", name: "Test item", quantity: 2, unit_price: "10.00", discount: "0.00", tax_rate: "21", tax: "4.20", total: "20.00" }],
    shipping: [],
    totals: { subtotal: "20.00", shipping: "0.00", tax: "4.20", total: "24.20" },
  });
  return {
    externalId: `test-${id}`,
    headers: { "content-type": "application/json", "x-inbox-signature": await signConnect(body, secret, Math.floor(now / 1000)) },
    body,
  };
}
