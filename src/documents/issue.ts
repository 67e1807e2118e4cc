/**
 * Issuing a document: the facts it will say forever (documents.issued), composed when it is
 * executed from the company profile as it stands then, the document's own lines, the VAT summary
 * and its amounts in the base currency. A fact that cannot be had (no exchange rate for the
 * document's date) holds the draft with the reason instead of guessing.
 */
import { companyProfileRow } from "../company/company-store";
import { baseAmounts, baseCurrencyProblem, rateOn } from "../company/exchange-rates";
import { listTaxCodes } from "../company/tax-code-store";
import { AppError } from "../lib/errors";
import { documentForIssue } from "./document-store";
import { companyProfileSchema, EMPTY_PROFILE, type CompanyProfile } from "../company/profile";
import type { DocumentContent, DocumentKind, Problem } from "./document";
import type { BaseAmounts, IssuedFacts, TaxKind, VatSummaryRow } from "./issued";
import { vatSummary } from "./vat-summary";

/** "2026-11-27" for an instant, as the calendar reads in `timeZone`. */
export function dateIn(timeZone: string, at: number): string {
  // en-CA writes dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date(at));
}

/** A date plus whole days, on the calendar (no time zone can shift it). */
export function addDays(date: string, days: number): string {
  const at = Date.parse(`${date}T00:00:00Z`) + days * 86_400_000;
  return new Date(at).toISOString().slice(0, 10);
}

export interface IssueInput {
  profile: CompanyProfile;
  logoKey: string | null;
  document: { type: DocumentKind; currency: string; data: DocumentContent; subtotal: number; tax: number; total: number; placedAt: string | null; corrects: string | null };
  vatSummary: VatSummaryRow[];
  base: BaseAmounts | null;
  now: number;
}

/** The facts a document is issued with (pure). The payment reference is its number, set as it is numbered. */
export function issuedFacts(input: IssueInput): IssuedFacts {
  const { profile, document, now } = input;
  const { payment_terms_days, base_currency: _base, time_zone, locale, ...seller } = profile;
  const issueDate = dateIn(time_zone, now);
  const placed = document.placedAt ? Date.parse(document.placedAt) : Number.NaN;
  const kinds = [...new Set(input.vatSummary.map((row) => row.kind))];
  return {
    seller: { ...seller, logo_key: input.logoKey },
    time_zone,
    locale,
    issue_date: issueDate,
    // Goods bought online are supplied when the order is placed; a document made by hand, when issued.
    supply_date: Number.isNaN(placed) ? issueDate : dateIn(time_zone, placed),
    due_date: document.type === "invoice" ? addDays(issueDate, payment_terms_days) : null,
    payment_reference: "",
    tax_kind: kinds.length === 1 ? (kinds[0] as TaxKind) : null,
    vat_summary: input.vatSummary,
    base: input.base,
    corrects: document.type === "credit_note" ? document.corrects : null,
  };
}

/** The profile as it stands, with its logo's key, for issuing. */
export async function profileForIssue(d1: D1Database): Promise<{ profile: CompanyProfile; logoKey: string | null }> {
  const row = await companyProfileRow(d1);
  return { profile: row ? companyProfileSchema.parse(JSON.parse(row.data)) : EMPTY_PROFILE, logoKey: row?.logoKey ?? null };
}

export type IssueOutcome = { ok: true; facts: IssuedFacts } | { ok: false; problem: Problem };

/** Everything executing `documentId` needs to fix its issued facts, or the reason it cannot be issued yet. */
export async function prepareIssue(d1: D1Database, documentId: string, now: number): Promise<IssueOutcome> {
  const [document, { profile, logoKey }] = await Promise.all([documentForIssue(d1, documentId), profileForIssue(d1)]);
  if (!document) throw new AppError("not_found", `No document ${documentId}`);
  const summary = vatSummary(document.data.lines, document.data.prices_include_tax, await listTaxCodes(d1), document.data.tax_kind ?? null);
  if (document.currency === profile.base_currency) {
    return { ok: true, facts: issuedFacts({ profile, logoKey, document, vatSummary: summary, base: null, now }) };
  }
  // The rate of the document's date: the ECB's last on or before the day it is issued.
  const rate = await rateOn(d1, { from: document.currency, to: profile.base_currency, date: dateIn(profile.time_zone, now) });
  const problem = baseCurrencyProblem(rate);
  if (problem || !rate.found) return { ok: false, problem: problem! };
  const converted = baseAmounts({ currency: document.currency, baseCurrency: profile.base_currency, rate, taxIncluded: document.data.prices_include_tax, rows: summary });
  return { ok: true, facts: issuedFacts({ profile, logoKey, document, vatSummary: converted.rows, base: converted.base, now }) };
}
