/**
 * Reconciliation's statements on channels, their secrets and reconciliation runs (pending: merged
 * into channel-store.ts).
 */
import { prepareNamed } from "../db/named-sql";
import type { ChannelType } from "./types";

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
