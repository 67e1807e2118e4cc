/**
 * Reconciliation for Shopify: the orders updated since a time, read through the Admin API and
 * turned into the same arrivals a webhook would bring. Webhooks get lost (Shopify retries 8 times
 * over 4 hours, then gives up); this is how their orders still appear.
 */
import { decodeOrder } from "../../orders/order";
import { sourceUpdatedAt } from "../../orders/order";
import type { ArrivalPage, OrderArrival, Reconciler, ReconcileSource } from "../types";
import { createShopifyClient } from "./shopify-api";
import { mapShopifyOrder } from "./map-shopify-order";
import { shopifyOrderSchema } from "./shopify-payload";
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
    const arrivals: OrderArrival[] = [];
    const unreadable: ArrivalPage["unreadable"] = [];
    for (const raw of page.orders) {
      const externalId = String((raw as { id?: unknown })?.id ?? "?");
      const payload = shopifyOrderSchema.safeParse(raw);
      if (!payload.success) {
        unreadable.push({ externalId, reason: payload.error.issues[0]?.message ?? "unreadable" });
        continue;
      }
      try {
        const decoded = decodeOrder(mapShopifyOrder(payload.data));
        if (!decoded.ok) {
          unreadable.push({ externalId, reason: `${decoded.issues[0].field}: ${decoded.issues[0].message}` });
          continue;
        }
        const order = decoded.order;
        // One key per order state: sweeps that overlap find the same state and store nothing.
        arrivals.push({ type: "order", key: `state:${order.external_id}:${sourceUpdatedAt(order)}`, order });
      } catch (error) {
        unreadable.push({ externalId, reason: (error as Error).message });
      }
    }
    yield { arrivals, unreadable, requests: page.requests };
  }
}

export const shopifyReconciler: Reconciler = {
  canReconcile: canReconcileShopify,
  arrivalsSince: shopifyArrivalsSince,
  maxLookbackMs: 60 * 86_400_000,
};
