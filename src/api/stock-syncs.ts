/**
 * /api/channels/:id/stock-sync…: push stock to the channel's store now ("sync now", all SKUs or
 * only the changes), its schedule and settings, the log of its runs with each item's outcome, and
 * the quantity each SKU was last accepted at.
 */
import { eq } from "drizzle-orm";
import { Hono, type Context } from "hono";
import { z } from "zod";
import type { ChannelType } from "../channels/types";
import type { AppEnv, Services } from "../context";
import { channels, type ChannelRow } from "../db/schema";
import { AppError } from "../lib/errors";
import { cannotSync, readRun, requestStockSync, type StockSyncRunRow } from "../stock/sync";
import { readStockSyncSettings, stockSyncSettingsInput, stockSyncSettingsSchema } from "../stock/sync-settings";
import { loadChannel } from "./channels";
import { decodeCursor, encodeCursor, limitSchema } from "../db/pagination";
import { isoTime, parseQuery, readJsonBody, validate } from "./validate";

export const stockSyncRequestSchema = z
  .strictObject({
    mode: z.enum(["changes", "full"]).default("changes").meta({ description: "changes: only SKUs whose quantity differs from the last one the store accepted; full: every SKU" }),
  })
  .meta({ id: "StockSyncRequest" });

export const stockSyncSettingsBody = stockSyncSettingsInput.meta({ id: "StockSyncSettings" });

export const stockSyncListQuery = z.object({ cursor: z.string().optional(), limit: limitSchema });
export const stockSyncItemsQuery = z.object({
  status: z.enum(["pending", "succeeded", "failed"]).optional(),
  cursor: z.string().optional().meta({ description: "The last SKU of the previous page" }),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});

export function stockSyncJson(run: StockSyncRunRow) {
  return {
    id: run.id,
    channel_id: run.channel_id,
    mode: run.mode,
    trigger: run.trigger,
    warehouse: run.warehouse_id,
    status: run.status,
    requested_at: isoTime(run.requested_at),
    finished_at: isoTime(run.finished_at),
    items: { planned: run.items_planned, succeeded: run.items_succeeded, failed: run.items_failed, skipped_not_in_store: run.items_skipped },
    requests: run.requests,
    invocations: run.invocations,
    warnings: JSON.parse(run.warnings) as unknown[],
    error: run.error,
  };
}

async function channelRow(c: Context<AppEnv>) {
  return liveChannel(c.var.services, c.req.param("id")!);
}

async function liveChannel(services: Services, id: string) {
  const { row } = await loadChannel(services.db, id);
  if (row.status === "deleted") throw new AppError("not_found", `Channel ${row.id} is deleted`);
  return row;
}

const whyNot = (row: ChannelRow) => cannotSync({ type: row.type as ChannelType, status: row.status, settings: row.settings, credential_keys: row.credentialKeys });

/** A channel's stock-sync settings, and why it cannot sync (null when it can). */
export const stockSyncSettingsView = (row: ChannelRow) => ({ ...readStockSyncSettings(row.stockSync), cannot_sync: whyNot(row) });

export const stockSyncSettingsOf = async (services: Services, channelId: string) => stockSyncSettingsView(await liveChannel(services, channelId));

/** Changes the settings it is given; the rest keep their values. A schedule needs a channel that can push. */
export async function updateStockSyncSettings(services: Services, channelId: string, body: unknown) {
  const row = await liveChannel(services, channelId);
  const changes = validate(stockSyncSettingsBody, body);
  const why = whyNot(row);
  if (changes.schedule && why) throw new AppError("stock_sync_unavailable", `A schedule needs a channel that can push stock: ${why}`);
  const next = stockSyncSettingsSchema.parse({ ...readStockSyncSettings(row.stockSync), ...changes });
  await services.db.update(channels).set({ stockSync: JSON.stringify(next), updatedAt: services.now() }).where(eq(channels.id, row.id));
  return { ...next, cannot_sync: why };
}

/** Sync now. */
export async function startStockSync(services: Services, channelId: string, body: unknown) {
  const row = await liveChannel(services, channelId);
  const { mode } = validate(stockSyncRequestSchema, body);
  return (await requestStockSync(services, row.id, { mode, trigger: "manual" }))!;
}

/** Runs newest first, of one channel or all, optionally only those with a status. */
export async function listStockSyncs(d1: D1Database, filter: { channelId?: string; statuses?: string[]; cursor?: string; limit: number }) {
  const cursor = decodeCursor(filter.cursor);
  const { results } = await d1
    .prepare(
      `SELECT * FROM stock_syncs WHERE (?1 IS NULL OR channel_id = ?1) AND (?5 IS NULL OR status IN (SELECT value FROM json_each(?5)))
         AND (?2 IS NULL OR requested_at < ?2 OR (requested_at = ?2 AND id < ?3))
       ORDER BY requested_at DESC, id DESC LIMIT ?4`,
    )
    .bind(filter.channelId ?? null, cursor?.at ?? null, cursor?.id ?? "", filter.limit + 1, filter.statuses?.length ? JSON.stringify(filter.statuses) : null)
    .all<StockSyncRunRow>();
  const items = results.slice(0, filter.limit);
  const last = items.at(-1);
  return { items, next_cursor: results.length > filter.limit && last ? encodeCursor({ at: last.requested_at, id: last.id }) : null };
}

/** A run's items by SKU, a page at a time. */
export async function stockSyncItems(d1: D1Database, syncId: string, filter: { status?: string; cursor?: string; limit: number }) {
  const { results } = await d1
    .prepare(
      `SELECT sku, quantity, status, attempts, next_attempt_at, error FROM stock_sync_items
       WHERE sync_id = ?1 AND (?2 IS NULL OR status = ?2) AND sku > ?3 ORDER BY sku LIMIT ?4`,
    )
    .bind(syncId, filter.status ?? null, filter.cursor ?? "", filter.limit + 1)
    .all<{ sku: string; quantity: number; status: string; attempts: number; next_attempt_at: number; error: string | null }>();
  const items = results.slice(0, filter.limit).map((item) => ({
    sku: item.sku,
    quantity: item.quantity,
    status: item.status,
    attempts: item.attempts,
    next_attempt_at: item.status === "pending" ? isoTime(item.next_attempt_at) : null,
    error: item.error,
  }));
  return { items, next_cursor: results.length > filter.limit ? items.at(-1)!.sku : null };
}

export const stockSyncRoutes = new Hono<AppEnv>()
  /** Sync now: 202 with the run; its steps go through the queue. */
  .post("/:id/stock-sync", async (c) => c.json(stockSyncJson(await startStockSync(c.var.services, c.req.param("id"), await readJsonBody(c))), 202))

  .get("/:id/stock-sync/settings", async (c) => c.json(await stockSyncSettingsOf(c.var.services, c.req.param("id"))))

  /** Changes some settings (the schedule: `null`, `{"every_minutes": 15}` or `{"cron": "0 * * * *"}`, UTC); the rest stay. */
  .put("/:id/stock-sync/settings", async (c) => c.json(await updateStockSyncSettings(c.var.services, c.req.param("id"), await readJsonBody(c))))

  .get("/:id/stock-syncs", async (c) => {
    const row = await channelRow(c);
    const query = parseQuery(c, stockSyncListQuery);
    const page = await listStockSyncs(c.var.services.d1, { channelId: row.id, cursor: query.cursor, limit: query.limit });
    return c.json({ items: page.items.map(stockSyncJson), next_cursor: page.next_cursor });
  })

  /** One run with its items (failed ones with the store's reason), a page of SKUs at a time. */
  .get("/:id/stock-syncs/:syncId", async (c) => {
    const row = await channelRow(c);
    const query = parseQuery(c, stockSyncItemsQuery);
    const { d1 } = c.var.services;
    const run = await readRun(d1, c.req.param("syncId"));
    if (!run || run.channel_id !== row.id) throw new AppError("not_found", `No stock sync ${c.req.param("syncId")} for this channel`);
    const items = await stockSyncItems(d1, run.id, query);
    return c.json({ ...stockSyncJson(run), item_list: items.items, next_cursor: items.next_cursor });
  })

  /** What the store last accepted, SKU by SKU. */
  .get("/:id/stock-pushed", async (c) => {
    const row = await channelRow(c);
    const query = parseQuery(c, stockSyncItemsQuery.omit({ status: true }));
    const { results } = await c.var.services.d1
      .prepare("SELECT sku, quantity, pushed_at, sync_id FROM stock_pushed WHERE channel_id = ?1 AND sku > ?2 ORDER BY sku LIMIT ?3")
      .bind(row.id, query.cursor ?? "", query.limit + 1)
      .all<{ sku: string; quantity: number; pushed_at: number; sync_id: string }>();
    const items = results.slice(0, query.limit);
    return c.json({
      items: items.map((item) => ({ sku: item.sku, quantity: item.quantity, pushed_at: isoTime(item.pushed_at), sync_id: item.sync_id })),
      next_cursor: results.length > query.limit ? items.at(-1)!.sku : null,
    });
  });
