/**
 * The company profile: who the seller is on every document, and how the books are kept (base
 * currency, time zone, locale). One profile per inbox; documents copy what they need of it when
 * they are executed (documents/issued.ts), so a later change never rewrites an issued invoice.
 */
import { z } from "zod";
import { isCurrency } from "../orders/money";
import { isCountryCode } from "../orders/countries";

const text = (max: number) => z.string().trim().max(max);
const optional = (max: number) => text(max).nullish().transform((value) => (value ? value : null));

/** ISO 13616: letters and digits, mod 97 of the rearranged number is 1. Spaces are for people. */
export function isIban(value: string): boolean {
  const iban = value.replace(/\s+/g, "").toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$/.test(iban)) return false;
  const digits = (iban.slice(4) + iban.slice(0, 4)).replace(/[A-Z]/g, (letter) => String(letter.charCodeAt(0) - 55));
  let remainder = 0;
  for (const digit of digits) remainder = (remainder * 10 + Number(digit)) % 97;
  return remainder === 1;
}

/** A VAT number as the EU writes it: the country prefix (EL for Greece) and 2–13 characters. */
export const normaliseVatNumber = (value: string) => value.replace(/[\s.\-]/g, "").toUpperCase();
export const VAT_NUMBER_FORMAT = /^[A-Z]{2}[0-9A-Z+*]{2,13}$/;

const isTimeZone = (value: string) => {
  try {
    new Intl.DateTimeFormat("en", { timeZone: value });
    return true;
  } catch {
    return false;
  }
};
const isLocale = (value: string) => {
  try {
    return Intl.getCanonicalLocales(value).length === 1;
  } catch {
    return false;
  }
};

export const bankAccountSchema = z.object({
  iban: z
    .string()
    .transform((value) => value.replace(/\s+/g, "").toUpperCase())
    .refine(isIban, "must be an IBAN whose check digits are right, like LV80BANK0000435195001"),
  bic: optional(11).refine((value) => value === null || /^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$/.test(value.toUpperCase()), "must be a BIC of 8 or 11 characters"),
  bank_name: optional(200),
});

export const companyAddressSchema = z.object({
  line1: optional(200),
  line2: optional(200),
  city: optional(100),
  postcode: optional(40),
  region: optional(100),
  country: z
    .string()
    .trim()
    .toUpperCase()
    .refine(isCountryCode, 'must be an ISO 3166-1 alpha-2 country code, like "LV"')
    .nullish()
    .transform((value) => value ?? null),
});

export const companyProfileSchema = z
  .object({
    legal_name: optional(300),
    registration_number: optional(64),
    vat_number: optional(32)
      .transform((value) => (value ? normaliseVatNumber(value) : null))
      .refine((value) => value === null || VAT_NUMBER_FORMAT.test(value), 'must be a VAT number with its country prefix, like "LV40003245752"'),
    address: companyAddressSchema.default({ line1: null, line2: null, city: null, postcode: null, region: null, country: null }),
    bank_accounts: z.array(bankAccountSchema).max(5).default([]),
    email: optional(320).refine((value) => value === null || /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value), "must be an e-mail address"),
    phone: optional(64),
    invoice_footer: optional(2000),
    payment_terms_days: z.number().int().min(0).max(365).default(14),
    base_currency: z
      .string()
      .trim()
      .toUpperCase()
      .refine(isCurrency, 'must be an ISO 4217 currency code, like "EUR"')
      .default("EUR"),
    time_zone: z.string().trim().refine(isTimeZone, 'must be an IANA time zone, like "Europe/Riga"').default("UTC"),
    locale: z.string().trim().refine(isLocale, 'must be a BCP 47 locale, like "lv-LV" or "en-GB"').default("en-GB"),
  })
  .meta({ id: "CompanyProfile" });

export type CompanyProfile = z.output<typeof companyProfileSchema>;

/** A change to the profile: any of its fields; what is left out stays as it is. */
export const companyProfileUpdateSchema = companyProfileSchema
  .partial()
  .extend({ address: companyAddressSchema.partial().optional() })
  .meta({ id: "CompanyProfileUpdate" });

/** The profile of an inbox that has none yet: every default, no seller named. */
export const EMPTY_PROFILE: CompanyProfile = companyProfileSchema.parse({});

/** What is missing for a document to name its seller as the VAT Directive (art. 226) asks. */
export function missingSellerDetails(profile: CompanyProfile): string[] {
  const missing: string[] = [];
  if (!profile.legal_name) missing.push("legal name");
  if (!profile.address.line1 || !profile.address.city || !profile.address.country) missing.push("address");
  if (!profile.vat_number && !profile.registration_number) missing.push("VAT or registration number");
  return missing;
}
