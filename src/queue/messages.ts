/**
 * What travels on the order queue, checked with zod on the way out of it. Every layer that queues
 * work imports this module, so it imports nothing of the inbox itself.
 */
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
  z.object({
    /**
     * Run the order's document steps again, whatever its version: a refund arrived for it, or a
     * product it was waiting for now exists.
     */
    type: z.literal("order.automate"),
    order_id: z.string(),
  }),
  z.object({
    /** A stored delivery whose source must confirm it before it counts (PayPal). */
    type: z.literal("delivery.confirm"),
    delivery_id: z.string(),
  }),
  z.object({
    /** The next step of a stock sync; a message for a step already taken is a duplicate. */
    type: z.literal("stock.sync"),
    sync_id: z.string(),
    step: z.number().int().nonnegative(),
  }),
  z.object({
    /** Ask VIES about a reverse-charge buyer's VAT number (country prefix included) and keep the answer. */
    type: z.literal("vat.check"),
    vat_number: z.string().regex(/^[A-Z]{2}[0-9A-Z+*]{2,13}$/),
  }),
  z.object({
    /** Send one recorded document e-mail (document_emails.send_key); a sent one is not sent again. */
    type: z.literal("document.email"),
    send_key: z.string(),
  }),
]);

export type OrderMessage = z.infer<typeof orderMessageSchema>;

export const orderReceived = (orderId: string, version: number): OrderMessage => ({
  type: "order.received",
  order_id: orderId,
  version,
});

export const reconcileChannel = (channelId: string): OrderMessage => ({ type: "channel.reconcile", channel_id: channelId });

export const automateOrderMessage = (orderId: string): OrderMessage => ({ type: "order.automate", order_id: orderId });

export const stockSyncStep = (syncId: string, step: number): OrderMessage => ({ type: "stock.sync", sync_id: syncId, step });

export const confirmDelivery = (deliveryId: string): OrderMessage => ({ type: "delivery.confirm", delivery_id: deliveryId });

export const checkVatNumberMessage = (vatNumber: string): OrderMessage => ({ type: "vat.check", vat_number: vatNumber });

export const sendDocumentEmail = (sendKey: string): OrderMessage => ({ type: "document.email", send_key: sendKey });
