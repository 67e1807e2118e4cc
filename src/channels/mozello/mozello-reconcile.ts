/**
 * Reconciliation for Mozello: the orders created since a time, read through the Store API, as the
 * same arrivals a notification brings. Mozello filters orders only by creation time, so each sweep
 * re-reads a fixed look-back (the last 14 days by default) to catch later payments and dispatches.
 */
import type { ArrivalPage, ChannelSource, Reconciler } from "../types";
import { mozelloOrderArrival } from ".";
import { mozelloClientOf } from "./mozello-api";
import type { MozelloSettings } from "./mozello-settings";

export const LOOKBACK_MS = 14 * 86_400_000;

async function* mozelloArrivalsSince(source: ChannelSource<MozelloSettings>, since: Date): AsyncGenerator<ArrivalPage> {
  const client = mozelloClientOf(source);
  // Orders change after they are created, and Mozello cannot be asked by change time.
  const from = new Date(Math.min(since.getTime(), Date.now() - LOOKBACK_MS));
  let counted = 0;
  for await (const orders of client.ordersCreatedSince(from)) {
    const page: ArrivalPage = { arrivals: [], unreadable: [], requests: client.requests - counted };
    counted = client.requests;
    for (const raw of orders) {
      const verdict = mozelloOrderArrival(raw);
      if (verdict.kind === "arrivals") page.arrivals.push(...verdict.arrivals);
      else if (verdict.kind === "rejected") page.unreadable.push({ externalId: String((raw as { order_id?: unknown })?.order_id ?? "?"), reason: verdict.rejection.message });
    }
    yield page;
  }
}

export const mozelloReconciler: Reconciler<MozelloSettings> = {
  // The API key is the channel's secret, which every channel has.
  canReconcile: () => true,
  arrivalsSince: mozelloArrivalsSince,
  maxLookbackMs: 60 * 86_400_000,
};
