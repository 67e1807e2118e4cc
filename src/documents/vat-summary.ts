/**
 * The VAT summary a tax office reads (VAT Directive art. 226(8)–(10)): per tax code, the amount
 * taxed, the rate and the VAT. Pure; the lead's execution step stores it in `documents.issued`
 * and fills `base` when the document is not in the base currency.
 */
import { normaliseRate, type TaxCode } from "../company/tax-codes";
import type { DocumentLine } from "./document";
import type { TaxKind, VatSummaryRow } from "./issued";

/**
 * One row per tax code, highest rate first. `codes` gives each code's label, kind and rate; a
 * code no longer kept (deleted since the draft was made) is summarised under its own name, at the
 * lines' rate and the document's kind. Lines without a code are left out: such a document is held.
 */
export function vatSummary(lines: readonly DocumentLine[], pricesIncludeTax: boolean, codes: readonly TaxCode[], documentKind: TaxKind | null = null): VatSummaryRow[] {
  const byCode = new Map(codes.map((code) => [code.code, code]));
  const rows = new Map<string, VatSummaryRow>();
  for (const line of lines) {
    if (!line.tax_code) continue;
    let row = rows.get(line.tax_code);
    if (!row) {
      const code = byCode.get(line.tax_code);
      row = {
        tax_code: line.tax_code,
        label: code?.label ?? line.tax_code,
        kind: code?.kind ?? documentKind ?? "domestic",
        rate: code?.rate ?? normaliseRate(line.tax_rate) ?? "0",
        taxable: 0,
        vat: 0,
        base: null,
      };
      rows.set(line.tax_code, row);
    }
    row.taxable += pricesIncludeTax ? line.total - line.tax : line.total;
    row.vat += line.tax;
  }
  return [...rows.values()].sort((a, b) => Number(b.rate) - Number(a.rate) || a.tax_code.localeCompare(b.tax_code));
}
