/**
 * @module
 * A fake Shopify Admin REST API for tests: a plain `node:http` server (no dependencies) that a Worker under
 * test reaches by real outbound fetch. Start it from vitest's Node-side `globalSetup` and hand its URL to
 * the Worker (see workers-toolchain.md item 6).
 *
 * It imitates what a reconciliation client depends on (shopify.md §5.4, §6):
 * - `GET /admin/api/<version>/orders.json` with `status`, `updated_at_min`/`updated_at_max`, `limit`, `fields`
 *   and Shopify's cursor paging (`Link` header, `page_info`), plus `GET /admin/api/<version>/orders/<id>.json`;
 * - `X-Shopify-Access-Token` auth with Shopify's 401 body;
 * - the REST leaky bucket (`X-Shopify-Shop-Api-Call-Limit`, 429 with a fractional `Retry-After`);
 * - injected faults (429/5xx) and a request log, driven over HTTP by `./shopify-control.ts`.
 *
 * Many shops live in one server, each under its own path prefix, so test files running in parallel do not
 * share state: the client's base URL is `${url}/shops/<shopKey>` instead of `https://<shop>.myshopify.com`.
 * Control endpoints live under `${url}/__control/<shopKey>/...`.
 *
 * Orders are kept as the raw JSON text they were seeded with and spliced into responses, never
 * re-serialised, so ids above 2^53 and decimal strings come back byte for byte. Only `id`, `updated_at`,
 * `closed_at` and `cancelled_at` are read, by a small lossless scanner of the top-level members.
 *
 * @example
 * ```ts
 * // test/global-setup.ts
 * const shopify = await startFakeShopify();
 * project.provide("shopifyUrl", shopify.url);
 * return () => shopify.close();
 * ```
 */
import { ControlError, type FakeListenOptions, type FakeServer, listenFake, parseControlJson, readRequestBody, safeDecode, skipString, skipValue, skipWhitespace, splitArray } from "./fake-kit";
import { randomUUID } from "node:crypto";
import http from "node:http";
import type { FakeFault, FakeLoggedRequest, FakeShopConfig } from "./shopify-control";

export interface FakeShopifyOptions extends FakeListenOptions {
  /** Shops to create at start, as `PUT /__control/<shopKey>/config` would. */
  shops?: Record<string, FakeShopConfig>;
  /** Monotonic clock in milliseconds for the leaky bucket; `performance.now` by default. */
  now?: () => number;
}

export type FakeShopify = FakeServer;

// Shopify's standard REST limits: a bucket of 40 requests leaking 2 per second (shopify.md §5.4).
const DEFAULT_BUCKET_SIZE = 40;
const DEFAULT_LEAK_PER_SECOND = 2;
const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 250;
// Observed from Shopify on a throttled REST call (MONEI/Shopify-api-node#135 shows `retry-after: '2.0'`).
const DEFAULT_FAULT_RETRY_AFTER = "2.0";
const PAGINATION_DOCS = "https://shopify.dev/api/usage/pagination-rest";

/** ISO 8601 with seconds and an explicit offset, the shape Shopify's REST API reads and writes. */
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const SHOP_KEY = /^[A-Za-z0-9._-]{1,100}$/;
const API_VERSION = /^(\d{4}-\d{2}|unstable)$/;
const STATUSES = new Set(["open", "closed", "cancelled", "any"]);
// Real order filters this fake does not implement. They are refused loudly rather than ignored, so a test
// cannot pass because a filter silently did nothing. (Unknown names are ignored, as Shopify ignores them.)
const UNIMPLEMENTED_FILTERS = new Set([
  "ids", "since_id", "created_at_min", "created_at_max", "processed_at_min", "processed_at_max",
  "financial_status", "fulfillment_status", "attribution_app_id", "name",
]);
const LOGGED_HEADERS = ["x-shopify-access-token", "user-agent", "accept", "content-type"] as const;

interface StoredOrder {
  id: bigint;
  /** The id exactly as written in the raw text. */
  idText: string;
  updatedAt: number;
  closed: boolean;
  cancelled: boolean;
  /** The order object as seeded (trimmed), served verbatim. */
  raw: string;
}

interface PendingFault {
  status: number;
  remaining: number;
  retryAfter?: string;
  body: string;
}

interface Shop {
  key: string;
  accessToken: string;
  bucketSize: number;
  leakPerSecond: number;
  /** Requests in the bucket (fractional while leaking), as of `bucketAt`. */
  bucketLevel: number;
  bucketAt: number;
  orders: Map<string, StoredOrder>;
  faults: PendingFault[];
  log: FakeLoggedRequest[];
}

/** The filters of a list request; instants as epoch milliseconds. */
interface Filter {
  status: string;
  updated_at_min?: number;
  updated_at_max?: number;
}

/** What a `page_info` cursor carries. Shopify's cursor is likewise base64 JSON holding the filters of the
 * first request plus `last_id`/`last_value`, which is why other filters may not accompany it. */
interface Cursor extends Filter {
  direction: "next" | "prev";
  /** Decimal string: ids can exceed 2^53. */
  last_id: string;
  last_value: number;
}

interface Reply {
  status: number;
  headers?: Record<string, string>;
  body: string;
  /** Set when an injected fault produced the reply (for the request log only). */
  fault?: boolean;
}

/** Starts the fake on an ephemeral port of 127.0.0.1 (by default). */
export async function startFakeShopify(options: FakeShopifyOptions = {}): Promise<FakeShopify> {
  const now = options.now ?? (() => performance.now());
  const shops = new Map<string, Shop>();
  for (const [key, config] of Object.entries(options.shops ?? {})) shops.set(key, newShop(key, validateConfig(config), now()));

  const server = http.createServer((req, res) => {
    handle(req, shops, now).then(
      (reply) => send(res, reply),
      (error: unknown) => send(res, json(500, { errors: `fake Shopify failed: ${String(error)}` })),
    );
  });
  return listenFake(server, options);
}

async function handle(req: http.IncomingMessage, shops: Map<string, Shop>, now: () => number): Promise<Reply> {
  const url = new URL(req.url ?? "/", "http://fake.invalid");
  const segments = url.pathname.split("/").slice(1).map(safeDecode);
  const method = req.method ?? "GET";

  if (segments[0] === "__control") {
    const body = await readRequestBody(req).then((buffer) => buffer.toString("utf8"));
    try {
      return controlRequest(method, segments.slice(1), body, shops, now);
    } catch (error) {
      if (error instanceof ControlError) return json(error.status, { error: error.message });
      throw error;
    }
  }

  if (segments[0] === "shops" && segments[1] !== undefined) {
    await readRequestBody(req).then((buffer) => buffer.toString("utf8")); // drain; no API route here takes a body
    const shop = shops.get(segments[1]);
    if (!shop) return json(404, { errors: "Not Found" });
    const time = Date.now();
    // As the client sent it, minus the /shops/<shopKey> prefix.
    const subPath = "/" + url.pathname.split("/").slice(3).join("/") + url.search;
    const reply = apiRequest(req, method, segments.slice(2), url, shop, now);
    shop.log.push(logEntry(req, method, subPath, time, reply));
    return reply;
  }

  return json(404, { errors: "Not Found" });
}

// ---------------------------------------------------------------------------------------------------------
// Admin API

function apiRequest(
  req: http.IncomingMessage,
  method: string,
  path: string[],
  url: URL,
  shop: Shop,
  now: () => number,
): Reply {
  // Same status and wording as Shopify for a missing or wrong token. No call-limit header: an unauthenticated
  // request belongs to no app, and Shopify's bucket is per app and store.
  if (req.headers["x-shopify-access-token"] !== shop.accessToken) {
    return json(401, { errors: "[API] Invalid API key or access token (unrecognized login or wrong password)" });
  }

  const fault = shop.faults[0];
  if (fault) {
    if (--fault.remaining <= 0) shop.faults.shift();
    // Faults neither fill nor drain the bucket; the header just reports its state.
    const headers: Record<string, string> = { "x-shopify-shop-api-call-limit": callLimit(shop, now()) };
    if (fault.retryAfter !== undefined) headers["retry-after"] = fault.retryAfter;
    return { ...raw(fault.status, fault.body, headers), fault: true };
  }

  // Leaky bucket: every authenticated request, whatever it asks for, takes one slot; the bucket drains
  // continuously at leakPerSecond. A full bucket answers 429 and the request does not enter it.
  const t = now();
  leak(shop, t);
  if (shop.bucketLevel + 1 > shop.bucketSize) {
    // Seconds until one slot is free, rounded up to a tenth and written like Shopify's "2.0".
    const wait = (shop.bucketLevel + 1 - shop.bucketSize) / shop.leakPerSecond;
    const retryAfter = (Math.ceil(wait * 10 - 1e-9) / 10).toFixed(1);
    return json(429, { errors: throttleMessage(shop) }, { "x-shopify-shop-api-call-limit": callLimit(shop, t), "retry-after": retryAfter });
  }
  shop.bucketLevel += 1;
  const limitHeader = { "x-shopify-shop-api-call-limit": callLimit(shop, t) };

  // Link URLs point back at this server under whatever host name the client used.
  const origin = `http://${req.headers.host ?? "127.0.0.1"}`;
  const reply = route(method, path, url, shop, origin);
  reply.headers = { ...reply.headers, ...limitHeader };
  if (path[0] === "admin" && path[1] === "api" && API_VERSION.test(path[2] ?? "")) {
    reply.headers["x-shopify-api-version"] = path[2];
  }
  return reply;
}

function route(method: string, path: string[], url: URL, shop: Shop, origin: string): Reply {
  const [admin, api, version, resource, extra, ...rest] = path;
  if (admin !== "admin" || api !== "api" || !API_VERSION.test(version ?? "") || rest.length > 0) {
    return json(404, { errors: "Not Found" });
  }
  const single = resource === "orders" && extra !== undefined ? /^(\d+)\.json$/.exec(extra) : null;
  const isList = resource === "orders.json" && extra === undefined;
  if (!isList && !single) return json(404, { errors: "Not Found" });
  if (method !== "GET") return json(405, { errors: `${method} is not implemented by the fake Shopify server` });

  if (single) {
    const order = shop.orders.get(single[1]);
    if (!order) return json(404, { errors: "Not Found" });
    const fields = parseFields(url.searchParams.get("fields"));
    return raw(200, `{"order":${project(order.raw, fields)}}`);
  }
  return listOrders(url, shop, `${origin}/shops/${encodeURIComponent(shop.key)}/admin/api/${version}/orders.json`);
}

/**
 * `GET orders.json`, with Shopify's cursor paging (https://shopify.dev/docs/api/admin-rest/usage/pagination):
 * the first request carries the filters; later pages are reached only through the `page_info` in the `Link`
 * header, which may be combined with `limit` and `fields` and nothing else.
 */
function listOrders(url: URL, shop: Shop, linkBase: string): Reply {
  const params = url.searchParams;

  let limit = DEFAULT_LIMIT;
  const limitText = params.get("limit");
  if (limitText !== null) {
    if (!/^\d+$/.test(limitText) || Number(limitText) < 1) return json(400, { errors: { limit: "Invalid value." } });
    limit = Number(limitText);
    // Wording as measured against Shopify for limit=251.
    if (limit > MAX_LIMIT) return json(400, { errors: `Limit exceeds maximum limit of ${MAX_LIMIT}` });
  }
  const fieldsText = params.get("fields");
  const fields = parseFields(fieldsText);

  let cursor: Cursor | undefined;
  let filter: Filter;
  const pageInfo = params.get("page_info");
  if (pageInfo !== null) {
    // Shopify answers, e.g.: {"errors":{"updated_at_min":"updated_at_min cannot be passed when page_info is
    // present. See https://shopify.dev/api/usage/pagination-rest for more information."}} (also seen for
    // `status`, Shopify/shopify-api-js#755).
    for (const name of params.keys()) {
      if (name !== "page_info" && name !== "limit" && name !== "fields") {
        return json(400, { errors: { [name]: `${name} cannot be passed when page_info is present. See ${PAGINATION_DOCS} for more information.` } });
      }
    }
    cursor = decodeCursor(pageInfo);
    // A tampered or foreign cursor: Shopify's answer (Shopify/shopify_python_api#544).
    if (!cursor) return json(400, { errors: { page_info: "Invalid value." } });
    filter = { status: cursor.status, updated_at_min: cursor.updated_at_min, updated_at_max: cursor.updated_at_max };
  } else {
    for (const name of params.keys()) {
      if (UNIMPLEMENTED_FILTERS.has(name)) return json(400, { errors: { [name]: `${name} is not implemented by the fake Shopify server` } });
    }
    const order = params.get("order");
    if (order !== null && order.trim().replace(/\s+/g, " ").toLowerCase() !== "updated_at asc") {
      return json(400, { errors: { order: "only \"updated_at asc\" is implemented by the fake Shopify server" } });
    }
    // Shopify's default is `open`, which leaves closed and cancelled orders out (shopify.md §6).
    const status = params.get("status") ?? "open";
    if (!STATUSES.has(status)) return json(400, { errors: { status: "Invalid value." } });
    filter = { status };
    for (const name of ["updated_at_min", "updated_at_max"] as const) {
      const text = params.get(name);
      if (text === null) continue;
      const value = parseTimestamp(text);
      if (value === undefined) {
        // Fake-only strictness: Shopify would read an offset-less time in the shop's zone, which this fake
        // does not model. A "+02:00" sent unencoded arrives as " 02:00" and lands here too.
        return json(400, { errors: { [name]: `${name} must be ISO 8601 with an explicit offset, e.g. 2026-05-04T10:00:00+02:00 or ...Z (got ${JSON.stringify(text)}; is "+" URL-encoded?)` } });
      }
      filter[name] = value;
    }
  }

  // The fake's order is updated_at ascending, then id: what a reconciliation sweep pages through. Each page
  // is computed from the current data, so an order updated between two page requests moves behind the cursor
  // and shows up again later, as with Shopify's keyset cursor.
  const matching = [...shop.orders.values()].filter((order) => matches(order, filter)).sort(compareOrders);
  let start: number;
  let end: number;
  if (!cursor) {
    start = 0;
    end = Math.min(limit, matching.length);
  } else if (cursor.direction === "next") {
    const key = { updatedAt: cursor.last_value, id: BigInt(cursor.last_id) };
    start = firstIndex(matching, (order) => compareKeys(order, key) > 0);
    end = Math.min(start + limit, matching.length);
  } else {
    const key = { updatedAt: cursor.last_value, id: BigInt(cursor.last_id) };
    end = firstIndex(matching, (order) => compareKeys(order, key) >= 0);
    start = Math.max(0, end - limit);
  }
  const page = matching.slice(start, end);

  // Link: <…?page_info=…&limit=N>; rel="previous", <…?page_info=…&limit=N>; rel="next" (no header when neither).
  const links: string[] = [];
  const link = (direction: Cursor["direction"], order: StoredOrder, rel: string) => {
    const info = encodeCursor({ direction, last_id: order.idText, last_value: order.updatedAt, ...filter });
    const query = `page_info=${info}&limit=${limit}${fieldsText !== null ? `&fields=${encodeURIComponent(fieldsText)}` : ""}`;
    links.push(`<${linkBase}?${query}>; rel="${rel}"`);
  };
  if (page.length > 0 && start > 0) link("prev", page[0], "previous");
  if (page.length > 0 && end < matching.length) link("next", page[page.length - 1], "next");

  const body = `{"orders":[${page.map((order) => project(order.raw, fields)).join(",")}]}`;
  return raw(200, body, links.length > 0 ? { link: links.join(", ") } : {});
}

function matches(order: StoredOrder, filter: Filter): boolean {
  switch (filter.status) {
    case "open":
      if (order.closed || order.cancelled) return false;
      break;
    case "closed":
      if (!order.closed) return false;
      break;
    case "cancelled":
      if (!order.cancelled) return false;
      break;
  }
  if (filter.updated_at_min !== undefined && order.updatedAt < filter.updated_at_min) return false;
  if (filter.updated_at_max !== undefined && order.updatedAt > filter.updated_at_max) return false;
  return true;
}

function compareKeys(a: { updatedAt: number; id: bigint }, b: { updatedAt: number; id: bigint }): number {
  if (a.updatedAt !== b.updatedAt) return a.updatedAt < b.updatedAt ? -1 : 1;
  return a.id === b.id ? 0 : a.id < b.id ? -1 : 1;
}
const compareOrders = (a: StoredOrder, b: StoredOrder) => compareKeys(a, b);

function firstIndex<T>(items: T[], predicate: (item: T) => boolean): number {
  const index = items.findIndex(predicate);
  return index === -1 ? items.length : index;
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString("base64url");
}

function decodeCursor(text: string): Cursor | undefined {
  try {
    const value = JSON.parse(Buffer.from(text, "base64url").toString("utf8")) as Partial<Cursor>;
    const { direction, last_id, last_value, status, updated_at_min, updated_at_max } = value;
    if (direction !== "next" && direction !== "prev") return undefined;
    if (typeof last_id !== "string" || !/^\d+$/.test(last_id) || typeof last_value !== "number") return undefined;
    if (typeof status !== "string" || !STATUSES.has(status)) return undefined;
    if (updated_at_min !== undefined && typeof updated_at_min !== "number") return undefined;
    if (updated_at_max !== undefined && typeof updated_at_max !== "number") return undefined;
    return { direction, last_id, last_value, status, updated_at_min, updated_at_max };
  } catch {
    return undefined;
  }
}

function parseFields(text: string | null): Set<string> | undefined {
  if (text === null) return undefined;
  const names = text.split(",").map((name) => name.trim()).filter(Boolean);
  return names.length > 0 ? new Set(names) : undefined;
}

/** `fields=` projection on the raw text: keeps the named top-level members, values untouched. */
function project(rawOrder: string, fields: Set<string> | undefined): string {
  if (!fields) return rawOrder;
  const members = [...topLevelMembers(rawOrder)].filter(([key]) => fields.has(key));
  return `{${members.map(([key, value]) => `${JSON.stringify(key)}:${value}`).join(",")}}`;
}

// ---------------------------------------------------------------------------------------------------------
// Leaky bucket

function leak(shop: Shop, t: number): void {
  const elapsedSeconds = Math.max(0, t - shop.bucketAt) / 1000;
  shop.bucketLevel = Math.max(0, shop.bucketLevel - elapsedSeconds * shop.leakPerSecond);
  shop.bucketAt = t;
}

/** `used/size` as in `X-Shopify-Shop-Api-Call-Limit: 32/40`; a partly drained slot still counts as used. */
function callLimit(shop: Shop, t: number): string {
  leak(shop, t);
  // The epsilon keeps float noise (3.0000000001) from showing one slot too many.
  return `${Math.ceil(shop.bucketLevel - 1e-9)}/${shop.bucketSize}`;
}

// ---------------------------------------------------------------------------------------------------------
// Control API

function controlRequest(method: string, path: string[], body: string, shops: Map<string, Shop>, now: () => number): Reply {
  const [key, action, ...rest] = path;
  if (key === undefined || !SHOP_KEY.test(key) || rest.length > 0) throw new ControlError(404, "unknown control path");
  const shopOrFail = () => {
    const shop = shops.get(key);
    if (!shop) throw new ControlError(404, `no shop ${JSON.stringify(key)}; PUT /__control/${key}/config first`);
    return shop;
  };

  switch (`${method} ${action ?? ""}`) {
    case "PUT config": {
      const shop = newShop(key, validateConfig(parseControlJson(body)), now());
      shops.set(key, shop);
      return json(200, { shopKey: key, accessToken: shop.accessToken, bucketSize: shop.bucketSize, leakPerSecond: shop.leakPerSecond });
    }
    case "POST orders": {
      const shop = shopOrFail();
      const texts = body.trimStart().startsWith("[") ? splitArray(body) : body.split(/\r?\n/).filter((line) => line.trim());
      const parsed = texts.map((text, index) => {
        try {
          return readOrder(text);
        } catch (error) {
          throw new ControlError(400, `order #${index}: ${(error as Error).message}`);
        }
      });
      for (const order of parsed) shop.orders.set(order.idText, order);
      return json(200, { seeded: parsed.length, total: shop.orders.size });
    }
    case "POST faults": {
      const shop = shopOrFail();
      shop.faults.push(validateFault(parseControlJson(body), shop));
      return json(200, { pending: shop.faults.reduce((sum, fault) => sum + fault.remaining, 0) });
    }
    case "GET requests":
      return raw(200, JSON.stringify(shopOrFail().log));
    case "DELETE requests":
      shopOrFail().log = [];
      return json(200, { ok: true });
    case "DELETE ":
      shopOrFail();
      shops.delete(key);
      return json(200, { ok: true });
    default:
      throw new ControlError(404, `no control route ${method} ${action ?? ""}`);
  }
}

function newShop(key: string, config: Required<FakeShopConfig>, t: number): Shop {
  return {
    key,
    ...config,
    bucketLevel: 0,
    bucketAt: t,
    orders: new Map(),
    faults: [],
    log: [],
  };
}

function validateConfig(value: unknown): Required<FakeShopConfig> {
  const config = value as Partial<FakeShopConfig> | null;
  if (!config || typeof config.accessToken !== "string" || config.accessToken === "") {
    throw new ControlError(400, "accessToken must be a non-empty string");
  }
  const bucketSize = config.bucketSize ?? DEFAULT_BUCKET_SIZE;
  const leakPerSecond = config.leakPerSecond ?? DEFAULT_LEAK_PER_SECOND;
  if (!Number.isInteger(bucketSize) || bucketSize < 1) throw new ControlError(400, "bucketSize must be a positive integer");
  if (typeof leakPerSecond !== "number" || !(leakPerSecond > 0)) throw new ControlError(400, "leakPerSecond must be a positive number");
  return { accessToken: config.accessToken, bucketSize, leakPerSecond };
}

function validateFault(value: unknown, shop: Shop): PendingFault {
  const fault = (value ?? {}) as Partial<FakeFault>;
  const { status, count } = fault;
  if (typeof status !== "number" || !Number.isInteger(status) || status < 400 || status > 599) {
    throw new ControlError(400, "status must be an integer 400–599");
  }
  if (typeof count !== "number" || !Number.isInteger(count) || count < 1) throw new ControlError(400, "count must be a positive integer");
  let retryAfter: string | undefined;
  if (typeof fault.retryAfter === "number") retryAfter = fault.retryAfter.toFixed(1);
  else if (typeof fault.retryAfter === "string") retryAfter = fault.retryAfter;
  else if (status === 429) retryAfter = DEFAULT_FAULT_RETRY_AFTER;
  const errors = status === 429 ? throttleMessage(shop) : (http.STATUS_CODES[status] ?? "Error");
  return { status, remaining: count, retryAfter, body: fault.body ?? JSON.stringify({ errors }) };
}

/** Shopify's 429 text names the shop's leak rate: "Exceeded 2 calls per second" on the standard plan,
 * "Exceeded 4 calls per second" was reported for a faster one (Shopify/shopify_python_api#256). */
function throttleMessage(shop: Shop): string {
  return `Exceeded ${shop.leakPerSecond} calls per second for api client. Reduce request rates to resume uninterrupted service.`;
}

// ---------------------------------------------------------------------------------------------------------
// Raw order text

/** Reads the few fields the fake filters on, straight from the text; the text itself is what gets stored. */
function readOrder(text: string): StoredOrder {
  const trimmed = text.trim();
  try {
    JSON.parse(trimmed); // validity only; the parsed value is discarded because it would round big ids
  } catch (error) {
    throw new Error(`not valid JSON: ${(error as Error).message}`);
  }
  if (!trimmed.startsWith("{")) throw new Error("not a JSON object");
  const members = topLevelMembers(trimmed);

  const idText = members.get("id");
  if (idText === undefined || !/^[1-9]\d*$/.test(idText)) throw new Error(`"id" must be a positive JSON integer, got ${idText}`);
  const updatedText = members.get("updated_at");
  const updatedAt = updatedText?.startsWith('"') ? parseTimestamp(JSON.parse(updatedText) as string) : undefined;
  if (updatedAt === undefined) throw new Error(`"updated_at" must be an ISO 8601 string with an offset, got ${updatedText}`);
  const isSet = (name: string) => {
    const value = members.get(name);
    return value !== undefined && value !== "null";
  };
  return { id: BigInt(idText), idText, updatedAt, closed: isSet("closed_at"), cancelled: isSet("cancelled_at"), raw: trimmed };
}

function parseTimestamp(text: string): number | undefined {
  if (!TIMESTAMP.test(text)) return undefined;
  const value = Date.parse(text);
  return Number.isNaN(value) ? undefined : value;
}

/**
 * The top-level members of a JSON object text, each value as its exact source text. The input must already
 * be known to be valid JSON, so the scanner only tracks strings and nesting.
 */
function topLevelMembers(text: string): Map<string, string> {
  const members = new Map<string, string>();
  let i = skipWhitespace(text, 0) + 1; // past "{"
  for (;;) {
    i = skipWhitespace(text, i);
    if (text[i] === "}") return members;
    const keyEnd = skipString(text, i);
    const key = JSON.parse(text.slice(i, keyEnd)) as string;
    i = skipWhitespace(text, keyEnd) + 1; // past ":"
    const valueStart = skipWhitespace(text, i);
    i = skipValue(text, valueStart);
    members.set(key, text.slice(valueStart, i)); // a repeated key wins, as in JSON.parse
    i = skipWhitespace(text, i);
    if (text[i] === ",") i++;
  }
}


// ---------------------------------------------------------------------------------------------------------
// HTTP plumbing

function jsonHeaders(): Record<string, string> {
  return { "content-type": "application/json; charset=utf-8", "x-request-id": randomUUID() };
}

function json(status: number, value: unknown, headers: Record<string, string> = {}): Reply {
  return raw(status, JSON.stringify(value), headers);
}

function raw(status: number, body: string, headers: Record<string, string> = {}): Reply {
  return { status, headers: { ...jsonHeaders(), ...headers }, body };
}

function send(res: http.ServerResponse, reply: Reply): void {
  res.writeHead(reply.status, reply.headers);
  res.end(reply.body);
}




function logEntry(req: http.IncomingMessage, method: string, path: string, time: number, reply: Reply): FakeLoggedRequest {
  const headers: FakeLoggedRequest["headers"] = {};
  for (const name of LOGGED_HEADERS) {
    const value = req.headers[name];
    if (typeof value === "string") headers[name] = value;
  }
  const entry: FakeLoggedRequest = { method, path, headers, status: reply.status, time };
  const limit = reply.headers?.["x-shopify-shop-api-call-limit"];
  if (limit) entry.callLimit = limit;
  const retryAfter = reply.headers?.["retry-after"];
  if (retryAfter) entry.retryAfter = retryAfter;
  if (reply.fault) entry.fault = true;
  return entry;
}
