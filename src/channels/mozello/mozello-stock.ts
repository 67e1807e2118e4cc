/**
 * Stock push to Mozello: `POST /store/products/batch_update_by_sku/`, at most 1000 SKUs a request,
 * no lookup needed. Mozello allows 5 requests a second; the client spaces its requests by 220 ms.
 */
import type { StockPusher, StockSource } from "../stock-pusher";
import { chunk } from "../../lib/chunk";
import { createMozelloClient, MAX_STOCK_BATCH } from "./mozello-api";
import { MOZELLO_API } from "./mozello-settings";

const clients = new WeakMap<StockSource, ReturnType<typeof createMozelloClient>>();
function clientFor(source: StockSource) {
  let client = clients.get(source);
  if (!client) {
    client = createMozelloClient({
      apiKey: source.signingSecret ?? "",
      baseUrl: typeof source.settings.api_url === "string" ? source.settings.api_url : MOZELLO_API,
      fetch: source.fetch,
      maxAttempts: 1,
    });
    clients.set(source, client);
  }
  return client;
}

export const mozelloStockPusher: StockPusher = {
  // The channel's secret is the store's API key, so a Mozello channel can always push.
  cannotPush: () => null,

  batches: (items) => chunk(items, MAX_STOCK_BATCH),

  async push(source, _context, batch) {
    const results = await clientFor(source).updateStockBySku(batch.map((item) => ({ sku: item.sku, stock: item.quantity })));
    return results.map((result) => {
      if (result.ok) return { sku: result.sku, result: "ok" as const };
      const reason = `${result.code ?? "error"}: ${result.error ?? "refused"}`;
      return result.code === 404 ? { sku: result.sku, result: "missing" as const, reason } : { sku: result.sku, result: "refused" as const, reason };
    });
  },
};
