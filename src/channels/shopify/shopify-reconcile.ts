/**
 * Reconciliation for Shopify: the orders updated since a time, read through the Admin API and
 * turned into the same arrivals a webhook would bring. Webhooks get lost (Shopify retries 8 times
 * over 4 hours, then gives up); this is how their orders still appear.
 */
import { sourceUpdatedAt } from "../../orders/order";
import type { ArrivalPage, Reconciler, ReconcileSource } from "../types";
import { shopifyOrderArrivals } from ".";
import { createShopifyClient } from "./shopify-api";
import { DEFAULT_API_VERSION } from "./shopify-settings";

/** Whether the channel holds what a sweep needs. */
function canReconcileShopify(settings: Record<string, unknown>, credentialKeys: string[]): boolean {
  return typeof settings.shop_domain === "string" && credentialKeys.includes("access_token");
}

export function shopBaseUrl(shopDomain: string): string {
  // A full URL only passes settings validation where plain-HTTP stores are allowed (tests).
  return /^https?:\/\//.test(shopDomain) ? shopDomain.replace(/\/$/, "") : `https://${shopDomain}`;
}

async function* shopifyArrivalsSince(source: ReconcileSource, since: Date): AsyncGenerator<ArrivalPage> {
  const client = createShopifyClient({
    baseUrl: shopBaseUrl(String(source.settings.shop_domain)),
    accessToken: source.credentials.access_token,
    apiVersion: typeof source.settings.api_version === "string" ? source.settings.api_version : DEFAULT_API_VERSION,
    fetch: source.fetch,
    sleep: source.sleep,
  });
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

export const shopifyReconciler: Reconciler = {
  canReconcile: canReconcileShopify,
  arrivalsSince: shopifyArrivalsSince,
  maxLookbackMs: 60 * 86_400_000,
};
