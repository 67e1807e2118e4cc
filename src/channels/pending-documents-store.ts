/** Statements on channels that documents need. Pending: they move into channels/channel-store.ts at merge. */
import type { ChannelType } from "./types";

/** The channel's type and its stored automation (JSON, or null for its type's default). */
export async function channelAutomationRow(d1: D1Database, channelId: string): Promise<{ type: ChannelType; automation: string | null } | null> {
  return d1.prepare("SELECT type, automation FROM channels WHERE id = ?1").bind(channelId).first<{ type: ChannelType; automation: string | null }>();
}
