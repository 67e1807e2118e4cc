/**
 * /api/channels/:id/stock-sync…: push stock to the channel's store now ("sync now", all SKUs or
 * only the changes), its schedule and settings, the log of its runs with each item's outcome, and
 * the quantity each SKU was last accepted at.
 */
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../context";
import { limitSchema } from "../db/pagination";
import { findPushedToChannel, findStockSyncItems, findStockSyncs } from "../stock/stock-store";
import type { StockSyncRow } from "../db/schema";
import { liveChannel, stockSyncOfChannel, stockSyncSettingsOf, updateStockSyncSettings } from "../stock/sync-channel";
import { startStockSync } from "../stock/sync-run";
import { isoTime } from "../lib/iso-time";
import { parseQuery, readJsonBody } from "./validate";

// The OpenAPI document describes the bodies with the schemas the services check them against.

export const stockSyncListQuery = z.object({ cursor: z.string().optional(), limit: limitSchema });
export const stockSyncItemsQuery = z.object({
  status: z.enum(["pending", "succeeded", "failed"]).optional(),
  cursor: z.string().optional().meta({ description: "The last SKU of the previous page" }),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});

export function stockSyncJson(run: StockSyncRow) {
  return {
    id: run.id,
    channel_id: run.channelId,
    mode: run.mode,
    trigger: run.trigger,
    warehouse: run.warehouseId,
    status: run.status,
    requested_at: isoTime(run.requestedAt),
    finished_at: isoTime(run.finishedAt),
    items: { planned: run.itemsPlanned, succeeded: run.itemsSucceeded, failed: run.itemsFailed, skipped_not_in_store: run.itemsSkipped },
    requests: run.requests,
    invocations: run.invocations,
    warnings: JSON.parse(run.warnings) as unknown[],
    error: run.error,
  };
}

export const stockSyncRoutes = new Hono<AppEnv>()
  /** Sync now: 202 with the run; its steps go through the queue. */
  .post("/:id/stock-sync", async (c) => c.json(stockSyncJson(await startStockSync(c.var.services, c.req.param("id"), await readJsonBody(c))), 202))

  .get("/:id/stock-sync/settings", async (c) => c.json(await stockSyncSettingsOf(c.var.services, c.req.param("id"))))

  /** Changes some settings (the schedule: `null`, `{"every_minutes": 15}` or `{"cron": "0 * * * *"}`, UTC); the rest stay. */
  .put("/:id/stock-sync/settings", async (c) => c.json(await updateStockSyncSettings(c.var.services, c.req.param("id"), await readJsonBody(c))))

  .get("/:id/stock-syncs", async (c) => {
    const row = await liveChannel(c.var.services, c.req.param("id"));
    const query = parseQuery(c, stockSyncListQuery);
    const page = await findStockSyncs(c.var.services.db, { channelId: row.id, cursor: query.cursor, limit: query.limit });
    return c.json({ items: page.items.map(stockSyncJson), next_cursor: page.next_cursor });
  })

  /** One run with its items (failed ones with the store's reason), a page of SKUs at a time. */
  .get("/:id/stock-syncs/:syncId", async (c) => {
    const row = await liveChannel(c.var.services, c.req.param("id"));
    const query = parseQuery(c, stockSyncItemsQuery);
    const run = await stockSyncOfChannel(c.var.services, row, c.req.param("syncId"));
    const items = await findStockSyncItems(c.var.services.db, run.id, query);
    return c.json({
      ...stockSyncJson(run),
      item_list: items.items.map((item) => ({
        sku: item.sku,
        quantity: item.quantity,
        status: item.status,
        attempts: item.attempts,
        next_attempt_at: item.status === "pending" ? isoTime(item.nextAttemptAt) : null,
        error: item.error,
      })),
      next_cursor: items.next_cursor,
    });
  })

  /** What the store last accepted, SKU by SKU. */
  .get("/:id/stock-pushed", async (c) => {
    const row = await liveChannel(c.var.services, c.req.param("id"));
    const page = await findPushedToChannel(c.var.services.db, row.id, parseQuery(c, stockSyncItemsQuery.omit({ status: true })));
    return c.json({
      items: page.items.map((item) => ({ sku: item.sku, quantity: item.quantity, pushed_at: isoTime(item.pushedAt), sync_id: item.syncId })),
      next_cursor: page.next_cursor,
    });
  });
