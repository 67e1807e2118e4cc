/**
 * The delivery log's store: every statement on `deliveries`. A delivery is one request to a
 * channel URI, accepted or not, with the headers that help support and its outcome. Accepted
 * deliveries are written inside the ingest batch (the statements below that return a statement);
 * refused and ignored ones, which store no order, are logged on their own.
 */
import { asc, eq, type SQL } from "drizzle-orm";
import type { ChannelType } from "../channels/types";
import { type Database } from "../context";
import { prepareNamed } from "../db/named-sql";
import { newestFirstPage } from "../db/pagination";
import { deliveries, type DeliveryRow } from "../db/schema";
import { newId } from "../lib/ids";
import { channelStillActive, type ArrivalScope } from "../orders/order-store";

export type { DeliveryRow };

const REASON_LIMIT = 2000;

export interface LoggedDelivery {
  channelId: string | null;
  receivedAt: number;
  outcome: "rejected" | "ignored" | "pending";
  httpStatus: number;
  errorCode: string | null;
  reason: string;
  contentType: string | null;
  headers: Record<string, string>;
  body: string | null;
  bodyBytes: number;
}

/** Logs a delivery that stores no order (refused or ignored); returns its id. */
export async function logDelivery(d1: D1Database, delivery: LoggedDelivery): Promise<string> {
  const id = newId("dlv", delivery.receivedAt);
  await prepareNamed(
    d1,
    `INSERT INTO deliveries (id, channel_id, received_at, outcome, http_status, error_code, reason, content_type, headers, body, body_bytes)
     VALUES (:id, :channel_id, :received_at, :outcome, :http_status, :error_code, :reason, :content_type, :headers, :body, :body_bytes)`,
    {
      id,
      channel_id: delivery.channelId,
      received_at: delivery.receivedAt,
      outcome: delivery.outcome,
      http_status: delivery.httpStatus,
      error_code: delivery.errorCode,
      reason: delivery.reason.slice(0, REASON_LIMIT),
      content_type: delivery.contentType,
      headers: JSON.stringify(delivery.headers),
      body: delivery.body,
      body_bytes: delivery.bodyBytes,
    },
  ).run();
  return id;
}

export interface ReceivedDelivery {
  contentType: string | null;
  headers: Record<string, string>;
  body: string | null;
  bodyBytes: number;
}

/**
 * Stores a delivery whose verification must wait for its source (pending), answered 200 and
 * queued for confirmation at once. Guarded like ingest: nothing is stored for a channel that is
 * no longer active. Returns its id, or null when the guard held it back.
 */
export async function storePendingDelivery(d1: D1Database, channelId: string, receivedAt: number, delivery: ReceivedDelivery): Promise<string | null> {
  const id = newId("dlv", receivedAt);
  const result = await prepareNamed(
    d1,
    `INSERT INTO deliveries (id, channel_id, received_at, outcome, http_status, reason, content_type, headers, body, body_bytes, confirm_queued_at)
     SELECT :id, :channel_id, :received_at, 'pending', 200, 'Stored; waiting for the source to confirm it', :content_type, :headers, :body, :body_bytes, :received_at
     WHERE ${channelStillActive(null)}`,
    {
      id,
      channel_id: channelId,
      received_at: receivedAt,
      content_type: delivery.contentType,
      headers: JSON.stringify(delivery.headers),
      body: delivery.body,
      body_bytes: delivery.bodyBytes,
    },
  ).run();
  return result.meta.changes ? id : null;
}

// ---- The ingest batch: statements the ingest service composes with the order's ----

/** The accepted delivery, logged in the same batch as what it carried (while the channel is still active). */
export function insertAcceptedDelivery(d1: D1Database, scope: ArrivalScope, delivery: ReceivedDelivery & { id: string }): D1PreparedStatement {
  return prepareNamed(
    d1,
    `INSERT INTO deliveries (id, channel_id, received_at, outcome, http_status, content_type, headers, body, body_bytes)
     SELECT :id, :channel_id, :now, 'accepted', 202, :content_type, :headers, :body, :body_bytes WHERE ${channelStillActive(scope.secretId)}`,
    {
      id: delivery.id,
      channel_id: scope.channelId,
      secret_id: scope.secretId,
      now: scope.now,
      content_type: delivery.contentType,
      headers: JSON.stringify(delivery.headers),
      body: delivery.body,
      body_bytes: delivery.bodyBytes,
    },
  );
}

// A deferred delivery was answered (200) when it was stored; confirming it later changes its outcome, not that.
const KEEP_STATUS_IF_PENDING = "CASE WHEN deliveries.outcome = 'pending' THEN deliveries.http_status ELSE ";

/** accepted (202) when `fresh` holds, duplicate (200) otherwise. */
function outcomeWhen(fresh: string): string {
  return `outcome = CASE WHEN ${fresh} THEN 'accepted' ELSE 'duplicate' END,
          http_status = ${KEEP_STATUS_IF_PENDING}CASE WHEN ${fresh} THEN 202 ELSE 200 END END`;
}

const ORDER_OF_ARRIVAL = "(SELECT id FROM orders WHERE channel_id = :channel_id AND external_id = :order_external_id)";

/** The delivery and the order an arrival it carried was about. */
export interface DeliveryOfArrival {
  deliveryId: string;
  channelId: string;
  orderExternalId: string;
}

function bindingsOf(arrived: DeliveryOfArrival) {
  return { delivery_id: arrived.deliveryId, channel_id: arrived.channelId, order_external_id: arrived.orderExternalId };
}

/** Links the delivery to the order state it carried: accepted, stale (an older state) or duplicate (a known key). */
export function settleDeliveryOfOrderState(d1: D1Database, arrived: DeliveryOfArrival & { key: string; eventId: string }): D1PreparedStatement {
  // The key already names an event of another order: the store reused an event id, refused (409).
  const reused = `EXISTS (SELECT 1 FROM order_events WHERE channel_id = :channel_id AND key = :key AND order_id IS NOT ${ORDER_OF_ARRIVAL})`;
  return prepareNamed(
    d1,
    `UPDATE deliveries SET
       order_id = CASE WHEN ${reused} THEN NULL ELSE ${ORDER_OF_ARRIVAL} END,
       event_id = CASE WHEN ${reused} THEN NULL ELSE (SELECT id FROM order_events WHERE channel_id = :channel_id AND key = :key) END,
       outcome = CASE WHEN ${reused} THEN 'rejected'
                 ELSE COALESCE((SELECT CASE kind WHEN 'stale' THEN 'stale' ELSE 'accepted' END FROM order_events WHERE id = :event_id), 'duplicate') END,
       http_status = ${KEEP_STATUS_IF_PENDING}CASE WHEN ${reused} THEN 409
                     ELSE COALESCE((SELECT CASE kind WHEN 'stale' THEN 200 ELSE 202 END FROM order_events WHERE id = :event_id), 200) END END,
       error_code = CASE WHEN ${reused} THEN 'event_id_reused' ELSE error_code END,
       reason = CASE WHEN ${reused} THEN :reused_reason ELSE NULL END
     WHERE id = :delivery_id`,
    { ...bindingsOf(arrived), key: arrived.key, event_id: arrived.eventId, reused_reason: keyReusedMessage(arrived.key) },
  );
}

/** Why a delivery whose event key already belongs to another order is refused (logged and answered alike). */
export function keyReusedMessage(key: string): string {
  return `The event key "${key}" already belongs to another order of this channel: an event id names one event of one order, so this delivery was refused and nothing was changed`;
}

/** Links the delivery to the refunded order: accepted when the refund is new, duplicate when it was known. */
export function settleDeliveryOfRefund(d1: D1Database, arrived: DeliveryOfArrival & { refundId: string }): D1PreparedStatement {
  return prepareNamed(
    d1,
    `UPDATE deliveries SET order_id = ${ORDER_OF_ARRIVAL}, ${outcomeWhen("EXISTS (SELECT 1 FROM refunds WHERE id = :refund_id)")}, reason = NULL
     WHERE id = :delivery_id`,
    { ...bindingsOf(arrived), refund_id: arrived.refundId },
  );
}

/** Links the delivery to the order of a won dispute (its parent payment): accepted when the dispute is new, duplicate when it was known. */
export function settleDeliveryOfReinstatement(d1: D1Database, arrived: DeliveryOfArrival & { reinstatementId: string }): D1PreparedStatement {
  return prepareNamed(
    d1,
    `UPDATE deliveries SET order_id = ${ORDER_OF_ARRIVAL}, ${outcomeWhen("EXISTS (SELECT 1 FROM reinstatements WHERE id = :reinstatement_id)")}, reason = NULL
     WHERE id = :delivery_id`,
    { ...bindingsOf(arrived), reinstatement_id: arrived.reinstatementId },
  );
}

/** Links the delivery to the removed order and its event: accepted when the removal cancelled it, duplicate otherwise. */
export function settleDeliveryOfRemoval(d1: D1Database, arrived: DeliveryOfArrival & { eventId: string }): D1PreparedStatement {
  return prepareNamed(
    d1,
    `UPDATE deliveries SET order_id = ${ORDER_OF_ARRIVAL}, event_id = (SELECT id FROM order_events WHERE id = :event_id),
            ${outcomeWhen("EXISTS (SELECT 1 FROM order_events WHERE id = :event_id)")}, reason = NULL
     WHERE id = :delivery_id`,
    { ...bindingsOf(arrived), event_id: arrived.eventId },
  );
}

// ---- Confirming deferred deliveries ----

/** A delivery with what confirming it needs to know about its channel. */
export interface DeliveryWithChannel {
  id: string;
  channel_id: string;
  outcome: string;
  error_code: string | null;
  content_type: string | null;
  headers: string;
  body: string | null;
  body_bytes: number;
  received_at: number;
  type: ChannelType;
  status: string;
  settings: string;
  sealed_settings: string | null;
}

/** Null for an unknown id, and for a delivery to an unknown URI (it has no channel to confirm it). */
export async function findDeliveryWithChannel(d1: D1Database, id: string): Promise<DeliveryWithChannel | null> {
  return d1
    .prepare(
      `SELECT d.id, d.channel_id, d.outcome, d.error_code, d.content_type, d.headers, d.body, d.body_bytes, d.received_at,
              c.type, c.status, c.settings, c.sealed_settings
       FROM deliveries d JOIN channels c ON c.id = d.channel_id WHERE d.id = ?1`,
    )
    .bind(id)
    .first<DeliveryWithChannel>();
}

/** Decides a pending delivery; one that is no longer pending was decided already and stays so. */
export async function settlePendingDelivery(
  d1: D1Database,
  id: string,
  settled: { outcome: "ignored" | "rejected" | "unverified"; errorCode: string | null; reason: string },
): Promise<void> {
  await prepareNamed(
    d1,
    "UPDATE deliveries SET outcome = :outcome, error_code = :error_code, reason = :reason WHERE id = :id AND outcome = 'pending'",
    { id, outcome: settled.outcome, error_code: settled.errorCode, reason: settled.reason.slice(0, REASON_LIMIT) },
  ).run();
}

/** Pending deliveries whose confirmation was last queued (or which arrived) at or before `cutoff`, oldest first. */
export async function findPendingDeliveriesQueuedBefore(d1: D1Database, cutoff: number, limit: number): Promise<string[]> {
  const { results } = await d1
    .prepare(
      `SELECT id FROM deliveries WHERE outcome = 'pending' AND received_at <= ?1 AND COALESCE(confirm_queued_at, received_at) <= ?1
       ORDER BY received_at LIMIT ?2`,
    )
    .bind(cutoff, limit)
    .all<{ id: string }>();
  return results.map((row) => row.id);
}

export async function markConfirmationsQueued(d1: D1Database, ids: string[], at: number): Promise<void> {
  await d1.batch(ids.map((id) => d1.prepare("UPDATE deliveries SET confirm_queued_at = ?2 WHERE id = ?1").bind(id, at)));
}

/** Puts a decided delivery back to pending, its confirmation queued at `at`. */
export async function markDeliveryPendingAgain(d1: D1Database, id: string, at: number): Promise<void> {
  await d1
    .prepare("UPDATE deliveries SET outcome = 'pending', error_code = NULL, reason = 'Confirming again', confirm_queued_at = ?2 WHERE id = ?1")
    .bind(id, at)
    .run();
}

// ---- Retention ----

/**
 * Purges the raw bodies of at most `limit` deliveries received before `cutoff`; returns how many.
 * Only bodies already archived to R2 (their key set once the object was written) are dropped.
 */
export async function purgeDeliveryBodies(d1: D1Database, purge: { cutoff: number; limit: number; now: number }): Promise<number> {
  const result = await prepareNamed(
    d1,
    `UPDATE deliveries SET body = NULL, body_purged_at = :now
     WHERE id IN (SELECT id FROM deliveries WHERE body IS NOT NULL AND received_at < :cutoff AND body_archive_key IS NOT NULL LIMIT :limit)`,
    { now: purge.now, cutoff: purge.cutoff, limit: purge.limit },
  ).run();
  return result.meta.changes;
}

// ---- The archive of raw bodies (R2) ----

/** A raw body still only in D1, with what its archive object records. */
export interface UnarchivedBody {
  id: string;
  channel_id: string | null;
  received_at: number;
  content_type: string | null;
  body: string;
}

/** At most `limit` bodies not archived yet, oldest first (the partial index deliveries_body_unarchived). */
export async function findUnarchivedBodies(d1: D1Database, limit: number): Promise<UnarchivedBody[]> {
  const { results } = await d1
    .prepare(
      `SELECT id, channel_id, received_at, content_type, body FROM deliveries
       WHERE body IS NOT NULL AND body_archive_key IS NULL ORDER BY received_at LIMIT ?1`,
    )
    .bind(limit)
    .all<UnarchivedBody>();
  return results;
}

/** How many bodies received before `cutoff` are still not archived (the purge keeps them). */
export async function countUnarchivedBodiesBefore(d1: D1Database, cutoff: number): Promise<number> {
  const row = await d1
    .prepare("SELECT COUNT(*) AS n FROM deliveries WHERE body IS NOT NULL AND body_archive_key IS NULL AND received_at < ?1")
    .bind(cutoff)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

/** Records where each body was archived, once its object is written (one transaction). */
export async function setBodyArchiveKeys(d1: D1Database, archived: Array<{ id: string; key: string }>): Promise<void> {
  if (archived.length === 0) return;
  await d1.batch(archived.map(({ id, key }) => d1.prepare("UPDATE deliveries SET body_archive_key = ?2 WHERE id = ?1").bind(id, key)));
}

/** Of these deliveries, the ones whose raw body is still in D1 (their archive object must stay). */
export async function deliveriesWithBodyInD1(d1: D1Database, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const { results } = await d1
    .prepare("SELECT id FROM deliveries WHERE id IN (SELECT value FROM json_each(?1)) AND body IS NOT NULL")
    .bind(JSON.stringify(ids))
    .all<{ id: string }>();
  return new Set(results.map((row) => row.id));
}

/** Forgets the archive keys of these deliveries, whose objects the archive retention deleted. */
export async function clearBodyArchiveKeys(d1: D1Database, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await d1
    .prepare("UPDATE deliveries SET body_archive_key = NULL WHERE id IN (SELECT value FROM json_each(?1)) AND body IS NULL")
    .bind(JSON.stringify(ids))
    .run();
}

// ---- Reading the log ----

export interface DeliveryFilter {
  channel_id?: string;
  outcome?: string;
  order_id?: string;
  cursor?: string;
  limit: number;
}

/** One page of the delivery log, newest first. */
export async function findDeliveries(db: Database, filter: DeliveryFilter): Promise<{ items: DeliveryRow[]; next_cursor: string | null }> {
  const conditions: SQL[] = [];
  if (filter.channel_id) conditions.push(eq(deliveries.channelId, filter.channel_id));
  if (filter.outcome) conditions.push(eq(deliveries.outcome, filter.outcome));
  if (filter.order_id) conditions.push(eq(deliveries.orderId, filter.order_id));
  return newestFirstPage(db, deliveries, { at: deliveries.receivedAt, id: deliveries.id }, conditions, filter);
}

export async function findDelivery(db: Database, id: string): Promise<DeliveryRow | undefined> {
  return db.query.deliveries.findFirst({ where: eq(deliveries.id, id) });
}

/** The deliveries that brought an order, oldest first. */
export async function findDeliveriesOfOrder(db: Database, orderId: string): Promise<DeliveryRow[]> {
  return db.select().from(deliveries).where(eq(deliveries.orderId, orderId)).orderBy(asc(deliveries.receivedAt), asc(deliveries.id));
}

/** Deliveries refused (rejected, or unverified by their source) since `since`. */
export async function countRefusedDeliveriesSince(d1: D1Database, since: number): Promise<number> {
  const row = await d1
    .prepare("SELECT COUNT(*) AS deliveries FROM deliveries WHERE outcome IN ('rejected', 'unverified') AND received_at >= ?1")
    .bind(since)
    .first<{ deliveries: number }>();
  return row?.deliveries ?? 0;
}

export interface ChannelDeliveryHealth {
  /** The channel's newest delivery. */
  last: { at: number; outcome: string } | null;
  /** Deliveries refused (or never verified) since the time asked about. */
  failures: number;
}

/** For each channel: its newest delivery and how many were refused since `since`, in one round trip. */
export async function deliveryHealthOfChannels(d1: D1Database, channelIds: string[], since: number): Promise<Map<string, ChannelDeliveryHealth>> {
  if (channelIds.length === 0) return new Map();
  const [last, failures] = await d1.batch([
    d1.prepare(
      `SELECT d.channel_id, d.received_at, d.outcome FROM deliveries d
       JOIN (SELECT channel_id, MAX(received_at) AS at FROM deliveries WHERE channel_id IS NOT NULL GROUP BY channel_id) latest
         ON latest.channel_id = d.channel_id AND latest.at = d.received_at`,
    ),
    d1
      .prepare("SELECT channel_id, COUNT(*) AS failures FROM deliveries WHERE received_at >= ?1 AND outcome IN ('rejected', 'unverified') AND channel_id IS NOT NULL GROUP BY channel_id")
      .bind(since),
  ]);
  const health = new Map<string, ChannelDeliveryHealth>(channelIds.map((id) => [id, { last: null, failures: 0 }]));
  for (const row of last.results as Array<{ channel_id: string; received_at: number; outcome: string }>) {
    const entry = health.get(row.channel_id);
    if (entry) entry.last = { at: row.received_at, outcome: row.outcome };
  }
  for (const row of failures.results as Array<{ channel_id: string; failures: number }>) {
    const entry = health.get(row.channel_id);
    if (entry) entry.failures = row.failures;
  }
  return health;
}
