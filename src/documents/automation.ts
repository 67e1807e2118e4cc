/**
 * How a channel's orders become documents: the switches of automatic processing and the mappings
 * that processing (automatic or by hand) uses. Stored per channel; a channel without its own takes
 * its type's default (WooCommerce Premium and Mozello process everything, the others nothing).
 */
import { z } from "zod";
import { adapterFor } from "../channels/registry";
import type { ChannelType } from "../channels/types";

export const DOCUMENT_TYPES = ["invoice", "order"] as const;
export type SalesDocumentType = (typeof DOCUMENT_TYPES)[number];

export const automationSchema = z
  .strictObject({
    /** Create a document of this type when an order arrives or changes; null: only by hand. */
    create: z.enum(DOCUMENT_TYPES).nullable(),
    /** Execute it (final: numbered, stock moved) right away. */
    execute: z.boolean(),
    /** Add the order's payment to it. */
    add_payment: z.boolean(),
    /** Wait until the order is paid before any of the above. */
    only_when_paid: z.boolean(),
    /** "match": find or create the order's customer; "single": one customer for all the channel's orders. */
    customer: z.enum(["match", "single"]),
    single_customer_name: z.string().trim().min(1).max(200),
    /** Create a product for an unknown SKU instead of holding the order. */
    create_missing_products: z.boolean(),
    /** Payment method (as the order names it, e.g. "PayPal") → money account. */
    payment_accounts: z.record(z.string().max(255), z.string().trim().min(1).max(100)),
    /** The account for a method without a mapping. */
    default_account: z.string().trim().min(1).max(100),
    /** The liability account gift cards are redeemed from (and sold gift cards are owed on). */
    gift_card_account: z.string().trim().min(1).max(100),
    /** E-mail an invoice this automation executes to the customer, once (documents/document-email.ts). */
    email_invoice: z.boolean(),
  })
  .meta({ id: "Automation" });

export type Automation = z.output<typeof automationSchema>;

const MANUAL: Automation = {
  create: null,
  execute: false,
  add_payment: false,
  only_when_paid: true,
  customer: "match",
  single_customer_name: "Web shop customer",
  create_missing_products: false,
  payment_accounts: {},
  default_account: "Bank",
  gift_card_account: "Gift cards",
  email_invoice: false,
};

const EVERYTHING: Automation = { ...MANUAL, create: "invoice", execute: true, add_payment: true };

/** A channel type's own default, as its adapter states it: every order processed, or by hand. */
export function defaultAutomation(type: ChannelType): Automation {
  return adapterFor(type)?.automation === "every-order" ? EVERYTHING : MANUAL;
}

/** The channel's automation: what it stored over its type's default. */
export function automationOf(type: ChannelType, stored: string | null): Automation {
  const base = defaultAutomation(type);
  if (!stored) return base;
  const parsed = automationSchema.partial().safeParse(JSON.parse(stored));
  return parsed.success ? { ...base, ...parsed.data } : base;
}

/** The money account a payment method goes to. */
export const accountFor = (automation: Automation, method: string | null | undefined): string =>
  (method && automation.payment_accounts[method]) || automation.default_account;
