/**
 * Every list of the API at its documented page maximum (issue 14): a full page binds no statement
 * past D1's 100 parameters. One real order makes one row of each kind (order, delivery, customer,
 * product, document, payment); SQL copies it until a full page and more exist.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { drizzle } from "drizzle-orm/d1";
import type { Database } from "../../src/context";
import * as schema from "../../src/db/schema";
import { ordersWaitingForSkus } from "../../src/documents/document-store";
import { orderLabels } from "../../src/orders/order-store";
import { api, createChannel, json, postOrder, sampleOrder, type TestChannel } from "../helpers";

/** `limit` ≤ 200 everywhere (src/db/pagination.ts), ≤ 1000 for a sync's items and what was pushed. */
const PAGE = 200;
const ITEM_PAGE = 1000;
const ALL_ON = { create: "invoice", execute: true, add_payment: true, only_when_paid: true, payment_accounts: { card: "Card clearing" }, default_account: "Bank" };

/**
 * Copies the row where `key` = `value` `count` times in one statement: every column as it is but
 * those in `vary`, whose copies get "-<n>" appended (ids and the table's UNIQUE keys).
 */
async function copyRow(table: string, key: string, value: string, count: number, vary: string[]) {
  const { results } = await env.DB.prepare(`SELECT name FROM pragma_table_info('${table}')`).all<{ name: string }>();
  const columns = results.map((row) => row.name);
  const select = columns.map((column) => (vary.includes(column) ? `t.${column} || '-' || n.i` : `t.${column}`));
  await env.DB.prepare(
    `INSERT INTO ${table} (${columns.join(", ")})
     WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?2)
     SELECT ${select.join(", ")} FROM ${table} t, n WHERE t.${key} = ?1`,
  )
    .bind(value, count)
    .run();
}

/** `count` rows made from one SELECT over a counter `n.i` (1…count). */
async function insertMany(table: string, columns: string, select: string, count: number, ...params: unknown[]) {
  await env.DB.prepare(
    `INSERT INTO ${table} (${columns})
     WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
     SELECT ${select} FROM n`,
  )
    .bind(count, ...params)
    .run();
}

async function fullPage(path: string, size: number, list = "items") {
  const response = await api(path);
  const body = await response.text();
  expect(response.status, `${path}: ${body.slice(0, 300)}`).toBe(200);
  const page = JSON.parse(body);
  expect(page[list], path).toHaveLength(size);
  expect(page.next_cursor, path).toEqual(expect.any(String));
  return page;
}

let channel: TestChannel;
let orderId: string;
let documentId: string;
let syncId: string;
const tag = `LIM${crypto.randomUUID().slice(0, 6).toUpperCase()}`;

beforeAll(async () => {
  channel = await createChannel("Page limits");
  expect((await api(`/api/channels/${channel.id}/automation`, { method: "PUT", json: ALL_ON })).status).toBe(200);
  const sku = `${tag}-1`;
  await env.DB.prepare("INSERT INTO products (id, sku, name, created_at, updated_at) VALUES (?1, ?2, ?3, 0, 0)").bind(`prd_${tag}`, sku, `Product ${sku}`).run();
  const order = sampleOrder({ customer: { name: `Anna ${tag}`, email: `anna+${tag.toLowerCase()}@example.lv` } }) as any;
  order.lines = order.lines.map((line: any) => ({ ...line, sku }));
  const response = await postOrder(channel, JSON.stringify(order));
  expect(response.status).toBeLessThan(300);
  orderId = (await json(response)).order_id;
  const invoice = await vi.waitFor(
    async () => {
      const [document] = (await json(await api(`/api/documents?order_id=${orderId}`))).items;
      expect(document?.status).toBe("executed");
      return document;
    },
    { timeout: 15_000, interval: 150 },
  );
  documentId = invoice.id;
  const payment = await env.DB.prepare("SELECT id FROM payments WHERE document_id = ?1").bind(documentId).first<{ id: string }>();
  const customer = await env.DB.prepare("SELECT customer_id FROM documents WHERE id = ?1").bind(documentId).first<{ customer_id: string }>();

  // A full page and one more of each.
  await copyRow("orders", "id", orderId, PAGE, ["id", "external_id"]);
  await copyRow("deliveries", "order_id", orderId, PAGE, ["id"]);
  await copyRow("documents", "id", documentId, PAGE, ["id", "source_key", "number"]);
  await copyRow("payments", "id", payment!.id, PAGE, ["id", "source_key"]);
  await copyRow("customers", "id", customer!.customer_id, PAGE, ["id"]);
  await copyRow("products", "id", `prd_${tag}`, PAGE, ["id", "sku"]);

  // The channel's stock-sync log: finished runs, one of them with a full page of items, and what was pushed.
  syncId = `ssy_${tag}`;
  await insertMany(
    "stock_syncs",
    "id, channel_id, mode, trigger, warehouse_id, status, requested_at, finished_at, step_due_at",
    "?2 || '-' || n.i, ?3, 'full', 'manual', 'main', 'succeeded', 1000 + n.i, 2000 + n.i, 0",
    PAGE + 1,
    syncId,
    channel.id,
  );
  syncId = `${syncId}-1`;
  await insertMany("stock_sync_items", "sync_id, sku, quantity, status", "?2, ?3 || '-' || printf('%05d', n.i), n.i, 'succeeded'", ITEM_PAGE + 1, syncId, tag);
  await insertMany("stock_pushed", "channel_id, sku, quantity, pushed_at, sync_id", "?2, ?3 || '-' || printf('%05d', n.i), n.i, 2000, ?4", ITEM_PAGE + 1, channel.id, tag, syncId);
}, 30_000);

describe("every list answers a full page at its documented maximum", () => {
  it("orders, deliveries, documents and payments", async () => {
    await fullPage(`/api/orders?limit=${PAGE}&channel_id=${channel.id}`, PAGE);
    await fullPage(`/api/deliveries?limit=${PAGE}&order_id=${orderId}`, PAGE);
    await fullPage(`/api/documents?limit=${PAGE}&channel_id=${channel.id}`, PAGE);
    await fullPage(`/api/payments?limit=${PAGE}&document_id=${documentId}`, PAGE);
  });

  it("customers and products", async () => {
    await fullPage(`/api/customers?limit=${PAGE}&q=${encodeURIComponent(`Anna ${tag}`)}`, PAGE);
    await fullPage(`/api/products?limit=${PAGE}&q=${tag}`, PAGE);
  });

  it("stock: a page of 200 SKUs reads their levels in one statement within D1's 100 parameters", async () => {
    const page = await fullPage(`/api/stock?limit=${PAGE}`, PAGE);
    // Every SKU of the page has its level in the default warehouse (one per SKU: no other warehouse here).
    expect(new Set(page.items.map((item: { sku: string }) => item.sku)).size).toBe(PAGE);
  });

  it("a channel's stock-sync runs, one run's items and what the store last accepted", async () => {
    await fullPage(`/api/channels/${channel.id}/stock-syncs?limit=${PAGE}`, PAGE);
    await fullPage(`/api/channels/${channel.id}/stock-syncs/${syncId}?limit=${ITEM_PAGE}`, ITEM_PAGE, "item_list");
    await fullPage(`/api/channels/${channel.id}/stock-pushed?limit=${ITEM_PAGE}`, ITEM_PAGE);
  });

  it("the lists without paging: channels, warehouses and a channel's sweeps", async () => {
    for (const path of ["/api/channels", "/api/warehouses", `/api/channels/${channel.id}/reconciliation`]) {
      expect((await api(path)).status, path).toBe(200);
    }
  });
});

describe("statements that take a list bind it as one parameter, however long", () => {
  it("names the orders of a list longer than D1's 100 parameters (the inbox's bulk actions)", async () => {
    const db = drizzle(env.DB, { schema }) as unknown as Database;
    const ids = [orderId, ...Array.from({ length: 150 }, (_, index) => `${orderId}-${index + 1}`), "ord_missing"];
    const labels = await orderLabels(db, ids);
    expect(labels.size).toBe(151);
    expect(labels.has("ord_missing")).toBe(false);
  });

  it("finds drafts waiting for any of more SKUs than one statement may bind", async () => {
    const skus = Array.from({ length: 150 }, (_, index) => `${tag}-NONE-${index}`);
    // A draft held for the last of them.
    await env.DB.prepare(
      `INSERT INTO documents (id, type, status, source_key, order_id, currency, subtotal_minor, tax_minor, total_minor, data, problems, created_at, updated_at)
       VALUES ('doc_waiting', 'invoice', 'draft', 'test:waiting', 'ord_waiting', 'EUR', 0, 0, 0, '{}', ?1, 0, 0)`,
    )
      .bind(JSON.stringify([{ code: "unknown_sku", sku: skus[149], message: "no product" }]))
      .run();
    expect(await ordersWaitingForSkus(env.DB, skus)).toEqual(["ord_waiting"]);
  });
});
