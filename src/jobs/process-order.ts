/**
 * Processing an order: cross-check its totals and record its inbox state. Idempotent by
 * construction: it works toward the order's current version and writes only while the order is
 * still at that version and not yet processed, so a duplicate or late message changes nothing.
 */
import type { Order } from "../orders/order";
import { inboxStatus, type InboxStatus } from "../orders/status";
import { checkTotals, type OrderWarning } from "../orders/totals";
import { newId } from "../lib/ids";

export type ProcessOutcome = "processed" | "already_processed" | "order_missing";

interface OrderState {
  id: string;
  channel_id: string;
  data: string;
  status: InboxStatus;
  warnings: string;
  version: number;
  processed_version: number;
}

export async function processOrder(d1: D1Database, orderId: string, now: number): Promise<ProcessOutcome> {
  const row = await d1
    .prepare("SELECT id, channel_id, data, status, warnings, version, processed_version FROM orders WHERE id = ?1")
    .bind(orderId)
    .first<OrderState>();
  if (!row) return "order_missing";
  if (row.processed_version >= row.version) return "already_processed";

  const order = JSON.parse(row.data) as Order;
  const warnings = checkTotals(order);
  const status = inboxStatus(row.status, order, warnings);
  const warningsJson = JSON.stringify(warnings);
  const changed = status !== row.status || warningsJson !== row.warnings;

  const statements = [
    d1
      .prepare(
        `UPDATE orders SET status = ?2, warnings = ?3, processed_version = ?4, processing_attempts = 0,
                processing_error = NULL, processing_failed_at = NULL, updated_at = ?5
         WHERE id = ?1 AND version = ?4 AND processed_version < ?4`,
      )
      .bind(row.id, status, warningsJson, row.version, now),
  ];
  if (changed) statements.push(stateChangedEvent(d1, row, { from: row.status, to: status, warnings }, now));
  await d1.batch(statements);
  return "processed";
}

/** Appended only if this run's update took effect (the order sits at the processed version). */
function stateChangedEvent(
  d1: D1Database,
  row: OrderState,
  change: { from: InboxStatus; to: InboxStatus; warnings: OrderWarning[] },
  now: number,
): D1PreparedStatement {
  return d1
    .prepare(
      `INSERT INTO order_events (id, order_id, channel_id, key, kind, data, at)
       SELECT ?1, ?2, ?3, ?4, 'status_changed', ?5, ?6
       WHERE EXISTS (SELECT 1 FROM orders WHERE id = ?2 AND processed_version = ?7)
       ON CONFLICT (channel_id, key) DO NOTHING`,
    )
    .bind(newId("evt", now), row.id, row.channel_id, `processed:${row.id}:v${row.version}`, JSON.stringify(change), now, row.version);
}

/**
 * Records that processing gave up, visible on the order and its timeline; a newer version clears
 * it. `error` is null when the caller does not know why (the dead-letter queue): the last attempt's
 * error is kept then.
 */
export async function recordProcessingFailure(
  d1: D1Database,
  orderId: string,
  version: number,
  error: string | null,
  attempts: number,
  now: number,
): Promise<void> {
  await d1.batch([
    d1
      .prepare(
        `UPDATE orders SET processing_failed_at = COALESCE(processing_failed_at, ?2),
                processing_error = COALESCE(?3, processing_error, 'gave up after repeated failures'),
                processing_attempts = MAX(processing_attempts, ?4), updated_at = ?2
         WHERE id = ?1 AND processed_version < version`,
      )
      .bind(orderId, now, error, attempts),
    d1
      .prepare(
        `INSERT INTO order_events (id, order_id, channel_id, key, kind, data, at)
         SELECT ?1, id, channel_id, ?2, 'processing_failed', json_object('error', processing_error, 'attempts', processing_attempts), ?3
         FROM orders WHERE id = ?4 AND processing_failed_at IS NOT NULL
         ON CONFLICT (channel_id, key) DO NOTHING`,
      )
      .bind(newId("evt", now), `processing_failed:${orderId}:v${version}`, now, orderId),
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
export async function recordDocumentFailure(d1: D1Database, orderId: string, error: string, attempts: number, now: number): Promise<void> {
  await d1.batch([
    d1
      .prepare(
        `UPDATE orders SET processing_failed_at = ?2, processing_error = ?3, processing_attempts = ?4, updated_at = ?2
         WHERE id = ?1 AND processed_version >= version`,
      )
      .bind(orderId, now, `documents: ${error}`, attempts),
    d1
      .prepare(
        `INSERT INTO order_events (id, order_id, channel_id, key, kind, data, at)
         SELECT ?1, id, channel_id, ?2, 'processing_failed', json_object('error', processing_error, 'attempts', processing_attempts), ?3
         FROM orders WHERE id = ?4 AND processing_failed_at = ?3
         ON CONFLICT (channel_id, key) DO NOTHING`,
      )
      .bind(newId("evt", now), `documents_failed:${orderId}:${now}`, now, orderId),
  ]);
}
