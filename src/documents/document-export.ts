/** Documents as CSV: one row per document line, with the document's number, dates and totals (what a spreadsheet or an import wants). */
import type { Database } from "../context";
import { AppError } from "../lib/errors";
import { documentsInOrderMade, type DocumentFilters } from "./document-store";
import { documentJson } from "./document-wire";

const EXPORT_LIMIT = 10_000;

const HEADER = ["number", "type", "status", "created_at", "executed_at", "currency", "customer", "order_id", "line", "sku", "description", "quantity", "unit_price", "discount", "tax_rate", "tax", "line_total", "document_total"];

const csvCell = (value: unknown) => {
  const text = value == null ? "" : String(value);
  // Quote what needs it; a leading =, +, - or @ is defused so a spreadsheet never runs it as a formula.
  const safe = /^[=+\-@]/.test(text) && !/^-?\d/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

/** The documents under the filters, oldest first; more than the export holds is refused, so an export is never silently cut. */
export async function documentsCsv(db: Database, filters: DocumentFilters): Promise<string> {
  const rows = await documentsInOrderMade(db, filters, EXPORT_LIMIT + 1);
  if (rows.length > EXPORT_LIMIT) throw new AppError("bad_request", `More than ${EXPORT_LIMIT} documents match: narrow the export with created_from and created_to`);
  const lines = [HEADER.join(",")];
  for (const row of rows) {
    const json = documentJson(row);
    json.lines.forEach((line, index) => {
      lines.push(
        [json.number ?? "", json.type, json.status, json.created_at, json.executed_at ?? "", json.currency, json.customer?.name ?? "", json.order_id ?? "", index + 1, line.sku ?? "", line.description, line.quantity, line.unit_price, line.discount, line.tax_rate ?? "", line.tax, line.total, json.totals.total]
          .map(csvCell)
          .join(","),
      );
    });
  }
  return `${lines.join("\r\n")}\r\n`;
}
