/**
 * Channels as the inbound path needs them: found by the token in their URI, with their active
 * secrets. Lookups are cached per isolate for a short time so that ingesting an order costs one
 * D1 round trip; the ingest batch re-checks that the channel and the matching secret are still
 * active, so a stale cache can never store an order for a disabled channel.
 */
import { and, eq, isNull } from "drizzle-orm";
import { channels, channelSecrets } from "../db/schema";
import type { Database } from "../context";
import { openSecret } from "./channel-secrets";
import type { ChannelConfig, ChannelType } from "./types";

export type ChannelStatus = "active" | "disabled" | "deleted";

export interface InboundChannel extends ChannelConfig {
  status: ChannelStatus;
}

const CACHE_TTL_MS = 30_000;
const CACHE_LIMIT = 1000;
// Lives as long as the isolate; entries expire after CACHE_TTL_MS and are dropped on any change.
const cache = new Map<string, { channel: InboundChannel; expiresAt: number }>();

export async function channelByToken(db: Database, token: string, now: number, settingsKey: string | undefined): Promise<InboundChannel | null> {
  const cached = cache.get(token);
  if (cached && cached.expiresAt > now) return cached.channel;

  const rows = await db
    .select({
      id: channels.id,
      type: channels.type,
      status: channels.status,
      settings: channels.settings,
      secretId: channelSecrets.id,
      secret: channelSecrets.secret,
    })
    .from(channels)
    .leftJoin(channelSecrets, and(eq(channelSecrets.channelId, channels.id), isNull(channelSecrets.revokedAt)))
    .where(eq(channels.token, token));
  if (rows.length === 0) {
    cache.delete(token);
    return null;
  }
  const [first] = rows;
  const channel: InboundChannel = {
    id: first.id,
    type: first.type as ChannelType,
    status: first.status as ChannelStatus,
    settings: JSON.parse(first.settings) as Record<string, unknown>,
    secrets: await Promise.all(
      rows.flatMap((row) => (row.secretId && row.secret ? [openSecret(row.secret, settingsKey).then((secret) => ({ id: row.secretId!, secret }))] : [])),
    ),
  };
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(token, { channel, expiresAt: now + CACHE_TTL_MS });
  return channel;
}

/** Called whenever a channel or its secrets change, so this isolate sees the change at once. */
export function forgetChannel(token: string): void {
  cache.delete(token);
}
