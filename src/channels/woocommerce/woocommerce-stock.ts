/**
 * Stock push to WooCommerce Premium: SKUs are looked up once (`GET /products?sku=a,b,…`, variations
 * included) and kept; quantities go out through the batch endpoints, at most 100 items a request,
 * simple products through `/products/batch` and each variable product's variations through
 * `/products/{id}/variations/batch`. `manage_stock` is sent with every quantity, since WooCommerce
 * drops a quantity for a product that does not manage stock.
 */
import type { StockItem, StockPusher, StoreRef } from "../stock-pusher";
import type { ChannelSource } from "../types";
import { chunk } from "../../lib/chunk";
import { StoreApiError } from "../store-api-error";
import { BATCH_LIMIT, wooClientOf } from "./woocommerce-api";
import { holdsRestApiKeys, type WooPremiumSettings } from "./woocommerce-settings";

const INVALID_ID = new Set(["woocommerce_rest_product_invalid_id", "woocommerce_rest_product_variation_invalid_id"]);

// One client per step (source): it counts requests and is built with one attempt, since the sync engine retries.
const clients = new WeakMap<ChannelSource, ReturnType<typeof wooClientOf>>();
function clientFor(source: ChannelSource<WooPremiumSettings>) {
  let client = clients.get(source);
  if (!client) {
    client = wooClientOf(source, { now: () => source.now, maxAttempts: 1 });
    clients.set(source, client);
  }
  return client;
}

const parentOf = (item: StockItem) => Number(item.ref?.parent_id ?? 0);

export const wooStockPusher: StockPusher<WooPremiumSettings> = {
  cannotPush: (settings, credentialKeys) =>
    holdsRestApiKeys(settings, credentialKeys) ? null : "The channel needs its store URL, consumer key and consumer secret (Read/Write)",

  locate: {
    batchSize: BATCH_LIMIT,
    async find(source, skus) {
      const found = new Map<string, StoreRef>();
      for (const product of await clientFor(source).productsBySku(skus)) {
        if (!product.sku || !skus.includes(product.sku)) continue;
        // A variable product's own SKU names the family; its variations carry the stock.
        if (product.type === "variable" && found.has(product.sku)) continue;
        found.set(product.sku, { id: product.id, parent_id: product.parent_id ?? 0, type: product.type ?? "simple" });
      }
      return found;
    },
  },

  async prepare(source) {
    const client = clientFor(source);
    const before = client.requests;
    if (!(await client.stockManagementEnabled())) {
      throw new StoreApiError(
        "WooCommerce's stock management is off (WooCommerce › Settings › Products › Inventory › Enable stock management), so it would ignore every quantity",
        200,
        "stock_management_off",
        false,
      );
    }
    return { context: {}, requests: client.requests - before };
  },

  batches(items) {
    const byEndpoint = new Map<number, StockItem[]>();
    for (const item of items) byEndpoint.set(parentOf(item), [...(byEndpoint.get(parentOf(item)) ?? []), item]);
    return [...byEndpoint.values()].flatMap((group) => chunk(group, BATCH_LIMIT));
  },

  async push(source, _context, batch) {
    const byId = new Map(batch.map((item) => [Number(item.ref?.id), item.sku]));
    const results = await clientFor(source).updateStock(
      batch.map((item) => ({ id: Number(item.ref?.id), parentId: parentOf(item) || undefined, stockQuantity: item.quantity })),
    );
    const answered = new Map(results.map((result) => [result.id, result]));
    return [...byId].map(([id, sku]) => {
      const result = answered.get(id);
      if (!result) return { sku, result: "retry" as const, reason: "WooCommerce's batch answer left this item out" };
      if (result.ok) return { sku, result: "ok" as const };
      const reason = `${result.code ?? "error"}: ${result.error ?? "refused"}`;
      return INVALID_ID.has(result.code ?? "") ? { sku, result: "stale" as const, reason } : { sku, result: "refused" as const, reason };
    });
  },
};
