/**
 * Keeping the tax codes: seeding the defaults for the company's country, and the merchant's own
 * edits. Documents ask for the codes here (seeding them on first use).
 */
import { AppError } from "../lib/errors";
import { loadCompanyProfile } from "./company";
import { deleteTaxCode, insertTaxCode, insertTaxCodes, listTaxCodes, taxCodeById, updateTaxCode } from "./tax-code-store";
import { defaultTaxCodes, newTaxCodeId, taxCodeIndex, type TaxCode, type TaxCodeDraft, type TaxCodeIndex } from "./tax-codes";

/** Adds the default codes that are missing (none that a code or triple already holds); returns how many. */
export async function seedTaxCodes(d1: D1Database, now: number): Promise<{ created: number; codes: TaxCode[] }> {
  const profile = await loadCompanyProfile(d1);
  const created = await insertTaxCodes(d1, defaultTaxCodes(profile.address.country), now);
  return { created, codes: await listTaxCodes(d1) };
}

/**
 * What a document's lines are coded from. With `seed`, an empty table is seeded first (making
 * documents); without, an empty table reads as the defaults, unsaved (a preview writes nothing).
 */
export async function taxCodesForDocuments(d1: D1Database, now: number, seed: boolean): Promise<{ seller_country: string | null; codes: TaxCodeIndex }> {
  const profile = await loadCompanyProfile(d1);
  const country = profile.address.country;
  let codes = await listTaxCodes(d1);
  if (codes.length === 0 && country) {
    if (seed) {
      await insertTaxCodes(d1, defaultTaxCodes(country), now);
      codes = await listTaxCodes(d1);
    } else {
      codes = defaultTaxCodes(country).map((code) => ({ ...code, id: "" }));
    }
  }
  return { seller_country: country, codes: taxCodeIndex(codes) };
}

const taken = (code: TaxCodeDraft) =>
  new AppError("conflict", `A tax code "${code.code}" or one for ${code.kind} in "${code.country}" at ${code.rate} % exists already: change that one`);

/** Reverse charge, export and outside VAT have no country of taxation and a rate of 0. */
function checked(code: TaxCodeDraft): TaxCodeDraft {
  if (code.kind === "reverse_charge" || code.kind === "export" || code.kind === "exempt") {
    if (code.country !== "" || code.rate !== "0") throw new AppError("validation_failed", `A ${code.kind} code has no country ("") and a rate of 0`);
  } else if (code.country === "") {
    throw new AppError("validation_failed", `A ${code.kind} code needs the country whose VAT it is`);
  }
  return code;
}

export async function createTaxCode(d1: D1Database, input: TaxCodeDraft, now: number): Promise<TaxCode> {
  const code = { id: newTaxCodeId(), ...checked(input) };
  if (!(await insertTaxCode(d1, code.id, code, now))) throw taken(code);
  return code;
}

export async function changeTaxCode(d1: D1Database, id: string, change: Partial<TaxCodeDraft>, now: number): Promise<TaxCode> {
  const current = await taxCodeById(d1, id);
  if (!current) throw new AppError("not_found", `No tax code ${id}`);
  const next = { ...current, ...checked({ ...current, ...change }) };
  if (!(await updateTaxCode(d1, next, now))) throw taken(next);
  return next;
}

/** Documents keep the code's name on their lines, so removing a code changes no document made. */
export async function removeTaxCode(d1: D1Database, id: string): Promise<void> {
  if (!(await deleteTaxCode(d1, id))) throw new AppError("not_found", `No tax code ${id}`);
}
