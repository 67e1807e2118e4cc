/** What travels on the order queue. Checked with zod on the way out of the queue. */
import { z } from "zod";

export const orderMessageSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("order.received"),
    order_id: z.string(),
    /** The order version that caused the message; older messages for newer versions still work. */
    version: z.number().int().positive(),
  }),
  z.object({
    type: z.literal("channel.reconcile"),
    channel_id: z.string(),
  }),
]);

export type OrderMessage = z.infer<typeof orderMessageSchema>;

export const orderReceived = (orderId: string, version: number): OrderMessage => ({
  type: "order.received",
  order_id: orderId,
  version,
});

export const reconcileChannel = (channelId: string): OrderMessage => ({ type: "channel.reconcile", channel_id: channelId });
