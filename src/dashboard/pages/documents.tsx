/**
 * /dashboard/documents — the sales documents the inbox made, and one document as a printable page
 * (the print stylesheet leaves out everything but the document) with its bookkeeping actions.
 */
import { Hono } from "hono";
import { auditOfSubjects } from "../../people/audit-store";
import { auditJson } from "../../people/audit-log";
import { z } from "zod";
import { customerById } from "../../catalog/catalog-store";
import { DOCUMENT_KINDS } from "../../documents/document";
import { addPaymentByHand, cancelDocument, creditDocument, executeDocument } from "../../documents/document-actions";
import { loadDocumentDetail, type DocumentDetail } from "../../documents/document-detail";
import { findDocuments } from "../../documents/document-store";
import { defaultRecipient, documentEmailJson, documentEmails, queueDocumentEmail, type DocumentEmailJson } from "../../documents/document-email";
import { DOCUMENT_STATUSES, documentJson, type DocumentJson } from "../../documents/document-wire";
import type { Flash } from "../session";
import { ActionForm, Address, Badge, ChannelFilter, documentTitle, labelOf, Layout, Money, type PageContext, Pager, PaymentTable, Time } from "../layout";
import { act, field, render, type DashboardContext, type DashboardEnv } from "../respond";
import { channelNamesById as channelNames } from "../../channels/channel-store";

const documentQuery = z.object({
  type: z.enum(DOCUMENT_KINDS).optional().catch(undefined),
  status: z.enum(DOCUMENT_STATUSES).optional().catch(undefined),
  channel: z.string().max(100).optional().catch(undefined),
  cursor: z.string().max(500).optional().catch(undefined),
});

export function DocumentTable(props: { items: DocumentJson[]; channels?: Map<string, { name: string }> }) {
  return (
    <table>
      <thead>
        <tr>
          <th>Number</th>
          <th>Type</th>
          <th>Status</th>
          <th>Customer</th>
          {props.channels ? <th>Channel</th> : null}
          <th>Created</th>
          <th class="num">Total</th>
        </tr>
      </thead>
      <tbody>
        {props.items.map((document) => (
          <tr>
            <td>
              <a href={`/dashboard/documents/${document.id}`}>{document.number ?? "Draft"}</a>
            </td>
            <td>{documentTitle(document.type)}</td>
            <td>
              <Badge value={document.status} />
              {document.problems.length ? <div class="reason">{document.problems[0].message}</div> : null}
            </td>
            <td>{document.customer?.name ?? document.customer?.company ?? <span class="muted">—</span>}</td>
            {props.channels ? <td>{document.channel_id ? (props.channels.get(document.channel_id)?.name ?? "") : "by hand"}</td> : null}
            <td>
              <Time at={document.created_at} />
            </td>
            <td class="num">
              <Money amount={document.totals.total} currency={document.currency} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** "Send by e-mail" (an executed document) and the send log: to whom, when, and how it went. */
function EmailSection(props: { page: PageContext; document: DocumentDetail; recipient: string | null; emails: DocumentEmailJson[] }) {
  const { document } = props;
  if (document.status !== "executed" && props.emails.length === 0) return null;
  return (
    <section class="no-print" aria-label="E-mail">
      <h2>E-mail</h2>
      {document.status === "executed" ? (
        <ActionForm page={props.page} action={`/dashboard/documents/${document.id}/email`}>
          <label>
            To
            <input type="email" name="to" value={props.recipient ?? ""} maxlength={320} required placeholder="customer@example.com" />
          </label>
          <div>
            <button type="submit">Send by e-mail</button>
          </div>
        </ActionForm>
      ) : null}
      {props.emails.length ? (
        <table>
          <thead>
            <tr>
              <th>To</th>
              <th>Queued</th>
              <th>Result</th>
              <th>Sent</th>
              <th>Attempts</th>
              <th>Error</th>
            </tr>
          </thead>
          <tbody>
            {props.emails.map((email) => (
              <tr>
                <td>{email.to || "—"}</td>
                <td>
                  <Time at={email.created_at} />
                </td>
                <td>
                  <Badge value={email.status} />
                </td>
                <td>{email.sent_at ? <Time at={email.sent_at} /> : "—"}</td>
                <td>{String(email.attempts)}</td>
                <td>{email.error ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p class="muted small">Not sent by e-mail yet.</p>
      )}
    </section>
  );
}

/** The document's audit entries: who made, executed, paid, credited or e-mailed it. */
function WhoDidWhat(props: { audit: Array<ReturnType<typeof auditJson>> }) {
  if (props.audit.length === 0) return null;
  return (
    <>
      <h2>Who did what</h2>
      <table>
        <thead>
          <tr>
            <th>When</th>
            <th>Who</th>
            <th>What</th>
          </tr>
        </thead>
        <tbody>
          {props.audit.map((entry) => (
            <tr>
              <td>
                <Time at={entry.at} />
              </td>
              <td>{entry.actor.label}</td>
              <td>{entry.summary}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function DocumentPage(props: {
  page: PageContext;
  document: DocumentDetail;
  customer: { id: string; name: string } | null;
  today: string;
  recipient: string | null;
  emails: DocumentEmailJson[];
  audit: Array<ReturnType<typeof auditJson>>;
}) {
  const { document } = props;
  const money = (amount: string) => <Money amount={amount} currency={document.currency} />;
  const title = `${documentTitle(document.type)} ${document.number ?? "(draft)"}`;
  return (
    <Layout title={title} nav="documents" page={props.page}>
      <article class="document">
        <p class="small no-print">
          <a href="/dashboard/documents">← Documents</a>
          {document.order_id ? (
            <>
              {" · "}
              <a href={`/dashboard/orders/${document.order_id}`}>the order</a>
            </>
          ) : null}
        </p>
        <h1>
          {`${title} `}
          <Badge value={document.status} />
        </h1>
        <p class="muted">
          {"Created "}
          <Time at={document.created_at} />
          {document.executed_at ? (
            <>
              {" · executed "}
              <Time at={document.executed_at} />
            </>
          ) : null}
          {document.cancelled_at ? (
            <>
              {" · cancelled "}
              <Time at={document.cancelled_at} />
            </>
          ) : null}
          {document.source?.number ? ` · order ${document.source.number}` : ""}
          {document.credit_of ? (
            <>
              {" · credits "}
              <a href={`/dashboard/documents/${document.credit_of}`}>the original document</a>
            </>
          ) : null}
        </p>

        {document.problems.length ? (
          <ul class="problems no-print">
            {document.problems.map((problem) => (
              <li>{problem.message}</li>
            ))}
          </ul>
        ) : null}

        <div class="actions no-print">
          <button type="button" data-print hidden>
            Print
          </button>
          <a class="button" href={`/dashboard/documents/${document.id}/print`}>
            {document.status === "draft" ? "Print view (draft)" : "Print view"}
          </a>
          <a class="button" href={`/dashboard/documents/${document.id}/pdf`}>
            PDF
          </a>
          {document.status === "draft" && document.problems.length === 0 ? (
            <ActionForm page={props.page} action={`/dashboard/documents/${document.id}/execute`}>
              <button type="submit" class="primary">
                Execute
              </button>
            </ActionForm>
          ) : null}
          {document.status === "draft" ? (
            <ActionForm page={props.page} action={`/dashboard/documents/${document.id}/cancel`}>
              <button type="submit">Cancel draft</button>
            </ActionForm>
          ) : null}
          {document.status === "executed" && document.type !== "credit_note" ? (
            <ActionForm page={props.page} action={`/dashboard/documents/${document.id}/credit`}>
              <button type="submit">Credit all of it</button>
            </ActionForm>
          ) : null}
        </div>

        <div class="parties">
          <section>
            <h3>Customer</h3>
            <div>
              {props.customer ? <a href={`/dashboard/customers/${props.customer.id}`}>{props.customer.name}</a> : (document.customer?.name ?? "—")}
              {document.customer?.company ? <div>{document.customer.company}</div> : null}
              {document.customer?.vat_number ? <div>{`VAT ${document.customer.vat_number}`}</div> : null}
              {document.customer?.email ? <div>{document.customer.email}</div> : null}
            </div>
          </section>
          <section>
            <h3>Billing address</h3>
            <Address address={document.billing_address} />
          </section>
          <section>
            <h3>Shipping address</h3>
            <Address address={document.shipping_address} />
          </section>
        </div>

        <table>
          <thead>
            <tr>
              <th>#</th>
              <th>Description</th>
              <th class="num">Quantity</th>
              <th class="num">Unit price</th>
              <th class="num">Discount</th>
              <th class="num">Tax rate</th>
              <th class="num">Tax</th>
              <th class="num">Total</th>
            </tr>
          </thead>
          <tbody>
            {document.lines.map((line, index) => (
              <tr>
                <td>{String(index + 1)}</td>
                <td>
                  {line.description}
                  {line.sku ? <div class="muted small mono">{line.sku}</div> : null}
                </td>
                <td class="num">{String(line.quantity)}</td>
                <td class="num">{line.unit_price}</td>
                <td class="num">{line.discount}</td>
                <td class="num">{line.tax_rate ? `${line.tax_rate} %` : "—"}</td>
                <td class="num">{line.tax}</td>
                <td class="num">{line.total}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <table class="kv totals">
          <tbody>
            <tr>
              <th>Subtotal</th>
              <td class="num">{money(document.totals.subtotal)}</td>
            </tr>
            <tr>
              <th>{document.prices_include_tax ? "Tax (included)" : "Tax"}</th>
              <td class="num">{money(document.totals.tax)}</td>
            </tr>
            <tr>
              <th>Total</th>
              <td class="num">
                <strong>{money(document.totals.total)}</strong>
              </td>
            </tr>
            <tr>
              <th>{document.type === "credit_note" ? "Still to pay back" : "Still to pay"}</th>
              <td class="num">{money(document.balance)}</td>
            </tr>
          </tbody>
        </table>
        {document.note ? <p>{document.note}</p> : null}

        <h2>Payments</h2>
        {document.payments.length ? (
          <PaymentTable payments={document.payments} />
        ) : (
          <p class="muted">No payments.</p>
        )}
        {document.status !== "cancelled" ? (
          <details class="no-print">
            <summary>Add a payment by hand</summary>
            <ActionForm page={props.page} action={`/dashboard/documents/${document.id}/payments`} class="stack">
              <label>
                Amount ({document.currency})
                <input type="text" name="amount" inputmode="decimal" pattern="\d+(\.\d+)?" required placeholder="12.50" />
              </label>
              <label>
                Paid on
                <input type="date" name="paid_on" value={props.today} required />
              </label>
              <label>
                Reference (bank transaction, receipt number)
                <input type="text" name="reference" required maxlength={255} />
              </label>
              <label>
                Method
                <input type="text" name="method" maxlength={255} placeholder="Bank transfer" />
              </label>
              <label>
                Account (empty: the channel's mapping)
                <input type="text" name="account" maxlength={100} />
              </label>
              <div>
                <button type="submit">Add payment</button>
              </div>
            </ActionForm>
          </details>
        ) : null}

        {document.credit_notes.length ? (
          <>
            <h2>Credit notes</h2>
            <ul>
              {document.credit_notes.map((note) => (
                <li>
                  <a href={`/dashboard/documents/${note.id}`}>{note.number ?? "Draft"}</a> <Badge value={note.status} />
                  {` ${note.total} ${document.currency}`}
                </li>
              ))}
            </ul>
          </>
        ) : null}
        {document.stock_movements.length ? (
          <p class="muted small">{`Stock moved for ${document.stock_movements.length} line(s) in the main warehouse.`}</p>
        ) : null}
        <EmailSection page={props.page} document={document} recipient={props.recipient} emails={props.emails} />
        <WhoDidWhat audit={props.audit} />
      </article>
    </Layout>
  );
}

/** A filter of the list by one of a few values; the first option shows them all. */
function OptionFilter(props: { label: string; name: string; any: string; values: readonly string[]; selected: string | undefined; title: (value: string) => string }) {
  return (
    <label>
      {props.label}
      <select name={props.name}>
        <option value="">{props.any}</option>
        {props.values.map((value) => (
          <option value={value} selected={props.selected === value}>
            {props.title(value)}
          </option>
        ))}
      </select>
    </label>
  );
}

export const documentPages = new Hono<DashboardEnv>()
  .get("/", async (c) => {
    const query = documentQuery.parse(c.req.query());
    const { db } = c.var.services;
    const [result, names] = await Promise.all([
      findDocuments(db, { type: query.type, status: query.status, channel_id: query.channel || undefined, cursor: query.cursor || undefined, limit: 50 }),
      channelNames(db),
    ]);
    return render(
      c,
      <Layout title="Documents" nav="documents" page={c.var.page}>
        <h1>Documents</h1>
        <form method="get" action="/dashboard/documents" class="filters">
          <OptionFilter label="Type" name="type" any="All types" values={DOCUMENT_KINDS} selected={query.type} title={documentTitle} />
          <OptionFilter label="Status" name="status" any="Any status" values={DOCUMENT_STATUSES} selected={query.status} title={labelOf} />
          <ChannelFilter name="channel" channels={names} selected={query.channel} />
          <button type="submit">Filter</button>
        </form>
        {result.items.length ? <DocumentTable items={result.items.map(documentJson)} channels={names} /> : <p class="muted">No documents here yet: processing an order makes one.</p>}
        <Pager base="/dashboard/documents" params={{ type: query.type, status: query.status, channel: query.channel }} cursor={query.cursor} next={result.next_cursor} />
      </Layout>,
    );
  })

  .get("/:id", async (c) => {
    const { services } = c.var;
    const document = await loadDocumentDetail(services.db, c.req.param("id"));
    const customer = document.customer_id ? ((await customerById(services.db, document.customer_id)) ?? null) : null;
    const [recipient, emails, audit] = await Promise.all([
      defaultRecipient(services, document.id),
      documentEmails(services, document.id),
      auditOfSubjects(services.db, [document.id]),
    ]);
    return render(
      c,
      <DocumentPage
        page={c.var.page}
        document={document}
        customer={customer}
        today={new Date(services.now()).toISOString().slice(0, 10)}
        recipient={recipient}
        emails={emails.map(documentEmailJson)}
        audit={audit.map(auditJson)}
      />,
    );
  })

  .post("/:id/execute", (c) =>
    onDocument(c, async (id) => {
      const document = await executeDocument(c.var.services, id);
      return { kind: "ok", text: `Executed as ${document.number ?? "a final document"}.` };
    }),
  )

  .post("/:id/cancel", (c) =>
    onDocument(c, async (id) => {
      await cancelDocument(c.var.services, id);
      return { kind: "ok", text: "The draft is cancelled." };
    }),
  )

  .post("/:id/credit", (c) =>
    onDocument(c, async (id) => {
      const note = await creditDocument(c.var.services, id);
      return { kind: "ok", text: "A credit note for all of it was drafted: execute it when it is right.", redirect: `/dashboard/documents/${note.id}` };
    }),
  )

  .post("/:id/payments", (c) =>
    onDocument(c, async (id) => {
      const { form } = c.var;
      const paidOn = field(form, "paid_on");
      await addPaymentByHand(c.var.services, id, {
        amount: field(form, "amount"),
        paid_at: paidOn && /^\d{4}-\d{2}-\d{2}$/.test(paidOn) ? `${paidOn}T12:00:00Z` : paidOn,
        reference: field(form, "reference"),
        method: field(form, "method") ?? null,
        account: field(form, "account") ?? null,
      });
      return { kind: "ok", text: "The payment was added." };
    }),
  )

  /** Queued, not sent yet: the send log on the page says how it went. */
  .post("/:id/email", (c) =>
    onDocument(c, async (id) => {
      const email = await queueDocumentEmail(c.var.services, id, { to: field(c.var.form, "to") });
      return { kind: "ok", text: `Queued for ${email.recipient}: the log below says when it is sent.` };
    }),
  );

/** A bookkeeping action on the document in the path; its flash is shown back on the document's page. */
function onDocument(c: DashboardContext, work: (id: string) => Promise<Flash & { redirect?: string }>) {
  const id = c.req.param("id")!;
  return act(c, `/dashboard/documents/${id}`, () => work(id));
}
