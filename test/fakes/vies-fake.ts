/**
 * A fake VIES REST API, as an injected `fetch`: POST <base>/check-vat-number with JSON
 * `{countryCode, vatNumber}` answers 200 with the registered answer for that number (the fixtures
 * in test/fixtures/vat), or VIES's own error shapes: 400 INVALID_INPUT for a malformed request,
 * and whatever outage a test sets. Records each request so a test sees what was asked.
 */
import invalid from "../fixtures/vat/vies-invalid.json";

export const VIES_FAKE_URL = "https://vies.fake/taxation_customs/vies/rest-api";

type Answer = Record<string, unknown>;

export function fakeVies(registered: Record<string, Answer>) {
  const requests: Array<{ method: string; url: string; contentType: string | null; body: unknown }> = [];
  let outage: "network" | { status: number; body: Answer } | null = null;

  const fetch: typeof globalThis.fetch = async (input, init) => {
    const request = new Request(input, init);
    const body = await request.text();
    let parsed: unknown = null;
    try {
      parsed = JSON.parse(body);
    } catch {
      parsed = null;
    }
    requests.push({ method: request.method, url: request.url, contentType: request.headers.get("content-type"), body: parsed });
    if (outage === "network") throw new TypeError("fetch failed: connection refused");
    if (outage) return Response.json(outage.body, { status: outage.status });
    if (request.method !== "POST" || request.url !== `${VIES_FAKE_URL}/check-vat-number`) return new Response("Not Found", { status: 404 });
    const query = parsed as { countryCode?: unknown; vatNumber?: unknown } | null;
    if (!request.headers.get("content-type")?.startsWith("application/json") || typeof query?.countryCode !== "string" || typeof query.vatNumber !== "string") {
      return Response.json({ actionSucceed: false, errorWrappers: [{ error: "INVALID_INPUT" }] }, { status: 400 });
    }
    const known = registered[`${query.countryCode}${query.vatNumber}`];
    const answer = known ?? { ...invalid, countryCode: query.countryCode, vatNumber: query.vatNumber };
    return Response.json(answer);
  };

  return {
    fetch,
    requests,
    /** Every later request fails this way: a network error, or VIES's error answer with a status. */
    down(how: "network" | { status: number; body: Answer } | null) {
      outage = how;
    },
  };
}
