/**
 * /api/exchange-rates — the ECB reference rates the inbox holds for the base currency: which rate
 * a document of a date would take, and fetching the ECB's files now (a first fill, or a gap).
 */
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../context";
import { loadCompanyProfile } from "../company/company";
import { fetchRates, rateOn } from "../company/exchange-rates";
import { recheckOrdersWaitingForRates } from "../documents/recheck";
import { AppError } from "../lib/errors";
import { isCurrency } from "../orders/money";
import { parseJsonBody, parseQuery } from "./validate";

const currency = (example: string) =>
  z
    .string()
    .trim()
    .toUpperCase()
    .refine(isCurrency, `must be an ISO 4217 currency code, like "${example}"`);

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date as YYYY-MM-DD")
  .refine((value) => !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value), "must be a real date");

export const exchangeRateQuery = z.object({
  currency: currency("SEK").meta({ description: "The document's currency" }),
  date: isoDate.optional().meta({ description: "The document's date (YYYY-MM-DD); today (UTC) when left out" }),
  base: currency("EUR").optional().meta({ description: "The currency the books are kept in; the company profile's base currency when left out" }),
});

export const exchangeRateSchema = z
  .object({
    currency: z.string(),
    base_currency: z.string(),
    date: z.string().meta({ description: "The date asked about" }),
    rate: z.string().meta({ description: "Units of `currency` per 1 unit of `base_currency`, as a decimal string (the ECB's figure, or a cross rate through EUR to 10 significant digits)" }),
    rate_date: z.string().meta({ description: "The ECB reference date the rate is of: its last on or before `date`" }),
  })
  .meta({ id: "ExchangeRate" });

export const ratesFetchSchema = z
  .object({
    days: z
      .union([z.literal(1), z.literal(90)])
      .default(1)
      .meta({ description: "1: today's file (eurofxref-daily.xml); 90: the last 90 days (eurofxref-hist-90d.xml), for a first fill" }),
  })
  .meta({ id: "ExchangeRatesFetch" });

export const ratesFetchedSchema = z
  .object({
    file: z.enum(["daily", "90d"]),
    url: z.string(),
    dates: z.array(z.string()).meta({ description: "The reference dates the file held, oldest first" }),
    rates: z.number().int().meta({ description: "Rates in the file" }),
    stored: z.number().int().meta({ description: "Rates not held before (0 when fetched already)" }),
  })
  .meta({ id: "ExchangeRatesFetched" });

export const exchangeRateRoutes = new Hono<AppEnv>()
  .get("/", async (c) => {
    const query = parseQuery(c, exchangeRateQuery);
    const services = c.var.services;
    const to = query.base ?? (await loadCompanyProfile(services.d1)).base_currency;
    const date = query.date ?? new Date(services.now()).toISOString().slice(0, 10);
    const answer = await rateOn(services.d1, { from: query.currency, to, date });
    if (!answer.found) throw new AppError("no_exchange_rate", answer.reason);
    return c.json({ currency: answer.from, base_currency: answer.to, date: answer.date, rate: answer.rate, rate_date: answer.rate_date });
  })

  .post("/fetch", async (c) => {
    const { days } = await parseJsonBody(c, ratesFetchSchema);
    const fetched = await fetchRates(c.var.services, days === 90 ? "90d" : "daily");
    // Drafts held for want of a rate are executed once one is there.
    if (fetched.stored) await recheckOrdersWaitingForRates(c.var.services);
    return c.json(fetched);
  });
