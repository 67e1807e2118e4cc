/**
 * The parts of PayPal's REST payloads the inbox reads: Orders v2 orders (webhooks and order
 * look-ups), webhook envelopes, refunds, and Transaction Search records. Everything else is
 * ignored; sections PayPal leaves empty come back as `{}`, so every field is optional.
 */
import { z } from "zod";
import { decimal, optionalText, text } from "../payload-fields";

export const amountSchema = z.object({ currency_code: text, value: decimal });
const optionalAmount = amountSchema.nullish();

const linkSchema = z.object({ href: text, rel: optionalText });

export const captureSchema = z.object({
  id: text,
  status: optionalText,
  amount: optionalAmount,
  invoice_id: optionalText,
  custom_id: optionalText,
  create_time: optionalText,
  update_time: optionalText,
  supplementary_data: z.object({ related_ids: z.object({ order_id: optionalText }).nullish() }).nullish(),
  links: z.array(linkSchema).nullish(),
});

const nameSchema = z.object({ given_name: optionalText, surname: optionalText, full_name: optionalText }).nullish();

const payerSchema = z
  .object({
    name: nameSchema,
    email_address: optionalText,
    payer_id: optionalText,
    account_id: optionalText,
    phone: z.object({ phone_number: z.object({ national_number: optionalText }).nullish() }).nullish(),
    address: z.object({ country_code: optionalText }).nullish(),
  })
  .nullish();

/** A refund as Payments v2 shows it: a webhook's resource, and each of a capture's `refunds[]` in an order. */
export const refundResourceSchema = z.object({
  id: text,
  status: optionalText,
  amount: amountSchema,
  note_to_payer: optionalText,
  create_time: optionalText,
  update_time: optionalText,
  links: z.array(linkSchema).nullish(),
});

export const checkoutOrderSchema = z.object({
  id: text,
  status: optionalText,
  create_time: optionalText,
  update_time: optionalText,
  payer: payerSchema,
  payment_source: z.object({ paypal: payerSchema }).nullish(),
  purchase_units: z
    .array(
      z.object({
        reference_id: optionalText,
        invoice_id: optionalText,
        custom_id: optionalText,
        description: optionalText,
        amount: amountSchema.extend({
          breakdown: z
            .object({
              item_total: optionalAmount,
              shipping: optionalAmount,
              handling: optionalAmount,
              tax_total: optionalAmount,
              insurance: optionalAmount,
              shipping_discount: optionalAmount,
              discount: optionalAmount,
            })
            .nullish(),
        }),
        items: z
          .array(
            z.object({
              name: optionalText,
              sku: optionalText,
              quantity: text,
              unit_amount: optionalAmount,
              tax: optionalAmount,
            }),
          )
          .nullish(),
        shipping: z
          .object({
            name: z.object({ full_name: optionalText }).nullish(),
            method: optionalText,
            address: z
              .object({
                address_line_1: optionalText,
                address_line_2: optionalText,
                admin_area_2: optionalText,
                admin_area_1: optionalText,
                postal_code: optionalText,
                country_code: optionalText,
              })
              .nullish(),
          })
          .nullish(),
        payments: z
          .object({
            captures: z.array(captureSchema).nullish(),
            refunds: z.array(refundResourceSchema).nullish(),
          })
          .nullish(),
      }),
    )
    .min(1),
});
export type CheckoutOrder = z.output<typeof checkoutOrderSchema>;
export type Capture = z.output<typeof captureSchema>;

export const webhookEventSchema = z.object({
  id: text,
  event_type: text,
  resource_type: optionalText,
  create_time: optionalText,
  resource: z.record(z.string(), z.unknown()),
});


const addressSchema = z
  .object({ line1: optionalText, line2: optionalText, city: optionalText, state: optionalText, country_code: optionalText, postal_code: optionalText })
  .nullish();

export const transactionDetailSchema = z.object({
  transaction_info: z.object({
    transaction_id: text,
    paypal_reference_id: optionalText,
    transaction_event_code: text,
    transaction_initiation_date: text,
    transaction_updated_date: optionalText,
    transaction_amount: amountSchema,
    shipping_amount: optionalAmount,
    shipping_discount_amount: optionalAmount,
    insurance_amount: optionalAmount,
    sales_tax_amount: optionalAmount,
    discount_amount: optionalAmount,
    transaction_status: optionalText,
    transaction_subject: optionalText,
    transaction_note: optionalText,
    invoice_id: optionalText,
    custom_field: optionalText,
  }),
  payer_info: z
    .object({
      email_address: optionalText,
      phone_number: z.object({ country_code: optionalText, national_number: optionalText }).nullish(),
      payer_name: z.object({ given_name: optionalText, surname: optionalText, alternate_full_name: optionalText, full_name: optionalText }).nullish(),
      address: addressSchema,
    })
    .nullish(),
  shipping_info: z.object({ name: optionalText, method: optionalText, address: addressSchema }).nullish(),
  cart_info: z
    .object({
      tax_inclusive: z.union([z.boolean(), z.enum(["true", "false"]).transform((value) => value === "true")]).nullish(),
      item_details: z
        .array(
          z.object({
            item_code: optionalText,
            item_name: optionalText,
            item_quantity: optionalText,
            item_unit_price: optionalAmount,
            item_amount: optionalAmount,
            tax_amounts: z.array(z.object({ tax_amount: optionalAmount })).nullish(),
          }),
        )
        .nullish(),
    })
    .nullish(),
});
export type TransactionDetail = z.output<typeof transactionDetailSchema>;

export const transactionPageSchema = z.object({
  transaction_details: z.array(z.unknown()).nullish(),
  last_refreshed_datetime: optionalText,
  page: z.coerce.number().nullish(),
  total_pages: z.coerce.number().nullish(),
  total_items: z.coerce.number().nullish(),
});

/** PayPal's "2026-11-04T17:14:03+0000" (no colon in the offset) as ISO 8601 that Date.parse reads everywhere. */
export function paypalTime(value: string | null | undefined): string | null {
  if (!value) return null;
  const normalised = value.trim().replace(/([+-]\d{2})(\d{2})$/, "$1:$2");
  const at = Date.parse(normalised);
  return Number.isNaN(at) ? null : new Date(at).toISOString().replace(".000Z", "Z");
}
