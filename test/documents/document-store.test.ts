/** The documents store on its own: timeline events that wait for their step, payments once per source, pages of payments. */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Database } from "../../src/context";
import { drizzle } from "drizzle-orm/d1";
import * as schema from "../../src/db/schema";
import {
  cancelDraftStatement,
  documentCancelledAt,
  documentExecutedAt,
  documentWritten,
  findPayments,
  insertPayment,
  paymentWritten,
  upsertDraftStatement,
  type NewPayment,
} from "../../src/documents/document-store";
import { orderEventStatement } from "../../src/orders/order-store";
import { createChannel, json, postOrder, sampleOrder } from "../helpers";

const db = drizzle(env.DB, { schema }) as unknown as Database;

async function anOrder(name: string) {
  const channel = await createChannel(name);
  const response = await postOrder(channel, JSON.stringify(sampleOrder()));
  expect(response.status).toBeLessThan(300);
  return { channelId: channel.id, orderId: (await json(response)).order_id as string };
}

const draft = (id: string, owner: { orderId: string; channelId: string }, at: number) =>
  upsertDraftStatement(env.DB, {
    id,
    type: "invoice",
    sourceKey: `test:${id}`,
    orderId: owner.orderId,
    channelId: owner.channelId,
    customerId: null,
    creditOf: null,
    computed: { currency: "EUR", content: { lines: [] } as never, totals: { subtotal: 0, tax: 0, total: 0 }, problems: [] },
    at,
  });

const eventsOf = async (orderId: string, kind: string) =>
  (await env.DB.prepare("SELECT key, data FROM order_events WHERE order_id = ?1 AND kind = ?2").bind(orderId, kind).all<{ key: string; data: string }>()).results;

describe("a timeline event", () => {
  it("is written in the batch of the step it records only when the step happened, and once per key", async () => {
    const owner = await anOrder("Store events");
    const id = `doc_store_${crypto.randomUUID().slice(0, 8)}`;
    const at = 1_700_000_000_000;
    const event = (key: string, kind: string) => ({ orderId: owner.orderId, key, kind, data: { value: { document_id: id } }, at });

    await env.DB.batch([draft(id, owner, at), orderEventStatement(env.DB, event(`document:${id}`, "test_created"), documentWritten(id))]);
    expect(await eventsOf(owner.orderId, "test_created")).toEqual([{ key: `document:${id}`, data: JSON.stringify({ document_id: id }) }]);

    // Not executed, not cancelled, no such payment: nothing is written.
    await env.DB.batch([
      orderEventStatement(env.DB, event(`executed:${id}`, "test_executed"), documentExecutedAt(id, at)),
      orderEventStatement(env.DB, event(`cancelled:${id}`, "test_cancelled"), documentCancelledAt(id, at)),
      orderEventStatement(env.DB, event(`payment:${id}`, "test_paid"), paymentWritten(`pay_none_${id}`)),
    ]);
    expect(await eventsOf(owner.orderId, "test_executed")).toEqual([]);
    expect(await eventsOf(owner.orderId, "test_cancelled")).toEqual([]);
    expect(await eventsOf(owner.orderId, "test_paid")).toEqual([]);

    // Cancelled in the same batch: written; the same key again writes nothing more.
    for (let run = 0; run < 2; run++) {
      await env.DB.batch([cancelDraftStatement(env.DB, id, at), orderEventStatement(env.DB, event(`cancelled:${id}`, "test_cancelled"), documentCancelledAt(id, at))]);
    }
    expect(await eventsOf(owner.orderId, "test_cancelled")).toHaveLength(1);
  });

  it("is not written for a document without an order", async () => {
    const id = `doc_store_${crypto.randomUUID().slice(0, 8)}`;
    await env.DB.batch([
      draft(id, { orderId: "", channelId: "" }, 1),
      orderEventStatement(env.DB, { orderId: "", key: `document:${id}`, kind: "test_orphan", data: { value: {} }, at: 1 }, documentWritten(id)),
    ]);
    expect((await env.DB.prepare("SELECT COUNT(*) AS n FROM order_events WHERE kind = 'test_orphan'").first<number>("n")) ?? 0).toBe(0);
  });
});

describe("payments", () => {
  it("are added once per source key and listed newest first, a page at a time", async () => {
    const owner = await anOrder("Store payments");
    const documentId = `doc_pay_${crypto.randomUUID().slice(0, 8)}`;
    await env.DB.batch([draft(documentId, owner, 5)]);
    const payment = (index: number): NewPayment => ({
      id: `pay_${documentId}_${index}`,
      kind: "payment",
      sourceKey: `test:${documentId}:${index}`,
      documentId,
      orderId: owner.orderId,
      channelId: owner.channelId,
      amount: 100 * index,
      currency: "EUR",
      paidAt: 1_000 * index,
      method: null,
      account: "Bank",
      reference: `ref-${index}`,
      at: 5,
    });
    for (const index of [1, 2, 3]) expect(await insertPayment(env.DB, payment(index))).toBe(true);
    expect(await insertPayment(env.DB, { ...payment(2), id: `pay_${documentId}_again` })).toBe(false);

    const first = await findPayments(db, { document_id: documentId, limit: 2 });
    expect(first.items.map((row) => row.id)).toEqual([payment(3).id, payment(2).id]);
    const second = await findPayments(db, { document_id: documentId, limit: 2, cursor: first.next_cursor! });
    expect(second.items.map((row) => row.id)).toEqual([payment(1).id]);
    expect(second.next_cursor).toBeNull();
  });
});
