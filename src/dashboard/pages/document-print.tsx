/**
 * /dashboard/documents/:id/print — the document as its customer reads it, on its own A4 page: no
 * dashboard frame, no status, payments or stock, the same printable model as the PDF. The toolbar
 * (back, print, PDF) is left off the paper by the print stylesheet. Also the PDF, for a signed-in person.
 */
import { Hono } from "hono";
import type { PrintableDocument } from "../../documents/render/printable";
import { documentPdf, loadPrintableDocument } from "../../documents/render/document-print";
import { toBase64 } from "../../lib/encoding";
import { PRINT_STYLE_PATH, SCRIPT_PATH } from "../assets";
import { render, type DashboardEnv } from "../respond";

function PrintPage(props: { id: string; document: PrintableDocument; logo: string | null }) {
  const { document } = props;
  const base = document.baseCurrency;
  return (
    <html lang={document.locale}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="same-origin" />
        <title>{document.heading}</title>
        <link rel="stylesheet" href={PRINT_STYLE_PATH} />
        <script src={SCRIPT_PATH} defer></script>
      </head>
      <body>
        <div class="toolbar">
          <a href={`/dashboard/documents/${props.id}`}>← Back to the document</a>
          <button type="button" data-print hidden>
            Print
          </button>
          <a href={`/dashboard/documents/${props.id}/pdf`}>PDF</a>
        </div>
        <article class="sheet">
          <header class="doc">
            <div class="seller">
              {props.logo ? <img src={props.logo} alt="" /> : null}
              <p class="name">{document.seller.name}</p>
              {document.seller.lines.map((line) => (
                <p class="muted">{line}</p>
              ))}
            </div>
            <div class="title">
              <h1>{document.title}</h1>
              {document.number ? <p class="number">{document.number}</p> : null}
              {document.draftMark ? <p class="draft">{document.draftMark}</p> : null}
              <dl class="dates">
                {document.dates.map((date) => (
                  <>
                    <dt>{date.label}</dt>
                    <dd>{date.value}</dd>
                  </>
                ))}
              </dl>
            </div>
          </header>

          <div class="buyer">
            <h2>{document.buyer.heading}</h2>
            {document.buyer.lines.map((line) => (
              <p>{line}</p>
            ))}
          </div>

          <table class="lines">
            <thead>
              <tr>
                <th>Description</th>
                <th class="num">Qty</th>
                <th class="num">Unit price excl. VAT</th>
                <th class="num">Discount</th>
                <th class="num">VAT</th>
                <th class="num">Total excl. VAT</th>
              </tr>
            </thead>
            <tbody>
              {document.lines.map((line) => (
                <tr>
                  <td>{line.description}</td>
                  <td class="num">{line.quantity}</td>
                  <td class="num">{line.unitPrice}</td>
                  <td class="num">{line.discount}</td>
                  <td class="num">{line.tax}</td>
                  <td class="num">{line.total}</td>
                </tr>
              ))}
            </tbody>
          </table>

          <table class="totals">
            <tbody>
              {document.totals.map((total) => (
                <tr class={total.strong ? "strong" : undefined}>
                  <td>{total.label}</td>
                  <td class="num">{total.amount}</td>
                </tr>
              ))}
              <tr class="strong">
                <td>{document.amountDue.label}</td>
                <td class="num">{document.amountDue.amount}</td>
              </tr>
            </tbody>
          </table>

          <section class="vat-summary">
            <h2>VAT summary</h2>
            <table>
              <thead>
                <tr>
                  <th></th>
                  <th class="num">Rate</th>
                  <th class="num">Taxable</th>
                  <th class="num">VAT</th>
                  {base ? <th class="num">{`Taxable (${base})`}</th> : null}
                  {base ? <th class="num">{`VAT (${base})`}</th> : null}
                </tr>
              </thead>
              <tbody>
                {document.vatSummary.map((row) => (
                  <tr>
                    <td>{row.label}</td>
                    <td class="num">{row.rate}</td>
                    <td class="num">{row.taxable}</td>
                    <td class="num">{row.vat}</td>
                    {base ? <td class="num">{row.baseTaxable ?? ""}</td> : null}
                    {base ? <td class="num">{row.baseVat ?? ""}</td> : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </section>

          {document.payment ? (
            <section class="payment">
              <h2>Payment</h2>
              {document.payment.reference ? <p>{`Payment reference: ${document.payment.reference}`}</p> : null}
              {document.payment.accounts.map((account) => (
                <p>{account}</p>
              ))}
            </section>
          ) : null}

          {document.notes.length ? (
            <section class="notes">
              {document.notes.map((note) => (
                <p>{note}</p>
              ))}
            </section>
          ) : null}

          {document.footer ? <footer class="doc">{document.footer}</footer> : null}
        </article>
      </body>
    </html>
  );
}

export const documentPrintPage = new Hono<DashboardEnv>()
  .get("/:id/print", async (c) => {
    const id = c.req.param("id");
    const { printable, logo } = await loadPrintableDocument(c.var.services, id);
    // The Content-Security-Policy allows images from the Worker and data: URLs; a logo is small (at most 256 KiB).
    const logoUrl = logo ? `data:${logo.type};base64,${toBase64(logo.bytes)}` : null;
    return render(c, <PrintPage id={id} document={printable} logo={logoUrl} />);
  })

  /** The same PDF as GET /api/documents/:id/pdf, for a signed-in person (the API wants the admin token). */
  .get("/:id/pdf", async (c) => {
    const { bytes, fileName } = await documentPdf(c.var.services, c.req.param("id"));
    return c.body(bytes as Uint8Array<ArrayBuffer>, 200, { "content-type": "application/pdf", "content-disposition": `attachment; filename="${fileName}"` });
  });
