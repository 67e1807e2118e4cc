/**
 * /api/orders — the inbox itself: find orders, read one with its timeline and deliveries, and
 * set aside (ignore) or bring back (restore) an order.
 */
import { and, asc, desc, eq, gte, lte, or, sql, type SQL } from "drizzle-orm";
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv, Database, Services } from "../context";
import { deliveries, orderEvents, orders, refunds, type DeliveryRow, type OrderEventRow, type OrderRow, type RefundRow } from "../db/schema";
import { AppError } from "../lib/errors";
import { newId } from "../lib/ids";
import { automateOrderMessage, orderReceived } from "../queue/messages";
import type { ChannelType } from "../channels/types";
import { documents } from "../db/schema";
import { automationOf, DOCUMENT_TYPES } from "../documents/automation";
import { previewOrderDocument, processOrderDocuments, type DocumentOptions, type ProcessResult } from "../documents/process";
import { fromMinor } from "../orders/money";
import { documentJson } from "./documents";
import { encodeOrder, orderWireSchema, type Order } from "../orders/order";
import { encodeRefund, type Refund } from "../orders/refund";
import { INBOX_STATUSES, openStatus } from "../orders/status";
import type { OrderWarning } from "../orders/totals";
import { deliverySummary } from "./deliveries";
import { after, decodeCursor, limitSchema, page } from "../db/pagination";
import { isoTime, parseJsonBody, parseQuery } from "./validate";

const warningSchema = z.object({ code: z.string(), message: z.string() });

export const inboxOrderSchema = orderWireSchema
  .extend({
    id: z.string(),
    channel_id: z.string(),
    status: z.enum(INBOX_STATUSES),
    warnings: z.array(warningSchema),
    received_at: z.string(),
    processing: z.object({
      state: z.enum(["pending", "done", "failed"]),
      attempts: z.number().int(),
      error: z.string().nullable(),
    }),
  })
  .meta({ id: "InboxOrder" });

export const orderEventSchema = z
  .object({
    id: z.string(),
    kind: z.enum([
      "created",
      "updated",
      "stale",
      "refund",
      "status_changed",
      "ignored",
      "restored",
      "processing_failed",
      "document_created",
      "document_executed",
      "document_cancelled",
      "credit_note_created",
      "payment_added",
      "refund_paid",
    ]),
    at: z.string(),
    source_updated_at: z.string().nullable(),
    delivery_id: z.string().nullable(),
    origin: z.enum(["delivery", "reconciliation"]).nullable().meta({ description: "How an arrival came: posted by the store, or found by a sweep" }),
    data: z.unknown().meta({ description: "The order as it arrived (created, updated, stale), the refund, or what changed" }),
  })
  .meta({ id: "OrderEvent" });

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

type InboxOrderJson = z.input<typeof inboxOrderSchema>;

export function orderJson(row: OrderRow): InboxOrderJson {
  const order = JSON.parse(row.data) as Order;
  // A failure of the order's documents comes after its own processing: it shows as failed too.
  const state = row.processingFailedAt ? "failed" : row.processedVersion >= row.version ? "done" : "pending";
  return {
    id: row.id,
    channel_id: row.channelId,
    status: row.status as InboxOrderJson["status"],
    warnings: JSON.parse(row.warnings) as OrderWarning[],
    received_at: isoTime(row.receivedAt)!,
    processing: { state, attempts: row.processingAttempts, error: row.processingError },
    ...encodeOrder(order),
  };
}

const ARRIVALS = new Set(["created", "updated", "stale"]);

function eventJson(row: OrderEventRow) {
  const data = row.data ? (JSON.parse(row.data) as unknown) : null;
  return {
    id: row.id,
    kind: row.kind,
    at: isoTime(row.at)!,
    source_updated_at: isoTime(row.sourceUpdatedAt),
    delivery_id: row.deliveryId,
    origin: row.origin,
    // Arrivals hold the order as it came, in minor units inside; the API speaks decimal strings.
    data: ARRIVALS.has(row.kind) && data ? encodeOrder(data as Order) : data,
  };
}

/** Refunds live in their own table (they may arrive before their order); on the timeline they are events. */
function refundEventJson(row: RefundRow): ReturnType<typeof eventJson> {
  return {
    id: row.id,
    kind: "refund",
    at: isoTime(row.receivedAt)!,
    source_updated_at: isoTime(row.refundedAt),
    delivery_id: row.deliveryId,
    origin: row.origin,
    data: encodeRefund(JSON.parse(row.data) as Refund),
  };
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (char) => `\\${char}`);

async function loadOrder(db: Database, id: string): Promise<OrderRow> {
  const row = await db.query.orders.findFirst({ where: eq(orders.id, id) });
  if (!row) throw new AppError("not_found", `No order ${id}`);
  return row;
}

export type OrderListQuery = z.output<typeof orderListQuery>;

/** The list's filters other than status and paging: the inbox's tabs count by status within them. */
export function orderFilters(query: Omit<OrderListQuery, "status" | "cursor" | "limit">): SQL[] {
  const conditions: SQL[] = [];
  if (query.channel_id) conditions.push(eq(orders.channelId, query.channel_id));
  if (query.processing === "failed") conditions.push(sql`${orders.processingFailedAt} IS NOT NULL`);
  if (query.processing === "pending") conditions.push(sql`${orders.processedVersion} < ${orders.version}`);
  if (query.placed_from) conditions.push(gte(orders.placedAt, Date.parse(query.placed_from)));
  if (query.placed_to) conditions.push(lte(orders.placedAt, Date.parse(query.placed_to)));
  if (query.q) {
    const pattern = `%${escapeLike(query.q)}%`;
    conditions.push(
      or(
        sql`${orders.number} LIKE ${pattern} ESCAPE '\\'`,
        sql`${orders.customerEmail} LIKE ${pattern.toLowerCase()} ESCAPE '\\'`,
        sql`${orders.customerName} LIKE ${pattern} ESCAPE '\\'`,
        eq(orders.externalId, query.q),
      )!,
    );
  }
  return conditions;
}

/** One page of orders, newest placed first. */
export async function findOrders(db: Database, query: OrderListQuery): Promise<{ items: OrderRow[]; next_cursor: string | null }> {
  const conditions = orderFilters(query);
  if (query.status) conditions.push(eq(orders.status, query.status));
  const cursor = decodeCursor(query.cursor);
  if (cursor) conditions.push(after(cursor, orders.placedAt, orders.id));
  const rows = await db
    .select()
    .from(orders)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(orders.placedAt), desc(orders.id))
    .limit(query.limit + 1);
  return page(rows, query.limit, (row) => ({ at: row.placedAt, id: row.id }));
}

/** An order with its timeline (arrivals, refunds, steps) and the deliveries that brought it. */
export async function loadOrderDetail(db: Database, id: string): Promise<{ row: OrderRow; timeline: ReturnType<typeof eventJson>[]; deliveries: DeliveryRow[] }> {
  const row = await loadOrder(db, id);
  const [events, refundRows, deliveryRows] = await db.batch([
    db.select().from(orderEvents).where(eq(orderEvents.orderId, row.id)).orderBy(asc(orderEvents.at), asc(orderEvents.id)),
    db
      .select()
      .from(refunds)
      .where(and(eq(refunds.channelId, row.channelId), eq(refunds.orderExternalId, row.externalId))),
    db.select().from(deliveries).where(eq(deliveries.orderId, row.id)).orderBy(asc(deliveries.receivedAt), asc(deliveries.id)),
  ]);
  const timeline = [...events.map(eventJson), ...refundRows.map(refundEventJson)].sort((a, b) => a.at.localeCompare(b.at) || a.id.localeCompare(b.id));
  return { row, timeline, deliveries: deliveryRows };
}

/** Sets an order aside; one already ignored stays as it is, a processed one cannot be. */
export async function ignoreOrder(services: Services, id: string): Promise<OrderRow> {
  const { db, d1, now } = services;
  const row = await loadOrder(db, id);
  if (row.status === "ignored") return row;
  if (row.status === "processed") throw new AppError("conflict", "A processed order cannot be ignored");
  await changeStatus(d1, row, "ignored", "ignored", now());
  return loadOrder(db, row.id);
}

/** Brings an ignored order back to the status its content gives it. */
export async function restoreOrder(services: Services, id: string): Promise<OrderRow> {
  const { db, d1, now } = services;
  const row = await loadOrder(db, id);
  if (row.status !== "ignored") throw new AppError("conflict", `Only an ignored order can be restored; this one is ${row.status}`);
  const status = openStatus(JSON.parse(row.data) as Order, JSON.parse(row.warnings) as OrderWarning[]);
  await changeStatus(d1, row, status, "restored", now());
  return loadOrder(db, row.id);
}

/** Queues an order whose processing failed (or has not caught up) again. */
export async function reprocessOrder(services: Services, id: string): Promise<OrderRow> {
  const { db, d1, queue, now } = services;
  const row = await loadOrder(db, id);
  const processed = row.processedVersion >= row.version;
  if (processed && !row.processingFailedAt) throw new AppError("conflict", "This order is already processed");
  await d1
    .prepare("UPDATE orders SET processing_failed_at = NULL, processing_attempts = 0, queued_at = ?2 WHERE id = ?1")
    .bind(row.id, now())
    .run();
  // Processed but its documents failed: only the document steps run again.
  await queue.send(processed ? automateOrderMessage(row.id) : orderReceived(row.id, row.version));
  return loadOrder(db, row.id);
}

/** Processes an order by hand: its document (and what follows), with the options given over the channel's switches. */
export async function processOrder(services: Services, id: string, input: z.output<typeof processOptionsSchema>, rule = "by hand"): Promise<ProcessResult> {
  return processOrderDocuments(services, id, await optionsFor(services.d1, id, input), rule);
}

export type BulkResult =
  | { order_id: string; ok: true; document_id: string | null; status: string | null; problems: ProcessResult["problems"]; skipped: string | null }
  | { order_id: string; ok: false; error: { code: string; message: string } };

/** Many orders at once, each on its own: one failing does not stop the others. */
export async function processOrders(services: Services, ids: string[], options: z.output<typeof processOptionsSchema>): Promise<BulkResult[]> {
  const results: BulkResult[] = [];
  for (const id of ids) {
    try {
      const result = await processOrder(services, id, options, "by hand (bulk)");
      results.push({ order_id: id, ok: true, document_id: result.document?.id ?? null, status: result.document?.status ?? null, problems: result.problems, skipped: result.skipped });
    } catch (error) {
      const code = error instanceof AppError ? error.code : "internal_error";
      results.push({ order_id: id, ok: false, error: { code, message: (error as Error).message } });
    }
  }
  return results;
}

export const orderRoutes = new Hono<AppEnv>()
  .get("/", async (c) => {
    const result = await findOrders(c.var.services.db, parseQuery(c, orderListQuery));
    return c.json({ items: result.items.map(orderJson), next_cursor: result.next_cursor });
  })

  .get("/:id", async (c) => {
    const { row, timeline, deliveries: deliveryRows } = await loadOrderDetail(c.var.services.db, c.req.param("id"));
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
    const result = await processOrder(c.var.services, c.req.param("id"), input);
    return c.json(await processResultJson(c.var.services.db, result));
  });

export const processOptionsSchema = z.strictObject({
  type: z.enum(DOCUMENT_TYPES).optional(),
  execute: z.boolean().optional(),
  add_payment: z.boolean().optional(),
}).meta({ id: "ProcessOptions" });

/** Options given override the channel's switches; by hand, a document is made whatever the switch says. */
async function optionsFor(d1: D1Database, orderId: string, input: z.output<typeof processOptionsSchema>): Promise<DocumentOptions> {
  const row = await d1.prepare("SELECT c.type, c.automation FROM orders o JOIN channels c ON c.id = o.channel_id WHERE o.id = ?1").bind(orderId).first<{ type: ChannelType; automation: string | null }>();
  if (!row) throw new AppError("not_found", `No order ${orderId}`);
  const rules = automationOf(row.type, row.automation);
  return { type: input.type ?? rules.create ?? "invoice", execute: input.execute ?? rules.execute, add_payment: input.add_payment ?? rules.add_payment };
}

async function processResultJson(db: Database, result: ProcessResult) {
  const load = async (id: string | undefined) => (id ? await db.query.documents.findFirst({ where: eq(documents.id, id) }) : undefined);
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

export function previewJson(preview: Awaited<ReturnType<typeof previewOrderDocument>>) {
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
  return c.json({ results: await processOrders(c.var.services, ids, options) });
});

/** Moves an order from the status it was read in; a concurrent change wins and this one does nothing. */
async function changeStatus(d1: D1Database, row: OrderRow, to: string, kind: "ignored" | "restored", at: number) {
  const result = await d1.batch([
    d1.prepare("UPDATE orders SET status = ?2, updated_at = ?3 WHERE id = ?1 AND status = ?4").bind(row.id, to, at, row.status),
    d1
      .prepare(
        `INSERT INTO order_events (id, order_id, channel_id, key, kind, data, at)
         SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 WHERE changes() > 0`,
      )
      .bind(newId("evt", at), row.id, row.channelId, `${kind}:${row.id}:${at}`, kind, JSON.stringify({ from: row.status, to }), at),
  ]);
  if (result[0].meta.changes === 0) throw new AppError("conflict", "The order changed meanwhile: load it again");
}

