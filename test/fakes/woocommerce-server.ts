/**
 * @module
 * A fake WooCommerce REST API (`wc/v3`) for tests: a plain `node:http` server (no dependencies) that a Worker
 * under test reaches by real outbound fetch. Start it from vitest's Node-side `globalSetup` and hand its URL
 * to the Worker (see workers-toolchain.md item 6).
 *
 * It imitates what a WooCommerce client and a reconciliation sweep depend on (woocommerce-mozello.md A1, A4),
 * read off WooCommerce's own code where it matters:
 * - authentication as in `class-wc-rest-authentication.php`, including OAuth 1.0a one-legged (recipe below);
 * - `GET /orders` with `page`/`per_page` (≤100), `modified_after`/`modified_before`/`after`/`before`,
 *   `dates_are_gmt`, `orderby=date|id|modified`, `order`, `status`; `X-WP-Total`, `X-WP-TotalPages` and the
 *   `Link` header exactly as `WC_REST_CRUD_Controller::get_items()` builds it; `GET|PUT /orders/{id}`
 *   (status, set_paid, transaction_id) and `GET|POST /orders/{id}/notes`;
 * - products and variations: `GET /products?sku=A,B` (exact, variations included), `GET|PUT|DELETE
 *   /products/{id}`, `GET|POST /products/{id}/variations`, `GET|PUT|DELETE /products/{p}/variations/{id}`,
 *   `POST /products/batch` and `POST /products/{p}/variations/batch` (≤100 items, per-item errors), with the
 *   stock rules of `prepare_object_for_database()` (store-wide `woocommerce_manage_stock`, per-product
 *   `manage_stock`, `inventory_delta`, derived `stock_status`);
 * - webhooks (`GET|POST /webhooks`, `GET|PUT|DELETE /webhooks/{id}`), secret write-only;
 * - `GET|PUT /settings/products/woocommerce_manage_stock` and a minimal `GET /system_status`;
 * - WordPress's error bodies (`{"code","message","data":{"status"}}`, `rest_invalid_param`, `rest_no_route`)
 *   and PHP's JSON encoding (`\/`, `\uXXXX`) for everything the fake generates;
 * - injected faults (429 with `Retry-After`, 5xx) and a request log, driven over HTTP by
 *   `./woocommerce-control.ts`.
 *
 * Many stores live in one server, each under its own path prefix, so test files running in parallel do not
 * share state: the store URL (WordPress's `home`) is `${url}/stores/<storeKey>`, and the client appends
 * `/wp-json/wc/v3/...` as it would to `https://shop.example`. Control endpoints live under
 * `${url}/__control/<storeKey>/...`.
 *
 * Orders are kept as the raw JSON text they were seeded with and spliced into responses, never re-serialised.
 * Only `id`, `status`, `date_created_gmt`, `date_modified_gmt`, `total` and `needs_processing` are read, by a
 * small lossless scanner of the top-level members; `PUT /orders/{id}` rewrites just the members it changes.
 *
 * ## OAuth 1.0a one-legged, as WooCommerce verifies it (`WC_REST_Authentication`)
 * When `is_ssl()` is false (store config `https: false`) this is the only accepted method. When it is true,
 * Basic/query keys are tried first and OAuth is still the fallback, then signed over an `https://` URL.
 * 1. Parameters: `$_GET` (the query string parsed by PHP: `+` and `%XX` decoded, `a[]=`/`a[b]=` become
 *    arrays, a repeated name keeps the LAST value, `.` and ` ` in names become `_`), merged with `$_POST`
 *    (form-encoded POST bodies only; a JSON body is never signed), merged with the `oauth_*` parameters of an
 *    `Authorization: OAuth k="v", …` header (values urldecoded). EVERY parameter is signed, not only `oauth_*`.
 * 2. `oauth_consumer_key`, `oauth_timestamp`, `oauth_nonce`, `oauth_signature`, `oauth_signature_method` must
 *    all be non-empty (PHP `empty()`, so "0" counts as missing). None present → not an OAuth request (no
 *    error; the route then answers 401 `woocommerce_rest_cannot_view`). Some present → 401
 *    `woocommerce_rest_authentication_missing_parameter` "Missing OAuth parameter(s) …".
 * 3. Unknown consumer key → 401 "Consumer key is invalid."
 * 4. Signature (`check_oauth_signature()`):
 *    - URL: the request path as sent (still percent-encoded, no query), minus the home path + "/", appended
 *      to the home URL with scheme `https` if `is_ssl()` else `http`:
 *      `http://127.0.0.1:PORT/stores/KEY` + `/` + `wp-json/wc/v3/orders`. A trailing slash stays.
 *    - Drop `oauth_signature`; sort the remaining parameters by name with `strcmp` (bytewise, on the DECODED
 *      names, before encoding).
 *    - Encode every name and value with `rawurlencode` (RFC 3986: everything but `A-Za-z0-9-_.~`). Nested
 *      arrays: `name%5Bsub%5D` with the sub-key left raw, in insertion order.
 *    - Each pair `name=value` is `rawurlencode`d AGAIN (so `=` → `%3D`, `%` → `%25`) and pairs are joined with
 *      `%26`. This equals `rawurlencode(n1=v1&n2=v2…)` of the RFC 5849 normalised parameter string.
 *    - Base string: `METHOD & rawurlencode(url) & joined-pairs`.
 *    - Key: `consumer_secret + "&"`; `base64(hmac(sha1|sha256, base, key))`; method `HMAC-SHA1` or
 *      `HMAC-SHA256` (else 401 "Invalid signature - signature method is invalid.").
 *    - The signature sent is taken as `rawurldecode(str_replace(" ", "+", value))` and compared exactly;
 *      mismatch → 401 "Invalid signature - provided signature does not match."
 * 5. Only then timestamp and nonce (`check_oauth_timestamp_and_nonce()`): |timestamp − now| ≤ 900 s else 401
 *    "Invalid timestamp."; a nonce among the key's stored nonces → 401 "Invalid nonce - nonce has already been
 *    used."; the nonce is then stored keyed BY TIMESTAMP (a second request with the same timestamp replaces
 *    the first's nonce, exactly as WooCommerce's array does) and entries older than 900 s are dropped. A
 *    request rejected at step 4 does not use up its nonce.
 * Errors come back as `{"code":"woocommerce_rest_authentication_error","message":…,"data":{"status":401}}`.
 *
 * Deviations, on purpose: `Link` URLs (and `_links`) use the plain-HTTP URL the fake is served on even when
 * `https` is true (real WordPress would write `https://`, which the fake cannot serve); plain permalinks
 * (`?rest_route=`) are not served; the products list sorts by id where WordPress sorts by date.
 *
 * @example
 * ```ts
 * // test/global-setup.ts
 * const woo = await startFakeWooCommerce();
 * project.provide("wooUrl", woo.url);
 * return () => woo.close();
 * ```
 */
import { ControlError, type FakeListenOptions, type FakeServer, listenFake, parseControlJson, readRequestBody, safeDecode, skipString, skipValue, skipWhitespace, splitArray } from "./fake-kit";
import { createHmac, randomBytes } from "node:crypto";
import http from "node:http";
import type {
  FakeWooFault,
  FakeWooLoggedRequest,
  FakeWooOrderNote,
  FakeWooProduct,
  FakeWooProductSeed,
  FakeWooStoreConfig,
  FakeWooWebhook,
} from "./woocommerce-control";

export interface FakeWooCommerceOptions extends FakeListenOptions {
  /** Stores to create at start, as `PUT /__control/<storeKey>/config` would. */
  stores?: Record<string, FakeWooStoreConfig>;
  /** Wall clock in epoch milliseconds (OAuth timestamps, modification dates); `Date.now` by default. */
  now?: () => number;
}

export type FakeWooCommerce = FakeServer;

const STORE_KEY = /^[A-Za-z0-9._-]{1,100}$/;
const OAUTH_WINDOW_SECONDS = 15 * 60;
const BATCH_LIMIT = 100;
const DEFAULT_PER_PAGE = 10;
const MAX_PER_PAGE = 100;
const DEFAULT_FAULT_RETRY_AFTER = "5";
/** WooCommerce's `X-WC-*`-style date: no offset. */
const WC_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/;
/** `rest_parse_date()`'s grammar for `format: date-time` parameters. */
const REST_DATE = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(?:\.\d+)?(Z|[+-]\d{2}(?::\d{2})?)?$/;
/** `wc_get_order_statuses()` without the `wc-` prefix: the enum of the orders `status` parameter. */
const ORDER_STATUSES = ["pending", "processing", "on-hold", "completed", "cancelled", "refunded", "failed", "checkout-draft"];
const PAID_STATUSES = new Set(["processing", "completed"]);
const WEBHOOK_STATUSES = ["active", "paused", "disabled"];
const STOCK_STATUSES = ["instock", "outofstock", "onbackorder"];
const BACKORDERS = ["no", "notify", "yes"];
const PRODUCT_TYPES = ["simple", "grouped", "external", "variable"];
// Real filters this fake does not implement. They are refused loudly rather than ignored, so a test cannot
// pass because a filter silently did nothing. (Unknown names are ignored, as WordPress ignores them.)
const UNIMPLEMENTED_ORDER_PARAMS = [
  "offset", "search", "customer", "product", "dp", "include_meta", "exclude_meta", "parent", "parent_exclude",
  "include", "exclude", "created_via", "_fields", "_embed",
];
const UNIMPLEMENTED_PRODUCT_PARAMS = [
  "offset", "search", "search_sku", "search_name_or_sku", "exclude", "category", "tag", "stock_status",
  "min_price", "max_price", "on_sale", "featured", "_fields", "_embed",
];
const UNIMPLEMENTED_WEBHOOK_PARAMS = ["offset", "search", "after", "before", "include", "exclude", "_fields", "_embed"];
const LOGGED_HEADERS = ["user-agent", "content-type", "authorization"] as const;

/** `get_default_topic_hooks()`, for the `hooks` member of a webhook. */
const TOPIC_HOOKS: Record<string, string[]> = {
  "coupon.created": ["woocommerce_process_shop_coupon_meta", "woocommerce_new_coupon"],
  "coupon.updated": ["woocommerce_process_shop_coupon_meta", "woocommerce_update_coupon"],
  "coupon.deleted": ["wp_trash_post"],
  "coupon.restored": ["untrashed_post"],
  "customer.created": ["user_register", "woocommerce_created_customer", "woocommerce_new_customer"],
  "customer.updated": ["profile_update", "woocommerce_update_customer"],
  "customer.deleted": ["delete_user"],
  "order.created": ["woocommerce_new_order"],
  "order.updated": ["woocommerce_update_order", "woocommerce_order_refunded"],
  "order.deleted": ["wp_trash_post", "woocommerce_trash_order"],
  "order.restored": ["untrashed_post", "woocommerce_untrash_order"],
  "product.created": ["woocommerce_process_product_meta", "woocommerce_new_product", "woocommerce_new_product_variation"],
  "product.updated": ["woocommerce_process_product_meta", "woocommerce_update_product", "woocommerce_update_product_variation"],
  "product.deleted": ["wp_trash_post"],
  "product.restored": ["untrashed_post"],
};

type AuthKind = "basic" | "query" | "oauth";
type Perm = "list" | "view" | "create" | "edit" | "delete" | "batch";

interface StoredOrder {
  id: bigint;
  /** The id exactly as written in the raw text. */
  idText: string;
  status: string;
  /** Epoch ms of `date_created_gmt` / `date_modified_gmt`. */
  createdGmt: number;
  modifiedGmt: number;
  /** The order object as seeded (trimmed), served verbatim. */
  raw: string;
}

interface StoredProduct {
  id: number;
  parentId: number;
  type: string;
  /** The product's own `_manage_stock` (edit context). */
  manageStock: boolean;
  stockQuantity: number | null;
  stockStatus: string;
  backorders: string;
  lowStockAmount: number | null;
  sku: string;
  createdGmt: number;
  modifiedGmt: number;
  /** Every other member as seeded or written (name, prices, status…), returned as is. */
  extra: Record<string, unknown>;
}

interface StoredWebhook {
  id: number;
  name: string;
  status: string;
  topic: string;
  deliveryUrl: string;
  secret: string;
  apiVersion: string;
  failureCount: number;
  createdGmt: number;
  modifiedGmt: number;
}

interface PendingFault {
  status: number;
  remaining: number;
  retryAfter?: string;
  body: string;
  contentType: string;
  afterAuth: boolean;
}

interface Store {
  key: string;
  config: Required<FakeWooStoreConfig>;
  orders: Map<string, StoredOrder>;
  notes: Map<string, FakeWooOrderNote[]>;
  nextNoteId: number;
  products: Map<number, StoredProduct>;
  webhooks: Map<number, StoredWebhook>;
  nextWebhookId: number;
  /** `woocommerce_api_keys.nonces`: timestamp → nonce, in insertion order, like the PHP array. */
  nonces: Map<string, string>;
  faults: PendingFault[];
  log: FakeWooLoggedRequest[];
  /** Stands in for `wp_salt()` in delivery ids. */
  salt: string;
}

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** For the request log only. */
  auth?: AuthKind | null;
  fault?: boolean;
}

/** A WordPress `WP_Error` on its way to becoming `{"code","message","data"}`. */
class WpError {
  readonly code: string;
  readonly message: string;
  readonly status: number;
  readonly extra: Record<string, unknown>;
  constructor(code: string, message: string, status: number, extra: Record<string, unknown> = {}) {
    this.code = code;
    this.message = message;
    this.status = status;
    this.extra = extra;
  }
  get data(): Record<string, unknown> {
    return { status: this.status, ...this.extra };
  }
}

/** Starts the fake on an ephemeral port of 127.0.0.1 (by default). */
export async function startFakeWooCommerce(options: FakeWooCommerceOptions = {}): Promise<FakeWooCommerce> {
  const now = options.now ?? (() => Date.now());
  const stores = new Map<string, Store>();
  let serverUrl = "";
  const server = http.createServer((req, res) => {
    handle(req, stores, now, serverUrl).then(
      (reply) => send(res, reply),
      (error: unknown) => send(res, errorReply(new WpError("fake_woocommerce_failed", `fake WooCommerce failed: ${String(error)}`, 500))),
    );
  });
  const fake = await listenFake(server, options);
  serverUrl = fake.url;
  for (const [key, config] of Object.entries(options.stores ?? {})) stores.set(key, newStore(key, validateConfig(config)));
  return fake;
}

async function handle(req: http.IncomingMessage, stores: Map<string, Store>, now: () => number, serverUrl: string): Promise<Reply> {
  const target = req.url ?? "/";
  const queryAt = target.indexOf("?");
  const rawPath = queryAt < 0 ? target : target.slice(0, queryAt);
  const rawQuery = queryAt < 0 ? "" : target.slice(queryAt + 1);
  const segments = rawPath.split("/").slice(1).map(safeDecode);
  const method = (req.method ?? "GET").toUpperCase();
  const body = await readRequestBody(req);

  if (segments[0] === "__control") {
    try {
      return controlRequest(method, segments.slice(1), body.toString("utf8"), stores, now, serverUrl);
    } catch (error) {
      if (error instanceof ControlError) return plainJson(error.status, JSON.stringify({ error: error.message }));
      throw error;
    }
  }

  if (segments[0] === "stores" && segments[1] !== undefined) {
    const store = stores.get(segments[1]);
    if (!store) return errorReply(new WpError("fake_unknown_store", `no store ${JSON.stringify(segments[1])} in the fake WooCommerce server`, 404));
    const time = Date.now();
    // Path (as sent) below the store's home path, e.g. "/wp-json/wc/v3/orders".
    const prefixLength = `/stores/${rawPath.split("/")[2]}`.length;
    const subPath = rawPath.slice(prefixLength);
    const reply = apiRequest(req, method, rawPath, subPath, rawQuery, body, store, now(), serverUrl);
    store.log.push(logEntry(req, method, subPath + (queryAt < 0 ? "" : target.slice(queryAt)), time, body, reply));
    return reply;
  }

  return plainJson(404, JSON.stringify({ error: "Not Found" }));
}

// ---------------------------------------------------------------------------------------------------------
// The request pipeline, in WordPress's order

interface Ctx {
  store: Store;
  method: string;
  /** `$_GET`, PHP-parsed, values as binary strings. */
  query: PhpArray;
  /** JSON or form body parameters, UTF-8 (empty when the body is neither). */
  body: Record<string, unknown>;
  /** The store's home URL as served (plain HTTP), no trailing slash. */
  home: string;
  nowMs: number;
  authed: boolean;
  auth: AuthKind | null;
}

function apiRequest(
  req: http.IncomingMessage,
  method: string,
  rawPath: string,
  subPath: string,
  rawQuery: string,
  rawBody: Buffer,
  store: Store,
  nowMs: number,
  serverUrl: string,
): Reply {
  // 1. A fault in front of WordPress (host rate limiter, proxy): nothing behind it runs.
  const early = takeFault(store, false);
  if (early) return early;

  const home = `${serverUrl}/stores/${store.key}`;
  if (!(subPath === "/wp-json" || subPath.startsWith("/wp-json/"))) {
    return { status: 404, headers: { "content-type": "text/html; charset=UTF-8" }, body: "<!DOCTYPE html><title>Page not found</title>" };
  }

  const contentType = String(req.headers["content-type"] ?? "");
  const binaryBody = rawBody.toString("latin1");
  const isForm = /^application\/x-www-form-urlencoded/i.test(contentType);
  const query = phpParseStr(rawQuery);
  // PHP fills $_POST only for POST requests with a form (or multipart) body.
  const post = method === "POST" && isForm ? phpParseStr(binaryBody) : new PhpArray();

  // 2. determine_current_user → WC_REST_Authentication::authenticate().
  const auth = authenticate(store, req, method, rawPath, query, post, nowMs, home);
  if (auth.error) return withAuth(errorReply(auth.error, home), null);
  const kind = auth.kind;

  // 3. rest_pre_dispatch → check_user_permissions(): the key's read/write permission, before routing.
  if (kind) {
    const denied = checkKeyPermissions(store.config.permissions, method);
    if (denied) return withAuth(errorReply(denied, home), kind);
  }

  // 4. A fault behind authentication (the nonce is used up by now).
  const late = takeFault(store, true);
  if (late) return withAuth(late, kind);

  // 5. Route (WordPress matches case-insensitively and ignores a trailing slash).
  const route = "/" + safeDecode(subPath.slice("/wp-json".length)).replace(/^\/+|\/+$/g, "");
  const found = matchRoute(route, method);
  if (!found) {
    return withAuth(errorReply(new WpError("rest_no_route", "No route was found matching the URL and request method.", 404), home), kind);
  }

  // 6. has_valid_params(): a JSON body that does not parse fails before anything else.
  let body: Record<string, unknown> = {};
  if (/^application\/([\w.+-]+\+)?json\b/i.test(contentType) && rawBody.length > 0 && rawBody.toString("utf8").trim() !== "") {
    try {
      const parsed: unknown = JSON.parse(rawBody.toString("utf8"));
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
    } catch (error) {
      return withAuth(
        errorReply(new WpError("rest_invalid_json", "Invalid JSON body passed.", 400, { json_error_code: 4, json_error_message: (error as Error).message }), home),
        kind,
      );
    }
  } else if (isForm) {
    // WordPress reads a form body for any method (parse_str for PUT/PATCH/DELETE).
    body = phpToPlain(phpParseStr(binaryBody)) as Record<string, unknown>;
  }
  // Any other Content-Type: WordPress sees no body parameters at all.

  const ctx: Ctx = { store, method, query, body, home, nowMs, authed: kind !== null, auth: kind };
  const reply = found.handler(ctx, found.args);
  return withAuth(reply, kind);
}

function withAuth(reply: Reply, auth: AuthKind | null): Reply {
  reply.auth = auth;
  return reply;
}

function takeFault(store: Store, afterAuth: boolean): Reply | undefined {
  const fault = store.faults[0];
  if (!fault || fault.afterAuth !== afterAuth) return undefined;
  if (--fault.remaining <= 0) store.faults.shift();
  const headers: Record<string, string> = { "content-type": fault.contentType };
  if (fault.retryAfter !== undefined) headers["retry-after"] = fault.retryAfter;
  return { status: fault.status, headers, body: fault.body, fault: true, auth: null };
}

type Handler = (ctx: Ctx, args: string[]) => Reply;

interface RouteDef {
  pattern: RegExp;
  methods: Partial<Record<string, Handler>>;
}

/** WordPress's READABLE / CREATABLE / EDITABLE / DELETABLE method sets. */
function editable(handler: Handler): Record<string, Handler> {
  return { POST: handler, PUT: handler, PATCH: handler };
}

const ROUTES: RouteDef[] = [
  { pattern: /^\/$/, methods: { GET: restIndex } },
  { pattern: /^\/wc\/v3\/orders$/i, methods: { GET: listOrders } },
  { pattern: /^\/wc\/v3\/orders\/(\d+)$/i, methods: { GET: getOrder, ...editable(updateOrder), DELETE: notImplemented("DELETE /orders/{id}") } },
  { pattern: /^\/wc\/v3\/orders\/(\d+)\/notes$/i, methods: { GET: listOrderNotes, POST: createOrderNote } },
  { pattern: /^\/wc\/v3\/products$/i, methods: { GET: listProducts, POST: createProduct } },
  { pattern: /^\/wc\/v3\/products\/batch$/i, methods: editable(batchProducts) },
  { pattern: /^\/wc\/v3\/products\/(\d+)$/i, methods: { GET: getProduct, ...editable(updateProduct), DELETE: deleteProduct } },
  { pattern: /^\/wc\/v3\/products\/(\d+)\/variations$/i, methods: { GET: listVariations, POST: createVariation } },
  { pattern: /^\/wc\/v3\/products\/(\d+)\/variations\/batch$/i, methods: editable(batchVariations) },
  {
    pattern: /^\/wc\/v3\/products\/(\d+)\/variations\/(\d+)$/i,
    methods: { GET: getVariation, ...editable(updateVariation), DELETE: deleteVariation },
  },
  { pattern: /^\/wc\/v3\/webhooks$/i, methods: { GET: listWebhooks, POST: createWebhook } },
  { pattern: /^\/wc\/v3\/webhooks\/(\d+)$/i, methods: { GET: getWebhook, ...editable(updateWebhook), DELETE: deleteWebhook } },
  {
    pattern: /^\/wc\/v3\/settings\/products\/woocommerce_manage_stock$/i,
    methods: { GET: getManageStockSetting, ...editable(updateManageStockSetting) },
  },
  { pattern: /^\/wc\/v3\/system_status$/i, methods: { GET: systemStatus } },
];

function matchRoute(route: string, method: string): { handler: Handler; args: string[] } | undefined {
  for (const def of ROUTES) {
    const match = def.pattern.exec(route);
    if (!match) continue;
    // HEAD is served by GET routes, as in WordPress.
    const handler = def.methods[method] ?? (method === "HEAD" ? def.methods.GET : undefined);
    // A path that matches with the wrong method is still rest_no_route in WordPress (no 405).
    return handler ? { handler, args: match.slice(1) } : undefined;
  }
  return undefined;
}

/** A real route the fake does not serve: refused loudly rather than answered with a misleading 404. */
function notImplemented(what: string): Handler {
  return (ctx) => errorReply(new WpError("fake_not_implemented", `${what} is not implemented by the fake WooCommerce server`, 501), ctx.home);
}

const DENIED: Record<Perm, [string, string]> = {
  list: ["woocommerce_rest_cannot_view", "Sorry, you cannot list resources."],
  view: ["woocommerce_rest_cannot_view", "Sorry, you cannot view this resource."],
  create: ["woocommerce_rest_cannot_create", "Sorry, you are not allowed to create resources."],
  edit: ["woocommerce_rest_cannot_edit", "Sorry, you are not allowed to edit this resource."],
  delete: ["woocommerce_rest_cannot_delete", "Sorry, you are not allowed to delete this resource."],
  batch: ["woocommerce_rest_cannot_batch", "Sorry, you are not allowed to batch manipulate this resource."],
};

/** The route's permission_callback. An authenticated key acts as an administrator; nobody else may do anything. */
function denied(ctx: Ctx, perm: Perm): Reply | undefined {
  if (ctx.authed) return undefined;
  const [code, message] = DENIED[perm];
  // rest_authorization_required_code(): 401 when nobody is logged in.
  return errorReply(new WpError(code, message, 401), ctx.home);
}

// ---------------------------------------------------------------------------------------------------------
// Authentication (class-wc-rest-authentication.php)

function authenticate(
  store: Store,
  req: http.IncomingMessage,
  method: string,
  rawPath: string,
  query: PhpArray,
  post: PhpArray,
  nowMs: number,
  home: string,
): { kind: AuthKind | null; error?: WpError } {
  let error: WpError | undefined;
  if (store.config.https) {
    const basic = basicAuthentication(store, req, query);
    if (basic.error) error = basic.error;
    if (basic.kind) return { kind: basic.kind };
  }
  const oauth = oauthAuthentication(store, req, method, rawPath, query, post, nowMs, home);
  if (oauth.error) error = oauth.error;
  // An error recorded by the Basic attempt survives a later OAuth success (check_authentication_error()).
  if (error) return { kind: null, error };
  return { kind: oauth.ok ? "oauth" : null };
}

/** perform_basic_authentication(): only ever called when is_ssl(). */
function basicAuthentication(store: Store, req: http.IncomingMessage, query: PhpArray): { kind?: AuthKind; error?: WpError } {
  let consumerKey: PhpValue | undefined;
  let consumerSecret: PhpValue | undefined;
  let kind: AuthKind = "query";
  // If the $_GET parameters are present, use those first.
  if (!phpEmpty(query.get("consumer_key")) && !phpEmpty(query.get("consumer_secret"))) {
    consumerKey = query.get("consumer_key");
    consumerSecret = query.get("consumer_secret");
  }
  if (phpEmpty(consumerKey)) {
    const header = headerValue(req, "authorization").trim();
    const match = /^basic\s+(\S+)$/i.exec(header);
    if (match) {
      // PHP_AUTH_USER / PHP_AUTH_PW: the decoded credentials split at the first ":".
      const decoded = Buffer.from(match[1], "base64").toString("latin1");
      const colon = decoded.indexOf(":");
      if (colon > 0 && colon < decoded.length - 1) {
        consumerKey = decoded.slice(0, colon);
        consumerSecret = decoded.slice(colon + 1);
        kind = "basic";
      }
    }
  }
  if (typeof consumerKey !== "string" || typeof consumerSecret !== "string" || phpEmpty(consumerKey) || phpEmpty(consumerSecret)) return {};
  // get_user_data_by_consumer_key(): an unknown key is not an error here; OAuth gets its turn.
  if (consumerKey.trim() !== toBinary(store.config.consumerKey)) return {};
  if (consumerSecret !== toBinary(store.config.consumerSecret)) {
    return { error: authError("Consumer secret is invalid.") };
  }
  return { kind };
}

/** perform_oauth_authentication(). */
function oauthAuthentication(
  store: Store,
  req: http.IncomingMessage,
  method: string,
  rawPath: string,
  query: PhpArray,
  post: PhpArray,
  nowMs: number,
  home: string,
): { ok: boolean; error?: WpError } {
  // get_oauth_parameters(): array_merge($_GET, $_POST) plus the Authorization: OAuth header's parameters.
  const params = query.clone();
  for (const [name, value] of post.map) params.set(name, value);
  const header = headerValue(req, "authorization").trim();
  if (header.startsWith("OAuth ")) {
    // The regex WooCommerce copied from the OAuth PHP library (with its "(:?" typo), values urldecoded.
    for (const match of header.matchAll(/(oauth_[a-z_-]*)=(:?"([^"]*)"|([^,]*))/g)) {
      params.set(match[1], phpUrldecode(match[3] ? match[3] : (match[4] ?? "")));
    }
  }
  const required = ["oauth_consumer_key", "oauth_timestamp", "oauth_nonce", "oauth_signature", "oauth_signature_method"];
  const missing = required.filter((name) => phpEmpty(params.get(name)));
  if (missing.length === required.length) return { ok: false }; // not trying OAuth at all
  if (missing.length > 0) {
    const message = `${missing.length === 1 ? "Missing OAuth parameter" : "Missing OAuth parameters"} ${missing.join(", ")}`;
    return { ok: false, error: new WpError("woocommerce_rest_authentication_missing_parameter", message, 401) };
  }
  const consumerKey = params.get("oauth_consumer_key");
  if (typeof consumerKey !== "string" || consumerKey.trim() !== toBinary(store.config.consumerKey)) {
    return { ok: false, error: authError("Consumer key is invalid.") };
  }

  // check_oauth_signature()
  const signatureParam = params.get("oauth_signature");
  const methodParam = params.get("oauth_signature_method");
  const timestamp = params.get("oauth_timestamp");
  const nonce = params.get("oauth_nonce");
  if (typeof signatureParam !== "string" || typeof methodParam !== "string" || typeof timestamp !== "string" || typeof nonce !== "string") {
    return { ok: false, error: authError("Invalid signature - provided signature does not match.") };
  }
  const scheme = store.config.https ? "https" : "http";
  const { baseString } = oauthBaseString(method, rawPath, home.replace(/^https?:/, `${scheme}:`), params);
  if (methodParam !== "HMAC-SHA1" && methodParam !== "HMAC-SHA256") {
    return { ok: false, error: authError("Invalid signature - signature method is invalid.") };
  }
  const algorithm = methodParam === "HMAC-SHA1" ? "sha1" : "sha256";
  const key = Buffer.from(toBinary(store.config.consumerSecret) + "&", "latin1");
  const expected = createHmac(algorithm, key).update(Buffer.from(baseString, "latin1")).digest("base64");
  const given = phpRawurldecode(signatureParam.replace(/ /g, "+"));
  if (expected !== given) {
    return { ok: false, error: authError("Invalid signature - provided signature does not match.") };
  }

  // check_oauth_timestamp_and_nonce()
  const nowSeconds = Math.floor(nowMs / 1000);
  if (phpLess(timestamp, nowSeconds - OAUTH_WINDOW_SECONDS) || phpLess(nowSeconds + OAUTH_WINDOW_SECONDS, timestamp)) {
    return { ok: false, error: authError("Invalid timestamp.") };
  }
  for (const used of store.nonces.values()) {
    if (used === nonce) return { ok: false, error: authError("Invalid nonce - nonce has already been used.") };
  }
  store.nonces.set(timestamp, nonce);
  for (const stamp of [...store.nonces.keys()]) {
    if (phpLess(stamp, nowSeconds - OAUTH_WINDOW_SECONDS)) store.nonces.delete(stamp);
  }
  return { ok: true };
}

/**
 * The string WooCommerce signs. `params` are the merged OAuth parameters (binary strings, PHP-parsed);
 * `home` carries the scheme `is_ssl()` selects. Exported for tests that want to see what the fake signs.
 */
export function oauthBaseString(method: string, rawRequestPath: string, home: string, params: PhpArray): { baseString: string; url: string } {
  // $request_path = wp_parse_url( REQUEST_URI, PHP_URL_PATH ), minus get_home_url( null, '/', 'relative' ).
  let requestPath = rawRequestPath;
  const homePath = new URL(home).pathname.replace(/\/+$/, "") + "/";
  if (requestPath.startsWith(homePath)) requestPath = requestPath.slice(homePath.length);
  // get_home_url( null, $request_path, scheme ): home . '/' . ltrim( $path, '/' ) when $path is truthy.
  const url = requestPath && requestPath !== "0" ? `${home}/${requestPath.replace(/^\/+/, "")}` : home;

  const entries = [...params.map].filter(([name]) => name !== "oauth_signature");
  // uksort( $params, 'strcmp' ): bytewise on the decoded names (binary strings compare bytewise in JS).
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  // normalize_parameters(): names and values (recursively; nested keys untouched) through rawurlencode.
  const normalized: [string, PhpValue][] = entries.map(([name, value]) => [phpRawurlencode(name), encodeValues(value)]);
  const pairs: string[] = [];
  joinWithEqualsSign(normalized, pairs, "");
  const baseString = `${method.toUpperCase()}&${phpRawurlencode(toBinaryIfNeeded(url))}&${pairs.join("%26")}`;
  return { baseString, url };
}

function encodeValues(value: PhpValue): PhpValue {
  if (typeof value === "string") return phpRawurlencode(value);
  const out = new PhpArray();
  for (const [key, inner] of value.map) out.set(key, encodeValues(inner));
  return out;
}

/** join_with_equals_sign(): each "name=value" rawurlencoded once more; arrays as name%5Bkey%5D. */
function joinWithEqualsSign(entries: Iterable<[string, PhpValue]>, out: string[], prefix: string): void {
  for (const [key, value] of entries) {
    const name = prefix ? `${prefix}%5B${key}%5D` : key;
    if (value instanceof PhpArray) joinWithEqualsSign(value.map, out, name);
    else out.push(phpRawurlencode(`${name}=${value}`));
  }
}

function authError(message: string): WpError {
  return new WpError("woocommerce_rest_authentication_error", message, 401);
}

/** check_permissions(): the key's own read/write permission. */
function checkKeyPermissions(permissions: string, method: string): WpError | undefined {
  switch (method) {
    case "HEAD":
    case "GET":
      return permissions === "read" || permissions === "read_write"
        ? undefined
        : authError("The API key provided does not have read permissions.");
    case "POST":
    case "PUT":
    case "PATCH":
    case "DELETE":
      return permissions === "write" || permissions === "read_write"
        ? undefined
        : authError("The API key provided does not have write permissions.");
    case "OPTIONS":
      return undefined;
    default:
      return authError("Unknown request method.");
  }
}

// ---------------------------------------------------------------------------------------------------------
// Parameter validation (rest_validate_request_arg), WordPress wording

class ParamErrors {
  readonly params: Record<string, string> = {};
  readonly details: Record<string, { code: string; message: string; data: null }> = {};
  add(name: string, code: string, message: string): void {
    if (name in this.params) return;
    this.params[name] = message;
    this.details[name] = { code, message, data: null };
  }
  reply(home: string): Reply | undefined {
    const names = Object.keys(this.params);
    if (names.length === 0) return undefined;
    return errorReply(
      new WpError("rest_invalid_param", `Invalid parameter(s): ${names.join(", ")}`, 400, { params: this.params, details: this.details }),
      home,
    );
  }
}

/** Reads a query parameter as UTF-8 text; an array where a scalar belongs counts as a type error. */
function scalarParam(ctx: Ctx, name: string): string | PhpArray | undefined {
  const value = ctx.query.get(name);
  return typeof value === "string" ? fromBinary(value) : value;
}

function integerParam(ctx: Ctx, errors: ParamErrors, name: string, fallback: number, min?: number, max?: number): number {
  const value = scalarParam(ctx, name);
  if (value === undefined) return fallback;
  const number = typeof value === "string" ? phpNumeric(value) : undefined;
  if (number === undefined || Math.round(number) !== number) {
    errors.add(name, "rest_invalid_type", `${name} is not of type integer.`);
    return fallback;
  }
  if (min !== undefined && max !== undefined && (number < min || number > max)) {
    errors.add(name, "rest_out_of_bounds", `${name} must be between ${min} (inclusive) and ${max} (inclusive)`);
    return fallback;
  }
  if (min !== undefined && number < min) {
    errors.add(name, "rest_out_of_bounds", `${name} must be greater than or equal to ${min}`);
    return fallback;
  }
  return number;
}

function enumParam(ctx: Ctx, errors: ParamErrors, name: string, fallback: string, values: string[]): string {
  const value = scalarParam(ctx, name);
  if (value === undefined) return fallback;
  if (typeof value !== "string") {
    errors.add(name, "rest_invalid_type", `${name} is not of type string.`);
    return fallback;
  }
  if (!values.includes(value)) {
    errors.add(name, "rest_not_in_enum", `${name} is not one of ${wpList(values)}.`);
    return fallback;
  }
  return value;
}

function booleanParam(ctx: Ctx, errors: ParamErrors, name: string, fallback: boolean): boolean {
  const value = scalarParam(ctx, name);
  if (value === undefined) return fallback;
  const parsed = typeof value === "string" ? restBoolean(value) : undefined;
  if (parsed === undefined) {
    errors.add(name, "rest_invalid_type", `${name} is not of type boolean.`);
    return fallback;
  }
  return parsed;
}

/** rest_is_boolean() + rest_sanitize_boolean(). */
function restBoolean(value: unknown): boolean | undefined {
  if (typeof value === "boolean") return value;
  if (value === 0 || value === 1) return value === 1;
  if (typeof value === "string") {
    const lower = value.toLowerCase();
    if (lower === "true" || lower === "1") return true;
    if (lower === "false" || lower === "0" || lower === "") return false;
  }
  return undefined;
}

interface DateFilter {
  /** Site-local or GMT wall clock (ms of `Date.UTC` of the fields), as WP_Date_Query would format it. */
  wall: number;
}

/** A `format: date-time` parameter, converted as WP_Date_Query::build_mysql_datetime() does. */
function dateParam(ctx: Ctx, errors: ParamErrors, name: string): DateFilter | undefined {
  const value = scalarParam(ctx, name);
  if (value === undefined) return undefined;
  const match = typeof value === "string" ? REST_DATE.exec(value) : null;
  if (!match) {
    errors.add(name, "rest_invalid_date", "Invalid date.");
    return undefined;
  }
  const wallClock = Date.parse(`${match[1]}T${match[2]}Z`);
  if (Number.isNaN(wallClock)) {
    errors.add(name, "rest_invalid_date", "Invalid date.");
    return undefined;
  }
  const offsetMs = ctx.store.config.utcOffsetMinutes * 60_000;
  if (!match[3]) return { wall: wallClock }; // no offset: taken as site-local and left as written
  // An explicit offset: date_create() honours it, then setTimezone( wp_timezone() ) makes it site-local.
  const sign = match[3] === "Z" ? 0 : match[3].startsWith("-") ? -1 : 1;
  const [hours, minutes] = match[3] === "Z" ? [0, 0] : match[3].slice(1).split(":").map(Number);
  const instant = wallClock - sign * ((hours ?? 0) * 60 + (minutes ?? 0)) * 60_000;
  return { wall: instant + offsetMs };
}

/** A list parameter (`a,b`, `a b` or `a[]=…`), wp_parse_list(). */
function listParam(ctx: Ctx, name: string): string[] | undefined {
  const value = ctx.query.get(name);
  if (value === undefined) return undefined;
  if (typeof value === "string") return fromBinary(value).split(/[\s,]+/).filter(Boolean);
  return [...value.map.values()].filter((item): item is string => typeof item === "string").map(fromBinary);
}

function refuseUnimplemented(ctx: Ctx, names: string[]): Reply | undefined {
  for (const name of names) {
    if (ctx.query.get(name) !== undefined) {
      return errorReply(new WpError("fake_not_implemented", `the ${name} parameter is not implemented by the fake WooCommerce server`, 400), ctx.home);
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Index, settings, system status

function restIndex(ctx: Ctx): Reply {
  return wpJson(200, { name: "Fake WooCommerce", description: "", url: ctx.home, home: ctx.home, namespaces: ["wc/v3"], authentication: {}, routes: {} }, ctx.home);
}

function manageStockSetting(ctx: Ctx): Record<string, unknown> {
  const base = `${ctx.home}/wp-json/wc/v3/settings/products`;
  return {
    id: "woocommerce_manage_stock",
    label: "Manage stock",
    description: "Enable stock management",
    type: "checkbox",
    default: "yes",
    tip: "",
    value: ctx.store.config.manageStock ? "yes" : "no",
    group_id: "products",
    _links: { self: [{ href: `${base}/woocommerce_manage_stock` }], collection: [{ href: base }] },
  };
}

function getManageStockSetting(ctx: Ctx): Reply {
  return denied(ctx, "view") ?? wpJson(200, manageStockSetting(ctx), ctx.home);
}

function updateManageStockSetting(ctx: Ctx): Reply {
  const deny = denied(ctx, "edit");
  if (deny) return deny;
  const value = ctx.body.value;
  if (value !== undefined) {
    if (value !== "yes" && value !== "no") {
      return errorReply(new WpError("rest_setting_value_invalid", "An invalid setting value was passed.", 400), ctx.home);
    }
    ctx.store.config.manageStock = value === "yes";
  }
  return wpJson(200, manageStockSetting(ctx), ctx.home);
}

function systemStatus(ctx: Ctx): Reply {
  const deny = denied(ctx, "list");
  if (deny) return deny;
  const { config } = ctx.store;
  return wpJson(
    200,
    {
      environment: {
        home_url: ctx.home,
        site_url: ctx.home,
        version: config.wcVersion,
        wp_version: config.wpVersion,
        wp_multisite: false,
        wp_debug_mode: false,
        wp_cron: true,
        language: "en_US",
        server_info: "nginx",
        php_version: "8.2.0",
      },
      database: { wc_database_version: config.wcVersion },
      active_plugins: [],
      settings: {
        api_enabled: true,
        force_ssl: false,
        currency: config.currency,
        number_of_decimals: 2,
        HPOS_enabled: true,
      },
      security: { secure_connection: config.https, hide_errors: true },
    },
    ctx.home,
  );
}

// ---------------------------------------------------------------------------------------------------------
// Orders

function listOrders(ctx: Ctx): Reply {
  const refused = refuseUnimplemented(ctx, UNIMPLEMENTED_ORDER_PARAMS);
  if (refused) return refused;
  const errors = new ParamErrors();
  const page = integerParam(ctx, errors, "page", 1, 1);
  const perPage = integerParam(ctx, errors, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE);
  const order = enumParam(ctx, errors, "order", "desc", ["asc", "desc"]);
  const orderby = enumParam(ctx, errors, "orderby", "date", ["date", "id", "include", "title", "slug", "modified"]);
  const gmt = booleanParam(ctx, errors, "dates_are_gmt", false);
  const after = dateParam(ctx, errors, "after");
  const before = dateParam(ctx, errors, "before");
  const modifiedAfter = dateParam(ctx, errors, "modified_after");
  const modifiedBefore = dateParam(ctx, errors, "modified_before");
  const statuses = listParam(ctx, "status") ?? ["any"];
  const allowed = ["any", "trash", ...ORDER_STATUSES];
  statuses.forEach((status, index) => {
    if (!allowed.includes(status)) errors.add("status", "rest_not_in_enum", `status[${index}] is not one of ${wpList(allowed)}.`);
  });
  const invalid = errors.reply(ctx.home);
  if (invalid) return invalid;
  const deny = denied(ctx, "list");
  if (deny) return deny;
  if (orderby === "include" || orderby === "title" || orderby === "slug") {
    return errorReply(new WpError("fake_not_implemented", `orderby=${orderby} is not implemented by the fake WooCommerce server`, 400), ctx.home);
  }

  const offsetMs = ctx.store.config.utcOffsetMinutes * 60_000;
  // The column WP_Date_Query compares, as a wall clock: GMT, or site-local (GMT + offset).
  const column = (gmtMs: number) => (gmt ? gmtMs : gmtMs + offsetMs);
  const wantAny = statuses.includes("any");
  const matching = [...ctx.store.orders.values()].filter((stored) => {
    // "any" is every status but trash (and auto-draft); other statuses are matched exactly.
    const inAny = wantAny && stored.status !== "trash" && stored.status !== "auto-draft";
    if (!inAny && !statuses.includes(stored.status)) return false;
    // WP_Date_Query's defaults: 'after' and 'before' are exclusive.
    if (after && !(column(stored.createdGmt) > after.wall)) return false;
    if (before && !(column(stored.createdGmt) < before.wall)) return false;
    if (modifiedAfter && !(column(stored.modifiedGmt) > modifiedAfter.wall)) return false;
    if (modifiedBefore && !(column(stored.modifiedGmt) < modifiedBefore.wall)) return false;
    return true;
  });
  // prepare_objects_query(): orderby 'date'/'modified' becomes 'date ID'/'modified ID', same direction.
  const direction = order === "asc" ? 1 : -1;
  const key = (stored: StoredOrder) => (orderby === "modified" ? stored.modifiedGmt : orderby === "date" ? stored.createdGmt : 0);
  matching.sort((a, b) => direction * (key(a) - key(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)));

  const page_ = matching.slice((page - 1) * perPage, page * perPage);
  const body = `[${page_.map((stored) => stored.raw).join(",")}]`;
  return paginated(ctx, body, matching.length, page, perPage, "orders");
}

function getOrder(ctx: Ctx, [id]: string[]): Reply {
  const deny = denied(ctx, "view");
  if (deny) return deny;
  const stored = ctx.store.orders.get(canonicalId(id));
  if (!stored) return errorReply(new WpError("woocommerce_rest_shop_order_invalid_id", "Invalid ID.", 404), ctx.home);
  return raw(200, stored.raw, ctx.home);
}

const ORDER_WRITABLE = new Set(["status", "set_paid", "transaction_id", "id"]);

/** PUT /orders/{id}: status, set_paid and transaction_id, with the side effects WooCommerce applies. */
function updateOrder(ctx: Ctx, [id]: string[]): Reply {
  const errors = new ParamErrors();
  const { status, set_paid: setPaid, transaction_id: transactionId } = ctx.body;
  if (status !== undefined && (typeof status !== "string" || !ORDER_STATUSES.includes(status))) {
    errors.add("status", "rest_not_in_enum", `status is not one of ${wpList(ORDER_STATUSES)}.`);
  }
  const paid = setPaid === undefined ? undefined : restBoolean(setPaid);
  if (setPaid !== undefined && paid === undefined) errors.add("set_paid", "rest_invalid_type", "set_paid is not of type boolean.");
  if (transactionId !== undefined && typeof transactionId !== "string") {
    errors.add("transaction_id", "rest_invalid_type", "transaction_id is not of type string.");
  }
  const invalid = errors.reply(ctx.home);
  if (invalid) return invalid;
  const deny = denied(ctx, "edit");
  if (deny) return deny;
  const unsupported = Object.keys(ctx.body).filter((name) => !ORDER_WRITABLE.has(name));
  if (unsupported.length > 0) {
    return errorReply(new WpError("fake_not_implemented", `order fields ${unsupported.join(", ")} are not implemented by the fake WooCommerce server`, 400), ctx.home);
  }
  const stored = ctx.store.orders.get(canonicalId(id));
  if (!stored) return errorReply(new WpError("woocommerce_rest_shop_order_invalid_id", "Invalid ID.", 400), ctx.home);

  const members = topLevelMembers(stored.raw);
  const read = (name: string): unknown => {
    const text = members.get(name);
    return text === undefined ? undefined : JSON.parse(text);
  };
  const updates: Record<string, unknown> = {};
  let current = stored.status;
  const setStatus = (next: string) => {
    if (next === current) return;
    current = next;
    updates.status = next;
    // WC_Order::maybe_set_date_paid() / maybe_set_date_completed() on the transition.
    if (PAID_STATUSES.has(next) && read("date_paid_gmt") == null && updates.date_paid_gmt === undefined) stampDate(ctx, updates, "date_paid");
    if (next === "completed" && read("date_completed_gmt") == null) stampDate(ctx, updates, "date_completed");
  };
  if (typeof transactionId === "string") updates.transaction_id = transactionId;
  if (typeof status === "string") setStatus(status);
  if (paid === true) {
    // needs_payment(): pending or failed, with a total above zero.
    const total = Number(read("total") ?? 0);
    if ((current === "pending" || current === "failed") && total > 0) {
      // payment_complete(): on-hold/pending/failed/cancelled → processing (or completed if nothing to process).
      if (["on-hold", "pending", "failed", "cancelled"].includes(current)) {
        if (read("date_paid_gmt") == null && updates.date_paid_gmt === undefined) stampDate(ctx, updates, "date_paid");
        setStatus(read("needs_processing") === false ? "completed" : "processing");
      }
    }
  }
  if (members.has("needs_payment")) {
    const total = Number(read("total") ?? 0);
    updates.needs_payment = (current === "pending" || current === "failed") && total > 0;
  }
  const changed = Object.entries(updates).some(([name, value]) => members.get(name) !== phpJson(value));
  if (changed) stampDate(ctx, updates, "date_modified");
  const texts: Record<string, string> = {};
  for (const [name, value] of Object.entries(updates)) texts[name] = phpJson(value);
  const next = readOrder(setMembers(stored.raw, texts));
  ctx.store.orders.set(next.idText, next);
  return raw(200, next.raw, ctx.home);
}

/** Sets `<field>` (site-local) and `<field>_gmt` to now. */
function stampDate(ctx: Ctx, updates: Record<string, unknown>, field: string): void {
  updates[field] = formatWcDate(ctx.nowMs + ctx.store.config.utcOffsetMinutes * 60_000);
  updates[`${field}_gmt`] = formatWcDate(ctx.nowMs);
}

function listOrderNotes(ctx: Ctx, [id]: string[]): Reply {
  const deny = denied(ctx, "list");
  if (deny) return deny;
  const stored = ctx.store.orders.get(canonicalId(id));
  if (!stored) return errorReply(new WpError("woocommerce_rest_order_invalid_id", "Invalid order ID.", 404), ctx.home);
  const notes = [...(ctx.store.notes.get(stored.idText) ?? [])].reverse().map((note) => noteResponse(ctx, stored.idText, note));
  return wpJson(200, notes, ctx.home);
}

function createOrderNote(ctx: Ctx, [id]: string[]): Reply {
  const { note, customer_note: customerNote, added_by_user: addedByUser } = ctx.body;
  if (note === undefined || note === null) {
    return errorReply(new WpError("rest_missing_callback_param", "Missing parameter(s): note", 400, { params: ["note"] }), ctx.home);
  }
  const errors = new ParamErrors();
  if (typeof note !== "string") errors.add("note", "rest_invalid_type", "note is not of type string.");
  const isCustomerNote = customerNote === undefined ? false : restBoolean(customerNote);
  if (isCustomerNote === undefined) errors.add("customer_note", "rest_invalid_type", "customer_note is not of type boolean.");
  const byUser = addedByUser === undefined ? false : restBoolean(addedByUser);
  if (byUser === undefined) errors.add("added_by_user", "rest_invalid_type", "added_by_user is not of type boolean.");
  const invalid = errors.reply(ctx.home);
  if (invalid) return invalid;
  const deny = denied(ctx, "create");
  if (deny) return deny;
  const stored = ctx.store.orders.get(canonicalId(id));
  if (!stored) return errorReply(new WpError("woocommerce_rest_order_invalid_id", "Invalid order ID.", 404), ctx.home);
  const offsetMs = ctx.store.config.utcOffsetMinutes * 60_000;
  const created: FakeWooOrderNote = {
    id: ctx.store.nextNoteId++,
    // The API key's user when added_by_user, else WooCommerce itself ("system").
    author: byUser ? "admin" : "system",
    date_created: formatWcDate(ctx.nowMs + offsetMs),
    date_created_gmt: formatWcDate(ctx.nowMs),
    note: note as string,
    customer_note: isCustomerNote === true,
  };
  const list = ctx.store.notes.get(stored.idText) ?? [];
  list.push(created);
  ctx.store.notes.set(stored.idText, list);
  const reply = wpJson(201, noteResponse(ctx, stored.idText, created), ctx.home);
  reply.headers.location = `${ctx.home}/wp-json/wc/v3/orders/${stored.idText}/notes/${created.id}`;
  return reply;
}

function noteResponse(ctx: Ctx, orderId: string, note: FakeWooOrderNote): Record<string, unknown> {
  const base = `${ctx.home}/wp-json/wc/v3/orders/${orderId}`;
  return {
    ...note,
    _links: {
      self: [{ href: `${base}/notes/${note.id}` }],
      collection: [{ href: `${base}/notes` }],
      up: [{ href: base }],
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Products and variations

type Controller = "product" | "variation";

/** The product as `prepare_object_for_response()` shows it. */
function productResponse(store: Store, product: StoredProduct, home: string): FakeWooProduct {
  const parent = product.parentId ? store.products.get(product.parentId) : undefined;
  const managedByParent = product.type === "variation" && !product.manageStock && parent?.manageStock === true;
  // managing_stock(): the product's own switch, but false whenever the store-wide option is off.
  const manageStock: boolean | "parent" = !store.config.manageStock ? false : managedByParent ? "parent" : product.manageStock;
  const offsetMs = store.config.utcOffsetMinutes * 60_000;
  const self =
    product.type === "variation"
      ? `${home}/wp-json/wc/v3/products/${product.parentId}/variations/${product.id}`
      : `${home}/wp-json/wc/v3/products/${product.id}`;
  const response: FakeWooProduct = {
    id: product.id,
    ...product.extra,
    type: product.type,
    parent_id: product.parentId,
    sku: product.sku,
    date_created: formatWcDate(product.createdGmt + offsetMs),
    date_created_gmt: formatWcDate(product.createdGmt),
    date_modified: formatWcDate(product.modifiedGmt + offsetMs),
    date_modified_gmt: formatWcDate(product.modifiedGmt),
    manage_stock: manageStock,
    // get_stock_quantity() in view context: a variation managed by its parent shows the parent's stock.
    stock_quantity: managedByParent ? (parent?.stockQuantity ?? null) : product.stockQuantity,
    stock_status: product.stockStatus,
    backorders: product.backorders,
    backorders_allowed: product.backorders !== "no",
    low_stock_amount: product.lowStockAmount,
  };
  if (product.type === "variable") {
    response.variations = [...store.products.values()].filter((child) => child.parentId === product.id).map((child) => child.id);
  }
  response._links = {
    self: [{ href: self }],
    collection: [{ href: self.slice(0, self.lastIndexOf("/")) }],
    ...(product.type === "variation" ? { up: [{ href: `${home}/wp-json/wc/v3/products/${product.parentId}` }] } : {}),
  };
  return response;
}

function listProducts(ctx: Ctx): Reply {
  const refused = refuseUnimplemented(ctx, UNIMPLEMENTED_PRODUCT_PARAMS);
  if (refused) return refused;
  const errors = new ParamErrors();
  const page = integerParam(ctx, errors, "page", 1, 1);
  const perPage = integerParam(ctx, errors, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE);
  const order = enumParam(ctx, errors, "order", "desc", ["asc", "desc"]);
  const orderby = enumParam(ctx, errors, "orderby", "date", ["date", "id", "include", "title", "slug", "modified", "menu_order", "price", "popularity", "rating"]);
  const type = enumParam(ctx, errors, "type", "", PRODUCT_TYPES);
  const invalid = errors.reply(ctx.home);
  if (invalid) return invalid;
  const deny = denied(ctx, "list");
  if (deny) return deny;
  if (orderby !== "date" && orderby !== "id") {
    return errorReply(new WpError("fake_not_implemented", `orderby=${orderby} is not implemented by the fake WooCommerce server`, 400), ctx.home);
  }
  const include = listParam(ctx, "include")?.map(Number);
  const parents = listParam(ctx, "parent")?.map(Number);
  const skuParam = scalarParam(ctx, "sku");
  let skus: string[] | undefined;
  if (typeof skuParam === "string" && skuParam !== "") {
    // explode( ',', sku ), plus the whole string when it had a comma: exact matches, IN (...).
    skus = skuParam.split(",");
    if (skus.length > 1) skus.push(skuParam);
  }
  const matching = [...ctx.store.products.values()].filter((product) => {
    // Only a SKU lookup also searches product_variation posts.
    if (product.type === "variation" && !skus) return false;
    if (skus && !skus.includes(product.sku)) return false;
    if (include && include.length > 0 && !include.includes(product.id)) return false;
    if (parents && parents.length > 0 && !parents.includes(product.parentId)) return false;
    if (type && product.type !== type) return false;
    return true;
  });
  const direction = order === "asc" ? 1 : -1;
  matching.sort((a, b) => direction * (a.id - b.id));
  const slice = matching.slice((page - 1) * perPage, page * perPage).map((product) => productResponse(ctx.store, product, ctx.home));
  return paginated(ctx, phpJson(slice), matching.length, page, perPage, "products");
}

function getProduct(ctx: Ctx, [id]: string[]): Reply {
  const deny = denied(ctx, "view");
  if (deny) return deny;
  // wc_get_product() also finds variations.
  const product = ctx.store.products.get(Number(id));
  if (!product) return errorReply(new WpError("woocommerce_rest_product_invalid_id", "Invalid ID.", 404), ctx.home);
  return wpJson(200, productResponse(ctx.store, product, ctx.home), ctx.home);
}

function createProduct(ctx: Ctx): Reply {
  const invalid = validateProductBody(ctx, ctx.body, "product");
  if (invalid) return invalid;
  const deny = denied(ctx, "create");
  if (deny) return deny;
  const result = saveProduct(ctx, "product", ctx.body, undefined, 0);
  if (result instanceof WpError) return errorReply(result, ctx.home);
  const reply = wpJson(201, productResponse(ctx.store, result, ctx.home), ctx.home);
  reply.headers.location = `${ctx.home}/wp-json/wc/v3/products/${result.id}`;
  return reply;
}

function updateProduct(ctx: Ctx, [id]: string[]): Reply {
  const invalid = validateProductBody(ctx, ctx.body, "product");
  if (invalid) return invalid;
  const deny = denied(ctx, "edit");
  if (deny) return deny;
  const result = saveProduct(ctx, "product", ctx.body, Number(id), 0);
  if (result instanceof WpError) return errorReply(result, ctx.home);
  return wpJson(200, productResponse(ctx.store, result, ctx.home), ctx.home);
}

function deleteProduct(ctx: Ctx, [id]: string[]): Reply {
  const deny = denied(ctx, "delete");
  if (deny) return deny;
  const result = removeProduct(ctx, "product", Number(id), restBoolean(fromBinaryParam(ctx, "force")) === true, 0);
  if (result instanceof WpError) return errorReply(result, ctx.home);
  return wpJson(200, result, ctx.home);
}

function variationParent(ctx: Ctx, parentId: string): StoredProduct | WpError {
  const parent = ctx.store.products.get(Number(parentId));
  // The fake's choice for an unknown or non-variable parent (WooCommerce itself is inconsistent here).
  if (!parent || parent.type !== "variable") return new WpError("woocommerce_rest_product_invalid_id", "Invalid ID.", 404);
  return parent;
}

function listVariations(ctx: Ctx, [parentId]: string[]): Reply {
  const errors = new ParamErrors();
  const page = integerParam(ctx, errors, "page", 1, 1);
  const perPage = integerParam(ctx, errors, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE);
  const order = enumParam(ctx, errors, "order", "desc", ["asc", "desc"]);
  const invalid = errors.reply(ctx.home);
  if (invalid) return invalid;
  const deny = denied(ctx, "list");
  if (deny) return deny;
  const parent = variationParent(ctx, parentId);
  if (parent instanceof WpError) return errorReply(parent, ctx.home);
  const direction = order === "asc" ? 1 : -1;
  const children = [...ctx.store.products.values()].filter((p) => p.parentId === parent.id).sort((a, b) => direction * (a.id - b.id));
  const slice = children.slice((page - 1) * perPage, page * perPage).map((p) => productResponse(ctx.store, p, ctx.home));
  return paginated(ctx, phpJson(slice), children.length, page, perPage, `products/${parent.id}/variations`);
}

function getVariation(ctx: Ctx, [parentId, id]: string[]): Reply {
  const deny = denied(ctx, "view");
  if (deny) return deny;
  const parent = variationParent(ctx, parentId);
  if (parent instanceof WpError) return errorReply(parent, ctx.home);
  const variation = ctx.store.products.get(Number(id));
  if (!variation || variation.parentId !== parent.id) {
    return errorReply(new WpError("woocommerce_rest_product_variation_invalid_id", "Invalid ID.", 404), ctx.home);
  }
  return wpJson(200, productResponse(ctx.store, variation, ctx.home), ctx.home);
}

function createVariation(ctx: Ctx, [parentId]: string[]): Reply {
  const invalid = validateProductBody(ctx, ctx.body, "variation");
  if (invalid) return invalid;
  const deny = denied(ctx, "create");
  if (deny) return deny;
  const parent = variationParent(ctx, parentId);
  if (parent instanceof WpError) return errorReply(parent, ctx.home);
  const result = saveProduct(ctx, "variation", ctx.body, undefined, parent.id);
  if (result instanceof WpError) return errorReply(result, ctx.home);
  const reply = wpJson(201, productResponse(ctx.store, result, ctx.home), ctx.home);
  reply.headers.location = `${ctx.home}/wp-json/wc/v3/products/${parent.id}/variations/${result.id}`;
  return reply;
}

function updateVariation(ctx: Ctx, [parentId, id]: string[]): Reply {
  const invalid = validateProductBody(ctx, ctx.body, "variation");
  if (invalid) return invalid;
  const deny = denied(ctx, "edit");
  if (deny) return deny;
  const parent = variationParent(ctx, parentId);
  if (parent instanceof WpError) return errorReply(parent, ctx.home);
  const result = saveProduct(ctx, "variation", ctx.body, Number(id), parent.id);
  if (result instanceof WpError) return errorReply(result, ctx.home);
  return wpJson(200, productResponse(ctx.store, result, ctx.home), ctx.home);
}

function deleteVariation(ctx: Ctx, [parentId, id]: string[]): Reply {
  const deny = denied(ctx, "delete");
  if (deny) return deny;
  const parent = variationParent(ctx, parentId);
  if (parent instanceof WpError) return errorReply(parent, ctx.home);
  const result = removeProduct(ctx, "variation", Number(id), restBoolean(fromBinaryParam(ctx, "force")) === true, parent.id);
  if (result instanceof WpError) return errorReply(result, ctx.home);
  return wpJson(200, result, ctx.home);
}

function batchProducts(ctx: Ctx): Reply {
  return batch(ctx, "product", 0);
}

function batchVariations(ctx: Ctx, [parentId]: string[]): Reply {
  const deny = denied(ctx, "batch");
  if (deny) return deny;
  const parent = variationParent(ctx, parentId);
  if (parent instanceof WpError) return errorReply(parent, ctx.home);
  return batch(ctx, "variation", parent.id);
}

/**
 * WC_REST_Controller::batch_items(): the limit counts create + update + delete together; each item goes through
 * the same code as a single request but WITHOUT schema validation; an item's error is reported in place and the
 * others still run; only non-empty sections appear in the answer (nothing at all → `[]`).
 */
function batch(ctx: Ctx, controller: Controller, parentId: number): Reply {
  const deny = denied(ctx, "batch");
  if (deny) return deny;
  const section = (name: string): unknown[] => {
    const value = ctx.body[name];
    return Array.isArray(value) ? value : [];
  };
  const create = section("create");
  const update = section("update");
  const remove = section("delete");
  const total = create.length + update.length + remove.length;
  if (total > BATCH_LIMIT) {
    return errorReply(new WpError("woocommerce_rest_request_entity_too_large", `Unable to accept more than ${BATCH_LIMIT} items for this request.`, 413), ctx.home);
  }
  const itemError = (id: unknown, error: WpError) => ({ id, error: { code: error.code, message: error.message, data: error.data } });
  const result: Record<string, unknown[]> = {};
  if (create.length > 0) {
    result.create = create.map((item) => {
      const saved = saveProduct(ctx, controller, asObject(item), undefined, parentId);
      return saved instanceof WpError ? itemError(0, saved) : productResponse(ctx.store, saved, ctx.home);
    });
  }
  if (update.length > 0) {
    result.update = update.map((item) => {
      const fields = asObject(item);
      const id = phpInt(fields.id);
      const saved = saveProduct(ctx, controller, fields, id, parentId);
      return saved instanceof WpError ? itemError(fields.id ?? null, saved) : productResponse(ctx.store, saved, ctx.home);
    });
  }
  if (remove.length > 0) {
    result.delete = [];
    for (const item of remove) {
      const id = phpInt(item);
      if (id === 0) continue;
      const removed = removeProduct(ctx, controller, id, true, parentId);
      result.delete.push(removed instanceof WpError ? itemError(id, removed) : removed);
    }
  }
  return wpJson(200, Object.keys(result).length > 0 ? result : [], ctx.home);
}

/** Schema validation of a single (non-batch) product or variation request. */
function validateProductBody(ctx: Ctx, body: Record<string, unknown>, controller: Controller): Reply | undefined {
  const errors = new ParamErrors();
  if (body.manage_stock !== undefined && restBoolean(body.manage_stock) === undefined) {
    errors.add("manage_stock", "rest_invalid_type", "manage_stock is not of type boolean.");
  }
  for (const name of ["stock_quantity", "inventory_delta", "low_stock_amount"]) {
    const value = body[name];
    if (value === undefined || (value === null && name === "low_stock_amount")) continue;
    const number = typeof value === "number" ? value : typeof value === "string" ? phpNumeric(value) : undefined;
    if (number === undefined || Math.round(number) !== number) errors.add(name, "rest_invalid_type", `${name} is not of type integer.`);
  }
  if (body.stock_status !== undefined && !STOCK_STATUSES.includes(body.stock_status as string)) {
    errors.add("stock_status", "rest_not_in_enum", `stock_status is not one of ${wpList(STOCK_STATUSES)}.`);
  }
  if (body.backorders !== undefined && !BACKORDERS.includes(body.backorders as string)) {
    errors.add("backorders", "rest_not_in_enum", `backorders is not one of ${wpList(BACKORDERS)}.`);
  }
  if (controller === "product" && body.type !== undefined && !PRODUCT_TYPES.includes(body.type as string)) {
    errors.add("type", "rest_not_in_enum", `type is not one of ${wpList(PRODUCT_TYPES)}.`);
  }
  if (body.sku !== undefined && typeof body.sku !== "string") errors.add("sku", "rest_invalid_type", "sku is not of type string.");
  return errors.reply(ctx.home);
}

/** Members handled by the fake's product logic; everything else is stored as given. */
const PRODUCT_COMPUTED = new Set([
  "id", "type", "parent_id", "product_id", "sku", "manage_stock", "stock_quantity", "inventory_delta", "stock_status",
  "backorders", "backorders_allowed", "low_stock_amount", "date_created", "date_created_gmt", "date_modified",
  "date_modified_gmt", "variations", "_links",
]);

/**
 * prepare_object_for_database() + save(), for both controllers. `id` undefined creates. Works on a copy and
 * commits only when nothing failed, as WooCommerce saves nothing when a setter throws.
 */
function saveProduct(ctx: Ctx, controller: Controller, request: Record<string, unknown>, id: number | undefined, parentId: number): StoredProduct | WpError {
  const { store } = ctx;
  let product: StoredProduct;
  if (id === undefined) {
    const nextId = Math.max(0, ...store.products.keys(), ...[...store.orders.values()].map((o) => Number(o.id))) + 1;
    product = {
      id: nextId,
      parentId,
      type: controller === "variation" ? "variation" : typeof request.type === "string" && PRODUCT_TYPES.includes(request.type) ? request.type : "simple",
      manageStock: false,
      stockQuantity: null,
      stockStatus: "instock",
      backorders: "no",
      lowStockAmount: null,
      sku: "",
      createdGmt: ctx.nowMs,
      modifiedGmt: ctx.nowMs,
      extra: controller === "variation" ? { status: "publish" } : { name: "", status: "publish" },
    };
  } else {
    const existing = store.products.get(id);
    const invalidCode = controller === "variation" ? "woocommerce_rest_product_variation_invalid_id" : "woocommerce_rest_product_invalid_id";
    if (!existing || (controller === "variation" && existing.parentId !== parentId)) return new WpError(invalidCode, "Invalid ID.", 400);
    product = { ...existing, extra: { ...existing.extra } };
  }

  for (const [name, value] of Object.entries(request)) {
    if (!PRODUCT_COMPUTED.has(name)) product.extra[name] = value;
  }
  if (controller === "product" && id !== undefined && typeof request.type === "string" && PRODUCT_TYPES.includes(request.type) && product.type !== "variation") {
    product.type = request.type;
  }
  if (controller === "product" && request.parent_id != null) product.parentId = phpInt(request.parent_id);

  // SKU: wc_clean(), then unique across products and variations (WC_Data_Exception 'product_invalid_sku').
  if (request.sku != null) {
    const sku = String(request.sku).trim();
    const clash = sku !== "" ? [...store.products.values()].find((other) => other.sku === sku && other.id !== product.id) : undefined;
    if (clash) return new WpError("product_invalid_sku", "Invalid or duplicated SKU.", 400, { resource_id: clash.id, unique_sku: `${sku}-1` });
    product.sku = sku;
  }

  const isset = (name: string) => request[name] !== undefined && request[name] !== null;
  const managing = () => product.manageStock || (product.type === "variation" && store.products.get(product.parentId)?.manageStock === true);
  if (controller === "product") {
    // WC_REST_Products_Controller: stock_status has priority; stock data only if woocommerce_manage_stock is yes.
    const stockStatus = isset("stock_status") ? String(request.stock_status) : product.stockStatus;
    if (store.config.manageStock) {
      if (isset("manage_stock")) product.manageStock = restBoolean(request.manage_stock) === true;
      if (isset("backorders")) product.backorders = String(request.backorders);
      if (product.type === "grouped" || product.type === "external") {
        product.manageStock = false;
        product.backorders = "no";
        product.stockQuantity = null;
        product.stockStatus = product.type === "external" ? "instock" : stockStatus;
      } else if (managing()) {
        // Stock status is always determined by children so sync later.
        if (product.type !== "variable") product.stockStatus = stockStatus;
        if (isset("stock_quantity")) product.stockQuantity = phpInt(request.stock_quantity);
        else if (isset("inventory_delta")) product.stockQuantity = phpInt(product.stockQuantity) + phpInt(request.inventory_delta);
        if (request.low_stock_amount !== undefined) product.lowStockAmount = request.low_stock_amount === null ? null : phpInt(request.low_stock_amount);
      } else {
        // Don't manage stock.
        product.manageStock = false;
        product.stockQuantity = null;
        product.stockStatus = stockStatus;
        product.lowStockAmount = null;
      }
    } else if (product.type !== "variable") {
      product.stockStatus = stockStatus;
    }
  } else {
    // WC_REST_Product_Variations_Controller: no store-wide check at all; the variation's own switch decides.
    if (isset("manage_stock")) product.manageStock = restBoolean(request.manage_stock) === true;
    if (isset("stock_status")) product.stockStatus = String(request.stock_status);
    if (isset("backorders")) product.backorders = String(request.backorders);
    if (managing()) {
      if (isset("stock_quantity")) product.stockQuantity = phpInt(request.stock_quantity);
      else if (isset("inventory_delta")) product.stockQuantity = phpInt(product.stockQuantity) + phpInt(request.inventory_delta);
      if (request.low_stock_amount !== undefined) product.lowStockAmount = request.low_stock_amount === null ? null : phpInt(request.low_stock_amount);
    } else {
      product.backorders = "no";
      product.stockQuantity = null;
      product.lowStockAmount = null;
    }
  }
  validateProps(store, product);
  product.modifiedGmt = ctx.nowMs;
  store.products.set(product.id, product);
  return product;
}

/** WC_Product::validate_props(): stock fields aligned with the switch, stock_status derived from the quantity. */
function validateProps(store: Store, product: StoredProduct): void {
  const parent = product.parentId ? store.products.get(product.parentId) : undefined;
  const byParent = product.type === "variation" && !product.manageStock && parent?.manageStock === true;
  if (!product.manageStock && !byParent) {
    product.stockQuantity = null;
    product.backorders = "no";
    product.lowStockAmount = null;
    return;
  }
  if (product.type === "variable") return;
  const quantity = byParent ? (parent?.stockQuantity ?? 0) : (product.stockQuantity ?? 0);
  // woocommerce_notify_no_stock_amount defaults to 0.
  product.stockStatus = quantity > 0 ? "instock" : product.backorders !== "no" ? "onbackorder" : "outofstock";
}

function removeProduct(ctx: Ctx, controller: Controller, id: number, force: boolean, parentId: number): FakeWooProduct | WpError {
  const { store } = ctx;
  const product = store.products.get(id);
  if (!product || (controller === "variation" && product.parentId !== parentId)) {
    return new WpError(controller === "variation" ? "woocommerce_rest_product_variation_invalid_id" : "woocommerce_rest_product_invalid_id", "Invalid ID.", 404);
  }
  if (!force) {
    product.extra.status = "trash";
    product.modifiedGmt = ctx.nowMs;
    return productResponse(store, product, ctx.home);
  }
  const response = productResponse(store, product, ctx.home);
  store.products.delete(id);
  if (product.type === "variable") {
    for (const child of [...store.products.values()]) if (child.parentId === id) store.products.delete(child.id);
  }
  return response;
}

// ---------------------------------------------------------------------------------------------------------
// Webhooks (WC_REST_Webhooks_V1/V2 controllers; post type shop_webhook)

function webhookResponse(ctx: Ctx, webhook: StoredWebhook): Record<string, unknown> {
  const offsetMs = ctx.store.config.utcOffsetMinutes * 60_000;
  const [resource, event] = splitTopic(webhook.topic);
  return {
    id: webhook.id,
    name: webhook.name,
    status: webhook.status,
    topic: webhook.topic,
    resource,
    event,
    hooks: webhookHooks(webhook.topic),
    delivery_url: webhook.deliveryUrl,
    date_created: formatWcDate(webhook.createdGmt + offsetMs),
    date_created_gmt: formatWcDate(webhook.createdGmt),
    date_modified: formatWcDate(webhook.modifiedGmt + offsetMs),
    date_modified_gmt: formatWcDate(webhook.modifiedGmt),
    _links: {
      self: [{ href: `${ctx.home}/wp-json/wc/v3/webhooks/${webhook.id}` }],
      collection: [{ href: `${ctx.home}/wp-json/wc/v3/webhooks` }],
    },
  };
}

function splitTopic(topic: string): [string, string] {
  const dot = topic.indexOf(".");
  return dot < 0 ? [topic, ""] : [topic.slice(0, dot), topic.slice(dot + 1)];
}

function webhookHooks(topic: string): string[] {
  const lower = topic.toLowerCase();
  if (lower.startsWith("action.")) return [topic.slice("action.".length)];
  return TOPIC_HOOKS[lower] ?? [];
}

/** wc_is_webhook_valid_topic(). */
function validTopic(topic: string): boolean {
  const invalid = ["action.woocommerce_login_credentials", "action.woocommerce_product_csv_importer_check_import_file_path", "action.woocommerce_webhook_should_deliver"];
  if (invalid.includes(topic)) return false;
  if (topic.startsWith("action.woocommerce_") || topic.startsWith("action.wc_")) return true;
  const [resource, event] = topic.split(".");
  return ["coupon", "customer", "order", "product"].includes(resource) && ["created", "updated", "deleted", "restored"].includes(event ?? "");
}

/** wc_is_valid_url(). */
function validUrl(url: string): boolean {
  if (!url.startsWith("http://") && !url.startsWith("https://")) return false;
  try {
    new URL(url);
    return true;
  } catch {
    return false;
  }
}

function listWebhooks(ctx: Ctx): Reply {
  const refused = refuseUnimplemented(ctx, UNIMPLEMENTED_WEBHOOK_PARAMS);
  if (refused) return refused;
  const errors = new ParamErrors();
  const page = integerParam(ctx, errors, "page", 1, 1);
  const perPage = integerParam(ctx, errors, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE);
  const order = enumParam(ctx, errors, "order", "desc", ["asc", "desc"]);
  const orderby = enumParam(ctx, errors, "orderby", "date", ["date", "id", "title"]);
  const status = enumParam(ctx, errors, "status", "all", ["all", ...WEBHOOK_STATUSES]);
  const invalid = errors.reply(ctx.home);
  if (invalid) return invalid;
  const deny = denied(ctx, "list");
  if (deny) return deny;
  const direction = order === "asc" ? 1 : -1;
  const matching = [...ctx.store.webhooks.values()]
    .filter((webhook) => status === "all" || webhook.status === status)
    .sort((a, b) => direction * (orderby === "title" ? a.name.localeCompare(b.name) || a.id - b.id : orderby === "date" ? a.createdGmt - b.createdGmt || a.id - b.id : a.id - b.id));
  const slice = matching.slice((page - 1) * perPage, page * perPage).map((webhook) => webhookResponse(ctx, webhook));
  return paginated(ctx, phpJson(slice), matching.length, page, perPage, "webhooks");
}

function getWebhook(ctx: Ctx, [id]: string[]): Reply {
  const deny = denied(ctx, "view");
  if (deny) return deny;
  const webhook = ctx.store.webhooks.get(Number(id));
  // get_item() → prepare_item_for_response(): an unknown id is a 400 "ID is invalid." here, not a 404.
  if (!webhook) return errorReply(new WpError("woocommerce_rest_shop_webhook_invalid_id", "ID is invalid.", 400), ctx.home);
  return wpJson(200, webhookResponse(ctx, webhook), ctx.home);
}

function validateWebhookBody(ctx: Ctx): Reply | undefined {
  const errors = new ParamErrors();
  const { status, name, secret } = ctx.body;
  if (status !== undefined && !WEBHOOK_STATUSES.includes(status as string)) {
    errors.add("status", "rest_not_in_enum", `status is not one of ${wpList(WEBHOOK_STATUSES)}.`);
  }
  if (name !== undefined && typeof name !== "string") errors.add("name", "rest_invalid_type", "name is not of type string.");
  if (secret !== undefined && typeof secret !== "string") errors.add("secret", "rest_invalid_type", "secret is not of type string.");
  return errors.reply(ctx.home);
}

function createWebhook(ctx: Ctx): Reply {
  const missing = ["topic", "delivery_url"].filter((name) => ctx.body[name] === undefined || ctx.body[name] === null);
  if (missing.length > 0) {
    return errorReply(new WpError("rest_missing_callback_param", `Missing parameter(s): ${missing.join(", ")}`, 400, { params: missing }), ctx.home);
  }
  const invalid = validateWebhookBody(ctx);
  if (invalid) return invalid;
  const deny = denied(ctx, "create");
  if (deny) return deny;
  const { topic, delivery_url: deliveryUrl, name, secret } = ctx.body;
  if (ctx.body.id) return errorReply(new WpError("woocommerce_rest_shop_webhook_exists", "Cannot create existing shop_webhook.", 400), ctx.home);
  if (typeof topic !== "string" || !topic || !validTopic(topic.toLowerCase())) {
    return errorReply(new WpError("woocommerce_rest_shop_webhook_invalid_topic", "Webhook topic is required and must be valid.", 400), ctx.home);
  }
  if (typeof deliveryUrl !== "string" || !deliveryUrl || !validUrl(deliveryUrl)) {
    return errorReply(
      new WpError("woocommerce_rest_shop_webhook_invalid_delivery_url", "Webhook delivery URL must be a valid URL starting with http:// or https://.", 400),
      ctx.home,
    );
  }
  const localNow = new Date(ctx.nowMs + ctx.store.config.utcOffsetMinutes * 60_000);
  const webhook: StoredWebhook = {
    id: ctx.store.nextWebhookId++,
    name: typeof name === "string" && name ? name : `Webhook created on ${strftimeCreated(localNow)}`,
    // A REST-created webhook is always active: create_item() ignores `status` (post_status 'publish' → active).
    status: "active",
    topic,
    deliveryUrl,
    secret: typeof secret === "string" && secret ? secret : generatePassword(50),
    apiVersion: "wp_api_v3",
    failureCount: 0,
    createdGmt: ctx.nowMs,
    modifiedGmt: ctx.nowMs,
  };
  ctx.store.webhooks.set(webhook.id, webhook);
  // create_item() then pings the delivery URL and ignores the outcome; the fake sends nothing (see webhookDelivery).
  const reply = wpJson(201, webhookResponse(ctx, webhook), ctx.home);
  reply.headers.location = `${ctx.home}/wp-json/wc/v3/webhooks/${webhook.id}`;
  return reply;
}

function updateWebhook(ctx: Ctx, [id]: string[]): Reply {
  const invalid = validateWebhookBody(ctx);
  if (invalid) return invalid;
  const deny = denied(ctx, "edit");
  if (deny) return deny;
  const existing = ctx.store.webhooks.get(Number(id));
  if (!existing) return errorReply(new WpError("woocommerce_rest_shop_webhook_invalid_id", "ID is invalid.", 400), ctx.home);
  const webhook = { ...existing };
  const { topic, delivery_url: deliveryUrl, secret, status, name } = ctx.body;
  if (topic) {
    if (typeof topic !== "string" || !validTopic(topic.toLowerCase())) {
      return errorReply(new WpError("woocommerce_rest_shop_webhook_invalid_topic", "Webhook topic must be valid.", 400), ctx.home);
    }
    webhook.topic = topic;
  }
  if (deliveryUrl) {
    if (typeof deliveryUrl !== "string" || !validUrl(deliveryUrl)) {
      return errorReply(
        new WpError("woocommerce_rest_shop_webhook_invalid_delivery_url", "Webhook delivery URL must be a valid URL starting with http:// or https://.", 400),
        ctx.home,
      );
    }
    webhook.deliveryUrl = deliveryUrl;
  }
  if (typeof secret === "string" && secret) webhook.secret = secret;
  if (typeof status === "string" && status) webhook.status = status;
  if (typeof name === "string" && name) webhook.name = name;
  webhook.modifiedGmt = ctx.nowMs;
  ctx.store.webhooks.set(webhook.id, webhook);
  return wpJson(200, webhookResponse(ctx, webhook), ctx.home);
}

function deleteWebhook(ctx: Ctx, [id]: string[]): Reply {
  const errors = new ParamErrors();
  const force = booleanParam(ctx, errors, "force", false);
  const invalid = errors.reply(ctx.home);
  if (invalid) return invalid;
  const deny = denied(ctx, "delete");
  if (deny) return deny;
  if (!force) return errorReply(new WpError("woocommerce_rest_trash_not_supported", "Webhooks do not support trashing.", 501), ctx.home);
  const webhook = ctx.store.webhooks.get(Number(id));
  if (!webhook) return errorReply(new WpError("woocommerce_rest_shop_webhook_invalid_id", "Invalid ID.", 404), ctx.home);
  ctx.store.webhooks.delete(webhook.id);
  return wpJson(200, webhookResponse(ctx, webhook), ctx.home);
}

/** strftime( '%b %d, %Y @ %I:%M %p' ) in site-local time. */
function strftimeCreated(local: Date): string {
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const pad = (n: number) => String(n).padStart(2, "0");
  const hours = local.getUTCHours();
  return `${months[local.getUTCMonth()]} ${pad(local.getUTCDate())}, ${local.getUTCFullYear()} @ ${pad(hours % 12 || 12)}:${pad(local.getUTCMinutes())} ${hours < 12 ? "AM" : "PM"}`;
}

/** wp_generate_password( $length, true, true ): letters, digits, specials and extra specials. */
function generatePassword(length: number): string {
  const chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!@#$%^&*()-_ []{}<>~`+=,.;:/?|";
  const bytes = randomBytes(length);
  return [...bytes].map((byte) => chars[byte % chars.length]).join("");
}

// ---------------------------------------------------------------------------------------------------------
// Collections: X-WP-Total, X-WP-TotalPages, Link

/**
 * The headers WC_REST_CRUD_Controller::get_items() sets. The `Link` URLs are built like WordPress does:
 * `add_query_arg( $request->get_query_params(), rest_url(...) )` and then `add_query_arg( 'page', N, $base )`,
 * which re-parses and urlencodes the values. So they carry EVERY query parameter of the request, oauth_* and
 * consumer_key/consumer_secret included: a client must strip those and sign the next request anew.
 */
function paginated(ctx: Ctx, body: string, total: number, page: number, perPage: number, restBase: string): Reply {
  const maxPages = Math.ceil(total / perPage);
  const reply = raw(200, body, ctx.home);
  reply.headers["x-wp-total"] = String(total);
  reply.headers["x-wp-totalpages"] = String(maxPages);
  const base = `${ctx.home}/wp-json/wc/v3/${restBase}`;
  const links: string[] = [];
  if (page > 1) links.push(`<${pageLink(base, ctx.query, Math.min(page - 1, maxPages))}>; rel="prev"`);
  if (maxPages > page) links.push(`<${pageLink(base, ctx.query, page + 1)}>; rel="next"`);
  // WP_REST_Response::link_header() appends to one Link header, which then replaces the api.w.org one.
  if (links.length > 0) reply.headers.link = links.join(", ");
  return reply;
}

function pageLink(base: string, query: PhpArray, page: number): string {
  // First add_query_arg(): values inserted raw (build_query without urlencode).
  const first: string[] = [];
  buildQuery(query.map, first, "", (value) => value);
  // Second add_query_arg(): wp_parse_str() decodes that again, urlencode_deep(), page replaced or appended.
  const reparsed = phpParseStr(first.join("&"));
  reparsed.set("page", String(page));
  const parts: string[] = [];
  buildQuery(reparsed.map, parts, "", phpUrlencode);
  return `${base}?${parts.join("&")}`;
}

/** _http_build_query( $data, null, '&', '', false ): keys raw, values through `encode`. */
function buildQuery(entries: Iterable<[string, PhpValue]>, out: string[], prefix: string, encode: (value: string) => string): void {
  for (const [key, value] of entries) {
    const name = prefix ? `${prefix}%5B${key}%5D` : key;
    if (value instanceof PhpArray) buildQuery(value.map, out, name, encode);
    else out.push(`${name}=${encode(value)}`);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Control API

function controlRequest(method: string, path: string[], body: string, stores: Map<string, Store>, now: () => number, serverUrl: string): Reply {
  const [key, action, ...rest] = path;
  if (key === undefined || !STORE_KEY.test(key)) throw new ControlError(404, "unknown control path");
  const storeOrFail = () => {
    const store = stores.get(key);
    if (!store) throw new ControlError(404, `no store ${JSON.stringify(key)}; PUT /__control/${key}/config first`);
    return store;
  };
  const home = `${serverUrl}/stores/${key}`;
  const route = `${method} ${[action ?? "", ...rest.map((segment) => (/^\d+$/.test(segment) ? ":id" : segment))].join("/")}`;

  switch (route) {
    case "PUT config": {
      const store = newStore(key, validateConfig(parseControlJson(body)));
      stores.set(key, store);
      return controlJson({ storeKey: key, storeUrl: home, ...publicConfig(store) });
    }
    case "PATCH config": {
      const store = storeOrFail();
      store.config = validateConfig({ ...store.config, ...(parseControlJson(body) as object) });
      return controlJson({ storeKey: key, storeUrl: home, ...publicConfig(store) });
    }
    case "POST orders": {
      const store = storeOrFail();
      const texts = body.trimStart().startsWith("[") ? splitArray(body) : body.split(/\r?\n/).filter((line) => line.trim());
      const parsed = texts.map((text, index) => {
        try {
          return readOrder(text);
        } catch (error) {
          throw new ControlError(400, `order #${index}: ${(error as Error).message}`);
        }
      });
      for (const order of parsed) store.orders.set(order.idText, order);
      return controlJson({ seeded: parsed.length, total: store.orders.size });
    }
    case "GET orders/:id": {
      const store = storeOrFail();
      const order = store.orders.get(canonicalId(rest[0]));
      if (!order) throw new ControlError(404, `no order ${rest[0]}`);
      return plainJson(200, `{"order":${order.raw},"notes":${JSON.stringify(store.notes.get(order.idText) ?? [])}}`);
    }
    case "POST products": {
      const store = storeOrFail();
      const seeds = parseControlJson(body);
      if (!Array.isArray(seeds)) throw new ControlError(400, "products body must be a JSON array");
      const seeded = seeds.map((seed, index) => {
        try {
          return readProductSeed(seed, now());
        } catch (error) {
          throw new ControlError(400, `product #${index}: ${(error as Error).message}`);
        }
      });
      for (const product of seeded) store.products.set(product.id, product);
      for (const product of seeded) {
        if (product.type !== "variation") continue;
        const parent = store.products.get(product.parentId);
        if (!parent || parent.type !== "variable") throw new ControlError(400, `variation ${product.id}: parent ${product.parentId} is not a seeded variable product`);
      }
      return controlJson({ seeded: seeded.length, total: store.products.size });
    }
    case "GET products": {
      const store = storeOrFail();
      const products = [...store.products.values()].sort((a, b) => a.id - b.id).map((product) => productResponse(store, product, home));
      return controlJson(products);
    }
    case "POST faults": {
      const store = storeOrFail();
      store.faults.push(validateFault(parseControlJson(body)));
      return controlJson({ pending: store.faults.reduce((sum, fault) => sum + fault.remaining, 0) });
    }
    case "GET requests":
      return controlJson(storeOrFail().log);
    case "DELETE requests":
      storeOrFail().log = [];
      return controlJson({ ok: true });
    case "GET webhooks":
      return controlJson([...storeOrFail().webhooks.values()].sort((a, b) => a.id - b.id).map(controlWebhook));
    case "POST webhooks/:id/disable": {
      const webhook = webhookOrFail(storeOrFail(), rest[0]);
      webhook.status = "disabled";
      webhook.modifiedGmt = now();
      return controlJson(controlWebhook(webhook));
    }
    case "POST webhooks/:id/delivery-result": {
      const webhook = webhookOrFail(storeOrFail(), rest[0]);
      const { responseCode } = (parseControlJson(body) ?? {}) as { responseCode?: unknown };
      if (typeof responseCode !== "number" || !Number.isInteger(responseCode)) throw new ControlError(400, "responseCode must be an integer (0 for a transport error)");
      if (webhook.status !== "active") throw new ControlError(409, `webhook ${webhook.id} is ${webhook.status}; WooCommerce would not have delivered`);
      // log_delivery(): 200–302 is success; failed_delivery() disables once the count is already above 5.
      if (responseCode >= 200 && responseCode <= 302) webhook.failureCount = 0;
      else if (webhook.failureCount > 5) webhook.status = "disabled";
      else webhook.failureCount += 1;
      webhook.modifiedGmt = now();
      return controlJson(controlWebhook(webhook));
    }
    case "POST webhooks/:id/delivery-request": {
      const store = storeOrFail();
      const webhook = webhookOrFail(store, rest[0]);
      return controlJson(buildDelivery(store, webhook, (parseControlJson(body || "{}") ?? {}) as Record<string, unknown>, home, now()));
    }
    case "DELETE ":
      storeOrFail();
      stores.delete(key);
      return controlJson({ ok: true });
    default:
      throw new ControlError(404, `no control route ${route}`);
  }
}

function publicConfig(store: Store): Record<string, unknown> {
  const { consumerSecret: _secret, ...rest } = store.config;
  return rest;
}

function webhookOrFail(store: Store, id: string | undefined): StoredWebhook {
  const webhook = store.webhooks.get(Number(id));
  if (!webhook) throw new ControlError(404, `no webhook ${id}`);
  return webhook;
}

function controlWebhook(webhook: StoredWebhook): FakeWooWebhook {
  return {
    id: webhook.id,
    name: webhook.name,
    status: webhook.status as FakeWooWebhook["status"],
    topic: webhook.topic,
    delivery_url: webhook.deliveryUrl,
    secret: webhook.secret,
    api_version: webhook.apiVersion,
    failure_count: webhook.failureCount,
    date_created_gmt: formatWcDate(webhook.createdGmt),
    date_modified_gmt: formatWcDate(webhook.modifiedGmt),
  };
}

/** The request WC_Webhook::deliver() (or deliver_ping()) would send. */
function buildDelivery(store: Store, webhook: StoredWebhook, request: Record<string, unknown>, home: string, nowMs: number): Record<string, unknown> {
  const userAgent = `WooCommerce/${store.config.wcVersion} Hookshot (WordPress/${store.config.wpVersion})`;
  if (request.ping === true) {
    // wp_safe_remote_post() with a string body and no Content-Type: cURL sends it form-encoded.
    return {
      deliver: true,
      url: webhook.deliveryUrl,
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "user-agent": userAgent },
      body: `webhook_id=${webhook.id}`,
    };
  }
  const topic = typeof request.topic === "string" ? request.topic : webhook.topic;
  const [resource, event] = splitTopic(topic);
  let body: string;
  if (typeof request.body === "string") {
    body = request.body.trim();
  } else if (request.resourceId === undefined) {
    throw new ControlError(400, "give resourceId (and seed the order/product) or body");
  } else if (event === "deleted") {
    body = `{"id":${Number(request.resourceId)}}`;
  } else if (resource === "order") {
    const order = store.orders.get(canonicalId(String(request.resourceId)));
    if (!order) throw new ControlError(404, `no order ${String(request.resourceId)}`);
    body = order.raw;
  } else if (resource === "product") {
    const product = store.products.get(Number(request.resourceId));
    if (!product) throw new ControlError(404, `no product ${String(request.resourceId)}`);
    body = phpJson(productResponse(store, product, home));
  } else {
    throw new ControlError(400, `give body for topic ${topic}`);
  }
  const scheme = store.config.https ? "https" : "http";
  return {
    deliver: webhook.status === "active",
    url: webhook.deliveryUrl,
    method: "POST",
    headers: {
      "content-type": "application/json",
      "user-agent": userAgent,
      "x-wc-webhook-source": `${home.replace(/^https?:/, `${scheme}:`)}/`,
      "x-wc-webhook-topic": topic,
      "x-wc-webhook-resource": resource,
      "x-wc-webhook-event": event,
      "x-wc-webhook-signature": createHmac("sha256", Buffer.from(specialcharsDecode(webhook.secret), "utf8")).update(Buffer.from(body, "utf8")).digest("base64"),
      "x-wc-webhook-id": String(webhook.id),
      // wp_hash( webhook_id . time() ): HMAC-MD5 with the site salt; equal within one second.
      "x-wc-webhook-delivery-id": createHmac("md5", store.salt).update(`${webhook.id}${Math.floor(nowMs / 1000)}`).digest("hex"),
    },
    body,
  };
}

/** wp_specialchars_decode( $secret, ENT_QUOTES ), applied to the secret before signing. */
function specialcharsDecode(text: string): string {
  const map: Record<string, string> = {
    "&#039;": "'", "&#x27;": "'", "&quot;": '"', "&#034;": '"', "&#x22;": '"', "&lt;": "<", "&#060;": "<",
    "&gt;": ">", "&#062;": ">", "&amp;": "&", "&#038;": "&", "&#x26;": "&",
  };
  return text.replace(/&(#039|#x27|quot|#034|#x22|lt|#060|gt|#062|amp|#038|#x26);/gi, (entity) => map[entity.toLowerCase()] ?? entity);
}

function newStore(key: string, config: Required<FakeWooStoreConfig>): Store {
  return {
    key,
    config,
    orders: new Map(),
    notes: new Map(),
    nextNoteId: 9001,
    products: new Map(),
    webhooks: new Map(),
    nextWebhookId: 1,
    nonces: new Map(),
    faults: [],
    log: [],
    salt: randomBytes(16).toString("hex"),
  };
}

function validateConfig(value: unknown): Required<FakeWooStoreConfig> {
  const config = (value ?? {}) as Partial<FakeWooStoreConfig>;
  for (const name of ["consumerKey", "consumerSecret"] as const) {
    if (typeof config[name] !== "string" || config[name] === "") throw new ControlError(400, `${name} must be a non-empty string`);
  }
  if (typeof config.https !== "boolean") throw new ControlError(400, "https must be a boolean (what is_ssl() answers)");
  const permissions = config.permissions ?? "read_write";
  if (!["read", "write", "read_write"].includes(permissions)) throw new ControlError(400, "permissions must be read, write or read_write");
  const utcOffsetMinutes = config.utcOffsetMinutes ?? 0;
  if (!Number.isInteger(utcOffsetMinutes) || Math.abs(utcOffsetMinutes) > 14 * 60) throw new ControlError(400, "utcOffsetMinutes must be an integer within ±840");
  if (config.manageStock !== undefined && typeof config.manageStock !== "boolean") throw new ControlError(400, "manageStock must be a boolean");
  return {
    consumerKey: config.consumerKey as string,
    consumerSecret: config.consumerSecret as string,
    https: config.https,
    manageStock: config.manageStock ?? true,
    permissions,
    utcOffsetMinutes,
    wcVersion: config.wcVersion ?? "9.6.1",
    wpVersion: config.wpVersion ?? "6.7.2",
    currency: config.currency ?? "EUR",
  };
}

function validateFault(value: unknown): PendingFault {
  const fault = (value ?? {}) as Partial<FakeWooFault>;
  const { status, count } = fault;
  if (typeof status !== "number" || !Number.isInteger(status) || status < 400 || status > 599) {
    throw new ControlError(400, "status must be an integer 400–599");
  }
  if (typeof count !== "number" || !Number.isInteger(count) || count < 1) throw new ControlError(400, "count must be a positive integer");
  let retryAfter: string | undefined;
  if (typeof fault.retryAfter === "number" || typeof fault.retryAfter === "string") retryAfter = String(fault.retryAfter);
  else if (status === 429) retryAfter = DEFAULT_FAULT_RETRY_AFTER;
  const message = http.STATUS_CODES[status] ?? "Error";
  return {
    status,
    remaining: count,
    retryAfter,
    body: fault.body ?? phpJson({ code: `http_${status}`, message, data: { status } }),
    contentType: fault.contentType ?? "application/json; charset=UTF-8",
    afterAuth: fault.afterAuth === true,
  };
}

function readProductSeed(value: unknown, nowMs: number): StoredProduct {
  if (!value || typeof value !== "object" || Array.isArray(value)) throw new Error("not a JSON object");
  const seed = value as FakeWooProductSeed;
  if (!Number.isInteger(seed.id) || seed.id < 1) throw new Error(`"id" must be a positive integer, got ${JSON.stringify(seed.id)}`);
  const parentId = seed.parent_id ?? 0;
  if (!Number.isInteger(parentId) || parentId < 0) throw new Error(`"parent_id" must be a non-negative integer`);
  const type = parentId > 0 ? "variation" : (seed.type ?? "simple");
  if (parentId > 0 && seed.type !== undefined && seed.type !== "variation") throw new Error(`a product with parent_id must have type "variation"`);
  if (parentId === 0 && !PRODUCT_TYPES.includes(type)) throw new Error(`"type" must be one of ${PRODUCT_TYPES.join(", ")} (or set parent_id for a variation)`);
  if (seed.manage_stock !== undefined && typeof seed.manage_stock !== "boolean" && seed.manage_stock !== "parent") throw new Error(`"manage_stock" must be a boolean or "parent"`);
  if (seed.stock_quantity != null && !Number.isInteger(seed.stock_quantity)) throw new Error(`"stock_quantity" must be an integer or null`);
  if (seed.stock_status !== undefined && !STOCK_STATUSES.includes(seed.stock_status)) throw new Error(`"stock_status" must be one of ${STOCK_STATUSES.join(", ")}`);
  if (seed.backorders !== undefined && !BACKORDERS.includes(seed.backorders)) throw new Error(`"backorders" must be one of ${BACKORDERS.join(", ")}`);
  const extra: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(seed)) if (!PRODUCT_COMPUTED.has(name)) extra[name] = field;
  const parseGmt = (field: unknown) => (typeof field === "string" && WC_DATE.test(field) ? Date.parse(`${field}Z`) : nowMs);
  const manageStock = seed.manage_stock === true;
  return {
    id: seed.id,
    parentId,
    type,
    manageStock,
    stockQuantity: seed.stock_quantity ?? null,
    stockStatus: seed.stock_status ?? "instock",
    backorders: seed.backorders ?? "no",
    lowStockAmount: typeof seed.low_stock_amount === "number" ? seed.low_stock_amount : null,
    sku: seed.sku ?? "",
    createdGmt: parseGmt(seed.date_created_gmt),
    modifiedGmt: parseGmt(seed.date_modified_gmt),
    extra,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Raw order text

/** Reads the few fields the fake filters on, straight from the text; the text itself is what gets stored. */
function readOrder(text: string): StoredOrder {
  const trimmed = text.trim();
  try {
    JSON.parse(trimmed); // validity only; the parsed value is discarded
  } catch (error) {
    throw new Error(`not valid JSON: ${(error as Error).message}`);
  }
  if (!trimmed.startsWith("{")) throw new Error("not a JSON object");
  const members = topLevelMembers(trimmed);
  const idText = members.get("id");
  if (idText === undefined || !/^[1-9]\d*$/.test(idText)) throw new Error(`"id" must be a positive JSON integer, got ${idText}`);
  const statusText = members.get("status");
  if (!statusText?.startsWith('"')) throw new Error(`"status" must be a string, got ${statusText}`);
  const date = (name: string) => {
    const value = members.get(name);
    const parsed = value?.startsWith('"') ? (JSON.parse(value) as string) : undefined;
    if (parsed === undefined || !WC_DATE.test(parsed)) throw new Error(`"${name}" must be a string "YYYY-MM-DDTHH:MM:SS" (UTC, no offset), got ${value}`);
    return Date.parse(`${parsed}Z`);
  };
  return {
    id: BigInt(idText),
    idText,
    status: JSON.parse(statusText) as string,
    createdGmt: date("date_created_gmt"),
    modifiedGmt: date("date_modified_gmt"),
    raw: trimmed,
  };
}

function canonicalId(text: string | undefined): string {
  return (text ?? "").replace(/^0+(?=\d)/, "");
}

/**
 * The top-level members of a JSON object text, each value as its exact source text. The input must already
 * be known to be valid JSON, so the scanner only tracks strings and nesting.
 */
function topLevelMembers(text: string): Map<string, string> {
  const members = new Map<string, string>();
  for (const [key, span] of memberSpans(text)) members.set(key, text.slice(span.start, span.end));
  return members;
}

function memberSpans(text: string): Map<string, { start: number; end: number }> {
  const spans = new Map<string, { start: number; end: number }>();
  let i = skipWhitespace(text, 0) + 1; // past "{"
  for (;;) {
    i = skipWhitespace(text, i);
    if (text[i] === "}" || i >= text.length) return spans;
    const keyEnd = skipString(text, i);
    const key = JSON.parse(text.slice(i, keyEnd)) as string;
    i = skipWhitespace(text, keyEnd) + 1; // past ":"
    const start = skipWhitespace(text, i);
    i = skipValue(text, start);
    spans.set(key, { start, end: i }); // a repeated key wins, as in JSON.parse
    i = skipWhitespace(text, i);
    if (text[i] === ",") i++;
  }
}

/** Replaces the values of the named top-level members in place (appending absent ones); the rest stays byte for byte. */
function setMembers(text: string, updates: Record<string, string>): string {
  const spans = memberSpans(text);
  const edits: { start: number; end: number; value: string }[] = [];
  const appended: string[] = [];
  for (const [key, value] of Object.entries(updates)) {
    const span = spans.get(key);
    if (span) edits.push({ ...span, value });
    else appended.push(`${JSON.stringify(key)}:${value}`);
  }
  edits.sort((a, b) => b.start - a.start);
  let out = text;
  for (const edit of edits) out = out.slice(0, edit.start) + edit.value + out.slice(edit.end);
  if (appended.length > 0) {
    const close = out.lastIndexOf("}");
    const empty = out.slice(out.indexOf("{") + 1, close).trim() === "";
    out = out.slice(0, close) + (empty ? "" : ",") + appended.join(",") + out.slice(close);
  }
  return out;
}


// ---------------------------------------------------------------------------------------------------------
// PHP semantics. PHP strings are bytes: they are modelled as "binary" JS strings (one char per byte, latin1).

type PhpValue = string | PhpArray;

/** An ordered PHP array (insertion order, string keys; integer-like keys feed the next append index). */
export class PhpArray {
  readonly map = new Map<string, PhpValue>();
  private next = 0;
  get(key: string): PhpValue | undefined {
    return this.map.get(key);
  }
  set(key: string, value: PhpValue): void {
    this.map.set(key, value);
    if (/^(0|-?[1-9]\d*)$/.test(key) && Number(key) >= this.next) this.next = Number(key) + 1;
  }
  push(value: PhpValue): void {
    this.set(String(this.next), value);
  }
  clone(): PhpArray {
    const copy = new PhpArray();
    for (const [key, value] of this.map) copy.set(key, value instanceof PhpArray ? value.clone() : value);
    return copy;
  }
}

/** parse_str() / how PHP fills $_GET: `+` and %XX decoded, bracket names nested, later duplicates win. */
export function phpParseStr(query: string): PhpArray {
  const result = new PhpArray();
  for (const part of query.split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const name = phpUrldecode(eq < 0 ? part : part.slice(0, eq));
    const value = eq < 0 ? "" : phpUrldecode(part.slice(eq + 1));
    registerVariable(result, name, value);
  }
  return result;
}

/** php_register_variable_ex(). */
function registerVariable(target: PhpArray, rawName: string, value: string): void {
  let name = rawName.replace(/^ +/, "");
  const nul = name.indexOf("\0");
  if (nul >= 0) name = name.slice(0, nul);
  const bracket = name.indexOf("[");
  // Spaces and dots become underscores, but only before the first "[".
  let base = (bracket < 0 ? name : name.slice(0, bracket)).replace(/[ .]/g, "_");
  const indexes: string[] = [];
  if (bracket >= 0) {
    let i = bracket;
    while (name[i] === "[") {
      const close = name.indexOf("]", i + 1);
      if (close < 0) {
        // Not an index: the "[" turns into "_" and the rest is part of the name (first level only).
        if (indexes.length === 0) base = `${base}_${name.slice(i + 1)}`;
        break;
      }
      indexes.push(name.slice(i + 1, close));
      i = close + 1;
    }
  }
  if (base === "") return;
  if (indexes.length === 0) {
    target.set(base, value);
    return;
  }
  let container = target;
  let key: string | null = base;
  for (const index of indexes) {
    let child: PhpValue | undefined = key === null ? undefined : container.get(key);
    if (!(child instanceof PhpArray)) {
      child = new PhpArray();
      if (key === null) container.push(child);
      else container.set(key, child);
    }
    container = child;
    key = index === "" ? null : index;
  }
  if (key === null) container.push(value);
  else container.set(key, value);
}

function phpToPlain(value: PhpValue): unknown {
  if (typeof value === "string") return fromBinary(value);
  const out: Record<string, unknown> = {};
  for (const [key, inner] of value.map) out[fromBinary(key)] = phpToPlain(inner);
  return out;
}

/** urldecode(): `+` is a space, valid %XX sequences become bytes. */
function phpUrldecode(text: string): string {
  return phpRawurldecode(text.replace(/\+/g, " "));
}

function phpRawurldecode(text: string): string {
  return text.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** rawurlencode() on a binary string: RFC 3986 unreserved characters stay, every other byte is %XX. */
export function phpRawurlencode(text: string): string {
  let out = "";
  for (const char of text) {
    const code = char.charCodeAt(0);
    if (/[A-Za-z0-9_.~-]/.test(char)) out += char;
    else out += "%" + (code & 0xff).toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

/** urlencode(): like rawurlencode but space is `+` and `~` is encoded. */
function phpUrlencode(text: string): string {
  let out = "";
  for (const char of text) {
    const code = char.charCodeAt(0);
    if (/[A-Za-z0-9_.-]/.test(char)) out += char;
    else if (char === " ") out += "+";
    else out += "%" + (code & 0xff).toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

/** PHP empty(): undefined, "", "0" and an empty array. */
function phpEmpty(value: PhpValue | undefined): boolean {
  if (value === undefined) return true;
  if (typeof value === "string") return value === "" || value === "0";
  return value.map.size === 0;
}

/** is_numeric() for strings (PHP 8: surrounding whitespace allowed), as a number. */
function phpNumeric(text: string): number | undefined {
  if (!/^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/.test(text)) return undefined;
  return Number(text.trim());
}

/** `$a < $b` for a string and an int (or two of either), with PHP 8's comparison rules. */
function phpLess(a: string | number, b: string | number): boolean {
  const numberA = typeof a === "number" ? a : phpNumeric(a);
  const numberB = typeof b === "number" ? b : phpNumeric(b);
  if (numberA !== undefined && numberB !== undefined) return numberA < numberB;
  // A non-numeric string against a number: the number is compared as a string.
  return String(a) < String(b);
}

/** intval(), as wc_stock_amount() applies it. */
function phpInt(value: unknown): number {
  if (typeof value === "number") return Number.isFinite(value) ? Math.trunc(value) : 0;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "string") {
    const match = /^\s*[+-]?\d+/.exec(value);
    if (!match) return 0;
    const numeric = phpNumeric(value);
    return numeric !== undefined ? Math.trunc(numeric) : Number(match[0]);
  }
  return 0;
}

function fromBinaryParam(ctx: Ctx, name: string): string | undefined {
  const value = ctx.query.get(name);
  return typeof value === "string" ? fromBinary(value) : undefined;
}

function toBinary(text: string): string {
  return Buffer.from(text, "utf8").toString("latin1");
}

/** A URL built from served parts is ASCII already; anything else is treated as UTF-8 text. */
function toBinaryIfNeeded(text: string): string {
  return /^[\x00-\xff]*$/.test(text) ? text : toBinary(text);
}

function fromBinary(text: string): string {
  return Buffer.from(text, "latin1").toString("utf8");
}

/** wp_sprintf( '%l' ): "a, b, and c", "a and b". */
function wpList(values: string[]): string {
  if (values.length <= 1) return values.join("");
  if (values.length === 2) return `${values[0]} and ${values[1]}`;
  return `${values.slice(0, -1).join(", ")}, and ${values[values.length - 1]}`;
}

/** wp_json_encode() with default flags: `/` as `\/`, non-ASCII as lower-case `\uXXXX`. */
function phpJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/\//g, "\\/")
    .replace(/[\u0080-\uffff]/g, (char) => "\\u" + char.charCodeAt(0).toString(16).padStart(4, "0"));
}

function formatWcDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}

function asObject(value: unknown): Record<string, unknown> {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

// ---------------------------------------------------------------------------------------------------------
// HTTP plumbing

/** Headers WP_REST_Server::serve_request() sends with every answer. */
function restHeaders(home: string): Record<string, string> {
  return {
    "content-type": "application/json; charset=UTF-8",
    "x-robots-tag": "noindex",
    link: `<${home}/wp-json/>; rel="https://api.w.org/"`,
    "x-content-type-options": "nosniff",
    "access-control-expose-headers": "X-WP-Total, X-WP-TotalPages, Link",
    "access-control-allow-headers": "Authorization, X-WP-Nonce, Content-Disposition, Content-MD5, Content-Type",
  };
}

function raw(status: number, body: string, home: string): Reply {
  return { status, headers: restHeaders(home), body };
}

function wpJson(status: number, value: unknown, home: string): Reply {
  return raw(status, phpJson(value), home);
}

function errorReply(error: WpError, home?: string): Reply {
  const body = phpJson({ code: error.code, message: error.message, data: error.data });
  return home ? raw(error.status, body, home) : plainJson(error.status, body);
}

function plainJson(status: number, body: string): Reply {
  return { status, headers: { "content-type": "application/json; charset=utf-8" }, body };
}

function controlJson(value: unknown): Reply {
  return plainJson(200, JSON.stringify(value));
}

function send(res: http.ServerResponse, reply: Reply): void {
  res.writeHead(reply.status, reply.headers);
  res.end(reply.body);
}




function headerValue(req: http.IncomingMessage, name: string): string {
  const value = req.headers[name];
  return Array.isArray(value) ? (value[0] ?? "") : (value ?? "");
}

function logEntry(req: http.IncomingMessage, method: string, path: string, time: number, body: Buffer, reply: Reply): FakeWooLoggedRequest {
  const headers: FakeWooLoggedRequest["headers"] = {};
  for (const name of LOGGED_HEADERS) {
    const value = req.headers[name];
    if (typeof value === "string") headers[name] = value;
  }
  const entry: FakeWooLoggedRequest = { method, path, auth: reply.auth ?? null, status: reply.status, time, headers };
  if (body.length > 0) entry.body = body.toString("utf8");
  if (reply.status >= 400 && !reply.fault) {
    try {
      const parsed = JSON.parse(reply.body) as { code?: unknown; message?: unknown };
      if (typeof parsed.code === "string") entry.errorCode = parsed.code;
      if (typeof parsed.message === "string") entry.errorMessage = parsed.message;
    } catch {
      // not a WordPress error body
    }
  }
  if (reply.fault) entry.fault = true;
  const retryAfter = reply.headers["retry-after"];
  if (retryAfter) entry.retryAfter = retryAfter;
  return entry;
}
