/**
 * @module
 * A fake PayPal for tests: a plain `node:http` server (no dependencies) that a Worker under test reaches by real
 * outbound fetch. Start it from vitest's Node-side `globalSetup` and hand its URL to the Worker.
 *
 * It imitates what a "PayPal Checkout" channel depends on (paypal.md §1.5, §4, §5, §8):
 * - `POST /v1/oauth2/token` (client credentials, `Authorization: Basic`), answering PayPal's token object and its
 *   `invalid_client` / `unsupported_grant_type` errors;
 * - `GET /v1/reporting/transactions` (Transaction Search): Bearer token with the reporting scope (else 401/403 in
 *   PayPal's shapes), required `start_date`/`end_date` at most 31 days apart, `fields`, `page_size` (1–500),
 *   `page`, `transaction_id`, `transaction_type`, `transaction_status`, `balance_affecting_records_only`,
 *   `last_refreshed_datetime`, `RESULTSET_TOO_LARGE`, and `self`/`first`/`next`/`last` links;
 * - `POST /cgi-bin/webscr` (IPN postback): `VERIFIED` iff the body is `cmd=_notify-validate&` followed, byte for
 *   byte, by a message registered as genuine, else `INVALID` (HTTP 200 either way);
 * - `GET /v1/notifications/certs/<name>`: the PEM of a self-signed test certificate whose private key the control
 *   API hands out, so tests can sign webhook deliveries themselves;
 * - `GET /v2/checkout/orders/<id>` (Bearer), 200 with the seeded order or PayPal's 404 `RESOURCE_NOT_FOUND`;
 * - injected faults per endpoint (429, 500, 503, the Monday 400 quirk…) and a request log, driven over HTTP by
 *   `./paypal-control.ts`.
 *
 * Many accounts live in one server, each under its own path prefix, so test files running in parallel do not
 * share state: an account's base URL is `${url}/accounts/<accountKey>`, standing in for all of PayPal's hosts at
 * once (`https://api-m.paypal.com`, `https://ipnpb.paypal.com`, `https://api.paypal.com`); the client appends the
 * paths PayPal documents. Control endpoints live under `${url}/__control/<accountKey>/...`, plus the server-wide
 * `GET ${url}/__control/keys`. Every PayPal response carries a `paypal-debug-id` header, and JSON errors the same
 * value as `debug_id`.
 *
 * What is the fake's own choice, because PayPal does not document it (or paypal.md marks it unconfirmed):
 * - "No data yet": a window whose `start_date` lies after `last_refreshed_datetime` answers 404 `INVALID_RESOURCE_ID`
 *   "Data for the given start date is not available." (issue 21: the message comes as 404 as well as the Monday
 *   400; the name is PayPal's documented not-found error of the reporting API, the pairing is the fake's choice).
 *   An injected 404 fault on `transactions` answers the same body.
 * - Which date Transaction Search filters on: here `transaction_initiation_date`, with `start_date` ≤ date <
 *   `end_date` and date ≤ `last_refreshed_datetime`. Rows come ordered by that date, then `transaction_id`, then
 *   `transaction_event_code`. Dates are accepted as RFC 3339 with seconds (`Z`, `+00:00` or `+0000`, optional
 *   fraction); a `+` sent unencoded in the query reads as a space and is refused (send `%2B`). Responses write
 *   dates as PayPal does, `YYYY-MM-DDTHH:MM:SS+0000` in UTC (echoed dates lose any fraction).
 * - `fields`: "all" serves each record byte for byte; otherwise (default `transaction_info`) each record is
 *   rebuilt from its own source text with `transaction_info` plus the listed sections only, in the order they
 *   appear in the record. Unlisted sections are left out rather than sent as `{}`.
 * - Strictness: an unknown or repeated query parameter, and the documented filters the fake does not implement
 *   (`transaction_amount`, `transaction_currency`, `payment_instrument_type`, `store_id`, `terminal_id`), answer
 *   400 `INVALID_REQUEST` rather than being ignored, so a test cannot pass on a no-op. The `issue` texts are the
 *   fake's own except "Date range is greater than 31 days". `balance_affecting_records_only` is checked (Y/N) and
 *   otherwise ignored. An empty result has `total_pages` 0; a page beyond the last has no `transaction_details`.
 *   The 10 000-row cap is third parties' figure.
 * - Tokens: every token request gets a new token (PayPal is said to hand back the cached one); a token keeps the
 *   scopes it was issued with; a missing, foreign or malformed Bearer token gets "Token signature verification
 *   failed", an expired one "Access Token not found in cache". The orders endpoint checks no scope.
 * - Faults answer before the request is examined (authentication included), as an outage or rate limit at PayPal's
 *   edge would; the `ipn` endpoint answers them in plain text.
 * - Certificates are served as `text/plain; charset=utf-8` (PayPal's content type is not recorded in paypal.md).
 * - IPN postback: a body with another content type, or without the exact `cmd=_notify-validate&` prefix, gets
 *   `INVALID`; a registered message verifies as often as it is posted back.
 *
 * Transaction records and orders are kept as the raw JSON text they were seeded with and spliced into responses,
 * never re-serialised, so they come back as written.
 *
 * @example
 * ```ts
 * // test/global-setup.ts
 * const paypal = await startFakePayPal();
 * project.provide("paypalUrl", paypal.url);
 * return () => paypal.close();
 * ```
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import {
  ControlError,
  type FakeListenOptions,
  type FakeServer,
  listenFake,
  parseControlJson,
  readRequestBody,
  safeDecode,
  skipString,
  skipValue,
  skipWhitespace,
  splitJsonArray,
} from "./fake-kit";
import type {
  FakePayPalAccount,
  FakePayPalConfig,
  FakePayPalEndpoint,
  FakePayPalFault,
  FakePayPalKeys,
  FakePayPalLoggedRequest,
} from "./paypal-control";

export interface FakePayPalOptions extends FakeListenOptions {
  /** Accounts to create at start, as `PUT /__control/<accountKey>/config` would. */
  accounts?: Record<string, FakePayPalConfig>;
  /** Wall clock in epoch milliseconds, for token expiry, the default `last_refreshed_datetime` and the log; `Date.now` by default. */
  now?: () => number;
}

export type FakePayPal = FakeServer;

// Kept in step with PAYPAL_REPORTING_SCOPE / PAYPAL_DEFAULT_SCOPES in ./paypal-control.ts, which this file imports
// type-only (it must not load the control client's module graph into Node).
const REPORTING_SCOPE = "https://uri.paypal.com/services/reporting/search/read";
const DEFAULT_SCOPES = [
  "https://uri.paypal.com/services/payments/payment/authcapture",
  "https://uri.paypal.com/services/payments/refund",
  "https://uri.paypal.com/services/applications/webhooks",
  REPORTING_SCOPE,
  "openid",
];
const DEFAULT_TOKEN_TTL_SECONDS = 32400;
const DEFAULT_MAX_RESULT_ROWS = 10000;
const DEFAULT_ACCOUNT_NUMBER = "8XYZ4ABCDEF2G";
const APP_ID = "APP-80W284485P519543T";
const MAX_RANGE_MS = 31 * 24 * 60 * 60 * 1000;
const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 500;
const ACCOUNT_KEY = /^[A-Za-z0-9._-]{1,100}$/;
const CERT_DIR = "/v1/notifications/certs/";
const CERT_NAME = "CERT-360caa42-fca2a594-testcert";
const ROGUE_CERT_NAME = "CERT-360caa42-fca2a594-roguecert";
const IPN_PREFIX = "cmd=_notify-validate&";
const FORM = "application/x-www-form-urlencoded";
const ENDPOINTS = new Set<FakePayPalEndpoint>(["token", "transactions", "ipn", "orders", "certs"]);
const SECTIONS = ["transaction_info", "payer_info", "shipping_info", "auction_info", "cart_info", "incentive_info", "store_info"];
const SEARCH_PARAMS = [
  "start_date",
  "end_date",
  "fields",
  "page_size",
  "page",
  "transaction_id",
  "transaction_type",
  "transaction_status",
  "balance_affecting_records_only",
];
const UNIMPLEMENTED_SEARCH_PARAMS = ["transaction_amount", "transaction_currency", "payment_instrument_type", "store_id", "terminal_id"];
// F (partially refunded) is in PayPal's current list of transaction_status values.
const TRANSACTION_STATUSES = ["D", "F", "P", "S", "V"];
const NOT_AVAILABLE = "Data for the given start date is not available.";
const REPORTING_ERRORS_LINK = { href: "https://developer.paypal.com/docs/api/v1/reporting/#errors", rel: "information_link" };
const MALFORMED = "Request is not well-formed, syntactically incorrect, or violates schema.";
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|([+-])(\d{2}):?(\d{2}))$/;
const LOGGED_HEADERS = ["authorization", "content-type", "accept", "user-agent", "paypal-request-id"] as const;

interface Settings {
  clientId: string;
  clientSecret: string;
  scopes: string[];
  /** RFC 3339 as given, or null for the server clock at each request. */
  lastRefreshed: string | null;
  maxResultRows: number;
  accountNumber: string;
  tokenTtlSeconds: number;
}

interface StoredTransaction {
  id: string;
  eventCode: string;
  /** `transaction_initiation_date`, epoch milliseconds. */
  initiatedAt: number;
  status: string | undefined;
  /** The transaction_detail object as seeded (trimmed), served verbatim. */
  raw: string;
}

interface IssuedToken {
  /** Epoch milliseconds; the token is refused from then on. */
  expiresAt: number;
  scopes: string[];
}

interface PendingFault {
  status: number;
  remaining: number;
  retryAfter?: string;
  /** Undefined: PayPal's default body for the endpoint and status. */
  body?: string;
}

interface Account extends Settings {
  key: string;
  tokens: Map<string, IssuedToken>;
  /** Keyed by transaction_id and transaction_event_code. */
  transactions: Map<string, StoredTransaction>;
  /** Registered IPN bodies, as latin1 strings so comparison is byte for byte. */
  ipns: Set<string>;
  /** Orders v2 objects by id, raw text. */
  orders: Map<string, string>;
  faults: Map<FakePayPalEndpoint, PendingFault[]>;
  log: FakePayPalLoggedRequest[];
}

/** The generated test keys, and the served certificates by name. */
interface KeyMaterial {
  keys: FakePayPalKeys;
  certs: Map<string, string>;
}

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
  fault?: boolean;
}

/** Generates the test keys (openssl CLI), then starts the fake on an ephemeral port of 127.0.0.1 (by default). */
export async function startFakePayPal(options: FakePayPalOptions = {}): Promise<FakePayPal> {
  const now = options.now ?? (() => Date.now());
  const material = generateKeys();
  const accounts = new Map<string, Account>();
  for (const [key, config] of Object.entries(options.accounts ?? {})) accounts.set(key, newAccount(key, settingsFrom(config)));

  const server = http.createServer((req, res) => {
    handle(req, accounts, material, now).then(
      (reply) => send(res, reply),
      (error: unknown) => send(res, paypalError(500, "INTERNAL_SERVER_ERROR", `fake PayPal failed: ${String(error)}`)),
    );
  });
  return listenFake(server, options);
}

async function handle(req: http.IncomingMessage, accounts: Map<string, Account>, material: KeyMaterial, now: () => number): Promise<Reply> {
  const url = new URL(req.url ?? "/", "http://fake.invalid");
  const segments = url.pathname.split("/").slice(1).map(safeDecode);
  const method = req.method ?? "GET";
  const body = await readRequestBody(req);

  if (segments[0] === "__control") {
    try {
      return controlRoute(method, segments.slice(1), body, accounts, material);
    } catch (error) {
      if (error instanceof ControlError) return { status: error.status, headers: controlHeaders(), body: JSON.stringify({ error: error.message }) };
      throw error;
    }
  }

  if (segments[0] === "accounts" && segments[1] !== undefined) {
    const account = accounts.get(segments[1]);
    if (!account) return notFound();
    const time = now();
    // As the client sent it, minus the /accounts/<accountKey> prefix.
    const subPath = "/" + url.pathname.split("/").slice(3).join("/") + url.search;
    const path = segments.slice(2);
    const endpoint = endpointOf(path);
    // Links in responses point back at this account on this server, as PayPal's point at api-m.paypal.com.
    const base = `http://${req.headers.host ?? "127.0.0.1"}/accounts/${encodeURIComponent(account.key)}`;
    const reply = paypalRequest(req, method, endpoint, path, url, body, account, material, time, base);
    account.log.push(logEntry(req, method, subPath, endpoint, body, time, reply));
    return reply;
  }

  return notFound();
}

function endpointOf(path: string[]): FakePayPalEndpoint | "unknown" {
  const joined = path.join("/");
  if (joined === "v1/oauth2/token") return "token";
  if (joined === "v1/reporting/transactions") return "transactions";
  if (joined === "cgi-bin/webscr") return "ipn";
  if (path.length === 4 && path[3] !== "" && `${path[0]}/${path[1]}/${path[2]}` === "v2/checkout/orders") return "orders";
  if (path.length === 4 && path[3] !== "" && `${path[0]}/${path[1]}/${path[2]}` === "v1/notifications/certs") return "certs";
  return "unknown";
}

const METHODS: Record<FakePayPalEndpoint, string> = { token: "POST", transactions: "GET", ipn: "POST", orders: "GET", certs: "GET" };

// ---------------------------------------------------------------------------------------------------------
// PayPal endpoints

function paypalRequest(
  req: http.IncomingMessage,
  method: string,
  endpoint: FakePayPalEndpoint | "unknown",
  path: string[],
  url: URL,
  body: Buffer,
  account: Account,
  material: KeyMaterial,
  time: number,
  base: string,
): Reply {
  if (endpoint === "unknown") return notFound();
  if (method !== METHODS[endpoint]) return paypalError(405, "METHOD_NOT_SUPPORTED", `The fake PayPal serves ${METHODS[endpoint]} only on this path.`);

  const queue = account.faults.get(endpoint);
  const fault = queue?.[0];
  if (queue && fault) {
    if (--fault.remaining <= 0) queue.shift();
    return faultReply(endpoint, fault);
  }

  switch (endpoint) {
    case "token":
      return issueToken(req, body.toString("utf8"), account, time);
    case "transactions": {
      const token = bearer(req, account, time);
      if ("status" in token) return token;
      return searchTransactions(url, account, token, time, base);
    }
    case "ipn":
      return ipnPostback(req, body, account);
    case "orders": {
      const token = bearer(req, account, time);
      if ("status" in token) return token;
      return getOrder(url, path[3], account);
    }
    case "certs": {
      const pem = material.certs.get(path[3]);
      if (pem === undefined) return notFound();
      // text/plain rather than application/x-pem-file: workerd warns on .text() of a type it does not know as text.
      return { status: 200, headers: { "content-type": "text/plain; charset=utf-8", "paypal-debug-id": newDebugId() }, body: pem };
    }
  }
}

function issueToken(req: http.IncomingMessage, body: string, account: Account, time: number): Reply {
  const credentials = /^Basic +(\S+)$/i.exec(req.headers.authorization ?? "");
  const decoded = credentials ? Buffer.from(credentials[1], "base64").toString("utf8") : undefined;
  if (decoded !== `${account.clientId}:${account.clientSecret}`) return oauthError(401, "invalid_client", "Client Authentication failed");
  // Without the form content type PayPal does not read the body, so it sees no grant type.
  if (mediaType(req) !== FORM || new URLSearchParams(body).get("grant_type") !== "client_credentials") {
    return oauthError(400, "unsupported_grant_type", "Grant Type is NULL");
  }
  const accessToken = `A21AA${randomBytes(60).toString("base64url")}`;
  account.tokens.set(accessToken, { expiresAt: time + account.tokenTtlSeconds * 1000, scopes: [...account.scopes] });
  return json(200, {
    scope: account.scopes.join(" "),
    access_token: accessToken,
    token_type: "Bearer",
    app_id: APP_ID,
    expires_in: account.tokenTtlSeconds,
    nonce: `${new Date(time).toISOString().slice(0, 19)}Z${randomBytes(32).toString("base64url")}`,
  });
}

/** The token the request carries, or the 401 to answer. */
function bearer(req: http.IncomingMessage, account: Account, time: number): IssuedToken | Reply {
  const match = /^Bearer +(\S+)$/i.exec(req.headers.authorization ?? "");
  const token = match ? account.tokens.get(match[1]) : undefined;
  if (!token) return oauthError(401, "invalid_token", "Token signature verification failed");
  if (time >= token.expiresAt) return oauthError(401, "invalid_token", "Access Token not found in cache");
  return token;
}

interface Issue {
  field: string;
  value?: string;
  location: "query";
  issue: string;
}

function searchTransactions(url: URL, account: Account, token: IssuedToken, time: number, base: string): Reply {
  if (!token.scopes.includes(REPORTING_SCOPE)) {
    return paypalError(403, "NOT_AUTHORIZED", "Authorization failed due to insufficient permissions.", {
      details: [{ issue: "PERMISSION_DENIED", description: "You do not have permission to access or perform operations on this resource." }],
      links: [REPORTING_ERRORS_LINK],
    });
  }

  const params = url.searchParams;
  const issues: Issue[] = [];
  const refuse = (field: string, value: string | null, issue: string) => {
    issues.push(value === null ? { field, location: "query", issue } : { field, value, location: "query", issue });
  };
  for (const name of new Set(params.keys())) {
    if (UNIMPLEMENTED_SEARCH_PARAMS.includes(name)) refuse(name, params.get(name), "This filter is not implemented by the fake PayPal server");
    else if (!SEARCH_PARAMS.includes(name)) refuse(name, params.get(name), "Unknown query parameter");
    else if (params.getAll(name).length > 1) refuse(name, params.get(name), "Parameter given more than once");
  }

  const dateParam = (name: string): number | undefined => {
    const text = params.get(name);
    if (text === null) {
      refuse(name, null, "Required parameter is missing");
      return undefined;
    }
    const time = parseRfc3339(text);
    if (time === undefined) {
      const hint = / \d{2}:?\d{2}$/.test(text) ? " (a '+' in the query must be sent as %2B)" : "";
      refuse(name, text, `Invalid date: expected RFC 3339 with seconds, e.g. 2025-03-04T00:00:00Z${hint}`);
    }
    return time;
  };
  const start = dateParam("start_date");
  const end = dateParam("end_date");
  if (start !== undefined && end !== undefined) {
    if (end <= start) refuse("end_date", params.get("end_date"), "End date must be after the start date");
    else if (end - start > MAX_RANGE_MS) refuse("end_date", params.get("end_date"), "Date range is greater than 31 days");
  }

  const fieldsText = params.get("fields") ?? "transaction_info";
  let sections: Set<string> | undefined; // undefined: all, served verbatim
  if (fieldsText !== "all") {
    const listed = fieldsText.split(",").map((name) => name.trim());
    const unknown = listed.filter((name) => !SECTIONS.includes(name));
    if (unknown.length > 0) refuse("fields", fieldsText, `Unknown field ${JSON.stringify(unknown[0])}; use "all" or a comma list of ${SECTIONS.join(", ")}`);
    sections = new Set(["transaction_info", ...listed]);
  }

  const integerParam = (name: string, fallback: number, max: number): number => {
    const text = params.get(name);
    if (text === null) return fallback;
    if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > max) {
      refuse(name, text, max === Infinity ? "Must be an integer of at least 1" : `Must be an integer from 1 to ${max}`);
      return fallback;
    }
    return Number(text);
  };
  const pageSize = integerParam("page_size", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
  const page = integerParam("page", 1, Infinity);

  const status = params.get("transaction_status");
  if (status !== null && !TRANSACTION_STATUSES.includes(status)) refuse("transaction_status", status, `Must be one of ${TRANSACTION_STATUSES.join(", ")}`);
  const type = params.get("transaction_type");
  if (type !== null && !/^T\d{4}$/.test(type)) refuse("transaction_type", type, "Must be a T-code such as T0006");
  const id = params.get("transaction_id");
  if (id !== null && id === "") refuse("transaction_id", id, "Must not be empty");
  const balanceOnly = params.get("balance_affecting_records_only");
  if (balanceOnly !== null && balanceOnly !== "Y" && balanceOnly !== "N") refuse("balance_affecting_records_only", balanceOnly, "Must be Y or N");

  if (issues.length > 0 || start === undefined || end === undefined) {
    return paypalError(400, "INVALID_REQUEST", MALFORMED, { details: issues, links: [REPORTING_ERRORS_LINK] });
  }

  const refreshed = account.lastRefreshed === null ? time : (parseRfc3339(account.lastRefreshed) as number);
  if (start > refreshed) {
    // Issue 21: any day, a window starting after last_refreshed_datetime has no data yet, said as a 404.
    return paypalError(404, "INVALID_RESOURCE_ID", NOT_AVAILABLE, { links: [REPORTING_ERRORS_LINK] });
  }
  const matching = [...account.transactions.values()]
    .filter((row) => row.initiatedAt >= start && row.initiatedAt < end && row.initiatedAt <= refreshed)
    .filter((row) => (id === null || row.id === id) && (status === null || row.status === status) && (type === null || row.eventCode === type))
    .sort(compareTransactions);
  if (matching.length > account.maxResultRows) {
    return paypalError(400, "RESULTSET_TOO_LARGE", "Result set size is greater than the maximum limit. Change the filter criteria and try again.", {
      links: [REPORTING_ERRORS_LINK],
    });
  }

  const totalPages = Math.ceil(matching.length / pageSize);
  const rows = matching.slice((page - 1) * pageSize, page * pageSize);
  const pageLink = (n: number, rel: string) => {
    const query = new URLSearchParams(params);
    query.set("page", String(n));
    return { href: `${base}/v1/reporting/transactions?${query}`, rel, method: "GET" };
  };
  const links = [{ href: `${base}/v1/reporting/transactions${url.search}`, rel: "self", method: "GET" }];
  if (totalPages > 1) {
    links.push(pageLink(1, "first"));
    if (page < totalPages) links.push(pageLink(page + 1, "next"));
    links.push(pageLink(totalPages, "last"));
  }
  const rest = JSON.stringify({
    account_number: account.accountNumber,
    start_date: paypalDate(start),
    end_date: paypalDate(end),
    last_refreshed_datetime: paypalDate(refreshed),
    page,
    total_items: matching.length,
    total_pages: totalPages,
    links,
  });
  const details = rows.map((row) => (sections ? selectSections(row.raw, sections) : row.raw));
  return raw(200, `{"transaction_details":[${details.join(",")}],${rest.slice(1)}`);
}

/** Initiation date, then transaction_id, then event code. */
function compareTransactions(a: StoredTransaction, b: StoredTransaction): number {
  if (a.initiatedAt !== b.initiatedAt) return a.initiatedAt - b.initiatedAt;
  if (a.id !== b.id) return a.id < b.id ? -1 : 1;
  return a.eventCode < b.eventCode ? -1 : a.eventCode > b.eventCode ? 1 : 0;
}

/** The record with only the given top-level sections, each value as its source text. */
function selectSections(text: string, sections: Set<string>): string {
  const kept = objectMembers(text).filter((member) => sections.has(member.name));
  return `{${kept.map((member) => `${member.keyText}:${member.valueText}`).join(",")}}`;
}

/** The members of a JSON object (already validated) as source text. */
function objectMembers(text: string): Array<{ name: string; keyText: string; valueText: string }> {
  const members: Array<{ name: string; keyText: string; valueText: string }> = [];
  let i = skipWhitespace(text, 0) + 1; // past "{"
  for (;;) {
    i = skipWhitespace(text, i);
    if (i >= text.length || text[i] === "}") return members;
    const keyStart = i;
    i = skipString(text, i);
    const keyText = text.slice(keyStart, i);
    i = skipWhitespace(text, i) + 1; // past ":"
    i = skipWhitespace(text, i);
    const valueStart = i;
    i = skipValue(text, i);
    members.push({ name: JSON.parse(keyText) as string, keyText, valueText: text.slice(valueStart, i) });
    i = skipWhitespace(text, i);
    if (text[i] === ",") i++;
  }
}

function ipnPostback(req: http.IncomingMessage, body: Buffer, account: Account): Reply {
  const text = body.toString("latin1");
  const genuine = mediaType(req) === FORM && text.startsWith(IPN_PREFIX) && account.ipns.has(text.slice(IPN_PREFIX.length));
  return { status: 200, headers: { "content-type": "text/html; charset=UTF-8", "paypal-debug-id": newDebugId() }, body: genuine ? "VERIFIED" : "INVALID" };
}

function getOrder(url: URL, orderId: string, account: Account): Reply {
  const details: Issue[] = [];
  for (const name of new Set(url.searchParams.keys())) {
    if (name !== "fields") details.push({ field: name, value: url.searchParams.get(name) ?? "", location: "query", issue: "Unknown query parameter" });
  }
  if (details.length > 0) {
    return paypalError(400, "INVALID_REQUEST", MALFORMED, {
      details,
      links: [{ href: "https://developer.paypal.com/docs/api/orders/v2/#error-INVALID_PARAMETER_SYNTAX", rel: "information_link", method: "GET" }],
    });
  }
  const order = account.orders.get(orderId);
  if (order !== undefined) return raw(200, order);
  const debugId = newDebugId();
  return raw(
    404,
    JSON.stringify({
      name: "RESOURCE_NOT_FOUND",
      details: [{ issue: "INVALID_RESOURCE_ID", description: "Specified resource ID does not exist. Please check the resource ID and try again." }],
      message: "The specified resource does not exist.",
      debug_id: debugId,
      links: [{ href: "https://developer.paypal.com/docs/api/orders/v2/#error-INVALID_RESOURCE_ID", rel: "information_link", method: "GET" }],
    }),
    {},
    debugId,
  );
}

function faultReply(endpoint: FakePayPalEndpoint, fault: PendingFault): Reply {
  const debugId = newDebugId();
  const headers: Record<string, string> = fault.retryAfter !== undefined ? { "retry-after": fault.retryAfter } : {};
  const statusText = http.STATUS_CODES[fault.status] ?? "Error";
  if (endpoint === "ipn") {
    return { status: fault.status, headers: { "content-type": "text/plain; charset=UTF-8", "paypal-debug-id": debugId, ...headers }, body: fault.body ?? statusText, fault: true };
  }
  let body = fault.body;
  if (body === undefined) {
    let value: Record<string, unknown>;
    if (fault.status === 429) value = { name: "RATE_LIMIT_REACHED", message: "Too many requests. Blocked due to rate limiting.", debug_id: debugId };
    else if (fault.status === 500) value = { name: "INTERNAL_SERVER_ERROR", message: "An internal server error occurred.", debug_id: debugId };
    else if (fault.status === 503) value = { name: "SERVICE_UNAVAILABLE", message: "Service Unavailable.", debug_id: debugId };
    else if (fault.status === 400 && endpoint === "transactions") {
      value = { name: "INVALID_REQUEST", message: NOT_AVAILABLE, debug_id: debugId, links: [REPORTING_ERRORS_LINK] };
    } else if (fault.status === 404 && endpoint === "transactions") {
      value = { name: "INVALID_RESOURCE_ID", message: NOT_AVAILABLE, debug_id: debugId, links: [REPORTING_ERRORS_LINK] };
    } else if (fault.status === 401) {
      value = endpoint === "token"
        ? { error: "invalid_client", error_description: "Client Authentication failed" }
        : { error: "invalid_token", error_description: "Token signature verification failed" };
    } else value = { name: statusText.toUpperCase().replace(/[^A-Z0-9]+/g, "_"), message: `${statusText}.`, debug_id: debugId };
    body = JSON.stringify(value);
  }
  return { ...raw(fault.status, body, headers, debugId), fault: true };
}

// ---------------------------------------------------------------------------------------------------------
// Control API

function controlRoute(method: string, path: string[], body: Buffer, accounts: Map<string, Account>, material: KeyMaterial): Reply {
  const [key, action, ...rest] = path;
  if (key === "keys" && action === undefined) {
    if (method !== "GET") throw new ControlError(405, "GET /__control/keys only");
    return control(material.keys);
  }
  if (key === undefined || !ACCOUNT_KEY.test(key)) throw new ControlError(404, "unknown control path");
  const accountOrFail = () => {
    const account = accounts.get(key);
    if (!account) throw new ControlError(404, `no account ${JSON.stringify(key)}; PUT /__control/${key}/config first`);
    return account;
  };
  const target = `${method} ${action ?? ""}${rest.length > 0 ? "/…" : ""}`;
  const text = () => body.toString("utf8");

  switch (target) {
    case "PUT config": {
      if (key === "keys") throw new ControlError(400, `"keys" is reserved (GET /__control/keys); choose another account key`);
      const account = newAccount(key, settingsFrom(parseControlJson(text())));
      accounts.set(key, account);
      return control(describe(account));
    }
    case "PATCH config": {
      const account = accountOrFail();
      Object.assign(account, settingsFrom(parseControlJson(text()), account));
      return control(describe(account));
    }
    case "POST transactions": {
      const account = accountOrFail();
      const parsed = splitControlArray(text(), "transactions").map((item, index) => {
        try {
          return readTransaction(item);
        } catch (error) {
          throw new ControlError(400, `transaction #${index}: ${(error as Error).message}`);
        }
      });
      for (const row of parsed) account.transactions.set(`${row.id}\u0000${row.eventCode}`, row);
      return control({ seeded: parsed.length, total: account.transactions.size });
    }
    case "POST ipn": {
      const account = accountOrFail();
      if (body.length === 0) throw new ControlError(400, "ipn body must be the raw IPN message (not empty)");
      const message = body.toString("latin1");
      if (message.startsWith(IPN_PREFIX)) throw new ControlError(400, `register the message PayPal sent, without "${IPN_PREFIX}"`);
      account.ipns.add(message);
      return control({ total: account.ipns.size });
    }
    case "POST orders": {
      const account = accountOrFail();
      const parsed = splitControlArray(text(), "orders").map((item, index) => {
        try {
          return readOrder(item);
        } catch (error) {
          throw new ControlError(400, `order #${index}: ${(error as Error).message}`);
        }
      });
      for (const order of parsed) account.orders.set(order.id, order.raw);
      return control({ seeded: parsed.length, total: account.orders.size });
    }
    case "POST faults": {
      const account = accountOrFail();
      const { endpoint, fault } = validateFault(parseControlJson(text()));
      const queue = account.faults.get(endpoint) ?? [];
      queue.push(fault);
      account.faults.set(endpoint, queue);
      return control({ pending: queue.reduce((sum, entry) => sum + entry.remaining, 0) });
    }
    case "DELETE tokens": {
      const account = accountOrFail();
      for (const token of account.tokens.values()) token.expiresAt = -Infinity;
      return control({ expired: account.tokens.size });
    }
    case "GET requests":
      return control(accountOrFail().log);
    case "DELETE requests":
      accountOrFail().log = [];
      return control({ ok: true });
    case "GET keys":
      return control(material.keys);
    case "DELETE ":
      accountOrFail();
      accounts.delete(key);
      return control({ ok: true });
  }
  throw new ControlError(404, `no control route ${method} ${[action ?? "", ...rest].join("/")}`);
}

function newAccount(key: string, settings: Settings): Account {
  return { key, ...settings, tokens: new Map(), transactions: new Map(), ipns: new Set(), orders: new Map(), faults: new Map(), log: [] };
}

function describe(account: Account): FakePayPalAccount {
  return {
    accountKey: account.key,
    clientId: account.clientId,
    scopes: account.scopes,
    lastRefreshed: account.lastRefreshed,
    maxResultRows: account.maxResultRows,
    accountNumber: account.accountNumber,
    tokenTtlSeconds: account.tokenTtlSeconds,
  };
}

/** Checks a config (PUT: complete, with defaults) or a change to `current` (PATCH). Unknown fields are refused. */
function settingsFrom(value: unknown, current?: Settings): Settings {
  if (!value || typeof value !== "object" || Array.isArray(value)) throw new ControlError(400, "config must be a JSON object");
  const config = value as Record<string, unknown>;
  const known = ["clientId", "clientSecret", "scopes", "lastRefreshed", "maxResultRows", "accountNumber", "tokenTtlSeconds"];
  for (const name of Object.keys(config)) if (!known.includes(name)) throw new ControlError(400, `unknown config field ${JSON.stringify(name)}`);
  const has = (name: string) => config[name] !== undefined;
  const nonEmpty = (name: string, fallback: string | undefined): string => {
    if (!has(name)) {
      if (fallback === undefined) throw new ControlError(400, `${name} must be a non-empty string`);
      return fallback;
    }
    if (typeof config[name] !== "string" || config[name] === "") throw new ControlError(400, `${name} must be a non-empty string`);
    return config[name];
  };
  const integer = (name: string, fallback: number, min: number): number => {
    if (!has(name)) return fallback;
    const n = config[name];
    if (typeof n !== "number" || !Number.isInteger(n) || n < min) throw new ControlError(400, `${name} must be an integer of at least ${min}`);
    return n;
  };

  let scopes = current?.scopes ?? DEFAULT_SCOPES;
  if (has("scopes")) {
    const list = config.scopes;
    if (!Array.isArray(list) || list.some((scope) => typeof scope !== "string" || scope === "" || /\s/.test(scope))) {
      throw new ControlError(400, "scopes must be an array of scope strings without spaces");
    }
    scopes = list as string[];
  }
  let lastRefreshed = current ? current.lastRefreshed : null;
  if ("lastRefreshed" in config) {
    const text = config.lastRefreshed;
    if (text !== null && text !== undefined && (typeof text !== "string" || parseRfc3339(text) === undefined)) {
      throw new ControlError(400, "lastRefreshed must be an RFC 3339 date-time with seconds, or null for the server clock");
    }
    lastRefreshed = (text as string | null | undefined) ?? null;
  }
  return {
    clientId: nonEmpty("clientId", current?.clientId),
    clientSecret: nonEmpty("clientSecret", current?.clientSecret),
    scopes: [...scopes],
    lastRefreshed,
    maxResultRows: integer("maxResultRows", current?.maxResultRows ?? DEFAULT_MAX_RESULT_ROWS, 0),
    accountNumber: nonEmpty("accountNumber", current?.accountNumber ?? DEFAULT_ACCOUNT_NUMBER),
    tokenTtlSeconds: integer("tokenTtlSeconds", current?.tokenTtlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS, 0),
  };
}

function validateFault(value: unknown): { endpoint: FakePayPalEndpoint; fault: PendingFault } {
  const fault = (value ?? {}) as Partial<FakePayPalFault>;
  const { endpoint, status, count } = fault;
  if (typeof endpoint !== "string" || !ENDPOINTS.has(endpoint)) throw new ControlError(400, `endpoint must be one of ${[...ENDPOINTS].join(", ")}`);
  if (typeof status !== "number" || !Number.isInteger(status) || status < 400 || status > 599) {
    throw new ControlError(400, "status must be an integer 400–599");
  }
  if (typeof count !== "number" || !Number.isInteger(count) || count < 1) throw new ControlError(400, "count must be a positive integer");
  if (fault.body !== undefined && typeof fault.body !== "string") throw new ControlError(400, "body must be a string");
  const retryAfter = typeof fault.retryAfter === "number" || typeof fault.retryAfter === "string" ? String(fault.retryAfter) : undefined;
  return { endpoint, fault: { status, remaining: count, retryAfter, body: fault.body } };
}

function splitControlArray(body: string, what: string): string[] {
  if (!body.trimStart().startsWith("[")) throw new ControlError(400, `${what} body must be a JSON array`);
  try {
    return splitJsonArray(body).map((item) => item.trim());
  } catch (error) {
    throw new ControlError(400, `${what} body is not valid JSON: ${(error as Error).message}`);
  }
}

function parseObject(text: string): Record<string, unknown> {
  const value = JSON.parse(text) as unknown;
  if (!value || typeof value !== "object" || Array.isArray(value)) throw new Error("not a JSON object");
  return value as Record<string, unknown>;
}

/** Reads the few fields the fake filters on; the text itself is what gets stored. */
function readTransaction(text: string): StoredTransaction {
  const info = parseObject(text).transaction_info as Record<string, unknown> | undefined;
  if (!info || typeof info !== "object" || Array.isArray(info)) throw new Error(`"transaction_info" must be an object`);
  const { transaction_id: id, transaction_event_code: eventCode, transaction_initiation_date: date, transaction_status: status } = info;
  if (typeof id !== "string" || id === "") throw new Error(`"transaction_info.transaction_id" must be a non-empty string, got ${JSON.stringify(id)}`);
  if (typeof eventCode !== "string" || eventCode === "") {
    throw new Error(`"transaction_info.transaction_event_code" must be a non-empty string, got ${JSON.stringify(eventCode)}`);
  }
  const initiatedAt = typeof date === "string" ? parseRfc3339(date) : undefined;
  if (initiatedAt === undefined) {
    throw new Error(`"transaction_info.transaction_initiation_date" must be RFC 3339 with seconds (e.g. 2025-03-04T17:14:03+0000), got ${JSON.stringify(date)}`);
  }
  if (status !== undefined && typeof status !== "string") throw new Error(`"transaction_info.transaction_status" must be a string`);
  return { id, eventCode, initiatedAt, status, raw: text };
}

function readOrder(text: string): { id: string; raw: string } {
  const id = parseObject(text).id;
  if (typeof id !== "string" || id === "") throw new Error(`"id" must be a non-empty string, got ${JSON.stringify(id)}`);
  return { id, raw: text };
}

// ---------------------------------------------------------------------------------------------------------
// Keys

/** Three RSA keys and two self-signed certificates, made once by the openssl CLI in a temporary directory. */
function generateKeys(): KeyMaterial {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-paypal-"));
  try {
    const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    const selfSigned = (keyFile: string, certFile: string, cn: string) =>
      openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", keyFile, "-out", certFile, "-days", "3", "-subj", `/CN=${cn}`);
    selfSigned("key.pem", "cert.pem", "messageverificationcerts.sandbox.paypal.com");
    selfSigned("rogue-cert-key.pem", "rogue-cert.pem", "evil.example.com");
    openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "rogue-key.pem");
    const read = (file: string, label: string) => {
      const pem = fs.readFileSync(path.join(dir, file), "utf8");
      if (!pem.startsWith(`-----BEGIN ${label}-----`)) throw new Error(`fake PayPal: openssl wrote ${file} without "BEGIN ${label}"`);
      return pem;
    };
    const keys: FakePayPalKeys = {
      privateKeyPem: read("key.pem", "PRIVATE KEY"),
      certPem: read("cert.pem", "CERTIFICATE"),
      certPath: CERT_DIR + CERT_NAME,
      rogueKeyPem: read("rogue-key.pem", "PRIVATE KEY"),
      rogueCertPem: read("rogue-cert.pem", "CERTIFICATE"),
      rogueCertPath: CERT_DIR + ROGUE_CERT_NAME,
      rogueCertKeyPem: read("rogue-cert-key.pem", "PRIVATE KEY"),
    };
    return { keys, certs: new Map([[CERT_NAME, keys.certPem], [ROGUE_CERT_NAME, keys.rogueCertPem]]) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------
// Dates

/** RFC 3339 with seconds (`Z`, `±HH:MM` or `±HHMM`, optional fraction) to epoch milliseconds; undefined if invalid. */
function parseRfc3339(text: string): number | undefined {
  const match = RFC3339.exec(text);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second, fraction, zone, sign, offsetHours, offsetMinutes] = match;
  const fields = [year, month, day, hour, minute, second].map(Number);
  const local = Date.UTC(fields[0], fields[1] - 1, fields[2], fields[3], fields[4], fields[5]);
  const check = new Date(local);
  if (check.getUTCMonth() !== fields[1] - 1 || check.getUTCDate() !== fields[2] || fields[3] > 23 || fields[4] > 59 || fields[5] > 59) return undefined;
  const millis = fraction ? Math.floor(Number(`0${fraction}`) * 1000) : 0;
  let offset = 0;
  if (zone !== "Z") {
    if (Number(offsetHours) > 23 || Number(offsetMinutes) > 59) return undefined;
    offset = (sign === "-" ? -1 : 1) * (Number(offsetHours) * 60 + Number(offsetMinutes)) * 60_000;
  }
  return local + millis - offset;
}

/** `YYYY-MM-DDTHH:MM:SS+0000`, as PayPal writes dates in reporting responses. */
function paypalDate(time: number): string {
  return `${new Date(time).toISOString().slice(0, 19)}+0000`;
}

// ---------------------------------------------------------------------------------------------------------
// HTTP plumbing

function newDebugId(): string {
  return randomBytes(7).toString("hex").slice(0, 13);
}

function mediaType(req: http.IncomingMessage): string {
  return (req.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
}

function controlHeaders(): Record<string, string> {
  return { "content-type": "application/json; charset=utf-8" };
}

function control(value: unknown): Reply {
  return { status: 200, headers: controlHeaders(), body: JSON.stringify(value) };
}

function raw(status: number, body: string, headers: Record<string, string> = {}, debugId = newDebugId()): Reply {
  return { status, headers: { "content-type": "application/json", "paypal-debug-id": debugId, ...headers }, body };
}

function json(status: number, value: unknown): Reply {
  return raw(status, JSON.stringify(value));
}

/** PayPal's REST error body: `{name, message, debug_id, details?, links?}`, `debug_id` equal to the header. */
function paypalError(status: number, name: string, message: string, extra: { details?: unknown[]; links?: unknown[] } = {}): Reply {
  const debugId = newDebugId();
  return raw(status, JSON.stringify({ name, message, debug_id: debugId, ...extra }), {}, debugId);
}

/** The OAuth-style error body of the token and authentication layer: `{error, error_description}`. */
function oauthError(status: number, error: string, description: string): Reply {
  return json(status, { error, error_description: description });
}

function notFound(): Reply {
  return paypalError(404, "RESOURCE_NOT_FOUND", "The specified resource does not exist.");
}

function send(res: http.ServerResponse, reply: Reply): void {
  res.writeHead(reply.status, reply.headers);
  res.end(reply.body);
}

function logEntry(
  req: http.IncomingMessage,
  method: string,
  path: string,
  endpoint: FakePayPalEndpoint | "unknown",
  body: Buffer,
  time: number,
  reply: Reply,
): FakePayPalLoggedRequest {
  const headers: FakePayPalLoggedRequest["headers"] = {};
  for (const name of LOGGED_HEADERS) {
    const value = req.headers[name];
    if (typeof value !== "string") continue;
    if (name === "authorization") {
      // The scheme only: credentials and tokens stay out of the log.
      const scheme = /^(\S+)\s/.exec(value);
      headers.authorization = scheme ? `${scheme[1]} …` : "…";
    } else headers[name] = value;
  }
  const entry: FakePayPalLoggedRequest = { method, path, endpoint, headers, status: reply.status, time };
  if (method === "POST" && body.length > 0) entry.body = body.toString("utf8");
  const retryAfter = reply.headers["retry-after"];
  if (retryAfter) entry.retryAfter = retryAfter;
  if (reply.fault) entry.fault = true;
  return entry;
}
