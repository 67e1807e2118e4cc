/**
 * Customers and products as the API answers them and the dashboard shows them: one shape, with
 * its zod schema for the OpenAPI document.
 */
import { z } from "zod";
import type { CustomerRow, ProductRow } from "../db/schema";
import { isoTime } from "../lib/iso-time";
import { fromMinor } from "../orders/money";

/** The keys of a stored address, in the order the API gives them. */
export const ADDRESS_KEYS = ["name", "company", "line1", "line2", "city", "postcode", "region", "country"] as const;
type AddressKey = (typeof ADDRESS_KEYS)[number];

const addressOutSchema = z.object(
  Object.fromEntries(ADDRESS_KEYS.map((key) => [key, z.string().nullable()])) as Record<AddressKey, z.ZodNullable<z.ZodString>>,
);

export const customerSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    email: z.string().nullable().meta({ description: "Lower case" }),
    vat_number: z.string().nullable(),
    company: z.string().nullable(),
    phone: z.string().nullable(),
    address: addressOutSchema.nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: "Customer" });

export type CustomerJson = z.infer<typeof customerSchema>;

export function customerJson(row: CustomerRow): CustomerJson {
  const stored = row.address ? (JSON.parse(row.address) as Partial<Record<AddressKey, string | null>>) : null;
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    vat_number: row.vatNumber,
    company: row.company,
    phone: row.phone,
    address: stored ? (Object.fromEntries(ADDRESS_KEYS.map((key) => [key, stored[key] ?? null])) as CustomerJson["address"]) : null,
    created_at: isoTime(row.createdAt)!,
    updated_at: isoTime(row.updatedAt)!,
  };
}

export const productSchema = z
  .object({
    id: z.string(),
    sku: z.string(),
    name: z.string(),
    unit_price: z.string().nullable().meta({ description: "A decimal string in `currency`; null when the product has no price" }),
    currency: z.string().nullable(),
    tax_rate: z.string().nullable().meta({ description: 'A percentage as a decimal string, like "21" or "5.5"' }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: "Product" });

export type ProductJson = z.infer<typeof productSchema>;

export function productJson(row: ProductRow): ProductJson {
  return {
    id: row.id,
    sku: row.sku,
    name: row.name,
    unit_price: row.unitPriceMinor !== null && row.currency ? fromMinor(row.unitPriceMinor, row.currency) : null,
    currency: row.currency,
    tax_rate: row.taxRate,
    created_at: isoTime(row.createdAt)!,
    updated_at: isoTime(row.updatedAt)!,
  };
}
