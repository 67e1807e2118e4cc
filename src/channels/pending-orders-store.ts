/**
 * Statements on channels the orders pages and services need; the channels helper moves them into
 * channel-store.ts at merge.
 */
import { eq } from "drizzle-orm";
import type { Database } from "../context";
import { channels, type ChannelRow } from "../db/schema";
import type { ChannelType } from "./types";

export async function findChannel(db: Database, id: string): Promise<ChannelRow | undefined> {
  return db.query.channels.findFirst({ where: eq(channels.id, id) });
}

/** Every channel's name, type and status by id, deleted ones included (their orders stay). */
export async function channelNamesById(db: Database): Promise<Map<string, { name: string; type: string; status: string }>> {
  const rows = await db.select({ id: channels.id, name: channels.name, type: channels.type, status: channels.status }).from(channels);
  return new Map(rows.map((row) => [row.id, row]));
}

/** The type and automation switches of the channel an order came from; null when there is no such order. */
export async function channelAutomationOfOrder(d1: D1Database, orderId: string): Promise<{ type: ChannelType; automation: string | null } | null> {
  return d1
    .prepare("SELECT c.type, c.automation FROM orders o JOIN channels c ON c.id = o.channel_id WHERE o.id = ?1")
    .bind(orderId)
    .first<{ type: ChannelType; automation: string | null }>();
}

/** Every channel in the order it was created, for the overview's legend (read in its batch). */
export const channelsInCreationOrderStatement = (d1: D1Database): D1PreparedStatement => d1.prepare("SELECT id, name, status FROM channels ORDER BY created_at, id");
