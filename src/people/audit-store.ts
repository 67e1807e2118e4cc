/**
 * The audit trail: the only module that speaks SQL to audit_events. It only ever inserts and
 * reads; the migration's triggers refuse any UPDATE or DELETE, so no code path can rewrite it.
 */
import { and, eq, gte, inArray, lt, type SQL } from "drizzle-orm";
import type { Database } from "../context";
import { auditEvents, type AuditEventRow } from "../db/schema";
import { prepareNamed, type SqlValue } from "../db/named-sql";
import { newestFirstPage } from "../db/pagination";

export type AuditEntry = Omit<AuditEventRow, "changes"> & { changes: string | null };

/** The statement that records one entry, for a service to put in the same batch as the change. */
export function auditStatement(d1: D1Database, entry: AuditEntry): D1PreparedStatement {
  return d1
    .prepare(
      `INSERT INTO audit_events (id, at, actor_kind, actor_id, actor_name, action, subject_type, subject_id, summary, changes)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)`,
    )
    .bind(entry.id, entry.at, entry.actorKind, entry.actorId, entry.actorName, entry.action, entry.subjectType, entry.subjectId, entry.summary, entry.changes);
}

/**
 * The same, written only if `condition` holds as the batch runs: a step's entry goes in only when
 * the step did happen (the same conditions the order timeline uses).
 */
export function auditStatementIf(d1: D1Database, entry: AuditEntry, condition: { text: string; values: Record<string, SqlValue> }): D1PreparedStatement {
  return prepareNamed(
    d1,
    `INSERT INTO audit_events (id, at, actor_kind, actor_id, actor_name, action, subject_type, subject_id, summary, changes)
     SELECT :audit_id, :audit_at, :audit_actor_kind, :audit_actor_id, :audit_actor_name, :audit_action, :audit_subject_type, :audit_subject_id, :audit_summary, :audit_changes
     WHERE ${condition.text}`,
    {
      ...condition.values,
      audit_id: entry.id,
      audit_at: entry.at,
      audit_actor_kind: entry.actorKind,
      audit_actor_id: entry.actorId,
      audit_actor_name: entry.actorName,
      audit_action: entry.action,
      audit_subject_type: entry.subjectType,
      audit_subject_id: entry.subjectId,
      audit_summary: entry.summary,
      audit_changes: entry.changes,
    },
  );
}

export async function insertAudit(d1: D1Database, entry: AuditEntry): Promise<void> {
  await auditStatement(d1, entry).run();
}

export interface AuditFilter {
  actorId?: string;
  /** "order" finds order.ignore, order.process, …; "order.ignore" only that. */
  action?: string;
  subjectType?: string;
  subjectId?: string;
  /** Unix ms, inclusive / exclusive. */
  from?: number;
  to?: number;
}

/** An exact action, or a whole area ("order" → every `order.…`) as a range the index can use. */
function actionIs(action: string | undefined): (SQL | undefined)[] {
  if (!action) return [];
  if (action.includes(".")) return [eq(auditEvents.action, action)];
  return [gte(auditEvents.action, `${action}.`), lt(auditEvents.action, `${action}/`)];
}

export async function listAudit(db: Database, filter: AuditFilter, query: { cursor?: string; limit: number }) {
  const conditions: (SQL | undefined)[] = [
    filter.actorId ? eq(auditEvents.actorId, filter.actorId) : undefined,
    ...actionIs(filter.action),
    filter.subjectType ? eq(auditEvents.subjectType, filter.subjectType) : undefined,
    filter.subjectId ? eq(auditEvents.subjectId, filter.subjectId) : undefined,
    filter.from !== undefined ? gte(auditEvents.at, filter.from) : undefined,
    filter.to !== undefined ? lt(auditEvents.at, filter.to) : undefined,
  ];
  return newestFirstPage(db, auditEvents, { at: auditEvents.at, id: auditEvents.id }, [and(...conditions.filter(Boolean))], query);
}

/** Every entry about these subjects (an order and its documents, say), oldest first, for a timeline. */
export async function auditOfSubjects(db: Database, subjectIds: string[]): Promise<AuditEventRow[]> {
  if (subjectIds.length === 0) return [];
  const rows = await db
    .select()
    .from(auditEvents)
    .where(inArray(auditEvents.subjectId, subjectIds.slice(0, 90)))
    .orderBy(auditEvents.at, auditEvents.id)
    .limit(500);
  return rows;
}
