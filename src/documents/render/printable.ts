/**
 * The document as its customer and a tax office read it: every word and figure of the printed page
 * and the PDF, already formatted in the company's locale, and nothing the inbox keeps for itself
 * (no status, no money accounts, no stock, no channel, no rule). Pure: the stored document, its
 * issued facts, the current profile and its payments come in; both renderers only lay it out.
 *
 * An executed document is printed from what it fixed when it was issued (`documents.issued`); a
 * draft, or a document executed before issued facts were kept, from the current profile, and says
 * which: a draft is marked "DRAFT – not issued" and never shows a number.
 */
import type { CompanyProfile } from "../../company/profile";
import { fromMinor } from "../../orders/money";
import type { DocumentAddress, DocumentContent, DocumentKind, DocumentLine } from "../document";
import type { IssuedFacts, TaxKind, VatSummaryRow } from "../issued";

export interface PrintableInput {
  document: {
    type: DocumentKind;
    status: "draft" | "executed" | "cancelled";
    number: string | null;
    currency: string;
    content: DocumentContent;
    totals: { subtotal: number; tax: number; total: number };
    createdAt: number;
    executedAt: number | null;
  };
  /** What the document fixed when it was executed; null for a draft (or one executed before they were kept). */
  issued: IssuedFacts | null;
  /** The profile as it stands now: the seller of a document that has no issued facts. */
  profile: CompanyProfile;
  /** Money received for it (payment) and paid back (refund), in the document's currency. */
  payments: Array<{ kind: "payment" | "refund"; amount: number }>;
  /** For a credit note without issued facts: the number of the invoice it credits, when it has one. */
  corrects: string | null;
  hasLogo: boolean;
}

export interface PrintableLine {
  description: string;
  quantity: string;
  unitPrice: string;
  discount: string;
  tax: string;
  total: string;
}

export interface PrintableVatRow {
  label: string;
  rate: string;
  taxable: string;
  vat: string;
  /** The same in the base currency, when the document is in another currency. */
  baseTaxable: string | null;
  baseVat: string | null;
}

export interface PrintableDocument {
  /** "Invoice", "Sales order", "Credit note". */
  title: string;
  number: string | null;
  /** "DRAFT – not issued" for a document with nothing issued; null once issued. */
  draftMark: string | null;
  /** "Invoice INV-2026-00001", or "Invoice (DRAFT – not issued)". */
  heading: string;
  fileName: string;
  locale: string;
  seller: { name: string; lines: string[]; hasLogo: boolean };
  buyer: { heading: string; lines: string[] };
  dates: Array<{ label: string; value: string }>;
  lines: PrintableLine[];
  vatSummary: PrintableVatRow[];
  baseCurrency: string | null;
  totals: Array<{ label: string; amount: string; strong?: boolean }>;
  amountDue: { label: string; amount: string };
  payment: { reference: string | null; accounts: string[] } | null;
  /** The legal wording the tax treatment asks for, and what a credit note corrects. */
  notes: string[];
  footer: string | null;
}

export const DRAFT_MARK = "DRAFT – not issued";

const TITLES: Record<DocumentKind, string> = { invoice: "Invoice", order: "Sales order", credit_note: "Credit note" };

/** The wording each tax treatment puts on the document (docs/documents.md, "The printed document"). */
export const TAX_WORDING: Partial<Record<TaxKind, string>> = {
  reverse_charge: "Reverse charge: VAT to be accounted for by the customer (VAT Directive 2006/112/EC, art. 196 and art. 226(11a))",
  oss: "VAT charged at the rate of the customer's member state under the One-Stop Shop",
  export: "Export: VAT 0 % (goods dispatched outside the EU, VAT Directive art. 146)",
  exempt: "Exempt from VAT",
};

/** Amounts in minor units written as the locale writes money ("1 234,50 €"), from an exact decimal string, never a float. */
export function moneyFormatter(locale: string, currency: string): (minor: number) => string {
  const format = new Intl.NumberFormat(locale, { style: "currency", currency });
  return (minor) => format.format(fromMinor(minor, currency) as `${number}`);
}

/** "21" → "21 %" in the locale's digits ("5,5 %"); the rate stays the decimal string it was stored as. */
function rateText(locale: string, rate: string | null): string {
  if (rate === null) return "—";
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: 4 }).format(rate as `${number}`)} %`;
}

/** A YYYY-MM-DD day written in the locale; the day itself is already the company's, so no zone shifts it. */
function dayText(locale: string, day: string): string {
  const [year, month, date] = day.split("-").map(Number);
  return new Intl.DateTimeFormat(locale, { dateStyle: "long", timeZone: "UTC" }).format(new Date(Date.UTC(year, month - 1, date)));
}

/** The calendar day an instant falls on in a time zone, as YYYY-MM-DD. */
export function dayIn(timeZone: string, at: number): string {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(new Date(at));
  const part = (type: string) => parts.find((entry) => entry.type === type)?.value ?? "";
  return `${part("year")}-${part("month")}-${part("day")}`;
}

const normalRate = (rate: string | null) => (rate === null ? null : String(Number(rate)));

/**
 * A line without VAT: the line total less its VAT, and the unit price and discount scaled by the
 * same net share when the store's prices included VAT (rounded to the minor unit; the line total is exact).
 */
function netOf(line: DocumentLine, pricesIncludeTax: boolean) {
  if (!pricesIncludeTax || line.total === 0) return { unitPrice: line.unit_price, discount: line.discount, total: pricesIncludeTax ? line.total - line.tax : line.total };
  const total = line.total - line.tax;
  const share = (minor: number) => Math.round((minor * total) / line.total);
  return { unitPrice: share(line.unit_price), discount: share(line.discount), total };
}

/** A draft's VAT summary, from its lines: one row per rate (an issued document keeps the one it was issued with). */
function draftVatSummary(lines: DocumentLine[], pricesIncludeTax: boolean): VatSummaryRow[] {
  const rows = new Map<string, VatSummaryRow>();
  for (const line of lines) {
    const rate = normalRate(line.tax_rate);
    const key = rate ?? "";
    const row = rows.get(key) ?? { tax_code: "", label: rate === null ? "VAT" : `VAT ${rate} %`, kind: "domestic", rate: rate ?? "", taxable: 0, vat: 0, base: null };
    row.taxable += netOf(line, pricesIncludeTax).total;
    row.vat += line.tax;
    rows.set(key, row);
  }
  return [...rows.values()];
}

/** "PL" → "Poland" in the document's language; a code the runtime does not know stays a code. */
function countryName(locale: string, code: string | null | undefined): string | null {
  if (!code) return null;
  try {
    return new Intl.DisplayNames([locale], { type: "region" }).of(code.toUpperCase()) ?? code;
  } catch {
    return code;
  }
}

function addressLines(locale: string, address: Partial<DocumentAddress> | null | undefined): string[] {
  if (!address) return [];
  const cityLine = [address.postcode, address.city].filter(Boolean).join(" ");
  return [address.line1, address.line2, [cityLine, address.region].filter(Boolean).join(", "), countryName(locale, address.country)].filter((line): line is string => !!line);
}

export function printableDocument(input: PrintableInput): PrintableDocument {
  const { document, issued, profile } = input;
  const content = document.content;
  const locale = issued?.locale ?? profile.locale;
  const timeZone = issued?.time_zone ?? profile.time_zone;
  const money = moneyFormatter(locale, document.currency);
  const title = TITLES[document.type];
  // A number makes a document issued; without one it is a draft, whatever else it has.
  const numbered = document.status !== "draft" && document.number !== null;
  const isIssued = numbered && issued !== null;
  // Executed before issued facts were kept: issued, but its seller can only be today's profile, and it says so.
  const reprint = numbered && issued === null;
  const number = numbered ? document.number : null;
  const draftMark = numbered ? null : DRAFT_MARK;

  const sellerSource = issued?.seller ?? profile;
  const sellerLines = [
    ...addressLines(locale, sellerSource.address),
    sellerSource.registration_number ? `Registration No. ${sellerSource.registration_number}` : null,
    sellerSource.vat_number ? `VAT No. ${sellerSource.vat_number}` : null,
    sellerSource.email,
    sellerSource.phone,
  ].filter((line): line is string => !!line);

  const customer = content.customer;
  const billing = content.billing_address;
  const buyerName = billing?.name ?? customer?.name ?? null;
  const buyerCompany = billing?.company ?? customer?.company ?? null;
  const buyerLines = [
    buyerCompany,
    buyerName && buyerName !== buyerCompany ? buyerName : null,
    ...addressLines(locale, billing),
    customer?.vat_number ? `VAT No. ${customer.vat_number}` : null,
  ].filter((line): line is string => !!line);

  const dates: PrintableDocument["dates"] = [];
  if (isIssued && issued) {
    dates.push({ label: "Issue date", value: dayText(locale, issued.issue_date) });
    dates.push({ label: "Supply date", value: dayText(locale, issued.supply_date) });
    if (issued.due_date) dates.push({ label: "Due date", value: dayText(locale, issued.due_date) });
  } else if (reprint && document.executedAt !== null) {
    dates.push({ label: "Issue date", value: dayText(locale, dayIn(timeZone, document.executedAt)) });
  } else {
    dates.push({ label: "Drafted", value: dayText(locale, dayIn(timeZone, document.createdAt)) });
  }
  dates.push({ label: "Time zone", value: timeZone });

  const vatRows = issued?.vat_summary.length ? issued.vat_summary : draftVatSummary(content.lines, content.prices_include_tax);
  const codeOfRate = new Map(vatRows.filter((row) => row.tax_code).map((row) => [normalRate(row.rate), row.tax_code]));
  const lines: PrintableLine[] = content.lines.map((line) => {
    const net = netOf(line, content.prices_include_tax);
    const code = codeOfRate.get(normalRate(line.tax_rate));
    return {
      description: line.description,
      quantity: new Intl.NumberFormat(locale, { maximumFractionDigits: 3 }).format(line.quantity),
      unitPrice: money(net.unitPrice),
      discount: net.discount ? money(net.discount) : "",
      tax: `${code ? `${code} ` : ""}${rateText(locale, line.tax_rate)}`,
      total: money(net.total),
    };
  });

  const base = issued?.base ?? null;
  const baseMoney = base ? moneyFormatter(locale, base.currency) : null;
  const vatSummary: PrintableVatRow[] = vatRows.map((row) => ({
    label: row.label || (row.tax_code ? row.tax_code : "VAT"),
    rate: rateText(locale, row.rate === "" ? null : row.rate),
    taxable: money(row.taxable),
    vat: money(row.vat),
    baseTaxable: baseMoney && row.base ? baseMoney(row.base.taxable) : null,
    baseVat: baseMoney && row.base ? baseMoney(row.base.vat) : null,
  }));

  const net = document.totals.total - document.totals.tax;
  const totals: PrintableDocument["totals"] = [
    { label: "Total excl. VAT", amount: money(net) },
    { label: "VAT", amount: money(document.totals.tax) },
    { label: "Total", amount: money(document.totals.total), strong: true },
  ];
  if (base && baseMoney) {
    totals.push({ label: `VAT in ${base.currency}`, amount: baseMoney(base.tax) });
    totals.push({ label: `Total in ${base.currency}`, amount: baseMoney(base.total) });
  }

  const paid = input.payments.reduce((sum, payment) => sum + (payment.kind === "payment" ? payment.amount : -payment.amount), 0);
  const credit = document.type === "credit_note";
  // A credit note is money owed to the customer: what has been paid back lowers it.
  const due = credit ? document.totals.total + paid : document.totals.total - paid;
  const amountDue = { label: credit ? "To be refunded" : "Amount due", amount: money(due) };

  const reference = issued?.payment_reference ?? number;
  const accounts = (sellerSource.bank_accounts ?? []).map((account) =>
    [`IBAN ${account.iban}`, account.bic ? `BIC ${account.bic}` : null, account.bank_name].filter(Boolean).join(" · "),
  );
  const payment = credit ? null : { reference, accounts };

  const kinds = new Set<TaxKind>([...(issued?.tax_kind ? [issued.tax_kind] : []), ...(issued?.vat_summary ?? []).map((row) => row.kind)]);
  const notes = [...kinds].map((kind) => TAX_WORDING[kind]).filter((text): text is string => !!text);
  const corrects = issued?.corrects ?? input.corrects;
  if (credit) notes.unshift(corrects ? `This credit note corrects invoice ${corrects}` : "This credit note corrects an earlier invoice");
  if (reprint) notes.push("Reprint: this document was issued before its seller details were fixed with it; they are printed as the company profile stands today");
  if (base) notes.push(`Amounts in ${base.currency} at the ECB reference rate of ${dayText(locale, base.rate_date)}: 1 ${base.currency} = ${base.rate} ${document.currency}`);

  return {
    title,
    number,
    draftMark,
    heading: number ? `${title} ${number}` : `${title} (${DRAFT_MARK})`,
    fileName: `${(number ?? `${title}-draft`).replace(/[^A-Za-z0-9._-]+/g, "-")}.pdf`,
    locale,
    seller: { name: sellerSource.legal_name ?? "(company name not set)", lines: sellerLines, hasLogo: input.hasLogo },
    buyer: { heading: "Bill to", lines: buyerLines.length ? buyerLines : ["—"] },
    dates,
    lines,
    vatSummary,
    baseCurrency: base?.currency ?? null,
    totals,
    amountDue,
    payment,
    notes,
    footer: sellerSource.invoice_footer ?? null,
  };
}
