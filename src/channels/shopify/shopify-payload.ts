/**
 * The parts of Shopify's Order and Refund resources the inbox reads: deliberately minimal and
 * tolerant (`.nullish()` everywhere), because Shopify adds fields and redacts others. Numbers
 * arrive as their exact text (JSON read losslessly, XML as text), so ids above 2^53 and money
 * keep every digit; each field is coerced here, by name, never by what the parser guessed.
 */
import { z } from "zod";

import { decimal, flag, optionalText, quantity, text, uniqueIds } from "../payload-fields";

const moneyBag = z
  .object({
    shop_money: z.object({ amount: decimal, currency_code: z.string().nullish() }).nullish(),
    presentment_money: z.object({ amount: decimal, currency_code: z.string().nullish() }).nullish(),
  })
  .nullish();

const taxLine = z.object({ title: optionalText, rate: decimal.nullish(), price: decimal });
const allocation = z.object({ amount: decimal });

const address = z
  .object({
    name: optionalText,
    first_name: optionalText,
    last_name: optionalText,
    company: optionalText,
    address1: optionalText,
    address2: optionalText,
    city: optionalText,
    zip: optionalText,
    province: optionalText,
    province_code: optionalText,
    country_code: optionalText,
    phone: optionalText,
  })
  .nullish();

export const shopifyOrderSchema = z.object({
  id: text,
  name: optionalText,
  created_at: z.string(),
  processed_at: z.string().nullish(),
  updated_at: z.string().nullish(),
  cancelled_at: z.string().nullish(),
  currency: z.string(),
  presentment_currency: z.string().nullish(),
  taxes_included: flag.nullish(),
  financial_status: z.string().nullish(),
  test: flag.nullish(),
  email: optionalText,
  contact_email: optionalText,
  phone: optionalText,
  note: optionalText,
  subtotal_price: decimal,
  total_discounts: decimal.nullish(),
  total_tax: decimal.nullish(),
  total_price: decimal,
  total_outstanding: decimal.nullish(),
  /** Tips the customer added: a line of their own, outside `subtotal_price`. */
  total_tip_received: decimal.nullish(),
  total_price_set: moneyBag,
  total_shipping_price_set: moneyBag,
  payment_gateway_names: z.array(z.string()).nullish(),
  discount_codes: z.array(z.object({ code: text, amount: decimal.nullish() })).nullish(),
  /** Refund resources, each read like a refunds/create body. */
  refunds: uniqueIds(z.unknown()).nullish(),
  customer: z
    .object({ id: optionalText, first_name: optionalText, last_name: optionalText, email: optionalText, phone: optionalText })
    .nullish(),
  billing_address: address,
  shipping_address: address,
  line_items: uniqueIds(
    z.object({
      id: optionalText,
      sku: optionalText,
      name: optionalText,
      title: optionalText,
      quantity,
      price: decimal,
      product_id: optionalText,
      requires_shipping: flag.nullish(),
      /** A gift card sold: owed to the customer until redeemed. */
      gift_card: flag.nullish(),
      discount_allocations: z.array(allocation).nullish(),
      tax_lines: z.array(taxLine).nullish(),
    }),
  ),
  shipping_lines: z
    .array(
      z.object({
        title: optionalText,
        price: decimal,
        discount_allocations: z.array(allocation).nullish(),
        tax_lines: z.array(taxLine).nullish(),
      }),
    )
    .nullish(),
});

export type ShopifyOrder = z.output<typeof shopifyOrderSchema>;

export const shopifyRefundSchema = z.object({
  id: text,
  order_id: text,
  created_at: z.string(),
  processed_at: z.string().nullish(),
  note: optionalText,
  refund_line_items: z
    .array(
      z.object({
        line_item_id: optionalText,
        quantity,
        subtotal: decimal.nullish(),
        total_tax: decimal.nullish(),
        subtotal_set: moneyBag,
        total_tax_set: moneyBag,
        line_item: z.object({ sku: optionalText }).nullish(),
      }),
    )
    .nullish(),
  refund_shipping_lines: z.array(z.object({ amount: decimal.nullish(), subtotal_amount_set: moneyBag })).nullish(),
  transactions: z
    .array(z.object({ kind: optionalText, status: optionalText, amount: decimal, currency: optionalText }))
    .nullish(),
});

export type ShopifyRefund = z.output<typeof shopifyRefundSchema>;
