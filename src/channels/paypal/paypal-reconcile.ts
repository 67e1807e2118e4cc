/**
 * The transaction feed: PayPal's Transaction Search over the merchant's account, the source of
 * truth for the PayPal channel. Each sweep reads [since, now] in windows of at most 31 days (PayPal's
 * limit), every page, with every field. PayPal publishes transactions up to three hours late, so
 * the sweep overlaps the last one by three hours, and never moves its cursor past
 * `last_refreshed_datetime` (how far PayPal's data is complete) or past a payment still pending
 * (it must stay in view until it completes). A window with too many rows is split in two.
 */
import type { Arrival } from "../../orders/arrival";
import type { ArrivalPage, ChannelSource, Reconciler } from "../types";
import { createPayPalClient, notAvailableYet } from "./paypal-api";
import { paypalTime, transactionDetailSchema, transactionPageSchema } from "./paypal-payloads";
import { readTransaction } from "./paypal-read";
import { paypalEndpoints, type PayPalSettings } from "./paypal-settings";
import { StoreApiError } from "../store-api-error";

export const MAX_WINDOW_MS = 31 * 86_400_000;
export const OVERLAP_MS = 3 * 3_600_000;
/** How long a pending payment holds the cursor back; echecks clear within days. */
export const PENDING_HOLD_MS = 30 * 86_400_000;
/** Smallest window worth splitting further when PayPal says the result set is too large. */
const MIN_SPLIT_MS = 60_000;

async function* paypalArrivalsSince(source: ChannelSource<PayPalSettings>, since: Date): AsyncGenerator<ArrivalPage> {
  const { now } = source;
  const client = createPayPalClient({
    endpoints: paypalEndpoints(source.settings),
    clientId: source.settings.client_id,
    clientSecret: source.credentials.client_secret,
    fetch: source.fetch,
    sleep: source.sleep,
  });
  let counted = 0;
  const windows: Array<[number, number]> = [];
  for (let start = since.getTime(); start < now; start += MAX_WINDOW_MS) windows.push([start, Math.min(start + MAX_WINDOW_MS, now)]);

  while (windows.length) {
    const [start, end] = windows.shift()!;
    for (let page = 1, pages = 1; page <= pages; page++) {
      let response: unknown;
      try {
        response = await client.searchTransactions(new Date(start), new Date(end), page);
      } catch (error) {
        if (!(error instanceof StoreApiError)) throw error;
        if (error.code === "RESULTSET_TOO_LARGE" && page === 1 && end - start > MIN_SPLIT_MS) {
          const middle = start + Math.floor((end - start) / 2);
          windows.unshift([start, middle], [middle, end]);
          break;
        }
        if (notAvailableYet(error)) {
          // PayPal has no data from here on yet (its Monday quirk, or a start past last_refreshed_datetime): come back for this window later.
          yield { arrivals: [], unreadable: [], requests: client.requests - counted, holdCursorAt: start };
          return;
        }
        throw error;
      }
      const parsed = transactionPageSchema.parse(response);
      pages = parsed.total_pages ?? 1;
      const result: ArrivalPage = { arrivals: [] as Arrival[], unreadable: [], requests: client.requests - counted };
      counted = client.requests;
      const refreshed = Date.parse(paypalTime(parsed.last_refreshed_datetime) ?? "");
      if (!Number.isNaN(refreshed) && refreshed < end) result.holdCursorAt = refreshed;
      for (const raw of parsed.transaction_details ?? []) {
        const detail = transactionDetailSchema.safeParse(raw);
        if (!detail.success) {
          const id = (raw as { transaction_info?: { transaction_id?: unknown } })?.transaction_info?.transaction_id;
          result.unreadable.push({ externalId: String(id ?? "?"), reason: detail.error.issues[0]?.message ?? "unreadable" });
          continue;
        }
        const reading = readTransaction(detail.data, source.settings);
        if (reading.kind === "arrival") result.arrivals.push(reading.arrival);
        else if (reading.kind === "unreadable") result.unreadable.push({ externalId: detail.data.transaction_info.transaction_id, reason: reading.reason });
        else if (reading.kind === "pending" && reading.since > now - PENDING_HOLD_MS) {
          result.holdCursorAt = Math.min(result.holdCursorAt ?? reading.since, reading.since);
        }
      }
      yield result;
    }
  }
}

export const paypalReconciler: Reconciler<PayPalSettings> = {
  canReconcile: (settings, credentialKeys) => typeof settings.client_id === "string" && credentialKeys.includes("client_secret"),
  arrivalsSince: paypalArrivalsSince,
  // Transaction Search keeps three years; a first sweep of 24 hours and the cursor from there is enough.
  maxLookbackMs: 3 * 365 * 86_400_000,
  overlapMs: OVERLAP_MS,
};
