/**
 * Every statement on channels, channel_secrets and reconciliation_runs.
 *
 * Channels as the inbound path needs them: found by the token in their URI, with their active
 * secrets. Lookups are cached per isolate for a short time so that ingesting an order costs one
 * D1 round trip; the ingest batch re-checks that the channel and the matching secret are still
 * active, so a stale cache can never store an order for a disabled channel.
 */
import { and, asc, eq, isNull, ne } from "drizzle-orm";
import { channels, channelSecrets, type ChannelRow, type ChannelSecretRow } from "../db/schema";
import type { Database } from "../context";
import { AppError } from "../lib/errors";
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

// -------------------------------------------------------------------------------------------
// The management side: channels and their secrets as the API and the dashboard change them

export interface ChannelWithSecrets {
  row: ChannelRow;
  /** Every secret, revoked ones too, oldest first. */
  secrets: ChannelSecretRow[];
}

/** The channel and its secrets; a missing one is the API's not_found. */
export async function loadChannel(db: Database, id: string): Promise<ChannelWithSecrets> {
  const row = await db.query.channels.findFirst({ where: eq(channels.id, id) });
  if (!row) throw new AppError("not_found", `No channel ${id}`);
  const secrets = await db.select().from(channelSecrets).where(eq(channelSecrets.channelId, id)).orderBy(asc(channelSecrets.createdAt));
  return { row, secrets };
}

/** The channels in use (not deleted), oldest first, each with its active secrets. */
export async function findChannelsInUse(db: Database): Promise<ChannelWithSecrets[]> {
  const [rows, secrets] = await db.batch([
    db.select().from(channels).where(ne(channels.status, "deleted")).orderBy(asc(channels.createdAt)),
    db.select().from(channelSecrets).where(isNull(channelSecrets.revokedAt)),
  ]);
  return rows.map((row) => ({ row, secrets: secrets.filter((secret) => secret.channelId === row.id) }));
}

/** A new channel with its first secret, both or neither. */
export async function saveNewChannel(db: Database, row: ChannelRow, secret: ChannelSecretRow): Promise<void> {
  await db.batch([db.insert(channels).values(row), db.insert(channelSecrets).values(secret)]);
}

export type ChannelChanges = Partial<Omit<ChannelRow, "id" | "type" | "token" | "createdAt">>;

export async function saveChannelChanges(db: Database, id: string, changes: ChannelChanges): Promise<void> {
  await db.update(channels).set(changes).where(eq(channels.id, id));
}

export async function saveSecret(db: Database, secret: ChannelSecretRow): Promise<void> {
  await db.insert(channelSecrets).values(secret);
}

/** Revokes a secret that is still active; one revoked already keeps its first revocation time. */
export async function markSecretRevoked(db: Database, secretId: string, at: number): Promise<void> {
  await db
    .update(channelSecrets)
    .set({ revokedAt: at })
    .where(and(eq(channelSecrets.id, secretId), isNull(channelSecrets.revokedAt)));
}

/** A reconciliation run as the API shows it (the columns' own names). */
export interface ReconciliationRunRecord {
  id: string;
  started_at: number;
  finished_at: number | null;
  window_from: number;
  status: string;
  pages: number;
  requests: number;
  orders_seen: number;
  orders_created: number;
  orders_updated: number;
  error: string | null;
}

/** The channel's last 20 sweeps, newest first; a statement, so it can share a batch with the order counts. */
export const recentReconciliationRuns = (d1: D1Database, channelId: string): D1PreparedStatement =>
  d1.prepare("SELECT * FROM reconciliation_runs WHERE channel_id = ?1 ORDER BY started_at DESC LIMIT 20").bind(channelId);
