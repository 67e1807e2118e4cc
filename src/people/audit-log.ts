/** Reading the audit trail: the filters the Audit page and GET /api/audit take, and an entry as they show it. */
import { z } from "zod";
import type { Services } from "../context";
import type { AuditEventRow } from "../db/schema";
import { limitSchema } from "../db/pagination";
import { actorLabel } from "./audit";
import { listAudit } from "./audit-store";

const optionalText = (max: number) =>
  z.preprocess((value) => (value === "" ? undefined : value), z.string().trim().max(max).regex(/^[A-Za-z0-9_.:-]+$/, "letters, digits and _ . : - only").optional());
const day = z.preprocess((value) => (value === "" ? undefined : value), z.iso.date().optional());

export const auditFilterSchema = z.object({
  actor: optionalText(64),
  /** An area ("order") or one action ("order.ignore"). */
  action: optionalText(64),
  subject: optionalText(64),
  /** Days, UTC: from the start of `from` to the end of `to`. */
  from: day,
  to: day,
  cursor: z.string().max(200).optional(),
  limit: limitSchema,
});

export type AuditQuery = z.output<typeof auditFilterSchema>;

const DAY_MS = 24 * 60 * 60 * 1000;

export async function findAudit(services: Services, query: AuditQuery) {
  return listAudit(
    services.db,
    {
      actorId: query.actor,
      action: query.action,
      subjectId: query.subject,
      from: query.from ? Date.parse(`${query.from}T00:00:00Z`) : undefined,
      to: query.to ? Date.parse(`${query.to}T00:00:00Z`) + DAY_MS : undefined,
    },
    { cursor: query.cursor, limit: query.limit },
  );
}

export function auditJson(row: AuditEventRow) {
  return {
    id: row.id,
    at: new Date(row.at).toISOString(),
    actor: { kind: row.actorKind, id: row.actorId, name: row.actorName, label: actorLabel(row) },
    action: row.action,
    subject_type: row.subjectType,
    subject_id: row.subjectId,
    summary: row.summary,
    changes: row.changes ? (JSON.parse(row.changes) as { before: unknown; after: unknown }) : null,
  };
}
