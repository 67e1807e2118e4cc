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
  /** When it happened (ISO 8601): the order is cancelled as of then. */
  at: string;
  /**
   * How the removal is ordered against the order's states (their source_updated_at):
   * - "store": `at` is the store's own modification time of the removal: a state the store
   *   modified later brings the order back, and a removal older than the state held is stale;
   * - "held": the store gave no time (`at` is when the inbox learnt of it, for the timeline): the
   *   removal cancels the state held, as of that state's time, so any state the store modified
   *   after it (a restore) brings the order back, whenever it arrives;
   * - absent: as of `at`, when the inbox learnt of it (a removal the store never undoes).
   */
  ordering?: "store" | "held";
}

/**
 * Money that came back after a reversal or chargeback (a won dispute: PayPal's Canceled_Reversal,
 * its T1202 chargeback reversal). Keyed by its own transaction id; it names the payment (or the
 * reversal) it belongs to, and undoes that payment's reversal of the same amount.
 */
export interface Reinstatement {
  external_id: string;
  /** The payment the reversal was of, or the reversal itself: PayPal names one or the other. */
  parent_external_id: string;
  currency: string;
  /** Minor units, positive: what came back. */
  amount: number;
  created_at: string;
  note: string | null;
}

export interface ReinstatementArrival {
  type: "reinstatement";
  key: string;
  reinstatement: Reinstatement;
}

export type Arrival = OrderArrival | RefundArrival | RemovalArrival | ReinstatementArrival;
