/**
 * Documents sent by e-mail: recorded and queued by hand or by automation, sent by the queue
 * consumer through the send_email binding (a fake that takes the documented message builder),
 * retried with the reason shown, failed after the last attempt, never sent twice for one send_key.
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { RenderPdf } from "../../src/documents/document-email";
import { handleQueue, ORDER_QUEUE_NAME } from "../../src/jobs/consumer";
import type { OrderMessage } from "../../src/queue/messages";
import { api, createChannel, json, postOrder, sampleOrder } from "../helpers";
import { fakeMailer } from "../fakes/send-email";

afterEach(() => vi.restoreAllMocks());

const MAIL_FROM = "invoices@shop.example";
const PDF = new TextEncoder().encode("%PDF-1.7\n% a stand-in for the rendered invoice\n%%EOF\n");
const renderPdf: RenderPdf = async (_services, documentId) => ({ bytes: PDF, filename: `${documentId}.pdf` });

const AUTOMATION = { create: "invoice", execute: true, add_payment: false, only_when_paid: true, create_missing_products: true };

/** Stores an order (its queue message held back) on a channel with `automation`; answers its id. */
async function storedOrder(automation: Record<string, unknown>, customer: Record<string, unknown> | null = { name: "Anna Ozola", email: `anna-${crypto.randomUUID().slice(0, 8)}@example.lv` }) {
  const channel = await createChannel(`Mail ${crypto.randomUUID().slice(0, 6)}`);
  expect((await api(`/api/channels/${channel.id}/automation`, { method: "PUT", json: automation })).status).toBe(200);
  const order = sampleOrder() as Record<string, any>;
  order.lines = order.lines.map((line: any) => ({ ...line, sku: `MAIL-${crypto.randomUUID().slice(0, 8)}` }));
  if (customer) order.customer = customer;
  else delete order.customer;
  const held = vi.spyOn(env.ORDER_QUEUE, "sendBatch").mockImplementation(async () => ({}) as never);
  const response = await postOrder(channel, JSON.stringify(order));
  held.mockRestore();
  expect(response.status).toBe(202);
  return { orderId: (await json(response)).order_id as string, email: customer?.email as string | undefined };
}

/** Messages the code under test queues with `send`, kept here instead of reaching the real consumer. */
function captureQueue() {
  const sent: OrderMessage[] = [];
  vi.spyOn(env.ORDER_QUEUE, "send").mockImplementation(async (body) => {
    sent.push(body as OrderMessage);
    return {} as never;
  });
  return sent;
}

/** Runs one message through the consumer with the given send_email binding. */
async function consume(body: unknown, options: { mailer?: SendEmail; attempts?: number } = {}) {
  const batch = createMessageBatch(ORDER_QUEUE_NAME, [{ id: "m-1", timestamp: new Date(), attempts: options.attempts ?? 1, body }]);
  const retry = vi.spyOn(batch.messages[0]!, "retry");
  await handleQueue(batch, { ...env, MAIL_FROM, EMAIL: options.mailer } as never, { now: Date.now, fetch: (input, init) => fetch(input, init), renderPdf });
  const result = await getQueueResult(batch, createExecutionContext());
  return { ...result, retryOptions: retry.mock.calls.map((call) => call[0]) };
}

/** An executed invoice made by running the order's message through the consumer. */
async function executedInvoice(automation: Record<string, unknown> = AUTOMATION, customer?: Record<string, unknown> | null) {
  const { orderId, email } = await storedOrder(automation, customer);
  await consume({ type: "order.received", order_id: orderId, version: 1 });
  const [invoice] = (await json(await api(`/api/documents?order_id=${orderId}`))).items;
  expect(invoice).toMatchObject({ type: "invoice", status: "executed" });
  return { orderId, invoice, email };
}

const emailsOf = async (documentId: string) => (await json(await api(`/api/documents/${documentId}/emails`))).items as any[];

describe("sending a document by hand", () => {
  it("records the send as queued, queues it, and the consumer sends the PDF to the customer: the log says sent", async () => {
    const { invoice, email } = await executedInvoice();
    const queued = captureQueue();
    const response = await api(`/api/documents/${invoice.id}/email`, { method: "POST" });
    expect(response.status).toBe(202);
    const recorded = await json(response);
    expect(recorded).toMatchObject({ document_id: invoice.id, to: email, status: "queued", attempts: 0, error: null, sent_at: null });
    expect(queued).toEqual([{ type: "document.email", send_key: expect.stringMatching(/^hand:[0-9a-f-]{36}$/) }]);

    const mailer = fakeMailer();
    const result = await consume(queued[0], { mailer: mailer.binding });
    expect(result.explicitAcks).toEqual(["m-1"]);
    expect(mailer.sent).toHaveLength(1);
    const [message] = mailer.sent;
    expect(message).toMatchObject({ from: MAIL_FROM, to: email, subject: `Invoice ${invoice.number}` });
    expect(message!.text).toContain(`Please find attached Invoice ${invoice.number} for ${invoice.totals.total} EUR.`);
    expect(message!.attachments).toEqual([{ disposition: "attachment", filename: `${invoice.id}.pdf`, type: "application/pdf", content: PDF }]);

    const [log] = await emailsOf(invoice.id);
    expect(log).toMatchObject({ id: recorded.id, to: email, status: "sent", attempts: 1, error: null });
    expect(Date.parse(log.sent_at)).toBeGreaterThan(0);

    // The same message delivered again sends nothing.
    await consume(queued[0], { mailer: mailer.binding });
    expect(mailer.sent).toHaveLength(1);
  });

  it("sends to the address given, from the company's name with replies to its e-mail", async () => {
    const { invoice } = await executedInvoice();
    expect((await api("/api/company", { method: "PUT", json: { legal_name: "Ozols SIA", email: "office@ozols.example" } })).status).toBe(200);
    const queued = captureQueue();
    expect((await api(`/api/documents/${invoice.id}/email`, { method: "POST", json: { to: "books@buyer.example" } })).status).toBe(202);
    const mailer = fakeMailer();
    await consume(queued[0], { mailer: mailer.binding });
    expect(mailer.sent[0]).toMatchObject({
      from: { email: MAIL_FROM, name: "Ozols SIA" },
      to: "books@buyer.example",
      replyTo: "office@ozols.example",
      subject: `Invoice ${invoice.number} from Ozols SIA`,
    });
  });

  it("answers 400 when the document's customer has no e-mail and none is given, and records nothing", async () => {
    const { invoice } = await executedInvoice(AUTOMATION, { name: "Walk-in buyer" });
    const queued = captureQueue();
    const response = await api(`/api/documents/${invoice.id}/email`, { method: "POST", json: {} });
    expect(response.status).toBe(400);
    expect((await json(response)).error.code).toBe("bad_request");
    expect(queued).toEqual([]);
    expect(await emailsOf(invoice.id)).toEqual([]);
    expect((await api(`/api/documents/${invoice.id}/email`, { method: "POST", json: { to: "not an address" } })).status).toBe(400);
  });

  it("answers 404 for no such document and 409 for a draft", async () => {
    expect((await api("/api/documents/doc_missing/email", { method: "POST" })).status).toBe(404);
    expect((await api("/api/documents/doc_missing/emails")).status).toBe(404);
    const { orderId } = await storedOrder({ ...AUTOMATION, execute: false });
    await consume({ type: "order.received", order_id: orderId, version: 1 });
    const [draft] = (await json(await api(`/api/documents?order_id=${orderId}`))).items;
    expect(draft.status).toBe("draft");
    expect((await api(`/api/documents/${draft.id}/email`, { method: "POST", json: { to: "a@b.example" } })).status).toBe(409);
  });
});

describe("a send that fails", () => {
  it("is retried with the reason shown, and failed with it after the last attempt", async () => {
    const { invoice } = await executedInvoice();
    const queued = captureQueue();
    await api(`/api/documents/${invoice.id}/email`, { method: "POST" });
    const broken = fakeMailer({ failWith: "550 5.1.1 mailbox unavailable" });

    const first = await consume(queued[0], { mailer: broken.binding, attempts: 1 });
    expect(first.explicitAcks).toEqual([]);
    expect(first.retryOptions).toEqual([{ delaySeconds: 10 }]);
    expect(await emailsOf(invoice.id)).toMatchObject([{ status: "queued", attempts: 1, error: "550 5.1.1 mailbox unavailable", sent_at: null }]);

    const last = await consume(queued[0], { mailer: broken.binding, attempts: 5 });
    // Given up: acknowledged (a send is no order to dead-letter), the reason kept on the row.
    expect(last.explicitAcks).toEqual(["m-1"]);
    expect(await emailsOf(invoice.id)).toMatchObject([{ status: "failed", attempts: 2, error: "550 5.1.1 mailbox unavailable", sent_at: null }]);

    // A failed send is not sent by a late duplicate either.
    const working = fakeMailer();
    await consume(queued[0], { mailer: working.binding });
    expect(working.sent).toEqual([]);
  });

  it("fails at once, with why, when no sender is configured", async () => {
    const { invoice } = await executedInvoice();
    const queued = captureQueue();
    await api(`/api/documents/${invoice.id}/email`, { method: "POST" });
    const batch = createMessageBatch(ORDER_QUEUE_NAME, [{ id: "m-1", timestamp: new Date(), attempts: 1, body: queued[0] }]);
    await handleQueue(batch, { ...env, EMAIL: fakeMailer().binding } as never, { now: Date.now, fetch, renderPdf });
    expect(await emailsOf(invoice.id)).toMatchObject([{ status: "failed", error: "MAIL_FROM is not set: the inbox has no sender address" }]);
  });
});

describe("the email_invoice automation switch", () => {
  it("e-mails an invoice automation executed, once, even when the order is processed twice", async () => {
    const { orderId, email } = await storedOrder({ ...AUTOMATION, email_invoice: true });
    const queued = captureQueue();
    await consume({ type: "order.received", order_id: orderId, version: 1 });
    await consume({ type: "order.automate", order_id: orderId });
    const [invoice] = (await json(await api(`/api/documents?order_id=${orderId}`))).items;
    expect(invoice.status).toBe("executed");
    expect(queued).toEqual([{ type: "document.email", send_key: `auto:${invoice.id}` }]);
    expect(await emailsOf(invoice.id)).toMatchObject([{ to: email, status: "queued" }]);

    const mailer = fakeMailer();
    await consume(queued[0], { mailer: mailer.binding });
    await consume(queued[0], { mailer: mailer.binding });
    expect(mailer.sent.map((message) => message.to)).toEqual([email]);
    expect(await emailsOf(invoice.id)).toMatchObject([{ status: "sent", attempts: 1 }]);
  });

  it("sends nothing when the switch is off (the default)", async () => {
    const queued = captureQueue();
    const { invoice } = await executedInvoice();
    expect(queued).toEqual([]);
    expect(await emailsOf(invoice.id)).toEqual([]);
  });

  it("records the send even if the worker stopped between the execution and the record: the order's automation runs again", async () => {
    const { orderId } = await storedOrder({ ...AUTOMATION, email_invoice: true });
    const queued = captureQueue();
    // The first run executes the invoice and then dies before the send is recorded.
    const original = env.DB.prepare.bind(env.DB);
    const insert = vi.spyOn(env.DB, "prepare").mockImplementation((sql: string) => {
      if (sql.includes("INSERT INTO document_emails")) throw new Error("worker stopped");
      return original(sql);
    });
    await consume({ type: "order.received", order_id: orderId, version: 1 });
    insert.mockRestore();
    const [invoice] = (await json(await api(`/api/documents?order_id=${orderId}`))).items;
    expect(invoice.status).toBe("executed");
    expect(await emailsOf(invoice.id)).toEqual([]);
    // Still owed: the retry (or the sweep's order.automate) records and queues it.
    await consume({ type: "order.automate", order_id: orderId });
    expect(queued).toEqual([{ type: "document.email", send_key: `auto:${invoice.id}` }]);
    expect(await emailsOf(invoice.id)).toMatchObject([{ status: "queued" }]);
  });
});

describe("the sweep", () => {
  it("queues again a send whose message was lost", async () => {
    const { invoice } = await executedInvoice();
    const queued = captureQueue();
    await api(`/api/documents/${invoice.id}/email`, { method: "POST" });
    const sweptBatches: unknown[] = [];
    vi.spyOn(env.ORDER_QUEUE, "sendBatch").mockImplementation(async (messages) => {
      sweptBatches.push(...[...messages].map((message) => message.body));
      return {} as never;
    });
    const { sweepUnprocessedOrders } = await import("../../src/jobs/sweep");
    const { buildServices } = await import("../../src/context");
    const { readConfig } = await import("../../src/env");
    const checked = readConfig(env as never);
    if (!checked.ok) throw new Error(checked.message);
    const later = Date.now() + 11 * 60_000;
    const result = await sweepUnprocessedOrders(buildServices(env as never, checked.config, () => later), later);
    expect(result.emails).toBeGreaterThanOrEqual(1);
    expect(sweptBatches).toContainEqual(queued[0]);
  });
});
