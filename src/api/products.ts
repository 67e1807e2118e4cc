/**
 * /api/products — products by SKU, what document lines refer to. Entered one at a time as JSON, or
 * many at once from a CSV file (POST /import) that upserts by SKU: every row is checked first, and
 * one bad row refuses the whole file with its row number, so a file is never half-imported for
 * being wrong.
 */
import { and, asc, eq, gt, ne, or, sql, type SQL } from "drizzle-orm";
import { Hono } from "hono";
import { readCsvUpload } from "./csv-upload";
import { recheckOrdersWaitingFor } from "../documents/process";
import { z } from "zod";
import type { AppEnv, Database } from "../context";
import { products, type ProductRow } from "../db/schema";
import { CsvError, parseCsv } from "../lib/csv";
import { AppError, summarizeProblems, type FieldProblem } from "../lib/errors";
import { newId } from "../lib/ids";
import { issuesOf } from "../orders/order";
import { addDecimals, fromMinor, isCurrency, MoneyFormatError, toMinor, toScaled } from "../orders/money";
import { decodeCursor, limitSchema, page } from "../db/pagination";
import { isoTime, parseJsonBody, parseQuery } from "./validate";

/** At most this many rows in one import file; a larger catalogue is imported in parts. */
export const MAX_IMPORT_ROWS = 10_000;
/** At most this many bytes in one import file: 10 000 rows of about 500 bytes. */
export const MAX_IMPORT_BYTES = 5 * 1024 * 1024;
/** An invalid file lists this many problems at most (its message still counts them all). */
const MAX_LISTED_PROBLEMS = 100;

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

export const productImportResultSchema = z
  .object({
    created: z.number().int().meta({ description: "Rows whose SKU was new" }),
    updated: z.number().int().meta({ description: "Rows whose SKU existed: its product took the file's values" }),
  })
  .meta({ id: "ProductImportResult" });

export const productListQuery = z.object({
  q: z.string().trim().min(1).max(200).optional().meta({ description: "Part of the SKU or the name (case-insensitive)" }),
  cursor: z.string().optional(),
  limit: limitSchema,
});

type ProductJson = z.infer<typeof productSchema>;

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

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (char) => `\\${char}`);

async function loadProduct(db: Database, id: string): Promise<ProductRow> {
  const row = await db.query.products.findFirst({ where: eq(products.id, id) });
  if (!row) throw new AppError("not_found", `No product ${id}`);
  return row;
}

const skuTaken = (sku: string, id: string) => new AppError("conflict", `A product with SKU "${sku}" already exists (${id})`);

/** Refuses a SKU another product holds; the UNIQUE index still decides a race (see `unlessSkuTaken`). */
async function ensureSkuFree(db: Database, sku: string, exceptId?: string): Promise<void> {
  const holder = await db.query.products.findFirst({
    columns: { id: true },
    where: exceptId ? and(eq(products.sku, sku), ne(products.id, exceptId)) : eq(products.sku, sku),
  });
  if (holder) throw skuTaken(sku, holder.id);
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

// ---------------------------------------------------------------------------------------------
// CSV import

export const IMPORT_COLUMNS = ["sku", "name", "unit_price", "currency", "tax_rate"] as const;
type ImportColumn = (typeof IMPORT_COLUMNS)[number];

export interface ImportRow {
  sku: string;
  name: string;
  unitPriceMinor: number | null;
  currency: string | null;
  taxRate: string | null;
}

export interface ImportPlan {
  /** The columns the file has: the others are left as they are on products that exist. */
  columns: ReadonlySet<ImportColumn>;
  rows: ImportRow[];
}

function invalidFile(problems: FieldProblem[]): AppError {
  return new AppError("validation_failed", summarizeProblems(problems), { problems: problems.slice(0, MAX_LISTED_PROBLEMS) });
}

/**
 * Reads and checks a whole import file without writing anything. Rows are numbered as a
 * spreadsheet shows them: the header is row 1. Blank rows are skipped (their numbers still count).
 */
export function planImport(text: string): ImportPlan {
  let records: string[][];
  try {
    records = parseCsv(text);
  } catch (error) {
    if (error instanceof CsvError) throw invalidFile([{ field: `row ${error.row}`, message: error.message }]);
    throw error;
  }
  const isBlank = (cells: string[]) => cells.every((cell) => cell.trim() === "");
  const [header, ...body] = records;
  if (!header || isBlank(header)) {
    throw invalidFile([{ field: "row 1", message: `the file is empty: its first row names the columns, like ${IMPORT_COLUMNS.join(",")}` }]);
  }

  const problems: FieldProblem[] = [];
  const positions = new Map<ImportColumn, number>();
  header.forEach((cell, position) => {
    const column = cell.trim().toLowerCase() as ImportColumn;
    if (!IMPORT_COLUMNS.includes(column)) {
      problems.push({ field: "row 1", message: `unknown column "${cell.trim()}": the columns are ${IMPORT_COLUMNS.join(", ")}` });
    } else if (positions.has(column)) {
      problems.push({ field: "row 1", message: `the column ${column} appears twice` });
    } else {
      positions.set(column, position);
    }
  });
  for (const required of ["sku", "name"] as const) {
    if (!positions.has(required)) problems.push({ field: "row 1", message: `the column ${required} is missing` });
  }
  if (positions.has("unit_price") !== positions.has("currency")) {
    problems.push({ field: "row 1", message: "the columns unit_price and currency come together: a price needs its currency" });
  }
  if (problems.length) throw invalidFile(problems);

  const dataRows = body.map((cells, index) => ({ cells, number: index + 2 })).filter(({ cells }) => !isBlank(cells));
  if (dataRows.length > MAX_IMPORT_ROWS) {
    throw new AppError(
      "payload_too_large",
      `The file has ${dataRows.length} rows; at most ${MAX_IMPORT_ROWS} are imported at once: split it into smaller files`,
    );
  }

  const rows: ImportRow[] = [];
  const firstRowOf = new Map<string, number>();
  for (const { cells, number } of dataRows) {
    if (cells.length !== header.length) {
      problems.push({ field: `row ${number}`, message: `has ${cells.length} fields where the header has ${header.length}` });
      continue;
    }
    const input: Record<string, string> = {};
    for (const [column, position] of positions) {
      const cell = cells[position].trim();
      if (cell !== "") input[column] = cell;
    }
    const parsed = productCreateSchema.safeParse(input);
    if (!parsed.success) {
      for (const issue of issuesOf(parsed.error)) problems.push({ field: `row ${number}: ${issue.field}`, message: issue.message });
      continue;
    }
    const product = parsed.data;
    const first = firstRowOf.get(product.sku);
    if (first !== undefined) {
      problems.push({ field: `row ${number}: sku`, message: `"${product.sku}" is already on row ${first}: a SKU appears once per file` });
      continue;
    }
    firstRowOf.set(product.sku, number);
    const price = product.unit_price != null && product.currency != null;
    rows.push({
      sku: product.sku,
      name: product.name,
      unitPriceMinor: price ? toMinor(product.unit_price!, product.currency!) : null,
      currency: price ? product.currency! : null,
      taxRate: product.tax_rate ?? null,
    });
  }
  if (problems.length) throw invalidFile(problems);
  return { columns: new Set(positions.keys()), rows };
}

/** D1 binds at most 100 parameters per statement: one shared time, then 6 per row. */
export const ROWS_PER_STATEMENT = 16;
export const STATEMENTS_PER_BATCH = 100;

export interface ImportStatement {
  sql: string;
  params: Array<string | number | null>;
  /** The ids proposed for new products: a row that answers with another id already existed. */
  ids: string[];
}

/**
 * Multi-row upserts by SKU. On a SKU that exists, the name and the file's other columns replace
 * the stored ones (an empty cell clears); columns the file does not have are left alone.
 */
export function importStatements(plan: ImportPlan, at: number): ImportStatement[] {
  const updates = ["name = excluded.name"];
  if (plan.columns.has("unit_price")) updates.push("unit_price_minor = excluded.unit_price_minor", "currency = excluded.currency");
  if (plan.columns.has("tax_rate")) updates.push("tax_rate = excluded.tax_rate");
  updates.push("updated_at = excluded.updated_at");

  const statements: ImportStatement[] = [];
  for (let start = 0; start < plan.rows.length; start += ROWS_PER_STATEMENT) {
    const chunk = plan.rows.slice(start, start + ROWS_PER_STATEMENT);
    const params: Array<string | number | null> = [at];
    const ids: string[] = [];
    const values = chunk.map((row) => {
      const id = newId("prd", at);
      ids.push(id);
      const first = params.length + 1;
      params.push(id, row.sku, row.name, row.unitPriceMinor, row.currency, row.taxRate);
      return `(${[0, 1, 2, 3, 4, 5].map((offset) => `?${first + offset}`).join(", ")}, ?1, ?1)`;
    });
    statements.push({
      sql:
        "INSERT INTO products (id, sku, name, unit_price_minor, currency, tax_rate, created_at, updated_at) VALUES " +
        values.join(", ") +
        ` ON CONFLICT (sku) DO UPDATE SET ${updates.join(", ")} RETURNING id`,
      params,
      ids,
    });
  }
  return statements;
}

/**
 * Each batch is one transaction. A file needs several batches past 1 600 rows: should storage fail
 * between them, the earlier ones stay written, and sending the same file again is safe (upserts).
 */
async function writeImport(d1: D1Database, statements: ImportStatement[]): Promise<{ created: number; updated: number }> {
  let created = 0;
  let updated = 0;
  for (let start = 0; start < statements.length; start += STATEMENTS_PER_BATCH) {
    const batch = statements.slice(start, start + STATEMENTS_PER_BATCH);
    const results = await d1.batch<{ id: string }>(batch.map((statement) => d1.prepare(statement.sql).bind(...statement.params)));
    results.forEach((result, index) => {
      const proposed = new Set(batch[index].ids);
      for (const { id } of result.results) {
        if (proposed.has(id)) created++;
        else updated++;
      }
    });
  }
  return { created, updated };
}


// ---------------------------------------------------------------------------------------------

/** One page of products by SKU; `q` finds one by part of its SKU or name. */
export async function findProductPage(db: Database, query: z.output<typeof productListQuery>): Promise<{ items: ProductRow[]; next_cursor: string | null }> {
  const conditions: SQL[] = [];
  if (query.q) {
    const pattern = `%${escapeLike(query.q)}%`;
    conditions.push(or(sql`${products.sku} LIKE ${pattern} ESCAPE '\\'`, sql`${products.name} LIKE ${pattern} ESCAPE '\\'`)!);
  }
  // Same opaque cursor as the other lists; SKUs are unique, so the last SKU alone marks the place.
  const cursor = decodeCursor(query.cursor);
  if (cursor) conditions.push(gt(products.sku, cursor.id));
  const rows = await db
    .select()
    .from(products)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(asc(products.sku))
    .limit(query.limit + 1);
  return page(rows, query.limit, (row) => ({ at: 0, id: row.sku }));
}

export const productRoutes = new Hono<AppEnv>()
  .get("/", async (c) => {
    const result = await findProductPage(c.var.services.db, parseQuery(c, productListQuery));
    return c.json({ items: result.items.map(productJson), next_cursor: result.next_cursor });
  })

  .get("/:id", async (c) => {
    return c.json(productJson(await loadProduct(c.var.services.db, c.req.param("id"))));
  })

  .post("/", async (c) => {
    const input = await parseJsonBody(c, productCreateSchema);
    const { db, now } = c.var.services;
    await ensureSkuFree(db, input.sku);
    const at = now();
    const price = input.unit_price != null && input.currency != null;
    const row: ProductRow = {
      id: newId("prd", at),
      sku: input.sku,
      name: input.name,
      unitPriceMinor: price ? toMinor(input.unit_price!, input.currency!) : null,
      currency: price ? input.currency! : null,
      taxRate: input.tax_rate ?? null,
      createdAt: at,
      updatedAt: at,
    };
    await unlessSkuTaken(row.sku, () => db.insert(products).values(row));
    await recheckOrdersWaitingFor(c.var.services, [row.sku]);
    return c.json(productJson(row), 201);
  })

  .post("/import", async (c) => {
    const plan = planImport(await readCsvUpload(c, MAX_IMPORT_BYTES));
    const { d1, now } = c.var.services;
    const written = await writeImport(d1, importStatements(plan, now()));
    await recheckOrdersWaitingFor(c.var.services, plan.rows.map((row) => row.sku));
    return c.json(written);
  })

  .patch("/:id", async (c) => {
    const input = await parseJsonBody(c, productUpdateSchema);
    const { db, now } = c.var.services;
    const row = await loadProduct(db, c.req.param("id"));
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
    if (Object.keys(changes).length === 0) return c.json(productJson(row));
    changes.updatedAt = now();
    await unlessSkuTaken(changes.sku ?? row.sku, () => db.update(products).set(changes).where(eq(products.id, row.id)));
    if (changes.sku) await recheckOrdersWaitingFor(c.var.services, [changes.sku]);
    return c.json(productJson({ ...row, ...changes }));
  });
