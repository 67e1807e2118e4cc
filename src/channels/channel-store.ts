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
import { type Database } from "../context";
import { AppError } from "../lib/errors";
import { openSecret } from "./channel-secrets";
import { type ChannelConfig, type ChannelType } from "./types";
import { prepareNamed } from "../db/named-sql";

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

/** The channel's last 20 sweeps, newest first. */
export async function recentReconciliationRuns(d1: D1Database, channelId: string): Promise<ReconciliationRunRecord[]> {
  const { results } = await d1
    .prepare("SELECT * FROM reconciliation_runs WHERE channel_id = ?1 ORDER BY started_at DESC LIMIT 20")
    .bind(channelId)
    .all<ReconciliationRunRecord>();
  return results;
}

/** The channel's type and its stored automation (JSON, or null for its type's default). */
export async function channelAutomationRow(d1: D1Database, channelId: string): Promise<{ type: ChannelType; automation: string | null } | null> {
  return d1.prepare("SELECT type, automation FROM channels WHERE id = ?1").bind(channelId).first<{ type: ChannelType; automation: string | null }>();
}

export interface ChannelDueForReconciliation {
  id: string;
  type: ChannelType;
  settings: string;
  credential_keys: string;
}

/** Active channels of the given types whose next sweep is due at `now` (or never was scheduled). */
export async function findChannelsDueForReconciliation(d1: D1Database, now: number, types: readonly ChannelType[]): Promise<ChannelDueForReconciliation[]> {
  const { results } = await d1
    .prepare(
      `SELECT id, type, settings, credential_keys FROM channels
       WHERE status = 'active' AND (reconcile_due_at IS NULL OR reconcile_due_at <= ?1)
         AND type IN (${types.map((_, index) => `?${index + 2}`).join(", ")})`,
    )
    .bind(now, ...types)
    .all<ChannelDueForReconciliation>();
  return results;
}

/** Claims the channels' sweeps by pushing each one's next due time forward, in one batch. */
export async function scheduleNextReconciliations(d1: D1Database, due: Array<{ channelId: string; dueAt: number }>): Promise<void> {
  await d1.batch(due.map((each) => d1.prepare("UPDATE channels SET reconcile_due_at = ?2 WHERE id = ?1").bind(each.channelId, each.dueAt)));
}

export interface ChannelToReconcile {
  id: string;
  token: string;
  type: ChannelType;
  status: string;
  settings: string;
  sealed_settings: string | null;
  credential_keys: string;
  reconcile_cursor: number | null;
}

export async function findChannelToReconcile(d1: D1Database, channelId: string): Promise<ChannelToReconcile | null> {
  return d1
    .prepare("SELECT id, token, type, status, settings, sealed_settings, credential_keys, reconcile_cursor FROM channels WHERE id = ?1")
    .bind(channelId)
    .first<ChannelToReconcile>();
}

/** The newest secret still in use, sealed as stored; null when every secret was revoked. */
export async function findNewestActiveSecret(d1: D1Database, channelId: string): Promise<string | null> {
  const row = await d1
    .prepare("SELECT secret FROM channel_secrets WHERE channel_id = ?1 AND revoked_at IS NULL ORDER BY created_at DESC LIMIT 1")
    .bind(channelId)
    .first<{ secret: string }>();
  return row?.secret ?? null;
}

export async function recordChannelHealth(d1: D1Database, channelId: string, health: unknown): Promise<void> {
  await d1.prepare("UPDATE channels SET health = ?2 WHERE id = ?1").bind(channelId, JSON.stringify(health)).run();
}

/** The statement that moves where the channel's next sweep starts; batched with the run's end. */
export function moveReconcileCursor(d1: D1Database, channelId: string, cursor: number): D1PreparedStatement {
  return d1.prepare("UPDATE channels SET reconcile_cursor = ?2 WHERE id = ?1").bind(channelId, cursor);
}

export async function startReconciliationRun(d1: D1Database, run: { id: string; channelId: string; startedAt: number; windowFrom: number }): Promise<void> {
  await prepareNamed(
    d1,
    "INSERT INTO reconciliation_runs (id, channel_id, started_at, window_from, status) VALUES (:id, :channel_id, :started_at, :window_from, 'running')",
    { id: run.id, channel_id: run.channelId, started_at: run.startedAt, window_from: run.windowFrom },
  ).run();
}

export interface FinishedRun {
  finishedAt: number;
  status: "ok" | "failed";
  error: string | null;
  pages: number;
  requests: number;
  seen: number;
  created: number;
  updated: number;
}

/** The statement that closes a run with its counts. */
/** Closes a sweep's run on its own (a sweep that ended well closes it in the batch that moves the cursor). */
export async function closeReconciliationRun(d1: D1Database, runId: string, run: FinishedRun): Promise<void> {
  await finishReconciliationRun(d1, runId, run).run();
}

export function finishReconciliationRun(d1: D1Database, runId: string, run: FinishedRun): D1PreparedStatement {
  return prepareNamed(
    d1,
    `UPDATE reconciliation_runs SET finished_at = :finished_at, status = :status, error = :error, pages = :pages, requests = :requests,
            orders_seen = :seen, orders_created = :created, orders_updated = :updated WHERE id = :id`,
    {
      id: runId,
      finished_at: run.finishedAt,
      status: run.status,
      error: run.error?.slice(0, 2000) ?? null,
      pages: run.pages,
      requests: run.requests,
      seen: run.seen,
      created: run.created,
      updated: run.updated,
    },
  );
}

export async function findChannel(db: Database, id: string): Promise<ChannelRow | undefined> {
  return db.query.channels.findFirst({ where: eq(channels.id, id) });
}

/** Every channel's name, type and status by id, deleted ones included (their orders stay). */
export async function channelNamesById(db: Database): Promise<Map<string, { name: string; type: string; status: string }>> {
  const rows = await db.select({ id: channels.id, name: channels.name, type: channels.type, status: channels.status }).from(channels);
  return new Map(rows.map((row) => [row.id, row]));
}


/** Every channel in the order it was created, for the overview's legend (read in its batch). */
export async function channelsInCreationOrder(d1: D1Database): Promise<Array<{ id: string; name: string; status: string }>> {
  const { results } = await d1.prepare("SELECT id, name, status FROM channels ORDER BY created_at, id").all<{ id: string; name: string; status: string }>();
  return results;
}



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

