/**
 * Documents to print, built by hand: a B2B invoice to a Polish company under reverse charge, a
 * US-dollar invoice with its amounts in the euro base currency, its credit note, and a draft.
 * The IssuedFacts are written as the lead's execute step will write them (src/documents/issued.ts),
 * so the printable model can be pinned before that integration lands.
 */
import type { CompanyProfile } from "../../src/company/profile";
import { companyProfileSchema } from "../../src/company/profile";
import type { DocumentContent } from "../../src/documents/document";
import type { IssuedFacts } from "../../src/documents/issued";
import type { PrintableInput } from "../../src/documents/render/printable";

export const PROFILE: CompanyProfile = companyProfileSchema.parse({
  legal_name: "SIA Kalniņš un Partneri",
  registration_number: "40003245752",
  vat_number: "LV40003245752",
  address: { line1: "Brīvības iela 21", city: "Rīga", postcode: "LV-1010", country: "LV" },
  bank_accounts: [{ iban: "LV80BANK0000435195001", bic: "HABALV22", bank_name: "Swedbank" }],
  email: "rekini@kalnins.example",
  phone: "+371 2000 0000",
  invoice_footer: "Thank you for your order.",
  payment_terms_days: 14,
  base_currency: "EUR",
  time_zone: "Europe/Riga",
  locale: "en-GB",
});

const { payment_terms_days: _terms, base_currency: _base, time_zone: _zone, locale: _locale, ...seller } = PROFILE;

export const CONTENT: DocumentContent = {
  prices_include_tax: false,
  customer: { name: "Jānis Kalniņš", email: "janis@example.pl", company: "Kalniņš Sp. z o.o.", vat_number: "PL5260250274" },
  billing_address: { name: "Jānis Kalniņš", company: "Kalniņš Sp. z o.o.", line1: "ul. Piotrkowska 104", city: "Łódź", postcode: "90-926", country: "PL" },
  shipping_address: null,
  source: { order_id: "ord_1", external_id: "1001", number: "#1001" },
  note: null,
  lines: [
    { kind: "item", product_id: "p1", sku: "MUG-1", description: "Ceramic mug, blue – Żółć edition", quantity: 2, unit_price: 1250, discount: 0, tax_rate: "0", tax: 0, total: 2500 },
    { kind: "item", product_id: "p2", sku: "TEA-1", description: "Tea, 100 g", quantity: 3, unit_price: 499, discount: 97, tax_rate: "0", tax: 0, total: 1400 },
  ],
};

export const REVERSE_CHARGE: IssuedFacts = {
  seller: { ...seller, logo_key: null },
  time_zone: "Europe/Riga",
  locale: "en-GB",
  issue_date: "2026-03-01",
  supply_date: "2026-02-28",
  due_date: "2026-03-15",
  payment_reference: "INV-2026-00001",
  tax_kind: "reverse_charge",
  vat_summary: [{ tax_code: "RC", label: "Reverse charge", kind: "reverse_charge", rate: "0", taxable: 3900, vat: 0, base: null }],
  base: null,
  corrects: null,
};

export const invoiceInput = (overrides: Partial<PrintableInput> = {}): PrintableInput => ({
  document: {
    type: "invoice",
    status: "executed",
    number: "INV-2026-00001",
    currency: "EUR",
    content: CONTENT,
    totals: { subtotal: 3900, tax: 0, total: 3900 },
    createdAt: Date.UTC(2026, 1, 28, 23, 30),
    executedAt: Date.UTC(2026, 2, 1, 8),
  },
  issued: REVERSE_CHARGE,
  profile: PROFILE,
  payments: [],
  corrects: null,
  hasLogo: false,
  ...overrides,
});

/** A US-dollar invoice to a Latvian consumer at two rates, with its amounts in euro. */
export const USD_CONTENT: DocumentContent = {
  ...CONTENT,
  customer: { name: "Anna Bērziņa", email: "anna@example.lv", company: null, vat_number: null },
  billing_address: { name: "Anna Bērziņa", line1: "Ķīpsalas iela 6", city: "Rīga", postcode: "LV-1048", country: "LV" },
  lines: [
    { kind: "item", product_id: "p1", sku: "MUG-1", description: "Ceramic mug, blue", quantity: 2, unit_price: 1250, discount: 0, tax_rate: "21", tax: 525, total: 2500 },
    { kind: "item", product_id: "p3", sku: "BOOK-1", description: "Cookbook", quantity: 1, unit_price: 2000, discount: 0, tax_rate: "12", tax: 240, total: 2000 },
  ],
};

export const USD_ISSUED: IssuedFacts = {
  ...REVERSE_CHARGE,
  payment_reference: "INV-2026-00002",
  tax_kind: "domestic",
  vat_summary: [
    { tax_code: "S21", label: "Standard rate", kind: "domestic", rate: "21", taxable: 2500, vat: 525, base: { taxable: 2312, vat: 486 } },
    { tax_code: "R12", label: "Reduced rate", kind: "domestic", rate: "12", taxable: 2000, vat: 240, base: { taxable: 1850, vat: 222 } },
  ],
  base: { currency: "EUR", rate: "1.0812", rate_date: "2026-02-27", subtotal: 4162, tax: 708, total: 4870 },
};
