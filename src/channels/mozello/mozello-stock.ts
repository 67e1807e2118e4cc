/**
 * Stock push to Mozello: `POST /store/products/batch_update_by_sku/`, at most 1000 SKUs a request,
 * no lookup needed. Mozello allows 5 requests a second; the client spaces its requests by 220 ms.
 * A SKU is synced only when Mozello's answer names it without an error; one it does not name is
 * tried again (and fails after the engine's attempts), never counted as synced.
 */
import type { StockPusher } from "../stock-pusher";
import type { ChannelSource } from "../types";
import { chunk } from "../../lib/chunk";
import { mozelloClientOf, MAX_STOCK_BATCH } from "./mozello-api";
import type { MozelloSettings } from "./mozello-settings";

const clients = new WeakMap<ChannelSource, ReturnType<typeof mozelloClientOf>>();
function clientFor(source: ChannelSource<MozelloSettings>) {
  let client = clients.get(source);
  if (!client) {
    // One attempt: the sync engine retries.
    client = mozelloClientOf(source, { maxAttempts: 1 });
    clients.set(source, client);
  }
  return client;
}

export const mozelloStockPusher: StockPusher<MozelloSettings> = {
  // The channel's secret is the store's API key, so a Mozello channel can always push.
  cannotPush: () => null,

  batches: (items) => chunk(items, MAX_STOCK_BATCH),

  async push(source, _context, batch) {
    const results = await clientFor(source).updateStockBySku(batch.map((item) => ({ sku: item.sku, stock: item.quantity })));
    return results.map((result) => {
      if (result.ok) return { sku: result.sku, result: "ok" as const };
      // Sending the same absolute stock again is harmless; counting it as set when Mozello did not say so is not.
      if (result.unconfirmed) {
        return { sku: result.sku, result: "retry" as const, reason: "unconfirmed: Mozello's answer did not list this SKU's result, so it is sent again rather than counted as set" };
      }
      const reason = `${result.code ?? "error"}: ${result.error ?? "refused"}`;
      return result.code === 404 ? { sku: result.sku, result: "missing" as const, reason } : { sku: result.sku, result: "refused" as const, reason };
    });
  },
};
