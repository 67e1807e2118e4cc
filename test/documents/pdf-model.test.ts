/** The printable document: what a customer and a tax office read, from the issued facts (or, for a draft, the current profile). */
import { describe, expect, it } from "vitest";
import { DRAFT_MARK, printableDocument } from "../../src/documents/render/printable";
import { CONTENT, invoiceInput, PROFILE, REVERSE_CHARGE, USD_CONTENT, USD_ISSUED } from "./pdf-fixtures";

describe("the printable document", () => {
  it("names seller, buyer, dates in the company's zone and the reverse charge wording of an issued invoice", () => {
    const printable = printableDocument(invoiceInput());
    expect(printable.heading).toBe("Invoice INV-2026-00001");
    expect(printable.draftMark).toBeNull();
    expect(printable.fileName).toBe("INV-2026-00001.pdf");
    expect(printable.seller.name).toBe("SIA Kalniņš un Partneri");
    expect(printable.seller.lines).toEqual(expect.arrayContaining(["VAT No. LV40003245752", "Registration No. 40003245752", "Brīvības iela 21", "LV-1010 Rīga"]));
    expect(printable.buyer.lines).toEqual(["Kalniņš Sp. z o.o.", "Jānis Kalniņš", "ul. Piotrkowska 104", "90-926 Łódź", "Poland", "VAT No. PL5260250274"]);
    expect(printable.dates).toEqual([
      { label: "Issue date", value: "1 March 2026" },
      { label: "Supply date", value: "28 February 2026" },
      { label: "Due date", value: "15 March 2026" },
      { label: "Time zone", value: "Europe/Riga" },
    ]);
    expect(printable.lines[1]).toEqual({ description: "Tea, 100 g", quantity: "3", unitPrice: "€4.99", discount: "€0.97", tax: "RC 0 %", total: "€14.00" });
    expect(printable.vatSummary).toEqual([{ label: "Reverse charge", rate: "0 %", taxable: "€39.00", vat: "€0.00", baseTaxable: null, baseVat: null }]);
    expect(printable.notes.join("\n")).toMatch(/Reverse charge.*art\. 196.*226\(11a\)/);
    expect(printable.amountDue).toEqual({ label: "Amount due", amount: "€39.00" });
    expect(printable.payment).toEqual({ reference: "INV-2026-00001", accounts: ["IBAN LV80BANK0000435195001 · BIC HABALV22 · Swedbank"] });
  });

  it("shows nothing the inbox keeps for itself", () => {
    const text = JSON.stringify(printableDocument(invoiceInput()));
    for (const internal of ["executed", "MUG-1", "ord_1", "p1", "#1001"]) expect(text).not.toContain(internal);
  });

  it("formats money in the profile's locale and gives each VAT rate its base-currency amounts", () => {
    const printable = printableDocument(
      invoiceInput({
        document: { ...invoiceInput().document, number: "INV-2026-00002", currency: "USD", content: USD_CONTENT, totals: { subtotal: 4500, tax: 765, total: 5265 } },
        issued: { ...USD_ISSUED, locale: "lv-LV" },
        payments: [{ kind: "payment", amount: 2000 }],
      }),
    );
    expect(printable.totals.map((total) => total.label)).toEqual(["Total excl. VAT", "VAT", "Total", "VAT in EUR", "Total in EUR"]);
    expect(printable.totals[2].amount.replace(/\s/g, " ")).toBe("52,65 $");
    expect(printable.vatSummary.map((row) => [row.rate, row.taxable.replace(/\s/g, " "), row.vat.replace(/\s/g, " "), row.baseVat?.replace(/\s/g, " ")])).toEqual([
      ["21 %", "25,00 $", "5,25 $", "4,86 €"],
      ["12 %", "20,00 $", "2,40 $", "2,22 €"],
    ]);
    expect(printable.amountDue.amount.replace(/\s/g, " ")).toBe("32,65 $");
    expect(printable.notes.some((note) => /ECB reference rate .* 1 EUR = 1\.0812 USD/.test(note))).toBe(true);
  });

  it("prints unit prices excluding VAT when the store's prices included it", () => {
    const lines = [{ kind: "item" as const, product_id: null, sku: null, description: "Mug", quantity: 2, unit_price: 1210, discount: 0, tax_rate: "21", tax: 420, total: 2420 }];
    const printable = printableDocument(invoiceInput({ issued: null, document: { ...invoiceInput().document, status: "draft", number: null, content: { ...CONTENT, prices_include_tax: true, lines }, totals: { subtotal: 2420, tax: 420, total: 2420 } } }));
    expect(printable.lines[0]).toMatchObject({ unitPrice: "€10.00", total: "€20.00", tax: "21 %" });
    expect(printable.vatSummary).toEqual([{ label: "VAT 21 %", rate: "21 %", taxable: "€20.00", vat: "€4.20", baseTaxable: null, baseVat: null }]);
    expect(printable.totals[0]).toEqual({ label: "Total excl. VAT", amount: "€20.00" });
  });

  it.each([
    ["oss", /One-Stop Shop/],
    ["export", /Export: VAT 0 %/],
  ] as const)("words a %s invoice as the law asks", (kind, wording) => {
    const issued = { ...REVERSE_CHARGE, tax_kind: kind, vat_summary: [{ ...REVERSE_CHARGE.vat_summary[0], kind }] };
    expect(printableDocument(invoiceInput({ issued })).notes.join("\n")).toMatch(wording);
  });

  it("a credit note names the invoice it corrects and what is to be refunded", () => {
    const printable = printableDocument(
      invoiceInput({
        document: { ...invoiceInput().document, type: "credit_note", number: "CN-2026-00001" },
        issued: { ...REVERSE_CHARGE, payment_reference: "CN-2026-00001", due_date: null, corrects: "INV-2026-00001" },
        payments: [{ kind: "refund", amount: 900 }],
      }),
    );
    expect(printable.heading).toBe("Credit note CN-2026-00001");
    expect(printable.notes[0]).toBe("This credit note corrects invoice INV-2026-00001");
    expect(printable.amountDue).toEqual({ label: "To be refunded", amount: "€30.00" });
    expect(printable.payment).toBeNull();
  });

  it("a draft is marked, has no number and takes the seller from the current profile", () => {
    const printable = printableDocument(
      invoiceInput({ issued: null, profile: { ...PROFILE, legal_name: "SIA Jauns Nosaukums" }, document: { ...invoiceInput().document, status: "draft", number: null, executedAt: null } }),
    );
    expect(printable.draftMark).toBe(DRAFT_MARK);
    expect(printable.number).toBeNull();
    expect(printable.heading).toBe("Invoice (DRAFT – not issued)");
    expect(printable.seller.name).toBe("SIA Jauns Nosaukums");
    expect(printable.dates).toEqual([{ label: "Drafted", value: "1 March 2026" }, { label: "Time zone", value: "Europe/Riga" }]);
    expect(printable.payment?.reference).toBeNull();
  });

  it("an invoice executed before issued facts were kept keeps its number and says its seller is today's", () => {
    const printable = printableDocument(invoiceInput({ issued: null }));
    expect(printable.draftMark).toBeNull();
    expect(printable.number).toBe("INV-2026-00001");
    expect(printable.dates[0]).toEqual({ label: "Issue date", value: "1 March 2026" });
    expect(printable.notes.join("\n")).toMatch(/^Reprint: .*company profile stands today$/m);
  });

  it("a cancelled draft is still a draft", () => {
    const printable = printableDocument(invoiceInput({ issued: null, document: { ...invoiceInput().document, status: "cancelled", number: null } }));
    expect(printable.draftMark).toBe(DRAFT_MARK);
    expect(printable.number).toBeNull();
  });
});
