/**
 * The European Central Bank's euro foreign exchange reference rates, as it publishes them in
 * `eurofxref-daily.xml` (one day) and `eurofxref-hist-90d.xml` (the last 90 days, newest first),
 * both in the same shape:
 *
 *   <gesmes:Envelope …><Cube><Cube time="2026-11-27"><Cube currency="USD" rate="1.0843"/>…</Cube></Cube></gesmes:Envelope>
 *
 * Reading is pure (parseEcbRates); fetching takes `fetch` and the daily file's URL, so tests point
 * it at a fake. Rates are kept as the decimal text the ECB wrote: units of the currency per 1 EUR.
 */
import { parseXml, XmlError, type XmlElement } from "../lib/xml";

export const ECB_DAILY_URL = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml";

/** Which file: today's rates, or the last 90 days' (for a first fill and for gaps). */
export type EcbFile = "daily" | "90d";

/** The 90-day file sits beside the daily one, so one configured URL names both. */
export function ecbFileUrl(dailyUrl: string, file: EcbFile): string {
  return file === "daily" ? dailyUrl : new URL("eurofxref-hist-90d.xml", dailyUrl).toString();
}

export interface EcbDay {
  /** YYYY-MM-DD, the ECB's reference date. */
  date: string;
  rates: Array<{ currency: string; perEur: string }>;
}

export type EcbRead = { ok: true; days: EcbDay[] } | { ok: false; message: string };

/** The 90-day file is about 100 KB; anything far larger is not the ECB's file. */
export const ECB_MAX_BYTES = 2 * 1024 * 1024;

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const CURRENCY = /^[A-Z]{3}$/;
const RATE = /^\d{1,12}(\.\d{1,12})?$/;

const localName = (element: XmlElement) => element.name.slice(element.name.indexOf(":") + 1);
const cubes = (element: XmlElement) => element.children.filter((child) => localName(child) === "Cube");

/** Reads the ECB's file: every day and every rate, or why the text is not that file. */
export function parseEcbRates(text: string): EcbRead {
  let root: XmlElement;
  try {
    root = parseXml(text);
  } catch (error) {
    if (error instanceof XmlError) return { ok: false, message: error.message };
    throw error;
  }
  if (localName(root) !== "Envelope") return { ok: false, message: `expected <gesmes:Envelope>, got <${root.name}>` };
  const [outer] = cubes(root);
  if (!outer) return { ok: false, message: "the envelope holds no <Cube>" };
  const days: EcbDay[] = [];
  for (const day of cubes(outer)) {
    const date = day.attributes.time ?? "";
    if (!DATE.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`))) return { ok: false, message: `a day's time="${date}" is not a YYYY-MM-DD date` };
    const rates: EcbDay["rates"] = [];
    for (const cube of cubes(day)) {
      const currency = cube.attributes.currency ?? "";
      const rate = cube.attributes.rate ?? "";
      if (!CURRENCY.test(currency)) return { ok: false, message: `${date}: currency="${currency}" is not an ISO 4217 code` };
      if (!RATE.test(rate) || !/[1-9]/.test(rate)) return { ok: false, message: `${date} ${currency}: rate="${rate}" is not a positive decimal` };
      rates.push({ currency, perEur: rate });
    }
    days.push({ date, rates });
  }
  if (days.length === 0) return { ok: false, message: "the file holds no day of rates" };
  return { ok: true, days };
}

/** Fetches and reads one of the ECB's files; a failure says what went wrong, for the operator. */
export async function fetchEcbRates(fetcher: typeof fetch, url: string): Promise<EcbRead> {
  let response: Response;
  try {
    response = await fetcher(url, { headers: { accept: "application/xml, text/xml" } });
  } catch (error) {
    return { ok: false, message: `could not reach ${url}: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (!response.ok) {
    await response.body?.cancel();
    return { ok: false, message: `${url} answered ${response.status}` };
  }
  const declared = Number(response.headers.get("content-length") ?? "0");
  if (declared > ECB_MAX_BYTES) {
    await response.body?.cancel();
    return { ok: false, message: `${url} sent ${declared} bytes, more than the ${ECB_MAX_BYTES} an ECB rates file can be` };
  }
  const text = await response.text();
  if (text.length > ECB_MAX_BYTES) return { ok: false, message: `${url} sent more than the ${ECB_MAX_BYTES} bytes an ECB rates file can be` };
  const read = parseEcbRates(text);
  return read.ok ? read : { ok: false, message: `${url} is not an ECB rates file: ${read.message}` };
}
