/**
 * Products by SKU, entered or changed one at a time (the CSV import is product-import.ts). A SKU
 * belongs to one product: taken SKUs are refused with the holder named, and the UNIQUE index
 * decides a race between two writers.
 */
import { z } from "zod";
import type { Database } from "../context";
import type { ProductRow } from "../db/schema";
import { AppError } from "../lib/errors";
import { newId } from "../lib/ids";
import { addDecimals, isCurrency, MoneyFormatError, toMinor, toScaled } from "../orders/money";
import { insertProduct, productById, productIdHoldingSku, saveProductChanges } from "./catalog-store";

const sku = z.string().trim().min(1, "must not be empty").max(255, "must be at most 255 characters");
const productName = z.string().trim().min(1, "must not be empty").max(1000);

const unitPrice = z
  .string()
  .trim()
  .regex(/^\d+(\.\d+)?$/, 'must be a decimal string like "12.50"')
  .meta({ description: "A decimal amount in `currency`, with at most its minor digits", examples: ["12.50"] });

const currency = z
  .string()
  .transform((value) => value.trim().toUpperCase())
  .refine(isCurrency, 'must be an ISO 4217 currency code, like "EUR"');

/** A percentage, kept as exact decimal text without needless zeros ("21.0" → "21"). */
const taxRate = z
  .string()
  .trim()
  .regex(/^\d+(\.\d+)?$/, { message: 'must be a percentage as a decimal string, like "21" or "5.5"', abort: true })
  .refine((value) => {
    const { units, scale } = toScaled(value);
    return units <= 100n * 10n ** BigInt(scale);
  }, "must be at most 100")
  .transform((value) => addDecimals([value]));

type PriceFields = { unit_price?: string | null; currency?: string | null };

/** A price means nothing without its currency, and its decimals must fit the currency. */
function checkPrice(value: PriceFields, ctx: z.RefinementCtx, state: (field: string | null | undefined) => string) {
  const price = state(value.unit_price);
  const code = state(value.currency);
  if (price !== code) {
    const missing = code === "absent" ? "currency" : price === "absent" ? "unit_price" : null;
    ctx.addIssue({
      code: "custom",
      path: [missing ?? "currency"],
      message: missing
        ? `is required with ${missing === "currency" ? "unit_price" : "currency"}: a price needs its currency`
        : "unit_price and currency are cleared together (both null)",
    });
    return;
  }
  if (value.unit_price != null && value.currency != null) {
    try {
      toMinor(value.unit_price, value.currency);
    } catch (error) {
      if (!(error instanceof MoneyFormatError)) throw error;
      ctx.addIssue({ code: "custom", path: ["unit_price"], message: error.message });
    }
  }
}

export const productCreateSchema = z
  .strictObject({
    sku,
    name: productName,
    unit_price: unitPrice.nullish(),
    currency: currency.nullish(),
    tax_rate: taxRate.nullish(),
  })
  .superRefine((value, ctx) => checkPrice(value, ctx, (field) => (field == null ? "absent" : "value")))
  .meta({ id: "ProductCreate", description: "unit_price and currency come together, or neither" });

export const productUpdateSchema = z
  .strictObject({
    sku: sku.optional(),
    name: productName.optional(),
    unit_price: unitPrice.nullish(),
    currency: currency.nullish(),
    tax_rate: taxRate.nullish(),
  })
  .superRefine((value, ctx) => checkPrice(value, ctx, (field) => (field === undefined ? "absent" : field === null ? "null" : "value")))
  .meta({
    id: "ProductUpdate",
    description: "Only the fields sent change. unit_price and currency are sent together (null and null clears the price); tax_rate null clears it.",
  });

export type ProductInput = z.output<typeof productCreateSchema>;

/** The stored price of a checked product: both parts, or neither. */
export function priceOf(input: Pick<ProductInput, "unit_price" | "currency">): { unitPriceMinor: number | null; currency: string | null } {
  const price = input.unit_price != null && input.currency != null;
  return { unitPriceMinor: price ? toMinor(input.unit_price!, input.currency!) : null, currency: price ? input.currency! : null };
}

export async function loadProduct(db: Database, id: string): Promise<ProductRow> {
  const row = await productById(db, id);
  if (!row) throw new AppError("not_found", `No product ${id}`);
  return row;
}

/** Refuses a SKU another product holds; the UNIQUE index still decides a race (see `unlessSkuTaken`). */
async function ensureSkuFree(db: Database, sku: string, exceptId?: string): Promise<void> {
  const holder = await productIdHoldingSku(db, sku, exceptId);
  if (holder) throw new AppError("conflict", `A product with SKU "${sku}" already exists (${holder})`);
}

async function unlessSkuTaken<T>(sku: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    for (let cause: unknown = error; cause instanceof Error; cause = cause.cause) {
      if (cause.message.includes("UNIQUE constraint failed")) {
        throw new AppError("conflict", `A product with SKU "${sku}" already exists`, { cause: error });
      }
    }
    throw error;
  }
}

export async function createProduct(db: Database, input: ProductInput, now: () => number): Promise<ProductRow> {
  await ensureSkuFree(db, input.sku);
  const at = now();
  const row: ProductRow = {
    id: newId("prd", at),
    sku: input.sku,
    name: input.name,
    ...priceOf(input),
    taxRate: input.tax_rate ?? null,
    createdAt: at,
    updatedAt: at,
  };
  await unlessSkuTaken(row.sku, () => insertProduct(db, row));
  return row;
}

/** Changes the fields sent; `skuChanged` says when the product took a new SKU (orders may wait for it). */
export async function changeProduct(
  db: Database,
  id: string,
  input: z.output<typeof productUpdateSchema>,
  now: () => number,
): Promise<{ product: ProductRow; skuChanged: boolean }> {
  const row = await loadProduct(db, id);
  const changes: Partial<ProductRow> = {};
  if (input.sku !== undefined && input.sku !== row.sku) {
    await ensureSkuFree(db, input.sku, row.id);
    changes.sku = input.sku;
  }
  if (input.name !== undefined) changes.name = input.name;
  if (input.unit_price !== undefined) {
    // The schema has checked that currency came along (both values, or both null).
    changes.unitPriceMinor = input.unit_price === null ? null : toMinor(input.unit_price, input.currency!);
    changes.currency = input.currency ?? null;
  }
  if (input.tax_rate !== undefined) changes.taxRate = input.tax_rate;
  if (Object.keys(changes).length === 0) return { product: row, skuChanged: false };
  changes.updatedAt = now();
  await unlessSkuTaken(changes.sku ?? row.sku, () => saveProductChanges(db, row.id, changes));
  return { product: { ...row, ...changes }, skuChanged: Boolean(changes.sku) };
}
