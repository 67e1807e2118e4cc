/**
 * The parts of a Mozello notification the inbox reads: `{ event, order }` with the order's money as
 * JSON numbers in major units (read losslessly, so "6.05" stays 6.05 to the cent).
 */
import { z } from "zod";
import { decimal, flag, optionalText, quantity, text } from "../payload-fields";

const percent = decimal.nullish();

export const mozelloOrderSchema = z.object({
  order_id: text,
  created_at: z.string(),
  payment_status: z.string().nullish(),
  dispatched: flag.nullish(),
  archived: flag.nullish(),
  name: optionalText,
  company: optionalText,
  vat_id: optionalText,
  email: optionalText,
  phone: optionalText,
  country_code: optionalText,
  address: optionalText,
  city: optionalText,
  province_code: optionalText,
  zip: optionalText,
  shipping: z
    .object({ country_code: optionalText, address: optionalText, city: optionalText, province_code: optionalText, zip: optionalText })
    .nullish(),
  notes: optionalText,
  payment_method: optionalText,
  shipping_method: optionalText,
  shipping_price: decimal.nullish(),
  shipping_tax_inclusive_percent: percent,
  shipping_tax_exclusive_percent: percent,
  currency: z.string(),
  subtotal: decimal.nullish(),
  taxes: decimal.nullish(),
  total: decimal,
  discount_code: optionalText,
  discount_amount: decimal.nullish(),
  cart: z.array(
    z.object({
      product_name: optionalText,
      product_sku: optionalText,
      product_price: decimal,
      product_quantity: quantity,
      tax_inclusive_percent: percent,
      tax_exclusive_percent: percent,
    }),
  ),
});

export type MozelloOrder = z.output<typeof mozelloOrderSchema>;

export const mozelloNotificationSchema = z.object({ event: z.string(), order: z.unknown().optional() });
