/**
 * Countries as stores write them. The inbox keeps ISO 3166-1 alpha-2 codes, but WooCommerce
 * stores with custom checkout fields, POS systems and hand-made Connect senders write "India",
 * "USA", "Deutschland" or "UK". A country is never a reason to refuse an order (the store does
 * not send it again): what can be mapped is, and what cannot is kept as written and warned about.
 *
 * Names come from the runtime's own ICU data (Intl.DisplayNames) rather than a table of our own,
 * built once per isolate and only when a value is not already a code, so a well-formed order
 * costs one ICU look-up per address.
 */

/** Names and codes that are not an ISO code or an English name, as stores and buyers write them. */
const VARIANTS: Record<string, string> = {
  UK: "GB", // the usual abbreviation, reserved in ISO for the United Kingdom
  EL: "GR", // Greece in EU VAT and Eurostat usage
  USA: "US",
  "U S A": "US",
  "U S": "US",
  AMERICA: "US",
  "UNITED STATES OF AMERICA": "US",
  "GREAT BRITAIN": "GB",
  BRITAIN: "GB",
  ENGLAND: "GB",
  SCOTLAND: "GB",
  WALES: "GB",
  "NORTHERN IRELAND": "GB",
  HOLLAND: "NL",
  "CZECH REPUBLIC": "CZ",
  RUSSIA: "RU",
  KOREA: "KR",
  "SOUTH KOREA": "KR",
  "NORTH KOREA": "KP",
  "IVORY COAST": "CI",
  VIETNAM: "VN",
  "VATICAN CITY": "VA",
  UAE: "AE",
  "TURKEY": "TR",
  // ISO alpha-3 codes that stores and ERPs send most often
  DEU: "DE", GBR: "GB", FRA: "FR", ITA: "IT", ESP: "ES", NLD: "NL", BEL: "BE", AUT: "AT", CHE: "CH",
  POL: "PL", CZE: "CZ", SWE: "SE", NOR: "NO", DNK: "DK", FIN: "FI", EST: "EE", LVA: "LV", LTU: "LT",
  IRL: "IE", PRT: "PT", GRC: "GR", CAN: "CA", AUS: "AU", NZL: "NZ", IND: "IN", JPN: "JP", CHN: "CN",
};

/** Region codes ICU names that are not countries. */
const NOT_COUNTRIES = new Set(["EU", "EZ", "UN", "QO", "ZZ", "XA", "XB"]);

/** Languages whose country names stores in our markets write out (English first). */
const LANGUAGES = ["en", "de", "fr", "es", "it", "nl", "pt", "pl", "sv", "da", "fi", "lv", "lt", "et", "ru"];

const key = (value: string) =>
  value
    .normalize("NFKC")
    .toUpperCase()
    .replace(/[.,'’()]/g, " ")
    .replace(/^THE\s+/, "")
    .replace(/\s+/g, " ")
    .trim();

let names: Map<string, string> | null = null;
let english: Intl.DisplayNames | null = null;

const LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/** Whether a value is an ISO 3166-1 alpha-2 code of a country: one ICU look-up, no table built. */
export function isCountryCode(value: string): boolean {
  if (!/^[A-Z]{2}$/.test(value) || NOT_COUNTRIES.has(value)) return false;
  // ICU also names retired codes (DD, YU, ZR) by their successor's name: only current codes count.
  if (Intl.getCanonicalLocales(`und-${value}`)[0] !== `und-${value}`) return false;
  english ??= new Intl.DisplayNames(["en"], { type: "region", fallback: "none" });
  return english.of(value) !== undefined;
}

function knownCodes(): string[] {
  return [...LETTERS].flatMap((first) => [...LETTERS].map((second) => first + second)).filter(isCountryCode);
}

function countryNames(): Map<string, string> {
  if (names) return names;
  names = new Map();
  const codes = knownCodes();
  for (const language of LANGUAGES) {
    const display = new Intl.DisplayNames([language], { type: "region", fallback: "none" });
    for (const code of codes) {
      const name = display.of(code);
      // The first language to name a country wins: "Georgia" stays GE whatever a later one says.
      if (name && !names.has(key(name))) names.set(key(name), code);
    }
  }
  return names;
}


/**
 * The ISO code of a country as a store wrote it; what cannot be mapped comes back trimmed, as
 * written, for checkAddresses to warn about.
 */
export function countryCode(value: string): string {
  const trimmed = value.trim();
  const upper = trimmed.toUpperCase();
  if (/^[A-Z]{2}$/.test(upper) && !VARIANTS[upper] && isCountryCode(upper)) return upper;
  const normalised = key(trimmed);
  return VARIANTS[normalised] ?? countryNames().get(normalised) ?? trimmed;
}
