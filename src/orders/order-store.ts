/**
 * The orders store: every statement on orders, their timeline (order_events) and refunds. The
 * ingest batch (src/inbound) is the one other writer until it moves here too.
 */
import { and, asc, eq, gte, lte, or, sql, type SQL } from "drizzle-orm";
import type { Database } from "../context";
import { prepareNamed, type SqlValue } from "../db/named-sql";
import { contains } from "../db/text-search";
import { newestFirstPage } from "../db/pagination";
import { orderEvents, orders, refunds, type OrderEventRow, type OrderRow, type RefundRow } from "../db/schema";
import { AppError } from "../lib/errors";
import { newId } from "../lib/ids";
import { INBOX_STATUSES, type InboxStatus } from "./status";
import type { Order } from "./order";
import type { Refund } from "./refund";

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

/**
 * The order, read by the statement that marks its automation as owed (unless it already is): what
 * the consumer loads for an `order.automate` message, so the mark costs no round trip of its own.
 */
export async function loadOrderOwingAutomation(db: Database, id: string, now: number): Promise<OrderRow> {
  const [row] = await db
    .update(orders)
    .set({ automationDueAt: sql`COALESCE(${orders.automationDueAt}, ${now})` })
    .where(eq(orders.id, id))
    .returning();
  if (!row) throw new AppError("not_found", `No order ${id}`);
  return row;
}

/** What a person calls each order: its number, or the store's id when it has none (the ids travel as one JSON parameter, however many). */
export async function orderLabels(db: Database, ids: string[]): Promise<Map<string, string>> {
  const rows = await db
    .select({ id: orders.id, number: orders.number, externalId: orders.externalId })
    .from(orders)
    .where(sql`${orders.id} IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`);
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

/** A timeline event written whatever else the batch did (its key alone makes it once). */
export const UNCONDITIONAL: SqlCondition = { text: "1", values: {} };

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
 * The same statement marks the channel's automation as owed for this version (`automation_due_at`):
 * a message lost after the review leaves the order where the sweep finds it.
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
              processing_error = NULL, processing_failed_at = NULL, automation_due_at = :at, updated_at = :at
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

/**
 * Clears a failure and stamps the order as queued now, before it is queued again. A processed
 * order is queued for its automation: that is owed from now, so a lost message is swept again.
 */
export async function markOrderRequeued(d1: D1Database, orderId: string, now: number): Promise<void> {
  await d1
    .prepare(
      `UPDATE orders SET processing_failed_at = NULL, processing_attempts = 0, queued_at = ?2,
              automation_due_at = CASE WHEN processed_version >= version THEN ?2 ELSE automation_due_at END
       WHERE id = ?1`,
    )
    .bind(orderId, now)
    .run();
}

/**
 * Marks the order's automation as owed before it runs, unless it already is: returns the mark the
 * run clears at its end (the one already there, or `now`), or null when there is no such order.
 */
export async function markAutomationDue(d1: D1Database, orderId: string, now: number): Promise<number | null> {
  const row = await d1
    .prepare("UPDATE orders SET automation_due_at = COALESCE(automation_due_at, ?2) WHERE id = ?1 RETURNING automation_due_at AS due_at")
    .bind(orderId, now)
    .first<{ due_at: number }>();
  return row?.due_at ?? null;
}

/**
 * The automation has run to its end for this version: nothing is owed any more. Compare-and-clear:
 * a mark set meanwhile (a newer version reviewed, the sweep or a person queueing it again) stays.
 */
export async function clearAutomationDue(d1: D1Database, orderId: string, dueAt: number, version: number): Promise<void> {
  await d1.prepare("UPDATE orders SET automation_due_at = NULL WHERE id = ?1 AND automation_due_at = ?2 AND version = ?3").bind(orderId, dueAt, version).run();
}

/**
 * Claims the orders whose automation has been owed since before the cutoff (reviewed, not given up
 * on, no newer version waiting for its own review), oldest first: each is stamped as due again from
 * `now`, so the next minute does not send it again, and a message lost once more is swept again
 * after the same grace. One statement with three parameters, whatever the number of orders.
 */
export async function claimAutomationDue(d1: D1Database, cutoff: number, now: number, limit: number): Promise<string[]> {
  const { results } = await d1
    .prepare(
      `UPDATE orders SET automation_due_at = ?2
       WHERE id IN (SELECT id FROM orders
                    WHERE automation_due_at IS NOT NULL AND automation_due_at <= ?1
                      AND processing_failed_at IS NULL AND processed_version >= version
                    ORDER BY automation_due_at LIMIT ?3)
       RETURNING id`,
    )
    .bind(cutoff, now, limit)
    .all<{ id: string }>();
  return results.map((row) => row.id);
}

/**
 * A refund arrived for an order already reviewed: its credit note is the order's automation, owed
 * from now. A statement for the batch that stores the refund (it marks nothing when the refund was
 * a duplicate or the order is unknown).
 */
export function markAutomationDueForRefund(d1: D1Database, scope: ArrivalScope, arrived: { orderExternalId: string; refundId: string }): D1PreparedStatement {
  return prepareNamed(
    d1,
    `UPDATE orders SET automation_due_at = COALESCE(automation_due_at, :now)
     WHERE channel_id = :channel_id AND external_id = :order_external_id AND EXISTS (SELECT 1 FROM refunds WHERE id = :refund_id)`,
    { channel_id: scope.channelId, order_external_id: arrived.orderExternalId, refund_id: arrived.refundId, now: scope.now },
  );
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

/** Orders received per channel and UTC day (days since the epoch) since `since`, for the overview's chart. */
export async function ordersPerDaySince(d1: D1Database, since: number): Promise<Array<{ channel_id: string; day: number; orders: number }>> {
  const { results } = await d1
    .prepare("SELECT channel_id, received_at / 86400000 AS day, COUNT(*) AS orders FROM orders WHERE received_at >= ?1 GROUP BY channel_id, day")
    .bind(since)
    .all<{ channel_id: string; day: number; orders: number }>();
  return results;
}

/** Orders whose processing was given up on (they wait for a person). */
export async function countFailedOrders(d1: D1Database): Promise<number> {
  return (await d1.prepare("SELECT COUNT(*) AS orders FROM orders WHERE processing_failed_at IS NOT NULL").first<number>("orders")) ?? 0;
}

/** How many of the channel's orders there are, and how many of them any delivery brought (before or after a sweep found them). */
export async function countOrdersSeenByWebhook(d1: D1Database, channelId: string): Promise<{ total: number; byWebhook: number }> {
  const row = await d1
    .prepare(
      `SELECT count(*) AS total,
              sum(EXISTS (SELECT 1 FROM order_events e WHERE e.order_id = o.id AND e.origin = 'delivery')) AS by_webhook
       FROM orders o WHERE o.channel_id = ?1`,
    )
    .bind(channelId)
    .first<{ total: number; by_webhook: number | null }>();
  return { total: row?.total ?? 0, byWebhook: row?.by_webhook ?? 0 };
}

/** Whether the order's newest arrival was the store removing it (a deletion that brought no state). */
export async function lastArrivalWasRemoval(d1: D1Database, orderId: string): Promise<boolean> {
  const kind = await d1
    .prepare("SELECT e.kind FROM orders o JOIN order_events e ON e.id = o.last_event_id WHERE o.id = ?1")
    .bind(orderId)
    .first<string>("kind");
  return kind === "removed";
}

/**
 * Holds an order for a person: needs_attention with the reasons, and its status change on the
 * timeline once per `key`. A person's "ignored" stands.
 */
export function holdOrderStatements(
  d1: D1Database,
  hold: { orderId: string; from: string; key: string; warnings: Array<{ code: string; message: string }>; at: number },
): D1PreparedStatement[] {
  return [
    prepareNamed(
      d1,
      `UPDATE orders SET status = 'needs_attention', warnings = :warnings, updated_at = :at WHERE id = :order_id AND status != 'ignored'`,
      { order_id: hold.orderId, warnings: JSON.stringify(hold.warnings), at: hold.at },
    ),
    orderEventStatement(
      d1,
      { orderId: hold.orderId, key: hold.key, kind: "status_changed", at: hold.at, data: { value: { from: hold.from, to: "needs_attention", warnings: hold.warnings } } },
      { text: "status = 'needs_attention'", values: {} },
    ),
  ];
}

/** The order with the type and automation of its channel, as processing it into documents reads it. */
export async function orderForDocuments(
  d1: D1Database,
  orderId: string,
): Promise<{ id: string; channel_id: string; status: string; data: string; type: string; automation: string | null } | null> {
  return d1
    .prepare("SELECT o.id, o.channel_id, o.status, o.data, c.type, c.automation FROM orders o JOIN channels c ON c.id = o.channel_id WHERE o.id = ?1")
    .bind(orderId)
    .first();
}

/**
 * The order's state after its draft was made: processed, or needs_attention with the reasons (an
 * ignored or cancelled order keeps its status). A processing failure is cleared once the order's
 * newest version is processed.
 */
export function recordDraftOutcomeStatement(
  d1: D1Database,
  outcome: { orderId: string; status: "processed" | "needs_attention"; warnings: Array<{ code: string; message: string }>; at: number },
): D1PreparedStatement {
  return prepareNamed(
    d1,
    `UPDATE orders SET status = CASE WHEN status IN ('ignored', 'cancelled') THEN status ELSE :status END,
            warnings = :warnings, updated_at = :at,
            processing_failed_at = CASE WHEN processed_version >= version THEN NULL ELSE processing_failed_at END,
            processing_error = CASE WHEN processed_version >= version THEN NULL ELSE processing_error END
     WHERE id = :order_id`,
    { order_id: outcome.orderId, status: outcome.status, warnings: JSON.stringify(outcome.warnings), at: outcome.at },
  );
}

/**
 * The order's refunds that no executed or cancelled credit note covers yet, oldest first; a
 * reversal a won dispute undid (reinstatements) is owed none.
 */
export async function refundsWithoutCreditNote(d1: D1Database, channelId: string, orderExternalId: string): Promise<Array<{ id: string; data: string }>> {
  const { results } = await d1
    .prepare(
      `SELECT r.id, r.data FROM refunds r WHERE r.channel_id = ?1 AND r.order_external_id = ?2
         AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.source_key = 'refund:' || r.id AND d.status != 'draft')
         AND NOT EXISTS (SELECT 1 FROM reinstatements s WHERE s.refund_id = r.id)
       ORDER BY r.refunded_at, r.id`,
    )
    .bind(channelId, orderExternalId)
    .all<{ id: string; data: string }>();
  return results;
}

/** The channel, and the secret when one verified the delivery, are still active: binds `:channel_id` and `:secret_id`. */
export function channelStillActive(secretId: string | null): string {
  return secretId === null
    ? "EXISTS (SELECT 1 FROM channels WHERE id = :channel_id AND status = 'active')"
    : `EXISTS (SELECT 1 FROM channels c JOIN channel_secrets s ON s.channel_id = c.id
               WHERE c.id = :channel_id AND c.status = 'active' AND s.id = :secret_id AND s.revoked_at IS NULL)`;
}

/** Who sent it and when: every statement of an arrival binds these. */
export interface ArrivalScope {
  channelId: string;
  secretId: string | null;
  now: number;
}

/** An order state as it arrived, with its JSON and source time worked out once for both statements. */
export interface ArrivedOrder {
  eventId: string;
  key: string;
  order: Order;
  data: string;
  sourceUpdatedAt: number;
}

/**
 * Inserts the order, or replaces the state held when this one is newer by the source's own clock;
 * nothing when the arrival's key is already on the timeline.
 */
export function upsertArrivedOrder(d1: D1Database, scope: ArrivalScope, arrived: ArrivedOrder & { orderId: string }) {
  const { order } = arrived;
  return prepareNamed(
    d1,
    `INSERT INTO orders (id, channel_id, external_id, number, currency, total_minor, financial_status, customer_name,
                         customer_email, placed_at, source_updated_at, data, last_event_id, queued_at, received_at, updated_at)
     SELECT :order_id, :channel_id, :external_id, :number, :currency, :total_minor, :financial_status, :customer_name,
            :customer_email, :placed_at, :source_updated_at, :data, :event_id, :now, :now, :now
     WHERE ${channelStillActive(scope.secretId)} AND NOT EXISTS (SELECT 1 FROM order_events WHERE channel_id = :channel_id AND key = :key)
     ON CONFLICT (channel_id, external_id) DO UPDATE SET
       number = excluded.number, currency = excluded.currency, total_minor = excluded.total_minor,
       financial_status = excluded.financial_status, customer_name = excluded.customer_name,
       customer_email = excluded.customer_email, placed_at = excluded.placed_at,
       source_updated_at = excluded.source_updated_at, data = excluded.data,
       version = orders.version + 1, last_event_id = excluded.last_event_id,
       queued_at = excluded.queued_at, updated_at = excluded.updated_at,
       processing_attempts = 0, processing_error = NULL, processing_failed_at = NULL
     WHERE excluded.source_updated_at > orders.source_updated_at`,
    {
      channel_id: scope.channelId,
      secret_id: scope.secretId,
      order_id: arrived.orderId,
      external_id: order.external_id,
      number: order.number ?? null,
      currency: order.currency,
      total_minor: order.totals.total,
      financial_status: order.financial_status,
      customer_name: order.customer?.name ?? order.billing_address?.name ?? null,
      customer_email: order.customer?.email?.toLowerCase() ?? null,
      placed_at: Date.parse(order.placed_at),
      source_updated_at: arrived.sourceUpdatedAt,
      data: arrived.data,
      event_id: arrived.eventId,
      now: scope.now,
      key: arrived.key,
    },
  );
}

/**
 * The order state's line on the timeline: created or updated when it became the order's state,
 * stale when it was older. A store posting an old state is worth a line; a sweep re-reading known
 * states every few minutes is not, so sweeps record only what they changed.
 */
export function appendOrderArrivalEvent(
  d1: D1Database,
  scope: ArrivalScope,
  arrived: ArrivedOrder & { deliveryId: string | null; origin: "delivery" | "reconciliation" },
) {
  return prepareNamed(
    d1,
    `INSERT INTO order_events (id, order_id, channel_id, key, kind, delivery_id, origin, source_updated_at, data, at)
     SELECT :event_id, o.id, o.channel_id, :key,
            CASE WHEN o.last_event_id = :event_id THEN (CASE WHEN o.version = 1 THEN 'created' ELSE 'updated' END) ELSE 'stale' END,
            :delivery_id, :origin, :source_updated_at, :data, :now
     FROM orders o WHERE o.channel_id = :channel_id AND o.external_id = :external_id AND ${channelStillActive(scope.secretId)}
                     AND (o.last_event_id = :event_id OR :origin = 'delivery')
     ON CONFLICT (channel_id, key) DO NOTHING`,
    {
      channel_id: scope.channelId,
      secret_id: scope.secretId,
      event_id: arrived.eventId,
      key: arrived.key,
      delivery_id: arrived.deliveryId,
      origin: arrived.origin,
      source_updated_at: arrived.sourceUpdatedAt,
      data: arrived.data,
      now: scope.now,
      external_id: arrived.order.external_id,
    },
  );
}

/**
 * What storing an order state did: `channel_ok`, `order_id`, `version`, `event_kind` (null when
 * nothing was recorded), and `key_order_id`, the order the arrival's key belongs to (another order
 * than `order_id` when a store reused an event id).
 */
export function orderArrivalResult(d1: D1Database, scope: ArrivalScope, arrived: { externalId: string; eventId: string; key: string }) {
  return prepareNamed(
    d1,
    `SELECT ${channelStillActive(scope.secretId)} AS channel_ok, o.id AS order_id, o.version AS version, e.kind AS event_kind,
            (SELECT order_id FROM order_events WHERE channel_id = :channel_id AND key = :key) AS key_order_id
     FROM (SELECT 1) LEFT JOIN orders o ON o.channel_id = :channel_id AND o.external_id = :external_id
     LEFT JOIN order_events e ON e.id = :event_id`,
    { channel_id: scope.channelId, secret_id: scope.secretId, external_id: arrived.externalId, event_id: arrived.eventId, key: arrived.key },
  );
}

/** Stores a refund the store made; nothing when its id is already known. */
export function insertArrivedRefund(
  d1: D1Database,
  scope: ArrivalScope,
  arrived: { refundId: string; refund: Refund; deliveryId: string | null; origin: "delivery" | "reconciliation" },
) {
  const { refund } = arrived;
  return prepareNamed(
    d1,
    `INSERT INTO refunds (id, channel_id, external_id, order_external_id, currency, amount_minor, data, refunded_at, delivery_id, origin, received_at)
     SELECT :refund_id, :channel_id, :external_id, :order_external_id, :currency, :amount_minor, :data, :refunded_at, :delivery_id, :origin, :now
     WHERE ${channelStillActive(scope.secretId)}
     ON CONFLICT (channel_id, external_id) DO NOTHING`,
    {
      channel_id: scope.channelId,
      secret_id: scope.secretId,
      refund_id: arrived.refundId,
      external_id: refund.external_id,
      order_external_id: refund.order_external_id,
      currency: refund.currency,
      amount_minor: refund.amount,
      data: JSON.stringify(refund),
      refunded_at: Date.parse(refund.created_at),
      delivery_id: arrived.deliveryId,
      origin: arrived.origin,
      now: scope.now,
    },
  );
}

/** What storing a refund did: `channel_ok`, the refunded `order_id` (if the order is known) and `fresh`. */
export function refundArrivalResult(d1: D1Database, scope: ArrivalScope, arrived: { orderExternalId: string; refundId: string }) {
  return prepareNamed(
    d1,
    `SELECT ${channelStillActive(scope.secretId)} AS channel_ok,
            (SELECT id FROM orders WHERE channel_id = :channel_id AND external_id = :order_external_id) AS order_id,
            EXISTS (SELECT 1 FROM refunds WHERE id = :refund_id) AS fresh`,
    { channel_id: scope.channelId, secret_id: scope.secretId, order_external_id: arrived.orderExternalId, refund_id: arrived.refundId },
  );
}

/**
 * A removal cancels the order (the store sent no state), unless the order is already cancelled or,
 * dated by the store, older than the state held; a later, newer state (a restore) still replaces it.
 */
export function cancelRemovedOrder(d1: D1Database, scope: ArrivalScope, removal: { eventId: string; key: string; externalId: string; at: string; ordering?: "store" | "held" }) {
  // See RemovalArrival.ordering: "held" keeps the held state's time; "store" is stale behind a newer state.
  return prepareNamed(
    d1,
    `UPDATE orders SET data = json_set(data, '$.cancelled_at', :removed_at),
            source_updated_at = CASE WHEN :ordering = 'held' THEN source_updated_at ELSE max(source_updated_at, :removed_ms) END,
            version = version + 1, last_event_id = :event_id, queued_at = :now, updated_at = :now
     WHERE channel_id = :channel_id AND external_id = :external_id AND ${channelStillActive(scope.secretId)}
           AND json_extract(data, '$.cancelled_at') IS NULL
           AND (:ordering != 'store' OR :removed_ms >= source_updated_at)
           AND NOT EXISTS (SELECT 1 FROM order_events WHERE channel_id = :channel_id AND key = :key)`,
    {
      ordering: removal.ordering ?? "arrival",
      channel_id: scope.channelId,
      secret_id: scope.secretId,
      removed_at: removal.at,
      removed_ms: Date.parse(removal.at),
      event_id: removal.eventId,
      now: scope.now,
      external_id: removal.externalId,
      key: removal.key,
    },
  );
}

/** The removal's line on the timeline, only when it cancelled the order. */
export function appendRemovalEvent(
  d1: D1Database,
  scope: ArrivalScope,
  removal: { eventId: string; key: string; externalId: string; at: string; deliveryId: string | null; origin: "delivery" | "reconciliation" },
) {
  // The order's source time after the removal: the removal's own, or the held state's (ordering "held").
  return prepareNamed(
    d1,
    `INSERT INTO order_events (id, order_id, channel_id, key, kind, delivery_id, origin, source_updated_at, data, at)
     SELECT :event_id, id, channel_id, :key, 'removed', :delivery_id, :origin, source_updated_at, json_object('removed_at', :removed_at), :now
     FROM orders WHERE channel_id = :channel_id AND external_id = :external_id AND last_event_id = :event_id
     ON CONFLICT (channel_id, key) DO NOTHING`,
    {
      channel_id: scope.channelId,
      event_id: removal.eventId,
      key: removal.key,
      delivery_id: removal.deliveryId,
      origin: removal.origin,
      removed_at: removal.at,
      now: scope.now,
      external_id: removal.externalId,
    },
  );
}

/** What a removal did: `channel_ok`, `order_id`, `version` and `fresh` (it cancelled the order). */
export function removalArrivalResult(d1: D1Database, scope: ArrivalScope, removal: { externalId: string; eventId: string }) {
  return prepareNamed(
    d1,
    `SELECT ${channelStillActive(scope.secretId)} AS channel_ok, o.id AS order_id, o.version AS version,
            EXISTS (SELECT 1 FROM order_events WHERE id = :event_id) AS fresh
     FROM (SELECT 1) LEFT JOIN orders o ON o.channel_id = :channel_id AND o.external_id = :external_id`,
    { channel_id: scope.channelId, secret_id: scope.secretId, external_id: removal.externalId, event_id: removal.eventId },
  );
}
