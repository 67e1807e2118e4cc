/**
 * An executed document keeps what it said when issued: the seller as the profile stood, its dates
 * in the company's time zone, its payment reference. Changing the profile later changes nothing on it.
 */
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

  it("writes dates on the company's calendar, and adds days across a month's end", () => {
    expect(dateIn("Europe/Riga", Date.parse("2026-12-31T22:30:00Z"))).toBe("2027-01-01");
    expect(dateIn("America/New_York", Date.parse("2026-12-01T03:00:00Z"))).toBe("2026-11-30");
    expect(addDays("2026-11-25", 14)).toBe("2026-12-09");
  });
});
