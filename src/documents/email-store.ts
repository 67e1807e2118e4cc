/**
 * Every statement on document_emails: the log of a document's e-mails, one row per send_key
 * (`hand:<uuid>`, `auto:<document id>`). The UNIQUE send_key makes recording a send idempotent;
 * the conditional updates make a redelivered queue message change nothing.
 *
 * Statuses: queued (waiting, or waiting to be retried: `error` says why the last attempt failed),
 * sending (claimed by an attempt now), sent, failed (given up, with the reason).
 */
import type { DocumentEmailRow } from "../db/schema";

export type EmailStatus = "queued" | "sending" | "sent" | "failed";

interface EmailFields {
  id: string;
  document_id: string;
  send_key: string;
  recipient: string;
  status: EmailStatus;
  attempts: number;
  error: string | null;
  created_at: number;
  sent_at: number | null;
  updated_at: number;
}

export interface DocumentEmail {
  id: string;
  documentId: string;
  sendKey: string;
  recipient: string;
  status: EmailStatus;
  attempts: number;
  error: string | null;
  createdAt: number;
  sentAt: number | null;
  updatedAt: number;
}

const fromRow = (row: EmailFields): DocumentEmail => ({
  id: row.id,
  documentId: row.document_id,
  sendKey: row.send_key,
  recipient: row.recipient,
  status: row.status,
  attempts: row.attempts,
  error: row.error,
  createdAt: row.created_at,
  sentAt: row.sent_at,
  updatedAt: row.updated_at,
});

export type { DocumentEmailRow };

/** Records a send once per key: a second call with the same key inserts nothing. */
export const insertEmailStatement = (d1: D1Database, email: { id: string; documentId: string; sendKey: string; recipient: string; at: number }) =>
  d1
    .prepare(
      `INSERT INTO document_emails (id, document_id, send_key, recipient, status, attempts, error, created_at, sent_at, updated_at)
       VALUES (?1, ?2, ?3, ?4, 'queued', 0, NULL, ?5, NULL, ?5) ON CONFLICT (send_key) DO NOTHING`,
    )
    .bind(email.id, email.documentId, email.sendKey, email.recipient, email.at);

export async function recordEmail(d1: D1Database, email: { id: string; documentId: string; sendKey: string; recipient: string; at: number }): Promise<DocumentEmail> {
  const [, row] = await d1.batch<EmailFields>([insertEmailStatement(d1, email), d1.prepare("SELECT * FROM document_emails WHERE send_key = ?1").bind(email.sendKey)]);
  return fromRow(row.results[0]!);
}

export async function emailBySendKey(d1: D1Database, sendKey: string): Promise<DocumentEmail | null> {
  const row = await d1.prepare("SELECT * FROM document_emails WHERE send_key = ?1").bind(sendKey).first<EmailFields>();
  return row ? fromRow(row) : null;
}

/** A document's e-mails, newest first (a document is sent a handful of times, not thousands). */
export async function emailsOfDocument(d1: D1Database, documentId: string, limit = 100): Promise<DocumentEmail[]> {
  const { results } = await d1
    .prepare("SELECT * FROM document_emails WHERE document_id = ?1 ORDER BY created_at DESC, id DESC LIMIT ?2")
    .bind(documentId, limit)
    .all<EmailFields>();
  return results.map(fromRow);
}

/**
 * Claims a send for one attempt: a queued row, or one left `sending` by an attempt that has not
 * been heard of since `staleBefore` (it crashed). Null when there is nothing to send now: sent,
 * failed, or being sent by another attempt.
 */
export async function claimEmail(d1: D1Database, sendKey: string, now: number, staleBefore: number): Promise<DocumentEmail | null> {
  const row = await d1
    .prepare(
      `UPDATE document_emails SET status = 'sending', attempts = attempts + 1, updated_at = ?2
       WHERE send_key = ?1 AND (status = 'queued' OR (status = 'sending' AND updated_at < ?3)) RETURNING *`,
    )
    .bind(sendKey, now, staleBefore)
    .first<EmailFields>();
  return row ? fromRow(row) : null;
}

export async function markEmailSent(d1: D1Database, sendKey: string, now: number): Promise<void> {
  await d1.prepare("UPDATE document_emails SET status = 'sent', sent_at = ?2, error = NULL, updated_at = ?2 WHERE send_key = ?1 AND status <> 'sent'").bind(sendKey, now).run();
}

/** An attempt failed and will be retried: back to queued, with why. */
export async function recordEmailAttemptFailed(d1: D1Database, sendKey: string, error: string, now: number): Promise<void> {
  await d1
    .prepare("UPDATE document_emails SET status = 'queued', error = ?2, updated_at = ?3 WHERE send_key = ?1 AND status IN ('queued', 'sending')")
    .bind(sendKey, error, now)
    .run();
}

/** Given up: failed, with the reason. */
export async function markEmailFailed(d1: D1Database, sendKey: string, error: string, now: number): Promise<void> {
  await d1
    .prepare("UPDATE document_emails SET status = 'failed', error = ?2, updated_at = ?3 WHERE send_key = ?1 AND status IN ('queued', 'sending')")
    .bind(sendKey, error, now)
    .run();
}

/** Sends not finished and not heard of since `before`: their message may be lost; the sweep queues them again. */
export async function emailsOverdue(d1: D1Database, before: number, limit: number): Promise<string[]> {
  const { results } = await d1
    .prepare("SELECT send_key FROM document_emails WHERE status IN ('queued', 'sending') AND updated_at < ?1 ORDER BY updated_at LIMIT ?2")
    .bind(before, limit)
    .all<{ send_key: string }>();
  return results.map((row) => row.send_key);
}

/** The e-mail on the document (as the order gave it), else its customer's; null without either. */
export async function customerEmailOf(d1: D1Database, documentId: string): Promise<string | null> {
  const row = await d1
    .prepare(
      `SELECT COALESCE(NULLIF(TRIM(json_extract(d.data, '$.customer.email')), ''), NULLIF(TRIM(c.email), '')) AS email
       FROM documents d LEFT JOIN customers c ON c.id = d.customer_id WHERE d.id = ?1`,
    )
    .bind(documentId)
    .first<{ email: string | null }>();
  return row?.email ?? null;
}
