/**
 * @module
 * Typed client for the control API of the fake ECB rates endpoint (`./ecb-server.ts`). Plain fetch,
 * so it works from tests inside workerd.
 *
 * @example
 * ```ts
 * await seedEcbFile(url, "rates-a", "daily", dailyXml);
 * const ECB_RATES_URL = ecbDailyUrl(url, "rates-a"); // hand this to the Worker's env
 * ```
 */
import { controlRequest, trimSlash } from "./control-request";

/** The URL of the daily file for bank `key`: what ECB_RATES_URL is set to in tests. */
export const ecbDailyUrl = (serverUrl: string, key: string) => `${trimSlash(serverUrl)}/banks/${encodeURIComponent(key)}/stats/eurofxref/eurofxref-daily.xml`;

export async function seedEcbFile(serverUrl: string, key: string, file: "daily" | "90d", xml: string): Promise<void> {
  await controlRequest("ECB", serverUrl, key, file, { method: "PUT", body: xml, headers: { "content-type": "text/xml" } });
}

/** Makes every file of bank `key` answer `status` (null: serve again). */
export async function setEcbFault(serverUrl: string, key: string, status: number | null): Promise<void> {
  await controlRequest("ECB", serverUrl, key, "fault", { method: "PUT", json: { status } });
}

/** The paths the Worker fetched from bank `key`, in order. */
export async function ecbRequests(serverUrl: string, key: string): Promise<string[]> {
  return JSON.parse(await controlRequest("ECB", serverUrl, key, "requests", { method: "GET" })) as string[];
}
