/**
 * The fake PayPal's own protocol behaviours (`./paypal-server.ts`), checked over real fetch from workerd, so
 * tests of the PayPal channel can rely on them.
 */
import { X509Certificate } from "node:crypto";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  clearPayPalRequestLog,
  configurePayPal,
  expirePayPalTokens,
  injectPayPalFault,
  PAYPAL_REPORTING_SCOPE,
  paypalBaseUrl,
  paypalKeys,
  paypalRequestLog,
  registerPayPalIpn,
  seedPayPalOrders,
  seedPayPalTransactions,
  updatePayPalConfig,
  type FakePayPalConfig,
} from "./paypal-control";

const FAKE = env.PAYPAL_FAKE_URL;
const CLIENT = { clientId: "AcLtEsT-client-id", clientSecret: "EFtEsT-client-secret" };
const FORM = { "content-type": "application/x-www-form-urlencoded" };

async function account(key: string, config: Partial<FakePayPalConfig> = {}): Promise<string> {
  await configurePayPal(FAKE, key, { ...CLIENT, ...config });
  return paypalBaseUrl(FAKE, key);
}

function requestToken(base: string, init: { authorization?: string; body?: string; contentType?: string } = {}) {
  return fetch(`${base}/v1/oauth2/token`, {
    method: "POST",
    headers: {
      authorization: init.authorization ?? `Basic ${btoa(`${CLIENT.clientId}:${CLIENT.clientSecret}`)}`,
      "content-type": init.contentType ?? FORM["content-type"],
    },
    body: init.body ?? "grant_type=client_credentials",
  });
}

async function token(base: string): Promise<string> {
  const response = await requestToken(base);
  expect(response.status).toBe(200);
  return ((await response.json()) as { access_token: string }).access_token;
}

/** A reporting query; dates and other values are percent-encoded here, as a client must. */
async function search(base: string, bearer: string | undefined, query: Record<string, string>) {
  const response = await fetch(`${base}/v1/reporting/transactions?${new URLSearchParams(query)}`, {
    headers: bearer === undefined ? {} : { authorization: `Bearer ${bearer}` },
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, body: JSON.parse(text) as Record<string, any> };
}

/** A transaction_detail as PayPal writes it (fields=all), with a number written as `1.0` to show it is not re-serialised. */
function detail(id: string, date: string, options: { code?: string; status?: string } = {}): string {
  return `{"transaction_info":{"paypal_account_id":"Q7XK3ZL9M2ABC","transaction_id":"${id}",
  "transaction_event_code":"${options.code ?? "T0006"}","transaction_initiation_date":"${date}",
  "transaction_updated_date":"${date}","transaction_amount":{"currency_code":"EUR","value":"57.20"},
  "transaction_status":"${options.status ?? "S"}","invoice_id":"SO-${id}","custom_field":"cart-1","protection_eligibility":"01"},
 "payer_info":{"account_id":"Q7XK3ZL9M2ABC","email_address":"juergen@example.org","payer_name":{"given_name":"Jürgen","surname":"Müller"}},
 "shipping_info":{"name":"Jürgen, Müller"},
 "cart_info":{"tax_inclusive":true,"item_details":[{"item_code":"CUP-ESP-01","item_quantity":"2","tax_percentage":1.0}]},
 "store_info":{},"auction_info":{},"incentive_info":{}}`;
}

const ids = (body: Record<string, any>) => (body.transaction_details as Array<{ transaction_info: { transaction_id: string } }>).map((row) => row.transaction_info.transaction_id);

const IPN =
  "mc_gross=57.20&invoice=SO-100234&address_street=Hauptstra%C3%9Fe+12&payment_date=09%3A14%3A03+Mar+04%2C+2025+PST" +
  "&payment_status=Completed&charset=UTF-8&first_name=J%C3%BCrgen&txn_id=4GJ83920NX1234567&receiver_email=shop%40example.com" +
  "&txn_type=cart&mc_currency=EUR&test_ipn=1&ipn_track_id=5a1b2c3d4e5f6";

function postback(base: string, body: string, contentType = FORM["content-type"]) {
  return fetch(`${base}/cgi-bin/webscr`, { method: "POST", headers: { "content-type": contentType }, body });
}

describe("the fake PayPal", () => {
  it("issues client-credentials tokens and refuses bad credentials and grants in PayPal's shapes", async () => {
    const base = await account("pp-token");
    const ok = await requestToken(base);
    expect(ok.status).toBe(200);
    expect(ok.headers.get("content-type")).toBe("application/json");
    expect(ok.headers.get("paypal-debug-id")).toMatch(/^[0-9a-f]{13}$/);
    const issued = (await ok.json()) as Record<string, unknown>;
    expect(issued).toMatchObject({ token_type: "Bearer", app_id: "APP-80W284485P519543T", expires_in: 32400 });
    expect((issued.scope as string).split(" ")).toContain(PAYPAL_REPORTING_SCOPE);
    expect(issued.access_token).toEqual(expect.any(String));
    expect(issued.nonce).toEqual(expect.any(String));

    const wrongSecret = await requestToken(base, { authorization: `Basic ${btoa(`${CLIENT.clientId}:nope`)}` });
    expect(wrongSecret.status).toBe(401);
    expect(await wrongSecret.json()).toEqual({ error: "invalid_client", error_description: "Client Authentication failed" });

    const wrongGrant = await requestToken(base, { body: "grant_type=password" });
    expect(wrongGrant.status).toBe(400);
    expect(await wrongGrant.json()).toEqual({ error: "unsupported_grant_type", error_description: "Grant Type is NULL" });

    const wrongType = await requestToken(base, { contentType: "application/json", body: `{"grant_type":"client_credentials"}` });
    expect(wrongType.status).toBe(400);
    await wrongType.body?.cancel();
  });

  it("wants a live Bearer token of the account, with the reporting scope, for Transaction Search", async () => {
    const base = await account("pp-bearer");
    const query = { start_date: "2025-03-01T00:00:00Z", end_date: "2025-03-02T00:00:00Z" };
    const none = await search(base, undefined, query);
    expect(none.status).toBe(401);
    expect(none.body).toEqual({ error: "invalid_token", error_description: "Token signature verification failed" });
    const otherBase = await account("pp-bearer-other");
    expect((await search(base, await token(otherBase), query)).status).toBe(401);

    const bearer = await token(base);
    expect((await search(base, bearer, query)).status).toBe(200);
    await expirePayPalTokens(FAKE, "pp-bearer");
    const expired = await search(base, bearer, query);
    expect(expired.status).toBe(401);
    expect(expired.body.error_description).toBe("Access Token not found in cache");

    await updatePayPalConfig(FAKE, "pp-bearer", { tokenTtlSeconds: 0 });
    expect((await search(base, await token(base), query)).body.error_description).toBe("Access Token not found in cache");

    await configurePayPal(FAKE, "pp-bearer", { ...CLIENT, scopes: ["openid"] });
    const forbidden = await search(base, await token(base), query);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body).toMatchObject({
      name: "NOT_AUTHORIZED",
      message: "Authorization failed due to insufficient permissions.",
      details: [{ issue: "PERMISSION_DENIED" }],
    });
    expect(forbidden.body.debug_id).toBe(forbidden.headers.get("paypal-debug-id"));
  });

  it("checks the dates: required, RFC 3339 with seconds, end after start, at most 31 days apart", async () => {
    const base = await account("pp-dates");
    const bearer = await token(base);
    const exactly31 = await search(base, bearer, { start_date: "2025-03-01T00:00:00Z", end_date: "2025-04-01T00:00:00+00:00" });
    expect(exactly31.status).toBe(200);
    expect(exactly31.body).toMatchObject({ start_date: "2025-03-01T00:00:00+0000", end_date: "2025-04-01T00:00:00+0000" });
    expect((await search(base, bearer, { start_date: "2025-03-01T01:00:00.250+0100", end_date: "2025-03-02T00:00:00Z" })).status).toBe(200);

    const tooLong = await search(base, bearer, { start_date: "2025-03-01T00:00:00Z", end_date: "2025-04-01T00:00:01Z" });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body).toMatchObject({
      name: "INVALID_REQUEST",
      message: "Request is not well-formed, syntactically incorrect, or violates schema.",
      details: [{ field: "end_date", value: "2025-04-01T00:00:01Z", location: "query", issue: "Date range is greater than 31 days" }],
    });
    for (const query of [
      { end_date: "2025-03-02T00:00:00Z" },
      { start_date: "2025-03-01", end_date: "2025-03-02T00:00:00Z" },
      { start_date: "2025-03-02T00:00:00Z", end_date: "2025-03-01T00:00:00Z" },
      { start_date: "2025-03-01T00:00:00Z", end_date: "2025-03-02T00:00:00Z", transaction_amount: "[500 TO 1005]" },
      { start_date: "2025-03-01T00:00:00Z", end_date: "2025-03-02T00:00:00Z", colour: "blue" },
      { start_date: "2025-03-01T00:00:00Z", end_date: "2025-03-02T00:00:00Z", page_size: "501" },
    ] as Array<Record<string, string>>) {
      expect((await search(base, bearer, query)).status, JSON.stringify(query)).toBe(400);
    }
    // An unencoded "+" reads as a space.
    const raw = await fetch(`${base}/v1/reporting/transactions?start_date=2025-03-01T00:00:00+0000&end_date=2025-03-02T00:00:00Z`, {
      headers: { authorization: `Bearer ${bearer}` },
    });
    expect(raw.status).toBe(400);
    expect(JSON.stringify(await raw.json())).toContain("%2B");
  });

  it("pages in order of initiation date, serves records byte for byte, and selects sections by fields", async () => {
    const base = await account("pp-paging");
    const rows = [
      detail("5TX00000000000003", "2025-03-03T10:00:00+0000"),
      detail("5TX00000000000001", "2025-03-01T10:00:00+0000"),
      detail("5TX00000000000002", "2025-03-02T10:00:00+0000"),
      detail("5TX00000000000005", "2025-03-02T10:00:00+0000"),
      detail("5TX00000000000004", "2025-03-04T10:00:00+0000"),
      detail("5TX00000000000009", "2025-03-09T00:00:00+0000"), // at end_date: outside [start, end)
    ];
    expect(await seedPayPalTransactions(FAKE, "pp-paging", rows)).toEqual({ seeded: 6, total: 6 });
    const bearer = await token(base);
    const query = { start_date: "2025-03-01T00:00:00Z", end_date: "2025-03-09T00:00:00Z", fields: "all", page_size: "2" };

    const first = await search(base, bearer, query);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ account_number: "8XYZ4ABCDEF2G", page: 1, total_items: 5, total_pages: 3 });
    expect(ids(first.body)).toEqual(["5TX00000000000001", "5TX00000000000002"]);
    expect(first.text).toContain(rows[1]);
    expect(first.text).toContain(`"tax_percentage":1.0}`);
    const links = first.body.links as Array<{ href: string; rel: string; method: string }>;
    expect(links.map((link) => link.rel)).toEqual(["self", "first", "next", "last"]);
    expect(links[0].href).toBe(`${base}/v1/reporting/transactions?${new URLSearchParams(query)}`);

    const next = await fetch(links.find((link) => link.rel === "next")!.href, { headers: { authorization: `Bearer ${bearer}` } });
    const second = (await next.json()) as Record<string, any>;
    expect(second.page).toBe(2);
    expect(ids(second)).toEqual(["5TX00000000000005", "5TX00000000000003"]);
    const last = await search(base, bearer, { ...query, page: "3" });
    expect(ids(last.body)).toEqual(["5TX00000000000004"]);
    expect((last.body.links as Array<{ rel: string }>).map((link) => link.rel)).toEqual(["self", "first", "last"]);
    const beyond = await search(base, bearer, { ...query, page: "4" });
    expect(beyond.status).toBe(200);
    expect(beyond.body.transaction_details).toEqual([]);

    const infoOnly = await search(base, bearer, { start_date: query.start_date, end_date: query.end_date });
    expect(infoOnly.body.total_items).toBe(5);
    expect(Object.keys(infoOnly.body.transaction_details[0])).toEqual(["transaction_info"]);
    const withCart = await search(base, bearer, { start_date: query.start_date, end_date: query.end_date, fields: "cart_info,payer_info" });
    expect(Object.keys(withCart.body.transaction_details[0])).toEqual(["transaction_info", "payer_info", "cart_info"]);
    expect(withCart.text).toContain(`"tax_percentage":1.0}`);

    const one = await search(base, bearer, { start_date: query.start_date, end_date: query.end_date, transaction_id: "5TX00000000000003" });
    expect(ids(one.body)).toEqual(["5TX00000000000003"]);
  });

  it("hides records initiated after lastRefreshed, reports it, and replaces a record by id and event code", async () => {
    const base = await account("pp-refresh", { lastRefreshed: "2025-03-04T12:00:00Z" });
    await seedPayPalTransactions(FAKE, "pp-refresh", [
      detail("8PE00000000000001", "2025-03-04T11:00:00+0000", { status: "P" }),
      detail("8PE00000000000002", "2025-03-04T13:00:00+0000"),
    ]);
    const bearer = await token(base);
    const query = { start_date: "2025-03-04T00:00:00Z", end_date: "2025-03-05T00:00:00Z", fields: "all" };
    const early = await search(base, bearer, query);
    expect(early.body.last_refreshed_datetime).toBe("2025-03-04T12:00:00+0000");
    expect(ids(early.body)).toEqual(["8PE00000000000001"]);
    expect(ids((await search(base, bearer, { ...query, transaction_status: "S" })).body)).toEqual([]);

    // P → S: same transaction_id and event code replaces the record; a refund row (another code) is added.
    const seeded = await seedPayPalTransactions(FAKE, "pp-refresh", [
      detail("8PE00000000000001", "2025-03-04T11:00:00+0000", { status: "S" }),
      detail("8PE00000000000001", "2025-03-04T11:30:00+0000", { code: "T1107", status: "S" }),
    ]);
    expect(seeded).toEqual({ seeded: 2, total: 3 });
    await updatePayPalConfig(FAKE, "pp-refresh", { lastRefreshed: "2025-03-04T18:00:00+00:00" });
    const later = await search(base, bearer, { ...query, transaction_status: "S" });
    expect(later.body.last_refreshed_datetime).toBe("2025-03-04T18:00:00+0000");
    expect(ids(later.body)).toEqual(["8PE00000000000001", "8PE00000000000001", "8PE00000000000002"]);
    expect(later.body.transaction_details.map((row: any) => row.transaction_info.transaction_event_code)).toEqual(["T0006", "T1107", "T0006"]);

    // Default: the server clock, so a record dated in the future is not visible yet.
    await updatePayPalConfig(FAKE, "pp-refresh", { lastRefreshed: null });
    const future = new Date(Date.now() + 3_600_000).toISOString().slice(0, 19) + "Z";
    await seedPayPalTransactions(FAKE, "pp-refresh", [detail("9FU00000000000001", future)]);
    const now = await search(base, bearer, { start_date: new Date(Date.now() - 86_400_000).toISOString(), end_date: new Date(Date.now() + 86_400_000).toISOString() });
    expect(now.body.total_items).toBe(0);
  });

  it("answers 404 'not available' for a window starting after lastRefreshed, and filters on status F (issue 21)", async () => {
    const base = await account("pp-not-yet", { lastRefreshed: "2025-03-04T12:00:00Z" });
    await seedPayPalTransactions(FAKE, "pp-not-yet", [detail("4FR00000000000001", "2025-03-04T10:00:00+0000", { status: "F" })]);
    const bearer = await token(base);
    const late = await search(base, bearer, { start_date: "2025-03-04T12:00:01Z", end_date: "2025-03-05T00:00:00Z" });
    expect(late.status).toBe(404);
    expect(late.body).toMatchObject({ name: "INVALID_RESOURCE_ID", message: "Data for the given start date is not available." });
    expect(late.body.debug_id).toBe(late.headers.get("paypal-debug-id"));
    const partly = await search(base, bearer, { start_date: "2025-03-04T00:00:00Z", end_date: "2025-03-05T00:00:00Z", transaction_status: "F" });
    expect(ids(partly.body)).toEqual(["4FR00000000000001"]);

    await injectPayPalFault(FAKE, "pp-not-yet", { endpoint: "transactions", status: 404, count: 1 });
    const faulted = await search(base, bearer, { start_date: "2025-03-04T00:00:00Z", end_date: "2025-03-05T00:00:00Z" });
    expect(faulted.status).toBe(404);
    expect(faulted.body).toMatchObject({ name: "INVALID_RESOURCE_ID", message: "Data for the given start date is not available." });
  });

  it("answers RESULTSET_TOO_LARGE beyond maxResultRows", async () => {
    const base = await account("pp-large", { maxResultRows: 2 });
    await seedPayPalTransactions(FAKE, "pp-large", ["1", "2", "3"].map((n) => detail(`3LG0000000000000${n}`, `2025-03-0${n}T00:00:00+0000`)));
    const bearer = await token(base);
    const large = await search(base, bearer, { start_date: "2025-03-01T00:00:00Z", end_date: "2025-03-05T00:00:00Z" });
    expect(large.status).toBe(400);
    expect(large.body.name).toBe("RESULTSET_TOO_LARGE");
    expect((await search(base, bearer, { start_date: "2025-03-01T00:00:00Z", end_date: "2025-03-03T00:00:00Z" })).status).toBe(200);
  });

  it("verifies IPN postbacks byte for byte", async () => {
    const base = await account("pp-ipn");
    expect(await registerPayPalIpn(FAKE, "pp-ipn", IPN)).toEqual({ total: 1 });
    const verified = await postback(base, `cmd=_notify-validate&${IPN}`);
    expect(verified.status).toBe(200);
    expect(verified.headers.get("content-type")).toBe("text/html; charset=UTF-8");
    expect(await verified.text()).toBe("VERIFIED");
    // Re-encoded ("+" → "%20"), without the prefix, another content type, or unknown: INVALID, still 200.
    for (const [body, type] of [
      [`cmd=_notify-validate&${IPN.replace("Hauptstra%C3%9Fe+12", "Hauptstra%C3%9Fe%2012")}`, undefined],
      [`cmd=_notify-validate&${IPN.replace("%C3%9F", "%c3%9f")}`, undefined],
      [IPN, undefined],
      [`cmd=_notify-validate&${IPN}`, "text/plain"],
      [`cmd=_notify-validate&${IPN}&extra=1`, undefined],
    ] as const) {
      const response = await postback(base, body, type);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe("INVALID");
    }
  });

  it("serves the test certificates whose keys it hands out", async () => {
    const base = await account("pp-certs");
    const keys = await paypalKeys(FAKE);
    expect(keys.certPath).toBe("/v1/notifications/certs/CERT-360caa42-fca2a594-testcert");
    for (const pem of [keys.privateKeyPem, keys.rogueKeyPem, keys.rogueCertKeyPem]) expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);

    const served = await fetch(`${base}${keys.certPath}`);
    expect(served.status).toBe(200);
    const pem = await served.text();
    expect(pem).toBe(keys.certPem);
    const rogue = await fetch(`${base}${keys.rogueCertPath}`);
    expect(await rogue.text()).toBe(keys.rogueCertPem);
    const missing = await fetch(`${base}/v1/notifications/certs/CERT-unknown`);
    expect(missing.status).toBe(404);
    await missing.body?.cancel();

    const cert = new X509Certificate(pem);
    expect(cert.subject).toContain("CN=messageverificationcerts.sandbox.paypal.com");
    expect(new X509Certificate(keys.rogueCertPem).subject).toContain("CN=evil.example.com");
    const spki = cert.publicKey.export({ type: "spki", format: "der" });
    const publicKey = await crypto.subtle.importKey("spki", spki, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, false, ["verify"]);
    const message = new TextEncoder().encode("6f1c2a10|2025-03-04T17:14:09Z|WEBHOOK_ID|1234567890");
    const signWith = async (pkcs8Pem: string) => {
      const der = Uint8Array.from(atob(pkcs8Pem.replace(/-----[^-]+-----|\s/g, "")), (c) => c.charCodeAt(0));
      const key = await crypto.subtle.importKey("pkcs8", der, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, false, ["sign"]);
      return crypto.subtle.sign("RSASSA-PKCS1-v1_5", key, message);
    };
    expect(await crypto.subtle.verify("RSASSA-PKCS1-v1_5", publicKey, await signWith(keys.privateKeyPem), message)).toBe(true);
    expect(await crypto.subtle.verify("RSASSA-PKCS1-v1_5", publicKey, await signWith(keys.rogueKeyPem), message)).toBe(false);
    // The per-account route hands out the same keys.
    const perAccount = await fetch(`${FAKE}/__control/pp-certs/keys`);
    expect(((await perAccount.json()) as { privateKeyPem: string }).privateKeyPem).toBe(keys.privateKeyPem);
  });

  it("looks orders up by id with a Bearer token", async () => {
    const base = await account("pp-orders");
    const order = `{"id":"5O190127TN364715T","intent":"CAPTURE","status":"COMPLETED","event_version":1.0}`;
    expect(await seedPayPalOrders(FAKE, "pp-orders", [order])).toEqual({ seeded: 1, total: 1 });
    const bearer = await token(base);
    const found = await fetch(`${base}/v2/checkout/orders/5O190127TN364715T`, { headers: { authorization: `Bearer ${bearer}` } });
    expect(found.status).toBe(200);
    expect(await found.text()).toBe(order);
    const missing = await fetch(`${base}/v2/checkout/orders/NOPE`, { headers: { authorization: `Bearer ${bearer}` } });
    expect(missing.status).toBe(404);
    const body = (await missing.json()) as Record<string, any>;
    expect(body).toMatchObject({ name: "RESOURCE_NOT_FOUND", message: "The specified resource does not exist.", details: [{ issue: "INVALID_RESOURCE_ID" }] });
    expect(body.debug_id).toBe(missing.headers.get("paypal-debug-id"));
    const anonymous = await fetch(`${base}/v2/checkout/orders/5O190127TN364715T`);
    expect(anonymous.status).toBe(401);
    await anonymous.body?.cancel();
  });

  it("answers injected faults per endpoint, count times, and logs every request without credentials", async () => {
    const base = await account("pp-faults");
    await injectPayPalFault(FAKE, "pp-faults", { endpoint: "token", status: 503, count: 1 });
    const unavailable = await requestToken(base);
    expect(unavailable.status).toBe(503);
    expect(await unavailable.json()).toMatchObject({ name: "SERVICE_UNAVAILABLE" });
    const bearer = await token(base);

    const query = { start_date: "2025-03-03T00:00:00Z", end_date: "2025-03-04T00:00:00Z" };
    await injectPayPalFault(FAKE, "pp-faults", { endpoint: "transactions", status: 429, count: 2, retryAfter: 7 });
    await injectPayPalFault(FAKE, "pp-faults", { endpoint: "transactions", status: 400, count: 1 });
    for (let i = 0; i < 2; i++) {
      const limited = await search(base, bearer, query);
      expect(limited.status).toBe(429);
      expect(limited.headers.get("retry-after")).toBe("7");
      expect(limited.body).toMatchObject({ name: "RATE_LIMIT_REACHED", message: "Too many requests. Blocked due to rate limiting." });
    }
    const monday = await search(base, bearer, query);
    expect(monday.status).toBe(400);
    expect(monday.body).toMatchObject({ name: "INVALID_REQUEST", message: "Data for the given start date is not available." });
    expect((await search(base, bearer, query)).status).toBe(200);

    await registerPayPalIpn(FAKE, "pp-faults", IPN);
    await injectPayPalFault(FAKE, "pp-faults", { endpoint: "ipn", status: 500, count: 1 });
    const broken = await postback(base, `cmd=_notify-validate&${IPN}`);
    expect(broken.status).toBe(500);
    expect(broken.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await broken.text()).toBe("Internal Server Error");
    expect(await (await postback(base, `cmd=_notify-validate&${IPN}`)).text()).toBe("VERIFIED");

    const log = await paypalRequestLog(FAKE, "pp-faults");
    expect(log.map((entry) => [entry.endpoint, entry.status, entry.fault ?? false])).toEqual([
      ["token", 503, true],
      ["token", 200, false],
      ["transactions", 429, true],
      ["transactions", 429, true],
      ["transactions", 400, true],
      ["transactions", 200, false],
      ["ipn", 500, true],
      ["ipn", 200, false],
    ]);
    expect(log[1]).toMatchObject({
      method: "POST",
      path: "/v1/oauth2/token",
      headers: { authorization: "Basic …", "content-type": "application/x-www-form-urlencoded" },
      body: "grant_type=client_credentials",
    });
    expect(log[2]).toMatchObject({ method: "GET", path: `/v1/reporting/transactions?${new URLSearchParams(query)}`, retryAfter: "7" });
    expect(log[2].headers.authorization).toBe("Bearer …");
    expect(log[2].body).toBeUndefined();
    expect(log[7].body).toBe(`cmd=_notify-validate&${IPN}`);
    expect(JSON.stringify(log)).not.toContain(bearer);
    expect(JSON.stringify(log)).not.toContain(btoa(`${CLIENT.clientId}:${CLIENT.clientSecret}`));

    await clearPayPalRequestLog(FAKE, "pp-faults");
    expect(await paypalRequestLog(FAKE, "pp-faults")).toEqual([]);
  });
});
