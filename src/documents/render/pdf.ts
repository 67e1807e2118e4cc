/**
 * The printable document as a PDF, drawn in the Worker with pdf-lib: A4 pages with 15 mm margins,
 * the embedded DejaVu Sans (subset to the glyphs used), the logo when there is one, and lines that
 * flow onto further pages with the table's header repeated. Pure: the fonts and the logo's bytes
 * come in.
 */
import fontkit from "@pdf-lib/fontkit";
import { PDFDocument, rgb, type PDFFont, type PDFImage, type PDFPage } from "pdf-lib";
import type { PrintableDocument } from "./printable";

export interface PdfAssets {
  fonts: { regular: ArrayBuffer | Uint8Array; bold: ArrayBuffer | Uint8Array };
  logo: { bytes: Uint8Array; type: string } | null;
}

const A4 = { width: 595.28, height: 841.89 };
const MARGIN = 42.52; // 15 mm
const RIGHT = A4.width - MARGIN;
const INK = rgb(0.11, 0.14, 0.19);
const MUTED = rgb(0.36, 0.39, 0.46);
const RULE = rgb(0.8, 0.82, 0.86);

/** The lines table: description wraps, the rest are right-aligned at their right edge. */
const COLUMNS = [
  { key: "description", title: "Description", right: 0, width: 170 },
  { key: "quantity", title: "Qty", right: 245, width: 40 },
  { key: "unitPrice", title: "Price excl. VAT", right: 320, width: 70 },
  { key: "discount", title: "Discount", right: 375, width: 50 },
  { key: "tax", title: "VAT", right: 425, width: 45 },
  { key: "total", title: "Total excl. VAT", right: RIGHT - MARGIN, width: 80 },
] as const;

class Writer {
  page!: PDFPage;
  y = 0;
  constructor(
    private readonly pdf: PDFDocument,
    readonly regular: PDFFont,
    readonly bold: PDFFont,
  ) {
    this.newPage();
  }

  newPage() {
    this.page = this.pdf.addPage([A4.width, A4.height]);
    this.y = A4.height - MARGIN;
  }

  /** Moves down by `height`, starting a new page first when it would not fit. */
  need(height: number): boolean {
    if (this.y - height >= MARGIN) return false;
    this.newPage();
    return true;
  }

  text(value: string, x: number, options: { size?: number; bold?: boolean; color?: ReturnType<typeof rgb>; align?: "left" | "right" } = {}) {
    const size = options.size ?? 9;
    const font = options.bold ? this.bold : this.regular;
    const left = options.align === "right" ? x - font.widthOfTextAtSize(value, size) : x;
    this.page.drawText(value, { x: left, y: this.y - size, size, font, color: options.color ?? INK });
  }

  rule(y = this.y) {
    this.page.drawLine({ start: { x: MARGIN, y }, end: { x: RIGHT, y }, thickness: 0.5, color: RULE });
  }

  /** Splits text into lines no wider than `width` (long words are cut). */
  wrap(value: string, width: number, size = 9, bold = false): string[] {
    const font = bold ? this.bold : this.regular;
    const fits = (text: string) => font.widthOfTextAtSize(text, size) <= width;
    const lines: string[] = [];
    for (const paragraph of value.split(/\r?\n/)) {
      let current = "";
      for (const word of paragraph.split(/\s+/).filter(Boolean)) {
        const candidate = current ? `${current} ${word}` : word;
        if (fits(candidate)) {
          current = candidate;
          continue;
        }
        if (current) lines.push(current);
        let rest = word;
        while (!fits(rest) && rest.length > 1) {
          let cut = rest.length - 1;
          while (cut > 1 && !fits(rest.slice(0, cut))) cut--;
          lines.push(rest.slice(0, cut));
          rest = rest.slice(cut);
        }
        current = rest;
      }
      lines.push(current);
    }
    return lines;
  }

  /** A block of wrapped lines at x, moving down. */
  paragraph(value: string, x: number, width: number, options: { size?: number; bold?: boolean; color?: ReturnType<typeof rgb> } = {}) {
    const size = options.size ?? 9;
    for (const line of this.wrap(value, width, size, options.bold)) {
      this.need(size * 1.35);
      this.text(line, x, options);
      this.y -= size * 1.35;
    }
  }
}

async function embedLogo(pdf: PDFDocument, logo: PdfAssets["logo"]): Promise<PDFImage | null> {
  if (!logo) return null;
  try {
    return logo.type === "image/png" ? await pdf.embedPng(logo.bytes) : await pdf.embedJpg(logo.bytes);
  } catch {
    // A logo that does not decode is left out rather than failing the invoice.
    return null;
  }
}

function drawTableHeader(writer: Writer) {
  for (const column of COLUMNS) {
    writer.text(column.title, column.key === "description" ? MARGIN : column.right + MARGIN, { size: 7.5, bold: true, color: MUTED, align: column.key === "description" ? "left" : "right" });
  }
  writer.y -= 12;
  writer.rule();
  writer.y -= 4;
}

export async function renderDocumentPdf(document: PrintableDocument, assets: PdfAssets): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  pdf.registerFontkit(fontkit);
  pdf.setTitle(document.heading);
  pdf.setSubject(document.title);
  pdf.setAuthor(document.seller.name);
  pdf.setCreator("Sales Inbox");
  pdf.setProducer("Sales Inbox (pdf-lib)");
  const [regular, bold, logo] = await Promise.all([
    pdf.embedFont(assets.fonts.regular, { subset: true }),
    pdf.embedFont(assets.fonts.bold, { subset: true }),
    embedLogo(pdf, assets.logo),
  ]);
  const writer = new Writer(pdf, regular, bold);
  const half = (RIGHT - MARGIN) / 2;

  // Seller (with the logo above it) on the left, the document's title, number and dates on the right.
  const top = writer.y;
  if (logo) {
    const scale = Math.min(150 / logo.width, 50 / logo.height, 1);
    writer.page.drawImage(logo, { x: MARGIN, y: writer.y - logo.height * scale, width: logo.width * scale, height: logo.height * scale });
    writer.y -= logo.height * scale + 8;
  }
  writer.paragraph(document.seller.name, MARGIN, half - 10, { size: 11, bold: true });
  for (const line of document.seller.lines) writer.paragraph(line, MARGIN, half - 10, { size: 8.5, color: MUTED });
  const leftBottom = writer.y;

  writer.y = top;
  writer.text(document.title, RIGHT, { size: 18, bold: true, align: "right" });
  writer.y -= 24;
  if (document.number) {
    writer.text(document.number, RIGHT, { size: 11, align: "right" });
    writer.y -= 16;
  }
  if (document.draftMark) {
    writer.text(document.draftMark, RIGHT, { size: 12, bold: true, color: rgb(0.64, 0.13, 0.13), align: "right" });
    writer.y -= 18;
  }
  for (const date of document.dates) {
    writer.text(`${date.label}: ${date.value}`, RIGHT, { size: 8.5, align: "right" });
    writer.y -= 12;
  }
  writer.y = Math.min(writer.y, leftBottom) - 14;

  writer.text(document.buyer.heading, MARGIN, { size: 8, bold: true, color: MUTED });
  writer.y -= 12;
  for (const line of document.buyer.lines) writer.paragraph(line, MARGIN, half, { size: 9.5 });
  writer.y -= 14;

  drawTableHeader(writer);
  for (const line of document.lines) {
    const description = writer.wrap(line.description, COLUMNS[0].width, 9);
    const height = description.length * 12 + 4;
    if (writer.need(height)) drawTableHeader(writer);
    const rowTop = writer.y;
    for (const text of description) {
      writer.text(text, MARGIN);
      writer.y -= 12;
    }
    const after = writer.y;
    writer.y = rowTop;
    for (const column of COLUMNS.slice(1)) writer.text(line[column.key], column.right + MARGIN, { align: "right" });
    writer.y = after - 4;
    writer.rule(writer.y + 2);
  }
  writer.y -= 10;

  // Totals on the right.
  const totals = [...document.totals, { label: document.amountDue.label, amount: document.amountDue.amount, strong: true }];
  writer.need(totals.length * 14);
  for (const total of totals) {
    writer.text(total.label, RIGHT - 120, { size: 9.5, bold: total.strong, align: "right" });
    writer.text(total.amount, RIGHT, { size: 9.5, bold: total.strong, align: "right" });
    writer.y -= 14;
  }
  writer.y -= 10;

  // The VAT summary per rate (and in the base currency when the document is in another one).
  const baseColumns = document.baseCurrency !== null;
  writer.need(30 + document.vatSummary.length * 12);
  writer.text("VAT summary", MARGIN, { size: 10, bold: true });
  writer.y -= 15;
  const vatHeads = ["Rate", "Taxable", "VAT", ...(baseColumns ? [`Taxable (${document.baseCurrency})`, `VAT (${document.baseCurrency})`] : [])];
  const vatRight = [MARGIN + 250, MARGIN + 330, MARGIN + 390, MARGIN + 460, RIGHT];
  vatHeads.forEach((head, index) => writer.text(head, vatRight[index], { size: 7.5, bold: true, color: MUTED, align: "right" }));
  writer.y -= 11;
  writer.rule();
  writer.y -= 4;
  for (const row of document.vatSummary) {
    writer.need(12);
    writer.text(row.label, MARGIN);
    const cells = [row.rate, row.taxable, row.vat, ...(baseColumns ? [row.baseTaxable ?? "", row.baseVat ?? ""] : [])];
    cells.forEach((cell, index) => writer.text(cell, vatRight[index], { align: "right" }));
    writer.y -= 12;
  }
  writer.y -= 10;

  if (document.payment) {
    writer.need(40);
    writer.text("Payment", MARGIN, { size: 10, bold: true });
    writer.y -= 15;
    if (document.payment.reference) writer.paragraph(`Payment reference: ${document.payment.reference}`, MARGIN, RIGHT - MARGIN);
    for (const account of document.payment.accounts) writer.paragraph(account, MARGIN, RIGHT - MARGIN);
    writer.y -= 8;
  }

  for (const note of document.notes) writer.paragraph(note, MARGIN, RIGHT - MARGIN, { size: 8.5 });
  if (document.footer) {
    writer.y -= 6;
    writer.paragraph(document.footer, MARGIN, RIGHT - MARGIN, { size: 8, color: MUTED });
  }

  const pages = pdf.getPages();
  pages.forEach((page, index) => {
    const label = `${document.number ?? document.draftMark ?? ""} · ${index + 1} / ${pages.length}`;
    page.drawText(label, { x: RIGHT - regular.widthOfTextAtSize(label, 7.5), y: MARGIN / 2, size: 7.5, font: regular, color: MUTED });
  });
  return pdf.save();
}
