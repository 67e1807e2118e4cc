/**
 * The company profile's table: one row, written whole. Only this module speaks SQL to it.
 */
import { prepareNamed } from "../db/named-sql";
import type { CompanyProfileRow } from "../db/schema";

const ID = "company";

export async function companyProfileRow(d1: D1Database): Promise<CompanyProfileRow | null> {
  const row = await d1
    .prepare("SELECT id, data, logo_key AS logoKey, logo_type AS logoType, updated_at AS updatedAt FROM company_profile WHERE id = ?1")
    .bind(ID)
    .first<CompanyProfileRow>();
  return row ?? null;
}

/** Saves the profile's fields, keeping its logo. */
export async function saveCompanyProfile(d1: D1Database, data: string, now: number): Promise<void> {
  await d1
    .prepare("INSERT INTO company_profile (id, data, updated_at) VALUES (?1, ?2, ?3) ON CONFLICT (id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at")
    .bind(ID, data, now)
    .run();
}

/** Points the profile at a logo (or at none), creating the profile with `emptyData` if there is none. */
export async function saveCompanyLogo(d1: D1Database, logo: { key: string; type: string } | null, emptyData: string, now: number): Promise<void> {
  await prepareNamed(
    d1,
    `INSERT INTO company_profile (id, data, logo_key, logo_type, updated_at) VALUES (:id, :data, :logo_key, :logo_type, :now)
     ON CONFLICT (id) DO UPDATE SET logo_key = excluded.logo_key, logo_type = excluded.logo_type, updated_at = excluded.updated_at`,
    { id: ID, data: emptyData, logo_key: logo?.key ?? null, logo_type: logo?.type ?? null, now },
  ).run();
}
