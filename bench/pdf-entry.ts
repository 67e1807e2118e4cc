/** What bench/pdf.mjs runs: the printable model and the PDF renderer, exactly as the Worker imports them. */
export { DOCUMENT_FONTS } from "../src/documents/render/fonts";
export { renderDocumentPdf } from "../src/documents/render/pdf";
export { printableDocument } from "../src/documents/render/printable";
export { invoiceInput, CONTENT } from "../test/documents/pdf-fixtures";
