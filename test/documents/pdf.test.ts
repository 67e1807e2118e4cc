/**
 * The PDF drawn in the Worker, read back with unpdf (pdf.js): the Unicode font prints Latvian and
 * Polish names and "€" as written, every VAT row is there, a credit note names its invoice, a draft
 * says DRAFT, and a long invoice flows onto further A4 pages.
 */
import { extractText, getDocumentProxy } from "unpdf";
import { describe, expect, it } from "vitest";
import { DOCUMENT_FONTS } from "../../src/documents/render/fonts";
import { renderDocumentPdf } from "../../src/documents/render/pdf";
import { printableDocument, type PrintableInput } from "../../src/documents/render/printable";
import { CONTENT, invoiceInput, REVERSE_CHARGE, USD_CONTENT, USD_ISSUED } from "./pdf-fixtures";

// The smallest valid PNG: one red pixel.
const PNG = Uint8Array.from(atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="), (c) => c.charCodeAt(0));

async function pdfOf(input: PrintableInput, logo: { bytes: Uint8Array; type: string } | null = null) {
  const bytes = await renderDocumentPdf(printableDocument(input), { fonts: DOCUMENT_FONTS, logo });
  const pdf = await getDocumentProxy(new Uint8Array(bytes));
  const { text, totalPages } = await extractText(pdf, { mergePages: true });
  const page = await pdf.getPage(1);
  const [, , width, height] = page.view;
  return { bytes, text: text.replace(/\s+/g, " "), totalPages, size: [Math.round(width), Math.round(height)] };
}

// The first test loads pdf.js into the isolate: seconds on a busy machine.
describe("the document's PDF", { timeout: 30_000 }, () => {
  it("is an A4 page in the embedded Unicode font: seller's VAT number, Kalniņš, Łódź, € amounts, the VAT row and the reverse charge", async () => {
    const { bytes, text, totalPages, size } = await pdfOf(invoiceInput(), { bytes: PNG, type: "image/png" });
    expect(new TextDecoder().decode(bytes.slice(0, 5))).toBe("%PDF-");
    expect(totalPages).toBe(1);
    expect(size).toEqual([595, 842]);
    for (const expected of ["Invoice", "INV-2026-00001", "VAT No. LV40003245752", "SIA Kalniņš un Partneri", "Jānis Kalniņš", "90-926 Łódź", "Żółć", "€39.00", "€14.00", "Reverse charge", "196", "226(11a)", "IBAN LV80BANK0000435195001", "Payment reference: INV-2026-00001", "Issue date: 1 March 2026", "Due date: 15 March 2026", "Europe/Riga"]) {
      expect(text).toContain(expected);
    }
    expect(text).not.toContain("DRAFT");
    // The font is cut to the glyphs used: a whole DejaVu Sans alone is 740 KB.
    expect(bytes.byteLength).toBeLessThan(30_000);
  });

  it("prints each VAT rate with its amounts in the base currency", async () => {
    const { text } = await pdfOf(
      invoiceInput({
        document: { ...invoiceInput().document, number: "INV-2026-00002", currency: "USD", content: USD_CONTENT, totals: { subtotal: 4500, tax: 765, total: 5265 } },
        issued: USD_ISSUED,
      }),
    );
    expect(text).toMatch(/Standard rate 21 % US\$25\.00 US\$5\.25 €23\.12 €4\.86/);
    expect(text).toMatch(/Reduced rate 12 % US\$20\.00 US\$2\.40 €18\.50 €2\.22/);
    expect(text).toContain("Total in EUR €48.70");
  });

  it("a credit note names the invoice it corrects", async () => {
    const { text } = await pdfOf(
      invoiceInput({
        document: { ...invoiceInput().document, type: "credit_note", number: "CN-2026-00001" },
        issued: { ...REVERSE_CHARGE, payment_reference: "CN-2026-00001", due_date: null, corrects: "INV-2026-00001" },
      }),
    );
    expect(text).toContain("Credit note");
    expect(text).toContain("This credit note corrects invoice INV-2026-00001");
    expect(text).toContain("To be refunded €39.00");
  });

  it("a draft says DRAFT and carries no number", async () => {
    const { text } = await pdfOf(invoiceInput({ issued: null, document: { ...invoiceInput().document, status: "draft", number: null, executedAt: null } }));
    expect(text).toContain("DRAFT – not issued");
    expect(text).not.toContain("INV-2026");
  });

  it("flows a long invoice onto further pages", async () => {
    const lines = Array.from({ length: 120 }, (_, index) => ({ ...CONTENT.lines[0], description: `Ceramic mug no. ${index + 1}, hand-glazed in Łódź` }));
    const { text, totalPages } = await pdfOf(invoiceInput({ document: { ...invoiceInput().document, content: { ...CONTENT, lines }, totals: { subtotal: 300000, tax: 0, total: 300000 } } }));
    expect(totalPages).toBeGreaterThan(2);
    expect(text).toContain("Ceramic mug no. 120, hand-glazed in Łódź");
    expect(text).toContain(`INV-2026-00001 · ${totalPages} / ${totalPages}`);
  });
});
