/**
 * Asking VIES, the EU's VAT number register, whether a buyer's VAT number is registered: the
 * evidence a reverse-charge invoice keeps. POST <VIES_URL>/check-vat-number with
 * `{"countryCode":"FR","vatNumber":"40303265045"}` answers `{countryCode, vatNumber, requestDate,
 * valid, requestIdentifier, name, address}`; an error answers `{actionSucceed: false,
 * errorWrappers: [{error: "MS_UNAVAILABLE"}]}`. VIES is often down for a member state: an answer
 * that says nothing about the number is "unavailable", never "invalid", and never blocks an invoice.
 */
import { z } from "zod";
import { saveVatCheck, type VatCheck } from "./tax-code-store";

export interface ViesIo {
  fetch: typeof fetch;
  /** VIES_URL: the REST API's base, without the trailing slash. */
  url: string;
  now: () => number;
}

const answerSchema = z.object({
  valid: z.boolean(),
  name: z.string().nullish(),
  address: z.string().nullish(),
  requestIdentifier: z.string().nullish(),
});

// VIES prints "---" where a member state does not disclose the name or address.
const disclosed = (value: string | null | undefined) => (value && value.trim() !== "---" ? value.trim() : null);

/** Asks VIES about one number (country prefix included, "FR40303265045") and keeps its answer. */
export async function checkVatNumber(d1: D1Database, vatNumber: string, io: ViesIo): Promise<VatCheck> {
  const check = { vat_number: vatNumber, checked_at: io.now() };
  let answer: VatCheck;
  try {
    const response = await io.fetch(`${io.url.replace(/\/+$/, "")}/check-vat-number`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ countryCode: vatNumber.slice(0, 2), vatNumber: vatNumber.slice(2) }),
    });
    const parsed = answerSchema.safeParse(response.ok ? await response.json().catch(() => null) : null);
    answer = parsed.success
      ? { ...check, result: parsed.data.valid ? "valid" : "invalid", name: disclosed(parsed.data.name), address: disclosed(parsed.data.address), request_id: parsed.data.requestIdentifier || null }
      : { ...check, result: "unavailable", name: null, address: null, request_id: null };
  } catch {
    answer = { ...check, result: "unavailable", name: null, address: null, request_id: null };
  }
  await saveVatCheck(d1, answer);
  return answer;
}
