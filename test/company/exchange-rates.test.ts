/**
 * The rate a document takes and its amounts in the base currency, from ECB rates stored by the
 * real fetch (a fake ECB serving a 90-day file shaped as the ECB publishes it: see the fixtures' README).
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { buildServices } from "../../src/context";
import { readConfig } from "../../src/env";
import { baseAmounts, baseCurrencyProblem, divideDecimals, fetchRates, rateOn, toBaseMinor } from "../../src/company/exchange-rates";
import type { VatSummaryRow } from "../../src/documents/issued";
import { ecbDailyUrl, seedEcbFile } from "../fakes/ecb-control";
import { api, json } from "../helpers";
import hist20261127 from "../fixtures/ecb/eurofxref-hist-90d-2026-11-27.xml?raw";

beforeAll(async () => {
  await seedEcbFile(env.ECB_FAKE_URL, "rates", "90d", hist20261127);
  const workerEnv = { ...env, ECB_RATES_URL: ecbDailyUrl(env.ECB_FAKE_URL, "rates") };
  const checked = readConfig(workerEnv);
  if (!checked.ok) throw new Error(checked.message);
  const fetched = await fetchRates(buildServices(workerEnv, checked.config), "90d");
  expect(fetched.dates).toEqual(["2026-11-20", "2026-11-23", "2026-11-24", "2026-11-25", "2026-11-26", "2026-11-27"]);
});

const row = (tax_code: string, rate: string, taxable: number, vat: number): VatSummaryRow => ({ tax_code, label: `VAT ${rate} %`, kind: "domestic", rate, taxable, vat, base: null });

describe("the rate of a document's date", () => {
  it("takes the ECB's own figure for a EUR base, and Friday's rate on a weekend", async () => {
    expect(await rateOn(env.DB, { from: "SEK", to: "EUR", date: "2026-11-27" })).toEqual({ found: true, from: "SEK", to: "EUR", date: "2026-11-27", rate: "11.0345", rate_date: "2026-11-27" });
    // Sunday 29 November: the ECB publishes nothing at weekends; its last rate is Friday's.
    expect(await rateOn(env.DB, { from: "SEK", to: "EUR", date: "2026-11-29" })).toMatchObject({ found: true, rate: "11.0345", rate_date: "2026-11-27" });
    expect(await rateOn(env.DB, { from: "SEK", to: "EUR", date: "2026-11-22" })).toMatchObject({ found: true, rate: "11.0890", rate_date: "2026-11-20" });
  });

  it("crosses through EUR for a USD base: perEur(SEK) / perEur(USD) of one ECB day, to 10 significant digits", async () => {
    // 11.0345 / 1.0843 = 10.176611638845… → 10.17661164 SEK per USD.
    expect(await rateOn(env.DB, { from: "SEK", to: "USD", date: "2026-11-28" })).toMatchObject({ found: true, rate: "10.17661164", rate_date: "2026-11-27" });
    // A EUR document in USD books: 1 / 1.0843 = 0.92225398874… → 0.9222539887 EUR per USD.
    expect(await rateOn(env.DB, { from: "EUR", to: "USD", date: "2026-11-27" })).toMatchObject({ found: true, rate: "0.9222539887" });
    expect(await rateOn(env.DB, { from: "USD", to: "USD", date: "2026-11-27" })).toMatchObject({ found: true, rate: "1" });
  });

  it.each([
    ["before the first rate held", { from: "SEK", to: "EUR", date: "2026-11-19" }, "No ECB rate for SEK on or before 2026-11-19: fetch rates (POST /api/exchange-rates/fetch) and execute again"],
    ["a currency the ECB does not publish", { from: "AED", to: "USD", date: "2026-11-27" }, "No ECB rate for AED on or before 2026-11-27: fetch rates (POST /api/exchange-rates/fetch) and execute again"],
    ["the base side of a cross missing", { from: "SEK", to: "CHF", date: "2026-11-27" }, "No ECB rate for CHF on or before 2026-11-27: fetch rates (POST /api/exchange-rates/fetch) and execute again"],
    [
      "a last rate more than 7 days old",
      { from: "SEK", to: "EUR", date: "2026-12-05" },
      "No ECB rate for SEK on or before 2026-12-05: the last one held is of 2026-11-27, more than 7 days earlier; fetch rates (POST /api/exchange-rates/fetch) and execute again",
    ],
  ])("holds the document with a reason for %s", async (_, query, message) => {
    const answer = await rateOn(env.DB, query);
    expect(answer.found).toBe(false);
    expect(baseCurrencyProblem(answer)).toEqual({ code: "no_exchange_rate", message });
  });

  it("has no problem when the rate is there", async () => {
    expect(baseCurrencyProblem(await rateOn(env.DB, { from: "SEK", to: "EUR", date: "2026-11-27" }))).toBeNull();
  });
});

describe("a document's amounts in the base currency", () => {
  it("converts a SEK invoice at the stored ECB rate to the cent, row by row, so the summary adds up", async () => {
    const answer = await rateOn(env.DB, { from: "SEK", to: "EUR", date: "2026-11-29" });
    if (!answer.found) throw new Error(answer.reason);
    // Worked by hand, rate 11.0345 SEK per EUR (Friday 27 November), each figure / 11.0345, half away from zero:
    //   25 %: taxable 1000.00 SEK → 90.62485… → 90.62 EUR; VAT 250.00 SEK → 22.65621… → 22.66 EUR
    //   12 %: taxable  199.99 SEK → 18.12406… → 18.12 EUR; VAT  24.00 SEK →  2.174996… →  2.17 EUR
    //   subtotal 90.62 + 18.12 = 108.74; tax 22.66 + 2.17 = 24.83; total 108.74 + 24.83 = 133.57 EUR.
    // (The document total 1473.99 SEK converted on its own would be 133.58: the rule keeps the sum instead.)
    const result = baseAmounts({ currency: "SEK", baseCurrency: "EUR", rate: answer, taxIncluded: false, rows: [row("SE25", "25", 100000, 25000), row("SE12", "12", 19999, 2400)] });
    expect(result.base).toEqual({ currency: "EUR", rate: "11.0345", rate_date: "2026-11-27", subtotal: 10874, tax: 2483, total: 13357 });
    expect(result.rows.map((r) => r.base)).toEqual([
      { taxable: 9062, vat: 2266 },
      { taxable: 1812, vat: 217 },
    ]);
    expect(result.rows[0]).toMatchObject({ tax_code: "SE25", label: "VAT 25 %", taxable: 100000 });
  });

  it("converts a SEK invoice for USD books at the cross rate", async () => {
    const answer = await rateOn(env.DB, { from: "SEK", to: "USD", date: "2026-11-27" });
    if (!answer.found) throw new Error(answer.reason);
    // 1000.00 / 10.17661164 = 98.2645… → 98.26; 250.00 → 24.566… → 24.57; 199.99 → 19.6519… → 19.65; 24.00 → 2.3583… → 2.36 USD.
    const result = baseAmounts({ currency: "SEK", baseCurrency: "USD", rate: answer, taxIncluded: false, rows: [row("SE25", "25", 100000, 25000), row("SE12", "12", 19999, 2400)] });
    expect(result.base).toEqual({ currency: "USD", rate: "10.17661164", rate_date: "2026-11-27", subtotal: 11791, tax: 2693, total: 14484 });
  });

  it("counts the tax into the subtotal when the document's prices include it", () => {
    const result = baseAmounts({ currency: "SEK", baseCurrency: "EUR", rate: { rate: "11.0345", rate_date: "2026-11-27" }, taxIncluded: true, rows: [row("SE25", "25", 100000, 25000)] });
    expect(result.base).toMatchObject({ subtotal: 9062 + 2266, tax: 2266, total: 9062 + 2266 });
  });

  it("keeps no base amounts when the document is in the base currency", () => {
    const result = baseAmounts({ currency: "EUR", baseCurrency: "EUR", rate: null, taxIncluded: false, rows: [row("LV21", "21", 10000, 2100)] });
    expect(result).toEqual({ base: null, rows: [{ ...row("LV21", "21", 10000, 2100), base: null }] });
  });

  it.each([
    // 10000 JPY / 162.45 = 61.557… EUR → 6156 cents.
    ["a JPY document (0 decimals) in EUR", 10000, "JPY", "EUR", "162.45", 6156],
    // 100.00 EUR / 2.44 = 40.9836… BHD → 40984 fils (3 decimals).
    ["a EUR document in BHD books (3 decimals)", 10000, "EUR", "BHD", "2.44", 40984],
    // 12.345 BHD / 0.4 = 30.8625 EUR → 30.86 (below half a cent).
    ["a BHD document (3 decimals) in EUR", 12345, "BHD", "EUR", "0.4", 3086],
    // An exact half rounds away from zero: 1 JPY / 2 = 0.5 → 1.
    ["an exact half, away from zero", 1, "JPY", "JPY", "2", 1],
    ["a negative amount (a credit note), half away from zero", -1, "JPY", "JPY", "2", -1],
  ])("converts %s", (_, minor, currency, base, rate, expected) => {
    expect(toBaseMinor(minor, currency, base, rate)).toBe(expected);
  });

  it("divides rates exactly to 10 significant digits", () => {
    expect(divideDecimals("1", "3")).toBe("0.3333333333");
    expect(divideDecimals("162.45", "1.0843")).toBe("149.8201605");
    expect(divideDecimals("2", "1")).toBe("2");
  });
});

describe("GET /api/exchange-rates", () => {
  it("answers the rate a document would take, with the ECB date it is of, for the profile's base currency", async () => {
    const response = await api("/api/exchange-rates?currency=sek&date=2026-11-29");
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual({ currency: "SEK", base_currency: "EUR", date: "2026-11-29", rate: "11.0345", rate_date: "2026-11-27" });
    expect(await json(await api("/api/exchange-rates?currency=SEK&date=2026-11-27&base=USD"))).toMatchObject({ base_currency: "USD", rate: "10.17661164" });
  });

  it("answers 404 no_exchange_rate without a rate, and 400 for a date that is not one", async () => {
    const missing = await api("/api/exchange-rates?currency=SEK&date=2026-11-01");
    expect(missing.status).toBe(404);
    expect((await json(missing)).error).toEqual({ code: "no_exchange_rate", message: "No ECB rate for SEK on or before 2026-11-01: fetch rates (POST /api/exchange-rates/fetch) and execute again" });
    expect((await api("/api/exchange-rates?currency=SEK&date=2026-02-30")).status).toBe(400);
    expect((await api("/api/exchange-rates?currency=XYZ")).status).toBe(400);
  });
});
