/**
 * /api/orders — the inbox itself: find orders, read one with its timeline and deliveries, set
 * aside (ignore) or bring back (restore) an order, and make its document.
 */
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv, Database } from "../context";
import { DOCUMENT_TYPES } from "../documents/automation";
import { documentById } from "../documents/document-store";
import { previewOrderDocument, processOrderByHand, processOrdersInBulk, type ProcessResult } from "../documents/from-order";
import { findDeliveriesOfOrder } from "../inbound/delivery-store";
import { limitSchema } from "../db/pagination";
import { fromMinor } from "../orders/money";
import { ignoreOrder, reprocessOrder, restoreOrder } from "../orders/inbox-actions";
import { loadOrderDetail } from "../orders/order-detail";
import { findOrders } from "../orders/order-store";
import { orderJson } from "../orders/order-wire";
import { INBOX_STATUSES } from "../orders/status";
import { documentJson } from "../documents/document-wire";
import { deliverySummary } from "../inbound/delivery-wire";
import { parseJsonBody, parseQuery } from "./validate";

export const orderListQuery = z.object({
  channel_id: z.string().optional(),
  status: z.enum(INBOX_STATUSES).optional(),
  processing: z.enum(["pending", "failed"]).optional(),
  q: z.string().trim().min(1).max(200).optional(),
  placed_from: z.iso.datetime({ offset: true }).optional(),
  placed_to: z.iso.datetime({ offset: true }).optional(),
  cursor: z.string().optional(),
  limit: limitSchema,
});

export const orderRoutes = new Hono<AppEnv>()
  .get("/", async (c) => {
    const result = await findOrders(c.var.services.db, parseQuery(c, orderListQuery));
    return c.json({ items: result.items.map(orderJson), next_cursor: result.next_cursor });
  })

  .get("/:id", async (c) => {
    const { db } = c.var.services;
    const id = c.req.param("id");
    const [{ row, timeline }, deliveryRows] = await Promise.all([loadOrderDetail(db, id), findDeliveriesOfOrder(db, id)]);
    return c.json({
      ...orderJson(row),
      timeline,
      deliveries: deliveryRows.map(deliverySummary),
    });
  })

  .post("/:id/ignore", async (c) => c.json(orderJson(await ignoreOrder(c.var.services, c.req.param("id")))))

  .post("/:id/restore", async (c) => c.json(orderJson(await restoreOrder(c.var.services, c.req.param("id")))))

  .post("/:id/reprocess", async (c) => c.json(orderJson(await reprocessOrder(c.var.services, c.req.param("id"))), 202))

  /** The document processing would create, with the cent-level comparison and what it matched; nothing is written. */
  .post("/:id/preview", async (c) => {
    const preview = await previewOrderDocument(c.var.services, c.req.param("id"));
    return c.json(previewJson(preview));
  })

  .post("/:id/process", async (c) => {
    const input = await parseJsonBody(c, processOptionsSchema);
    const { services } = c.var;
    const id = c.req.param("id");
    const result = await processOrderByHand(services, id, input);
    return c.json(await processResultJson(c.var.services.db, result));
  });

export const processOptionsSchema = z.strictObject({
  type: z.enum(DOCUMENT_TYPES).optional(),
  execute: z.boolean().optional(),
  add_payment: z.boolean().optional(),
}).meta({ id: "ProcessOptions" });

async function processResultJson(db: Database, result: ProcessResult) {
  const load = async (id: string | undefined) => (id ? await documentById(db, id) : undefined);
  const document = await load(result.document?.id);
  const notes = await Promise.all(result.credit_notes.map((note) => load(note.id)));
  return {
    document: document ? documentJson(document) : null,
    payment_id: result.payment_id,
    credit_notes: notes.flatMap((note) => (note ? [documentJson(note)] : [])),
    problems: result.problems,
    skipped: result.skipped,
  };
}

function previewJson(preview: Awaited<ReturnType<typeof previewOrderDocument>>) {
  const { document, customer, existing } = preview;
  const money = (minor: number) => fromMinor(minor, document.currency);
  return {
    currency: document.currency,
    totals: { subtotal: money(document.totals.subtotal), tax: money(document.totals.tax), total: money(document.totals.total) },
    lines: document.content.lines.map((line) => ({ ...line, unit_price: money(line.unit_price), discount: money(line.discount), tax: money(line.tax), total: money(line.total) })),
    problems: document.problems,
    can_execute: document.problems.length === 0,
    mappings: {
      customer,
      products: document.content.lines.filter((line) => line.sku).map((line) => ({ sku: line.sku, product_id: line.product_id })),
    },
    existing_document: existing,
  };
}

export const bulkProcessSchema = processOptionsSchema.extend({ order_ids: z.array(z.string()).min(1).max(100) }).meta({ id: "BulkProcess" });

/** POST /api/orders/process: many orders at once, each on its own; one failing does not stop the others. */
export const bulkProcessRoute = new Hono<AppEnv>().post("/", async (c) => {
  const input = await parseJsonBody(c, bulkProcessSchema);
  const { order_ids: ids, ...options } = input;
  return c.json({ results: await processOrdersInBulk(c.var.services, ids, options) });
});
