/**
 * The parts of WooCommerce's REST v3 order the inbox reads. Minimal and tolerant: plugins add
 * fields, stores format money to their own decimals, and `price` is a float we never use. Read
 * losslessly, so every number is its exact text.
 */
import { z } from "zod";

import { decimal, flag, optionalText, quantity, text, uniqueIds } from "../payload-fields";
/** An amount a store may leave empty ("") as well as out: both mean none. */
const optionalDecimal = z.union([z.literal("").transform(() => null), decimal]).nullish();
const taxes = z.array(z.object({ id: text, total: z.union([decimal, z.literal("")]).nullish() })).nullish();

const party = z
  .object({
    first_name: optionalText,
    last_name: optionalText,
    company: optionalText,
    address_1: optionalText,
    address_2: optionalText,
    city: optionalText,
    state: optionalText,
    postcode: optionalText,
    country: optionalText,
    email: optionalText,
    phone: optionalText,
  })
  .nullish();

/**
 * A time as WooCommerce writes it: "2024-11-30T08:12:44", or "2016-05-30 19:35:25" in older
 * payloads, without a zone. The `_gmt` fields are UTC; see `withGmtDates` for payloads that lack them.
 */
const storeTime = z
  .string()
  .transform((value) => value.trim().replace(" ", "T"))
  .pipe(z.string().regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z?$/, "must be a date-time like 2024-11-30T08:12:44"));

/**
 * A webhook set to the legacy REST API v1 sends `date_created` and friends in the site's time
 * zone and no `_gmt` twins. Refusing those orders loses them (WooCommerce disables a webhook that
 * keeps failing), so the site's time stands in for UTC: off by the site's offset, never lost. The
 * channel docs say so.
 */
function withGmtDates(value: unknown): unknown {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
  const order = { ...(value as Record<string, unknown>) };
  for (const field of ["date_created", "date_modified", "date_paid"]) {
    if (order[`${field}_gmt`] == null && typeof order[field] === "string") order[`${field}_gmt`] = order[field];
  }
  return order;
}

export const wooOrderSchema = z.preprocess(withGmtDates, z.object({
  id: text,
  number: optionalText,
  status: z.string(),
  currency: z.string(),
  prices_include_tax: flag.nullish(),
  date_created_gmt: storeTime,
  date_modified_gmt: storeTime.nullish(),
  date_paid_gmt: storeTime.nullish(),
  discount_total: optionalDecimal,
  discount_tax: optionalDecimal,
  total: decimal,
  total_tax: optionalDecimal,
  /** The lines' and fees' tax as the order rounded it (per line, or once at subtotal level). */
  cart_tax: optionalDecimal,
  shipping_tax: optionalDecimal,
  billing: party,
  shipping: party,
  payment_method: optionalText,
  payment_method_title: optionalText,
  transaction_id: optionalText,
  customer_note: optionalText,
  /** 0 for a guest checkout. */
  customer_id: optionalText,
  line_items: uniqueIds(
    z.object({
      id: optionalText,
      name: optionalText,
      sku: optionalText,
      quantity,
      subtotal: decimal,
      subtotal_tax: optionalDecimal,
      total: decimal,
      total_tax: optionalDecimal,
      taxes,
    }),
  ),
  tax_lines: z.array(z.object({ rate_id: text, rate_percent: optionalDecimal })).nullish(),
  shipping_lines: z.array(z.object({ method_title: optionalText, total: decimal, total_tax: optionalDecimal })).nullish(),
  fee_lines: z.array(z.object({ name: optionalText, total: decimal, total_tax: optionalDecimal, taxes })).nullish(),
  coupon_lines: z.array(z.object({ code: text, discount: optionalDecimal, discount_tax: optionalDecimal })).nullish(),
  refunds: uniqueIds(z.object({ id: text, reason: optionalText, total: decimal })).nullish(),
  /**
   * Gift cards redeemed on the order, as the WooCommerce Gift Cards extension adds them to the
   * REST order; `total` is then what was left to pay (see map-woocommerce-order.ts).
   */
  gift_cards: z.array(z.object({ id: optionalText, code: optionalText, amount: decimal })).nullish(),
}));

export type WooOrder = z.output<typeof wooOrderSchema>;

/** Statuses that are not orders yet (block-checkout drafts) or are in the bin. */
export const NOT_AN_ORDER = new Set(["checkout-draft", "draft", "auto-draft"]);
