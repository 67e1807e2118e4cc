/**
 * What every platform's sample order (for "send a test order") has in common: it is new (its own
 * ids), small, adds up (2 × 10.00 + 21 % VAT = 24.20 EUR), plainly a test ("Test customer", flagged
 * where the store's format has a flag) and unpaid, so automation (which waits for payment unless
 * told otherwise) makes no numbered document from it. Each platform folder writes it in its
 * store's format and signs it the store's way.
 */
export const TEST_CUSTOMER = { name: "Test customer", email: "test-customer@example.com" };
export const TEST_NOTE = "A test order sent from the Sales Inbox dashboard";

/** 13 random digits starting with 9: store ids are numbers for Shopify and WooCommerce (always read as text here). */
export function sampleNumericId(): string {
  const digits = crypto.getRandomValues(new Uint8Array(12));
  return `9${Array.from(digits, (byte) => String(byte % 10)).join("")}`;
}

/** The sample's moment, as ISO 8601 without milliseconds, and its order number. */
export function sampleMoment(now: number, id: string): { iso: string; number: string } {
  return { iso: new Date(now).toISOString().replace(/\.\d{3}Z$/, "Z"), number: `TEST-${id.slice(-6)}` };
}
