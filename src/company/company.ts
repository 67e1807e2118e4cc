/**
 * Reading and changing the company profile, and its logo (kept in R2 beside archived bodies: a
 * small image, read when a document is drawn).
 */
import type { Services } from "../context";
import { AppError } from "../lib/errors";
import { companyProfileRow, saveCompanyLogo, saveCompanyProfile } from "./company-store";
import { companyProfileSchema, EMPTY_PROFILE, type CompanyProfile } from "./profile";

/** PDF embeds PNG and JPEG; anything larger than this is not a logo. */
export const LOGO_TYPES = ["image/png", "image/jpeg"] as const;
export const LOGO_MAX_BYTES = 256 * 1024;

export interface CompanyProfileView extends CompanyProfile {
  logo: { type: string; url: string } | null;
  updated_at: number | null;
}

/** The profile as stored; an inbox that never saved one has every default and no seller. */
export async function loadCompanyProfile(d1: D1Database): Promise<CompanyProfile> {
  const row = await companyProfileRow(d1);
  if (!row) return EMPTY_PROFILE;
  // Parsed again so that a field added since the profile was saved takes its default.
  return companyProfileSchema.parse(JSON.parse(row.data));
}

export async function companyProfileView(d1: D1Database): Promise<CompanyProfileView> {
  const row = await companyProfileRow(d1);
  const profile = row ? companyProfileSchema.parse(JSON.parse(row.data)) : EMPTY_PROFILE;
  return { ...profile, logo: row?.logoKey && row.logoType ? { type: row.logoType, url: "/api/company/logo" } : null, updated_at: row?.updatedAt ?? null };
}

/** Applies a change (fields left out stay as they are) and saves the whole profile. */
export async function changeCompanyProfile(
  d1: D1Database,
  change: Partial<Omit<CompanyProfile, "address">> & { address?: Partial<CompanyProfile["address"]> },
  now: number,
): Promise<CompanyProfileView> {
  const current = await loadCompanyProfile(d1);
  const merged = companyProfileSchema.parse({ ...current, ...change, address: { ...current.address, ...(change.address ?? {}) } });
  await saveCompanyProfile(d1, JSON.stringify(merged), now);
  return companyProfileView(d1);
}

const logoKey = (now: number) => `company/logo-${now}`;

/** Stores a new logo (PNG or JPEG, at most LOGO_MAX_BYTES) and points the profile at it. */
export async function replaceCompanyLogo(services: Services, bytes: Uint8Array, type: string): Promise<CompanyProfileView> {
  if (!(LOGO_TYPES as readonly string[]).includes(type)) throw new AppError("unsupported_media_type", `A logo must be ${LOGO_TYPES.join(" or ")}`);
  if (bytes.byteLength === 0 || bytes.byteLength > LOGO_MAX_BYTES) throw new AppError("validation_failed", `A logo must be 1 byte to ${LOGO_MAX_BYTES / 1024} KiB`);
  const now = services.now();
  const previous = await companyProfileRow(services.d1);
  const key = logoKey(now);
  await services.archive.put(key, bytes, { httpMetadata: { contentType: type } });
  await saveCompanyLogo(services.d1, { key, type }, JSON.stringify(EMPTY_PROFILE), now);
  // The old image goes once the profile no longer points at it.
  if (previous?.logoKey && previous.logoKey !== key) await services.archive.delete(previous.logoKey);
  return companyProfileView(services.d1);
}

export async function removeCompanyLogo(services: Services): Promise<CompanyProfileView> {
  const previous = await companyProfileRow(services.d1);
  await saveCompanyLogo(services.d1, null, JSON.stringify(EMPTY_PROFILE), services.now());
  if (previous?.logoKey) await services.archive.delete(previous.logoKey);
  return companyProfileView(services.d1);
}

/** The logo's bytes and type, or null without one. */
export async function companyLogo(services: Services): Promise<{ bytes: Uint8Array<ArrayBuffer>; type: string } | null> {
  const row = await companyProfileRow(services.d1);
  if (!row?.logoKey || !row.logoType) return null;
  const object = await services.archive.get(row.logoKey);
  if (!object) return null;
  return { bytes: new Uint8Array(await object.arrayBuffer()), type: row.logoType };
}
