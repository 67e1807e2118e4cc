/**
 * A document's print page in headless Chromium at A4 size with print media: an executed invoice
 * (its payment added and its stock moved) prints the seller, the buyer and the VAT summary, and none
 * of the dashboard: no navigation, no status badge, no payments or money accounts, no stock.
 */
import { createHmac, randomUUID } from "node:crypto";
import { expect, it, vi } from "vitest";
import { api, inbox, newPage, screenshot, signIn, type Person } from "./harness";

const BOOKKEEPER: Person = { name: "Paula Print", email: "paula@inbox.test", password: "a bookkeeper's long password", role: "bookkeeper" };

const TAG = randomUUID().slice(0, 6).toUpperCase();
const url = (pathname: string) => `${inbox().baseUrl}${pathname}`;
const post = (pathname: string, body: unknown, method = "POST") => api(pathname, { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

async function executedInvoice(): Promise<{ id: string; number: string }> {
  expect(
    (
      await post(
        "/api/company",
        {
          legal_name: "SIA Kalniņš un Partneri",
          vat_number: "LV40003245752",
          registration_number: "40003245752",
          address: { line1: "Brīvības iela 21", city: "Rīga", postcode: "LV-1010", country: "LV" },
          bank_accounts: [{ iban: "LV80BANK0000435195001", bic: "HABALV22", bank_name: "Swedbank" }],
          time_zone: "Europe/Riga",
        },
        "PUT",
      )
    ).status,
  ).toBe(200);
  expect([201, 409]).toContain((await post("/api/products", { sku: `PRINT-${TAG}`, name: "Linen napkin" })).status);
  const channel = (await (await post("/api/channels", { type: "connect", name: `Print shop ${TAG}` })).json()) as { uri: string; secret: string };
  const order = {
    external_id: `PRINT-${TAG}`,
    number: `PRINT-${TAG}`,
    placed_at: new Date().toISOString(),
    currency: "EUR",
    financial_status: "paid",
    customer: { name: "Jānis Kalniņš", email: "janis@example.pl" },
    billing_address: { name: "Jānis Kalniņš", line1: "ul. Piotrkowska 104", city: "Łódź", postcode: "90-926", country: "PL" },
    // A Polish consumer of a Latvian company: One-Stop Shop at Poland's 23 % (OSS-PL-23).
    lines: [{ sku: `PRINT-${TAG}`, name: "Linen napkin, Żółć edition", quantity: 2, unit_price: "12.50", discount: "0.00", tax_rate: "23", tax: "5.75", total: "25.00" }],
    shipping: [],
    totals: { subtotal: "25.00", shipping: "0.00", tax: "5.75", total: "30.75" },
    payment: { method: "card", transaction_id: `pi_print_${TAG}`, amount: "30.75", paid_at: new Date().toISOString() },
  };
  const body = JSON.stringify(order);
  const t = Math.floor(Date.now() / 1000);
  const v1 = createHmac("sha256", channel.secret).update(`${t}.${body}`).digest("hex");
  const delivered = await fetch(channel.uri, { method: "POST", headers: { "content-type": "application/json", "x-inbox-signature": `t=${t},v1=${v1}` }, body });
  expect(delivered.status).toBe(202);
  const orderId = ((await delivered.json()) as { order_id: string }).order_id;
  let document: { id: string; number: string; status: string } | null = null;
  // The queue consumer may be working on the order at the same moment: processing by hand is retried until it answers.
  await vi.waitFor(
    async () => {
      const processed = await post(`/api/orders/${orderId}/process`, { type: "invoice", execute: true, add_payment: true });
      expect(processed.status, await processed.clone().text()).toBe(200);
      document = ((await processed.json()) as { document: typeof document }).document;
      expect(document?.status).toBe("executed");
    },
    { timeout: 30_000, interval: 1_000 },
  );
  return document!;
}

it("prints an executed invoice on an A4 page with the seller and the VAT summary and nothing of the dashboard", async () => {
  const invoice = await executedInvoice();
  const { page, close } = await newPage();
  try {
    await signIn(page, BOOKKEEPER, `/dashboard/documents/${invoice.id}`);
    // The dashboard's own page has what the printed one must not.
    await expect.poll(() => page.locator("body").innerText()).toContain("Stock moved");

    await page.getByRole("link", { name: "Print view" }).click();
    await page.waitForURL(url(`/dashboard/documents/${invoice.id}/print`));
    await page.setViewportSize({ width: 794, height: 1123 });
    await page.emulateMedia({ media: "print" });

    // What is seen, as rendered (headings are upper-cased by the stylesheet, so compared without case).
    const visible = (await page.locator("body").innerText()).toLowerCase();
    for (const expected of ["Invoice", invoice.number, "SIA Kalniņš un Partneri", "VAT No. LV40003245752", "Jānis Kalniņš", "90-926 Łódź", "VAT summary", "23 %", "€30.75", "One-Stop Shop", "IBAN LV80BANK0000435195001"]) {
      expect(visible).toContain(expected.toLowerCase());
    }
    expect(await page.locator("nav").count()).toBe(0);
    expect(await page.locator("header.top").count()).toBe(0);
    expect(await page.locator(".badge").count()).toBe(0);
    for (const internal of ["executed", "stock moved", "payments", "sign out", "back to the document", "print view"]) expect(visible).not.toContain(internal);
    // The VAT summary is a table with its rate row.
    expect(await page.locator("section.vat-summary tbody tr").count()).toBe(1);
    // On paper the sheet fills the printable width: 210 mm less 2 × 15 mm margins (the toolbar is gone).
    expect(await page.locator(".toolbar").isVisible()).toBe(false);
    await screenshot(page, "document-print-a4");
  } finally {
    await close();
  }
});
