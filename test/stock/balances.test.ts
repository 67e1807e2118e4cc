/**
 * Stock on hand from the ledger, reservations by open orders, and setting stock by hand or by a
 * CSV count, in the Worker.
 */
import { describe, expect, it, vi } from "vitest";
import { api, createChannel, json, postOrder, sampleOrder } from "../helpers";

const WAIT = { timeout: 15_000, interval: 150 };

async function product(sku: string) {
  const response = await api("/api/products", { method: "POST", json: { sku, name: `Product ${sku}` } });
  expect(response.status).toBe(201);
}

const level = async (sku: string, warehouse = "main") => {
  const { items } = await json(await api(`/api/stock?sku=${encodeURIComponent(sku)}`));
  return items.find((item: any) => item.warehouse === warehouse);
};

const setStock = (sku: string, body: Record<string, unknown>) => api(`/api/stock/${encodeURIComponent(sku)}`, { method: "PUT", json: body });

function order(sku: string, quantity: number, overrides: Record<string, unknown> = {}) {
  const base = sampleOrder() as any;
  const unit = 1000;
  const total = unit * quantity;
  base.lines = [{ sku, name: sku, quantity, unit_price: "10.00", total: (total / 100).toFixed(2) }];
  base.shipping = [];
  base.totals = { subtotal: (total / 100).toFixed(2), shipping: "0.00", tax: "0.00", total: (total / 100).toFixed(2) };
  base.payment = { method: "card", transaction_id: `tx-${crypto.randomUUID()}`, amount: (total / 100).toFixed(2), paid_at: "2026-11-27T10:00:05Z" };
  base.customer = { name: "Stock Tester", email: `stock-${crypto.randomUUID().slice(0, 8)}@example.com` };
  return { ...base, ...overrides };
}

describe("stock balances", () => {
  it("sets on hand as a ledger adjustment and derives the balance from the ledger", async () => {
    await product("STK-SET");
    expect(await level("STK-SET")).toEqual({ sku: "STK-SET", product_id: expect.any(String), warehouse: "main", on_hand: 0, reserved: 0, available: 0 });
    expect((await setStock("STK-SET", { on_hand: 10 })).status).toBe(200);
    expect((await setStock("STK-SET", { on_hand: 7, reason: "recount" })).status).toBe(200);
    expect(await level("STK-SET")).toMatchObject({ on_hand: 7, reserved: 0, available: 7 });
    const detail = await json(await api("/api/stock/STK-SET"));
    expect(detail.ledger.map((entry: any) => [entry.kind, entry.quantity, entry.counted_on_hand, entry.reason])).toEqual([
      ["adjustment", -3, 7, "recount"],
      ["adjustment", 10, 10, "set by hand"],
    ]);
  });

  it.each([
    ["a negative count", "STK-BAD-NEG", { on_hand: -1 }, /on_hand: must not be negative/],
    ["an unknown warehouse", "STK-BAD-WH", { on_hand: 1, warehouse: "nowhere" }, /no warehouse "nowhere"/],
    ["an unknown field", "STK-BAD-FIELD", { on_hand: 1, colour: "red" }, /colour/],
  ])("refuses %s with 400", async (_, sku, body, message) => {
    await product(sku);
    const response = await setStock(sku, body);
    expect(response.status).toBe(400);
    expect((await json(response)).error.message).toMatch(message);
    expect((await level(sku)).on_hand).toBe(0);
  });

  it("answers 404 for a SKU no product has", async () => {
    expect((await setStock("NO-SUCH-SKU", { on_hand: 1 })).status).toBe(404);
    expect((await api("/api/stock/NO-SUCH-SKU")).status).toBe(404);
  });

  it("two counts at once each write the difference to the balance they saw: the balance is one of them, never their sum", async () => {
    await product("STK-RACE");
    await setStock("STK-RACE", { on_hand: 5 });
    await Promise.all([setStock("STK-RACE", { on_hand: 12 }), setStock("STK-RACE", { on_hand: 20 })]);
    expect([12, 20]).toContain((await level("STK-RACE")).on_hand);
  });

  it("open orders reserve their quantities until their document is executed; ignored and cancelled orders do not", async () => {
    await product("STK-RES");
    await setStock("STK-RES", { on_hand: 10 });
    const channel = await createChannel("Stock reservations");
    const post = async (body: unknown) => (await json(await postOrder(channel, JSON.stringify(body)))).order_id as string;

    const open = await post(order("STK-RES", 2));
    const ignored = await post(order("STK-RES", 3));
    const cancelled = await post(order("STK-RES", 4, { cancelled_at: "2026-11-27T11:00:00Z", updated_at: "2026-11-27T11:00:00Z" }));
    await vi.waitFor(async () => expect((await json(await api(`/api/orders/${cancelled}`))).status).toBe("cancelled"), WAIT);
    expect((await api(`/api/orders/${ignored}/ignore`, { method: "POST" })).status).toBe(200);
    expect(await level("STK-RES")).toMatchObject({ on_hand: 10, reserved: 2, available: 8 });

    // Invoicing the open order moves the stock out and ends its reservation.
    const processed = await api(`/api/orders/${open}/process`, { method: "POST", json: { type: "invoice", execute: true } });
    expect((await json(processed)).document.status).toBe("executed");
    expect(await level("STK-RES")).toMatchObject({ on_hand: 8, reserved: 0, available: 8 });
    const detail = await json(await api("/api/stock/STK-RES"));
    expect(detail.ledger[0]).toMatchObject({ kind: "document", quantity: -2, document_number: expect.stringMatching(/^INV-/) });
  });
});

describe("stock counts by CSV, and warehouses", () => {
  const upload = (text: string) => api("/api/stock/import", { method: "POST", headers: { "content-type": "text/csv" }, body: text });

  it("refuses a file with any bad row, naming the rows, and writes nothing", async () => {
    await product("CSV-A");
    const response = await upload("sku,on_hand\nCSV-A,4\nCSV-UNKNOWN,1\nCSV-A,-2\n");
    expect(response.status).toBe(400);
    const { error } = await json(response);
    expect(error.problems).toEqual([
      { field: "row 3: sku", message: 'no product has SKU "CSV-UNKNOWN"' },
      { field: "row 4: on_hand", message: "must be a number, 0 or more" },
      { field: "row 4: sku", message: '"CSV-A" is counted twice for warehouse main' },
    ]);
    expect((await level("CSV-A")).on_hand).toBe(0);
  });

  it("counts per warehouse; only the default warehouse carries reservations", async () => {
    await product("CSV-B");
    expect((await api("/api/warehouses", { method: "POST", json: { id: "riga", name: "Rīga store room" } })).status).toBe(201);
    expect((await api("/api/warehouses", { method: "POST", json: { id: "riga", name: "again" } })).status).toBe(409);
    const response = await upload("\uFEFFSKU,On_Hand,Warehouse\r\nCSV-B,6,\r\nCSV-B,2.5,riga\r\n");
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual({ counted: 2 });
    expect(await level("CSV-B")).toMatchObject({ on_hand: 6, available: 6 });
    expect(await level("CSV-B", "riga")).toMatchObject({ on_hand: 2.5, reserved: 0, available: 2.5 });
    const { items } = await json(await api("/api/warehouses"));
    expect(items).toEqual(expect.arrayContaining([{ id: "main", name: "Main warehouse" }, { id: "riga", name: "Rīga store room" }]));
  });

  it("lists stock by SKU, page by page", async () => {
    for (const sku of ["PAGE-1", "PAGE-2", "PAGE-3"]) await product(sku);
    const first = await json(await api("/api/stock?limit=2&cursor=PAGE-"));
    expect(first.items.map((item: any) => item.sku)).toEqual(["PAGE-1", "PAGE-2"]);
    const second = await json(await api(`/api/stock?limit=2&cursor=${first.next_cursor}`));
    expect(second.items[0].sku).toBe("PAGE-3");
  });
});
