/**
 * Statements on orders and order_events the channels helper needs; they move into
 * src/orders/order-store.ts at merge.
 */

/**
 * How many of the channel's orders there are, and how many of them any delivery brought (before or
 * after a sweep found them); a statement, so it can share a batch with the sweeps' own read.
 */
export const countOrdersSeenByWebhook = (d1: D1Database, channelId: string): D1PreparedStatement =>
  d1
    .prepare(
      `SELECT count(*) AS total,
              sum(EXISTS (SELECT 1 FROM order_events e WHERE e.order_id = o.id AND e.origin = 'delivery')) AS by_webhook
       FROM orders o WHERE o.channel_id = ?1`,
    )
    .bind(channelId);

export interface OrdersSeenByWebhook {
  total: number;
  by_webhook: number | null;
}
