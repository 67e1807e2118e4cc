/**
 * /dashboard/orders/:id — one order as the inbox holds it: the normalised order with its warnings,
 * its timeline, the raw deliveries that brought it, the document it would create (compared with
 * the store's figures to the cent) or has created with its payments, and what can be done with it.
 */
import { Hono } from "hono";
import { documentJson, paymentJson } from "../../documents/document-wire";
import { findChannel } from "../../channels/channel-store";
import type { ChannelType } from "../../channels/types";
import type { Services } from "../../context";
import type { DeliveryRow } from "../../db/schema";
import { automationOf, DOCUMENT_TYPES, type Automation } from "../../documents/automation";
import type { ComputedDocument } from "../../documents/document";
import { creditNotesOf, documentOfOrder, paymentsOfDocument } from "../../documents/document-store";
import { previewOrderDocument, processOrderByHand, type ProcessResult } from "../../documents/from-order";
import { findDeliveriesOfOrder } from "../../inbound/delivery-store";
import { AppError } from "../../lib/errors";
import { fromMinor } from "../../orders/money";
import type { Order } from "../../orders/order";
import { ignoreOrder, reprocessOrder, restoreOrder } from "../../orders/inbox-actions";
import { loadOrderDetail } from "../../orders/order-detail";
import { orderJson, reasonsOf, type InboxOrderJson, type TimelineEntry } from "../../orders/order-wire";
import { ActionForm, Address, Badge, documentTitle, labelOf, Layout, Money, type PageContext, PaymentTable, Time } from "../layout";
import { act, field, render, type DashboardContext, type DashboardEnv, type FormFields } from "../respond";
import type { Flash } from "../session";
import { DeliveryBody, DeliveryHeaders } from "./deliveries";
import { auditOfSubjects } from "../../people/audit-store";
import { auditJson } from "../../people/audit-log";

async function loadOrderPage(services: Services, id: string) {
  const { db } = services;
  const [detail, deliveries] = await Promise.all([loadOrderDetail(db, id), findDeliveriesOfOrder(db, id)]);
  const channel = await findChannel(db, detail.row.channelId);
  const document = await documentOfOrder(db, id);
  const [payments, creditNotes] = document ? await Promise.all([paymentsOfDocument(db, document.id), creditNotesOf(db, document.id)]) : [[], []];
  const related = { payments, creditNotes };
  const preview = document ? null : await previewOrderDocument(services, id);
  const audit = await auditOfSubjects(db, [id, ...(document ? [document.id] : []), ...related.creditNotes.map((note) => note.id)]);
  return {
    audit: audit.map(auditJson),
    order: orderJson(detail.row),
    stored: JSON.parse(detail.row.data) as Order,
    timeline: detail.timeline,
    deliveries,
    channel: channel ?? null,
    automation: channel ? automationOf(channel.type as ChannelType, channel.automation) : null,
    document: document ? documentJson(document) : null,
    payments: related.payments.map(paymentJson),
    creditNotes: related.creditNotes.map(documentJson),
    preview,
  };
}

/** One event of the order's own timeline: an arrival, a step, a change of status. */
function TimelineRow(props: { entry: TimelineEntry; currency: string }) {
  const { entry } = props;
  return (
    <tr>
      <td>
        <Time at={entry.at} />
      </td>
      <td>{labelOf(entry.kind)}</td>
      <td class="small">
        {entry.origin === "reconciliation" ? "found by a sweep" : entry.origin === "delivery" ? "posted by the store" : "in the inbox"}
        {entry.source_updated_at ? (
          <div class="muted">
            {"store time "}
            <Time at={entry.source_updated_at} />
          </div>
        ) : null}
      </td>
      <td>
        <TimelineData entry={entry} currency={props.currency} />
      </td>
    </tr>
  );
}

type AuditItem = ReturnType<typeof auditJson>;

/** The order's events and the audit entries about it and its documents (who did what), in the order they happened. */
function mergedTimeline(events: TimelineEntry[], audit: AuditItem[]): Array<TimelineEntry | AuditItem> {
  return [...events, ...audit].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}

/** A table's header: its text columns, then its figures (right-aligned, like the numbers under them). */
const Head = (props: { columns: string[]; figures?: string[] }) => (
  <thead>
    <tr>
      {props.columns.map((name) => (
        <th>{name}</th>
      ))}
      {(props.figures ?? []).map((name) => (
        <th class="num">{name}</th>
      ))}
    </tr>
  </thead>
);

/** One line of the order's totals: what it is and how much. */
const AmountRow = (props: { label: string; amount: string; currency: string }) => (
  <tr>
    <th>{props.label}</th>
    <td class="num">
      <Money amount={props.amount} currency={props.currency} />
    </td>
  </tr>
);

const minus = (a: number, b: number) => a - b;

/** The document the order would become, line by line beside what the store said, to the cent. */

/** Why a document cannot be executed as it is. */
const ProblemList = (props: { problems: Array<{ message: string }> }) => (
  <ul class="problems">
    {props.problems.map((problem) => (
      <li>{problem.message}</li>
    ))}
  </ul>
);

function Comparison(props: { preview: { document: ComputedDocument; customer: { customerId: string | null; match: string } }; stored: Order }) {
  const { document, customer } = props.preview;
  const { stored } = props;
  const money = (minor: number) => fromMinor(minor, document.currency);
  // Every order line, in the order's order (tips and gift cards too): compared with stored.lines by index.
  const items = document.content.lines.filter((line) => line.kind !== "shipping");
  const shipping = document.content.lines.filter((line) => line.kind === "shipping");
  const totalDiff = minus(document.totals.total, stored.totals.total);
  return (
    <>
      <p class="muted small">
        Nothing is written until the order is processed. Customer:{" "}
        {customer.customerId ? <a href={`/dashboard/customers/${customer.customerId}`}>{`matched (${labelOf(customer.match)})`}</a> : "a new customer would be created"}.
        {document.content.prices_include_tax ? " Prices include tax." : " Prices exclude tax."}
      </p>
      {document.problems.length ? (
        <ProblemList problems={document.problems} />
      ) : (
        <p class="flash ok">The document adds up to the cent: it can be executed.</p>
      )}
      <table>
        <Head columns={["Line", "Product"]} figures={["Qty × unit − discount", "Store says", "Document", "Difference", "Tax (store / document)"]} />
        <tbody>
          {items.map((line, index) => {
            const source = stored.lines[index];
            const diff = source ? minus(line.total, source.total) : 0;
            const taxDiff = source?.tax !== undefined ? minus(line.tax, source.tax) : 0;
            return (
              <tr class={diff || taxDiff ? "diff" : undefined}>
                <td>{String(index + 1)}</td>
                <td>
                  {line.description}
                  <div class="muted small">{line.sku ? `SKU ${line.sku}${line.product_id ? "" : " (no product)"}` : "no SKU"}</div>
                </td>
                <td class="num">{`${line.quantity} × ${money(line.unit_price)} − ${money(line.discount)}`}</td>
                <td class="num">{source ? money(source.total) : "—"}</td>
                <td class="num">{money(line.total)}</td>
                <td class="num">{diff ? money(diff) : "0"}</td>
                <td class="num">{`${source?.tax !== undefined ? money(source.tax) : "—"} / ${money(line.tax)}${line.tax_rate ? ` (${line.tax_rate} %)` : ""}`}</td>
              </tr>
            );
          })}
          {shipping.map((line) => (
            <tr>
              <td>Shipping</td>
              <td>{line.description}</td>
              <td class="num"></td>
              <td class="num">{money(line.total)}</td>
              <td class="num">{money(line.total)}</td>
              <td class="num">0</td>
              <td class="num">{`${money(line.tax)} / ${money(line.tax)}`}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr class={totalDiff ? "diff" : undefined}>
            <th colspan={3}>Total</th>
            <td class="num">{money(stored.totals.total)}</td>
            <td class="num">{money(document.totals.total)}</td>
            <td class="num">{totalDiff ? money(totalDiff) : "0"}</td>
            <td class="num">{`${money(stored.totals.tax)} / ${money(document.totals.tax)}`}</td>
          </tr>
        </tfoot>
      </table>
    </>
  );
}

function TimelineData(props: { entry: TimelineEntry; currency: string }) {
  const { entry } = props;
  const data = (entry.data ?? {}) as Record<string, unknown>;
  switch (entry.kind) {
    case "created":
    case "updated":
    case "stale":
      return (
        <details>
          <summary>{entry.kind === "stale" ? "Older than the state held: not applied" : "The order as it arrived"}</summary>
          <pre>{JSON.stringify(entry.data, null, 2)}</pre>
        </details>
      );
    case "refund":
      return <span>{`${String(data.amount ?? "")} ${String(data.currency ?? props.currency)} back to the customer${data.note ? `: ${String(data.note)}` : ""}`}</span>;
    case "status_changed":
    case "ignored":
    case "restored":
      return <span>{`${labelOf(String(data.from ?? "?"))} → ${labelOf(String(data.to ?? "?"))}`}</span>;
    case "processing_failed":
      return <span>{`${String(data.error ?? "no reason recorded")} (attempt ${String(data.attempts ?? "?")})`}</span>;
    case "document_created":
    case "credit_note_created":
    case "document_executed":
    case "document_cancelled":
      return (
        <span>
          <a href={`/dashboard/documents/${String(data.document_id)}`}>{data.type ? documentTitle(String(data.type)) : "The document"}</a>
          {data.rule ? ` · ${String(data.rule)}` : ""}
          {Array.isArray(data.problems) && data.problems.length ? ` · held: ${data.problems.map((problem) => String((problem as { message?: unknown }).message)).join("; ")}` : ""}
        </span>
      );
    case "payment_added":
    case "refund_paid":
      return (
        <span>
          {typeof data.amount_minor === "number" ? `${fromMinor(data.amount_minor, props.currency)} ${props.currency}` : ""}
          {" on "}
          <a href={`/dashboard/documents/${String(data.document_id)}`}>the document</a>
          {data.rule ? ` · ${String(data.rule)}` : ""}
        </span>
      );
    default:
      return <code>{JSON.stringify(entry.data)}</code>;
  }
}

function ProcessForm(props: { page: PageContext; order: InboxOrderJson; automation: Automation | null }) {
  const rules = props.automation;
  return (
    <ActionForm page={props.page} action={`/dashboard/orders/${props.order.id}/process`}>
      <label>
        <span class="sr-only">Document type</span>
        <select name="type">
          {DOCUMENT_TYPES.map((type) => (
            <option value={type} selected={(rules?.create ?? "invoice") === type}>
              {type === "order" ? "Sales order" : "Invoice"}
            </option>
          ))}
        </select>
      </label>
      <label class="check">
        <input type="checkbox" name="execute" value="1" checked={rules?.execute ?? false} /> execute
      </label>
      <label class="check">
        <input type="checkbox" name="add_payment" value="1" checked={rules?.add_payment ?? false} /> add payment
      </label>
      <button type="submit" class="primary">
        Process
      </button>
    </ActionForm>
  );
}

function OrderPage(props: { page: PageContext } & Awaited<ReturnType<typeof loadOrderPage>>) {
  const { order, stored, page, document } = props;
  const label = order.number ?? order.external_id;
  const reasons = reasonsOf(order);
  const canProcess = order.status !== "ignored" && (!document || document.status === "draft");
  return (
    <Layout title={`Order ${label}`} nav="inbox" page={page}>
      <p class="small">
        <a href={`/dashboard/orders?status=${order.status}`}>← Inbox</a>
      </p>
      <h1>
        {`Order ${label} `}
        <Badge value={order.status} />
        {order.test ? (
          <>
            {" "}
            <Badge value="test order" tone="info" />
          </>
        ) : null}
      </h1>
      <p class="lead">
        {`${props.channel?.name ?? order.channel_id} · placed `}
        <Time at={order.placed_at} />
        {" · received "}
        <Time at={order.received_at} />
        {` · store id ${order.external_id} · ${labelOf(order.financial_status ?? "pending")}`}
      </p>

      {reasons.length ? (
        <ul class="problems" aria-label="Warnings">
          {reasons.map((reason) => (
            <li>{reason}</li>
          ))}
        </ul>
      ) : null}

      <div class="actions">
        {canProcess ? <ProcessForm page={page} order={order} automation={props.automation} /> : null}
        {order.status !== "ignored" && order.status !== "processed" ? (
          <ActionForm page={page} action={`/dashboard/orders/${order.id}/ignore`}>
            <button type="submit">Ignore</button>
          </ActionForm>
        ) : null}
        {order.status === "ignored" ? (
          <ActionForm page={page} action={`/dashboard/orders/${order.id}/restore`}>
            <button type="submit">Restore</button>
          </ActionForm>
        ) : null}
        {order.processing.state !== "done" ? (
          <ActionForm page={page} action={`/dashboard/orders/${order.id}/reprocess`}>
            <button type="submit">{order.processing.state === "failed" ? "Reprocess" : "Queue again"}</button>
          </ActionForm>
        ) : null}
      </div>

      <div class="grid">
        <section class="card">
          <h2>Customer</h2>
          {order.customer ? (
            <table class="kv">
              <tbody>
                <tr>
                  <th>Name</th>
                  <td>{order.customer.name ?? "—"}</td>
                </tr>
                <tr>
                  <th>E-mail</th>
                  <td>{order.customer.email ?? "—"}</td>
                </tr>
                <tr>
                  <th>Phone</th>
                  <td>{order.customer.phone ?? "—"}</td>
                </tr>
                <tr>
                  <th>Company</th>
                  <td>{order.customer.company ?? "—"}</td>
                </tr>
                <tr>
                  <th>VAT number</th>
                  <td>{order.customer.vat_number ?? "—"}</td>
                </tr>
              </tbody>
            </table>
          ) : (
            <p class="muted">No customer (a walk-in or a draft order).</p>
          )}
        </section>
        <section class="card">
          <h2>Billing address</h2>
          <Address address={order.billing_address} />
        </section>
        <section class="card">
          <h2>Shipping address</h2>
          <Address address={order.shipping_address} />
        </section>
      </div>

      <h2>Lines</h2>
      <table>
        <Head columns={["SKU", "Item"]} figures={["Quantity", "Unit price", "Discount", "Tax rate", "Tax", "Total"]} />
        <tbody>
          {order.lines.map((line) => (
            <tr>
              <td class="mono">{line.sku ?? "—"}</td>
              <td>{line.name}</td>
              <td class="num">{String(line.quantity)}</td>
              <td class="num">{line.unit_price}</td>
              <td class="num">{line.discount ?? "0"}</td>
              <td class="num">{line.tax_rate != null ? `${line.tax_rate} %` : "—"}</td>
              <td class="num">{line.tax ?? "—"}</td>
              <td class="num">{line.total}</td>
            </tr>
          ))}
          {(order.shipping ?? []).map((entry) => (
            <tr>
              <td></td>
              <td>{`Shipping: ${entry.name ?? "shipping"}`}</td>
              <td class="num">1</td>
              <td class="num">{entry.price}</td>
              <td class="num"></td>
              <td class="num"></td>
              <td class="num">{entry.tax ?? "—"}</td>
              <td class="num">{entry.price}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <table class="kv totals">
        <tbody>
          <AmountRow label="Subtotal" amount={order.totals.subtotal} currency={order.currency} />
          {order.totals.discount ? <AmountRow label="Discounts (in the lines)" amount={order.totals.discount} currency={order.currency} /> : null}
          <AmountRow label="Shipping" amount={order.totals.shipping} currency={order.currency} />
          <AmountRow label={order.prices_include_tax ? "Tax (included)" : "Tax"} amount={order.totals.tax} currency={order.currency} />
          <tr>
            <th>Total</th>
            <td class="num">
              <strong>
                <Money amount={order.totals.total} currency={order.currency} />
              </strong>
            </td>
          </tr>
          {order.payment ? (
            <tr>
              <th>Payment</th>
              <td>{[order.payment.method, order.payment.amount ? `${order.payment.amount} ${order.currency}` : null, order.payment.transaction_id ? `ref. ${order.payment.transaction_id}` : null].filter(Boolean).join(" · ")}</td>
            </tr>
          ) : null}
          {order.discount_codes?.length ? (
            <tr>
              <th>Discount codes</th>
              <td>{order.discount_codes.map((code) => code.code).join(", ")}</td>
            </tr>
          ) : null}
        </tbody>
      </table>
      {order.note ? (
        <>
          <h3>Note</h3>
          <p>{order.note}</p>
        </>
      ) : null}

      <h2>{document ? "Document" : "The document it would create"}</h2>
      {document ? (
        <>
          <p>
            <a href={`/dashboard/documents/${document.id}`}>{`${documentTitle(document.type)} ${document.number ?? "(draft)"}`}</a> <Badge value={document.status} />
            {` · ${document.totals.total} ${document.currency}`}
          </p>
          {document.problems.length ? <ProblemList problems={document.problems} /> : null}
          <h3>Payments</h3>
          {props.payments.length ? (
            <PaymentTable payments={props.payments} />
          ) : (
            <p class="muted">No payments on it.</p>
          )}
          {props.creditNotes.length ? (
            <>
              <h3>Credit notes</h3>
              <ul>
                {props.creditNotes.map((note) => (
                  <li>
                    <a href={`/dashboard/documents/${note.id}`}>{note.number ?? "Draft credit note"}</a> <Badge value={note.status} />
                    {` ${note.totals.total} ${note.currency}`}
                  </li>
                ))}
              </ul>
            </>
          ) : null}
        </>
      ) : props.preview ? (
        <Comparison preview={props.preview} stored={stored} />
      ) : null}

      <h2>Timeline</h2>
      <table>
        <Head columns={["When", "What", "How", "Details"]} />
        <tbody>
          {mergedTimeline(props.timeline, props.audit).map((item) =>
            "summary" in item ? (
              <tr>
                <td>
                  <Time at={item.at} />
                </td>
                <td>{item.summary}</td>
                <td class="small">{`by ${item.actor.label}`}</td>
                <td class="small muted mono">{item.action}</td>
              </tr>
            ) : (
              <TimelineRow entry={item} currency={order.currency} />
            ),
          )}
        </tbody>
      </table>

      <h2>Raw deliveries</h2>
      {props.deliveries.length === 0 ? <p class="muted">No delivery: a sweep of the store's API found this order.</p> : null}
      {props.deliveries.map((delivery: DeliveryRow) => (
        <section class="card">
          <h3>
            <a href={`/dashboard/deliveries/${delivery.id}`}>
              <Time at={delivery.receivedAt} />
            </a>{" "}
            <Badge value={delivery.outcome} />
            {` HTTP ${delivery.httpStatus} · ${delivery.contentType ?? "no content type"} · ${delivery.bodyBytes} bytes`}
          </h3>
          <DeliveryHeaders headers={JSON.parse(delivery.headers) as Record<string, string>} />
          <DeliveryBody body={delivery.body} contentType={delivery.contentType} purgedAt={delivery.bodyPurgedAt} archivedAt={delivery.bodyArchiveKey ? { deliveryId: delivery.id } : null} />
        </section>
      ))}
    </Layout>
  );
}

function processedFlash(result: ProcessResult): { kind: "ok" | "error" | "info"; text: string } {
  if (result.skipped) return { kind: "info", text: result.skipped };
  const document = result.document;
  const name = document ? `${documentTitle(document.type)} ${document.number ?? "(draft)"}` : "The document";
  if (result.problems.length) return { kind: "error", text: `${name} is held as a draft: ${result.problems.map((problem) => problem.message).join("; ")}` };
  const parts = [`${name} is ${document?.status ?? "made"}.`];
  if (result.payment_id) parts.push("Its payment was added.");
  if (result.credit_notes.length) parts.push(`${result.credit_notes.length} credit note(s) made.`);
  return { kind: "ok", text: parts.join(" ") };
}

/** A button on the order page: it does its work, then goes back to the order saying what happened. */
const onOrder = (work: (services: Services, id: string, form: FormFields) => Promise<Flash>) => (c: DashboardContext) =>
  act(c, `/dashboard/orders/${c.req.param("id")}`, () => work(c.var.services, c.req.param("id")!, c.var.form));

export const orderPages = new Hono<DashboardEnv>()
  .get("/:id", async (c) => {
    const data = await loadOrderPage(c.var.services, c.req.param("id"));
    return render(c, <OrderPage page={c.var.page} {...data} />);
  })

  .post(
    "/:id/process",
    onOrder(async (services, id, form) => {
      const type = field(form, "type");
      if (type !== undefined && !(DOCUMENT_TYPES as readonly string[]).includes(type)) throw new AppError("bad_request", "Choose an invoice or a sales order");
      const choices = {
        type: type as (typeof DOCUMENT_TYPES)[number] | undefined,
        execute: field(form, "execute") !== undefined,
        add_payment: field(form, "add_payment") !== undefined,
      };
      return processedFlash(await processOrderByHand(services, id, choices));
    }),
  )

  .post(
    "/:id/ignore",
    onOrder(async (services, id) => {
      await ignoreOrder(services, id);
      return { kind: "ok", text: "The order is set aside (ignored)." };
    }),
  )

  .post(
    "/:id/restore",
    onOrder(async (services, id) => {
      const row = await restoreOrder(services, id);
      return { kind: "ok", text: `The order is back in the inbox as ${labelOf(row.status)}.` };
    }),
  )

  .post(
    "/:id/reprocess",
    onOrder(async (services, id) => {
      await reprocessOrder(services, id);
      return { kind: "ok", text: "The order is queued for processing again." };
    }),
  );
