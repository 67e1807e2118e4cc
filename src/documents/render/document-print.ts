/**
 * One document made printable: read it, its payments, the profile and the logo, and hand them to
 * the pure model (printable.ts) and, for a PDF, to its renderer (pdf.ts).
 */
import { companyLogo, loadCompanyProfile } from "../../company/company";
import type { Services } from "../../context";
import { loadDocument } from "../document-detail";
import type { DocumentContent, DocumentKind } from "../document";
import { documentById, paymentsOfDocument } from "../document-store";
import type { IssuedFacts } from "../issued";
import { DOCUMENT_FONTS } from "./fonts";
import { renderDocumentPdf } from "./pdf";
import { printableDocument, type PrintableDocument } from "./printable";

export interface Logo {
  bytes: Uint8Array;
  type: string;
}

/**
 * The logo the document was issued with (its R2 key is among the issued facts), or, for a draft,
 * the company's logo now. A logo replaced since is gone from R2: the document is then printed without one.
 */
async function logoOf(services: Services, issued: IssuedFacts | null): Promise<Logo | null> {
  if (!issued) return companyLogo(services);
  if (!issued.seller.logo_key) return null;
  const object = await services.archive.get(issued.seller.logo_key);
  const type = object?.httpMetadata?.contentType;
  if (!object || (type !== "image/png" && type !== "image/jpeg")) return null;
  return { bytes: new Uint8Array(await object.arrayBuffer()), type };
}

export async function loadPrintableDocument(services: Services, id: string): Promise<{ printable: PrintableDocument; logo: Logo | null }> {
  const row = await loadDocument(services.db, id);
  const issued = row.issued ? (JSON.parse(row.issued) as IssuedFacts) : null;
  const [payments, profile, logo, corrected] = await Promise.all([
    paymentsOfDocument(services.db, row.id),
    loadCompanyProfile(services.d1),
    logoOf(services, issued),
    row.creditOf && !issued?.corrects ? documentById(services.db, row.creditOf) : undefined,
  ]);
  const printable = printableDocument({
    document: {
      type: row.type as DocumentKind,
      status: row.status as "draft" | "executed" | "cancelled",
      number: row.number,
      currency: row.currency,
      content: JSON.parse(row.data) as DocumentContent,
      totals: { subtotal: row.subtotalMinor, tax: row.taxMinor, total: row.totalMinor },
      createdAt: row.createdAt,
      executedAt: row.executedAt,
    },
    issued,
    profile,
    payments: payments.map((payment) => ({ kind: payment.kind as "payment" | "refund", amount: payment.amountMinor })),
    corrects: corrected?.number ?? null,
    hasLogo: logo !== null,
  });
  return { printable, logo };
}

/** The document's PDF and the file name it is saved under (`INV-2026-00001.pdf`). */
export async function documentPdf(services: Services, id: string): Promise<{ bytes: Uint8Array; fileName: string }> {
  const { printable, logo } = await loadPrintableDocument(services, id);
  return { bytes: await renderDocumentPdf(printable, { fonts: DOCUMENT_FONTS, logo }), fileName: printable.fileName };
}
