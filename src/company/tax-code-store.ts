/**
 * The tax codes and the VIES answers: the only module that speaks SQL to tax_codes and vat_checks.
 * Both UNIQUE keys of tax_codes (the code, and the kind–country–rate triple) are the schema's, so
 * seeding twice, or in two workers at once, inserts nothing the second time.
 */
import { eq } from "drizzle-orm";
import type { Database } from "../context";
import { vatChecks } from "../db/schema";
import { newTaxCodeId, type TaxCode, type TaxCodeDraft } from "./tax-codes";

const COLUMNS = "id, code, label, kind, country, rate";

export async function listTaxCodes(d1: D1Database): Promise<TaxCode[]> {
  const { results } = await d1.prepare(`SELECT ${COLUMNS} FROM tax_codes ORDER BY kind, country, CAST(rate AS REAL) DESC, code`).all<TaxCode>();
  return results;
}

export async function taxCodeById(d1: D1Database, id: string): Promise<TaxCode | null> {
  return (await d1.prepare(`SELECT ${COLUMNS} FROM tax_codes WHERE id = ?1`).bind(id).first<TaxCode>()) ?? null;
}

/** Inserts each code unless its code or its (kind, country, rate) is taken; returns how many were new. */
export async function insertTaxCodes(d1: D1Database, codes: readonly TaxCodeDraft[], now: number): Promise<number> {
  if (codes.length === 0) return 0;
  const statement = d1.prepare(
    "INSERT INTO tax_codes (id, code, label, kind, country, rate, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7) ON CONFLICT DO NOTHING",
  );
  const results = await d1.batch(codes.map((code) => statement.bind(newTaxCodeId(), code.code, code.label, code.kind, code.country, code.rate, now)));
  return results.reduce((sum, result) => sum + (result.meta.changes ?? 0), 0);
}

/** Inserts one code; false when its code or its (kind, country, rate) is taken. */
export async function insertTaxCode(d1: D1Database, id: string, code: TaxCodeDraft, now: number): Promise<boolean> {
  const result = await d1
    .prepare("INSERT INTO tax_codes (id, code, label, kind, country, rate, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7) ON CONFLICT DO NOTHING")
    .bind(id, code.code, code.label, code.kind, code.country, code.rate, now)
    .run();
  return (result.meta.changes ?? 0) > 0;
}

/** Rewrites one code; false when another code holds its new code or triple. */
export async function updateTaxCode(d1: D1Database, code: TaxCode, now: number): Promise<boolean> {
  try {
    await d1
      .prepare("UPDATE tax_codes SET code = ?2, label = ?3, kind = ?4, country = ?5, rate = ?6, updated_at = ?7 WHERE id = ?1")
      .bind(code.id, code.code, code.label, code.kind, code.country, code.rate, now)
      .run();
    return true;
  } catch (cause) {
    if (cause instanceof Error && cause.message.includes("UNIQUE constraint failed")) return false;
    throw cause;
  }
}

export async function deleteTaxCode(d1: D1Database, id: string): Promise<boolean> {
  const result = await d1.prepare("DELETE FROM tax_codes WHERE id = ?1").bind(id).run();
  return (result.meta.changes ?? 0) > 0;
}

export interface VatCheck {
  vat_number: string;
  result: "valid" | "invalid" | "unavailable";
  name: string | null;
  address: string | null;
  request_id: string | null;
  checked_at: number;
}

/** The same read through drizzle, for the document detail. */
export async function vatCheckFor(db: Database, vatNumber: string): Promise<VatCheck | null> {
  const [row] = await db.select().from(vatChecks).where(eq(vatChecks.vatNumber, vatNumber)).limit(1);
  return row
    ? { vat_number: row.vatNumber, result: row.result as VatCheck["result"], name: row.name, address: row.address, request_id: row.requestId, checked_at: row.checkedAt }
    : null;
}

export async function vatCheckOf(d1: D1Database, vatNumber: string): Promise<VatCheck | null> {
  const row = await d1
    .prepare("SELECT vat_number, result, name, address, request_id, checked_at FROM vat_checks WHERE vat_number = ?1")
    .bind(vatNumber)
    .first<VatCheck>();
  return row ?? null;
}

/**
 * Keeps VIES's latest answer; an outage ("unavailable") never overwrites an answer VIES gave
 * about the number, which stays the evidence.
 */
export async function saveVatCheck(d1: D1Database, check: VatCheck): Promise<void> {
  await d1
    .prepare(
      `INSERT INTO vat_checks (vat_number, result, name, address, request_id, checked_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
       ON CONFLICT (vat_number) DO UPDATE SET result = excluded.result, name = excluded.name, address = excluded.address,
         request_id = excluded.request_id, checked_at = excluded.checked_at
       WHERE excluded.result <> 'unavailable' OR vat_checks.result = 'unavailable'`,
    )
    .bind(check.vat_number, check.result, check.name, check.address, check.request_id, check.checked_at)
    .run();
}
