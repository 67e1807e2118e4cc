/**
 * Every channel type the inbox knows: the adapter that reads its deliveries and, where the store
 * has an API the inbox uses, what talks to it: its reconciler, confirmer, stock pusher and store
 * link. A Record over ChannelType is exhaustive by construction: a new type does not compile until
 * it is listed here.
 */
import { connectAdapter } from "./connect";
import { mozelloAdapter } from "./mozello";
import { mozelloStoreLink } from "./mozello/mozello-connect";
import { mozelloReconciler } from "./mozello/mozello-reconcile";
import { shopifyAdapter } from "./shopify";
import { shopifyReconciler } from "./shopify/shopify-reconcile";
import { wooAdapter, wooPremiumAdapter } from "./woocommerce";
import { wooStoreLink } from "./woocommerce/woocommerce-connect";
import { wooDeletionConfirmer } from "./woocommerce/woocommerce-confirm";
import { wooReconciler } from "./woocommerce/woocommerce-reconcile";
import { paypalAdapter } from "./paypal";
import { paypalConfirmer } from "./paypal/paypal-confirm";
import { paypalReconciler } from "./paypal/paypal-reconcile";
import { mozelloStockPusher } from "./mozello/mozello-stock";
import { shopifyStockPusher } from "./shopify/shopify-stock";
import { wooStockPusher } from "./woocommerce/woocommerce-stock";
import type { StockPusher } from "./stock-pusher";
import type { ChannelAdapter, ChannelType, DeferredConfirmer, Reconciler, StoreLink } from "./types";

interface ChannelKind {
  adapter: ChannelAdapter;
  reconciler: Reconciler | null;
  /** For adapters whose deliveries only the source can verify, or date (verify answers "deferred"). */
  confirmer?: DeferredConfirmer;
  /** For stores the inbox pushes stock to. */
  stockPusher?: StockPusher;
  /** For stores the inbox links to the channel itself ("Connect to the store"). */
  storeLink?: StoreLink;
}

const CHANNEL_KINDS: Record<ChannelType, ChannelKind> = {
  connect: { adapter: connectAdapter, reconciler: null },
  shopify: { adapter: shopifyAdapter, reconciler: shopifyReconciler, stockPusher: shopifyStockPusher },
  woocommerce: { adapter: wooAdapter, reconciler: null },
  "woocommerce-premium": {
    adapter: wooPremiumAdapter,
    reconciler: wooReconciler,
    // Only its order.deleted deliveries are deferred: the store says when the order went to the trash.
    confirmer: wooDeletionConfirmer,
    stockPusher: wooStockPusher,
    storeLink: wooStoreLink,
  },
  paypal: { adapter: paypalAdapter, reconciler: paypalReconciler, confirmer: paypalConfirmer },
  mozello: { adapter: mozelloAdapter, reconciler: mozelloReconciler, stockPusher: mozelloStockPusher, storeLink: mozelloStoreLink },
};

export const adapterFor = (type: ChannelType): ChannelAdapter | null => CHANNEL_KINDS[type]?.adapter ?? null;
export const reconcilerFor = (type: ChannelType): Reconciler | null => CHANNEL_KINDS[type]?.reconciler ?? null;
export const confirmerFor = (type: ChannelType): DeferredConfirmer | null => CHANNEL_KINDS[type]?.confirmer ?? null;
export const stockPusherFor = (type: ChannelType): StockPusher | null => CHANNEL_KINDS[type]?.stockPusher ?? null;
export const storeLinkFor = (type: ChannelType): StoreLink | null => CHANNEL_KINDS[type]?.storeLink ?? null;
/** Every adapter, in the order of CHANNEL_TYPES: for the type picker and the contract suite. */
export const allAdapters = (): ChannelAdapter[] => Object.values(CHANNEL_KINDS).map((kind) => kind.adapter);
