/**
 * /api/channels/:id/stock-sync…: push stock to the channel's store now ("sync now", all SKUs or
 * only the changes), its schedule and settings, the log of its runs with each item's outcome, and
 * the quantity each SKU was last accepted at.
 */
import { eq } from "drizzle-orm";
import { Hono, type Context } from "hono";
import { z } from "zod";
import type { ChannelType } from "../channels/types";
import type { AppEnv } from "../context";
import { channels } from "../db/schema";
import { AppError } from "../lib/errors";
import { cannotSync, readRun, requestStockSync, type StockSyncRunRow } from "../stock/sync";
import { readStockSyncSettings, stockSyncSettingsInput, stockSyncSettingsSchema } from "../stock/sync-settings";
import { loadChannel } from "./channels";
import { decodeCursor, encodeCursor, limitSchema } from "./pagination";
import { isoTime, parseJsonBody, parseQuery } from "./validate";

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
  const { row } = await loadChannel(c.var.services.db, c.req.param("id")!);
  if (row.status === "deleted") throw new AppError("not_found", `Channel ${row.id} is deleted`);
  return row;
}

export const stockSyncRoutes = new Hono<AppEnv>()
  /** Sync now: 202 with the run; its steps go through the queue. */
  .post("/:id/stock-sync", async (c) => {
    const row = await channelRow(c);
    const { mode } = await parseJsonBody(c, stockSyncRequestSchema);
    const run = await requestStockSync(c.var.services, row.id, { mode, trigger: "manual" });
    return c.json(stockSyncJson(run!), 202);
  })

  .get("/:id/stock-sync/settings", async (c) => {
    const row = await channelRow(c);
    return c.json({
      ...readStockSyncSettings(row.stockSync),
      cannot_sync: cannotSync({ type: row.type as ChannelType, status: row.status, settings: row.settings, credential_keys: row.credentialKeys }),
    });
  })

  /** Changes some settings (the schedule: `null`, `{"every_minutes": 15}` or `{"cron": "0 * * * *"}`, UTC); the rest stay. */
  .put("/:id/stock-sync/settings", async (c) => {
    const { db, now } = c.var.services;
    const row = await channelRow(c);
    const changes = await parseJsonBody(c, stockSyncSettingsBody);
    const why = cannotSync({ type: row.type as ChannelType, status: row.status, settings: row.settings, credential_keys: row.credentialKeys });
    if (changes.schedule && why) throw new AppError("stock_sync_unavailable", `A schedule needs a channel that can push stock: ${why}`);
    const next = stockSyncSettingsSchema.parse({ ...readStockSyncSettings(row.stockSync), ...changes });
    await db.update(channels).set({ stockSync: JSON.stringify(next), updatedAt: now() }).where(eq(channels.id, row.id));
    return c.json({ ...next, cannot_sync: why });
  })

  .get("/:id/stock-syncs", async (c) => {
    const row = await channelRow(c);
    const query = parseQuery(c, stockSyncListQuery);
    const cursor = decodeCursor(query.cursor);
    const { results } = await c.var.services.d1
      .prepare(
        `SELECT * FROM stock_syncs WHERE channel_id = ?1 AND (?2 IS NULL OR requested_at < ?2 OR (requested_at = ?2 AND id < ?3))
         ORDER BY requested_at DESC, id DESC LIMIT ?4`,
      )
      .bind(row.id, cursor?.at ?? null, cursor?.id ?? "", query.limit + 1)
      .all<StockSyncRunRow>();
    const items = results.slice(0, query.limit);
    const last = items.at(-1);
    return c.json({
      items: items.map(stockSyncJson),
      next_cursor: results.length > query.limit && last ? encodeCursor({ at: last.requested_at, id: last.id }) : null,
    });
  })

  /** One run with its items (failed ones with the store's reason), a page of SKUs at a time. */
  .get("/:id/stock-syncs/:syncId", async (c) => {
    const row = await channelRow(c);
    const query = parseQuery(c, stockSyncItemsQuery);
    const { d1 } = c.var.services;
    const run = await readRun(d1, c.req.param("syncId"));
    if (!run || run.channel_id !== row.id) throw new AppError("not_found", `No stock sync ${c.req.param("syncId")} for this channel`);
    const { results } = await d1
      .prepare(
        `SELECT sku, quantity, status, attempts, next_attempt_at, error FROM stock_sync_items
         WHERE sync_id = ?1 AND (?2 IS NULL OR status = ?2) AND sku > ?3 ORDER BY sku LIMIT ?4`,
      )
      .bind(run.id, query.status ?? null, query.cursor ?? "", query.limit + 1)
      .all<{ sku: string; quantity: number; status: string; attempts: number; next_attempt_at: number; error: string | null }>();
    const items = results.slice(0, query.limit);
    return c.json({
      ...stockSyncJson(run),
      item_list: items.map((item) => ({
        sku: item.sku,
        quantity: item.quantity,
        status: item.status,
        attempts: item.attempts,
        next_attempt_at: item.status === "pending" ? isoTime(item.next_attempt_at) : null,
        error: item.error,
      })),
      next_cursor: results.length > query.limit ? items.at(-1)!.sku : null,
    });
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
