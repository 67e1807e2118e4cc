/**
 * Confirming a WooCommerce Premium `order.deleted` (the queue's side of a deferred delivery). The
 * webhook is just `{"id":N}`, signed (verify checked that): it says the order went to the trash,
 * not when. WooCommerce queues its deliveries, so the order may be back by the time it arrives,
 * and a restore sent after it may come first or later. The store knows, so the confirmer asks it:
 * - the order is in the trash: a removal as of its `date_modified_gmt` (the store's time of the trash);
 * - it is not (restored meanwhile): its current state, which supersedes the removal;
 * - the store cannot tell (gone for good, the keys refused, an unreadable order): the removal as a
 *   plain WooCommerce channel reads it, cancelling the state held (see RemovalArrival.ordering).
 * The store unreachable is a retryable error: the queue asks again later.
 */
import { StoreApiError } from "../store-api-error";
import type { ChannelConfig, ChannelSource, DeferredConfirmer, InboundRequest, ParseVerdict } from "../types";
import { wooArrivals, wooPremiumAdapter } from ".";
import { wooClientOf } from "./woocommerce-api";
import { MoneyFormatError } from "../../orders/money";
import type { WooPremiumSettings } from "./woocommerce-settings";

async function confirm(
  request: InboundRequest,
  channel: ChannelConfig<WooPremiumSettings>,
  source: Pick<ChannelSource, "credentials" | "fetch" | "now" | "sleep">,
): Promise<ParseVerdict> {
  // What the webhook alone says (pure): a removal of one order, or why the body is refused.
  const plain = await wooPremiumAdapter.parse(request, channel);
  if (plain.kind !== "arrivals") return plain;
  const [removal] = plain.arrivals;
  const { consumer_key: key, consumer_secret: secret } = source.credentials;
  if (removal.type !== "removal" || !/^\d{1,20}$/.test(removal.externalId) || typeof channel.settings.store_url !== "string" || !key || !secret) return plain;

  const client = wooClientOf({ settings: channel.settings, credentials: source.credentials, signingSecret: null, fetch: source.fetch, now: source.now, sleep: source.sleep });
  let order: unknown;
  try {
    order = await client.order(removal.externalId);
  } catch (error) {
    if (error instanceof StoreApiError && !error.retryable) return plain;
    throw error;
  }
  try {
    const current = wooArrivals(order);
    return current.kind === "arrivals" ? current : plain;
  } catch (error) {
    if (error instanceof MoneyFormatError) return plain;
    throw error;
  }
}

export const wooDeletionConfirmer: DeferredConfirmer<WooPremiumSettings> = { confirm };
