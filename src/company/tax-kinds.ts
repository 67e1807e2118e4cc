/**
 * The kind of VAT an order's lines are reported under, decided from the seller's and the buyer's
 * countries, the buyer's VAT number and what the store charged (docs/vat.md has the table). Pure.
 *
 * The store's amounts stay the truth: the inbox never adds or removes VAT the store charged. When
 * the store charged VAT where the rules say none is due (a business buyer in another member state,
 * an export), the order is reported as the store charged it and a bookkeeper corrects the store.
 */
import type { Order } from "../orders/order";
import { normaliseVatNumber, VAT_NUMBER_FORMAT } from "./profile";
import { EU_VAT_RATES, isEuMemberState, normaliseRate, vatPrefixOf, type TaxKind } from "./tax-codes";

export interface TaxSituation {
  kind: TaxKind;
  /** The company's country. */
  seller: string;
  /** Where the goods go (shipping address), else the billing address's country; null when neither says. */
  buyer: string | null;
}

/**
 * The form of each member state's VAT numbers after the prefix (the EC's VIES FAQ, "VAT number
 * format"). A number of the right form may still be unregistered: VIES says (company/vies.ts).
 */
const NATIONAL_FORMAT: Readonly<Record<string, RegExp>> = {
  AT: /^U\d{8}$/,
  BE: /^[01]\d{9}$/,
  BG: /^\d{9,10}$/,
  CY: /^\d{8}[A-Z]$/,
  CZ: /^\d{8,10}$/,
  DE: /^\d{9}$/,
  DK: /^\d{8}$/,
  EE: /^\d{9}$/,
  EL: /^\d{9}$/,
  ES: /^[A-Z0-9]\d{7}[A-Z0-9]$/,
  FI: /^\d{8}$/,
  FR: /^[A-HJ-NP-Z0-9]{2}\d{9}$/,
  HR: /^\d{11}$/,
  HU: /^\d{8}$/,
  IE: /^(\d{7}[A-W][A-I]?|\d[A-Z+*]\d{5}[A-W])$/,
  IT: /^\d{11}$/,
  LT: /^(\d{9}|\d{12})$/,
  LU: /^\d{8}$/,
  LV: /^\d{11}$/,
  MT: /^\d{8}$/,
  NL: /^\d{9}B\d{2}$/,
  PL: /^\d{10}$/,
  PT: /^\d{9}$/,
  RO: /^\d{2,10}$/,
  SE: /^\d{12}$/,
  SI: /^\d{8}$/,
  SK: /^\d{10}$/,
};

/** A buyer's VAT number as VIES asks it, when it is of the buyer's member state and of its form. */
export function buyerVatNumber(order: Order, buyer: string | null): string | null {
  const raw = order.customer?.vat_number;
  if (!raw || !buyer || !isEuMemberState(buyer)) return null;
  const number = normaliseVatNumber(raw);
  const prefix = vatPrefixOf(buyer);
  if (!VAT_NUMBER_FORMAT.test(number) || !number.startsWith(prefix)) return null;
  return NATIONAL_FORMAT[prefix]?.test(number.slice(2)) ? number : null;
}

const chargedVat = (order: Order) =>
  order.totals.tax !== 0 || order.lines.some((line) => (line.tax ?? 0) !== 0) || order.shipping.some((entry) => (entry.tax ?? 0) !== 0);

/** The order's kind, or null when the company's country is not known (no code can be chosen). */
export function taxSituation(order: Order, sellerCountry: string | null): TaxSituation | null {
  if (!sellerCountry) return null;
  const buyer = order.shipping_address?.country ?? order.billing_address?.country ?? null;
  const situation = (kind: TaxKind): TaxSituation => ({ kind, seller: sellerCountry, buyer });
  if (!buyer || buyer === sellerCountry) return situation("domestic");
  const charged = chargedVat(order);
  if (!isEuMemberState(buyer)) return situation(charged ? "domestic" : "export");
  if (!isEuMemberState(sellerCountry)) return situation("domestic");
  if (buyerVatNumber(order, buyer) && !charged) return situation("reverse_charge");
  // A consumer, or a business the store charged VAT anyway: the destination's VAT, as charged.
  return situation("oss");
}

/** The (kind, country, rate) a line of the order is booked under. */
export function lineTaxKey(situation: TaxSituation, lineKind: string | undefined, rate: string): { kind: TaxKind; country: string; rate: string } {
  if (lineKind === "tip" || lineKind === "gift_card") return { kind: "exempt", country: "", rate: "0" };
  switch (situation.kind) {
    case "domestic":
      return { kind: "domestic", country: situation.seller, rate };
    case "oss":
      return { kind: "oss", country: situation.buyer ?? "", rate };
    default:
      return { kind: situation.kind, country: "", rate: "0" };
  }
}

/**
 * A shipping line's rate, which no store sends: none when no tax was charged; else the order's one
 * item rate when the tax fits it, else the tax over the net price, rounded to the nearest rate of
 * the country of taxation.
 */
export function shippingRate(situation: TaxSituation, itemRates: readonly string[], price: number, tax: number, pricesIncludeTax: boolean): string {
  if (tax === 0) return "0";
  const net = pricesIncludeTax ? price - tax : price;
  if (net <= 0) return "0";
  const percent = (tax * 100) / net;
  const distinct = [...new Set(itemRates)];
  if (distinct.length === 1 && Math.abs(Number(distinct[0]) - percent) < 0.5) return distinct[0];
  const country = situation.kind === "oss" ? situation.buyer : situation.seller;
  const rates = (country && EU_VAT_RATES[country]) || distinct;
  if (rates.length === 0) return normaliseRate(percent.toFixed(1)) ?? "0";
  return rates.reduce((best, rate) => (Math.abs(Number(rate) - percent) < Math.abs(Number(best) - percent) ? rate : best));
}

export const KIND_WORDS: Record<TaxKind, (country: string) => string> = {
  domestic: (country) => `domestic VAT in ${country}`,
  oss: (country) => `OSS in ${country}`,
  reverse_charge: () => "reverse charge",
  export: () => "export",
  exempt: () => "outside VAT",
};
