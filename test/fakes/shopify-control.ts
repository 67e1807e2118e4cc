/**
 * @module
 * Typed client for the control API of the fake Shopify server (`./shopify-server.ts`): orders for the REST
 * API; variants, locations, inventory levels and the query-cost bucket for the Admin GraphQL API.
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
  /** GraphQL cost bucket size in points (`throttleStatus.maximumAvailable`); default 2000. */
  graphqlMaximumAvailable?: number;
  /** GraphQL points restored per second (`throttleStatus.restoreRate`); default 100, Shopify's standard plan. */
  graphqlRestoreRate?: number;
}

/** A product variant as the fake holds it; ids are Shopify GraphQL gids. */
export interface FakeShopifyVariant {
  /** gid://shopify/ProductVariant/<n> */
  id: string;
  sku: string | null;
  /** gid://shopify/InventoryItem/<n> */
  inventoryItemId: string;
  /** `inventoryItem.tracked`; default true. */
  tracked?: boolean;
  /**
   * Where the item is stocked, and how many are available there (location gid → quantity). Without it the
   * item is stocked at every location, present or later seeded, with 0 available until set.
   */
  available?: Record<string, number>;
}

/** A location; `locations` lists only active ones unless asked for inactive ones too. */
export interface FakeShopifyLocation {
  /** gid://shopify/Location/<n> */
  id: string;
  name: string;
  /** Default true. */
  isActive?: boolean;
}

/** `available` of one inventory item at one location where it is stocked. */
export interface FakeInventoryLevel {
  inventoryItemId: string;
  locationId: string;
  available: number;
}

/** The GraphQL query-cost bucket of a shop, as `extensions.cost.throttleStatus` reports it. */
export interface FakeGraphqlBucket {
  maximumAvailable: number;
  /** Points in the bucket now (restores continuously at restoreRate). */
  currentlyAvailable: number;
  restoreRate: number;
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
  /** For `POST /admin/api/<version>/graphql.json`: what was asked, so tests can assert batching. */
  graphql?: FakeLoggedGraphql;
}

export interface FakeLoggedGraphql {
  /** The operation's root field (`productVariants`, `inventorySetQuantities`, …); null when the query did not parse. */
  rootField: string | null;
  /** The `variables` sent, as sent. */
  variables: unknown;
  /** Points the query asked for, when it got as far as costing. */
  requestedQueryCost?: number;
  /** True when the bucket could not pay and the answer was THROTTLED. */
  throttled?: boolean;
}

export interface SeedResult {
  /** Records in this request (one whose id already exists replaces it). */
  seeded: number;
  /** Records of that kind the shop holds now. */
  total: number;
}

/** The base URL a Shopify client should use for this shop, in place of `https://<shop>.myshopify.com`. */
export function shopBaseUrl(serverUrl: string, shopKey: string): string {
  return `${trimSlash(serverUrl)}/shops/${encodeURIComponent(shopKey)}`;
}

/** Creates the shop, or resets it: orders, variants, locations, levels, request log, faults and buckets are cleared. */
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

/** Queues a fault; faults queue up in the order given and are used before either rate limit is consulted (REST and GraphQL alike). */
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

/** Adds variants (or replaces those with the same id), with their inventory items and levels. */
export async function seedShopifyVariants(serverUrl: string, shopKey: string, variants: FakeShopifyVariant[]): Promise<SeedResult> {
  return JSON.parse(await control(serverUrl, shopKey, "variants", { method: "POST", json: variants })) as SeedResult;
}

/** Adds locations (or replaces those with the same id). */
export async function seedShopifyLocations(serverUrl: string, shopKey: string, locations: FakeShopifyLocation[]): Promise<SeedResult> {
  return JSON.parse(await control(serverUrl, shopKey, "locations", { method: "POST", json: locations })) as SeedResult;
}

/** Every level of every stocked item, ordered by inventory item id, then location id. */
export async function shopifyInventoryLevels(serverUrl: string, shopKey: string): Promise<FakeInventoryLevel[]> {
  return JSON.parse(await control(serverUrl, shopKey, "inventory-levels", { method: "GET" })) as FakeInventoryLevel[];
}

/**
 * Sets the GraphQL cost bucket; what is left out stays. `{ currentlyAvailable: 0 }` makes the next query
 * answer THROTTLED (until restoreRate has refilled enough); a low `restoreRate` keeps it so for a while.
 */
export async function setShopifyGraphqlBucket(serverUrl: string, shopKey: string, bucket: Partial<FakeGraphqlBucket>): Promise<FakeGraphqlBucket> {
  return JSON.parse(await control(serverUrl, shopKey, "graphql-bucket", { method: "PUT", json: bucket })) as FakeGraphqlBucket;
}

/** Removes the shop; its API answers 404 afterwards. */
export async function removeShop(serverUrl: string, shopKey: string): Promise<void> {
  await control(serverUrl, shopKey, "", { method: "DELETE" });
}

function control(serverUrl: string, shopKey: string, action: string, init: ControlInit): Promise<string> {
  return controlRequest("fake Shopify", serverUrl, shopKey, action, init);
}
