/**
 * Reconciliation for Mozello: the orders changed since a time, read through the Store API, as the
 * same arrivals a notification brings. The sweep asks by `modified_at` and, where Mozello refuses
 * that filter (400), by `created_at` over a fixed look-back (14 days) to catch later payments and
 * dispatches. Archived orders are listed only when asked for, so each sweep reads both sides: a
 * paid, dispatched order is archived at once.
 */
import { StoreApiError } from "../store-api-error";
import type { ArrivalPage, ChannelSource, Reconciler } from "../types";
import { mozelloOrderArrival } from ".";
import { mozelloClientOf } from "./mozello-api";
import type { MozelloSettings } from "./mozello-settings";

export const LOOKBACK_MS = 14 * 86_400_000;

async function* mozelloArrivalsSince(source: ChannelSource<MozelloSettings>, since: Date): AsyncGenerator<ArrivalPage> {
  const client = mozelloClientOf(source);
  let field: "modified_at" | "created_at" = "modified_at";
  let counted = 0;
  for (const archived of [false, true]) {
    for (let pass = 0; pass < 2; pass++) {
      // Orders change after they are created: by creation time, only a look-back finds the changes.
      const from = field === "modified_at" ? since : new Date(Math.min(since.getTime(), source.now - LOOKBACK_MS));
      let pages = 0;
      try {
        for await (const orders of client.orders({ field, since: from, archived })) {
          pages += 1;
          const page: ArrivalPage = { arrivals: [], unreadable: [], requests: client.requests - counted };
          counted = client.requests;
          for (const raw of orders) {
            const verdict = mozelloOrderArrival(raw, { via: "sweep", at: source.now });
            if (verdict.kind === "arrivals") page.arrivals.push(...verdict.arrivals);
            else if (verdict.kind === "rejected") page.unreadable.push({ externalId: String((raw as { order_id?: unknown })?.order_id ?? "?"), reason: verdict.rejection.message });
          }
          yield page;
        }
        break;
      } catch (error) {
        // Mozello refused the modified_at filter on its first page: the rest of the sweep goes by creation time.
        if (field === "modified_at" && pages === 0 && error instanceof StoreApiError && error.status === 400) {
          field = "created_at";
          continue;
        }
        throw error;
      }
    }
  }
}

export const mozelloReconciler: Reconciler<MozelloSettings> = {
  // The API key is the channel's secret, which every channel has.
  canReconcile: () => true,
  arrivalsSince: mozelloArrivalsSince,
  maxLookbackMs: 60 * 86_400_000,
};
