/**
 * Every statement on customers, their links to the channels' own customer keys, and products.
 * Services (customers, products, the import, the matching of an order) compose these; nothing
 * else in the Worker speaks SQL to these tables.
 */
import { and, asc, eq, gt, ne, or, type SQL } from "drizzle-orm";
import { contains } from "../db/text-search";
import type { Database } from "../context";
import { customers, products, type CustomerRow, type ProductRow } from "../db/schema";
import { decodeCursor, newestFirstPage, page } from "../db/pagination";
import { prepareNamed, type SqlValue } from "../db/named-sql";
import { newId } from "../lib/ids";

// D1 allows 100 bound parameters per statement.
const SKUS_PER_STATEMENT = 90;

// ---------------------------------------------------------------------------------------------
// Customers

export async function customerById(db: Database, id: string): Promise<CustomerRow | undefined> {
  return db.query.customers.findFirst({ where: eq(customers.id, id) });
}

/** One page of customers, newest first; `q` finds one by part of the name, e-mail, VAT number or company. */
export async function findCustomers(db: Database, query: { q?: string; cursor?: string; limit: number }): Promise<{ items: CustomerRow[]; next_cursor: string | null }> {
  let search: SQL | undefined;
  if (query.q) {
    const q = query.q;
    search = or(contains(customers.name, q), contains(customers.email, q, { storedLowerCase: true }), contains(customers.vatNumber, q), contains(customers.company, q));
  }
  return newestFirstPage(db, customers, { at: customers.createdAt, id: customers.id }, [search], query);
}

export async function insertCustomer(db: Database, row: CustomerRow): Promise<void> {
  await db.insert(customers).values(row);
}

export async function saveCustomerChanges(db: Database, id: string, changes: Partial<CustomerRow>): Promise<void> {
  await db.update(customers).set(changes).where(eq(customers.id, id));
}

/** The customer a channel's key (`id:…`, `email:…`, `vat:…`, `single`) is linked to. */
export async function linkedCustomerId(d1: D1Database, channelId: string, key: string): Promise<string | null> {
  return d1.prepare("SELECT customer_id FROM customer_links WHERE channel_id = ?1 AND external_id = ?2").bind(channelId, key).first<string>("customer_id");
}

/** The oldest customer with this (lower-case) e-mail address. */
export async function customerIdByEmail(d1: D1Database, email: string): Promise<string | null> {
  return d1.prepare("SELECT id FROM customers WHERE email = ?1 ORDER BY created_at LIMIT 1").bind(email).first<string>("id");
}

/** The oldest customer with this (normalised) VAT number. */
export async function customerIdByVatNumber(d1: D1Database, vatNumber: string): Promise<string | null> {
  return d1.prepare("SELECT id FROM customers WHERE vat_number = ?1 ORDER BY created_at LIMIT 1").bind(vatNumber).first<string>("id");
}

export interface NewCustomer {
  id: string;
  name: string;
  email: string | null;
  vatNumber: string | null;
  company: string | null;
  phone: string | null;
  /** JSON, or null. */
  address: string | null;
}

/**
 * Links the channel's keys to a customer in one batch (one transaction) and answers who holds the
 * surest key afterwards. `create` is inserted only if no other worker claimed the surest key first;
 * the other keys follow whoever holds the surest one, so a race cannot split a customer's links.
 */
export async function linkCustomer(
  d1: D1Database,
  link: { channelId: string; keys: string[]; customerId: string; create: NewCustomer | null; now: number },
): Promise<string | null> {
  const [first, ...others] = link.keys;
  const statements: D1PreparedStatement[] = [];
  if (link.create) {
    const customer = link.create;
    statements.push(
      prepareNamed(
        d1,
        `INSERT INTO customers (id, name, email, vat_number, company, phone, address, created_at, updated_at)
         SELECT :id, :name, :email, :vat_number, :company, :phone, :address, :now, :now
         WHERE NOT EXISTS (SELECT 1 FROM customer_links WHERE channel_id = :channel_id AND external_id = :key)`,
        {
          id: customer.id,
          name: customer.name,
          email: customer.email,
          vat_number: customer.vatNumber,
          company: customer.company,
          phone: customer.phone,
          address: customer.address,
          now: link.now,
          channel_id: link.channelId,
          key: first,
        },
      ),
    );
  }
  statements.push(
    d1.prepare("INSERT INTO customer_links (channel_id, external_id, customer_id) VALUES (?1, ?2, ?3) ON CONFLICT (channel_id, external_id) DO NOTHING").bind(link.channelId, first, link.customerId),
  );
  for (const key of others) {
    statements.push(
      d1
        .prepare(
          `INSERT INTO customer_links (channel_id, external_id, customer_id)
           SELECT ?1, ?2, customer_id FROM customer_links WHERE channel_id = ?1 AND external_id = ?3
           ON CONFLICT (channel_id, external_id) DO NOTHING`,
        )
        .bind(link.channelId, key, first),
    );
  }
  statements.push(d1.prepare("SELECT customer_id FROM customer_links WHERE channel_id = ?1 AND external_id = ?2").bind(link.channelId, first));
  const results = await d1.batch<{ customer_id: string }>(statements);
  return results.at(-1)!.results[0]?.customer_id ?? null;
}

// ---------------------------------------------------------------------------------------------
// Products

export async function productById(db: Database, id: string): Promise<ProductRow | undefined> {
  return db.query.products.findFirst({ where: eq(products.id, id) });
}

/** The id of the product holding `sku`, other than `exceptId`. */
export async function productIdHoldingSku(db: Database, sku: string, exceptId?: string): Promise<string | null> {
  const holder = await db.query.products.findFirst({
    columns: { id: true },
    where: exceptId ? and(eq(products.sku, sku), ne(products.id, exceptId)) : eq(products.sku, sku),
  });
  return holder?.id ?? null;
}

/** One page of products by SKU; `q` finds one by part of its SKU or name. */
export async function findProductPage(db: Database, query: { q?: string; cursor?: string; limit: number }): Promise<{ items: ProductRow[]; next_cursor: string | null }> {
  const conditions: SQL[] = [];
  if (query.q) {
    conditions.push(or(contains(products.sku, query.q), contains(products.name, query.q))!);
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

export async function insertProduct(db: Database, row: ProductRow): Promise<void> {
  await db.insert(products).values(row);
}

export async function saveProductChanges(db: Database, id: string, changes: Partial<ProductRow>): Promise<void> {
  await db.update(products).set(changes).where(eq(products.id, id));
}

/** The products with these SKUs, by SKU. */
export async function productsBySku(d1: D1Database, skus: string[]): Promise<Map<string, { id: string }>> {
  const found = new Map<string, { id: string }>();
  const unique = [...new Set(skus)];
  for (let start = 0; start < unique.length; start += SKUS_PER_STATEMENT) {
    const chunk = unique.slice(start, start + SKUS_PER_STATEMENT);
    const { results } = await d1
      .prepare(`SELECT id, sku FROM products WHERE sku IN (${chunk.map((_, index) => `?${index + 1}`).join(", ")})`)
      .bind(...chunk)
      .all<{ id: string; sku: string }>();
    for (const row of results) found.set(row.sku, { id: row.id });
  }
  return found;
}

/** Creates a product for each SKU no product has yet; a SKU someone else created meanwhile is left as it is. */
export async function createMissingProducts(
  d1: D1Database,
  lines: Array<{ sku: string; name: string; unitPriceMinor: number; currency: string; taxRate: string | null }>,
  now: number,
): Promise<void> {
  await d1.batch(
    lines.map((line) =>
      prepareNamed(
        d1,
        `INSERT INTO products (id, sku, name, unit_price_minor, currency, tax_rate, created_at, updated_at)
         VALUES (:id, :sku, :name, :unit_price_minor, :currency, :tax_rate, :now, :now) ON CONFLICT (sku) DO NOTHING`,
        { id: newId("prd", now), sku: line.sku, name: line.name, unit_price_minor: line.unitPriceMinor, currency: line.currency, tax_rate: line.taxRate, now },
      ),
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// The CSV import's upserts

/** A row of an import file, checked. */
export interface ImportRow {
  sku: string;
  name: string;
  unitPriceMinor: number | null;
  currency: string | null;
  taxRate: string | null;
}

/** D1 binds at most 100 parameters per statement: one shared time, then 6 per row. */
export const ROWS_PER_STATEMENT = 16;
export const STATEMENTS_PER_BATCH = 100;

export interface ImportStatement {
  sql: string;
  params: SqlValue[];
  /** The ids proposed for new products: a row that answers with another id already existed. */
  ids: string[];
}

/**
 * Multi-row upserts by SKU. On a SKU that exists, the name and the file's other columns replace
 * the stored ones (an empty cell clears); columns the file does not have are left alone.
 */
export function importStatements(plan: { columns: ReadonlySet<string>; rows: ImportRow[] }, at: number): ImportStatement[] {
  const updates = ["name = excluded.name"];
  if (plan.columns.has("unit_price")) updates.push("unit_price_minor = excluded.unit_price_minor", "currency = excluded.currency");
  if (plan.columns.has("tax_rate")) updates.push("tax_rate = excluded.tax_rate");
  updates.push("updated_at = excluded.updated_at");

  const statements: ImportStatement[] = [];
  for (let start = 0; start < plan.rows.length; start += ROWS_PER_STATEMENT) {
    const chunk = plan.rows.slice(start, start + ROWS_PER_STATEMENT);
    const params: SqlValue[] = [at];
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
export async function writeImport(d1: D1Database, statements: ImportStatement[]): Promise<{ created: number; updated: number }> {
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

/** The product with this SKU, or null. */
export const findProductIdBySku = (d1: D1Database, sku: string) => d1.prepare("SELECT id FROM products WHERE sku = ?1").bind(sku).first<string>("id");

/** Every product's id, by SKU. */
export async function findProductIdsBySku(d1: D1Database): Promise<Map<string, string>> {
  const { results } = await d1.prepare("SELECT id, sku FROM products").all<{ id: string; sku: string }>();
  return new Map(results.map((row) => [row.sku, row.id]));
}

/** SKUs in order after `after`, at most `limit`. */
export async function findSkusAfter(d1: D1Database, after: string, limit: number): Promise<string[]> {
  const { results } = await d1.prepare("SELECT sku FROM products WHERE sku > ?1 ORDER BY sku LIMIT ?2").bind(after, limit).all<{ sku: string }>();
  return results.map((row) => row.sku);
}
