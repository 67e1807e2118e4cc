/**
 * What a channel hands the inbox: one arrival per order state, refund or removal a delivery (or a
 * sweep) carried, each with the key that makes storing it idempotent.
 */
import type { Order } from "./order";
import type { Refund } from "./refund";

/** One order state as the source sent it, with the key that makes storing it idempotent. */
export interface OrderArrival {
  type: "order";
  /** Unique per channel for this arrival: the same key twice is the same event. */
  key: string;
  order: Order;
}

/** A refund the store made; its own id makes storing it idempotent. */
export interface RefundArrival {
  type: "refund";
  key: string;
  refund: Refund;
}

/** The store removed an order (WooCommerce moves it to the trash) without sending its state. */
export interface RemovalArrival {
  type: "removal";
  key: string;
  externalId: string;
  /** When the inbox learnt of it (ISO 8601): the order is cancelled as of then. */
  at: string;
}

export type Arrival = OrderArrival | RefundArrival | RemovalArrival;
