/**
 * @module
 * A fake Mozello Store API for tests: a plain `node:http` server (no dependencies) that a Worker under test
 * reaches by real outbound fetch. Start it from vitest's Node-side `globalSetup` and hand its URL to the Worker.
 *
 * It imitates what the inbox's Mozello client depends on (woocommerce-mozello.md Part B):
 * - `Authorization: ApiKey <key>`, with Mozello's 401 body `{"error":true,"error_code":401,"error_message":"Unauthorized"}`;
 * - `GET`/`PUT /store/notifications/` (`{notifications_url, notifications_wanted}`);
 * - `GET /store/orders/` with `page_size`, `filter=created_at|modified_at<op><YYYY-MM-DD HH:MM:SS>`, `archived`
 *   (absent: unarchived orders only), `desc` and paging by `next_page_link` (a full URL) or `next_page_uri`
 *   (relative; config `nextPage`) with `page_start=id:<order_id>`, and `GET /store/order/<order_id>/`;
 * - `GET /store/products/` (paged the same way, `page_start=id:<handle>`), `GET`/`PUT /store/product/<handle>/`
 *   (stock only, variants by `variant_handle`) and `POST /store/products/batch_update_by_sku/` (≤ 1000 items);
 * - a rate limit of 5 requests in any 1-second window, answered with 429 and `Retry-After: 1`;
 * - injected faults and a request log, driven over HTTP by `./mozello-control.ts`.
 *
 * Many stores live in one server, each under its own path prefix, so test files running in parallel do not
 * share state: the client's base URL is `${url}/stores/<storeKey>`, standing in for `https://api.mozello.com/v1`
 * (the client appends `/store/...`). Control endpoints live under `${url}/__control/<storeKey>/...`.
 *
 * What is the fake's own choice, because Mozello's behaviour is unknown (Part B marks all of it unconfirmed):
 * - The rate limit's answer. Mozello states "5 requests per second"; a third-party note says more than 300 a
 *   minute gives a temporary 403. What a burst really gets is unknown; this fake answers 429 with
 *   `Retry-After: 1`. Use a fault (`status: 403`) to test the other reading.
 * - Paging order and cursors: orders by `created_at`, then `order_id` (numeric suffix compared as a number);
 *   products in the order they were seeded. `page_start=id:<x>` names the first item of the next page.
 *   `next_page_uri` is `/store/orders/?page_size=N&page_start=id:<order_id>` followed by the request's own
 *   `filter`, `archived` and `desc` (so following it literally keeps the filter), and null on the last page.
 * - Strictness: paths must end with `/` as documented; `page_size` is 1–100; an unknown query parameter, a
 *   filter on anything but `created_at`, a product PUT touching anything but stock, or a variant handle the
 *   product does not have is refused with 400 rather than ignored, so a test cannot pass on a no-op.
 * - Batch results: HTTP 200 for success or partial success (B1), with `results[]` of
 *   `{"sku","error":false}` or `{"sku","error":true,"error_code":404,"error_message":"Product not found"}`;
 *   with config `batchResults: "none"`, only `{"error":false}` (the stock is still set: what Mozello does
 *   is unknown, the point is that the client cannot tell).
 * - Archived orders: listed only with `archived=true`; without the parameter, unarchived ones only
 *   (so a client that never asks misses every paid, dispatched order, which Mozello archives).
 * - `modified_at`: the time an order was seeded or last replaced through the control API (server clock, UTC).
 * - Answers the fake builds itself are written PHP-style (`\/`, `\uXXXX`) like Mozello's notifications.
 *
 * Orders are kept as the raw JSON text they were seeded with and spliced into responses, never
 * re-serialised, so numbers come back as written. Products are parsed, since stock writes change them.
 *
 * @example
 * ```ts
 * // test/global-setup.ts
 * const mozello = await startFakeMozello();
 * project.provide("mozelloUrl", mozello.url);
 * return () => mozello.close();
 * ```
 */
import { ControlError, type FakeListenOptions, type FakeServer, listenFake, parseControlJson, readRequestBody, safeDecode, splitArray } from "./fake-kit";
import http from "node:http";
import type {
  FakeMozelloConfig,
  FakeMozelloFault,
  FakeMozelloLoggedRequest,
  FakeMozelloNotifications,
  FakeMozelloProduct,
  FakeMozelloVariant,
} from "./mozello-control";

export interface FakeMozelloOptions extends FakeListenOptions {
  /** Stores to create at start, as `PUT /__control/<storeKey>/config` would. */
  stores?: Record<string, FakeMozelloConfig>;
  /** Monotonic clock in milliseconds for the rate limit; `performance.now` by default. */
  now?: () => number;
}

export type FakeMozello = FakeServer;

const DEFAULT_RATE_PER_SECOND = 5;
const RATE_WINDOW_MS = 1000;
const DEFAULT_PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 100;
const MAX_BATCH = 1000;
const STORE_KEY = /^[A-Za-z0-9._-]{1,100}$/;
const CREATED_AT = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
const EVENTS = new Set(["ORDER_CREATED", "ORDER_DELETED", "PAYMENT_CHANGED", "DISPATCH_CHANGED", "PRODUCT_CHANGED", "PRODUCT_DELETED", "STOCK_CHANGED"]);
const LOGGED_HEADERS = ["authorization", "user-agent", "accept", "content-type"] as const;

interface StoredOrder {
  id: string;
  createdAt: string;
  /** When the order was seeded or last replaced, "YYYY-MM-DD HH:MM:SS" UTC. */
  modifiedAt: string;
  archived: boolean;
  /** The order object as seeded (trimmed), served verbatim. */
  raw: string;
}

interface PendingFault {
  status: number;
  remaining: number;
  retryAfter?: string;
  body: string;
}

interface Store {
  key: string;
  apiKey: string;
  alias: string;
  ratePerSecond: number;
  nextPage: "link" | "uri";
  orderFilters: Array<"created_at" | "modified_at">;
  batchResults: "per-item" | "none";
  /** Monotonic times of the requests served (not refused) within the last window. */
  served: number[];
  notifications: FakeMozelloNotifications;
  orders: Map<string, StoredOrder>;
  /** Insertion order is listing order. */
  products: Map<string, FakeMozelloProduct>;
  faults: PendingFault[];
  log: FakeMozelloLoggedRequest[];
}

interface Reply {
  status: number;
  headers?: Record<string, string>;
  body: string;
  fault?: boolean;
  rateLimited?: boolean;
}

/** Starts the fake on an ephemeral port of 127.0.0.1 (by default). */
export async function startFakeMozello(options: FakeMozelloOptions = {}): Promise<FakeMozello> {
  const now = options.now ?? (() => performance.now());
  const stores = new Map<string, Store>();
  for (const [key, config] of Object.entries(options.stores ?? {})) stores.set(key, newStore(key, validateConfig(config)));

  const server = http.createServer((req, res) => {
    handle(req, stores, now).then(
      (reply) => send(res, reply),
      (error: unknown) => send(res, mozelloError(500, `fake Mozello failed: ${String(error)}`)),
    );
  });
  return listenFake(server, options);
}

async function handle(req: http.IncomingMessage, stores: Map<string, Store>, now: () => number): Promise<Reply> {
  const url = new URL(req.url ?? "/", "http://fake.invalid");
  const segments = url.pathname.split("/").slice(1).map(safeDecode);
  const method = req.method ?? "GET";
  const body = await readRequestBody(req).then((buffer) => buffer.toString("utf8"));

  if (segments[0] === "__control") {
    try {
      return controlRequest(method, segments.slice(1), body, stores);
    } catch (error) {
      if (error instanceof ControlError) return { status: error.status, headers: jsonHeaders(), body: JSON.stringify({ error: error.message }) };
      throw error;
    }
  }

  if (segments[0] === "stores" && segments[1] !== undefined) {
    const store = stores.get(segments[1]);
    if (!store) return mozelloError(404, "Not Found");
    const time = Date.now();
    // As the client sent it, minus the /stores/<storeKey> prefix.
    const subPath = "/" + url.pathname.split("/").slice(3).join("/") + url.search;
    const reply = apiRequest(req, method, segments.slice(2), url, body, store, now, `http://${req.headers.host ?? "127.0.0.1"}/stores/${encodeURIComponent(store.key)}`);
    store.log.push(logEntry(req, method, subPath, body, time, reply));
    return reply;
  }

  return mozelloError(404, "Not Found");
}

// ---------------------------------------------------------------------------------------------------------
// Store API

function apiRequest(req: http.IncomingMessage, method: string, path: string[], url: URL, body: string, store: Store, now: () => number, base: string): Reply {
  if (req.headers.authorization !== `ApiKey ${store.apiKey}`) return mozelloError(401, "Unauthorized");

  const fault = store.faults[0];
  if (fault) {
    if (--fault.remaining <= 0) store.faults.shift();
    // Faults take no slot in the rate window.
    return { ...raw(fault.status, fault.body, fault.retryAfter !== undefined ? { "retry-after": fault.retryAfter } : {}), fault: true };
  }

  // Sliding window over the requests served in the last second: (t − 1000 ms, t]. A client spacing its
  // requests exactly 200 ms apart stays within 5. A refused request takes no slot.
  if (store.ratePerSecond > 0) {
    const t = now();
    store.served = store.served.filter((at) => at > t - RATE_WINDOW_MS);
    if (store.served.length >= store.ratePerSecond) {
      return { ...mozelloError(429, "Too Many Requests", { "retry-after": "1" }), rateLimited: true };
    }
    store.served.push(t);
  }

  try {
    return route(method, path, url, body, store, base);
  } catch (error) {
    if (error instanceof ApiError) return mozelloError(error.status, error.message);
    throw error;
  }
}

/** A refused API request; becomes Mozello's error body with this status. */
class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

function route(method: string, path: string[], url: URL, body: string, store: Store, base: string): Reply {
  // Documented paths end with "/": ["store", "orders", ""].
  if (path.length < 2 || path[path.length - 1] !== "" || path[0] !== "store") {
    throw new ApiError(404, `Not Found (the fake serves /store/... paths ending with "/")`);
  }
  const parts = path.slice(1, -1);
  const allow = (...methods: string[]) => {
    if (!methods.includes(method)) throw new ApiError(405, `${method} is not implemented by the fake Mozello server for this path`);
  };
  const resource = parts.length === 1 ? parts[0] : parts.length === 2 ? `${parts[0]}/*` : "";

  switch (resource) {
    case "notifications":
      allow("GET", "PUT");
      onlyParams(url, []);
      if (method === "PUT") store.notifications = updateNotifications(store.notifications, body);
      return ok({ notifications_url: store.notifications.notifications_url, notifications_wanted: store.notifications.notifications_wanted });
    case "orders":
      allow("GET");
      return listOrders(url, store, base);
    case "order/*": {
      allow("GET");
      onlyParams(url, []);
      const order = store.orders.get(parts[1]);
      if (!order) throw new ApiError(404, "Order not found");
      return raw(200, `{"error":false,"order":${order.raw}}`);
    }
    case "products":
      allow("GET");
      return listProducts(url, store);
    case "product/*": {
      allow("GET", "PUT");
      onlyParams(url, []);
      const product = store.products.get(parts[1]);
      if (!product) throw new ApiError(404, "Product not found");
      if (method === "PUT") updateProduct(product, body);
      return ok({ product });
    }
    case "products/*":
      if (parts[1] !== "batch_update_by_sku") break;
      allow("POST");
      onlyParams(url, []);
      {
        const results = batchUpdateBySku(store, body);
        return store.batchResults === "none" ? ok({}) : ok({ results });
      }
  }
  throw new ApiError(404, "Not Found");
}

function onlyParams(url: URL, allowed: string[]): void {
  for (const name of url.searchParams.keys()) {
    if (!allowed.includes(name)) throw new ApiError(400, `query parameter ${JSON.stringify(name)} is not implemented by the fake Mozello server`);
  }
}

function pageSizeOf(url: URL): number {
  const text = url.searchParams.get("page_size");
  if (text === null) return DEFAULT_PAGE_SIZE;
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > MAX_PAGE_SIZE) {
    throw new ApiError(400, `page_size must be an integer 1–${MAX_PAGE_SIZE} (fake's bound), got ${JSON.stringify(text)}`);
  }
  return Number(text);
}

/** `page_start=id:<x>`: the id the page starts at, or undefined. */
function pageStartOf(url: URL): string | undefined {
  const text = url.searchParams.get("page_start");
  if (text === null) return undefined;
  if (!text.startsWith("id:") || text.length === 3) throw new ApiError(400, `page_start must be id:<id>, got ${JSON.stringify(text)}`);
  return text.slice(3);
}

function listOrders(url: URL, store: Store, base: string): Reply {
  const params = url.searchParams;
  onlyParams(url, ["page_size", "page_start", "filter", "desc", "archived"]);
  const pageSize = pageSizeOf(url);
  const start = pageStartOf(url);

  const desc = params.get("desc");
  if (desc !== null && desc !== "0" && desc !== "1") throw new ApiError(400, `desc must be 0 or 1, got ${JSON.stringify(desc)}`);
  const archived = params.get("archived");
  if (archived !== null && archived !== "true" && archived !== "false") {
    throw new ApiError(400, `archived must be true or false, got ${JSON.stringify(archived)}`);
  }
  const filterText = params.get("filter");
  let filter: ((order: StoredOrder) => boolean) | undefined;
  if (filterText !== null) {
    const match = /^([a-z_]+)(>=|<=|!=|>|<|=)(.*)$/.exec(filterText);
    if (!match) throw new ApiError(400, `filter must be <field><op><value>, got ${JSON.stringify(filterText)}`);
    const [, field, op, value] = match;
    if (!(store.orderFilters as string[]).includes(field)) throw new ApiError(400, `filter on ${JSON.stringify(field)} is not supported for orders`);
    if (!CREATED_AT.test(value)) {
      throw new ApiError(400, `${field} filter value must be "YYYY-MM-DD HH:MM:SS", got ${JSON.stringify(value)} (is the filter URL-encoded?)`);
    }
    filter = (order) => compareText(field === "modified_at" ? order.modifiedAt : order.createdAt, value, op);
  }

  let matching = [...store.orders.values()]
    .filter((order) => (filter ? filter(order) : true))
    .filter((order) => order.archived === (archived === "true"))
    .sort(compareOrders);
  if (desc === "1") matching.reverse();

  let from = 0;
  if (start !== undefined) {
    const anchor = store.orders.get(start);
    if (!anchor) throw new ApiError(400, `page_start names no order ${JSON.stringify(start)}`);
    // Keyset: the page starts at the anchor's place in the sort, even if a filter now excludes the anchor.
    from = matching.findIndex((order) => (desc === "1" ? compareOrders(order, anchor) <= 0 : compareOrders(order, anchor) >= 0));
    if (from < 0) from = matching.length;
  }
  matching = matching.slice(from);
  const page = matching.slice(0, pageSize);
  const next = matching[pageSize];

  let nextUri: string | null = null;
  if (next) {
    nextUri = `/store/orders/?page_size=${pageSize}&page_start=id:${encodeURIComponent(next.id)}`;
    if (filterText !== null) nextUri += `&filter=${encodeURIComponent(filterText)}`;
    if (archived !== null) nextUri += `&archived=${archived}`;
    if (desc !== null) nextUri += `&desc=${desc}`;
  }
  const nextField = store.nextPage === "link" ? `"next_page_link":${php(nextUri === null ? null : `${base}${nextUri}`)}` : `"next_page_uri":${php(nextUri)}`;
  return raw(200, `{"error":false,"orders":[${page.map((order) => order.raw).join(",")}],${nextField}}`);
}

function listProducts(url: URL, store: Store): Reply {
  onlyParams(url, ["page_size", "page_start"]);
  const pageSize = pageSizeOf(url);
  const start = pageStartOf(url);
  let products = [...store.products.values()];
  if (start !== undefined) {
    const from = products.findIndex((product) => product.handle === start);
    if (from < 0) throw new ApiError(400, `page_start names no product ${JSON.stringify(start)}`);
    products = products.slice(from);
  }
  const page = products.slice(0, pageSize);
  const next = products[pageSize];
  const nextUri = next ? `/store/products/?page_size=${pageSize}&page_start=id:${encodeURIComponent(next.handle)}` : null;
  return ok({ products: page, next_page_uri: nextUri });
}

function updateNotifications(current: FakeMozelloNotifications, body: string): FakeMozelloNotifications {
  const value = parseApiJson(body) as Record<string, unknown>;
  if (!value || typeof value !== "object" || Array.isArray(value)) throw new ApiError(400, "body must be a JSON object");
  for (const name of Object.keys(value)) {
    if (name !== "notifications_url" && name !== "notifications_wanted") throw new ApiError(400, `unknown field ${JSON.stringify(name)}`);
  }
  const next = { ...current, notifications_wanted: [...current.notifications_wanted] };
  if ("notifications_url" in value) {
    const target = value.notifications_url;
    if (target !== null && (typeof target !== "string" || !/^https?:\/\/\S+$/.test(target))) {
      throw new ApiError(400, "notifications_url must be an http(s) URL or null");
    }
    next.notifications_url = target;
  }
  if ("notifications_wanted" in value) {
    const wanted = value.notifications_wanted;
    if (!Array.isArray(wanted) || wanted.some((event) => typeof event !== "string" || !EVENTS.has(event))) {
      throw new ApiError(400, `notifications_wanted must be an array of ${[...EVENTS].join(", ")}`);
    }
    next.notifications_wanted = [...new Set(wanted as string[])];
  }
  return next;
}

function updateProduct(product: FakeMozelloProduct, body: string): void {
  const value = parseApiJson(body) as { product?: unknown } | null;
  const update = value && typeof value === "object" ? (value.product as Record<string, unknown> | undefined) : undefined;
  if (!update || typeof update !== "object" || Array.isArray(update)) throw new ApiError(400, `body must be {"product":{…}}`);
  for (const name of Object.keys(update)) {
    if (name !== "stock" && name !== "variants") throw new ApiError(400, `product field ${JSON.stringify(name)} is not implemented by the fake Mozello server (stock and variants only)`);
  }
  // Validate everything before changing anything.
  const changes: Array<() => void> = [];
  if ("stock" in update) {
    const stock = checkStock(update.stock, "product.stock");
    changes.push(() => (product.stock = stock));
  }
  if ("variants" in update) {
    if (!Array.isArray(update.variants)) throw new ApiError(400, "product.variants must be an array");
    update.variants.forEach((entry: unknown, index) => {
      const variantUpdate = entry as Record<string, unknown> | null;
      const where = `product.variants[${index}]`;
      if (!variantUpdate || typeof variantUpdate !== "object") throw new ApiError(400, `${where} must be an object`);
      for (const name of Object.keys(variantUpdate)) {
        if (name !== "variant_handle" && name !== "stock") throw new ApiError(400, `${where}.${name} is not implemented by the fake Mozello server (variant_handle and stock only)`);
      }
      // Mozello may replace the whole variant set when handles are missing (unconfirmed); the fake refuses.
      const variant = product.variants?.find((candidate: FakeMozelloVariant) => candidate.variant_handle === variantUpdate.variant_handle);
      if (!variant) throw new ApiError(400, `${where}.variant_handle ${JSON.stringify(variantUpdate.variant_handle)} is not a variant of ${product.handle}`);
      if ("stock" in variantUpdate) {
        const stock = checkStock(variantUpdate.stock, `${where}.stock`);
        changes.push(() => (variant.stock = stock));
      }
    });
  }
  for (const change of changes) change();
}

function batchUpdateBySku(store: Store, body: string): Array<Record<string, unknown>> {
  const value = parseApiJson(body) as { products?: unknown } | null;
  const items = value && typeof value === "object" ? value.products : undefined;
  if (!Array.isArray(items)) throw new ApiError(400, `body must be {"products":[{"sku","stock"}, …]}`);
  if (items.length > MAX_BATCH) throw new ApiError(400, `at most ${MAX_BATCH} products per batch, got ${items.length}`);
  const checked = items.map((entry: unknown, index) => {
    const item = entry as Record<string, unknown> | null;
    if (!item || typeof item !== "object" || typeof item.sku !== "string" || item.sku === "") {
      throw new ApiError(400, `products[${index}].sku must be a non-empty string`);
    }
    for (const name of Object.keys(item)) {
      if (name !== "sku" && name !== "stock") throw new ApiError(400, `products[${index}].${name} is not implemented by the fake Mozello server (sku and stock only)`);
    }
    return { sku: item.sku, stock: checkStock(item.stock, `products[${index}].stock`) };
  });
  return checked.map(({ sku, stock }) => {
    let found = false;
    for (const product of store.products.values()) {
      if (product.sku === sku) {
        product.stock = stock;
        found = true;
      }
      for (const variant of product.variants ?? []) {
        if (variant.sku === sku) {
          variant.stock = stock;
          found = true;
        }
      }
    }
    return found ? { sku, error: false } : { sku, error: true, error_code: 404, error_message: "Product not found" };
  });
}

function checkStock(value: unknown, where: string): number | null {
  if (value === null) return null;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) throw new ApiError(400, `${where} must be a non-negative integer or null`);
  return value;
}

function parseApiJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    throw new ApiError(400, "body must be JSON");
  }
}

function compareText(a: string, b: string, op: string): boolean {
  switch (op) {
    case ">": return a > b;
    case ">=": return a >= b;
    case "<": return a < b;
    case "<=": return a <= b;
    case "=": return a === b;
    default: return a !== b;
  }
}

/** `created_at`, then order_id with its trailing number compared as a number (M-2475405-9 before M-2475405-10). */
function compareOrders(a: StoredOrder, b: StoredOrder): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? -1 : 1;
  return a.id.localeCompare(b.id, "en", { numeric: true });
}

// ---------------------------------------------------------------------------------------------------------
// Control API

function controlRequest(method: string, path: string[], body: string, stores: Map<string, Store>): Reply {
  const [key, action, ...rest] = path;
  if (key === undefined || !STORE_KEY.test(key)) throw new ControlError(404, "unknown control path");
  const storeOrFail = () => {
    const store = stores.get(key);
    if (!store) throw new ControlError(404, `no store ${JSON.stringify(key)}; PUT /__control/${key}/config first`);
    return store;
  };
  const target = `${method} ${action ?? ""}${rest.length === 1 ? "/*" : rest.length > 1 ? "/…" : ""}`;

  switch (target) {
    case "PUT config": {
      const store = newStore(key, validateConfig(parseControlJson(body)));
      stores.set(key, store);
      return control({ storeKey: key, apiKey: store.apiKey, alias: store.alias, ratePerSecond: store.ratePerSecond, nextPage: store.nextPage });
    }
    case "POST orders": {
      const store = storeOrFail();
      const seededAt = new Date().toISOString().slice(0, 19).replace("T", " ");
      const parsed = splitArray(body).map((text, index) => {
        try {
          return readOrder(text, seededAt);
        } catch (error) {
          throw new ControlError(400, `order #${index}: ${(error as Error).message}`);
        }
      });
      for (const order of parsed) store.orders.set(order.id, order);
      return control({ seeded: parsed.length, total: store.orders.size });
    }
    case "DELETE orders/*": {
      const store = storeOrFail();
      if (!store.orders.delete(rest[0])) throw new ControlError(404, `no order ${JSON.stringify(rest[0])}`);
      return control({ ok: true });
    }
    case "POST products": {
      const store = storeOrFail();
      const products = parseControlJson(body);
      if (!Array.isArray(products)) throw new ControlError(400, "products body must be a JSON array");
      products.forEach((product: unknown, index) => validateProduct(product, index));
      for (const product of products as FakeMozelloProduct[]) store.products.set(product.handle, product);
      return control({ seeded: products.length, total: store.products.size });
    }
    case "GET products":
      return control([...storeOrFail().products.values()]);
    case "GET notifications":
      return control(storeOrFail().notifications);
    case "POST faults": {
      const store = storeOrFail();
      store.faults.push(validateFault(parseControlJson(body)));
      return control({ pending: store.faults.reduce((sum, fault) => sum + fault.remaining, 0) });
    }
    case "GET requests":
      return control(storeOrFail().log);
    case "DELETE requests":
      storeOrFail().log = [];
      return control({ ok: true });
    case "DELETE ":
      storeOrFail();
      stores.delete(key);
      return control({ ok: true });
  }
  throw new ControlError(404, `no control route ${method} ${[action ?? "", ...rest].join("/")}`);
}

function newStore(key: string, config: Required<FakeMozelloConfig>): Store {
  return {
    key,
    ...config,
    served: [],
    notifications: config.notifications,
    orders: new Map(),
    products: new Map(),
    faults: [],
    log: [],
  };
}

function validateConfig(value: unknown): Required<FakeMozelloConfig> {
  const config = value as Partial<FakeMozelloConfig> | null;
  if (!config || typeof config.apiKey !== "string" || config.apiKey === "") throw new ControlError(400, "apiKey must be a non-empty string");
  const alias = config.alias ?? "koks";
  if (typeof alias !== "string" || alias === "") throw new ControlError(400, "alias must be a non-empty string");
  const ratePerSecond = config.ratePerSecond ?? DEFAULT_RATE_PER_SECOND;
  if (!Number.isInteger(ratePerSecond) || ratePerSecond < 0) throw new ControlError(400, "ratePerSecond must be a non-negative integer (0: no limit)");
  const nextPage = config.nextPage ?? "link";
  if (nextPage !== "link" && nextPage !== "uri") throw new ControlError(400, `nextPage must be "link" or "uri"`);
  const orderFilters = config.orderFilters ?? ["created_at", "modified_at"];
  if (!Array.isArray(orderFilters) || orderFilters.some((field) => field !== "created_at" && field !== "modified_at")) {
    throw new ControlError(400, "orderFilters must list created_at and/or modified_at");
  }
  const batchResults = config.batchResults ?? "per-item";
  if (batchResults !== "per-item" && batchResults !== "none") throw new ControlError(400, `batchResults must be "per-item" or "none"`);
  const notifications = config.notifications ?? { notifications_url: null, notifications_wanted: [] };
  return { apiKey: config.apiKey, alias, ratePerSecond, nextPage, orderFilters, batchResults, notifications };
}

function validateFault(value: unknown): PendingFault {
  const fault = (value ?? {}) as Partial<FakeMozelloFault>;
  const { status, count } = fault;
  if (typeof status !== "number" || !Number.isInteger(status) || status < 400 || status > 599) {
    throw new ControlError(400, "status must be an integer 400–599");
  }
  if (typeof count !== "number" || !Number.isInteger(count) || count < 1) throw new ControlError(400, "count must be a positive integer");
  let retryAfter: string | undefined;
  if (typeof fault.retryAfter === "number" || typeof fault.retryAfter === "string") retryAfter = String(fault.retryAfter);
  else if (status === 429) retryAfter = "1";
  const body = fault.body ?? php({ error: true, error_code: status, error_message: http.STATUS_CODES[status] ?? "Error" });
  return { status, remaining: count, retryAfter, body };
}

function validateProduct(value: unknown, index: number): void {
  const product = value as Partial<FakeMozelloProduct> | null;
  const where = `product #${index}`;
  if (!product || typeof product !== "object" || Array.isArray(product)) throw new ControlError(400, `${where}: not a JSON object`);
  if (typeof product.handle !== "string" || product.handle === "") throw new ControlError(400, `${where}: "handle" must be a non-empty string`);
  if (product.stock !== undefined && product.stock !== null && (!Number.isInteger(product.stock) || product.stock < 0)) {
    throw new ControlError(400, `${where}: "stock" must be a non-negative integer or null`);
  }
  if (product.variants !== undefined) {
    if (!Array.isArray(product.variants)) throw new ControlError(400, `${where}: "variants" must be an array`);
    for (const variant of product.variants) {
      if (!variant || typeof variant.variant_handle !== "string" || variant.variant_handle === "") {
        throw new ControlError(400, `${where}: every variant needs a "variant_handle" string`);
      }
    }
  }
}

/** Reads the few fields the fake filters on; the text itself is what gets stored. */
function readOrder(text: string, modifiedAt: string): StoredOrder {
  const trimmed = text.trim();
  let value: unknown;
  try {
    value = JSON.parse(trimmed); // order_id and created_at are strings; the raw text is what is served
  } catch (error) {
    throw new Error(`not valid JSON: ${(error as Error).message}`);
  }
  const order = value as Record<string, unknown> | null;
  if (!order || typeof order !== "object" || Array.isArray(order)) throw new Error("not a JSON object");
  if (typeof order.order_id !== "string" || order.order_id === "") throw new Error(`"order_id" must be a non-empty string, got ${JSON.stringify(order.order_id)}`);
  if (typeof order.created_at !== "string" || !CREATED_AT.test(order.created_at)) {
    throw new Error(`"created_at" must be "YYYY-MM-DD HH:MM:SS", got ${JSON.stringify(order.created_at)}`);
  }
  return { id: order.order_id, createdAt: order.created_at, modifiedAt, archived: order.archived === true, raw: trimmed };
}

// ---------------------------------------------------------------------------------------------------------
// HTTP plumbing

/** JSON as PHP's json_encode writes it: `/` as `\/`, everything beyond ASCII as `\uXXXX`. */
function php(value: unknown): string {
  return JSON.stringify(value)
    .replace(/\//g, "\\/")
    .replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

function jsonHeaders(): Record<string, string> {
  return { "content-type": "application/json; charset=utf-8" };
}

function ok(value: Record<string, unknown>): Reply {
  return raw(200, php({ error: false, ...value }));
}

function control(value: unknown): Reply {
  return { status: 200, headers: jsonHeaders(), body: JSON.stringify(value) };
}

function mozelloError(status: number, message: string, headers: Record<string, string> = {}): Reply {
  return raw(status, php({ error: true, error_code: status, error_message: message }), headers);
}

function raw(status: number, body: string, headers: Record<string, string> = {}): Reply {
  return { status, headers: { ...jsonHeaders(), ...headers }, body };
}

function send(res: http.ServerResponse, reply: Reply): void {
  res.writeHead(reply.status, reply.headers);
  res.end(reply.body);
}

function logEntry(req: http.IncomingMessage, method: string, path: string, body: string, time: number, reply: Reply): FakeMozelloLoggedRequest {
  const headers: FakeMozelloLoggedRequest["headers"] = {};
  for (const name of LOGGED_HEADERS) {
    const value = req.headers[name];
    if (typeof value === "string") headers[name] = value;
  }
  const entry: FakeMozelloLoggedRequest = { method, path, headers, status: reply.status, time };
  if (body !== "") entry.body = body;
  const retryAfter = reply.headers?.["retry-after"];
  if (retryAfter) entry.retryAfter = retryAfter;
  if (reply.fault) entry.fault = true;
  if (reply.rateLimited) entry.rateLimited = true;
  return entry;
}
