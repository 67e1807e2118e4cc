/**
 * The contract every store that takes stock from the inbox implements (WooCommerce Premium,
 * Mozello, Shopify with Admin API access). A pusher does I/O, but each call makes exactly one HTTP
 * request and never retries: the sync engine counts requests against a Worker invocation's
 * subrequest budget, and it owns retries, backoff and Retry-After.
 */
import type { ChannelSource, StoredSettings } from "./types";


/** Where a SKU lives in the store (a WooCommerce product or variation id, a Shopify inventory item), as JSON. */
export type StoreRef = Record<string, string | number | boolean | null>;

export interface StockItem {
  sku: string;
  /** Whole and ≥ 0: the planner has clamped it. */
  quantity: number;
  /** Null for stores that take stock by SKU without looking it up first. */
  ref: StoreRef | null;
}

export type ItemOutcome =
  | { sku: string; result: "ok" }
  /** The store refused this item; sending the same again will not help. */
  | { sku: string; result: "refused"; reason: string }
  /** The store has no such SKU. */
  | { sku: string; result: "missing"; reason: string }
  /** The cached ref no longer points at the product: look the SKU up again. */
  | { sku: string; result: "stale"; reason: string }
  /** A passing problem with this item: try it again later (after `afterMs`, else with backoff). */
  | { sku: string; result: "retry"; reason: string; afterMs?: number };

export interface StockPusher<Settings extends StoredSettings = StoredSettings> {
  /** Null when the channel holds what a push needs, else what is missing, in the merchant's words. */
  cannotPush(settings: Settings, credentialKeys: string[]): string | null;
  /** Stores that address stock by their own ids: finds SKUs, one request per call. */
  locate?: {
    batchSize: number;
    find(source: ChannelSource<Settings>, skus: string[]): Promise<Map<string, StoreRef>>;
  };
  /**
   * Once per run, before the first push: checks that the store will take stock (WooCommerce's
   * store-wide stock management) and works out what every push needs (Shopify's location). May
   * make requests; returns the run's context, kept with the run.
   */
  prepare?(source: ChannelSource<Settings>, settings: { location_id?: string }): Promise<{ context: Record<string, unknown>; requests: number }>;
  /** Splits items into batches of one request each (the store's batch limit, its endpoints). */
  batches(items: StockItem[]): StockItem[][];
  /** Pushes one batch with one request. Throws StoreApiError when the request as a whole failed. */
  push(source: ChannelSource<Settings>, context: Record<string, unknown>, batch: StockItem[], runId: string): Promise<ItemOutcome[]>;
}
