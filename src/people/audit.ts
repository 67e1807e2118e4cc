/**
 * Recording who changed what. A service that changes something builds the entry with `auditEntry`
 * and writes it in the same batch as the change (`auditStatement`), or right after a change that
 * is a single statement. `changes` keeps only the fields that differ, before and after.
 */
import type { Actor } from "../context";
import { newId } from "../lib/ids";
import { insertAudit, type AuditEntry } from "./audit-store";

export interface AuditWhat {
  action: string;
  subjectType?: string | null;
  subjectId?: string | null;
  summary: string;
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
}

/** The fields whose values differ, each side holding only those; null when nothing differs or nothing was given. */
export function changesOf(before: Record<string, unknown> | null | undefined, after: Record<string, unknown> | null | undefined): string | null {
  if (!before && !after) return null;
  if (!before || !after) return JSON.stringify({ before: before ?? null, after: after ?? null });
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  const changed = keys.filter((key) => JSON.stringify(before[key] ?? null) !== JSON.stringify(after[key] ?? null));
  if (changed.length === 0) return null;
  const pick = (side: Record<string, unknown>) => Object.fromEntries(changed.map((key) => [key, side[key] ?? null]));
  return JSON.stringify({ before: pick(before), after: pick(after) });
}

export function auditEntry(actor: Actor, at: number, what: AuditWhat): AuditEntry {
  return {
    id: newId("aud", at),
    at,
    actorKind: actor.kind,
    actorId: actor.id,
    actorName: actor.name,
    action: what.action,
    subjectType: what.subjectType ?? null,
    subjectId: what.subjectId ?? null,
    summary: what.summary.slice(0, 500),
    changes: changesOf(what.before, what.after),
  };
}

/** How an entry's actor reads to a person: "Anna Berzina", "key “Warehouse sync”", "the admin token", "System (automation)". */
export function actorLabel(entry: { actorKind: string; actorName: string; actorId: string }): string {
  switch (entry.actorKind) {
    case "key":
      return `key “${entry.actorName}”`;
    case "admin_token":
      return "the admin token";
    case "system":
      return `System (${entry.actorId})`;
    default:
      return entry.actorName;
  }
}

/**
 * Records an entry on its own, after the change it stands for (a change of one statement, a
 * cron's work). Should the write fail, the change stands and the whole entry is logged: failing the
 * request now would only invite a retry that does the change twice.
 */
export async function recordAfter(d1: D1Database, entry: AuditEntry): Promise<void> {
  try {
    await insertAudit(d1, entry);
  } catch (error) {
    console.error("audit: could not record", JSON.stringify(entry), error);
  }
}
