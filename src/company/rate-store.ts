/**
 * The ECB reference rates table (exchange_rates): one row per (currency, date), written once and
 * never changed. Only this module speaks SQL to it.
 */
import { chunk } from "../lib/chunk";

export interface StoredRate {
  date: string;
  currency: string;
  perEur: string;
}

/** Rows per statement: they travel as one JSON text (one bound parameter), kept well inside D1's statement size. */
const ROWS_PER_STATEMENT = 500;

/**
 * Stores the rates in one batch; a (currency, date) already held is left as it is, so fetching the
 * same file twice writes nothing the second time. Answers how many rows were new.
 */
export async function insertRates(d1: D1Database, rates: StoredRate[], now: number): Promise<number> {
  if (rates.length === 0) return 0;
  const statement = d1.prepare(
    `INSERT INTO exchange_rates (date, currency, per_eur, fetched_at)
     SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), ?2 FROM json_each(?1) WHERE true
     ON CONFLICT (currency, date) DO NOTHING`,
  );
  const results = await d1.batch(
    chunk(rates, ROWS_PER_STATEMENT).map((part) => statement.bind(JSON.stringify(part.map((rate) => [rate.date, rate.currency, rate.perEur])), now)),
  );
  return results.reduce((sum, result) => sum + (result.meta.changes ?? 0), 0);
}

/** The newest reference date held for any currency, or null when no rate was ever stored. */
export async function latestRateDate(d1: D1Database): Promise<string | null> {
  const row = await d1.prepare("SELECT MAX(date) AS date FROM exchange_rates").first<{ date: string | null }>();
  return row?.date ?? null;
}

/** The last rate of `currency` on or before `date`. */
export async function rateOnOrBefore(d1: D1Database, currency: string, date: string): Promise<StoredRate | null> {
  return d1
    .prepare("SELECT date, currency, per_eur AS perEur FROM exchange_rates WHERE currency = ?1 AND date <= ?2 ORDER BY date DESC LIMIT 1")
    .bind(currency, date)
    .first<StoredRate>();
}

/** The last date on or before `date` with a rate for both currencies, and both rates of that date. */
export async function pairOnOrBefore(d1: D1Database, from: string, to: string, date: string): Promise<{ date: string; from: string; to: string } | null> {
  return d1
    .prepare(
      `SELECT a.date AS date, a.per_eur AS "from", b.per_eur AS "to" FROM exchange_rates a
       JOIN exchange_rates b ON b.currency = ?2 AND b.date = a.date
       WHERE a.currency = ?1 AND a.date <= ?3 ORDER BY a.date DESC LIMIT 1`,
    )
    .bind(from, to, date)
    .first<{ date: string; from: string; to: string }>();
}
