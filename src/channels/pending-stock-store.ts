/**
 * Statements on channels (and their secrets) that stock needs, waiting to move into
 * channel-store.ts: the channel a sync pushes to, its stock-sync settings, its names.
 */
import { eq } from "drizzle-orm";
import type { Database } from "../context";
import { channels, type ChannelRow } from "../db/schema";

export const findChannelRow = (db: Database, id: string): Promise<ChannelRow | undefined> => db.query.channels.findFirst({ where: eq(channels.id, id) });

/** The channel's newest active signing secret, sealed as stored. */
export const findLatestChannelSecret = (d1: D1Database, channelId: string) =>
  d1
    .prepare("SELECT secret FROM channel_secrets WHERE channel_id = ?1 AND revoked_at IS NULL ORDER BY created_at DESC LIMIT 1")
    .bind(channelId)
    .first<string>("secret");

/** Active channels with a stock-sync schedule, each with when its last scheduled run was asked for. */
export async function findChannelsWithStockSchedule(d1: D1Database) {
  const { results } = await d1
    .prepare(
      `SELECT c.id, c.stock_sync, (SELECT MAX(requested_at) FROM stock_syncs s WHERE s.channel_id = c.id AND s.trigger = 'schedule') AS last_at
       FROM channels c WHERE c.status = 'active' AND json_extract(c.stock_sync, '$.schedule') IS NOT NULL`,
    )
    .all<{ id: string; stock_sync: string; last_at: number | null }>();
  return results;
}

/** Stores the channel's stock-sync settings (JSON as stock/sync-settings.ts reads it). */
export async function saveStockSyncSettings(db: Database, channelId: string, settings: unknown, at: number): Promise<void> {
  await db.update(channels).set({ stockSync: JSON.stringify(settings), updatedAt: at }).where(eq(channels.id, channelId));
}

/** Every channel's name, by id (deleted ones too: old runs still name them). */
export async function findChannelNames(db: Database): Promise<Map<string, string>> {
  const rows = await db.select({ id: channels.id, name: channels.name }).from(channels);
  return new Map(rows.map((row) => [row.id, row.name]));
}
