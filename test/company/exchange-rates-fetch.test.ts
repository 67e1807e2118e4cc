/**
 * The ECB's reference rates reach D1 through the real scheduled handler (the weekday cron) and
 * through POST /api/exchange-rates/fetch, from a fake ECB that serves the files at the ECB's paths.
 */
import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ECB_RATES } from "../../src/jobs/schedule";
import worker from "../../src/index";
import { ecbDailyUrl, ecbRequests, seedEcbFile, setEcbFault } from "../fakes/ecb-control";
import { api, json } from "../helpers";
import daily20240628 from "../fixtures/ecb/eurofxref-daily-2024-06-28.xml?raw";
import daily20261130 from "../fixtures/ecb/eurofxref-daily-2026-11-30.xml?raw";
import hist20261127 from "../fixtures/ecb/eurofxref-hist-90d-2026-11-27.xml?raw";

afterEach(() => vi.restoreAllMocks());

const rowsOf = async (date: string) =>
  (await env.DB.prepare("SELECT currency, per_eur AS perEur FROM exchange_rates WHERE date = ?1 ORDER BY currency").bind(date).all<{ currency: string; perEur: string }>()).results;
const countRows = async () => (await env.DB.prepare("SELECT COUNT(*) AS n FROM exchange_rates").first<{ n: number }>())!.n;

async function runRatesCron(bank: string, at: string) {
  await worker.scheduled(createScheduledController({ cron: ECB_RATES, scheduledTime: Date.parse(at) }), { ...env, ECB_RATES_URL: ecbDailyUrl(env.ECB_FAKE_URL, bank) });
}

describe("the weekday ECB cron", () => {
  it("fills from the 90-day file when nothing is held, takes today's file after, and fetches nothing once today's rates are held", async () => {
    const bank = "cron-fill";
    await seedEcbFile(env.ECB_FAKE_URL, bank, "90d", hist20261127);
    await seedEcbFile(env.ECB_FAKE_URL, bank, "daily", daily20261130);

    // Monday 30 November 2026, 15:30 UTC: no rate held yet → the 90-day file.
    await runRatesCron(bank, "2026-11-30T15:30:00Z");
    expect(await ecbRequests(env.ECB_FAKE_URL, bank)).toEqual([`/banks/${bank}/stats/eurofxref/eurofxref-hist-90d.xml`]);
    expect(await rowsOf("2026-11-27")).toEqual([
      { currency: "GBP", perEur: "0.87230" },
      { currency: "JPY", perEur: "162.45" },
      { currency: "NOK", perEur: "11.7650" },
      { currency: "SEK", perEur: "11.0345" },
      { currency: "USD", perEur: "1.0843" },
    ]);
    expect(await countRows()).toBe(30);
    const [fetched] = (await json(await api("/api/audit?action=exchange_rates.fetch"))).items;
    expect(fetched).toMatchObject({ actor: { kind: "system", id: `cron ${ECB_RATES}` }, summary: "Fetched 30 new ECB rate(s) for 2026-11-27" });

    // An hour later: the newest held is Friday's, three days old → today's file.
    await runRatesCron(bank, "2026-11-30T16:30:00Z");
    expect((await ecbRequests(env.ECB_FAKE_URL, bank)).at(-1)).toBe(`/banks/${bank}/stats/eurofxref/eurofxref-daily.xml`);
    expect(await rowsOf("2026-11-30")).toContainEqual({ currency: "SEK", perEur: "11.0120" });
    expect(await countRows()).toBe(35);

    // Today's rates are held: the later runs of the day ask the ECB nothing.
    await runRatesCron(bank, "2026-11-30T17:30:00Z");
    expect(await ecbRequests(env.ECB_FAKE_URL, bank)).toHaveLength(2);
  });

  it("logs a failed fetch and stores nothing, so the next hourly run tries again", async () => {
    const bank = "cron-down";
    await seedEcbFile(env.ECB_FAKE_URL, bank, "daily", daily20261130);
    await setEcbFault(env.ECB_FAKE_URL, bank, 503);
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const before = await countRows();
    // Tuesday 1 December: the newest held is Monday's → today's file, which answers 503.
    await runRatesCron(bank, "2026-12-01T15:30:00Z");
    expect(await countRows()).toBe(before);
    expect(String(errors.mock.calls[0]?.[0])).toMatch(/ecb rates: fetching the daily file failed/);
    expect(String(errors.mock.calls[0]?.[1])).toMatch(/answered 503/);
  });
});

describe("POST /api/exchange-rates/fetch", () => {
  it("stores a published daily file once: fetching it again stores nothing twice", async () => {
    // The "tests" bank is the one vitest.config.ts points ECB_RATES_URL at.
    await seedEcbFile(env.ECB_FAKE_URL, "tests", "daily", daily20240628);
    const first = await api("/api/exchange-rates/fetch", { method: "POST", json: { days: 1 } });
    expect(first.status).toBe(200);
    expect(await json(first)).toMatchObject({ file: "daily", dates: ["2024-06-28"], rates: 30, stored: 30 });
    const after = await countRows();

    const second = await json(await api("/api/exchange-rates/fetch", { method: "POST", json: {} }));
    expect(second).toMatchObject({ file: "daily", rates: 30, stored: 0 });
    expect(await countRows()).toBe(after);
    expect(await rowsOf("2024-06-28")).toContainEqual({ currency: "GBP", perEur: "0.84638" });
  });

  it("refuses another number of days, and answers 502 when the ECB cannot be read", async () => {
    const refused = await api("/api/exchange-rates/fetch", { method: "POST", json: { days: 30 } });
    expect(refused.status).toBe(400);
    expect((await json(refused)).error.code).toBe("validation_failed");

    // The 90-day file was never seeded on the "tests" bank: the fake answers 404, as the ECB does for a missing file.
    const missing = await api("/api/exchange-rates/fetch", { method: "POST", json: { days: 90 } });
    expect(missing.status).toBe(502);
    expect((await json(missing)).error).toMatchObject({ code: "rates_unavailable", message: expect.stringMatching(/eurofxref-hist-90d\.xml answered 404/) });
  });
});
