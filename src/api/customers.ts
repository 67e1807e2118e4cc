/**
 * /api/customers — the merchant's customers: found from orders or entered by hand, for documents
 * made by hand. Newest first; `q` finds a customer by name, e-mail, VAT number or company.
 */
import { and, desc, eq, or, sql, type SQL } from "drizzle-orm";
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv, Database } from "../context";
import { customers, type CustomerRow } from "../db/schema";
import { AppError } from "../lib/errors";
import { newId } from "../lib/ids";
import { after, decodeCursor, limitSchema, page } from "../db/pagination";
import { isoTime, parseJsonBody, parseQuery } from "./validate";

/** Optional text: trimmed; empty means none (null). */
const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .transform((value) => (value === "" ? null : value))
    .nullish();

const name = z.string().trim().min(1, "must not be empty").max(500);

const email = z
  .string()
  .trim()
  .max(320)
  .pipe(z.email("must be an e-mail address"))
  .transform((value) => value.toLowerCase());

export const customerAddressSchema = z
  .strictObject({
    name: optionalText(500),
    company: optionalText(500),
    line1: optionalText(500),
    line2: optionalText(500),
    city: optionalText(500),
    postcode: optionalText(40),
    region: optionalText(500),
    country: z
      .string()
      .transform((value) => value.trim().toUpperCase())
      .pipe(z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 country code, like "LV"'))
      .nullish(),
  })
  .meta({ id: "CustomerAddress" });

type Address = z.output<typeof customerAddressSchema>;

const customerFields = {
  email: email.nullish(),
  vat_number: optionalText(64),
  company: optionalText(500),
  phone: optionalText(64),
  address: customerAddressSchema.nullish(),
};

export const customerCreateSchema = z.strictObject({ name, ...customerFields }).meta({ id: "CustomerCreate" });

export const customerUpdateSchema = z
  .strictObject({ name: name.optional(), ...customerFields })
  .meta({ id: "CustomerUpdate", description: "Only the fields sent change; null clears one. An address sent replaces the whole address." });

const addressOutSchema = z.object({
  name: z.string().nullable(),
  company: z.string().nullable(),
  line1: z.string().nullable(),
  line2: z.string().nullable(),
  city: z.string().nullable(),
  postcode: z.string().nullable(),
  region: z.string().nullable(),
  country: z.string().nullable(),
});

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

export const customerListQuery = z.object({
  q: z.string().trim().min(1).max(200).optional().meta({ description: "Part of the name, e-mail, VAT number or company (case-insensitive)" }),
  cursor: z.string().optional(),
  limit: limitSchema,
});

type CustomerJson = z.infer<typeof customerSchema>;

const ADDRESS_KEYS = ["name", "company", "line1", "line2", "city", "postcode", "region", "country"] as const;

/** Every key present, null when not given, so the stored address has one shape. */
function storedAddress(address: Address | null | undefined): string | null {
  if (!address) return null;
  const full = Object.fromEntries(ADDRESS_KEYS.map((key) => [key, address[key] ?? null]));
  return Object.values(full).some((value) => value !== null) ? JSON.stringify(full) : null;
}

export function customerJson(row: CustomerRow): CustomerJson {
  const stored = row.address ? (JSON.parse(row.address) as Partial<Record<(typeof ADDRESS_KEYS)[number], string | null>>) : null;
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

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (char) => `\\${char}`);

export async function loadCustomer(db: Database, id: string): Promise<CustomerRow> {
  const row = await db.query.customers.findFirst({ where: eq(customers.id, id) });
  if (!row) throw new AppError("not_found", `No customer ${id}`);
  return row;
}

/** One page of customers, newest first; `q` finds one by name, e-mail, VAT number or company. */
export async function findCustomers(db: Database, query: z.output<typeof customerListQuery>): Promise<{ items: CustomerRow[]; next_cursor: string | null }> {
  const conditions: SQL[] = [];
  if (query.q) {
    // LIKE folds ASCII case; e-mails are stored lower case, so the pattern is folded for them.
    const pattern = `%${escapeLike(query.q)}%`;
    conditions.push(
      or(
        sql`${customers.name} LIKE ${pattern} ESCAPE '\\'`,
        sql`${customers.email} LIKE ${pattern.toLowerCase()} ESCAPE '\\'`,
        sql`${customers.vatNumber} LIKE ${pattern} ESCAPE '\\'`,
        sql`${customers.company} LIKE ${pattern} ESCAPE '\\'`,
      )!,
    );
  }
  const cursor = decodeCursor(query.cursor);
  if (cursor) conditions.push(after(cursor, customers.createdAt, customers.id));
  const rows = await db
    .select()
    .from(customers)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(customers.createdAt), desc(customers.id))
    .limit(query.limit + 1);
  return page(rows, query.limit, (row) => ({ at: row.createdAt, id: row.id }));
}

export const customerRoutes = new Hono<AppEnv>()
  .get("/", async (c) => {
    const result = await findCustomers(c.var.services.db, parseQuery(c, customerListQuery));
    return c.json({ items: result.items.map(customerJson), next_cursor: result.next_cursor });
  })

  .get("/:id", async (c) => {
    return c.json(customerJson(await loadCustomer(c.var.services.db, c.req.param("id"))));
  })

  .post("/", async (c) => {
    const input = await parseJsonBody(c, customerCreateSchema);
    const { db, now } = c.var.services;
    const at = now();
    const row: CustomerRow = {
      id: newId("cus", at),
      name: input.name,
      email: input.email ?? null,
      vatNumber: input.vat_number ?? null,
      company: input.company ?? null,
      phone: input.phone ?? null,
      address: storedAddress(input.address),
      createdAt: at,
      updatedAt: at,
    };
    await db.insert(customers).values(row);
    return c.json(customerJson(row), 201);
  })

  .patch("/:id", async (c) => {
    const input = await parseJsonBody(c, customerUpdateSchema);
    const { db, now } = c.var.services;
    const row = await loadCustomer(db, c.req.param("id"));
    const changes: Partial<CustomerRow> = {
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.email !== undefined ? { email: input.email } : {}),
      ...(input.vat_number !== undefined ? { vatNumber: input.vat_number } : {}),
      ...(input.company !== undefined ? { company: input.company } : {}),
      ...(input.phone !== undefined ? { phone: input.phone } : {}),
      ...(input.address !== undefined ? { address: storedAddress(input.address) } : {}),
    };
    if (Object.keys(changes).length === 0) return c.json(customerJson(row));
    changes.updatedAt = now();
    await db.update(customers).set(changes).where(eq(customers.id, row.id));
    return c.json(customerJson({ ...row, ...changes }));
  });
