/**
 * Documents sent by e-mail through Cloudflare Email Service (the `send_email` binding). Sending is
 * never done inline: a send is recorded (document_emails, once per send_key) and queued; the queue
 * consumer sends it, marks it sent, or records why it failed and lets the queue retry; after the
 * last attempt it is failed with the reason. A redelivered message for a sent row sends nothing.
 *
 * The binding takes the message as fields (`send({ from, to, subject, text, attachments })`,
 * https://developers.cloudflare.com/email-service/api/send-emails/workers-api/): it builds the
 * MIME itself, so no MIME is written here.
 */
import { z } from "zod";
import { loadCompanyProfile } from "../company/company";
import type { Services } from "../context";
import { AppError } from "../lib/errors";
import { validate } from "../lib/validate";
import { fromMinor } from "../orders/money";
import { sendDocumentEmail } from "../queue/messages";
import { documentById } from "./document-store";
import { claimEmail, customerEmailOf, emailBySendKey, emailsOfDocument, emailsOverdue, markEmailFailed, markEmailSent, recordEmail, recordEmailAttemptFailed, type DocumentEmail } from "./email-store";
import type { StoredDocument } from "./document-store";

/**
 * Draws a document's PDF. Another part of the inbox builds it (src/documents/render/); the queue
 * consumer is handed one (ConsumerIo.renderPdf) and passes it in here.
 */
export type RenderPdf = (services: Services, documentId: string) => Promise<{ bytes: Uint8Array; filename: string }>;

/** What a send needs besides the services: the binding (or a fake), the sender and the renderer. */
export interface MailDeps {
  mailer: Pick<SendEmail, "send"> | undefined;
  from: string | undefined;
  renderPdf: RenderPdf | undefined;
}

/** A send that can never succeed however often it is retried: failed at once, with this reason. */
export class MailNotPossible extends Error {
  readonly retryable = false;
}

/** An attempt that finds the row being sent by another one waits this long before taking it over. */
const SENDING_LEASE_MS = 5 * 60_000;

const TITLES: Record<string, string> = { invoice: "Invoice", order: "Sales order", credit_note: "Credit note" };

export const emailRequestSchema = z
  .strictObject({ to: z.email("to must be an e-mail address").max(320).optional() })
  .meta({ id: "DocumentEmailRequest" });

export const documentEmailJson = (email: DocumentEmail) => ({
  id: email.id,
  document_id: email.documentId,
  to: email.recipient,
  status: email.status,
  attempts: email.attempts,
  error: email.error,
  created_at: new Date(email.createdAt).toISOString(),
  sent_at: email.sentAt === null ? null : new Date(email.sentAt).toISOString(),
});

export type DocumentEmailJson = ReturnType<typeof documentEmailJson>;

/** The address a document goes to unless a person says otherwise: its customer's. */
export async function defaultRecipient(services: Services, documentId: string): Promise<string | null> {
  return customerEmailOf(services.d1, documentId);
}

/** Records a send and queues it: POST /api/documents/:id/email and the dashboard's button. */
export async function queueDocumentEmail(services: Services, documentId: string, body: unknown): Promise<DocumentEmail> {
  const request = validate(emailRequestSchema, body ?? {});
  const document = await documentById(services.db, documentId);
  if (!document) throw new AppError("not_found", `No document ${documentId}`);
  if (document.status !== "executed") throw new AppError("conflict", `Only an executed document is sent; this one is ${document.status}`);
  const to = request.to ?? (await defaultRecipient(services, documentId));
  if (!to) throw new AppError("bad_request", "The document's customer has no e-mail address: give one in `to`");
  const email = await recordEmail(services.d1, { id: crypto.randomUUID(), documentId, sendKey: `hand:${crypto.randomUUID()}`, recipient: to, at: services.now() });
  await services.queue.send(sendDocumentEmail(email.sendKey));
  return email;
}

/**
 * The automatic send of an invoice automation executed (the channel's `email_invoice` switch):
 * recorded once (`auto:<document id>`) and queued. Called again for the same invoice (a message
 * redelivered, an order updated) it records nothing; a row recorded but whose message was lost is
 * queued again by the sweep. An invoice without a customer e-mail is recorded failed, with why.
 */
export async function queueAutomaticInvoiceEmail(services: Services, document: StoredDocument | null): Promise<void> {
  if (!document || document.type !== "invoice" || document.status !== "executed") return;
  const sendKey = `auto:${document.id}`;
  if (await emailBySendKey(services.d1, sendKey)) return;
  const to = await defaultRecipient(services, document.id);
  const now = services.now();
  const email = await recordEmail(services.d1, { id: crypto.randomUUID(), documentId: document.id, sendKey, recipient: to ?? "", at: now });
  if (!to) {
    await markEmailFailed(services.d1, sendKey, "The invoice's customer has no e-mail address: send it by hand to an address you give", now);
    return;
  }
  if (email.status === "queued" && email.attempts === 0) await services.queue.send(sendDocumentEmail(sendKey));
}

/** A document's e-mails, newest first: GET /api/documents/:id/emails and the document page. */
export async function documentEmails(services: Services, documentId: string): Promise<DocumentEmail[]> {
  if (!(await documentById(services.db, documentId))) throw new AppError("not_found", `No document ${documentId}`);
  return emailsOfDocument(services.d1, documentId);
}

/** Sends one recorded e-mail (the queue consumer). Throws when the attempt failed; the consumer records it. */
export async function deliverDocumentEmail(services: Services, deps: MailDeps, sendKey: string): Promise<"sent" | "nothing to do"> {
  const now = services.now();
  const email = await claimEmail(services.d1, sendKey, now, now - SENDING_LEASE_MS);
  if (!email) return "nothing to do";
  if (!deps.mailer) throw new MailNotPossible("The send_email binding EMAIL is missing (wrangler.toml)");
  if (!deps.from) throw new MailNotPossible("MAIL_FROM is not set: the inbox has no sender address");
  if (!deps.renderPdf) throw new MailNotPossible("No PDF renderer is wired into the queue consumer");
  const document = await documentById(services.db, email.documentId);
  if (!document) throw new MailNotPossible(`No document ${email.documentId}`);
  const profile = await loadCompanyProfile(services.d1);
  const pdf = await deps.renderPdf(services, document.id);
  const title = `${TITLES[document.type] ?? "Document"} ${document.number ?? ""}`.trim();
  const seller = profile.legal_name || null;
  const lines = [
    "Hello,",
    "",
    `Please find attached ${title} for ${fromMinor(document.totalMinor, document.currency)} ${document.currency}.`,
    "",
    ...(seller ? [seller] : []),
    ...(profile.invoice_footer ? ["", profile.invoice_footer] : []),
  ];
  await deps.mailer.send({
    from: seller ? { email: deps.from, name: seller } : deps.from,
    to: email.recipient,
    ...(profile.email ? { replyTo: profile.email } : {}),
    subject: seller ? `${title} from ${seller}` : title,
    text: lines.join("\n"),
    attachments: [{ disposition: "attachment", filename: pdf.filename, type: "application/pdf", content: pdf.bytes }],
  });
  await markEmailSent(services.d1, sendKey, services.now());
  return "sent";
}

/** An attempt failed and the queue retries it: the row shows why meanwhile. */
export const recordEmailRetry = (services: Services, sendKey: string, reason: string) => recordEmailAttemptFailed(services.d1, sendKey, reason, services.now());

/** Given up (the last attempt, or a send that can never succeed): failed, with the reason. */
export const recordEmailGivenUp = (services: Services, sendKey: string, reason: string) => markEmailFailed(services.d1, sendKey, reason, services.now());

/**
 * The sweep: sends recorded but not heard of since `before` (their message lost, or the worker
 * stopped mid-send) are queued again. A duplicate message for a send that is done changes nothing.
 */
export async function requeueOverdueEmails(services: Services, before: number, limit = 100): Promise<number> {
  const overdue = await emailsOverdue(services.d1, before, limit);
  if (overdue.length > 0) await services.queue.sendBatch(overdue.map((sendKey) => ({ body: sendDocumentEmail(sendKey) })));
  return overdue.length;
}
