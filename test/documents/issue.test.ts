/**
 * An executed document keeps what it said when issued: the seller as the profile stood, its dates
 * in the company's time zone, its payment reference. Changing the profile later changes nothing on it.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { addDays, dateIn } from "../../src/documents/issue";
import { api, createChannel, json, postOrder, sampleOrder } from "../helpers";

const WAIT = { timeout: 15_000, interval: 150 };

describe("issued documents", () => {
  it("fixes the seller, dates and reference at execution; a later profile change leaves the invoice as issued", async () => {
    await api("/api/company", {
      method: "PUT",
      json: {
        legal_name: "SIA Mazais Lācis",
        vat_number: "LV40003245752",
        registration_number: "40003245752",
        address: { line1: "Lielvārdes iela 68", city: "Rīga", postcode: "LV-1006", country: "LV" },
        bank_accounts: [{ iban: "LV80BANK0000435195001", bic: "HABALV22", bank_name: "Swedbank" }],
        payment_terms_days: 10,
        time_zone: "Europe/Riga",
      },
    });
    const channel = await createChannel("Issued");
    const automation = { create: "invoice", execute: true, add_payment: true, only_when_paid: true, create_missing_products: true };
    expect((await api(`/api/channels/${channel.id}/automation`, { method: "PUT", json: automation })).status).toBe(200);
    const order = sampleOrder({ placed_at: "2026-11-27T22:30:00Z" });
    const posted = await json(await postOrder(channel, JSON.stringify(order)));

    const invoice = await vi.waitFor(async () => {
      const [document] = (await json(await api(`/api/documents?order_id=${posted.order_id}`))).items;
      expect(document?.status).toBe("executed");
      return json(await api(`/api/documents/${document.id}`));
    }, WAIT);
    const issueDate = dateIn("Europe/Riga", Date.parse(invoice.executed_at));
    expect(invoice.issued).toMatchObject({
      seller: { legal_name: "SIA Mazais Lācis", vat_number: "LV40003245752", bank_accounts: [{ iban: "LV80BANK0000435195001" }] },
      time_zone: "Europe/Riga",
      issue_date: issueDate,
      // 22:30 UTC on the 27th is already the 28th in Riga.
      supply_date: "2026-11-28",
      due_date: addDays(issueDate, 10),
      payment_reference: invoice.number,
      corrects: null,
    });

    await api("/api/company", { method: "PUT", json: { legal_name: "SIA Lielais Lācis", vat_number: "LV40003999999", payment_terms_days: 30 } });
    const again = await json(await api(`/api/documents/${invoice.id}`));
    expect(again.issued).toEqual(invoice.issued);
  });

  const LV_COMPANY = {
    legal_name: "SIA Mazais Lācis",
    vat_number: "LV40003245752",
    address: { line1: "Lielvārdes iela 68", city: "Rīga", postcode: "LV-1006", country: "LV" },
    base_currency: "EUR",
    time_zone: "Europe/Riga",
  };
  const ALL_ON = { create: "invoice", execute: true, add_payment: true, only_when_paid: true, create_missing_products: true };

  async function processedChannel(name: string) {
    await api("/api/company", { method: "PUT", json: LV_COMPANY });
    const channel = await createChannel(name);
    expect((await api(`/api/channels/${channel.id}/automation`, { method: "PUT", json: ALL_ON })).status).toBe(200);
    return channel;
  }
  const documentOf = async (orderId: string, status: string) =>
    vi.waitFor(async () => {
      const [document] = (await json(await api(`/api/documents?order_id=${orderId}`))).items;
      expect(document?.status).toBe(status);
      return json(await api(`/api/documents/${document.id}`));
    }, WAIT);

  it("sums a domestic invoice's VAT per rate: 21 % and 12 % lines give two rows, and shipping joins its rate", async () => {
    const channel = await processedChannel("VAT rows");
    const order = sampleOrder({
      billing_address: { country: "LV" },
      shipping_address: { country: "LV" },
      lines: [
        { sku: "VAT-21", name: "Mug", quantity: 1, unit_price: "10.00", tax_rate: "21", tax: "2.10", total: "10.00" },
        { sku: "VAT-12", name: "Baby food", quantity: 2, unit_price: "5.00", tax_rate: "12", tax: "1.20", total: "10.00" },
      ],
      shipping: [{ name: "Courier", price: "5.00", tax: "1.05" }],
      totals: { subtotal: "20.00", shipping: "5.00", tax: "4.35", total: "29.35" },
      payment: { method: "card", transaction_id: `tx-${crypto.randomUUID()}`, amount: "29.35" },
    });
    const posted = await json(await postOrder(channel, JSON.stringify(order)));
    const invoice = await documentOf(posted.order_id, "executed");
    expect(invoice.issued.tax_kind).toBe("domestic");
    expect(invoice.issued.base).toBeNull();
    expect(invoice.issued.vat_summary.map((row: any) => [row.tax_code, row.rate, row.taxable, row.vat])).toEqual([
      ["PVN21", "21", "15.00", "3.15"],
      ["PVN12", "12", "10.00", "1.20"],
    ]);
  });

  it("keeps a SEK invoice's amounts in EUR at the stored ECB rate, to the cent; without a rate it waits, and executes once the rate is there", async () => {
    const channel = await processedChannel("SEK");
    const today = dateIn("Europe/Riga", Date.now());
    await env.DB.prepare("DELETE FROM exchange_rates WHERE currency = 'SEK'").run();
    // A Swedish consumer: OSS at Sweden's 25 %. 1,000.00 SEK + 250.00 VAT.
    const order = sampleOrder({
      currency: "SEK",
      billing_address: { country: "SE" },
      shipping_address: { country: "SE" },
      lines: [{ sku: "SEK-1", name: "Lamp", quantity: 1, unit_price: "1000.00", tax_rate: "25", tax: "250.00", total: "1000.00" }],
      shipping: [],
      totals: { subtotal: "1000.00", shipping: "0", tax: "250.00", total: "1250.00" },
      payment: { method: "card", transaction_id: `tx-${crypto.randomUUID()}`, amount: "1250.00" },
    });
    const posted = await json(await postOrder(channel, JSON.stringify(order)));
    const held = await documentOf(posted.order_id, "draft");
    await vi.waitFor(async () => expect((await json(await api(`/api/orders/${posted.order_id}`))).status).toBe("needs_attention"), WAIT);
    expect((await json(await api(`/api/documents/${held.id}`))).problems).toEqual([{ code: "no_exchange_rate", message: expect.stringContaining("SEK") }]);

    await env.DB.prepare("INSERT INTO exchange_rates (date, currency, per_eur, fetched_at) VALUES (?1, 'SEK', '11.4930', 0)").bind(today).run();
    // Once the rate is there (the cron re-queues held orders after storing new rates), processing executes it.
    expect((await api(`/api/orders/${posted.order_id}/process`, { method: "POST", json: {} })).status).toBeLessThan(300);
    const invoice = await documentOf(posted.order_id, "executed");
    // 1,000.00 / 11.4930 = 87.0095… → 87.01; 250.00 / 11.4930 = 21.7524… → 21.75; each row rounded on its own.
    expect(invoice.issued.base).toEqual({ currency: "EUR", rate: "11.4930", rate_date: today, subtotal: "87.01", tax: "21.75", total: "108.76" });
    expect(invoice.issued.vat_summary).toEqual([
      expect.objectContaining({ tax_code: "OSS-SE-25", kind: "oss", taxable: "1000.00", vat: "250.00", base: { taxable: "87.01", vat: "21.75" } }),
    ]);
  });

  it("writes dates on the company's calendar, and adds days across a month's end", () => {
    expect(dateIn("Europe/Riga", Date.parse("2026-12-31T22:30:00Z"))).toBe("2027-01-01");
    expect(dateIn("America/New_York", Date.parse("2026-12-01T03:00:00Z"))).toBe("2026-11-30");
    expect(addDays("2026-11-25", 14)).toBe("2026-12-09");
  });
});
