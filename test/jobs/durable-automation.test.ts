/**
 * An order's automation (document, execution, payment) is owed from the moment its review is
 * recorded until it has run to its end: a message lost in between leaves the order where the
 * every-minute sweep and the reprocess action find it, and finishing it happens exactly once.
 */
import { createExecutionContext, createMessageBatch, createScheduledController, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import { afterEach, describe, expect, it, vi } from "vitest";
import * as schema from "../../src/db/schema";
import worker from "../../src/index";
import { handleQueue, ORDER_QUEUE_NAME } from "../../src/jobs/consumer";
import { EVERY_MINUTE } from "../../src/jobs/schedule";
import { loadOrder } from "../../src/orders/order-store";
import { reviewOrder } from "../../src/orders/review";
import { api, createChannel, json, postOrder, sampleOrder } from "../helpers";

afterEach(() => vi.restoreAllMocks());

const WAIT = { timeout: 15_000, interval: 150 };
const ALL_ON = { create: "invoice", execute: true, add_payment: true, only_when_paid: true, payment_accounts: { card: "Card clearing" }, default_account: "Bank" };

/** A paid order on a channel that invoices, executes and adds the payment, stored while the queue loses its message. */
async function storedOnAutomatedChannel(tag: string) {
  const channel = await createChannel(`Durable ${tag}`);
  expect((await api(`/api/channels/${channel.id}/automation`, { method: "PUT", json: ALL_ON })).status).toBe(200);
  const body = sampleOrder() as any;
  body.lines = body.lines.map((line: any, index: number) => ({ ...line, sku: `${tag}-${index + 1}` }));
  body.payment = { ...body.payment, transaction_id: `tx-${tag}-${crypto.randomUUID().slice(0, 8)}` };
  body.customer = { name: "Anna Ozola", email: `anna+${tag.toLowerCase()}@example.lv` };
  for (const line of body.lines) {
    await env.DB.prepare("INSERT INTO products (id, sku, name, created_at, updated_at) VALUES (?1, ?2, ?3, 0, 0) ON CONFLICT (sku) DO NOTHING")
      .bind(`prd_${line.sku}`, line.sku, `Product ${line.sku}`)
      .run();
  }
  const send = vi.spyOn(env.ORDER_QUEUE, "sendBatch").mockImplementation(async () => ({}) as never);
  const response = await postOrder(channel, JSON.stringify(body));
  expect(response.status).toBe(202);
  send.mockRestore();
  return (await json(response)).order_id as string;
}

/** The crash: the order.received message is reviewed, then lost before its automation ran. */
async function reviewThenLose(orderId: string) {
  const row = await loadOrder(drizzle(env.DB, { schema }), orderId);
  expect((await reviewOrder(env.DB, row, Date.now())).outcome).toBe("reviewed");
}

const readOrder = async (orderId: string) => json(await api(`/api/orders/${orderId}`));
const documentsOf = async (orderId: string) => (await json(await api(`/api/documents?order_id=${orderId}`))).items as any[];

async function runMinuteCron(scheduledTime: number) {
  await worker.scheduled(createScheduledController({ cron: EVERY_MINUTE, scheduledTime }), env);
}

/** The order.automate messages a spied sendBatch was handed for this order. */
const automateSends = (send: { mock: { calls: unknown[][] } }, orderId: string) =>
  send.mock.calls
    .flatMap((call) => Array.from(call[0] as Array<{ body: { type: string; order_id?: string } }>, (message) => message.body))
    .filter((body) => body.order_id === orderId && body.type === "order.automate");

/** Exactly one executed invoice, with exactly one payment for the whole total. */
async function expectOneInvoiceWithPayment(orderId: string) {
  const documents = await documentsOf(orderId);
  expect(documents.map((document) => [document.type, document.status])).toEqual([["invoice", "executed"]]);
  const detail = await json(await api(`/api/documents/${documents[0].id}`));
  expect(detail.payments).toMatchObject([{ kind: "payment", amount: documents[0].totals.total }]);
  expect(detail.balance).toBe("0.00");
}

describe("automation owed after a review", () => {
  it("is found by the sweep after a crash between review and automation, and finished exactly once", async () => {
    const orderId = await storedOnAutomatedChannel("DUR-SWEEP");
    await reviewThenLose(orderId);
    // Processed, no document, and neither pending nor failed: the gap this guards.
    const reviewed = await readOrder(orderId);
    expect(reviewed.processing.state).toBe("done");
    expect(await documentsOf(orderId)).toEqual([]);

    const start = Date.now();
    // The first sweep's message is lost too.
    const lost = vi.spyOn(env.ORDER_QUEUE, "sendBatch").mockImplementation(async () => ({}) as never);
    await runMinuteCron(start + 5 * 60_000);
    expect(automateSends(lost, orderId)).toEqual([]); // within the grace period (SWEEP_AFTER_MINUTES = 10)
    await runMinuteCron(start + 11 * 60_000);
    expect(automateSends(lost, orderId)).toEqual([{ type: "order.automate", order_id: orderId }]);
    // Re-queueing stamped it: the next minute does not send it again...
    await runMinuteCron(start + 12 * 60_000);
    expect(automateSends(lost, orderId)).toHaveLength(1);
    lost.mockRestore();

    // ...but once that message is overdue in its turn, the sweep sends it again, and the consumer finishes the work.
    const sent = vi.spyOn(env.ORDER_QUEUE, "sendBatch");
    await runMinuteCron(start + 22 * 60_000);
    expect(automateSends(sent, orderId)).toHaveLength(1);
    await vi.waitFor(async () => expect((await documentsOf(orderId))[0]?.status).toBe("executed"), WAIT);
    await vi.waitFor(async () => expect((await json(await api(`/api/documents/${(await documentsOf(orderId))[0].id}`))).payments).toHaveLength(1), WAIT);
    await expectOneInvoiceWithPayment(orderId);

    // Done: later sweeps have nothing to send for it, and a late duplicate of the lost message adds nothing.
    await vi.waitFor(async () => {
      const before = automateSends(sent, orderId).length;
      await runMinuteCron(start + 40 * 60_000);
      await runMinuteCron(start + 60 * 60_000);
      expect(automateSends(sent, orderId)).toHaveLength(before);
    }, WAIT);
    const batch = createMessageBatch(ORDER_QUEUE_NAME, [{ id: "late", timestamp: new Date(), attempts: 1, body: { type: "order.automate", order_id: orderId } }]);
    await handleQueue(batch, env);
    expect((await getQueueResult(batch, createExecutionContext())).explicitAcks).toEqual(["late"]);
    await expectOneInvoiceWithPayment(orderId);
    const kinds = (await readOrder(orderId)).timeline.map((event: { kind: string }) => event.kind);
    expect(kinds.filter((kind: string) => kind === "document_created")).toHaveLength(1);
    expect(kinds.filter((kind: string) => kind === "payment_added")).toHaveLength(1);
  });

  it("finishes what a run killed between execution and payment left owed, once", async () => {
    const orderId = await storedOnAutomatedChannel("DUR-KILL");
    // The consumer reviews, drafts and executes, then dies writing the payment; its message is never redelivered.
    const prepare = env.DB.prepare.bind(env.DB);
    vi.spyOn(env.DB, "prepare").mockImplementation((sql: string) => {
      if (sql.includes("INSERT INTO payments")) throw new Error("killed");
      return prepare(sql);
    });
    const batch = createMessageBatch(ORDER_QUEUE_NAME, [{ id: "killed", timestamp: new Date(), attempts: 1, body: { type: "order.received", order_id: orderId, version: 1 } }]);
    await handleQueue(batch, env);
    vi.restoreAllMocks();
    expect((await getQueueResult(batch, createExecutionContext())).explicitAcks).toEqual([]);
    expect((await readOrder(orderId)).processing.state).toBe("done");
    const [executed] = await documentsOf(orderId);
    expect(executed.status).toBe("executed");
    expect((await json(await api(`/api/documents/${executed.id}`))).payments).toEqual([]);

    const sent = vi.spyOn(env.ORDER_QUEUE, "sendBatch");
    await runMinuteCron(Date.now() + 11 * 60_000);
    expect(automateSends(sent, orderId)).toEqual([{ type: "order.automate", order_id: orderId }]);
    await vi.waitFor(async () => expect((await json(await api(`/api/documents/${executed.id}`))).payments).toHaveLength(1), WAIT);
    await expectOneInvoiceWithPayment(orderId);
    const kinds = (await readOrder(orderId)).timeline.map((event: { kind: string }) => event.kind);
    expect(kinds.filter((kind: string) => kind === "document_executed")).toHaveLength(1);
    await vi.waitFor(async () => {
      const before = automateSends(sent, orderId).length;
      await runMinuteCron(Date.now() + 30 * 60_000);
      expect(automateSends(sent, orderId)).toHaveLength(before);
    }, WAIT);
    await expectOneInvoiceWithPayment(orderId);
  });

  it("owes nothing once a run found nothing to do: a channel without automation is not swept again and again", async () => {
    const channel = await createChannel("Durable no automation");
    const send = vi.spyOn(env.ORDER_QUEUE, "sendBatch").mockImplementation(async () => ({}) as never);
    const orderId = (await json(await postOrder(channel, JSON.stringify(sampleOrder())))).order_id as string;
    send.mockRestore();
    const batch = createMessageBatch(ORDER_QUEUE_NAME, [{ id: "plain", timestamp: new Date(), attempts: 1, body: { type: "order.received", order_id: orderId, version: 1 } }]);
    await handleQueue(batch, env);
    expect((await getQueueResult(batch, createExecutionContext())).explicitAcks).toEqual(["plain"]);
    const mark = await env.DB.prepare("SELECT automation_due_at AS due FROM orders WHERE id = ?1").bind(orderId).first<{ due: number | null }>();
    expect(mark?.due).toBeNull();
    const sent = vi.spyOn(env.ORDER_QUEUE, "sendBatch");
    await runMinuteCron(Date.now() + 11 * 60_000);
    expect(automateSends(sent, orderId)).toEqual([]);
    expect((await api(`/api/orders/${orderId}/reprocess`, { method: "POST" })).status).toBe(409);
  });

  it("is completed by reprocess (202), which a processed order with nothing owed still refuses (409)", async () => {
    const orderId = await storedOnAutomatedChannel("DUR-REPROCESS");
    await reviewThenLose(orderId);

    const reprocess = await api(`/api/orders/${orderId}/reprocess`, { method: "POST" });
    expect(reprocess.status).toBe(202);
    await vi.waitFor(async () => expect((await documentsOf(orderId))[0]?.status).toBe("executed"), WAIT);
    await vi.waitFor(async () => expect((await json(await api(`/api/documents/${(await documentsOf(orderId))[0].id}`))).payments).toHaveLength(1), WAIT);
    await expectOneInvoiceWithPayment(orderId);

    // Once the automation has run to its end nothing is owed: reprocessing is refused as before.
    await vi.waitFor(async () => expect((await api(`/api/orders/${orderId}/reprocess`, { method: "POST" })).status).toBe(409), WAIT);
    await expectOneInvoiceWithPayment(orderId);
  });

  it("stays owed when the automation fails, and the failure is recorded", async () => {
    const orderId = await storedOnAutomatedChannel("DUR-FAIL");
    await reviewThenLose(orderId);
    // The first write of the document steps fails, with an error retrying cannot fix.
    const { AppError } = await import("../../src/lib/errors");
    vi.spyOn(env.DB, "batch").mockImplementationOnce(async () => {
      throw new AppError("validation_failed", "simulated permanent failure");
    });
    const batch = createMessageBatch(ORDER_QUEUE_NAME, [{ id: "auto", timestamp: new Date(), attempts: 1, body: { type: "order.automate", order_id: orderId } }]);
    await handleQueue(batch, env);
    vi.restoreAllMocks();
    expect((await getQueueResult(batch, createExecutionContext())).explicitAcks).toEqual(["auto"]);
    const failed = await readOrder(orderId);
    expect(failed.processing).toMatchObject({ state: "failed", error: expect.stringContaining("simulated permanent failure") });
    expect(await documentsOf(orderId)).toEqual([]);
    // The failure keeps the mark: the work is still owed, though the sweep leaves a given-up order to a person.
    const mark = await env.DB.prepare("SELECT automation_due_at AS due FROM orders WHERE id = ?1").bind(orderId).first<{ due: number | null }>();
    expect(mark?.due).toEqual(expect.any(Number));
    const sent = vi.spyOn(env.ORDER_QUEUE, "sendBatch");
    await runMinuteCron(Date.now() + 60 * 60_000);
    expect(automateSends(sent, orderId)).toEqual([]);
    sent.mockRestore();

    // Still owed: reprocess queues it, and it finishes.
    expect((await api(`/api/orders/${orderId}/reprocess`, { method: "POST" })).status).toBe(202);
    await vi.waitFor(async () => expect((await documentsOf(orderId))[0]?.status).toBe("executed"), WAIT);
    await vi.waitFor(async () => expect((await json(await api(`/api/documents/${(await documentsOf(orderId))[0].id}`))).payments).toHaveLength(1), WAIT);
    await expectOneInvoiceWithPayment(orderId);
  });
});
