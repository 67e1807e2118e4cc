/**
 * /api/documents and /api/payments: the sales documents the inbox made (invoices, sales orders,
 * credit notes), their payments, and the bookkeeper's actions on them: execute a clean draft,
 * cancel a draft, credit an executed invoice, add a payment by hand, and a CSV export.
 */
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../context";
import { limitSchema } from "../db/pagination";
import { DOCUMENT_KINDS } from "../documents/document";
import { documentEmailJson, documentEmails, queueDocumentEmail } from "../documents/document-email";
import { addPaymentByHand, cancelDocument, creditDocument, executeDocument } from "../documents/document-actions";
import { loadDocument, loadDocumentDetail } from "../documents/document-detail";
import { documentsCsv } from "../documents/document-export";
import { findDocuments, findPayments, paymentById } from "../documents/document-store";
import { DOCUMENT_STATUSES, documentJson, paymentJson } from "../documents/document-wire";
import { documentPdf } from "../documents/render/document-print";
import { AppError } from "../lib/errors";
import { parseQuery, readJsonBody } from "./validate";


export const documentListQuery = z.object({
  type: z.enum(DOCUMENT_KINDS).optional(),
  status: z.enum(DOCUMENT_STATUSES).optional(),
  channel_id: z.string().optional(),
  order_id: z.string().optional(),
  customer_id: z.string().optional(),
  created_from: z.iso.datetime({ offset: true }).optional(),
  created_to: z.iso.datetime({ offset: true }).optional(),
  cursor: z.string().optional(),
  limit: limitSchema,
});

const documentExportQuery = documentListQuery.omit({ cursor: true, limit: true });

/** An action's answer: the document as it now stands. */
const documentNow = async (c: { var: AppEnv["Variables"] }, id: string) => documentJson(await loadDocument(c.var.services.db, id));

export const documentRoutes = new Hono<AppEnv>()
  .get("/", async (c) => {
    const result = await findDocuments(c.var.services.db, parseQuery(c, documentListQuery));
    return c.json({ items: result.items.map(documentJson), next_cursor: result.next_cursor });
  })

  /** One row per document line, with the document's number, dates and totals: what a spreadsheet or an import wants. */
  .get("/export.csv", async (c) => {
    // The same filters as the list; a cursor or limit given is ignored (unknown keys are dropped).
    const csv = await documentsCsv(c.var.services.db, parseQuery(c, documentExportQuery));
    return c.body(csv, 200, { "content-type": "text/csv; charset=utf-8", "content-disposition": 'attachment; filename="documents.csv"' });
  })

  .get("/:id", async (c) => c.json(await loadDocumentDetail(c.var.services.db, c.req.param("id"))))

  /** The document as its customer receives it: an A4 PDF (a draft is marked as not issued). */
  .get("/:id/pdf", async (c) => {
    const { bytes, fileName } = await documentPdf(c.var.services, c.req.param("id"));
    return c.body(bytes as Uint8Array<ArrayBuffer>, 200, { "content-type": "application/pdf", "content-disposition": `attachment; filename="${fileName}"` });
  })

  .post("/:id/execute", async (c) => {
    await executeDocument(c.var.services, c.req.param("id"));
    return c.json(await documentNow(c, c.req.param("id")));
  })

  .post("/:id/cancel", async (c) => {
    await cancelDocument(c.var.services, c.req.param("id"));
    return c.json(await documentNow(c, c.req.param("id")));
  })

  /** A credit note for all of an executed invoice (a return handled outside the store, say). */
  .post("/:id/credit", async (c) => {
    const note = await creditDocument(c.var.services, c.req.param("id"));
    return c.json(await documentNow(c, note.id), 201);
  })

  .post("/:id/payments", async (c) => c.json(paymentJson(await addPaymentByHand(c.var.services, c.req.param("id"), await readJsonBody(c))), 201))

  /** Recorded and queued, never sent inline: 202, and the send log says how it went. */
  .post("/:id/email", async (c) => {
    return c.json(documentEmailJson(await queueDocumentEmail(c.var.services, c.req.param("id"), await readJsonBody(c))), 202);
  })

  .get("/:id/emails", async (c) => c.json({ items: (await documentEmails(c.var.services, c.req.param("id"))).map(documentEmailJson) }));

export const paymentListQuery = z.object({
  document_id: z.string().optional(),
  order_id: z.string().optional(),
  kind: z.enum(["payment", "refund"]).optional(),
  cursor: z.string().optional(),
  limit: limitSchema,
});

export const paymentRoutes = new Hono<AppEnv>()
  .get("/:id", async (c) => {
    const row = await paymentById(c.var.services.db, c.req.param("id"));
    if (!row) throw new AppError("not_found", `No payment ${c.req.param("id")}`);
    return c.json(paymentJson(row));
  })
  .get("/", async (c) => {
    const result = await findPayments(c.var.services.db, parseQuery(c, paymentListQuery));
    return c.json({ items: result.items.map(paymentJson), next_cursor: result.next_cursor });
  });
