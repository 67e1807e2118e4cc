/**
 * @module
 * Typed client for the control API of the fake Mozello Store API (`./mozello-server.ts`).
 *
 * Tests run inside workerd and can reach the Node-side fake only over HTTP, so everything here is plain
 * global `fetch`; it works in workerd and in Node alike. The wire types live in this file because it has
 * no Node imports; the server imports them type-only.
 *
 * @example
 * ```ts
 * await configureMozello(url, "mz-recon", { apiKey: "MZL-0000000-00000000000000000000000000000000", alias: "koks" });
 * await seedMozelloOrders(url, "mz-recon", [orderText]); // order objects exactly as Mozello writes them
 * const apiUrl = mozelloBaseUrl(url, "mz-recon"); // hand this to the Worker instead of https://api.mozello.com/v1
 * ```
 */

import { controlRequest, trimSlash, type ControlInit } from "./control-request";

/** Per-store settings; `PUT /__control/<key>/config` creates or resets the store with them. */
export interface FakeMozelloConfig {
  /** The key `Authorization: ApiKey <key>` must carry (also what Mozello signs notifications with). */
  apiKey: string;
  /** The site alias (`koks` for koks.mozello.shop); informational, echoed by the control API. Default "koks". */
  alias?: string;
  /**
   * Requests served in any 1-second window before the fake answers 429 (`Retry-After: 1`). Default 5,
   * Mozello's stated limit; 0 switches the limit off.
   */
  ratePerSecond?: number;
  /**
   * How list pages name the next one: "link" (default) sends `next_page_link` as a full URL (the
   * docs' text names the field next_page_link), "uri" a relative `next_page_uri` (the docs' example).
   */
  nextPage?: "link" | "uri";
  /** Fields `GET /store/orders/?filter=` accepts (default both); another is refused with 400. */
  orderFilters?: Array<"created_at" | "modified_at">;
  /** "per-item" (default): batch_update_by_sku answers `results[]`; "none": only `{"error":false}`. */
  batchResults?: "per-item" | "none";
  /** The notification settings the store starts with (another app's URL, say). */
  notifications?: FakeMozelloNotifications;
}

/** The notification settings, as `GET /store/notifications/` reports them. */
export interface FakeMozelloNotifications {
  notifications_url: string | null;
  notifications_wanted: string[];
}

/** A product variant; `variant_handle` is what a stock PUT must name. Other fields are kept as given. */
export interface FakeMozelloVariant {
  variant_handle: string;
  sku?: string | null;
  price?: number | null;
  sale_price?: number | null;
  /** null: stock not tracked. */
  stock?: number | null;
  [field: string]: unknown;
}

/** A product as `GET /store/products/` returns it. Only `handle`, `sku`, `stock` and `variants` are interpreted. */
export interface FakeMozelloProduct {
  handle: string;
  sku?: string | null;
  price?: number | null;
  sale_price?: number | null;
  /** null: stock not tracked. */
  stock?: number | null;
  visible?: boolean;
  variants?: FakeMozelloVariant[];
  [field: string]: unknown;
}

/** The next `count` authenticated API requests of a store answer `status` instead of being served. */
export interface FakeMozelloFault {
  /** 400–599; e.g. 403 (what a note says Mozello sends after 300 requests a minute), 429, 500, 503. */
  status: number;
  count: number;
  /** `Retry-After` to send, in seconds; none by default, except "1" for 429. */
  retryAfter?: string | number;
  /** Response body; by default Mozello's `{"error":true,"error_code":<status>,"error_message":…}`. */
  body?: string;
}

/** One API request as the fake saw it (control requests are not logged). */
export interface FakeMozelloLoggedRequest {
  method: string;
  /** Path and query after the `/stores/<key>` prefix, e.g. `/store/orders/?page_size=100&filter=…`. */
  path: string;
  /** Request headers of interest, lower-case names; absent headers are left out. */
  headers: Partial<Record<"authorization" | "user-agent" | "accept" | "content-type", string>>;
  /** The request body as text, when there was one. */
  body?: string;
  status: number;
  /** Server clock, epoch milliseconds, when the request arrived. */
  time: number;
  /** The `Retry-After` sent back, if any. */
  retryAfter?: string;
  /** True when the answer came from an injected fault. */
  fault?: boolean;
  /** True when the fake's rate limit refused the request (429). */
  rateLimited?: boolean;
}

export interface MozelloSeedResult {
  /** Items in this request (one whose order_id / handle already exists replaces it). */
  seeded: number;
  /** Items the store holds now. */
  total: number;
}

/** The base URL a Mozello client should use for this store, in place of `https://api.mozello.com/v1`. */
export function mozelloBaseUrl(serverUrl: string, storeKey: string): string {
  return `${trimSlash(serverUrl)}/stores/${encodeURIComponent(storeKey)}`;
}

/** Creates the store, or resets it: orders, products, notifications, faults, rate window and log are cleared. */
export async function configureMozello(serverUrl: string, storeKey: string, config: FakeMozelloConfig): Promise<void> {
  await control(serverUrl, storeKey, "config", { method: "PUT", json: config });
}

/**
 * Adds orders (or replaces those with the same `order_id`, which is how a test simulates a change).
 * Each text is one order object as Mozello writes it (B3); it is stored and served byte for byte, so
 * numbers come back exactly as written. Each needs `order_id` and `created_at` ("YYYY-MM-DD HH:MM:SS").
 */
export async function seedMozelloOrders(serverUrl: string, storeKey: string, rawOrderJsonTexts: string[]): Promise<MozelloSeedResult> {
  const text = await control(serverUrl, storeKey, "orders", {
    method: "POST",
    body: `[${rawOrderJsonTexts.join(",\n")}]`,
    headers: { "content-type": "application/json" },
  });
  return JSON.parse(text) as MozelloSeedResult;
}

/** Deletes one order from the store, as a shop owner deleting it would (no notification is sent). */
export async function removeMozelloOrder(serverUrl: string, storeKey: string, orderId: string): Promise<void> {
  await control(serverUrl, storeKey, `orders/${encodeURIComponent(orderId)}`, { method: "DELETE" });
}

/** Adds products (or replaces those with the same handle); listed in the order first seeded. */
export async function seedMozelloProducts(serverUrl: string, storeKey: string, products: FakeMozelloProduct[]): Promise<MozelloSeedResult> {
  return JSON.parse(await control(serverUrl, storeKey, "products", { method: "POST", json: products })) as MozelloSeedResult;
}

/** The store's products as they stand now (after any stock writes through the API). */
export async function mozelloProducts(serverUrl: string, storeKey: string): Promise<FakeMozelloProduct[]> {
  return JSON.parse(await control(serverUrl, storeKey, "products", { method: "GET" })) as FakeMozelloProduct[];
}

/** The notification settings as the last `PUT /store/notifications/` left them. */
export async function mozelloNotifications(serverUrl: string, storeKey: string): Promise<FakeMozelloNotifications> {
  return JSON.parse(await control(serverUrl, storeKey, "notifications", { method: "GET" })) as FakeMozelloNotifications;
}

/** Queues a fault; faults queue up in the order given and are used before the rate limit is consulted. */
export async function injectMozelloFaults(serverUrl: string, storeKey: string, fault: FakeMozelloFault): Promise<void> {
  await control(serverUrl, storeKey, "faults", { method: "POST", json: fault });
}

/** Every API request the store has seen since it was configured (or since `clearMozelloRequestLog`), oldest first. */
export async function mozelloRequestLog(serverUrl: string, storeKey: string): Promise<FakeMozelloLoggedRequest[]> {
  return JSON.parse(await control(serverUrl, storeKey, "requests", { method: "GET" })) as FakeMozelloLoggedRequest[];
}

export async function clearMozelloRequestLog(serverUrl: string, storeKey: string): Promise<void> {
  await control(serverUrl, storeKey, "requests", { method: "DELETE" });
}

/** Removes the store; its API answers 404 afterwards. */
export async function removeMozelloStore(serverUrl: string, storeKey: string): Promise<void> {
  await control(serverUrl, storeKey, "", { method: "DELETE" });
}

function control(serverUrl: string, storeKey: string, action: string, init: ControlInit): Promise<string> {
  return controlRequest("fake Mozello", serverUrl, storeKey, action, init);
}
