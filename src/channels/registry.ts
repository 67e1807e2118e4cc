/**
 * Every channel type the inbox knows: the adapter that reads its deliveries (null until its issue
 * lands) and, where the store has an API we read, its reconciler. A Record over ChannelType is
 * exhaustive by construction: a new type does not compile until it is listed here.
 */
import { connectAdapter } from "./connect";
import { mozelloAdapter } from "./mozello";
import { mozelloReconciler } from "./mozello/mozello-reconcile";
import { shopifyAdapter } from "./shopify";
import { shopifyReconciler } from "./shopify/shopify-reconcile";
import { createWooAdapter, wooAdapter } from "./woocommerce";
import { wooReconciler } from "./woocommerce/woocommerce-reconcile";
import { wooPremiumSettings } from "./woocommerce/woocommerce-settings";
import { paypalAdapter } from "./paypal";
import { paypalConfirmer } from "./paypal/paypal-confirm";
import { paypalReconciler } from "./paypal/paypal-reconcile";
import { mozelloStockPusher } from "./mozello/mozello-stock";
import { shopifyStockPusher } from "./shopify/shopify-stock";
import { wooStockPusher } from "./woocommerce/woocommerce-stock";
import type { StockPusher } from "./stock-pusher";
import type { ChannelAdapter, ChannelType, DeferredConfirmer, Reconciler } from "./types";

interface ChannelKind {
  adapter: ChannelAdapter | null;
  reconciler: Reconciler | null;
  /** For adapters whose deliveries only the source can verify (verify answers "deferred"). */
  confirmer?: DeferredConfirmer;
  /** For stores the inbox pushes stock to. */
  stockPusher?: StockPusher;
}

const CHANNEL_KINDS: Record<ChannelType, ChannelKind> = {
  connect: { adapter: connectAdapter, reconciler: null },
  shopify: { adapter: shopifyAdapter, reconciler: shopifyReconciler, stockPusher: shopifyStockPusher },
  woocommerce: { adapter: wooAdapter, reconciler: null },
  "woocommerce-premium": { adapter: createWooAdapter("woocommerce-premium", wooPremiumSettings), reconciler: wooReconciler, stockPusher: wooStockPusher },
  paypal: { adapter: paypalAdapter, reconciler: paypalReconciler, confirmer: paypalConfirmer },
  mozello: { adapter: mozelloAdapter, reconciler: mozelloReconciler, stockPusher: mozelloStockPusher },
};

export const adapterFor = (type: ChannelType): ChannelAdapter | null => CHANNEL_KINDS[type]?.adapter ?? null;
export const reconcilerFor = (type: ChannelType): Reconciler | null => CHANNEL_KINDS[type]?.reconciler ?? null;
export const confirmerFor = (type: ChannelType): DeferredConfirmer | null => CHANNEL_KINDS[type]?.confirmer ?? null;
export const stockPusherFor = (type: ChannelType): StockPusher | null => CHANNEL_KINDS[type]?.stockPusher ?? null;
