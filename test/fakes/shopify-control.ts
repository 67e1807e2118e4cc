/**
 * @module
 * Typed client for the control API of the fake Shopify server (`./shopify-server.ts`).
 *
 * Tests run inside workerd and can reach the Node-side fake only over HTTP, so everything here is plain
 * global `fetch`; it works in workerd and in Node alike. The wire types live in this file because it has
 * no Node imports; the server imports them type-only.
 *
 * @example
 * ```ts
 * await configureShop(url, "recon-a", { accessToken: "shpat_test", bucketSize: 4, leakPerSecond: 1 });
 * await seedOrders(url, "recon-a", [`{"id":9007199254740993,"updated_at":"2026-05-04T10:00:00+02:00"}`]);
 * const baseUrl = shopBaseUrl(url, "recon-a"); // hand this to the Worker instead of https://<shop>.myshopify.com
 * ```
 */

import { controlRequest, trimSlash, type ControlInit } from "./control-request";

/** Per-shop settings; `PUT /__control/<shopKey>/config` creates or resets the shop with them. */
export interface FakeShopConfig {
  /** The value `X-Shopify-Access-Token` must carry. */
  accessToken: string;
  /** Leaky-bucket size; Shopify's standard REST bucket is 40. */
  bucketSize?: number;
  /** Requests leaked per second; Shopify's standard REST rate is 2. */
  leakPerSecond?: number;
}

/** The next `count` authenticated API requests of a shop answer `status` instead of being served. */
export interface FakeFault {
  /** 400–599; typically 429, 500, 502 or 503. */
  status: number;
  count: number;
  /** `Retry-After` to send, in seconds. Default for 429 is "2.0" (the value observed from Shopify); none otherwise. */
  retryAfter?: string | number;
  /** Response body; by default a Shopify-style `{"errors": ...}` for the status. */
  body?: string;
}

/** One API request as the fake saw it (control requests are not logged). */
export interface FakeLoggedRequest {
  method: string;
  /** Path and query after the `/shops/<shopKey>` prefix, e.g. `/admin/api/2025-07/orders.json?status=any&limit=250`. */
  path: string;
  /** Request headers of interest, lower-case names; absent headers are left out. */
  headers: Partial<Record<"x-shopify-access-token" | "user-agent" | "accept" | "content-type", string>>;
  status: number;
  /** Server clock, epoch milliseconds, when the request arrived. */
  time: number;
  /** The `X-Shopify-Shop-Api-Call-Limit` sent back, if any. */
  callLimit?: string;
  /** The `Retry-After` sent back, if any. */
  retryAfter?: string;
  /** True when the answer came from an injected fault. */
  fault?: boolean;
}

export interface SeedResult {
  /** Orders in this request (an order whose id already exists replaces it). */
  seeded: number;
  /** Orders the shop holds now. */
  total: number;
}

/** The base URL a Shopify client should use for this shop, in place of `https://<shop>.myshopify.com`. */
export function shopBaseUrl(serverUrl: string, shopKey: string): string {
  return `${trimSlash(serverUrl)}/shops/${encodeURIComponent(shopKey)}`;
}

/** Creates the shop, or resets it: orders, request log, faults and bucket are cleared. */
export async function configureShop(serverUrl: string, shopKey: string, config: FakeShopConfig): Promise<void> {
  await control(serverUrl, shopKey, "config", { method: "PUT", json: config });
}

/**
 * Adds orders (or replaces those with the same id, which is how a test simulates an update).
 * Each text is one order object exactly as Shopify would return it; it is stored and served byte for byte,
 * so ids above 2^53 survive. Texts may be pretty-printed: they travel as a JSON array built by string
 * concatenation, which the server splits without parsing values.
 */
export async function seedOrders(serverUrl: string, shopKey: string, rawOrderJsonTexts: string[]): Promise<SeedResult> {
  const body = `[${rawOrderJsonTexts.join(",\n")}]`;
  const text = await control(serverUrl, shopKey, "orders", {
    method: "POST",
    body,
    headers: { "content-type": "application/json" },
  });
  return JSON.parse(text) as SeedResult;
}

/** Queues a fault; faults queue up in the order given and are used before the rate limit is consulted. */
export async function injectFaults(serverUrl: string, shopKey: string, fault: FakeFault): Promise<void> {
  await control(serverUrl, shopKey, "faults", { method: "POST", json: fault });
}

/** Every API request the shop has seen since it was configured (or since `clearRequestLog`), oldest first. */
export async function requestLog(serverUrl: string, shopKey: string): Promise<FakeLoggedRequest[]> {
  return JSON.parse(await control(serverUrl, shopKey, "requests", { method: "GET" })) as FakeLoggedRequest[];
}

export async function clearRequestLog(serverUrl: string, shopKey: string): Promise<void> {
  await control(serverUrl, shopKey, "requests", { method: "DELETE" });
}

/** Removes the shop; its API answers 404 afterwards. */
export async function removeShop(serverUrl: string, shopKey: string): Promise<void> {
  await control(serverUrl, shopKey, "", { method: "DELETE" });
}

function control(serverUrl: string, shopKey: string, action: string, init: ControlInit): Promise<string> {
  return controlRequest("fake Shopify", serverUrl, shopKey, action, init);
}
