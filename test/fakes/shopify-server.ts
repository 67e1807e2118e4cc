/**
 * @module
 * A fake Shopify Admin API (REST, and the part of GraphQL a stock sync uses) for tests: a plain `node:http`
 * server (no dependencies) that a Worker under test reaches by real outbound fetch. Start it from vitest's Node-side `globalSetup` and hand its URL to
 * the Worker (see workers-toolchain.md item 6).
 *
 * It imitates what a reconciliation client depends on (shopify.md §5.4, §6):
 * - `GET /admin/api/<version>/orders.json` with `status`, `updated_at_min`/`updated_at_max`, `limit`, `fields`
 *   and Shopify's cursor paging (`Link` header, `page_info`), plus `GET /admin/api/<version>/orders/<id>.json`;
 * - `X-Shopify-Access-Token` auth with Shopify's 401 body;
 * - the REST leaky bucket (`X-Shopify-Shop-Api-Call-Limit`, 429 with a fractional `Retry-After`);
 * - injected faults (429/5xx) and a request log, driven over HTTP by `./shopify-control.ts`;
 * - `POST /admin/api/<version>/graphql.json` for a stock sync (shopify.md §5.3): `productVariants`, `locations`
 *   and `inventorySetQuantities`, with the GraphQL cost bucket. See "Admin GraphQL" below for what it
 *   implements and what it chose where Shopify's behaviour is not documented.
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
import type {
  FakeFault,
  FakeGraphqlBucket,
  FakeInventoryLevel,
  FakeLoggedGraphql,
  FakeLoggedRequest,
  FakeShopConfig,
  FakeShopifyLocation,
  FakeShopifyVariant,
} from "./shopify-control";

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
// Shopify's standard GraphQL Admin limits: 100 points a second restored (shopify.md §5.4); the bucket size per
// plan is unconfirmed there, 2000 is the figure commonly reported for standard shops.
const DEFAULT_GRAPHQL_MAXIMUM_AVAILABLE = 2000;
const DEFAULT_GRAPHQL_RESTORE_RATE = 100;

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
  graphqlMaximumAvailable: number;
  graphqlRestoreRate: number;
  /** GraphQL points in the bucket (fractional while restoring), as of `graphqlAt`. */
  graphqlAvailable: number;
  graphqlAt: number;
  orders: Map<string, StoredOrder>;
  /** By variant gid. */
  variants: Map<string, StoredVariant>;
  /** Inventory item gid → its variant. */
  items: Map<string, StoredVariant>;
  locations: Map<string, StoredLocation>;
  /** `${inventoryItemId} ${locationId}` → available, for levels that were seeded or set. */
  levels: Map<string, number>;
  /** `@idempotent` keys seen, with what the call asked and answered. */
  idempotency: Map<string, { fingerprint: string; payload: unknown }>;
  adjustmentGroups: number;
  faults: PendingFault[];
  log: FakeLoggedRequest[];
}

interface StoredVariant {
  id: string;
  numericId: bigint;
  sku: string | null;
  inventoryItemId: string;
  tracked: boolean;
  /** Location gids where the item is stocked, or every location. */
  stockedAt: Set<string> | "everywhere";
}

interface StoredLocation {
  id: string;
  numericId: bigint;
  name: string;
  isActive: boolean;
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
  /** What a GraphQL request asked (for the request log only). */
  graphql?: FakeLoggedGraphql;
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
    const body = await readRequestBody(req).then((buffer) => buffer.toString("utf8")); // only GraphQL reads it
    const shop = shops.get(segments[1]);
    if (!shop) return json(404, { errors: "Not Found" });
    const time = Date.now();
    // As the client sent it, minus the /shops/<shopKey> prefix.
    const subPath = "/" + url.pathname.split("/").slice(3).join("/") + url.search;
    const reply = apiRequest(req, method, segments.slice(2), url, body, shop, now);
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
  body: string,
  shop: Shop,
  now: () => number,
): Reply {
  const isGraphql = path.length === 4 && path[0] === "admin" && path[1] === "api" && API_VERSION.test(path[2] ?? "") && path[3] === "graphql.json";
  const reply = isGraphql ? graphqlEndpoint(req, method, path[2], body, shop, now) : restRequest(req, method, path, url, shop, now);
  if (isGraphql) reply.graphql = { ...describeGraphql(body), ...reply.graphql };
  return reply;
}

/** What every API request goes through first: the token, then any injected fault. */
function gate(req: http.IncomingMessage, shop: Shop, now: () => number, graphql: boolean): Reply | undefined {
  // Same status and wording as Shopify for a missing or wrong token (REST and GraphQL alike). No call-limit
  // header: an unauthenticated request belongs to no app, and Shopify's bucket is per app and store.
  if (req.headers["x-shopify-access-token"] !== shop.accessToken) {
    return json(401, { errors: "[API] Invalid API key or access token (unrecognized login or wrong password)" });
  }

  const fault = shop.faults[0];
  if (fault) {
    if (--fault.remaining <= 0) shop.faults.shift();
    // Faults neither fill nor drain the buckets; the REST header just reports its state.
    const headers: Record<string, string> = graphql ? {} : { "x-shopify-shop-api-call-limit": callLimit(shop, now()) };
    if (fault.retryAfter !== undefined) headers["retry-after"] = fault.retryAfter;
    return { ...raw(fault.status, fault.body, headers), fault: true };
  }
  return undefined;
}

function restRequest(
  req: http.IncomingMessage,
  method: string,
  path: string[],
  url: URL,
  shop: Shop,
  now: () => number,
): Reply {
  const refused = gate(req, shop, now, false);
  if (refused) return refused;

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
      return json(200, {
        shopKey: key,
        accessToken: shop.accessToken,
        bucketSize: shop.bucketSize,
        leakPerSecond: shop.leakPerSecond,
        graphqlMaximumAvailable: shop.graphqlMaximumAvailable,
        graphqlRestoreRate: shop.graphqlRestoreRate,
      });
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
    case "POST variants": {
      const shop = shopOrFail();
      const seeds = readList(parseControlJson(body), "variants").map((value, index) => readVariant(value, index));
      for (const { variant, levels } of seeds) {
        const previous = shop.variants.get(variant.id);
        if (previous) forgetItem(shop, previous);
        const clash = shop.items.get(variant.inventoryItemId);
        if (clash) throw new ControlError(400, `inventory item ${variant.inventoryItemId} already belongs to variant ${clash.id}`);
        shop.variants.set(variant.id, variant);
        shop.items.set(variant.inventoryItemId, variant);
        for (const [locationId, available] of levels) shop.levels.set(levelKey(variant.inventoryItemId, locationId), available);
      }
      const variants = seeds;
      return json(200, { seeded: variants.length, total: shop.variants.size });
    }
    case "POST locations": {
      const shop = shopOrFail();
      const locations = readList(parseControlJson(body), "locations").map((value, index) => readLocation(value, index));
      for (const location of locations) shop.locations.set(location.id, location);
      return json(200, { seeded: locations.length, total: shop.locations.size });
    }
    case "GET inventory-levels":
      return json(200, inventoryLevels(shopOrFail()));
    case "PUT graphql-bucket": {
      const shop = shopOrFail();
      const update = (parseControlJson(body) ?? {}) as Partial<FakeGraphqlBucket>;
      const t = now();
      restore(shop, t);
      for (const name of ["maximumAvailable", "restoreRate", "currentlyAvailable"] as const) {
        const value = update[name];
        if (value === undefined) continue;
        if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || (name !== "currentlyAvailable" && value === 0)) {
          throw new ControlError(400, `${name} must be a ${name === "currentlyAvailable" ? "non-negative" : "positive"} number`);
        }
      }
      if (update.maximumAvailable !== undefined) shop.graphqlMaximumAvailable = update.maximumAvailable;
      if (update.restoreRate !== undefined) shop.graphqlRestoreRate = update.restoreRate;
      shop.graphqlAvailable = Math.min(update.currentlyAvailable ?? shop.graphqlAvailable, shop.graphqlMaximumAvailable);
      return json(200, bucketState(shop));
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
    graphqlAvailable: config.graphqlMaximumAvailable,
    graphqlAt: t,
    orders: new Map(),
    variants: new Map(),
    items: new Map(),
    locations: new Map(),
    levels: new Map(),
    idempotency: new Map(),
    adjustmentGroups: 0,
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
  const graphqlMaximumAvailable = config.graphqlMaximumAvailable ?? DEFAULT_GRAPHQL_MAXIMUM_AVAILABLE;
  const graphqlRestoreRate = config.graphqlRestoreRate ?? DEFAULT_GRAPHQL_RESTORE_RATE;
  if (typeof graphqlMaximumAvailable !== "number" || !(graphqlMaximumAvailable > 0)) throw new ControlError(400, "graphqlMaximumAvailable must be a positive number");
  if (typeof graphqlRestoreRate !== "number" || !(graphqlRestoreRate > 0)) throw new ControlError(400, "graphqlRestoreRate must be a positive number");
  return { accessToken: config.accessToken, bucketSize, leakPerSecond, graphqlMaximumAvailable, graphqlRestoreRate };
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
// Admin GraphQL
//
// What it serves (shapes as Shopify's, shopify.md §5.3, §5.4):
// - `productVariants(first:, after:, query:)`: nodes `{ id, sku, inventoryItem { id, tracked } }` ordered by id,
//   `pageInfo { hasNextPage, endCursor }`. `query` takes `sku:<value>` terms joined by ` OR `, values bare or
//   in double quotes with backslash escapes (`sku:"A B"`). A term matches every SKU that *starts with* the
//   value, ignoring case: a stand-in for Shopify's token and prefix search, which is not an exact match either,
//   so a client has to keep only exact SKUs.
// - `locations(first:, after:, includeInactive:)`: nodes `{ id, name, isActive }`; active ones only by default.
// - `inventorySetQuantities(input:)`, `name: "available"` only: `{ inventoryAdjustmentGroup { id, createdAt,
//   reason, referenceDocumentUri, changes [{ name, delta, quantityAfterChange, item { id }, location { id } }] },
//   userErrors [{ field, message, code }] }`.
//
// It is not a GraphQL engine: it reads the operation's one root field, its arguments and directives, and
// answers every field it knows whatever the selection set asks. Arguments are read from `variables` (scalar
// literals are read too); anything it does not implement (another root field, several root fields,
// fragments, an unknown argument or query term) is refused with a GraphQL error saying "not implemented by
// the fake", so a test cannot pass because something was silently ignored.
//
// Choices where Shopify's behaviour is not documented (or not confirmed here):
// - A call with any userError applies nothing (`inventoryAdjustmentGroup: null`): validation runs over every
//   quantity first and every error is reported.
// - Per API version: from 2026-01 `@idempotent(key:)` is accepted and `changeFromQuantity` exists; from 2026-04
//   a missing `@idempotent` is a GraphQL error, every quantity must carry `changeFromQuantity` (an explicit null
//   opts out of compare-and-swap) or it is a GraphQL error, and `ignoreCompareQuantity` / `compareQuantity`
//   are no longer defined (a GraphQL error, as for any unknown input field). Before 2026-01 the directive and
//   `changeFromQuantity` are unknown; without `ignoreCompareQuantity: true` each quantity needs a matching
//   `compareQuantity` (COMPARE_QUANTITY_REQUIRED / COMPARE_QUANTITY_STALE).
// - An idempotency key seen before with the same root field and variables replays the first answer without
//   applying anything again (userErrors included); with other variables it answers the userError
//   IDEMPOTENCY_KEY_PARAMETER_MISMATCH. Keys never expire.
// - More than 250 quantities: a GraphQL error, code MAX_INPUT_SIZE_EXCEEDED (Shopify documents that input
//   arrays over 250 "return an error"; the exact wording and code are unconfirmed).
// - Quantities must be GraphQL Ints (a GraphQL error otherwise) within ±1,000,000,000 (INVALID_QUANTITY_TOO_HIGH
//   / _TOO_LOW); negative `available` is accepted, as Shopify does for oversold items. Untracked items can be set.
// - Unknown inventory item: INVALID_INVENTORY_ITEM; known but not stocked at the location:
//   ITEM_NOT_STOCKED_AT_LOCATION (both with field ["input","quantities","<i>","inventoryItemId"]); unknown or
//   inactive location: INVALID_LOCATION (field [..., "locationId"]); the same item twice at one location:
//   NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR (field [..., "<i>"]).
//
// Cost model (kept simple): `productVariants` and `locations` ask for 2 + `first` points and cost 2 + the nodes
// returned; `inventorySetQuantities` costs 10. A query is paid for up front from the shop's bucket
// (maximumAvailable 2000, restoring 100 a second, by default) and the difference to the actual cost refunded.
// When the bucket holds less than the query asks, the answer is HTTP 200 with
// `errors: [{ message: "Throttled", extensions: { code: "THROTTLED" } }]` and `extensions.cost` with
// `actualQueryCost: null`. A query asking for more than the bucket can ever hold answers MAX_COST_EXCEEDED.
// Errors found before costing (syntax, arguments, versions) cost nothing and carry no `extensions.cost`.

const GRAPHQL_MAX_PAGE = 250;
const GRAPHQL_MAX_INPUT = 250;
const QUANTITY_LIMIT = 1_000_000_000;
const INT_MAX = 2 ** 31 - 1;
const SET_QUANTITIES_COST = 10;
const RATE_LIMITS_DOCS = "https://shopify.dev/api/usage/rate-limits";
// The reasons Shopify lists for inventory changes (the full list is unconfirmed, shopify.md §5.3).
const INVENTORY_REASONS = new Set([
  "correction", "cycle_count_available", "damaged", "movement_created", "movement_updated", "movement_received",
  "movement_canceled", "other", "promotion", "quality_control", "received", "reservation_created",
  "reservation_deleted", "reservation_updated", "restock", "safety_stock", "shrinkage",
]);
const VARIANT_GID = /^gid:\/\/shopify\/ProductVariant\/(\d+)$/;
const ITEM_GID = /^gid:\/\/shopify\/InventoryItem\/(\d+)$/;
const LOCATION_GID = /^gid:\/\/shopify\/Location\/(\d+)$/;

interface GraphqlError {
  message: string;
  extensions?: Record<string, unknown>;
}

/** A root field made ready to run: its cost is known and every argument has been checked. */
interface Prepared {
  cost: number;
  run: () => { payload: unknown; actualCost: number };
}

type Context = { shop: Shop; version: string; args: Record<string, unknown>; idempotencyKey: string | undefined; t: number };

interface RootField {
  operation: "query" | "mutation";
  arguments: readonly string[];
  prepare: (context: Context) => Prepared | GraphqlError;
}

const ROOT_FIELDS: Record<string, RootField> = {
  productVariants: { operation: "query", arguments: ["first", "after", "query"], prepare: prepareProductVariants },
  locations: { operation: "query", arguments: ["first", "after", "includeInactive"], prepare: prepareLocations },
  inventorySetQuantities: { operation: "mutation", arguments: ["input"], prepare: prepareSetQuantities },
};

function graphqlEndpoint(req: http.IncomingMessage, method: string, version: string, body: string, shop: Shop, now: () => number): Reply {
  const refused = gate(req, shop, now, true);
  if (refused) return refused;
  if (method !== "POST") return json(405, { errors: `${method} is not implemented by the fake Shopify server; POST the query` });
  return { ...graphqlRequest(version, body, shop, now), headers: { ...jsonHeaders(), "x-shopify-api-version": version } };
}

function graphqlRequest(version: string, body: string, shop: Shop, now: () => number): Reply {
  let request: { query?: unknown; variables?: unknown };
  try {
    request = JSON.parse(body) as typeof request;
  } catch {
    return json(400, { errors: { query: "Required parameter missing or invalid" } });
  }
  if (!request || typeof request.query !== "string") return json(400, { errors: { query: "Required parameter missing or invalid" } });
  const variables = request.variables ?? {};
  if (typeof variables !== "object" || Array.isArray(variables)) return graphqlErrors({ message: "variables must be an object" });

  let operation: GqlOperation;
  try {
    operation = parseOperation(request.query);
  } catch (error) {
    return graphqlErrors({ message: (error as Error).message, extensions: { code: "PARSE_ERROR" } });
  }
  if (operation.fields.length !== 1) return graphqlErrors(notImplemented(`an operation with ${operation.fields.length} root fields (send one)`));
  const [field] = operation.fields;
  const spec = Object.hasOwn(ROOT_FIELDS, field.name) ? ROOT_FIELDS[field.name] : undefined;
  if (!spec) return graphqlErrors(notImplemented(`the root field ${JSON.stringify(field.name)}`));
  if (spec.operation !== operation.type) return graphqlErrors(notImplemented(`${field.name} in a ${operation.type} (it is a ${spec.operation} field)`));

  const args: Record<string, unknown> = {};
  for (const [name, value] of field.args) {
    if (!spec.arguments.includes(name)) return graphqlErrors(notImplemented(`the argument ${field.name}(${name}:)`));
    const resolved = resolveValue(value, variables as Record<string, unknown>);
    if ("error" in resolved) return graphqlErrors(resolved.error);
    args[name] = resolved.value;
  }

  let idempotencyKey: string | undefined;
  for (const directive of field.directives) {
    if (directive.name !== "idempotent") return graphqlErrors(notImplemented(`the directive @${directive.name}`));
    if (!atLeast(version, "2026-01")) return graphqlErrors({ message: "Directive 'idempotent' is not defined", extensions: { code: "undefinedDirective", directiveName: "idempotent" } });
    if (field.name !== "inventorySetQuantities") return graphqlErrors(notImplemented(`@idempotent on ${field.name}`));
    const key = directive.args.get("key");
    const resolved = key ? resolveValue(key, variables as Record<string, unknown>) : undefined;
    if (!resolved || "error" in resolved || typeof resolved.value !== "string" || resolved.value === "") {
      return graphqlErrors({ message: "Directive 'idempotent' needs a non-empty String argument 'key'", extensions: { code: "missingRequiredArguments" } });
    }
    idempotencyKey = resolved.value;
  }
  if (field.name === "inventorySetQuantities" && idempotencyKey === undefined && atLeast(version, "2026-04")) {
    // The runtime refusal Shopify announced for 2026-04 (shopify.md §5.3); its exact wording is unconfirmed.
    return graphqlErrors({
      message: "The @idempotent directive is required for this mutation as of API version 2026-04: add @idempotent(key: \"<unique key>\").",
      extensions: { code: "IDEMPOTENCY_KEY_REQUIRED" },
    });
  }

  const t = now();
  const prepared = spec.prepare({ shop, version, args, idempotencyKey, t });
  if (!("cost" in prepared)) return graphqlErrors(prepared);

  restore(shop, t);
  const requested = prepared.cost;
  if (requested > shop.graphqlMaximumAvailable) {
    return graphqlReply(200, {
      errors: [{ message: `Query cost is ${requested}, which exceeds the single query max cost limit (${shop.graphqlMaximumAvailable}).`, extensions: { code: "MAX_COST_EXCEEDED", cost: requested, maxCost: shop.graphqlMaximumAvailable, documentation: RATE_LIMITS_DOCS } }],
      extensions: { cost: costExtension(shop, requested, null) },
    }, { requestedQueryCost: requested });
  }
  if (shop.graphqlAvailable < requested) {
    return graphqlReply(200, {
      errors: [{ message: "Throttled", extensions: { code: "THROTTLED", documentation: RATE_LIMITS_DOCS } }],
      extensions: { cost: costExtension(shop, requested, null) },
    }, { requestedQueryCost: requested, throttled: true });
  }
  shop.graphqlAvailable -= requested;
  const { payload, actualCost } = prepared.run();
  shop.graphqlAvailable = Math.min(shop.graphqlMaximumAvailable, shop.graphqlAvailable + Math.max(0, requested - actualCost));
  return graphqlReply(200, { data: { [field.alias ?? field.name]: payload }, extensions: { cost: costExtension(shop, requested, actualCost) } }, { requestedQueryCost: requested });
}

function prepareProductVariants({ shop, args }: Context): Prepared | GraphqlError {
  const page = pageArguments(args, "productVariants");
  if ("message" in page) return page;
  let terms: string[] | undefined;
  if (args.query !== undefined && args.query !== null) {
    if (typeof args.query !== "string") return invalidArgument("query", "String", args.query);
    const parsed = parseSkuQuery(args.query);
    if ("message" in parsed) return parsed;
    terms = parsed.terms.map((term) => term.toLowerCase());
  }
  return {
    cost: 2 + page.first,
    run: () => {
      const matching = [...shop.variants.values()]
        .filter((variant) => !terms || (variant.sku !== null && terms.some((term) => variant.sku!.toLowerCase().startsWith(term))))
        .sort((a, b) => compareIds(a.numericId, b.numericId));
      const { nodes, pageInfo } = pageOf(matching, page);
      return {
        payload: { nodes: nodes.map((variant) => ({ id: variant.id, sku: variant.sku, inventoryItem: { id: variant.inventoryItemId, tracked: variant.tracked } })), pageInfo },
        actualCost: 2 + nodes.length,
      };
    },
  };
}

function prepareLocations({ shop, args }: Context): Prepared | GraphqlError {
  const page = pageArguments(args, "locations");
  if ("message" in page) return page;
  const includeInactive = args.includeInactive ?? false;
  if (typeof includeInactive !== "boolean") return invalidArgument("includeInactive", "Boolean", includeInactive);
  return {
    cost: 2 + page.first,
    run: () => {
      const matching = [...shop.locations.values()].filter((location) => includeInactive || location.isActive).sort((a, b) => compareIds(a.numericId, b.numericId));
      const { nodes, pageInfo } = pageOf(matching, page);
      return { payload: { nodes: nodes.map(({ id, name, isActive }) => ({ id, name, isActive })), pageInfo }, actualCost: 2 + nodes.length };
    },
  };
}

interface QuantityInput {
  inventoryItemId: string;
  locationId: string;
  quantity: number;
  compareQuantity?: number | null;
  changeFromQuantity?: number | null;
}

function prepareSetQuantities({ shop, version, args, idempotencyKey }: Context): Prepared | GraphqlError {
  const input = args.input;
  const casRedesign = atLeast(version, "2026-01");
  const casMandatory = atLeast(version, "2026-04");
  const inputFields = ["name", "reason", "referenceDocumentUri", "quantities", ...(casMandatory ? [] : ["ignoreCompareQuantity"])];
  const quantityFields = ["inventoryItemId", "locationId", "quantity", ...(casMandatory ? [] : ["compareQuantity"]), ...(casRedesign ? ["changeFromQuantity"] : [])];

  // Coercion of the input variable, as a GraphQL server does before running anything.
  const problem = (path: Array<string | number>, explanation: string): GraphqlError => ({
    message: `Variable $input of type InventorySetQuantitiesInput! was provided invalid value for ${path.join(".")} (${explanation})`,
    extensions: { value: input, problems: [{ path, explanation }] },
  });
  if (typeof input !== "object" || input === null || Array.isArray(input)) return problem([], "Expected value to not be null");
  const record = input as Record<string, unknown>;
  for (const name of Object.keys(record)) if (!inputFields.includes(name)) return problem([name], "Field is not defined on InventorySetQuantitiesInput");
  for (const name of ["name", "reason"] as const) if (typeof record[name] !== "string") return problem([name], "Expected value to not be null");
  if (record.referenceDocumentUri !== undefined && record.referenceDocumentUri !== null && typeof record.referenceDocumentUri !== "string") {
    return problem(["referenceDocumentUri"], `Could not coerce value ${JSON.stringify(record.referenceDocumentUri)} to String`);
  }
  if (record.ignoreCompareQuantity !== undefined && record.ignoreCompareQuantity !== null && typeof record.ignoreCompareQuantity !== "boolean") {
    return problem(["ignoreCompareQuantity"], `Could not coerce value ${JSON.stringify(record.ignoreCompareQuantity)} to Boolean`);
  }
  if (!Array.isArray(record.quantities)) return problem(["quantities"], "Expected value to be a list");
  if (record.quantities.length > GRAPHQL_MAX_INPUT) {
    return {
      message: `The input array size of ${record.quantities.length} is greater than the maximum allowed of ${GRAPHQL_MAX_INPUT}.`,
      extensions: { code: "MAX_INPUT_SIZE_EXCEEDED", path: ["inventorySetQuantities", "input", "quantities"] },
    };
  }
  const quantities: QuantityInput[] = [];
  for (const [index, value] of record.quantities.entries()) {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return problem(["quantities", index], "Expected value to not be null");
    const entry = value as Record<string, unknown>;
    for (const name of Object.keys(entry)) if (!quantityFields.includes(name)) return problem(["quantities", index, name], `Field is not defined on ${casMandatory ? "InventorySetQuantityInput" : "InventoryQuantityInput"}`);
    for (const name of ["inventoryItemId", "locationId"] as const) if (typeof entry[name] !== "string") return problem(["quantities", index, name], "Expected value to not be null");
    for (const name of ["quantity", "compareQuantity", "changeFromQuantity"] as const) {
      const number = entry[name];
      if ((number === undefined || number === null) && name !== "quantity") continue;
      if (typeof number !== "number" || !Number.isInteger(number) || Math.abs(number) > INT_MAX) {
        return problem(["quantities", index, name], `Could not coerce value ${JSON.stringify(number ?? null)} to Int`);
      }
    }
    if (casMandatory && !("changeFromQuantity" in entry)) {
      // Announced for 2026-04 as a runtime error (shopify.md §5.3); its exact wording is unconfirmed.
      return {
        message: `quantities.${index}.changeFromQuantity must be given as of API version 2026-04: pass the quantity you expect, or null to skip the check.`,
        extensions: { code: "CHANGE_FROM_QUANTITY_REQUIRED" },
      };
    }
    quantities.push(entry as unknown as QuantityInput);
  }
  if (record.name === "on_hand") return notImplemented(`inventorySetQuantities with name "on_hand" (only "available")`);

  const fingerprint = JSON.stringify(["inventorySetQuantities", input]);
  return {
    cost: SET_QUANTITIES_COST,
    run: () => {
      if (idempotencyKey !== undefined) {
        const seen = shop.idempotency.get(idempotencyKey);
        if (seen && seen.fingerprint === fingerprint) return { payload: seen.payload, actualCost: SET_QUANTITIES_COST };
        if (seen) {
          return {
            payload: { inventoryAdjustmentGroup: null, userErrors: [{ field: null, message: "The same idempotency key cannot be used with different operation parameters.", code: "IDEMPOTENCY_KEY_PARAMETER_MISMATCH" }] },
            actualCost: SET_QUANTITIES_COST,
          };
        }
      }
      const payload = setQuantities(shop, record, quantities);
      if (idempotencyKey !== undefined) shop.idempotency.set(idempotencyKey, { fingerprint, payload });
      return { payload, actualCost: SET_QUANTITIES_COST };
    },
  };
}

/** Checks every quantity, then applies all of them or none. */
function setQuantities(shop: Shop, input: Record<string, unknown>, quantities: QuantityInput[]): unknown {
  const userErrors: Array<{ field: string[] | null; message: string; code: string }> = [];
  const fail = (field: string[] | null, code: string, message: string) => userErrors.push({ field, message, code });
  if (input.name !== "available") fail(["input", "name"], "INVALID_NAME", "The quantity name must be either 'available' or 'on_hand'.");
  if (!INVENTORY_REASONS.has(input.reason as string)) fail(["input", "reason"], "INVALID_REASON", "The specified reason is invalid.");
  const reference = input.referenceDocumentUri;
  if (typeof reference === "string" && !/^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(reference)) {
    fail(["input", "referenceDocumentUri"], "INVALID_REFERENCE_DOCUMENT", "The specified reference document is invalid.");
  }
  const seen = new Set<string>();
  const current: number[] = [];
  for (const [index, quantity] of quantities.entries()) {
    const at = (name?: string) => ["input", "quantities", String(index), ...(name ? [name] : [])];
    const location = shop.locations.get(quantity.locationId);
    const item = shop.items.get(quantity.inventoryItemId);
    const level = levelOf(shop, quantity.inventoryItemId, quantity.locationId);
    current.push(level ?? 0);
    if (!location || !location.isActive) fail(at("locationId"), "INVALID_LOCATION", "The specified location could not be found.");
    else if (!item) fail(at("inventoryItemId"), "INVALID_INVENTORY_ITEM", "The specified inventory item could not be found.");
    else if (level === undefined) fail(at("inventoryItemId"), "ITEM_NOT_STOCKED_AT_LOCATION", "The specified inventory item is not stocked at the location.");
    const pair = levelKey(quantity.inventoryItemId, quantity.locationId);
    if (seen.has(pair)) {
      fail(at(), "NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR", "The combination of inventoryItemId and locationId must be unique.");
    }
    seen.add(pair);
    if (quantity.quantity > QUANTITY_LIMIT) fail(at("quantity"), "INVALID_QUANTITY_TOO_HIGH", "The quantity can't be higher than 1,000,000,000.");
    if (quantity.quantity < -QUANTITY_LIMIT) fail(at("quantity"), "INVALID_QUANTITY_TOO_LOW", "The quantity can't be lower than -1,000,000,000.");
    if (level === undefined) continue;
    if ("changeFromQuantity" in quantity) {
      if (quantity.changeFromQuantity !== null && quantity.changeFromQuantity !== level) {
        fail(at("changeFromQuantity"), "CHANGE_FROM_QUANTITY_STALE", "The changeFromQuantity value does not match persisted value.");
      }
    } else if (input.ignoreCompareQuantity !== true) {
      if (quantity.compareQuantity === undefined || quantity.compareQuantity === null) {
        fail(at("compareQuantity"), "COMPARE_QUANTITY_REQUIRED", "The compareQuantity argument must be given to each quantity or ignored using ignoreCompareQuantity.");
      } else if (quantity.compareQuantity !== level) {
        fail(at("compareQuantity"), "COMPARE_QUANTITY_STALE", "The compareQuantity value does not match persisted value.");
      }
    }
  }
  if (userErrors.length > 0) return { inventoryAdjustmentGroup: null, userErrors };

  const changes = quantities.map((quantity, index) => {
    shop.levels.set(levelKey(quantity.inventoryItemId, quantity.locationId), quantity.quantity);
    return {
      name: "available",
      delta: quantity.quantity - current[index],
      quantityAfterChange: quantity.quantity,
      item: { id: quantity.inventoryItemId },
      location: { id: quantity.locationId },
    };
  });
  shop.adjustmentGroups += 1;
  return {
    inventoryAdjustmentGroup: {
      id: `gid://shopify/InventoryAdjustmentGroup/${shop.adjustmentGroups}`,
      createdAt: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
      reason: input.reason,
      referenceDocumentUri: reference ?? null,
      changes,
    },
    userErrors: [],
  };
}

/** `first` (1–250) and an optional `after` cursor; `last`/`before` are not implemented. */
function pageArguments(args: Record<string, unknown>, field: string): { first: number; after: bigint | null } | GraphqlError {
  const { first, after } = args;
  if (first === undefined || first === null) return { message: "you must provide one of first or last", extensions: { code: "argumentLiteralsIncompatible", field } };
  if (typeof first !== "number" || !Number.isInteger(first)) return invalidArgument("first", "Int", first);
  if (first < 0 || first > GRAPHQL_MAX_PAGE) return { message: `The first argument must be between 0 and ${GRAPHQL_MAX_PAGE}`, extensions: { code: "argumentLiteralsIncompatible", field } };
  if (after === undefined || after === null) return { first, after: null };
  if (typeof after !== "string") return invalidArgument("after", "String", after);
  const cursor = decodeGraphqlCursor(after);
  if (cursor === null) return { message: `Invalid cursor for current pagination sort.`, extensions: { code: "argumentLiteralsIncompatible", field } };
  return { first, after: cursor };
}

function pageOf<T extends { numericId: bigint }>(sorted: T[], page: { first: number; after: bigint | null }) {
  const start = page.after === null ? 0 : firstIndex(sorted, (node) => node.numericId > page.after!);
  const nodes = sorted.slice(start, start + page.first);
  const last = nodes.at(-1);
  return {
    nodes,
    pageInfo: { hasNextPage: start + nodes.length < sorted.length, endCursor: last ? encodeGraphqlCursor(last.numericId) : null },
  };
}

// Shopify's GraphQL cursors are opaque base64; this one holds the last id.
const encodeGraphqlCursor = (id: bigint) => Buffer.from(JSON.stringify({ last_id: id.toString() })).toString("base64url");

function decodeGraphqlCursor(text: string): bigint | null {
  try {
    const value = JSON.parse(Buffer.from(text, "base64url").toString("utf8")) as { last_id?: unknown };
    return typeof value.last_id === "string" && /^\d+$/.test(value.last_id) ? BigInt(value.last_id) : null;
  } catch {
    return null;
  }
}

/** `sku:A OR sku:"B C"`: the values, unescaped. */
function parseSkuQuery(text: string): { terms: string[] } | GraphqlError {
  const terms: string[] = [];
  let i = 0;
  const skipSpaces = () => {
    while (text[i] === " ") i++;
  };
  skipSpaces();
  while (i < text.length) {
    if (terms.length > 0) {
      if (!text.startsWith("OR ", i)) return notImplemented(`the search ${JSON.stringify(text)}: only sku:<value> terms joined by OR`);
      i += 3;
      skipSpaces();
    }
    if (!text.startsWith("sku:", i)) return notImplemented(`the search ${JSON.stringify(text)}: only sku:<value> terms joined by OR`);
    i += 4;
    let value = "";
    if (text[i] === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) value += text[i] === "\\" ? text[++i] ?? "" : text[i];
      if (text[i] !== '"') return notImplemented(`the search ${JSON.stringify(text)}: an unterminated quoted value`);
      i++;
    } else {
      while (i < text.length && text[i] !== " ") value += text[i++];
    }
    if (value === "") return notImplemented(`the search ${JSON.stringify(text)}: an empty value`);
    terms.push(value);
    skipSpaces();
  }
  return { terms };
}

function restore(shop: Shop, t: number): void {
  const elapsedSeconds = Math.max(0, t - shop.graphqlAt) / 1000;
  shop.graphqlAvailable = Math.min(shop.graphqlMaximumAvailable, shop.graphqlAvailable + elapsedSeconds * shop.graphqlRestoreRate);
  shop.graphqlAt = t;
}

function bucketState(shop: Shop): FakeGraphqlBucket {
  return { maximumAvailable: shop.graphqlMaximumAvailable, currentlyAvailable: Math.floor(shop.graphqlAvailable + 1e-9), restoreRate: shop.graphqlRestoreRate };
}

function costExtension(shop: Shop, requested: number, actual: number | null) {
  return { requestedQueryCost: requested, actualQueryCost: actual, throttleStatus: bucketState(shop) };
}

function graphqlErrors(...errors: GraphqlError[]): Reply {
  return graphqlReply(200, { errors });
}

function graphqlReply(status: number, body: unknown, logged: Partial<FakeLoggedGraphql> = {}): Reply {
  return { ...json(status, body), graphql: logged as FakeLoggedGraphql };
}

const notImplemented = (what: string): GraphqlError => ({ message: `${what} is not implemented by the fake Shopify server` });

const invalidArgument = (name: string, type: string, value: unknown): GraphqlError => ({
  message: `Argument '${name}' has an invalid value (${JSON.stringify(value)}). Expected type '${type}'.`,
  extensions: { code: "argumentLiteralsIncompatible", argumentName: name },
});

const atLeast = (version: string, minimum: string) => version === "unstable" || version >= minimum;
const compareIds = (a: bigint, b: bigint) => (a === b ? 0 : a < b ? -1 : 1);
const levelKey = (inventoryItemId: string, locationId: string) => `${inventoryItemId} ${locationId}`;

/** Available of an item at a location where it is stocked; undefined where it is not (or either is unknown). */
function levelOf(shop: Shop, inventoryItemId: string, locationId: string): number | undefined {
  const item = shop.items.get(inventoryItemId);
  if (!item || !shop.locations.has(locationId)) return undefined;
  const stored = shop.levels.get(levelKey(inventoryItemId, locationId));
  if (stored !== undefined) return stored;
  return item.stockedAt === "everywhere" || item.stockedAt.has(locationId) ? 0 : undefined;
}

function inventoryLevels(shop: Shop): FakeInventoryLevel[] {
  const items = [...shop.items.values()].sort((a, b) => compareIds(BigInt(ITEM_GID.exec(a.inventoryItemId)![1]), BigInt(ITEM_GID.exec(b.inventoryItemId)![1])));
  const locations = [...shop.locations.values()].sort((a, b) => compareIds(a.numericId, b.numericId));
  const levels: FakeInventoryLevel[] = [];
  for (const item of items) {
    for (const location of locations) {
      const available = levelOf(shop, item.inventoryItemId, location.id);
      if (available !== undefined) levels.push({ inventoryItemId: item.inventoryItemId, locationId: location.id, available });
    }
  }
  return levels;
}

/** For the request log: the root field and variables, even of a request a fault or throttle answered. */
function describeGraphql(body: string): FakeLoggedGraphql {
  try {
    const request = JSON.parse(body) as { query?: unknown; variables?: unknown };
    let rootField: string | null = null;
    try {
      rootField = typeof request.query === "string" ? (parseOperation(request.query).fields[0]?.name ?? null) : null;
    } catch {
      rootField = null;
    }
    return { rootField, variables: request.variables ?? null };
  } catch {
    return { rootField: null, variables: null };
  }
}

function forgetItem(shop: Shop, variant: StoredVariant): void {
  shop.items.delete(variant.inventoryItemId);
  for (const key of [...shop.levels.keys()]) if (key.startsWith(`${variant.inventoryItemId} `)) shop.levels.delete(key);
}

function readList(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new ControlError(400, `${what} must be a JSON array`);
  return value;
}

function readVariant(value: unknown, index: number): { variant: StoredVariant; levels: Map<string, number> } {
  const seed = (value ?? {}) as Partial<FakeShopifyVariant>;
  const where = `variant #${index}`;
  const id = typeof seed.id === "string" ? VARIANT_GID.exec(seed.id) : null;
  if (!id) throw new ControlError(400, `${where}: id must be a gid://shopify/ProductVariant/<n>`);
  if (typeof seed.inventoryItemId !== "string" || !ITEM_GID.test(seed.inventoryItemId)) throw new ControlError(400, `${where}: inventoryItemId must be a gid://shopify/InventoryItem/<n>`);
  if (seed.sku !== null && typeof seed.sku !== "string") throw new ControlError(400, `${where}: sku must be a string or null`);
  if (seed.tracked !== undefined && typeof seed.tracked !== "boolean") throw new ControlError(400, `${where}: tracked must be a boolean`);
  const levels = new Map<string, number>();
  if (seed.available !== undefined) {
    if (typeof seed.available !== "object" || seed.available === null) throw new ControlError(400, `${where}: available must map location gids to quantities`);
    for (const [locationId, quantity] of Object.entries(seed.available)) {
      if (!LOCATION_GID.test(locationId)) throw new ControlError(400, `${where}: ${locationId} is not a gid://shopify/Location/<n>`);
      if (!Number.isInteger(quantity)) throw new ControlError(400, `${where}: available at ${locationId} must be an integer`);
      levels.set(locationId, quantity);
    }
  }
  return {
    variant: {
      id: seed.id!,
      numericId: BigInt(id[1]),
      sku: seed.sku ?? null,
      inventoryItemId: seed.inventoryItemId,
      tracked: seed.tracked ?? true,
      stockedAt: seed.available === undefined ? "everywhere" : new Set(levels.keys()),
    },
    levels,
  };
}

function readLocation(value: unknown, index: number): StoredLocation {
  const seed = (value ?? {}) as Partial<FakeShopifyLocation>;
  const id = typeof seed.id === "string" ? LOCATION_GID.exec(seed.id) : null;
  if (!id) throw new ControlError(400, `location #${index}: id must be a gid://shopify/Location/<n>`);
  if (typeof seed.name !== "string" || seed.name === "") throw new ControlError(400, `location #${index}: name must be a non-empty string`);
  if (seed.isActive !== undefined && typeof seed.isActive !== "boolean") throw new ControlError(400, `location #${index}: isActive must be a boolean`);
  return { id: seed.id!, numericId: BigInt(id[1]), name: seed.name, isActive: seed.isActive ?? true };
}

// ---------------------------------------------------------------------------------------------------------
// GraphQL documents, just enough of them: one operation, its root fields with their arguments and directives.

type GqlValue = { variable: string } | { literal: unknown } | { unsupported: string };

interface GqlField {
  alias?: string;
  name: string;
  args: Map<string, GqlValue>;
  directives: Array<{ name: string; args: Map<string, GqlValue> }>;
}

interface GqlOperation {
  type: "query" | "mutation" | "subscription";
  fields: GqlField[];
}

function resolveValue(value: GqlValue, variables: Record<string, unknown>): { value: unknown } | { error: GraphqlError } {
  if ("variable" in value) return { value: variables[value.variable] };
  if ("literal" in value) return { value: value.literal };
  return { error: notImplemented(`${value.unsupported} literals in the query text (send them as variables)`) };
}

const NAME = /[_A-Za-z][_0-9A-Za-z]*/y;
const NUMBER = /-?\d+(\.\d+)?([eE][+-]?\d+)?/y;

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === " " || c === "\t" || c === "\n" || c === "\r" || c === "," || c === "\uFEFF") {
      i++;
    } else if (c === "#") {
      while (i < text.length && text[i] !== "\n") i++;
    } else if (text.startsWith('"""', i)) {
      const end = text.indexOf('"""', i + 3);
      if (end === -1) throw new Error("Syntax error: unterminated block string");
      tokens.push(JSON.stringify(text.slice(i + 3, end)));
      i = end + 3;
    } else if (c === '"') {
      const end = skipString(text, i);
      if (text[end - 1] !== '"' || end - 1 === i) throw new Error("Syntax error: unterminated string");
      tokens.push(text.slice(i, end));
      i = end;
    } else if (text.startsWith("...", i)) {
      tokens.push("...");
      i += 3;
    } else if ("{}()[]:$@!=|&".includes(c)) {
      tokens.push(c);
      i++;
    } else {
      const pattern = /[-\d]/.test(c) ? NUMBER : NAME;
      pattern.lastIndex = i;
      const match = pattern.exec(text);
      if (!match) throw new Error(`Syntax error: unexpected character ${JSON.stringify(c)}`);
      tokens.push(match[0]);
      i += match[0].length;
    }
  }
  return tokens;
}

function parseOperation(text: string): GqlOperation {
  const tokens = tokenize(text);
  let p = 0;
  const peek = () => tokens[p];
  const next = () => {
    if (p >= tokens.length) throw new Error("Syntax error: unexpected end of document");
    return tokens[p++];
  };
  const expect = (token: string) => {
    const got = next();
    if (got !== token) throw new Error(`Syntax error: expected ${token}, got ${got}`);
  };
  const isName = (token: string | undefined) => token !== undefined && /^[_A-Za-z][_0-9A-Za-z]*$/.test(token);
  const skipBalanced = (open: string, close: string) => {
    let depth = 0;
    do {
      const token = next();
      if (token === open) depth++;
      else if (token === close) depth--;
    } while (depth > 0);
  };
  const parseValue = (): GqlValue => {
    const token = next();
    if (token === "$") return { variable: next() };
    if (token.startsWith('"')) return { literal: JSON.parse(token) as string };
    if (/^-?\d/.test(token)) return { literal: Number(token) };
    if (token === "true" || token === "false") return { literal: token === "true" };
    if (token === "null") return { literal: null };
    if (token === "[" || token === "{") {
      p--;
      skipBalanced(token, token === "[" ? "]" : "}");
      return { unsupported: token === "[" ? "list" : "object" };
    }
    if (isName(token)) return { unsupported: "enum" };
    throw new Error(`Syntax error: unexpected ${token}`);
  };
  const parseArguments = (): Map<string, GqlValue> => {
    const args = new Map<string, GqlValue>();
    if (peek() !== "(") return args;
    next();
    while (peek() !== ")") {
      const name = next();
      if (!isName(name)) throw new Error(`Syntax error: expected an argument name, got ${name}`);
      expect(":");
      args.set(name, parseValue());
    }
    next();
    return args;
  };
  const parseDirectives = () => {
    const directives: GqlField["directives"] = [];
    while (peek() === "@") {
      next();
      const name = next();
      if (!isName(name)) throw new Error(`Syntax error: expected a directive name, got ${name}`);
      directives.push({ name, args: parseArguments() });
    }
    return directives;
  };

  let type: GqlOperation["type"] = "query";
  const first = peek();
  if (first === "query" || first === "mutation" || first === "subscription") {
    type = first;
    next();
    if (isName(peek())) next();
    if (peek() === "(") skipBalanced("(", ")");
    parseDirectives();
  } else if (first !== "{") {
    throw new Error(first === "fragment" ? notImplemented("fragments").message : `Syntax error: unexpected ${first ?? "end of document"}`);
  }
  expect("{");
  const fields: GqlField[] = [];
  while (peek() !== "}") {
    if (peek() === "...") throw new Error(notImplemented("fragment spreads and inline fragments at the root").message);
    let name = next();
    let alias: string | undefined;
    if (!isName(name)) throw new Error(`Syntax error: expected a field, got ${name}`);
    if (peek() === ":") {
      next();
      alias = name;
      name = next();
      if (!isName(name)) throw new Error(`Syntax error: expected a field, got ${name}`);
    }
    const args = parseArguments();
    const directives = parseDirectives();
    if (peek() === "{") skipBalanced("{", "}");
    fields.push({ alias, name, args, directives });
  }
  next();
  if (p < tokens.length) throw new Error(notImplemented("documents with more than one operation, or with fragments").message);
  return { type, fields };
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
  if (reply.graphql) entry.graphql = reply.graphql;
  return entry;
}
