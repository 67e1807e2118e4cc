/**
 * The orders store: every statement on orders, their timeline (order_events) and refunds. The
 * ingest batch (src/inbound) is the one other writer until it moves here too.
 */
import { and, asc, eq, gte, inArray, lte, or, sql, type SQL } from "drizzle-orm";
import type { Database } from "../context";
import { prepareNamed, type SqlValue } from "../db/named-sql";
import { contains } from "../db/text-search";
import { newestFirstPage } from "../db/pagination";
import { orderEvents, orders, refunds, type OrderEventRow, type OrderRow, type RefundRow } from "../db/schema";
import { AppError } from "../lib/errors";
import { newId } from "../lib/ids";
import { INBOX_STATUSES, type InboxStatus } from "./status";

/** The inbox's filters other than status and paging: its tabs count by status within them. */
export interface OrderFilters {
  channel_id?: string;
  processing?: "pending" | "failed";
  q?: string;
  placed_from?: string;
  placed_to?: string;
}

function filterConditions(filters: OrderFilters): SQL[] {
  const conditions: SQL[] = [];
  if (filters.channel_id) conditions.push(eq(orders.channelId, filters.channel_id));
  if (filters.processing === "failed") conditions.push(sql`${orders.processingFailedAt} IS NOT NULL`);
  if (filters.processing === "pending") conditions.push(sql`${orders.processedVersion} < ${orders.version}`);
  if (filters.placed_from) conditions.push(gte(orders.placedAt, Date.parse(filters.placed_from)));
  if (filters.placed_to) conditions.push(lte(orders.placedAt, Date.parse(filters.placed_to)));
  if (filters.q) {
    const { q } = filters;
    conditions.push(or(contains(orders.number, q), contains(orders.customerEmail, q, { storedLowerCase: true }), contains(orders.customerName, q), eq(orders.externalId, q))!);
  }
  return conditions;
}

/** One page of orders, newest placed first. */
export function findOrders(
  db: Database,
  query: OrderFilters & { status?: InboxStatus; cursor?: string; limit: number },
): Promise<{ items: OrderRow[]; next_cursor: string | null }> {
  const conditions = [...filterConditions(query), query.status ? eq(orders.status, query.status) : undefined];
  return newestFirstPage(db, orders, { at: orders.placedAt, id: orders.id }, conditions, query);
}

/** How many orders each status holds under the filters. */
export async function countOrdersByStatus(db: Database, filters: OrderFilters): Promise<Record<InboxStatus, number>> {
  const conditions = filterConditions(filters);
  const rows = await db
    .select({ status: orders.status, count: sql<number>`count(*)` })
    .from(orders)
    .where(conditions.length ? and(...conditions) : undefined)
    .groupBy(orders.status);
  const counts = Object.fromEntries(INBOX_STATUSES.map((status) => [status, 0])) as Record<InboxStatus, number>;
  for (const row of rows) counts[row.status as InboxStatus] = row.count;
  return counts;
}

export async function findOrder(db: Database, id: string): Promise<OrderRow | undefined> {
  return db.query.orders.findFirst({ where: eq(orders.id, id) });
}

/** The order, or a not_found error naming it. */
export async function loadOrder(db: Database, id: string): Promise<OrderRow> {
  const row = await findOrder(db, id);
  if (!row) throw new AppError("not_found", `No order ${id}`);
  return row;
}

/** What a person calls each order: its number, or the store's id when it has none. */
export async function orderLabels(db: Database, ids: string[]): Promise<Map<string, string>> {
  const rows = await db.select({ id: orders.id, number: orders.number, externalId: orders.externalId }).from(orders).where(inArray(orders.id, ids));
  return new Map(rows.map((row) => [row.id, row.number ?? row.externalId]));
}

/** The order's events and the refunds its store reported (found by the store's order id: they may have come first). */
export async function findOrderHistory(db: Database, row: Pick<OrderRow, "id" | "channelId" | "externalId">): Promise<{ events: OrderEventRow[]; refunds: RefundRow[] }> {
  const [events, refundRows] = await db.batch([
    db.select().from(orderEvents).where(eq(orderEvents.orderId, row.id)).orderBy(asc(orderEvents.at), asc(orderEvents.id)),
    db
      .select()
      .from(refunds)
      .where(and(eq(refunds.channelId, row.channelId), eq(refunds.orderExternalId, row.externalId))),
  ]);
  return { events, refunds: refundRows };
}

/** A SQL condition with named parameters, which the statement it joins binds with its own. */
export interface SqlCondition {
  text: string;
  values: Record<string, SqlValue>;
}

/** What an event records: a value (stored as JSON), or the order's failure (error and attempts) as it stands. */
export type OrderEventData = { value: unknown } | { failureOfOrder: true };

const FAILURE_OF_ORDER = "json_object('error', processing_error, 'attempts', processing_attempts)";

/**
 * The one way onto an order's timeline (besides the arrivals of ingest): an event written only
 * when `condition` holds as the batch runs (the step it records did happen) and the order
 * exists, with the order's own channel; the same key twice writes nothing. The condition is
 * evaluated on the order's row, so it may name the order's columns.
 */
export function orderEventStatement(
  d1: D1Database,
  event: { orderId: string; key: string; kind: string; at: number; data: OrderEventData },
  condition: SqlCondition,
): D1PreparedStatement {
  const { data } = event;
  return prepareNamed(
    d1,
    `INSERT INTO order_events (id, order_id, channel_id, key, kind, data, at)
     SELECT :event_id, id, channel_id, :event_key, :event_kind, ${"value" in data ? ":event_data" : FAILURE_OF_ORDER}, :event_at FROM orders
     WHERE id = :order_id AND ${condition.text}
     ON CONFLICT (channel_id, key) DO NOTHING`,
    {
      ...condition.values,
      event_id: newId("evt", event.at),
      order_id: event.orderId,
      event_key: event.key,
      event_kind: event.kind,
      event_at: event.at,
      ...("value" in data ? { event_data: JSON.stringify(data.value) } : {}),
    },
  );
}

/** The statement just before it changed a row. */
const AFTER_A_CHANGE: SqlCondition = { text: "changes() > 0", values: {} };

/**
 * Moves an order from the status it was read in, with its event; false when a concurrent change
 * got there first (and then nothing is written).
 */
export async function markOrderStatus(
  d1: D1Database,
  row: Pick<OrderRow, "id" | "status">,
  change: { to: InboxStatus; kind: "ignored" | "restored"; at: number },
): Promise<boolean> {
  const { to, kind, at } = change;
  const [update] = await d1.batch([
    prepareNamed(d1, "UPDATE orders SET status = :to, updated_at = :at WHERE id = :order_id AND status = :from", { order_id: row.id, to, at, from: row.status }),
    orderEventStatement(d1, { orderId: row.id, key: `${kind}:${row.id}:${at}`, kind, at, data: { value: { from: row.status, to } } }, AFTER_A_CHANGE),
  ]);
  return update.meta.changes > 0;
}

/**
 * Records the review of one version of the order: its inbox status and warnings, processing
 * done. Written only while the order is still at that version and not yet processed, so a
 * duplicate or late message changes nothing; the status_changed event only when something did.
 */
export async function recordOrderReview(
  d1: D1Database,
  review: { orderId: string; version: number; status: InboxStatus; warnings: string; change: { from: InboxStatus; to: InboxStatus; warnings: unknown[] } | null; at: number },
): Promise<void> {
  const { orderId, version, status, warnings, change, at } = review;
  const statements = [
    prepareNamed(
      d1,
      `UPDATE orders SET status = :status, warnings = :warnings, processed_version = :version, processing_attempts = 0,
              processing_error = NULL, processing_failed_at = NULL, updated_at = :at
       WHERE id = :order_id AND version = :version AND processed_version < :version`,
      { order_id: orderId, status, warnings, version, at },
    ),
  ];
  if (change !== null) {
    statements.push(
      orderEventStatement(
        d1,
        { orderId, key: `processed:${orderId}:v${version}`, kind: "status_changed", at, data: { value: change } },
        // This review's update took effect: the order sits at the version it reviewed.
        { text: "processed_version = :version", values: { version } },
      ),
    );
  }
  await d1.batch(statements);
}

/** Clears a failure and stamps the order as queued now, before it is queued again. */
export async function markOrderRequeued(d1: D1Database, orderId: string, now: number): Promise<void> {
  await d1.prepare("UPDATE orders SET processing_failed_at = NULL, processing_attempts = 0, queued_at = ?2 WHERE id = ?1").bind(orderId, now).run();
}

/** Orders stored but not processed, queued before the cutoff and not given up on: oldest first. */
export async function findOrdersOverdue(d1: D1Database, cutoff: number, limit: number): Promise<Array<{ id: string; version: number }>> {
  const { results } = await d1
    .prepare(
      `SELECT id, version FROM orders
       WHERE processed_version < version AND processing_failed_at IS NULL AND queued_at <= ?1
       ORDER BY queued_at LIMIT ?2`,
    )
    .bind(cutoff, limit)
    .all<{ id: string; version: number }>();
  return results;
}

// D1 allows 100 bound parameters per statement; one is the timestamp.
const QUEUED_CHUNK = 90;

/** Stamps the orders as queued now, in one round trip whatever their number. */
export async function markOrdersQueued(d1: D1Database, ids: string[], now: number): Promise<void> {
  const updates: D1PreparedStatement[] = [];
  for (let start = 0; start < ids.length; start += QUEUED_CHUNK) {
    const chunk = ids.slice(start, start + QUEUED_CHUNK);
    updates.push(d1.prepare(`UPDATE orders SET queued_at = ?1 WHERE id IN (${chunk.map((_, index) => `?${index + 2}`).join(", ")})`).bind(now, ...chunk));
  }
  if (updates.length) await d1.batch(updates);
}

/**
 * Records that processing gave up, visible on the order and its timeline; a newer version clears
 * it. `error` is null when the caller does not know why (the dead-letter queue): the last attempt's
 * error is kept then.
 */
export async function recordProcessingFailure(
  d1: D1Database,
  failure: { orderId: string; version: number; error: string | null; attempts: number; at: number },
): Promise<void> {
  const { orderId, version, error, attempts, at } = failure;
  await d1.batch([
    prepareNamed(
      d1,
      `UPDATE orders SET processing_failed_at = COALESCE(processing_failed_at, :at),
              processing_error = COALESCE(:error, processing_error, 'gave up after repeated failures'),
              processing_attempts = MAX(processing_attempts, :attempts), updated_at = :at
       WHERE id = :order_id AND processed_version < version`,
      { order_id: orderId, at, error, attempts },
    ),
    orderEventStatement(
      d1,
      { orderId, key: `processing_failed:${orderId}:v${version}`, kind: "processing_failed", at, data: { failureOfOrder: true } },
      { text: "processing_failed_at IS NOT NULL", values: {} },
    ),
  ]);
}

/** Counts a failed attempt so the API can show that processing is struggling before it gives up. */
export async function recordProcessingAttempt(d1: D1Database, orderId: string, error: string, attempts: number): Promise<void> {
  await d1
    .prepare("UPDATE orders SET processing_attempts = ?2, processing_error = ?3 WHERE id = ?1 AND processed_version < version")
    .bind(orderId, attempts, error)
    .run();
}

/**
 * Records that the order's document steps gave up (the order itself was processed, so
 * recordProcessingFailure does not apply): visible like any processing failure, on the order and
 * its timeline, until a later run succeeds.
 */
export async function recordDocumentFailure(d1: D1Database, failure: { orderId: string; error: string; attempts: number; at: number }): Promise<void> {
  const { orderId, error, attempts, at } = failure;
  await d1.batch([
    prepareNamed(
      d1,
      `UPDATE orders SET processing_failed_at = :at, processing_error = :error, processing_attempts = :attempts, updated_at = :at
       WHERE id = :order_id AND processed_version >= version`,
      { order_id: orderId, at, error: `documents: ${error}`, attempts },
    ),
    orderEventStatement(
      d1,
      { orderId, key: `documents_failed:${orderId}:${at}`, kind: "processing_failed", at, data: { failureOfOrder: true } },
      // Marked failed by this very run.
      { text: "processing_failed_at = :failed_at", values: { failed_at: at } },
    ),
  ]);
}

/*
 * The overview's figures on orders, as statements: the dashboard reads them in one batch with the
 * other tables' figures.
 */

/** Orders received per channel and UTC day (days since the epoch) since `since`. */
export const ordersPerDayStatement = (d1: D1Database, since: number): D1PreparedStatement =>
  d1.prepare("SELECT channel_id, received_at / 86400000 AS day, COUNT(*) AS orders FROM orders WHERE received_at >= ?1 GROUP BY channel_id, day").bind(since);

export const ordersPerStatusStatement = (d1: D1Database): D1PreparedStatement => d1.prepare("SELECT status, COUNT(*) AS orders FROM orders GROUP BY status");

export const failedOrdersStatement = (d1: D1Database): D1PreparedStatement => d1.prepare("SELECT COUNT(*) AS orders FROM orders WHERE processing_failed_at IS NOT NULL");
