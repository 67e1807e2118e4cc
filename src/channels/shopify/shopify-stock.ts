/**
 * Stock push to Shopify (with Admin API access): SKUs map to variants' inventory items (looked up
 * once and kept), and `inventorySetQuantities` sets "available" at one location, at most 250
 * items a mutation, each mutation with an idempotency key derived from what it sets.
 */
import { toHex } from "../../lib/encoding";
import type { StockPusher, StoreRef } from "../stock-pusher";
import type { ChannelSource } from "../types";
import { chunk } from "../../lib/chunk";
import { StoreApiError } from "../store-api-error";
import { createShopifyInventoryClient, MAX_QUANTITIES } from "./shopify-inventory";
import { shopifyClientOptions } from "./shopify-api";
import { holdsAdminApiAccess, type ShopifySettings } from "./shopify-settings";

/** Variants looked up per request (the query string names each SKU). */
const SKUS_PER_LOOKUP = 100;

const clients = new WeakMap<ChannelSource, ReturnType<typeof createShopifyInventoryClient>>();
function clientFor(source: ChannelSource<ShopifySettings>) {
  let client = clients.get(source);
  if (!client) {
    client = createShopifyInventoryClient(shopifyClientOptions(source, 1));
    clients.set(source, client);
  }
  return client;
}

const locationGid = (id: string) => (/^\d+$/.test(id) ? `gid://shopify/Location/${id}` : id);

/** Same items and quantities, same key: Shopify answers a repeat without applying it twice. */
async function idempotencyKey(runId: string, quantities: Array<{ inventoryItemId: string; quantity: number }>): Promise<string> {
  const text = `${runId}\n${quantities.map((item) => `${item.inventoryItemId}=${item.quantity}`).join("\n")}`;
  const digest = toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))));
  return `${digest.slice(0, 8)}-${digest.slice(8, 12)}-${digest.slice(12, 16)}-${digest.slice(16, 20)}-${digest.slice(20, 32)}`;
}

export const shopifyStockPusher: StockPusher<ShopifySettings> = {
  cannotPush: (settings, credentialKeys) =>
    holdsAdminApiAccess(settings, credentialKeys)
      ? null
      : "The channel needs the shop's domain and an Admin API access token with write_inventory",

  locate: {
    batchSize: SKUS_PER_LOOKUP,
    async find(source, skus) {
      const found = new Map<string, StoreRef>();
      for (const [sku, variant] of await clientFor(source).variantsBySku(skus)) {
        found.set(sku, { inventory_item_id: variant.inventoryItemId, variant_id: variant.variantId, tracked: variant.tracked });
      }
      return found;
    },
  },

  async prepare(source, settings) {
    if (settings.location_id) return { context: { location_id: locationGid(settings.location_id) }, requests: 0 };
    const client = clientFor(source);
    const before = client.requests;
    const locations = await client.locations();
    if (locations.length !== 1) {
      throw new StoreApiError(
        locations.length === 0
          ? "The shop has no active location to hold stock"
          : `The shop has ${locations.length} locations (${locations.map((location) => `${location.name}: ${location.id}`).join(", ")}); choose one as the channel's stock-sync location_id`,
        200,
        "location_needed",
        false,
      );
    }
    return { context: { location_id: locations[0].id }, requests: client.requests - before };
  },

  batches: (items) => chunk(items, MAX_QUANTITIES),

  async push(source, context, batch, runId) {
    // Shopify keeps no quantity for an item that does not track inventory; say so instead of sending it.
    const untracked = batch.filter((item) => item.ref?.tracked === false);
    const tracked = batch.filter((item) => item.ref?.tracked !== false);
    const outcomes = untracked.map((item) => ({
      sku: item.sku,
      result: "refused" as const,
      reason: "Shopify does not track inventory for this variant (Inventory › Track quantity is off)",
    }));
    if (tracked.length === 0) return outcomes;
    const quantities = tracked.map((item) => ({ inventoryItemId: String(item.ref?.inventory_item_id), quantity: item.quantity }));
    const results = await clientFor(source).setAvailable({
      locationId: String(context.location_id),
      quantities,
      idempotencyKey: await idempotencyKey(runId, quantities),
      syncId: runId,
    });
    const bySku = new Map(tracked.map((item) => [String(item.ref?.inventory_item_id), item.sku]));
    return [
      ...outcomes,
      ...results.map((result) => {
        const sku = bySku.get(result.inventoryItemId) ?? "?";
        if (result.ok) return { sku, result: "ok" as const };
        const reason = result.error ?? "refused";
        // Shopify applies a mutation whole or not at all: the others of a refused item's batch go again at once, without it.
        if (result.code === "NOT_APPLIED") return { sku, result: "retry" as const, reason, afterMs: 0 };
        // An inventory item that no longer exists: the variant was deleted or replaced.
        return /INVALID_INVENTORY_ITEM|not found|does not exist/i.test(reason) ? { sku, result: "stale" as const, reason } : { sku, result: "refused" as const, reason };
      }),
    ];
  },
};
