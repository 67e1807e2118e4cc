/**
 * GET /api/documents/:id/pdf: an executed invoice as its customer receives it (from the issued
 * facts, written here by SQL until the execute step writes them), its credit note, a draft with
 * today's profile and logo, and the error envelope for an unknown document. And the same document
 * as the dashboard prints it: its own A4 page, and the PDF for a signed-in person.
 */
import { env } from "cloudflare:workers";
import { extractText, getDocumentProxy } from "unpdf";
import { describe, expect, it } from "vitest";
import type { IssuedFacts } from "../../src/documents/issued";
import { get, signIn, textOf } from "../dashboard/dashboard-client";
import { api, json, ORIGIN, worker } from "../helpers";
import { CONTENT, PROFILE, REVERSE_CHARGE } from "./pdf-fixtures";

const PNG = Uint8Array.from(atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="), (c) => c.charCodeAt(0));

/** A document row as the documents store writes it, with `issued` as the execute step will fix it. */
async function storeDocument(row: { id: string; type: string; status: string; number: string | null; creditOf?: string; issued: IssuedFacts | null }) {
  await env.DB.prepare(
    `INSERT INTO documents (id, type, status, number, source_key, currency, subtotal_minor, tax_minor, total_minor, data, problems, created_at, executed_at, credit_of, issued, updated_at)
     VALUES (?1, ?2, ?3, ?4, ?5, 'EUR', 3900, 0, 3900, ?6, '[]', ?7, ?8, ?9, ?10, ?7)`,
  )
    .bind(row.id, row.type, row.status, row.number, `test:${row.id}`, JSON.stringify(CONTENT), Date.UTC(2026, 1, 28, 12), row.status === "draft" ? null : Date.UTC(2026, 2, 1, 8), row.creditOf ?? null, row.issued ? JSON.stringify(row.issued) : null)
    .run();
}

async function pdfText(response: Response): Promise<{ text: string; raw: string }> {
  const bytes = new Uint8Array(await response.arrayBuffer());
  const { text } = await extractText(await getDocumentProxy(bytes.slice()), { mergePages: true });
  return { text: text.replace(/\s+/g, " "), raw: new TextDecoder("latin1").decode(bytes) };
}

describe("GET /api/documents/:id/pdf", { timeout: 30_000 }, () => {
  it("answers an executed invoice as application/pdf named by its number, with the seller as issued", async () => {
    await storeDocument({ id: "doc_pdf_inv", type: "invoice", status: "executed", number: "INV-2026-00001", issued: REVERSE_CHARGE });
    // A profile changed since must not change the issued invoice.
    expect((await api("/api/company", { method: "PUT", json: { ...PROFILE, legal_name: "SIA Cits Nosaukums" } })).status).toBe(200);

    const response = await api("/api/documents/doc_pdf_inv/pdf");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/pdf");
    expect(response.headers.get("content-disposition")).toBe('attachment; filename="INV-2026-00001.pdf"');
    const { text } = await pdfText(response);
    for (const expected of ["SIA Kalniņš un Partneri", "VAT No. LV40003245752", "Jānis Kalniņš", "Łódź", "€39.00", "Reverse charge", "INV-2026-00001"]) expect(text).toContain(expected);
    expect(text).not.toContain("SIA Cits Nosaukums");
    expect(text).not.toContain("DRAFT");
  });

  it("a credit note names the invoice it corrects", async () => {
    await storeDocument({ id: "doc_pdf_cn", type: "credit_note", status: "executed", number: "CN-2026-00001", creditOf: "doc_pdf_inv", issued: { ...REVERSE_CHARGE, due_date: null, corrects: "INV-2026-00001", payment_reference: "CN-2026-00001" } });
    const response = await api("/api/documents/doc_pdf_cn/pdf");
    expect(response.headers.get("content-disposition")).toBe('attachment; filename="CN-2026-00001.pdf"');
    expect((await pdfText(response)).text).toContain("This credit note corrects invoice INV-2026-00001");
  });

  it("a draft credit note names its invoice by the number the invoice was executed with", async () => {
    await storeDocument({ id: "doc_pdf_cn_draft", type: "credit_note", status: "draft", number: null, creditOf: "doc_pdf_inv", issued: null });
    const { text } = await pdfText(await api("/api/documents/doc_pdf_cn_draft/pdf"));
    expect(text).toContain("This credit note corrects invoice INV-2026-00001");
    expect(text).toContain("DRAFT – not issued");
  });

  it("a draft is printed from today's profile, with its logo, marked DRAFT and unnumbered", async () => {
    expect((await api("/api/company/logo", { method: "PUT", body: PNG, headers: { "content-type": "image/png" } })).status).toBe(200);
    await storeDocument({ id: "doc_pdf_draft", type: "invoice", status: "draft", number: null, issued: null });
    const response = await api("/api/documents/doc_pdf_draft/pdf");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-disposition")).toBe('attachment; filename="Invoice-draft.pdf"');
    const { text, raw } = await pdfText(response);
    expect(text).toContain("DRAFT – not issued");
    expect(text).toContain("SIA Cits Nosaukums");
    expect(raw).toMatch(/\/Subtype \/Image/);
  });

  it("answers 404 in the error envelope for a document that does not exist", async () => {
    const response = await api("/api/documents/doc_missing/pdf");
    expect(response.status).toBe(404);
    expect(await json(response)).toEqual({ error: { code: "not_found", message: "No document doc_missing" } });
  });
});

describe("GET /dashboard/documents/:id/print and /pdf", { timeout: 30_000 }, () => {
  it("is a page of its own with the document as issued and nothing of the dashboard", async () => {
    await storeDocument({ id: "doc_print_inv", type: "invoice", status: "executed", number: "INV-2026-00009", issued: REVERSE_CHARGE });
    const user = await signIn();
    const { status, html } = await get(user, "/dashboard/documents/doc_print_inv/print");
    expect(status).toBe(200);
    expect(html).toMatch(/<link rel="stylesheet" href="\/dashboard\/assets\/print\.[0-9a-f]{8}\.css"/);
    expect(html).not.toContain("<nav");
    expect(html).not.toContain("badge");
    const text = textOf(html);
    for (const expected of ["Invoice", "INV-2026-00009", "SIA Kalniņš un Partneri", "VAT No. LV40003245752", "Jānis Kalniņš", "90-926 Łódź", "VAT summary", "Reverse charge", "Issue date", "Europe/Riga"]) expect(text).toContain(expected);
    expect(text).not.toContain("DRAFT");

    const stylesheet = /href="(\/dashboard\/assets\/print\.[0-9a-f]{8}\.css)"/.exec(html)![1];
    const css = await (await worker().fetch(new Request(`${ORIGIN}${stylesheet}`))).text();
    expect(css).toContain("@page { size: A4; margin: 15mm; }");
  });

  it("is linked from the document's page, and its PDF downloads with the session", async () => {
    const user = await signIn();
    const { html } = await get(user, "/dashboard/documents/doc_print_inv");
    expect(html).toContain('href="/dashboard/documents/doc_print_inv/print"');
    expect(html).toContain('href="/dashboard/documents/doc_print_inv/pdf"');
    const response = await worker().fetch(new Request(`${ORIGIN}/dashboard/documents/doc_print_inv/pdf`, { headers: { cookie: user.cookie } }));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/pdf");
    expect((await pdfText(response)).text).toContain("INV-2026-00009");
    expect(response.headers.get("content-disposition")).toBe('attachment; filename="INV-2026-00009.pdf"');
    const signedOut = await get(null, "/dashboard/documents/doc_print_inv/pdf");
    expect(signedOut.status).toBe(302);
  });
});
