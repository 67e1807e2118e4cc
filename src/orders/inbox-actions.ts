/**
 * What a person does with an order in the inbox: set it aside (ignore), bring it back (restore),
 * or queue it for processing again. Each reads the order once and changes it only from the state
 * it was read in.
 */
import type { Services } from "../context";
import type { OrderRow } from "../db/schema";
import { AppError } from "../lib/errors";
import { automateOrderMessage, orderReceived } from "../queue/messages";
import type { Order } from "./order";
import { loadOrder, markOrderRequeued, markOrderStatus } from "./order-store";
import { openStatus, type InboxStatus } from "./status";
import type { OrderWarning } from "./totals";

/** A concurrent change wins and this one does nothing. */
async function moveOrder(services: Services, row: OrderRow, to: InboxStatus, kind: "ignored" | "restored"): Promise<OrderRow> {
  const moved = await markOrderStatus(services.d1, row, { to, kind, at: services.now() });
  if (!moved) throw new AppError("conflict", "The order changed meanwhile: load it again");
  return loadOrder(services.db, row.id);
}

/** Sets an order aside; one already ignored stays as it is, a processed one cannot be. */
export async function ignoreOrder(services: Services, id: string): Promise<OrderRow> {
  const row = await loadOrder(services.db, id);
  if (row.status === "ignored") return row;
  if (row.status === "processed") throw new AppError("conflict", "A processed order cannot be ignored");
  return moveOrder(services, row, "ignored", "ignored");
}

/** Brings an ignored order back to the status its content gives it. */
export async function restoreOrder(services: Services, id: string): Promise<OrderRow> {
  const row = await loadOrder(services.db, id);
  if (row.status !== "ignored") throw new AppError("conflict", `Only an ignored order can be restored; this one is ${row.status}`);
  const status = openStatus(JSON.parse(row.data) as Order, JSON.parse(row.warnings) as OrderWarning[]);
  return moveOrder(services, row, status, "restored");
}

export interface ManyChanged {
  changed: number;
  /** The orders left as they were, each with the reason a person can act on. */
  refused: Array<{ id: string; message: string }>;
}

/** Many orders at once, each on its own: one that cannot be changed does not stop the others. */
async function eachOrder(ids: string[], change: (id: string) => Promise<unknown>): Promise<ManyChanged> {
  const result: ManyChanged = { changed: 0, refused: [] };
  for (const id of ids) {
    try {
      await change(id);
      result.changed++;
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      result.refused.push({ id, message: error.message });
    }
  }
  return result;
}

export const ignoreOrders = (services: Services, ids: string[]): Promise<ManyChanged> => eachOrder(ids, (id) => ignoreOrder(services, id));

export const restoreOrders = (services: Services, ids: string[]): Promise<ManyChanged> => eachOrder(ids, (id) => restoreOrder(services, id));

/**
 * Queues an order whose processing failed (or has not caught up) again, or whose automation is
 * still owed (reviewed, but its document steps never ran to their end).
 */
export async function reprocessOrder(services: Services, id: string): Promise<OrderRow> {
  const { db, d1, queue, now } = services;
  const row = await loadOrder(db, id);
  const processed = row.processedVersion >= row.version;
  if (processed && !row.processingFailedAt && row.automationDueAt === null) throw new AppError("conflict", "This order is already processed");
  await markOrderRequeued(d1, row.id, now());
  // Processed but its documents failed or are still owed: only the document steps run again.
  await queue.send(processed ? automateOrderMessage(row.id) : orderReceived(row.id, row.version));
  return loadOrder(db, row.id);
}
