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

/** A buyer's VAT number as VIES asks it, when it is well-formed and of the buyer's member state. */
export function buyerVatNumber(order: Order, buyer: string | null): string | null {
  const raw = order.customer?.vat_number;
  if (!raw || !buyer || !isEuMemberState(buyer)) return null;
  const number = normaliseVatNumber(raw);
  return VAT_NUMBER_FORMAT.test(number) && number.startsWith(vatPrefixOf(buyer)) ? number : null;
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
