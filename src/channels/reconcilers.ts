/**
 * Channel types that can be reconciled: asked for their recent orders through the store's API, so
 * that orders whose webhook never came still appear. Outbound I/O lives here, never in adapters.
 */
import type { ArrivalPage, ReconcileSource } from "./shopify/shopify-reconcile";
import { canReconcileShopify, shopifyArrivalsSince } from "./shopify/shopify-reconcile";
import type { ChannelType } from "./types";

export type { ArrivalPage, ReconcileSource };

export interface Reconciler {
  canReconcile(settings: Record<string, unknown>, credentialKeys: string[]): boolean;
  arrivalsSince(source: ReconcileSource, since: Date): AsyncGenerator<ArrivalPage>;
  /** How far back a store lets us read (Shopify: 60 days without read_all_orders). */
  maxLookbackMs: number;
}

const DAY = 86_400_000;

export function reconcilerFor(type: ChannelType): Reconciler | null {
  switch (type) {
    case "shopify":
      return { canReconcile: canReconcileShopify, arrivalsSince: shopifyArrivalsSince, maxLookbackMs: 60 * DAY };
    case "connect":
    case "woocommerce":
    case "woocommerce-premium":
    case "paypal":
    case "mozello":
      return null;
    default: {
      const unreachable: never = type;
      throw new Error(`unknown channel type ${unreachable}`);
    }
  }
}
