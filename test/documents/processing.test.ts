/**
 * Orders becoming documents in the Worker: automatic processing from the real queue, the guard,
 * numbering and idempotency under concurrency, payments, refunds, cancellations, and the API a
 * bookkeeper uses.
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import type { ChannelType } from "../../src/channels/types";
import { automationOf } from "../../src/documents/automation";
import { handleQueue, ORDER_QUEUE_NAME } from "../../src/jobs/consumer";
import { decodeRefund } from "../../src/orders/refund";
import { ingestMany } from "../../src/inbound/ingest";
import { api, createChannel, json, postOrder, sampleOrder, type TestChannel } from "../helpers";

/** The real queue consumer takes a moment: waits poll for up to 15 s. */
const WAIT = { timeout: 15_000, interval: 150 };
const ALL_ON = { create: "invoice", execute: true, add_payment: true, only_when_paid: true, payment_accounts: { card: "Card clearing" }, default_account: "Bank" };

async function automatedChannel(name: string, automation: Record<string, unknown> = ALL_ON) {
  const channel = await createChannel(name);
  const response = await api(`/api/channels/${channel.id}/automation`, { method: "PUT", json: automation });
  expect(response.status).toBe(200);
  return channel;
}

async function products(...skus: string[]) {
  for (const sku of skus) {
    await env.DB.prepare("INSERT INTO products (id, sku, name, created_at, updated_at) VALUES (?1, ?2, ?3, 0, 0) ON CONFLICT (sku) DO NOTHING")
      .bind(`prd_${sku}`, sku, `Product ${sku}`)
      .run();
  }
}

/** A sample order of `lines` lines whose SKUs are unique to `tag`, with its own transaction id. */
function order(tag: string, overrides: Record<string, unknown> = {}, lines = 1) {
  const base = sampleOrder({}, lines) as any;
  base.lines = base.lines.map((line: any, index: number) => ({ ...line, sku: `${tag}-${index + 1}` }));
  const unique = crypto.randomUUID().slice(0, 8);
  base.payment = { ...base.payment, transaction_id: `tx-${tag}-${unique}` };
  // Customers are matched by e-mail across channels: each order its own customer unless a test says otherwise.
  base.customer = { name: "Anna Ozola", email: `anna+${tag.toLowerCase()}-${unique}@example.lv` };
  return { ...base, ...overrides };
}

async function post(channel: TestChannel, body: unknown) {
  const response = await postOrder(channel, JSON.stringify(body));
  expect(response.status).toBeLessThan(300);
  return (await json(response)).order_id as string;
}

const documentsOf = async (orderId: string) => (await json(await api(`/api/documents?order_id=${orderId}`))).items as any[];
const readOrder = async (orderId: string) => json(await api(`/api/orders/${orderId}`));

async function settledDocument(orderId: string, status = "executed") {
  return vi.waitFor(
    async () => {
      const [document] = (await documentsOf(orderId)).filter((entry) => entry.type !== "credit_note");
      expect(document?.status).toBe(status);
      return document;
    },
    WAIT,
  );
}

async function runQueue(body: unknown) {
  const batch = createMessageBatch(ORDER_QUEUE_NAME, [{ id: crypto.randomUUID(), timestamp: new Date(), attempts: 1, body }]);
  await handleQueue(batch, env, { now: Date.now, fetch: (input, init) => fetch(input, init), sleep: async () => undefined });
  return getQueueResult(batch, createExecutionContext());
}

describe("automatic processing", () => {
  it("turns a paid order into an executed, numbered invoice with its payment and stock movements, and says which rule did it", async () => {
    const channel = await automatedChannel("Docs auto");
    await products("AUTO-1", "AUTO-2");
    const orderId = await post(channel, order("AUTO", {}, 2));
    const invoice = await settledDocument(orderId);
    expect(invoice).toMatchObject({ type: "invoice", status: "executed", currency: "EUR", totals: { subtotal: "43.00", tax: "9.03", total: "52.03" }, problems: [] });
    expect(invoice.number).toMatch(/^INV-\d{4}-\d{5}$/);
    expect(invoice.lines.map((line: any) => [line.kind, line.sku, line.product_id, line.total])).toEqual([
      ["item", "AUTO-1", "prd_AUTO-1", "19.00"],
      ["item", "AUTO-2", "prd_AUTO-2", "19.00"],
      ["shipping", null, null, "5.00"],
    ]);

    const detail = await json(await api(`/api/documents/${invoice.id}`));
    expect(detail.payments).toMatchObject([{ kind: "payment", amount: "52.03", method: "card", account: "Card clearing" }]);
    expect(await json(await api(`/api/payments/${detail.payments[0].id}`))).toEqual(detail.payments[0]);
    expect((await api("/api/payments/pay_missing")).status).toBe(404);
    expect(detail.balance).toBe("0.00");
    expect(detail.stock_movements).toEqual([
      { line: 1, product_id: "prd_AUTO-1", quantity: -2, at: expect.any(String) },
      { line: 2, product_id: "prd_AUTO-2", quantity: -2, at: expect.any(String) },
    ]);
    const read = await readOrder(orderId);
    expect(read.status).toBe("processed");
    const steps = read.timeline.filter((event: any) => ["document_created", "document_executed", "payment_added"].includes(event.kind));
    // One run writes the three steps at the same instant; their order on the timeline is not the point.
    expect(steps.map((event: any) => event.kind).sort()).toEqual(["document_created", "document_executed", "payment_added"]);
    for (const step of steps) expect(step.data.rule).toBe("automatic (connect): create invoice, execute, add payment, once paid");
  });

  it("books a tip as its own line, a gift card sold apart from goods, and gift cards redeemed as payments from the liability", async () => {
    const channel = await automatedChannel("Docs gift cards");
    await products("GIFT-1");
    const body = {
      ...order("GIFT"),
      lines: [
        { sku: "GIFT-1", name: "Mug", quantity: 1, unit_price: "30.00", total: "30.00" },
        { kind: "tip", name: "Tip", quantity: 1, unit_price: "4.50", total: "4.50" },
        // A gift card product's SKU is no stock: unknown to the catalogue, it holds nothing.
        { kind: "gift_card", sku: "GC-50", name: "Gift card 50", quantity: 1, unit_price: "50.00", total: "50.00" },
      ],
      shipping: [],
      totals: { subtotal: "80.00", shipping: "0", tax: "0", tips: "4.50", total: "84.50" },
      gift_cards: [{ code: "X7K2", amount: "20.00" }, { amount: "4.00" }],
      payment: { method: "card", transaction_id: `tx-gift-${crypto.randomUUID()}`, amount: "60.50", paid_at: "2026-11-27T10:00:00Z" },
    };
    const orderId = await post(channel, body);
    const invoice = await settledDocument(orderId);
    expect(invoice.problems).toEqual([]);
    expect(invoice.lines.map((line: any) => [line.kind, line.sku, line.product_id, line.total])).toEqual([
      ["item", "GIFT-1", "prd_GIFT-1", "30.00"],
      ["tip", null, null, "4.50"],
      ["gift_card", "GC-50", null, "50.00"],
    ]);
    expect(invoice.totals.total).toBe("84.50");
    const detail = await json(await api(`/api/documents/${invoice.id}`));
    expect(detail.payments.map((payment: any) => [payment.amount, payment.method, payment.account, payment.reference]).sort()).toEqual([
      ["20.00", "Gift card", "Gift cards", "X7K2"],
      ["4.00", "Gift card", "Gift cards", null],
      ["60.50", "card", "Card clearing", body.payment.transaction_id],
    ]);
    expect(detail.balance).toBe("0.00");
    // Goods move stock; a tip and a gift card do not.
    expect(detail.stock_movements).toEqual([{ line: 1, product_id: "prd_GIFT-1", quantity: -1, at: expect.any(String) }]);

    // Processing the same state again adds no payment twice.
    await api(`/api/orders/${orderId}/process`, { method: "POST", json: {} });
    expect((await json(await api(`/api/documents/${invoice.id}`))).payments).toHaveLength(3);
  });

  it("waits for the payment when the channel says so, then processes the paid state", async () => {
    const channel = await automatedChannel("Docs wait");
    await products("WAIT-1");
    const pending = order("WAIT", { financial_status: "pending", payment: null });
    const orderId = await post(channel, pending);
    await vi.waitFor(async () => expect((await readOrder(orderId)).processing.state).toBe("done"), { timeout: 10_000, interval: 150 });
    expect(await documentsOf(orderId)).toEqual([]);
    await post(channel, { ...order("WAIT"), external_id: pending.external_id, updated_at: "2026-11-27T11:00:00Z" });
    expect((await settledDocument(orderId)).status).toBe("executed");
  });

  it("holds an order with an unknown SKU in needs_attention, and processes it once the product exists", async () => {
    const channel = await automatedChannel("Docs sku");
    const orderId = await post(channel, order("MISSING"));
    const draft = await settledDocument(orderId, "draft");
    expect(draft.problems).toEqual([{ code: "unknown_sku", sku: "MISSING-1", message: expect.stringMatching(/no product has SKU "MISSING-1"/) }]);
    expect(draft.number).toBeNull();
    const held = await readOrder(orderId);
    expect(held.status).toBe("needs_attention");
    expect(held.warnings[0].message).toMatch(/MISSING-1/);
    expect((await json(await api(`/api/payments?order_id=${orderId}`))).items).toEqual([]);

    // Creating the product re-checks the orders that waited for it, through the queue.
    const created = await api("/api/products", { method: "POST", json: { sku: "MISSING-1", name: "Found it" } });
    expect(created.status).toBe(201);
    expect((await settledDocument(orderId)).problems).toEqual([]);
    expect((await readOrder(orderId)).status).toBe("processed");
  });

  it("creates missing products when the channel is set to", async () => {
    const channel = await automatedChannel("Docs create", { ...ALL_ON, create_missing_products: true });
    const orderId = await post(channel, order("NEWPROD"));
    const invoice = await settledDocument(orderId);
    expect(invoice.lines[0].product_id).toMatch(/^prd_/);
    const product = await env.DB.prepare("SELECT name, unit_price_minor, currency FROM products WHERE sku = 'NEWPROD-1'").first();
    expect(product).toEqual({ name: "Item 1", unit_price_minor: 1000, currency: "EUR" });
  });

  it("never executes a document that does not come to the store's total: the guard keeps it a draft, without payment", async () => {
    const channel = await automatedChannel("Docs guard");
    await products("GUARD-1");
    const wrong = order("GUARD");
    wrong.totals = { ...wrong.totals, total: "29.05" };
    wrong.payment = { ...wrong.payment, amount: "29.05" };
    const orderId = await post(channel, wrong);
    const draft = await settledDocument(orderId, "draft");
    expect(draft.totals.total).toBe("29.04");
    expect(draft.problems).toContainEqual({ code: "total_mismatch", message: "The document comes to 29.04 EUR but the store's total is 29.05 EUR, off by -0.01 EUR" });
    expect((await readOrder(orderId)).status).toBe("needs_attention");
    expect((await json(await api(`/api/payments?order_id=${orderId}`))).items).toEqual([]);
    const refused = await api(`/api/documents/${draft.id}/execute`, { method: "POST" });
    expect(refused.status).toBe(409);
    expect((await json(refused)).error.message).toMatch(/off by -0.01 EUR/);
  });

  it("files every order under one customer when the channel says so, and matches customers by e-mail otherwise", async () => {
    const single = await automatedChannel("Docs single", { ...ALL_ON, customer: "single", single_customer_name: "Kiosk customer" });
    const matched = await automatedChannel("Docs match");
    await products("CUST-1");
    const ids = [
      await post(single, order("CUST", { customer: { name: "A", email: "a@example.com" } })),
      await post(single, order("CUST", { customer: { name: "B", email: "b@example.com" } })),
      await post(matched, order("CUST", { customer: { name: "Anna", email: "Anna.Matched@Example.lv" } })),
      await post(matched, order("CUST", { customer: { name: "Anna O.", email: "anna.matched@example.lv" } })),
    ];
    const docs = await Promise.all(ids.map((id) => settledDocument(id)));
    expect(docs[0].customer_id).toBe(docs[1].customer_id);
    expect(docs[2].customer_id).toBe(docs[3].customer_id);
    expect(docs[0].customer_id).not.toBe(docs[2].customer_id);
    const names = await env.DB.prepare("SELECT name, email FROM customers WHERE id IN (?1, ?2) ORDER BY name").bind(docs[0].customer_id, docs[2].customer_id).all();
    expect(names.results).toEqual([
      { name: "Anna", email: "anna.matched@example.lv" },
      { name: "Kiosk customer", email: null },
    ]);
  });
});

describe("out of order, matching and defaults", () => {
  it("the paid state arriving before the order was created makes one invoice; the late older state changes nothing", async () => {
    const channel = await automatedChannel("Docs late");
    await products("LATE-1");
    const paid = order("LATE", { updated_at: "2026-11-27T12:00:00Z" });
    const orderId = await post(channel, paid);
    const invoice = await settledDocument(orderId);
    const stale = await postOrder(channel, JSON.stringify({ ...paid, financial_status: "pending", payment: null, updated_at: "2026-11-27T10:00:00Z" }));
    expect((await json(stale)).stale).toBe(true);
    await runQueue({ type: "order.automate", order_id: orderId });
    expect(await documentsOf(orderId)).toEqual([expect.objectContaining({ id: invoice.id, status: "executed", number: invoice.number })]);
    expect((await json(await api(`/api/payments?order_id=${orderId}`))).items).toHaveLength(1);
  });

  it("matches a customer by the channel's customer id first, then by VAT number", async () => {
    const channel = await automatedChannel("Docs ids");
    await products("IDS-1");
    const ids = [
      await post(channel, order("IDS", { customer: { external_id: "cust-9", name: "Koks SIA", email: "old@koks.example" } })),
      await post(channel, order("IDS", { customer: { external_id: "cust-9", name: "Koks SIA", email: "new@koks.example" } })),
      await post(channel, order("IDS", { customer: { name: "Zāģis SIA", email: "a@zagis.example", vat_number: "LV 40003000001" } })),
      await post(channel, order("IDS", { customer: { name: "Zāģis", email: "b@zagis.example", vat_number: "lv40003000001" } })),
    ];
    const [a, b, c, d] = await Promise.all(ids.map((id) => settledDocument(id)));
    expect(a.customer_id).toBe(b.customer_id);
    expect(c.customer_id).toBe(d.customer_id);
    expect(a.customer_id).not.toBe(c.customer_id);
    const vat = await env.DB.prepare("SELECT vat_number FROM customers WHERE id = ?1").bind(c.customer_id).first("vat_number");
    expect(vat).toBe("LV40003000001");
  });

  it("adds a partial payment as it is and leaves the rest open", async () => {
    const channel = await automatedChannel("Docs partial", { ...ALL_ON, only_when_paid: false });
    await products("PART-1");
    const partial = order("PART", { financial_status: "partially_paid" });
    partial.payment = { ...partial.payment, amount: "10.00" };
    const orderId = await post(channel, partial);
    const invoice = await settledDocument(orderId);
    const detail = await vi.waitFor(async () => {
      const read = await json(await api(`/api/documents/${invoice.id}`));
      expect(read.payments).toHaveLength(1);
      return read;
    }, WAIT);
    expect(detail.payments[0].amount).toBe("10.00");
    expect(detail.balance).toBe("19.04");

    // Paid in full later (the store names no new transaction): the rest is added, once.
    await post(channel, { ...partial, financial_status: "paid", payment: { ...partial.payment, amount: "29.04" }, updated_at: "2026-11-27T12:00:00Z" });
    const settled = await vi.waitFor(async () => {
      const read = await json(await api(`/api/documents/${invoice.id}`));
      expect(read.payments).toHaveLength(2);
      return read;
    }, WAIT);
    expect(settled.payments.map((payment: any) => payment.amount)).toEqual(["10.00", "19.04"]);
    expect(settled.balance).toBe("0.00");
    await runQueue({ type: "order.automate", order_id: orderId });
    expect((await json(await api(`/api/documents/${invoice.id}`))).payments).toHaveLength(2);
  });

  it.each([
    ["woocommerce-premium", { create: "invoice", execute: true, add_payment: true, only_when_paid: true }],
    ["mozello", { create: "invoice", execute: true, add_payment: true, only_when_paid: true }],
    ["connect", { create: null, execute: false, add_payment: false }],
    ["shopify", { create: null, execute: false, add_payment: false }],
  ])("a %s channel starts with its type's automation", async (type, expected) => {
    expect(automationOf(type as ChannelType, null)).toMatchObject(expected);
    // A stored change overrides only what it names.
    expect(automationOf(type as ChannelType, JSON.stringify({ default_account: "Till" }))).toMatchObject({ ...expected, default_account: "Till" });
  });
});

describe("idempotency and numbering", () => {
  it("processing one order many times at once makes one document, one number and one payment", async () => {
    const channel = await automatedChannel("Docs race", { ...ALL_ON, create: null });
    await products("RACE-1");
    const orderId = await post(channel, order("RACE"));
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => api(`/api/orders/${orderId}/process`, { method: "POST", json: { type: "invoice", execute: true, add_payment: true } })),
    );
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200, 200]);
    const docs = await documentsOf(orderId);
    expect(docs).toHaveLength(1);
    expect(docs[0].status).toBe("executed");
    expect((await json(await api(`/api/payments?order_id=${orderId}`))).items).toHaveLength(1);
    const movements = await env.DB.prepare("SELECT COUNT(*) AS n FROM stock_movements WHERE document_id = ?1").bind(docs[0].id).first("n");
    expect(movements).toBe(1);
  });

  it("gives out consecutive numbers without gaps under concurrent execution, and none to cancelled drafts", async () => {
    const channel = await automatedChannel("Docs numbers", { ...ALL_ON, create: null });
    await products("NUM-1");
    const ids = await Promise.all(Array.from({ length: 8 }, () => post(channel, order("NUM"))));
    // Two drafts are cancelled: they must not use up numbers.
    for (const id of ids.slice(0, 2)) {
      await api(`/api/orders/${id}/process`, { method: "POST", json: { execute: false } });
      const [draft] = await documentsOf(id);
      expect((await api(`/api/documents/${draft.id}/cancel`, { method: "POST" })).status).toBe(200);
    }
    const before = (await env.DB.prepare("SELECT MAX(last_number) AS n FROM document_series WHERE key LIKE 'invoice:%'").first<number>("n")) ?? 0;
    await Promise.all(ids.slice(2).map((id) => api(`/api/orders/${id}/process`, { method: "POST", json: { type: "invoice", execute: true } })));
    const numbers = (await Promise.all(ids.slice(2).map(async (id) => (await documentsOf(id))[0].number as string))).map((number) => Number(number.slice(-5))).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: 6 }, (_, index) => before + index + 1));
    const cancelled = await documentsOf(ids[0]);
    expect(cancelled[0]).toMatchObject({ status: "cancelled", number: null });
    expect((await api(`/api/documents/${cancelled[0].id}/execute`, { method: "POST" })).status).toBe(409);
  });
});

describe("refunds and cancellations", () => {
  async function refund(channel: TestChannel, externalId: string, refundId: string, amount: string, lines: unknown[] = [], shipping = "0.00") {
    const decoded = decodeRefund({ external_id: refundId, order_external_id: externalId, created_at: "2026-11-28T09:00:00Z", currency: "EUR", amount, lines, shipping });
    if (!decoded.ok) throw new Error(JSON.stringify(decoded.issues));
    const channelRow = await env.DB.prepare("SELECT id FROM channels WHERE token = ?1").bind(channel.token).first<string>("id");
    await ingestMany(env.DB, [{ channelId: channelRow!, secretId: null, delivery: null, origin: "reconciliation", arrival: { type: "refund", key: `refund:${refundId}`, refund: decoded.refund }, now: Date.now() }]);
  }

  it("credits a refund after execution (partial, with its lines), once, with a refund payment", async () => {
    const channel = await automatedChannel("Docs refund");
    await products("RFD-1", "RFD-2");
    const body = order("RFD", {}, 2);
    const orderId = await post(channel, body);
    const invoice = await settledDocument(orderId);
    await refund(channel, body.external_id, `r-${body.external_id}`, "11.50", [{ sku: "RFD-2", quantity: 1, subtotal: "9.50", tax: "2.00" }]);
    await runQueue({ type: "order.automate", order_id: orderId });
    await runQueue({ type: "order.automate", order_id: orderId });
    const notes = (await documentsOf(orderId)).filter((entry) => entry.type === "credit_note");
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({ status: "executed", credit_of: invoice.id, totals: { subtotal: "9.50", tax: "2.00", total: "11.50" }, problems: [] });
    expect(notes[0].number).toMatch(/^CN-\d{4}-\d{5}$/);
    const detail = await json(await api(`/api/documents/${notes[0].id}`));
    expect(detail.payments).toMatchObject([{ kind: "refund", amount: "11.50" }]);
    expect(detail.stock_movements).toEqual([{ line: 1, product_id: "prd_RFD-2", quantity: 1, at: expect.any(String) }]);
  });

  it("a refund that arrives before the invoice is credited once the invoice exists", async () => {
    const channel = await automatedChannel("Docs early refund", { ...ALL_ON, create: null });
    await products("EARLY-1");
    const body = order("EARLY");
    const orderId = await post(channel, body);
    await refund(channel, body.external_id, `r-${body.external_id}`, "29.04");
    await api(`/api/orders/${orderId}/process`, { method: "POST", json: { type: "invoice", execute: true, add_payment: true } });
    const notes = (await documentsOf(orderId)).filter((entry) => entry.type === "credit_note");
    // No lines named: the gross amount is split at the invoice's one rate (21 %, the shipping's tax too).
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({ status: "executed", totals: { subtotal: "24.00", tax: "5.04", total: "29.04" }, problems: [] });
    expect((await json(await api(`/api/documents/${notes[0].id}`))).payments).toMatchObject([{ kind: "refund", amount: "29.04" }]);
  });

  it("cancels a draft when the order is cancelled, and credits an executed invoice in full", async () => {
    const channel = await automatedChannel("Docs cancel", { ...ALL_ON, create: null });
    await products("CXL-1");
    const drafted = order("CXL");
    const draftedId = await post(channel, drafted);
    await api(`/api/orders/${draftedId}/process`, { method: "POST", json: { execute: false } });
    const executed = order("CXL");
    const executedId = await post(channel, executed);
    await api(`/api/orders/${executedId}/process`, { method: "POST", json: { execute: true } });
    const invoice = (await documentsOf(executedId))[0];

    for (const [body, id] of [
      [drafted, draftedId],
      [executed, executedId],
    ] as const) {
      await post(channel, { ...body, updated_at: "2026-11-28T08:00:00Z", cancelled_at: "2026-11-28T08:00:00Z" });
      await api(`/api/orders/${id}/process`, { method: "POST", json: { execute: true } });
    }
    expect((await documentsOf(draftedId)).map((entry) => [entry.type, entry.status])).toEqual([["invoice", "cancelled"]]);
    // A cancelled draft can no longer be credited or executed.
    expect((await api(`/api/documents/${(await documentsOf(draftedId))[0].id}/credit`, { method: "POST" })).status).toBe(409);
    const afterCancel = await documentsOf(executedId);
    const note = afterCancel.find((entry) => entry.type === "credit_note");
    expect(note).toMatchObject({ status: "executed", credit_of: invoice.id, totals: invoice.totals });
    expect(afterCancel.find((entry) => entry.type === "invoice").status).toBe("executed");
    expect(note.customer_id).toBe(invoice.customer_id);
  });

  it("reverses an executed sales order of a cancelled order with a credit note too", async () => {
    const channel = await automatedChannel("Docs cancel so", { ...ALL_ON, create: null });
    await products("CSO-1");
    const body = order("CSO");
    const orderId = await post(channel, body);
    await api(`/api/orders/${orderId}/process`, { method: "POST", json: { type: "order", execute: true } });
    const [salesOrder] = await documentsOf(orderId);
    expect(salesOrder).toMatchObject({ type: "order", status: "executed" });
    await post(channel, { ...body, updated_at: "2026-11-28T08:00:00Z", cancelled_at: "2026-11-28T08:00:00Z" });
    await api(`/api/orders/${orderId}/process`, { method: "POST", json: { execute: true } });
    const note = (await documentsOf(orderId)).find((entry) => entry.type === "credit_note");
    expect(note).toMatchObject({ status: "executed", credit_of: salesOrder.id, totals: salesOrder.totals });
  });

  it("does not credit an invoice twice over: a cancellation after a partial refund waits for a person", async () => {
    const channel = await automatedChannel("Docs overcredit");
    await products("OVR-1");
    const body = order("OVR");
    const orderId = await post(channel, body);
    const invoice = await settledDocument(orderId);
    await refund(channel, body.external_id, `r-${body.external_id}`, "10.00");
    await runQueue({ type: "order.automate", order_id: orderId });
    await post(channel, { ...body, updated_at: "2026-11-28T08:00:00Z", cancelled_at: "2026-11-28T08:00:00Z" });
    const cancelNote = await vi.waitFor(async () => {
      const found = (await documentsOf(orderId)).filter((entry) => entry.type === "credit_note" && entry.totals.total === invoice.totals.total);
      expect(found).toHaveLength(1);
      return found[0];
    }, WAIT);
    expect(cancelNote.status).toBe("draft");
    expect(cancelNote.problems[0]).toMatchObject({ code: "already_credited", message: expect.stringMatching(/already take 10.00 EUR off/) });
    expect((await api(`/api/documents/${invoice.id}/credit`, { method: "POST" })).status).toBe(409);
  });
});

describe("by hand", () => {
  it("previews the document with the comparison and the mappings, writing nothing", async () => {
    const channel = await createChannel("Docs preview");
    await products("PRE-1");
    const orderId = await post(channel, order("PRE", {}, 2));
    const preview = await json(await api(`/api/orders/${orderId}/preview`, { method: "POST" }));
    expect(preview).toMatchObject({
      currency: "EUR",
      can_execute: false,
      problems: [{ code: "unknown_sku", sku: "PRE-2" }],
      mappings: { customer: { match: "created", customerId: null }, products: [{ sku: "PRE-1", product_id: "prd_PRE-1" }, { sku: "PRE-2", product_id: null }] },
      existing_document: null,
    });
    expect(await documentsOf(orderId)).toEqual([]);
  });

  it("processes many orders at once, each on its own", async () => {
    const channel = await createChannel("Docs bulk");
    await products("BULK-1");
    const good = await post(channel, order("BULK"));
    const response = await api("/api/orders/process", { method: "POST", json: { order_ids: [good, "ord_missing"], type: "order", execute: true } });
    const { results } = await json(response);
    expect(results).toEqual([
      { order_id: good, ok: true, document_id: expect.stringMatching(/^doc_/), status: "executed", problems: [], skipped: null },
      { order_id: "ord_missing", ok: false, error: { code: "not_found", message: "No order ord_missing" } },
    ]);
    expect((await documentsOf(good))[0].number).toMatch(/^SO-\d{4}-\d{5}$/);
  });

  it("adds a payment by hand once per reference, credits an invoice, and exports documents as CSV", async () => {
    const channel = await createChannel("Docs manual");
    await products("MAN-1");
    const orderId = await post(channel, order("MAN", { customer: { name: "=HYPERLINK(\"x\")", email: "m@example.com" } }));
    await api(`/api/orders/${orderId}/process`, { method: "POST", json: { execute: true, add_payment: false } });
    const [invoice] = await documentsOf(orderId);
    const pay = { amount: "10.00", paid_at: "2026-11-28T10:00:00Z", method: "transfer", reference: "BANK-77" };
    const first = await api(`/api/documents/${invoice.id}/payments`, { method: "POST", json: pay });
    expect(first.status).toBe(201);
    expect(await json(first)).toMatchObject({ amount: "10.00", account: "Bank", reference: "BANK-77" });
    expect((await api(`/api/documents/${invoice.id}/payments`, { method: "POST", json: pay })).status).toBe(409);
    expect((await json(await api(`/api/documents/${invoice.id}`))).balance).toBe("19.04");

    const credit = await api(`/api/documents/${invoice.id}/credit`, { method: "POST" });
    expect(credit.status).toBe(201);
    expect(await json(credit)).toMatchObject({ type: "credit_note", status: "draft", credit_of: invoice.id, totals: invoice.totals });
    expect((await api(`/api/documents/${invoice.id}/credit`, { method: "POST" })).status).toBe(409);

    const csv = await api(`/api/documents/export.csv?channel_id=${channel.id}`);
    expect(csv.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    const rows = (await csv.text()).trim().split("\r\n");
    expect(rows[0]).toBe("number,type,status,created_at,executed_at,currency,customer,order_id,line,sku,description,quantity,unit_price,discount,tax_rate,tax,line_total,document_total");
    expect(rows).toHaveLength(5);
    expect(rows[1]).toContain(`${invoice.number},invoice,executed,`);
    // A formula in a customer's name is written as text, quoted.
    expect(rows[1]).toContain(`"'=HYPERLINK(""x"")"`);
  });
});
