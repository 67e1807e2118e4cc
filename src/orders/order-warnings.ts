/**
 * Everything the inbox doubts about an order as the store sent it: sums that do not add up
 * (totals.ts) and addresses it cannot read. A doubt is never a refusal: the order is stored, and
 * the warnings hold it in needs_attention for a person, with reasons a bookkeeper can read.
 */
import { isCountryCode } from "./countries";
import type { Order } from "./order";
import { checkTotals, type OrderWarning } from "./totals";

export type { OrderWarning } from "./totals";

/** Codes of the warnings about addresses rather than money. */
export const ADDRESS_WARNINGS = new Set(["unknown_country"]);

export function checkAddresses(order: Order): OrderWarning[] {
  const warnings: OrderWarning[] = [];
  for (const [field, label] of [
    ["billing_address", "Billing"],
    ["shipping_address", "Shipping"],
  ] as const) {
    const country = order[field]?.country;
    if (country && !isCountryCode(country)) {
      warnings.push({
        code: "unknown_country",
        message: `${label} address: the country "${country}" is not one the inbox can name (an ISO code like "DE" or a country's name): check the address before the invoice is made`,
      });
    }
  }
  return warnings;
}

export const orderWarnings = (order: Order): OrderWarning[] => [...checkTotals(order), ...checkAddresses(order)];
