/**
 * Reconciliation for Shopify: the orders updated since a time, read through the Admin API and
 * turned into the same arrivals a webhook would bring. Webhooks get lost (Shopify retries 8 times
 * over 4 hours, then gives up); this is how their orders still appear.
 */
import { sourceUpdatedAt } from "../../orders/order";
import type { ArrivalPage, ChannelSource, Reconciler } from "../types";
import { shopifyOrderArrivals } from ".";
import { createShopifyClient, shopifyClientOptions } from "./shopify-api";
import { holdsAdminApiAccess, type ShopifySettings } from "./shopify-settings";

async function* shopifyArrivalsSince(source: ChannelSource<ShopifySettings>, since: Date): AsyncGenerator<ArrivalPage> {
  const client = createShopifyClient(shopifyClientOptions(source));
  for await (const page of client.ordersUpdatedSince(since)) {
    const result: ArrivalPage = { arrivals: [], unreadable: [], requests: page.requests };
    for (const raw of page.orders) {
      // One key per order state: sweeps that overlap find the same state and store nothing.
      const verdict = await shopifyOrderArrivals(raw, (order) => `state:${order.external_id}:${sourceUpdatedAt(order)}`);
      if (verdict.kind === "arrivals") result.arrivals.push(...verdict.arrivals);
      else if (verdict.kind === "rejected") result.unreadable.push({ externalId: String((raw as { id?: unknown })?.id ?? "?"), reason: verdict.rejection.message });
    }
    yield result;
  }
}

export const shopifyReconciler: Reconciler<ShopifySettings> = {
  canReconcile: holdsAdminApiAccess,
  arrivalsSince: shopifyArrivalsSince,
  maxLookbackMs: 60 * 86_400_000,
};
