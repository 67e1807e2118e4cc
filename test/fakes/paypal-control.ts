/**
 * @module
 * Typed client for the control API of the fake PayPal server (`./paypal-server.ts`).
 *
 * Tests run inside workerd and can reach the Node-side fake only over HTTP, so everything here is plain
 * global `fetch`; it works in workerd and in Node alike. The wire types live in this file because it has
 * no Node imports; the server imports them type-only.
 *
 * @example
 * ```ts
 * await configurePayPal(url, "pp-poll", { clientId: "Acl-test", clientSecret: "EFs-test", lastRefreshed: "2025-03-05T00:00:00Z" });
 * await seedPayPalTransactions(url, "pp-poll", [detailText]); // transaction_detail objects exactly as PayPal writes them
 * await registerPayPalIpn(url, "pp-poll", ipnBody); // a message PayPal "sent"; its postback answers VERIFIED
 * const base = paypalBaseUrl(url, "pp-poll"); // in place of https://api-m.paypal.com, https://ipnpb.paypal.com and https://api.paypal.com
 * const { privateKeyPem, certPath } = await paypalKeys(url); // sign webhook deliveries; the cert is at base + certPath
 * ```
 */

import { controlRequest, trimSlash, type ControlInit } from "./control-request";

/** The scope a token needs for `GET /v1/reporting/transactions` ("Transaction Search" ticked on the REST app). */
export const PAYPAL_REPORTING_SCOPE = "https://uri.paypal.com/services/reporting/search/read";

/** The scopes tokens carry unless the account's config says otherwise: a REST app with Transaction Search on. */
export const PAYPAL_DEFAULT_SCOPES: readonly string[] = [
  "https://uri.paypal.com/services/payments/payment/authcapture",
  "https://uri.paypal.com/services/payments/refund",
  "https://uri.paypal.com/services/applications/webhooks",
  PAYPAL_REPORTING_SCOPE,
  "openid",
];

/** Per-account settings; `PUT /__control/<key>/config` creates or resets the account with them. */
export interface FakePayPalConfig {
  /** The REST app's client id; `POST /v1/oauth2/token` wants `Authorization: Basic base64(clientId:clientSecret)`. */
  clientId: string;
  clientSecret: string;
  /**
   * Scopes written into tokens issued from now on (a token keeps the scopes it was issued with). Default
   * `PAYPAL_DEFAULT_SCOPES`; leave out `PAYPAL_REPORTING_SCOPE` to get the 403 of an app without Transaction Search.
   */
  scopes?: string[];
  /**
   * How fresh the reporting data is (RFC 3339). Records initiated after it are invisible, and responses report it
   * as `last_refreshed_datetime`. Default (also `null` in a PATCH): the server clock at each request.
   */
  lastRefreshed?: string | null;
  /** More matching rows than this answer 400 `RESULTSET_TOO_LARGE`. Default 10000 (third parties' figure). */
  maxResultRows?: number;
  /** `account_number` in reporting responses. Default "8XYZ4ABCDEF2G". */
  accountNumber?: string;
  /** `expires_in` of issued tokens; a token is refused once that many seconds have passed. Default 32400; 0 is allowed. */
  tokenTtlSeconds?: number;
}

/** The account's settings as the control API reports them after a PUT or PATCH. */
export interface FakePayPalAccount {
  accountKey: string;
  clientId: string;
  scopes: string[];
  /** null: the server clock at each request. */
  lastRefreshed: string | null;
  maxResultRows: number;
  accountNumber: string;
  tokenTtlSeconds: number;
}

/** The PayPal endpoints a fault can be aimed at. */
export type FakePayPalEndpoint = "token" | "transactions" | "ipn" | "orders" | "certs";

/** The next `count` requests to `endpoint` answer `status` instead of being served (they are not examined at all). */
export interface FakePayPalFault {
  endpoint: FakePayPalEndpoint;
  /** 400–599. */
  status: number;
  count: number;
  /** `Retry-After` to send, in seconds; none unless given. */
  retryAfter?: string | number;
  /**
   * Response body. By default PayPal's shape for the status: 429 `RATE_LIMIT_REACHED`, 500 `INTERNAL_SERVER_ERROR`,
   * 503 `SERVICE_UNAVAILABLE`, and for 400 on `transactions` the Monday quirk (`INVALID_REQUEST`, "Data for the given
   * start date is not available."). The `ipn` endpoint answers plain text (the status text) instead.
   */
  body?: string;
}

/** One PayPal request as the fake saw it (control requests are not logged). */
export interface FakePayPalLoggedRequest {
  method: string;
  /** Path and query after the `/accounts/<key>` prefix, e.g. `/v1/reporting/transactions?start_date=…`. */
  path: string;
  /** Which PayPal endpoint the path names, or "unknown". */
  endpoint: FakePayPalEndpoint | "unknown";
  /**
   * Request headers of interest, lower-case names; absent headers are left out. `authorization` holds only the
   * scheme followed by "…" ("Basic …", "Bearer …"), never the credentials.
   */
  headers: Partial<Record<"authorization" | "content-type" | "accept" | "user-agent" | "paypal-request-id", string>>;
  /** The request body as text (UTF-8), for POSTs that had one. */
  body?: string;
  status: number;
  /** Server clock, epoch milliseconds, when the request arrived. */
  time: number;
  /** The `Retry-After` sent back, if any. */
  retryAfter?: string;
  /** True when the answer came from an injected fault. */
  fault?: boolean;
}

/** The test keys and certificates the server generated at start (the same for every account). */
export interface FakePayPalKeys {
  /** PKCS#8 PEM ("BEGIN PRIVATE KEY") of the RSA key whose certificate is served at `certPath`. */
  privateKeyPem: string;
  /** That certificate, self-signed, `CN=messageverificationcerts.sandbox.paypal.com`, valid for 3 days from server start. */
  certPem: string;
  /** Where the certificate is served, relative to the account base URL. */
  certPath: string;
  /** PKCS#8 PEM of another RSA key that matches no served certificate (a forged signature). */
  rogueKeyPem: string;
  /** A second served certificate, `CN=evil.example.com` (for the subject check). */
  rogueCertPem: string;
  /** Where that certificate is served, relative to the account base URL. */
  rogueCertPath: string;
  /** PKCS#8 PEM of the key of `rogueCertPem`, so a signature verifies against it and only the CN is wrong. */
  rogueCertKeyPem: string;
}

export interface PayPalSeedResult {
  /** Items in this request (one with the same key as an earlier one replaces it). */
  seeded: number;
  /** Items the account holds now. */
  total: number;
}

/**
 * The base URL of an account. It stands in for every PayPal host of the account: the REST API
 * (`https://api-m.paypal.com`), the IPN postback host (`https://ipnpb.paypal.com`) and the webhook certificate
 * host (`https://api.paypal.com`); paths are appended as PayPal documents them (`/v1/oauth2/token`, `/cgi-bin/webscr`…).
 */
export function paypalBaseUrl(serverUrl: string, accountKey: string): string {
  return `${trimSlash(serverUrl)}/accounts/${encodeURIComponent(accountKey)}`;
}

/** Creates the account, or resets it: transactions, IPNs, orders, tokens, faults and log are cleared. */
export async function configurePayPal(serverUrl: string, accountKey: string, config: FakePayPalConfig): Promise<FakePayPalAccount> {
  return JSON.parse(await control(serverUrl, accountKey, "config", { method: "PUT", json: config })) as FakePayPalAccount;
}

/**
 * Changes some settings and keeps everything else (data, issued tokens, faults, log): e.g. moves `lastRefreshed`
 * forward between two polls, so rows seeded earlier "arrive late". A token keeps the scopes it was issued with.
 */
export async function updatePayPalConfig(serverUrl: string, accountKey: string, changes: Partial<FakePayPalConfig>): Promise<FakePayPalAccount> {
  return JSON.parse(await control(serverUrl, accountKey, "config", { method: "PATCH", json: changes })) as FakePayPalAccount;
}

/**
 * Adds Transaction Search records (or replaces the one with the same `transaction_info.transaction_id` and
 * `transaction_event_code`, which is how a test simulates a P → S status change). Each text is one
 * `transaction_detail` object as PayPal writes it (paypal.md §5.3/§5.6); it is served byte for byte. Each needs
 * `transaction_info.transaction_id`, `.transaction_event_code` and `.transaction_initiation_date` (RFC 3339).
 */
export async function seedPayPalTransactions(serverUrl: string, accountKey: string, rawDetailJsonTexts: string[]): Promise<PayPalSeedResult> {
  const text = await control(serverUrl, accountKey, "transactions", {
    method: "POST",
    body: `[${rawDetailJsonTexts.join(",\n")}]`,
    headers: { "content-type": "application/json" },
  });
  return JSON.parse(text) as PayPalSeedResult;
}

/**
 * Registers one IPN body (the exact bytes PayPal posted, without `cmd=_notify-validate&`) as genuine: its
 * postback answers `VERIFIED`, anything else `INVALID`. Returns how many the account holds.
 */
export async function registerPayPalIpn(serverUrl: string, accountKey: string, rawIpnBody: string): Promise<{ total: number }> {
  const text = await control(serverUrl, accountKey, "ipn", { method: "POST", body: rawIpnBody, headers: { "content-type": "text/plain" } });
  return JSON.parse(text) as { total: number };
}

/** Adds Orders v2 objects (or replaces the one with the same `id`); each is served byte for byte by `GET /v2/checkout/orders/<id>`. */
export async function seedPayPalOrders(serverUrl: string, accountKey: string, rawOrderJsonTexts: string[]): Promise<PayPalSeedResult> {
  const text = await control(serverUrl, accountKey, "orders", {
    method: "POST",
    body: `[${rawOrderJsonTexts.join(",\n")}]`,
    headers: { "content-type": "application/json" },
  });
  return JSON.parse(text) as PayPalSeedResult;
}

/** Queues a fault for one endpoint; faults of an endpoint are used in the order given. */
export async function injectPayPalFault(serverUrl: string, accountKey: string, fault: FakePayPalFault): Promise<void> {
  await control(serverUrl, accountKey, "faults", { method: "POST", json: fault });
}

/** Makes every token issued so far expired: using one answers 401 "Access Token not found in cache". */
export async function expirePayPalTokens(serverUrl: string, accountKey: string): Promise<void> {
  await control(serverUrl, accountKey, "tokens", { method: "DELETE" });
}

/** Every PayPal request the account has seen since it was configured (or since `clearPayPalRequestLog`), oldest first. */
export async function paypalRequestLog(serverUrl: string, accountKey: string): Promise<FakePayPalLoggedRequest[]> {
  return JSON.parse(await control(serverUrl, accountKey, "requests", { method: "GET" })) as FakePayPalLoggedRequest[];
}

export async function clearPayPalRequestLog(serverUrl: string, accountKey: string): Promise<void> {
  await control(serverUrl, accountKey, "requests", { method: "DELETE" });
}

/** Removes the account; its endpoints answer 404 afterwards. */
export async function removePayPalAccount(serverUrl: string, accountKey: string): Promise<void> {
  await control(serverUrl, accountKey, "", { method: "DELETE" });
}

/** The server's test keys and certificates (`GET /__control/keys`); they are the same for every account. */
export async function paypalKeys(serverUrl: string): Promise<FakePayPalKeys> {
  return JSON.parse(await control(serverUrl, "keys", "", { method: "GET" })) as FakePayPalKeys;
}

function control(serverUrl: string, accountKey: string, action: string, init: ControlInit): Promise<string> {
  return controlRequest("fake PayPal", serverUrl, accountKey, action, init);
}
