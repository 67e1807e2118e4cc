/**
 * Tax codes: what a document line's VAT is booked under, named the way a bookkeeper's ledger names
 * it ("PVN21", "OSS-DE-19", "RC-EU-0", "EXPORT-0"). A code is the triple (kind, country of
 * taxation, rate); the table of member states' rates below seeds sensible defaults, and the
 * merchant edits the rest (docs/vat.md). Pure: the store is company/tax-code-store.ts.
 */
import { z } from "zod";

/** How a line's VAT is reported (docs/vat.md). */
export const TAX_KINDS = ["domestic", "oss", "reverse_charge", "export", "exempt"] as const;
export type TaxKind = (typeof TAX_KINDS)[number];

/**
 * VAT rates of the EU member states in 2026 (percent, standard first, then the reduced and
 * super-reduced ones; 0 for zero-rated supplies). ISO country codes: Greece is GR here and EL in
 * VAT numbers. Rates change: this table only seeds codes, which the merchant can add to or edit.
 */
export const EU_VAT_RATES: Readonly<Record<string, readonly string[]>> = {
  AT: ["20", "13", "10", "0"],
  BE: ["21", "12", "6", "0"],
  BG: ["20", "9", "0"],
  CY: ["19", "9", "5", "3", "0"],
  CZ: ["21", "12", "0"],
  DE: ["19", "7", "0"],
  DK: ["25", "0"],
  EE: ["24", "13", "9", "0"],
  ES: ["21", "10", "4", "0"],
  FI: ["25.5", "13.5", "10", "0"],
  FR: ["20", "10", "5.5", "2.1", "0"],
  GR: ["24", "13", "6", "0"],
  HR: ["25", "13", "5", "0"],
  HU: ["27", "18", "5", "0"],
  IE: ["23", "13.5", "9", "4.8", "0"],
  IT: ["22", "10", "5", "4", "0"],
  LT: ["21", "12", "9", "5", "0"],
  LU: ["17", "14", "8", "3", "0"],
  LV: ["21", "12", "5", "0"],
  MT: ["18", "7", "5", "0"],
  NL: ["21", "9", "0"],
  PL: ["23", "8", "5", "0"],
  PT: ["23", "13", "6", "0"],
  RO: ["21", "11", "0"],
  SE: ["25", "12", "6", "0"],
  SI: ["22", "9.5", "5", "0"],
  SK: ["23", "19", "5", "0"],
};

export const isEuMemberState = (country: string | null | undefined): country is string => Boolean(country && country in EU_VAT_RATES);

/** The prefix a VAT number of the member state carries: the ISO code, except Greece's EL. */
export const vatPrefixOf = (country: string) => (country === "GR" ? "EL" : country);

/** What the tax is called at home, for the domestic codes ("PVN21" in Latvia); "VAT" elsewhere. */
const DOMESTIC_PREFIX: Readonly<Record<string, string>> = {
  LV: "PVN",
  LT: "PVM",
  EE: "KM",
  PL: "VAT",
  DE: "MWST",
  AT: "MWST",
  FR: "TVA",
  BE: "BTW",
  NL: "BTW",
  IT: "IVA",
  ES: "IVA",
  PT: "IVA",
  FI: "ALV",
  SE: "MOMS",
  DK: "MOMS",
};

/**
 * A rate as one string whatever the store sent: "21.0" and "21" are one rate, "5.50" is "5.5",
 * no rate is "0". Null for something that is not a non-negative decimal.
 */
export function normaliseRate(rate: string | number | null | undefined): string | null {
  if (rate === null || rate === undefined || rate === "") return "0";
  const text = String(rate).trim();
  const match = /^(\d+)(?:\.(\d*))?$/.exec(text);
  if (!match) return null;
  const whole = match[1].replace(/^0+(?=\d)/, "");
  const fraction = (match[2] ?? "").replace(/0+$/, "");
  return fraction ? `${whole}.${fraction}` : whole;
}

export interface TaxCode {
  id: string;
  code: string;
  label: string;
  kind: TaxKind;
  /** ISO country of taxation; "" for reverse charge, export and outside VAT. */
  country: string;
  rate: string;
}

export type TaxCodeDraft = Omit<TaxCode, "id">;

/** Tax codes are few and never sorted by id: a random one will do. */
export const newTaxCodeId = () => `tax_${crypto.randomUUID().replaceAll("-", "")}`;

const KIND_LABEL: Record<TaxKind, string> = {
  domestic: "VAT",
  oss: "OSS",
  reverse_charge: "Reverse charge",
  export: "Export",
  exempt: "Outside the scope of VAT",
};

/** The default code and label of a (kind, country, rate). */
export function defaultTaxCode(kind: TaxKind, country: string, rate: string): TaxCodeDraft {
  switch (kind) {
    case "domestic":
      return { kind, country, rate, code: `${DOMESTIC_PREFIX[country] ?? "VAT"}${rate}`, label: `VAT ${rate} % (${country})` };
    case "oss":
      return { kind, country, rate, code: `OSS-${country}-${rate}`, label: `OSS ${country} ${rate} %` };
    case "reverse_charge":
      return { kind, country: "", rate: "0", code: "RC-EU-0", label: "Reverse charge" };
    case "export":
      return { kind, country: "", rate: "0", code: "EXPORT-0", label: "Export outside the EU, 0 %" };
    case "exempt":
      return { kind, country: "", rate: "0", code: "OUTSIDE-0", label: KIND_LABEL.exempt };
  }
}

/**
 * The codes an inbox starts with: domestic ones at the company country's rates, OSS ones at every
 * other member state's, reverse charge, export and outside VAT. Without a country only the last
 * three can be known.
 */
export function defaultTaxCodes(companyCountry: string | null): TaxCodeDraft[] {
  const codes: TaxCodeDraft[] = [];
  if (companyCountry) {
    for (const rate of EU_VAT_RATES[companyCountry] ?? ["0"]) codes.push(defaultTaxCode("domestic", companyCountry, rate));
    for (const [country, rates] of Object.entries(EU_VAT_RATES)) {
      if (country !== companyCountry) for (const rate of rates) codes.push(defaultTaxCode("oss", country, rate));
    }
  }
  codes.push(defaultTaxCode("reverse_charge", "", "0"), defaultTaxCode("export", "", "0"), defaultTaxCode("exempt", "", "0"));
  return codes;
}

export const taxCodeKey = (kind: TaxKind, country: string, rate: string) => `${kind}|${country}|${rate}`;

/** Codes by (kind, country, rate): how a document line finds its code. */
export type TaxCodeIndex = ReadonlyMap<string, TaxCode>;

export const taxCodeIndex = (codes: readonly TaxCode[]): TaxCodeIndex => new Map(codes.map((code) => [taxCodeKey(code.kind, code.country, code.rate), code]));

const countryField = z
  .string()
  .trim()
  .toUpperCase()
  .refine((value) => value === "" || /^[A-Z]{2}$/.test(value), 'must be an ISO country code like "DE", or "" for reverse charge, export and outside VAT');
const rateField = z
  .union([z.string(), z.number().transform(String)])
  .transform((value, context) => {
    const rate = normaliseRate(value);
    if (rate === null || Number(rate) > 100) {
      context.addIssue({ code: "custom", message: 'must be a percentage like "21" or "5.5"' });
      return z.NEVER;
    }
    return rate;
  });

export const taxCodeSchema = z
  .object({
    id: z.string(),
    code: z.string(),
    label: z.string(),
    kind: z.enum(TAX_KINDS),
    country: z.string().meta({ description: 'Country of taxation; "" for reverse charge, export and outside VAT' }),
    rate: z.string().meta({ description: "Percent as a decimal string", examples: ["21", "5.5"] }),
  })
  .meta({ id: "TaxCode" });

export const taxCodeCreateSchema = z
  .object({
    code: z.string().trim().min(1).max(40),
    label: z.string().trim().min(1).max(200),
    kind: z.enum(TAX_KINDS),
    country: countryField.default(""),
    rate: rateField,
  })
  .meta({ id: "TaxCodeCreate" });

export const taxCodeUpdateSchema = z
  .object({
    code: z.string().trim().min(1).max(40),
    label: z.string().trim().min(1).max(200),
    kind: z.enum(TAX_KINDS),
    country: countryField,
    rate: rateField,
  })
  .partial()
  .meta({ id: "TaxCodeUpdate" });
