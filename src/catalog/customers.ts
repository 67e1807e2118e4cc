/**
 * The merchant's customers entered or changed by hand (matching an order's customer is in
 * matching.ts): what a customer may hold, and the stored shape of their address.
 */
import { z } from "zod";
import type { Database } from "../context";
import type { CustomerRow } from "../db/schema";
import { AppError } from "../lib/errors";
import { newId } from "../lib/ids";
import { customerById, insertCustomer, saveCustomerChanges } from "./catalog-store";
import { ADDRESS_KEYS } from "./catalog-wire";

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

/** Every key present, null when not given, so the stored address has one shape. */
function storedAddress(address: Address | null | undefined): string | null {
  if (!address) return null;
  const full = Object.fromEntries(ADDRESS_KEYS.map((key) => [key, address[key] ?? null]));
  return Object.values(full).some((value) => value !== null) ? JSON.stringify(full) : null;
}

export async function loadCustomer(db: Database, id: string): Promise<CustomerRow> {
  const row = await customerById(db, id);
  if (!row) throw new AppError("not_found", `No customer ${id}`);
  return row;
}

export async function createCustomer(db: Database, input: z.output<typeof customerCreateSchema>, at: number): Promise<CustomerRow> {
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
  await insertCustomer(db, row);
  return row;
}

/** Changes the fields sent; a customer sent no change is answered as it is, untouched. */
export async function changeCustomer(db: Database, id: string, input: z.output<typeof customerUpdateSchema>, now: () => number): Promise<CustomerRow> {
  const row = await loadCustomer(db, id);
  const changes: Partial<CustomerRow> = {
    ...(input.name !== undefined ? { name: input.name } : {}),
    ...(input.email !== undefined ? { email: input.email } : {}),
    ...(input.vat_number !== undefined ? { vatNumber: input.vat_number } : {}),
    ...(input.company !== undefined ? { company: input.company } : {}),
    ...(input.phone !== undefined ? { phone: input.phone } : {}),
    ...(input.address !== undefined ? { address: storedAddress(input.address) } : {}),
  };
  if (Object.keys(changes).length === 0) return row;
  changes.updatedAt = now();
  await saveCustomerChanges(db, row.id, changes);
  return { ...row, ...changes };
}
