/**
 * @module
 * Typed client for the control API of the fake WooCommerce server (`./woocommerce-server.ts`).
 *
 * Tests run inside workerd and can reach the Node-side fake only over HTTP, so everything here is plain
 * global `fetch`; it works in workerd and in Node alike. The wire types live in this file because it has
 * no Node imports; the server imports them type-only.
 *
 * @example
 * ```ts
 * await configureStore(url, "woo-a", { consumerKey: "ck_test", consumerSecret: "cs_test", https: false });
 * await seedOrders(url, "woo-a", [rawOrderJsonText]); // stored and served byte for byte
 * await seedProducts(url, "woo-a", [{ id: 311, sku: "ZEK-VIL-01", manage_stock: true, stock_quantity: 4 }]);
 * const baseUrl = storeBaseUrl(url, "woo-a"); // the store URL; the client appends /wp-json/wc/v3/...
 * ```
 */

import { controlRequest, trimSlash, type ControlInit } from "./control-request";

/** Per-store settings; `PUT /__control/<storeKey>/config` creates or resets the store with them. */
export interface FakeWooStoreConfig {
  /** `ck_…`; the key the API accepts. */
  consumerKey: string;
  /** `cs_…`. */
  consumerSecret: string;
  /**
   * What WordPress's `is_ssl()` answers. The fake itself always speaks plain HTTP; this flag only decides
   * which authentication it accepts, exactly as WooCommerce does:
   * - true: HTTP Basic (ck:cs) or `?consumer_key=…&consumer_secret=…` first, then OAuth 1.0a signed over
   *   an `https://` URL;
   * - false: only OAuth 1.0a one-legged, signed over an `http://` URL. Basic and query keys are not even
   *   looked at, so they end in 401 `woocommerce_rest_cannot_view` ("Sorry, you cannot list resources.").
   */
  https: boolean;
  /** The store-wide option `woocommerce_manage_stock` ("Enable stock management"). Default true. */
  manageStock?: boolean;
  /** The key's permission. Default "read_write". */
  permissions?: "read" | "write" | "read_write";
  /**
   * The site's timezone as a fixed offset from UTC, in minutes (default 0). Site-local dates (`date_modified`
   * and friends) are the `_gmt` ones plus this offset. It also drives a real WordPress quirk: a date filter
   * such as `modified_after` that carries an explicit offset (`…Z`, `…+02:00`) is converted to site-local
   * time even when `dates_are_gmt=true` compares it against a GMT column (WP_Date_Query), so with a
   * non-zero offset such a filter is shifted by the offset. Send UTC without an offset together with
   * `dates_are_gmt=true`.
   */
  utcOffsetMinutes?: number;
  /** Default "9.6.1"; reported by `system_status` and in webhook User-Agents. */
  wcVersion?: string;
  /** Default "6.7.2". */
  wpVersion?: string;
  /** Default "EUR"; reported by `system_status`. */
  currency?: string;
}

/** The next `count` API requests of a store answer `status` instead of being served. */
export interface FakeWooFault {
  /** 400–599; typically 429, 500, 502 or 503. */
  status: number;
  count: number;
  /** `Retry-After` to send, in seconds. Default for 429 is "5"; none otherwise. */
  retryAfter?: string | number;
  /** Response body; by default a WordPress-style `{"code","message","data":{"status"}}`. */
  body?: string;
  /** Default "application/json; charset=UTF-8". */
  contentType?: string;
  /**
   * false (default): the fault comes from in front of WordPress (host rate limiter, proxy), before
   * authentication, so an OAuth nonce is not used up. true: it comes after a successful authentication
   * (e.g. a PHP fatal), so the nonce IS used up and a retry must be signed anew.
   */
  afterAuth?: boolean;
}

/** One API request as the fake saw it (control requests are not logged). */
export interface FakeWooLoggedRequest {
  method: string;
  /** Path and query after the `/stores/<storeKey>` prefix, exactly as sent, e.g. `/wp-json/wc/v3/orders?page=2&oauth_…`. */
  path: string;
  /** How the request authenticated; null when it did not (missing, wrong or refused credentials, or a fault answered first). */
  auth: "basic" | "query" | "oauth" | null;
  status: number;
  /** Server clock, epoch milliseconds, when the request arrived. */
  time: number;
  /** The request body, for requests that had one. */
  body?: string;
  /** `code` of a WordPress error answer, e.g. `woocommerce_rest_authentication_error`. */
  errorCode?: string;
  /** `message` of a WordPress error answer, e.g. "Invalid signature - provided signature does not match." */
  errorMessage?: string;
  /** True when the answer came from an injected fault. */
  fault?: boolean;
  /** The `Retry-After` sent back, if any. */
  retryAfter?: string;
  /** Request headers of interest, lower-case names; absent headers are left out. */
  headers: Partial<Record<"user-agent" | "content-type" | "authorization", string>>;
}

/**
 * A product or variation to seed. Anything beyond the stock fields (name, prices, attributes…) is kept and
 * returned as given. A variation is an object with `parent_id` pointing at a seeded `type: "variable"` product.
 */
export interface FakeWooProductSeed {
  id: number;
  /** "simple" (default), "variable", "grouped", "external"; "variation" when `parent_id` is set. */
  type?: string;
  parent_id?: number;
  sku?: string;
  /** The product's own switch; "parent" (variations only) means: not managed at variation level. Default false. */
  manage_stock?: boolean | "parent";
  stock_quantity?: number | null;
  /** "instock" (default), "outofstock", "onbackorder". */
  stock_status?: string;
  /** "no" (default), "notify", "yes". */
  backorders?: string;
  [field: string]: unknown;
}

/** A product or variation as the API shows it (`GET /products/{id}`). */
export interface FakeWooProduct {
  id: number;
  type: string;
  parent_id: number;
  sku: string;
  /** `managing_stock()`: false whenever the store-wide switch is off; "parent" for a variation managed by its parent. */
  manage_stock: boolean | "parent";
  stock_quantity: number | null;
  stock_status: string;
  backorders: string;
  date_modified_gmt: string;
  [field: string]: unknown;
}

/** A webhook as stored, secret included (the REST API never returns the secret). */
export interface FakeWooWebhook {
  id: number;
  name: string;
  status: "active" | "paused" | "disabled";
  topic: string;
  delivery_url: string;
  secret: string;
  api_version: string;
  /** Consecutive failed deliveries, as counted by `recordDeliveryResult`. */
  failure_count: number;
  date_created_gmt: string;
  date_modified_gmt: string;
}

/** A webhook delivery (or ping) exactly as WooCommerce would send it; the test sends it to the Worker. */
export interface FakeWooDelivery {
  /** False when WooCommerce would not send it because the webhook is not active. */
  deliver: boolean;
  url: string;
  method: "POST";
  headers: Record<string, string>;
  body: string;
}

export interface SeedResult {
  /** Items in this request (an item whose id already exists replaces it). */
  seeded: number;
  /** Items the store holds now. */
  total: number;
}

export interface FakeWooOrderNote {
  id: number;
  author: string;
  date_created: string;
  date_created_gmt: string;
  note: string;
  customer_note: boolean;
}

/** The store URL a WooCommerce client should use, in place of `https://shop.example`. */
export function storeBaseUrl(serverUrl: string, storeKey: string): string {
  return `${trimSlash(serverUrl)}/stores/${encodeURIComponent(storeKey)}`;
}

/** Creates the store, or resets it: orders, products, webhooks, nonces, request log and faults are cleared. */
export async function configureStore(serverUrl: string, storeKey: string, config: FakeWooStoreConfig): Promise<void> {
  await control(serverUrl, storeKey, "config", { method: "PUT", json: config });
}

/** Changes some settings (e.g. `manageStock`, `https`) and keeps the data. */
export async function updateStoreConfig(serverUrl: string, storeKey: string, config: Partial<FakeWooStoreConfig>): Promise<void> {
  await control(serverUrl, storeKey, "config", { method: "PATCH", json: config });
}

/**
 * Adds orders (or replaces those with the same id, which is how a test simulates an update).
 * Each text is one order object exactly as WooCommerce would return it; it is stored and served byte for
 * byte. Required members: `id`, `status`, `date_created_gmt`, `date_modified_gmt` ("YYYY-MM-DDTHH:MM:SS").
 * Texts may be pretty-printed: they travel as a JSON array built by string concatenation, which the server
 * splits without parsing values.
 */
export async function seedOrders(serverUrl: string, storeKey: string, rawOrderJsonTexts: string[]): Promise<SeedResult> {
  const body = `[${rawOrderJsonTexts.join(",\n")}]`;
  const text = await control(serverUrl, storeKey, "orders", {
    method: "POST",
    body,
    headers: { "content-type": "application/json" },
  });
  return JSON.parse(text) as SeedResult;
}

/** An order's current raw text (after any `PUT /orders/{id}`) and the notes added to it. */
export async function orderState(
  serverUrl: string,
  storeKey: string,
  orderId: number | string,
): Promise<{ rawOrder: string; notes: FakeWooOrderNote[] }> {
  const text = await control(serverUrl, storeKey, `orders/${orderId}`, { method: "GET" });
  const { notes } = JSON.parse(text) as { notes: FakeWooOrderNote[] };
  // The order is spliced in first, so it can be cut out without parsing (ids and decimals stay exact).
  const prefix = '{"order":';
  const suffix = `,"notes":${JSON.stringify(notes)}}`;
  return { rawOrder: text.slice(prefix.length, text.length - suffix.length), notes };
}

/** Adds products and variations (or replaces those with the same id). */
export async function seedProducts(serverUrl: string, storeKey: string, products: FakeWooProductSeed[]): Promise<SeedResult> {
  return JSON.parse(await control(serverUrl, storeKey, "products", { method: "POST", json: products })) as SeedResult;
}

/** Every product and variation as the API shows it now, by id ascending. */
export async function productsState(serverUrl: string, storeKey: string): Promise<FakeWooProduct[]> {
  return JSON.parse(await control(serverUrl, storeKey, "products", { method: "GET" })) as FakeWooProduct[];
}

/** Queues a fault; faults queue up in the order given. */
export async function injectFaults(serverUrl: string, storeKey: string, fault: FakeWooFault): Promise<void> {
  await control(serverUrl, storeKey, "faults", { method: "POST", json: fault });
}

/** Every API request the store has seen since it was configured (or since `clearRequestLog`), oldest first. */
export async function requestLog(serverUrl: string, storeKey: string): Promise<FakeWooLoggedRequest[]> {
  return JSON.parse(await control(serverUrl, storeKey, "requests", { method: "GET" })) as FakeWooLoggedRequest[];
}

export async function clearRequestLog(serverUrl: string, storeKey: string): Promise<void> {
  await control(serverUrl, storeKey, "requests", { method: "DELETE" });
}

/** The store's webhooks, secrets included, by id ascending. */
export async function storeWebhooks(serverUrl: string, storeKey: string): Promise<FakeWooWebhook[]> {
  return JSON.parse(await control(serverUrl, storeKey, "webhooks", { method: "GET" })) as FakeWooWebhook[];
}

/** Sets a webhook's status to "disabled", as WooCommerce does after repeated failed deliveries. */
export async function disableWebhook(serverUrl: string, storeKey: string, webhookId: number): Promise<FakeWooWebhook> {
  return JSON.parse(await control(serverUrl, storeKey, `webhooks/${webhookId}/disable`, { method: "POST" })) as FakeWooWebhook;
}

/**
 * Applies WooCommerce's failure counting to one delivery outcome (`WC_Webhook::log_delivery()`): a response
 * code 200–302 resets the count; anything else (use 0 for a timeout or DNS error) adds one, and a failure
 * arriving while the count is already above 5 disables the webhook (so the 7th consecutive failure disables it).
 * Refused (409) for a webhook that is not active, because WooCommerce would not have delivered.
 */
export async function recordDeliveryResult(
  serverUrl: string,
  storeKey: string,
  webhookId: number,
  responseCode: number,
): Promise<FakeWooWebhook> {
  return JSON.parse(
    await control(serverUrl, storeKey, `webhooks/${webhookId}/delivery-result`, { method: "POST", json: { responseCode } }),
  ) as FakeWooWebhook;
}

/**
 * Builds the HTTP request WooCommerce would POST to the webhook's delivery URL: headers (`X-WC-Webhook-*`,
 * signature over the exact body with the webhook's secret) and body. The body is the seeded order's raw text
 * for an `order.*` topic with `resourceId` (`{"id":N}` for `*.deleted`), or `body` verbatim. `ping: true`
 * builds the `webhook_id=N` ping instead (form-encoded, no X-WC headers, no signature).
 */
export async function webhookDelivery(
  serverUrl: string,
  storeKey: string,
  webhookId: number,
  request: { resourceId?: number | string; body?: string; topic?: string; ping?: boolean },
): Promise<FakeWooDelivery> {
  return JSON.parse(
    await control(serverUrl, storeKey, `webhooks/${webhookId}/delivery-request`, { method: "POST", json: request }),
  ) as FakeWooDelivery;
}

/** Removes the store; its API answers 404 afterwards. */
export async function removeStore(serverUrl: string, storeKey: string): Promise<void> {
  await control(serverUrl, storeKey, "", { method: "DELETE" });
}

function control(serverUrl: string, storeKey: string, action: string, init: ControlInit): Promise<string> {
  return controlRequest("fake WooCommerce", serverUrl, storeKey, action, init);
}
