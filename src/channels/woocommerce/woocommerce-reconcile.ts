/**
 * Reconciliation for WooCommerce Premium: orders modified since a time, read through the REST API
 * (`orders?modified_after=…&dates_are_gmt=true`, X-WP-TotalPages pages) and turned into the same
 * arrivals a webhook brings. WooCommerce has no retries: a webhook that failed is simply gone.
 */
import type { ArrivalPage, ChannelSource, Reconciler } from "../types";
import { wooClientOf } from "./woocommerce-api";
import { holdsRestApiKeys, type WooPremiumSettings } from "./woocommerce-settings";
import { reactivateWebhooks } from "./woocommerce-connect";
import { wooArrivals } from ".";

async function* wooArrivalsSince(source: ChannelSource<WooPremiumSettings>, since: Date): AsyncGenerator<ArrivalPage> {
  const client = wooClientOf(source);
  let counted = 0;
  for await (const page of client.ordersModifiedSince(since)) {
    const result: ArrivalPage = { arrivals: [], unreadable: [], requests: 0 };
    for (const raw of page.orders) {
      const externalId = String((raw as { id?: unknown })?.id ?? "?");
      try {
        const verdict = wooArrivals(raw);
        if (verdict.kind === "arrivals") result.arrivals.push(...verdict.arrivals);
        else if (verdict.kind === "rejected") result.unreadable.push({ externalId, reason: verdict.rejection.message });
      } catch (error) {
        result.unreadable.push({ externalId, reason: (error as Error).message });
      }
    }
    result.requests = client.requests - counted;
    counted = client.requests;
    yield result;
  }
}

export const wooReconciler: Reconciler<WooPremiumSettings> = {
  canReconcile: holdsRestApiKeys,
  arrivalsSince: wooArrivalsSince,
  maintain: (source, token) => reactivateWebhooks(wooClientOf(source), token),
  // WooCommerce keeps every order; a first sweep still looks back only FIRST_WINDOW.
  maxLookbackMs: 365 * 86_400_000,
};
