/**
 * What a document says as issued: fixed in `documents.issued` when it is executed, so that the
 * printed invoice, its PDF and its e-mail read the same facts forever, whatever later happens to
 * the company profile, the tax codes or the exchange rates.
 */
import type { BaseFigures as BaseAmounts } from "../company/exchange-rates";
import type { CompanyProfile } from "../company/profile";
import type { TaxKind } from "../company/tax-codes";

/** How a line's VAT is reported (see company/tax-kinds.ts and docs/vat.md); defined once, beside the tax codes. */
export { TAX_KINDS, type TaxKind } from "../company/tax-codes";

/** One row of the VAT summary: the lines of one tax code added up. */
export interface VatSummaryRow {
  tax_code: string;
  label: string;
  kind: TaxKind;
  /** Percentage as a decimal string ("21"). */
  rate: string;
  /** Net amount taxed at this rate, in the document's currency (minor units). */
  taxable: number;
  vat: number;
  /** The same in the base currency, when the document's currency differs. */
  base: { taxable: number; vat: number } | null;
}

/** The document's amounts in the company's base currency, at the ECB rate of its date (company/exchange-rates.ts). */
export type { BaseFigures as BaseAmounts } from "../company/exchange-rates";
export interface IssuedFacts {
  /** The seller as the company profile stood when the document was executed. */
  seller: Omit<CompanyProfile, "payment_terms_days" | "base_currency" | "time_zone" | "locale"> & { logo_key: string | null };
  /** Dates as YYYY-MM-DD in the company's time zone (named, so that a reader knows which day). */
  time_zone: string;
  locale: string;
  issue_date: string;
  /** When the goods or services were supplied: the order's date (VAT Directive art. 226(7)). */
  supply_date: string;
  /** Invoices only: issue date + the profile's payment terms. */
  due_date: string | null;
  /** What the buyer quotes when paying: the document's number. */
  payment_reference: string;
  /** The kind that decides the wording ("Reverse charge", OSS); null when lines differ. */
  tax_kind: TaxKind | null;
  vat_summary: VatSummaryRow[];
  /** Null when the document is in the base currency. */
  base: BaseAmounts | null;
  /** For a credit note: the number of the invoice it corrects. */
  corrects: string | null;
}
