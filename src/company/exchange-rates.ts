/**
 * Exchange rates for the company's base currency, from the ECB's daily reference rates
 * (docs/base-currency.md): fetching and storing them, the rate that applies to a document's date,
 * and a document's amounts in the base currency.
 *
 * A rate is "units of the document's currency per 1 unit of the base currency", as a decimal
 * string; amounts in the base currency are computed from exactly that string, so anyone can
 * redo the sum from what the invoice prints.
 */
import type { Services } from "../context";
import { AppError } from "../lib/errors";
import { divideRounded, minorDigits, toScaled } from "../orders/money";
import { ecbFileUrl, fetchEcbRates, type EcbFile } from "./ecb";
import { insertRates, latestRateDate, pairOnOrBefore, rateOnOrBefore } from "./rate-store";

/** The ECB publishes every currency against the euro. */
export const ECB_BASE = "EUR";

/** A rate older than this many days before the document's date is not used: the rates were not fetched. */
export const MAX_RATE_AGE_DAYS = 7;

/** Significant digits of a rate that is not the ECB's own figure (a cross rate, or 1 / the ECB's). */
export const CROSS_RATE_DIGITS = 10;

/** With the newest rate this many days old or more, the cron fetches the 90-day file to fill the gap. */
export const CATCH_UP_AFTER_DAYS = 5;

const DAY_MS = 86_400_000;
const isoDate = (epochMs: number) => new Date(epochMs).toISOString().slice(0, 10);
const daysBetween = (earlier: string, later: string) => Math.round((Date.parse(`${later}T00:00:00Z`) - Date.parse(`${earlier}T00:00:00Z`)) / DAY_MS);

// ---------------------------------------------------------------------------------------------
// Fetching

export interface RatesFetched {
  file: EcbFile;
  url: string;
  /** The reference dates the file held, oldest first. */
  dates: string[];
  /** Rates in the file. */
  rates: number;
  /** Rates that were not stored before (0 when the file was fetched already). */
  stored: number;
}

/** Fetches one of the ECB's files now and stores every rate in it that is new. */
export async function fetchRates(services: Services, file: EcbFile): Promise<RatesFetched> {
  const url = ecbFileUrl(services.config.ECB_RATES_URL, file);
  const read = await fetchEcbRates(services.fetch, url);
  if (!read.ok) throw new AppError("rates_unavailable", `The ECB's rates could not be fetched: ${read.message}`);
  const rows = read.days.flatMap((day) => day.rates.map((rate) => ({ date: day.date, currency: rate.currency, perEur: rate.perEur })));
  const stored = await insertRates(services.d1, rows, services.now());
  const dates = read.days.map((day) => day.date).sort();
  return { file, url, dates, rates: rows.length, stored };
}

/**
 * The cron's job: nothing when today's rates are held; today's file otherwise; the 90-day file
 * when none are held or the newest is CATCH_UP_AFTER_DAYS old (the cron did not run for a while).
 * A failure is logged and the next run tries again.
 */
export async function refreshRates(services: Services, now: number): Promise<RatesFetched | null> {
  const today = isoDate(now);
  const latest = await latestRateDate(services.d1);
  if (latest !== null && latest >= today) return null;
  const file: EcbFile = latest === null || daysBetween(latest, today) >= CATCH_UP_AFTER_DAYS ? "90d" : "daily";
  try {
    const fetched = await fetchRates(services, file);
    console.log(`ecb rates: ${fetched.stored} new rate(s) from the ${file} file (${fetched.dates.at(-1) ?? "no day"})`);
    return fetched;
  } catch (error) {
    console.error(`ecb rates: fetching the ${file} file failed; the next run tries again`, error instanceof Error ? error.message : error);
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// The rate of a date

export type RateAnswer =
  | { found: true; from: string; to: string; date: string; rate: string; rate_date: string }
  | { found: false; from: string; to: string; date: string; reason: string };

/** The exact text of units / 10^scale, without trailing zeros. */
function decimalText(units: bigint, scale: number): string {
  const digits = units.toString().padStart(scale + 1, "0");
  const whole = scale ? digits.slice(0, -scale) : digits;
  const fraction = scale ? digits.slice(-scale).replace(/0+$/, "") : "";
  return fraction ? `${whole}.${fraction}` : whole;
}

/**
 * a / b for positive decimal strings, rounded half away from zero to `significant` significant
 * digits, in integers: the rule for a rate the ECB does not publish itself.
 */
export function divideDecimals(a: string, b: string, significant = CROSS_RATE_DIGITS): string {
  const x = toScaled(a);
  const y = toScaled(b);
  if (x.units <= 0n || y.units <= 0n) throw new RangeError(`rates must be positive: ${a} / ${b}`);
  const numerator = x.units * 10n ** BigInt(y.scale);
  const denominator = y.units * 10n ** BigInt(x.scale);
  const smallest = 10n ** BigInt(significant - 1);
  let scale = 0;
  while ((numerator * 10n ** BigInt(scale)) / denominator < smallest) scale++;
  return decimalText(divideRounded(numerator * 10n ** BigInt(scale), denominator), scale);
}

const fetchHint = "fetch rates (POST /api/exchange-rates/fetch) and execute again";

/**
 * The rate that applies to a document of `from` currency dated `date`, for books kept in `to`:
 * the ECB's last rate on or before the date (weekends and TARGET holidays have none), no older
 * than MAX_RATE_AGE_DAYS. EUR on either side uses the ECB's figure (or 1 / it); two other
 * currencies cross through the euro on one ECB day: perEur(from) / perEur(to).
 */
export async function rateOn(d1: D1Database, query: { from: string; to: string; date: string }): Promise<RateAnswer> {
  const { from, to, date } = query;
  if (from === to) return { found: true, from, to, date, rate: "1", rate_date: date };
  const missing = (currency: string): RateAnswer => ({ found: false, from, to, date, reason: `No ECB rate for ${currency} on or before ${date}: ${fetchHint}` });

  let rate: string;
  let rateDate: string;
  if (to === ECB_BASE || from === ECB_BASE) {
    const other = to === ECB_BASE ? from : to;
    const held = await rateOnOrBefore(d1, other, date);
    if (!held) return missing(other);
    rate = to === ECB_BASE ? held.perEur : divideDecimals("1", held.perEur);
    rateDate = held.date;
  } else {
    const pair = await pairOnOrBefore(d1, from, to, date);
    if (!pair) {
      // Say which one is missing; both held but never on one day cannot happen with the ECB's files.
      if (!(await rateOnOrBefore(d1, from, date))) return missing(from);
      return missing(to);
    }
    rate = divideDecimals(pair.from, pair.to);
    rateDate = pair.date;
  }
  const age = daysBetween(rateDate, date);
  if (age > MAX_RATE_AGE_DAYS) {
    return {
      found: false,
      from,
      to,
      date,
      reason: `No ECB rate for ${from === ECB_BASE ? to : from} on or before ${date}: the last one held is of ${rateDate}, more than ${MAX_RATE_AGE_DAYS} days earlier; ${fetchHint}`,
    };
  }
  return { found: true, from, to, date, rate, rate_date: rateDate };
}

/** Why a document cannot be executed for want of a rate, or null when it has one. */
export function baseCurrencyProblem(answer: RateAnswer): { code: "no_exchange_rate"; message: string } | null {
  return answer.found ? null : { code: "no_exchange_rate", message: answer.reason };
}

// ---------------------------------------------------------------------------------------------
// Amounts in the base currency

/** A document's amounts in the base currency (documents/issued.ts calls them BaseAmounts). */
export interface BaseFigures {
  currency: string;
  /** Units of the document's currency per 1 unit of the base currency, as a decimal string. */
  rate: string;
  /** The ECB reference date the rate is of (its last rate on or before the document's date). */
  rate_date: string;
  subtotal: number;
  tax: number;
  total: number;
}

export interface BaseAmountsInput<Row extends { taxable: number; vat: number }> {
  /** The document's currency. */
  currency: string;
  /** The company's base currency. */
  baseCurrency: string;
  /** From rateOn; ignored (may be null) when the currencies are the same. */
  rate: { rate: string; rate_date: string } | null;
  /** Whether the document's subtotal includes its tax (prices include tax). */
  taxIncluded: boolean;
  /** The document's VAT summary rows, net taxable and VAT in the document's minor units. */
  rows: Row[];
}

/**
 * One amount in the document's minor units → the base currency's minor units, at `rate` (units
 * of the document's currency per 1 base unit), rounded half away from zero, in integers:
 * minor × 10^baseDigits × 10^rateScale / (10^documentDigits × rateUnits).
 */
export function toBaseMinor(minor: number, currency: string, baseCurrency: string, rate: string): number {
  const { units, scale } = toScaled(rate);
  if (units <= 0n) throw new RangeError(`a rate must be positive, got ${rate}`);
  const numerator = BigInt(minor) * 10n ** BigInt(minorDigits(baseCurrency) + scale);
  const denominator = 10n ** BigInt(minorDigits(currency)) * units;
  return Number(divideRounded(numerator, denominator));
}

/**
 * A document's amounts in the base currency. The rounding rule: each VAT row's taxable amount and
 * its VAT are converted separately, each rounded half away from zero to the base currency's minor
 * unit; the base tax is the sum of the rows' VAT, the base net the sum of their taxable amounts,
 * and the base total is net + tax, so the summary always adds up in the base currency. The base
 * subtotal follows the document: net when tax is added on top, net + tax when prices include it.
 * Same currency: no base amounts (null), as IssuedFacts.base says.
 */
export function baseAmounts<Row extends { taxable: number; vat: number }>(
  input: BaseAmountsInput<Row>,
): { base: BaseFigures | null; rows: Array<Row & { base: { taxable: number; vat: number } | null }> } {
  const { currency, baseCurrency, rate, taxIncluded } = input;
  if (currency === baseCurrency) return { base: null, rows: input.rows.map((row) => ({ ...row, base: null })) };
  if (!rate) throw new Error(`baseAmounts: a ${currency} document in ${baseCurrency} books needs a rate (see baseCurrencyProblem)`);
  const rows = input.rows.map((row) => ({
    ...row,
    base: { taxable: toBaseMinor(row.taxable, currency, baseCurrency, rate.rate), vat: toBaseMinor(row.vat, currency, baseCurrency, rate.rate) },
  }));
  const net = rows.reduce((sum, row) => sum + row.base.taxable, 0);
  const tax = rows.reduce((sum, row) => sum + row.base.vat, 0);
  return {
    base: { currency: baseCurrency, rate: rate.rate, rate_date: rate.rate_date, subtotal: taxIncluded ? net + tax : net, tax, total: net + tax },
    rows,
  };
}
