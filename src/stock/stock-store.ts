/**
 * Every statement on the stock tables: the ledger (stock_movements, stock_adjustments), warehouses,
 * stock-sync runs and their items (stock_syncs, stock_sync_items), what each store last accepted
 * (stock_pushed) and where a SKU lives in a store (store_products).
 *
 * Lists of SKUs travel as one JSON text read with json_each, so a statement binds the same few
 * parameters however many SKUs it touches. Functions named `…Statement` return the statement
 * unrun: the service batches it with others.
 */
import { and, asc, eq, gt, inArray, isNull, lte, or, sql } from "drizzle-orm";
import { type Database } from "../context";
import { prepareNamed } from "../db/named-sql";
import { newestFirstPage } from "../db/pagination";
import { stockPushed, stockSyncItems, stockSyncs, storeProducts, warehouses, type StockSyncRow, stockMovements } from "../db/schema";
import { newId } from "../lib/ids";
import type { SyncMode } from "./plan";

/** The warehouse stock lives in unless said otherwise, and the one open orders reserve in. */
export const DEFAULT_WAREHOUSE = "main";

/* ---------------------------------------------------------------- ledger and balances */

const ON_HAND = `
  SELECT product_id, warehouse_id, SUM(quantity) AS on_hand FROM (
    SELECT product_id, warehouse_id, quantity FROM stock_movements
    UNION ALL SELECT product_id, warehouse_id, quantity FROM stock_adjustments
  ) GROUP BY product_id, warehouse_id`;

/** Quantities of open orders, by SKU: in the inbox, not cancelled, and without an executed document. */
const RESERVED = `
  SELECT json_extract(line.value, '$.sku') AS sku, SUM(json_extract(line.value, '$.quantity')) AS reserved
  FROM orders o, json_each(o.data, '$.lines') AS line
  WHERE o.status IN ('new', 'needs_attention', 'processed')
    AND json_extract(o.data, '$.cancelled_at') IS NULL AND json_extract(o.data, '$.financial_status') != 'voided'
    AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.source_key = 'order:' || o.id AND d.status = 'executed')
    AND json_extract(line.value, '$.sku') IS NOT NULL
  GROUP BY 1`;

export interface StockLevelRow {
  product_id: string;
  sku: string;
  warehouse_id: string;
  on_hand: number;
  reserved: number;
}

/** On hand and reserved of the given SKUs (all when null), per product and warehouse it has stock in (the default at least). */
export async function findStockLevels(d1: D1Database, skus: string[] | null): Promise<StockLevelRow[]> {
  const filter = skus ? "WHERE p.sku IN (SELECT value FROM json_each(:skus))" : "";
  const { results } = await prepareNamed(
    d1,
    `WITH on_hand AS (${ON_HAND}), reserved AS (${RESERVED}),
          places AS (SELECT p.id AS product_id, '${DEFAULT_WAREHOUSE}' AS warehouse_id FROM products p
                     UNION SELECT product_id, warehouse_id FROM on_hand)
     SELECT p.id AS product_id, p.sku, places.warehouse_id, COALESCE(h.on_hand, 0) AS on_hand,
            CASE WHEN places.warehouse_id = '${DEFAULT_WAREHOUSE}' THEN COALESCE(r.reserved, 0) ELSE 0 END AS reserved
     FROM products p JOIN places ON places.product_id = p.id
     LEFT JOIN on_hand h ON h.product_id = p.id AND h.warehouse_id = places.warehouse_id
     LEFT JOIN reserved r ON r.sku = p.sku
     ${filter}
     ORDER BY p.sku, places.warehouse_id`,
    skus ? { skus: JSON.stringify(skus) } : {},
  ).all<StockLevelRow>();
  return results;
}

/** Sets what is on hand of a product in a warehouse, on its own (a count of many SKUs batches the statement). */
export async function setOnHand(d1: D1Database, input: { productId: string; warehouseId: string; onHand: number; reason: string }, at: number): Promise<void> {
  await setOnHandStatement(d1, input, at).run();
}

/**
 * Sets what is on hand of a product in a warehouse, as the change it makes: one statement reads the
 * balance and writes the difference, so two counts at once cannot both count from the same balance.
 */
export function setOnHandStatement(d1: D1Database, input: { productId: string; warehouseId: string; onHand: number; reason: string }, at: number): D1PreparedStatement {
  return prepareNamed(
    d1,
    `INSERT INTO stock_adjustments (id, product_id, warehouse_id, quantity, counted_on_hand, reason, at)
     SELECT :id, :product_id, :warehouse_id, :on_hand - COALESCE((SELECT SUM(quantity) FROM (
              SELECT quantity FROM stock_movements WHERE product_id = :product_id AND warehouse_id = :warehouse_id
              UNION ALL SELECT quantity FROM stock_adjustments WHERE product_id = :product_id AND warehouse_id = :warehouse_id)), 0),
            :on_hand, :reason, :at`,
    { id: newId("adj", at), product_id: input.productId, warehouse_id: input.warehouseId, on_hand: input.onHand, reason: input.reason, at },
  );
}

export interface LedgerRow {
  kind: "document" | "adjustment";
  warehouse_id: string;
  quantity: number;
  at: number;
  document_id: string | null;
  document_number: string | null;
  reason: string | null;
  counted_on_hand: number | null;
}

/** A product's movements and adjustments, newest first. */
export async function findProductLedger(d1: D1Database, productId: string, limit: number): Promise<LedgerRow[]> {
  const { results } = await d1
    .prepare(
      `SELECT 'document' AS kind, m.warehouse_id, m.quantity, m.at, m.document_id, d.number AS document_number, NULL AS reason, NULL AS counted_on_hand, m.id
       FROM stock_movements m LEFT JOIN documents d ON d.id = m.document_id WHERE m.product_id = ?1
       UNION ALL
       SELECT 'adjustment', warehouse_id, quantity, at, NULL, NULL, reason, counted_on_hand, id FROM stock_adjustments WHERE product_id = ?1
       ORDER BY at DESC, id DESC LIMIT ?2`,
    )
    .bind(productId, limit)
    .all<LedgerRow>();
  return results;
}

/* ---------------------------------------------------------------- warehouses */

export const findWarehouses = (db: Database): Promise<Array<{ id: string; name: string }>> =>
  db.select({ id: warehouses.id, name: warehouses.name }).from(warehouses).orderBy(asc(warehouses.createdAt), asc(warehouses.id));

/** Adds a warehouse; false when one with this id exists already. */
export async function insertWarehouse(db: Database, input: { id: string; name: string }, at: number): Promise<boolean> {
  const result = await db.insert(warehouses).values({ id: input.id, name: input.name, createdAt: at }).onConflictDoNothing().run();
  return result.meta.changes > 0;
}

/* ---------------------------------------------------------------- what the stores last accepted */

/** What each store last accepted for a SKU, by channel name. */
export async function findPushedOfSku(d1: D1Database, sku: string) {
  const { results } = await d1
    .prepare(
      `SELECT p.channel_id, c.name AS channel_name, p.quantity, p.pushed_at FROM stock_pushed p JOIN channels c ON c.id = p.channel_id
       WHERE p.sku = ?1 ORDER BY c.name`,
    )
    .bind(sku)
    .all<{ channel_id: string; channel_name: string; quantity: number; pushed_at: number }>();
  return results;
}

/** What one store last accepted, a page of SKUs at a time (the cursor is the last SKU). */
export async function findPushedToChannel(db: Database, channelId: string, query: { cursor?: string; limit: number }) {
  const rows = await db
    .select({ sku: stockPushed.sku, quantity: stockPushed.quantity, pushedAt: stockPushed.pushedAt, syncId: stockPushed.syncId })
    .from(stockPushed)
    .where(and(eq(stockPushed.channelId, channelId), gt(stockPushed.sku, query.cursor ?? "")))
    .orderBy(asc(stockPushed.sku))
    .limit(query.limit + 1);
  return skuPage(rows, query.limit);
}

/** The last quantity the store accepted, per SKU: what a "changes" run compares with. */
export async function findPushedQuantities(db: Database, channelId: string): Promise<Map<string, number>> {
  const rows = await db.select({ sku: stockPushed.sku, quantity: stockPushed.quantity }).from(stockPushed).where(eq(stockPushed.channelId, channelId));
  return new Map(rows.map((row) => [row.sku, row.quantity]));
}

/** Pages keyed by SKU take one row more than asked to know whether another page follows. */
function skuPage<T extends { sku: string }>(rows: T[], limit: number): { items: T[]; next_cursor: string | null } {
  const items = rows.slice(0, limit);
  return { items, next_cursor: rows.length > limit ? items.at(-1)!.sku : null };
}

/* ---------------------------------------------------------------- stock-sync runs */

/** A run in progress: planning (its first step) or running (pushing). */
const IN_PROGRESS = ["planning", "running"];

export const findStockSync = (db: Database, id: string): Promise<StockSyncRow | undefined> => db.query.stockSyncs.findFirst({ where: eq(stockSyncs.id, id) });

/**
 * Logs a run. A scheduled run names its minute (`slot`): the same minute twice inserts nothing and
 * returns false. A second run in progress for the channel breaks a UNIQUE index and throws.
 */
export async function insertStockSync(
  d1: D1Database,
  run: { id: string; channelId: string; mode: SyncMode; trigger: "manual" | "schedule"; slot: string | null; warehouseId: string; requestedAt: number; failure: string | null },
): Promise<boolean> {
  // Hand-written: the conflict target is a partial index, which Drizzle's onConflictDoNothing cannot name.
  const inserted = await prepareNamed(
    d1,
    `INSERT INTO stock_syncs (id, channel_id, mode, trigger, slot, warehouse_id, status, requested_at, step_due_at, finished_at, error)
     VALUES (:id, :channel_id, :mode, :trigger, :slot, :warehouse_id, :status, :requested_at, :requested_at, :finished_at, :error)
     ON CONFLICT (channel_id, slot) WHERE slot IS NOT NULL DO NOTHING`,
    {
      id: run.id,
      channel_id: run.channelId,
      mode: run.mode,
      trigger: run.trigger,
      slot: run.slot,
      warehouse_id: run.warehouseId,
      // A run that cannot start is still logged, as failed with its reason.
      status: run.failure ? "failed" : "planning",
      requested_at: run.requestedAt,
      finished_at: run.failure ? run.requestedAt : null,
      error: run.failure,
    },
  ).run();
  return inserted.meta.changes > 0;
}

/** The channel's run in progress, if any. */
export async function findRunningStockSyncId(db: Database, channelId: string): Promise<string | null> {
  const [run] = await db
    .select({ id: stockSyncs.id })
    .from(stockSyncs)
    .where(and(eq(stockSyncs.channelId, channelId), inArray(stockSyncs.status, IN_PROGRESS)));
  return run?.id ?? null;
}

/** Takes the run for one step: only the step the message names, only while no other step holds it. Undefined for a duplicate. */
export async function leaseStockSyncStep(db: Database, lease: { syncId: string; step: number; until: number; now: number }): Promise<StockSyncRow | undefined> {
  const [run] = await db
    .update(stockSyncs)
    .set({ leaseUntil: lease.until, invocations: sql`${stockSyncs.invocations} + 1` })
    .where(
      and(
        eq(stockSyncs.id, lease.syncId),
        eq(stockSyncs.step, lease.step),
        inArray(stockSyncs.status, IN_PROGRESS),
        or(isNull(stockSyncs.leaseUntil), lte(stockSyncs.leaseUntil, lease.now)),
      ),
    )
    .returning();
  return run;
}

export async function saveStockSyncContext(db: Database, syncId: string, context: Record<string, unknown>): Promise<void> {
  await db.update(stockSyncs).set({ context: JSON.stringify(context) }).where(eq(stockSyncs.id, syncId));
}

/** Frees the run after an unexpected error, counting the requests the step made. */
export async function releaseStockSyncLease(db: Database, syncId: string, requests: number): Promise<void> {
  await db
    .update(stockSyncs)
    .set({ leaseUntil: null, requests: sql`${stockSyncs.requests} + ${requests}` })
    .where(eq(stockSyncs.id, syncId));
}

/** The planned run starts running, with what it left out and the quantities it clamped. */
export const markStockSyncPlannedStatement = (d1: D1Database, syncId: string, plan: { planned: number; skipped: number; warnings: unknown[] }) =>
  prepareNamed(d1, "UPDATE stock_syncs SET status = 'running', items_planned = :planned, items_skipped = :skipped, warnings = :warnings WHERE id = :sync_id", {
    sync_id: syncId,
    planned: plan.planned,
    skipped: plan.skipped,
    warnings: JSON.stringify(plan.warnings),
  });

const COUNTS = `items_succeeded = (SELECT COUNT(*) FROM stock_sync_items WHERE sync_id = :sync_id AND status = 'succeeded'),
                items_failed = (SELECT COUNT(*) FROM stock_sync_items WHERE sync_id = :sync_id AND status = 'failed')`;

/** Hands the run to its next step, due at `dueAt`, with its counts brought up to date. */
export const advanceStockSync = (d1: D1Database, run: { syncId: string; step: number; dueAt: number; requests: number }) =>
  prepareNamed(
    d1,
    `UPDATE stock_syncs SET step = step + 1, lease_until = NULL, step_due_at = :due_at, requests = requests + :requests, ${COUNTS}
     WHERE id = :sync_id AND step = :step`,
    { sync_id: run.syncId, step: run.step, due_at: run.dueAt, requests: run.requests },
  ).run();

/**
 * Closes a run still in progress: its counts from its items, and failed (with `error`), succeeded,
 * partial or failed by how its items went. Returns whether it was in progress.
 */
export const closeStockSync = async (d1: D1Database, run: { syncId: string; at: number; error: string | null; requests: number }): Promise<boolean> => {
  const closed = await prepareNamed(
    d1,
    `UPDATE stock_syncs SET ${COUNTS}, requests = requests + :requests, lease_until = NULL, finished_at = :at, error = :error,
            status = CASE WHEN :error IS NOT NULL THEN 'failed'
                          WHEN (SELECT COUNT(*) FROM stock_sync_items WHERE sync_id = :sync_id AND status != 'succeeded') = 0 THEN 'succeeded'
                          WHEN (SELECT COUNT(*) FROM stock_sync_items WHERE sync_id = :sync_id AND status = 'succeeded') = 0 THEN 'failed'
                          ELSE 'partial' END
     WHERE id = :sync_id AND status IN ('planning', 'running')`,
    { sync_id: run.syncId, at: run.at, error: run.error, requests: run.requests },
  ).run();
  return closed.meta.changes > 0;
};

export const recountStockSync = (d1: D1Database, syncId: string) => prepareNamed(d1, `UPDATE stock_syncs SET ${COUNTS} WHERE id = :sync_id`, { sync_id: syncId }).run();

/** Runs whose step was due before `stalledBefore` and that no step holds: due again now. Returns them. */
export async function redueStalledStockSyncs(d1: D1Database, now: number, stalledBefore: number): Promise<Array<{ id: string; step: number }>> {
  const { results } = await prepareNamed(
    d1,
    `UPDATE stock_syncs SET step_due_at = :now
     WHERE status IN ('planning', 'running') AND step_due_at < :stalled_before AND (lease_until IS NULL OR lease_until < :now)
     RETURNING id, step`,
    { now, stalled_before: stalledBefore },
  ).all<{ id: string; step: number }>();
  return results;
}

/** Runs newest first, of one channel or all, optionally only those with one of `statuses`. */
export const findStockSyncs = (db: Database, filter: { channelId?: string; statuses?: string[]; cursor?: string; limit: number }) =>
  newestFirstPage(
    db,
    stockSyncs,
    { at: stockSyncs.requestedAt, id: stockSyncs.id },
    [filter.channelId ? eq(stockSyncs.channelId, filter.channelId) : undefined, filter.statuses?.length ? inArray(stockSyncs.status, filter.statuses) : undefined],
    filter,
  );

/* ---------------------------------------------------------------- a run's items */

/** Rows per INSERT … SELECT FROM json_each: keeps each bound JSON text well under D1's limits. */
const ROWS_PER_STATEMENT = 1000;

/** The run's items, as statements of at most ROWS_PER_STATEMENT rows each. */
export function insertStockSyncItemsStatements(d1: D1Database, syncId: string, items: Array<{ sku: string; quantity: number }>): D1PreparedStatement[] {
  const statements: D1PreparedStatement[] = [];
  for (let start = 0; start < items.length; start += ROWS_PER_STATEMENT) {
    const rows = items.slice(start, start + ROWS_PER_STATEMENT).map((item) => [item.sku, item.quantity]);
    statements.push(
      prepareNamed(
        d1,
        `INSERT INTO stock_sync_items (sync_id, sku, quantity)
         SELECT :sync_id, json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(:rows) WHERE true
         ON CONFLICT (sync_id, sku) DO NOTHING`,
        { sync_id: syncId, rows: JSON.stringify(rows) },
      ),
    );
  }
  return statements;
}

export interface DueItemRow {
  sku: string;
  quantity: number;
  attempts: number;
}

/** Pending items whose time has come, by SKU. */
export async function findDueStockSyncItems(d1: D1Database, syncId: string, now: number, limit: number): Promise<DueItemRow[]> {
  const { results } = await prepareNamed(
    d1,
    `SELECT sku, quantity, attempts FROM stock_sync_items
     WHERE sync_id = :sync_id AND status = 'pending' AND next_attempt_at <= :now ORDER BY sku LIMIT :rows`,
    { sync_id: syncId, now, rows: limit },
  ).all<DueItemRow>();
  return results;
}

/** When the next pending item is due, or null when none is pending. */
export const findNextStockSyncItemAt = (d1: D1Database, syncId: string) =>
  d1.prepare("SELECT MIN(next_attempt_at) AS at FROM stock_sync_items WHERE sync_id = ?1 AND status = 'pending'").bind(syncId).first<number | null>("at");

/** Items wait until `until` (the store throttled), with why. */
export const delayStockSyncItems = (d1: D1Database, syncId: string, skus: string[], until: number, reason: string) =>
  prepareNamed(
    d1,
    `UPDATE stock_sync_items SET next_attempt_at = :until, error = :reason
     WHERE sync_id = :sync_id AND sku IN (SELECT value FROM json_each(:skus))`,
    { sync_id: syncId, skus: JSON.stringify(skus), until, reason: reason.slice(0, 500) },
  ).run();

export const markItemsSucceededStatement = (d1: D1Database, syncId: string, skus: string[]) =>
  prepareNamed(
    d1,
    "UPDATE stock_sync_items SET status = 'succeeded', attempts = attempts + 1, error = NULL WHERE sync_id = :sync_id AND sku IN (SELECT value FROM json_each(:skus))",
    { sync_id: syncId, skus: JSON.stringify(skus) },
  );

/** Items that will not go through, each with the store's reason: `[sku, reason]`. */
export const markItemsFailedStatement = (d1: D1Database, syncId: string, failed: Array<[string, string]>) =>
  prepareNamed(
    d1,
    `UPDATE stock_sync_items SET status = 'failed', attempts = attempts + 1, error = substr(json_extract(j.value, '$[1]'), 1, 500)
     FROM json_each(:failed) AS j WHERE sync_id = :sync_id AND sku = json_extract(j.value, '$[0]')`,
    { sync_id: syncId, failed: JSON.stringify(failed) },
  );

/** Items tried again later: `[sku, reason, next attempt at]`. */
export const retryItemsStatement = (d1: D1Database, syncId: string, retried: Array<[string, string, number]>) =>
  prepareNamed(
    d1,
    `UPDATE stock_sync_items SET attempts = attempts + 1, error = substr(json_extract(j.value, '$[1]'), 1, 500), next_attempt_at = json_extract(j.value, '$[2]')
     FROM json_each(:retried) AS j WHERE sync_id = :sync_id AND sku = json_extract(j.value, '$[0]')`,
    { sync_id: syncId, retried: JSON.stringify(retried) },
  );

/** Items whose time has run out: never sent, with the run's reason. */
export const failPendingStockSyncItems = (d1: D1Database, syncId: string, reason: string) =>
  d1.prepare("UPDATE stock_sync_items SET status = 'failed', error = ?2 WHERE sync_id = ?1 AND status = 'pending'").bind(syncId, reason.slice(0, 500)).run();

/** A run's items by SKU, a page at a time, optionally of one status. */
export async function findStockSyncItems(db: Database, syncId: string, filter: { status?: string; cursor?: string; limit: number }) {
  const rows = await db
    .select({
      sku: stockSyncItems.sku,
      quantity: stockSyncItems.quantity,
      status: stockSyncItems.status,
      attempts: stockSyncItems.attempts,
      nextAttemptAt: stockSyncItems.nextAttemptAt,
      error: stockSyncItems.error,
    })
    .from(stockSyncItems)
    .where(
      and(
        eq(stockSyncItems.syncId, syncId),
        filter.status ? eq(stockSyncItems.status, filter.status) : undefined,
        gt(stockSyncItems.sku, filter.cursor ?? ""),
      ),
    )
    .orderBy(asc(stockSyncItems.sku))
    .limit(filter.limit + 1);
  return skuPage(rows, filter.limit);
}

/** The pushed quantities of the given succeeded items become what the store last accepted. */
export const recordPushedStatement = (d1: D1Database, push: { channelId: string; syncId: string; skus: string[]; at: number }) =>
  prepareNamed(
    d1,
    `INSERT INTO stock_pushed (channel_id, sku, quantity, pushed_at, sync_id)
     SELECT :channel_id, sku, quantity, :at, :sync_id FROM stock_sync_items WHERE sync_id = :sync_id AND sku IN (SELECT value FROM json_each(:skus)) AND true
     ON CONFLICT (channel_id, sku) DO UPDATE SET quantity = excluded.quantity, pushed_at = excluded.pushed_at, sync_id = excluded.sync_id`,
    { channel_id: push.channelId, sync_id: push.syncId, skus: JSON.stringify(push.skus), at: push.at },
  );

/* ---------------------------------------------------------------- where SKUs live in a store */

/** SKUs the store was found not to have since `since`. */
export async function findRecentlyMissingSkus(db: Database, channelId: string, since: number): Promise<Set<string>> {
  const rows = await db
    .select({ sku: storeProducts.sku })
    .from(storeProducts)
    .where(and(eq(storeProducts.channelId, channelId), isNull(storeProducts.ref), gt(storeProducts.fetchedAt, since)));
  return new Set(rows.map((row) => row.sku));
}

/** The cached refs of the given SKUs (a null ref: the store had no such SKU when asked). */
export async function findStoreRefs(d1: D1Database, channelId: string, skus: string[]) {
  const { results } = await d1
    .prepare("SELECT sku, ref, fetched_at FROM store_products WHERE channel_id = ?1 AND sku IN (SELECT value FROM json_each(?2))")
    .bind(channelId, JSON.stringify(skus))
    .all<{ sku: string; ref: string | null; fetched_at: number }>();
  return results;
}

/** Caches what the store said about each SKU: its ref as JSON, or null when it has none. */
export const saveStoreRefs = (d1: D1Database, channelId: string, refs: Array<[string, string | null]>, at: number) =>
  prepareNamed(
    d1,
    `INSERT INTO store_products (channel_id, sku, ref, fetched_at)
     SELECT :channel_id, json_extract(value, '$[0]'), json_extract(value, '$[1]'), :at FROM json_each(:refs) WHERE true
     ON CONFLICT (channel_id, sku) DO UPDATE SET ref = excluded.ref, fetched_at = excluded.fetched_at`,
    { channel_id: channelId, refs: JSON.stringify(refs), at },
  ).run();

/** Remembers SKUs the store does not have, so "changes" runs stop sending them until it is asked again. */
export const rememberMissingStatement = (d1: D1Database, channelId: string, skus: string[], at: number) =>
  prepareNamed(
    d1,
    `INSERT INTO store_products (channel_id, sku, ref, fetched_at) SELECT :channel_id, value, NULL, :at FROM json_each(:skus) WHERE true
     ON CONFLICT (channel_id, sku) DO UPDATE SET ref = NULL, fetched_at = excluded.fetched_at`,
    { channel_id: channelId, skus: JSON.stringify(skus), at },
  );

/** Drops refs the store no longer knows, so they are looked up again. */
export const forgetStoreRefsStatement = (d1: D1Database, channelId: string, skus: string[]) =>
  d1.prepare("DELETE FROM store_products WHERE channel_id = ?1 AND sku IN (SELECT value FROM json_each(?2))").bind(channelId, JSON.stringify(skus));

/**
 * The stock movements of a document executed at `at` in the same batch: one per product line,
 * out for a sale (sign -1), back in for a credit note (sign 1); a line moved once stays moved.
 */
export function documentStockMovementsStatement(
  d1: D1Database,
  movement: { documentId: string; idPrefix: string; at: number; sign: 1 | -1 },
): D1PreparedStatement {
  return prepareNamed(
    d1,
    `INSERT INTO stock_movements (id, document_id, line_index, product_id, quantity, at)
     SELECT :id_prefix || '_' || line.key, :document_id, line.key, json_extract(line.value, '$.product_id'), :sign * json_extract(line.value, '$.quantity'), :at
     FROM documents d, json_each(d.data, '$.lines') AS line
     WHERE d.id = :document_id AND d.status = 'executed' AND d.executed_at = :at AND json_extract(line.value, '$.product_id') IS NOT NULL
     ON CONFLICT (document_id, line_index) DO NOTHING`,
    { document_id: movement.documentId, id_prefix: movement.idPrefix, at: movement.at, sign: movement.sign },
  );
}

/** What a document moved, line by line. */
export async function stockMovementsOfDocument(db: Database, documentId: string) {
  return db.select().from(stockMovements).where(eq(stockMovements.documentId, documentId)).orderBy(asc(stockMovements.lineIndex));
}

/** The quantities each store last accepted for these SKUs, with the channel's name. */
export async function lastPushedQuantities(d1: D1Database, skus: string[]): Promise<Array<{ sku: string; name: string; quantity: number; pushed_at: number }>> {
  const { results } = await d1
    .prepare(
      `SELECT p.sku, c.name, p.quantity, p.pushed_at FROM stock_pushed p JOIN channels c ON c.id = p.channel_id
       WHERE p.sku IN (SELECT value FROM json_each(?1)) ORDER BY c.name`,
    )
    .bind(JSON.stringify(skus))
    .all<{ sku: string; name: string; quantity: number; pushed_at: number }>();
  return results;
}

/** Deletes at most `limit` items of stock syncs that finished before `cutoff`; returns how many. */
export async function deleteItemsOfSyncsFinishedBefore(d1: D1Database, cutoff: number, limit: number): Promise<number> {
  const result = await prepareNamed(
    d1,
    `DELETE FROM stock_sync_items WHERE rowid IN (
       SELECT i.rowid FROM stock_sync_items i JOIN stock_syncs s ON s.id = i.sync_id
       WHERE s.finished_at IS NOT NULL AND s.finished_at < :cutoff LIMIT :limit)`,
    { cutoff, limit },
  ).run();
  return result.meta.changes;
}

/** Stock sync runs that failed or sent only part of their items since `since`. */
export async function countUnsuccessfulStockSyncsSince(d1: D1Database, since: number): Promise<number> {
  return (await d1.prepare("SELECT COUNT(*) AS runs FROM stock_syncs WHERE status IN ('failed', 'partial') AND requested_at >= ?1").bind(since).first<number>("runs")) ?? 0;
}
