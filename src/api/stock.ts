/**
 * /api/stock and /api/warehouses: what is on hand, reserved and available per product and
 * warehouse, a product's stock ledger, and setting stock by hand or by a CSV count.
 */
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../context";
import { AppError, summarizeProblems, type FieldProblem } from "../lib/errors";
import { CsvError, parseCsv } from "../lib/csv";
import { DEFAULT_WAREHOUSE, ledger, setOnHandStatement, stockLevels, type StockLevel } from "../stock/balances";
import { readCsvUpload } from "./csv-upload";
import { isoTime, parseJsonBody, parseQuery } from "./validate";

const MAX_STOCK_ROWS = 10_000;
const MAX_STOCK_BYTES = 2 * 1024 * 1024;
const STATEMENTS_PER_BATCH = 100;

const quantity = z.number().finite().min(0, "must not be negative").max(1e12);

export const stockSetSchema = z
  .strictObject({
    on_hand: quantity.meta({ description: "What is on hand now; the ledger records the change" }),
    warehouse: z.string().trim().min(1).max(64).default(DEFAULT_WAREHOUSE),
    reason: z.string().trim().min(1).max(500).default("set by hand"),
  })
  .meta({ id: "StockSet" });

export const stockLevelSchema = z
  .object({ sku: z.string(), product_id: z.string(), warehouse: z.string(), on_hand: z.number(), reserved: z.number(), available: z.number() })
  .meta({ id: "StockLevel" });

export const stockListQuery = z.object({
  sku: z.string().optional(),
  cursor: z.string().optional().meta({ description: "The last SKU of the previous page" }),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

const levelJson = (level: StockLevel) => ({
  sku: level.sku,
  product_id: level.productId,
  warehouse: level.warehouseId,
  on_hand: level.onHand,
  reserved: level.reserved,
  available: level.available,
});

async function productBySku(d1: D1Database, sku: string): Promise<string> {
  const id = await d1.prepare("SELECT id FROM products WHERE sku = ?1").bind(sku).first<string>("id");
  if (!id) throw new AppError("not_found", `No product has SKU "${sku}"`);
  return id;
}

async function knownWarehouses(d1: D1Database): Promise<Set<string>> {
  const { results } = await d1.prepare("SELECT id FROM warehouses").all<{ id: string }>();
  return new Set(results.map((row) => row.id));
}

export const stockRoutes = new Hono<AppEnv>()
  .get("/", async (c) => {
    const query = parseQuery(c, stockListQuery);
    const { d1 } = c.var.services;
    if (query.sku) return c.json({ items: (await stockLevels(d1, [query.sku])).map(levelJson), next_cursor: null });
    const { results } = await d1
      .prepare("SELECT sku FROM products WHERE sku > ?1 ORDER BY sku LIMIT ?2")
      .bind(query.cursor ?? "", query.limit + 1)
      .all<{ sku: string }>();
    const skus = results.slice(0, query.limit).map((row) => row.sku);
    const levels = skus.length ? await stockLevels(d1, skus) : [];
    return c.json({ items: levels.map(levelJson), next_cursor: results.length > query.limit ? skus.at(-1)! : null });
  })

  .get("/:sku", async (c) => {
    const { d1 } = c.var.services;
    const sku = c.req.param("sku");
    const productId = await productBySku(d1, sku);
    const entries = await ledger(d1, productId, 100);
    const { results: pushed } = await d1
      .prepare(
        `SELECT p.channel_id, c.name AS channel_name, p.quantity, p.pushed_at FROM stock_pushed p JOIN channels c ON c.id = p.channel_id
         WHERE p.sku = ?1 ORDER BY c.name`,
      )
      .bind(sku)
      .all<{ channel_id: string; channel_name: string; quantity: number; pushed_at: number }>();
    return c.json({
      sku,
      product_id: productId,
      levels: (await stockLevels(d1, [sku])).map(levelJson),
      // What each store last accepted for this SKU.
      pushed: pushed.map((row) => ({ channel_id: row.channel_id, channel_name: row.channel_name, quantity: row.quantity, pushed_at: isoTime(row.pushed_at) })),
      ledger: entries.map((entry) => ({
        kind: entry.kind,
        warehouse: entry.warehouseId,
        quantity: entry.quantity,
        at: isoTime(entry.at)!,
        document_id: entry.documentId,
        document_number: entry.documentNumber,
        reason: entry.reason,
        counted_on_hand: entry.countedOnHand,
      })),
    });
  })

  .put("/:sku", async (c) => {
    const input = await parseJsonBody(c, stockSetSchema);
    const { d1, now } = c.var.services;
    const sku = c.req.param("sku");
    const productId = await productBySku(d1, sku);
    if (!(await knownWarehouses(d1)).has(input.warehouse)) throw new AppError("validation_failed", `warehouse: no warehouse "${input.warehouse}"`);
    await setOnHandStatement(d1, { productId, warehouseId: input.warehouse, onHand: input.on_hand, reason: input.reason }, now()).run();
    return c.json({ items: (await stockLevels(d1, [sku])).map(levelJson) });
  })

  /** A count as CSV: `sku,on_hand[,warehouse]`. Checked whole before anything is written. */
  .post("/import", async (c) => {
    const { d1, now } = c.var.services;
    const text = await readCsvUpload(c, MAX_STOCK_BYTES);
    let records: string[][];
    try {
      records = parseCsv(text);
    } catch (error) {
      if (error instanceof CsvError) throw new AppError("validation_failed", error.message);
      throw error;
    }
    const [header = [], ...rows] = records;
    const columns = header.map((name) => name.trim().toLowerCase());
    const at = (name: string) => columns.indexOf(name);
    if (at("sku") < 0 || at("on_hand") < 0) throw new AppError("validation_failed", "The header must name the columns sku and on_hand (and may name warehouse)");
    if (rows.length > MAX_STOCK_ROWS) throw new AppError("payload_too_large", `At most ${MAX_STOCK_ROWS} rows a file`);

    const { results: products } = await d1.prepare("SELECT id, sku FROM products").all<{ id: string; sku: string }>();
    const bySku = new Map(products.map((row) => [row.sku, row.id]));
    const warehouses = await knownWarehouses(d1);
    const problems: FieldProblem[] = [];
    const seen = new Set<string>();
    const plan: Array<{ productId: string; warehouseId: string; onHand: number }> = [];
    rows.forEach((cells, index) => {
      if (cells.every((cell) => cell.trim() === "")) return;
      const row = `row ${index + 2}`;
      const sku = (cells[at("sku")] ?? "").trim();
      const raw = (cells[at("on_hand")] ?? "").trim();
      const warehouse = at("warehouse") >= 0 && (cells[at("warehouse")] ?? "").trim() ? cells[at("warehouse")].trim() : DEFAULT_WAREHOUSE;
      const onHand = Number(raw);
      const productId = bySku.get(sku);
      if (!productId) problems.push({ field: `${row}: sku`, message: `no product has SKU "${sku}"` });
      if (raw === "" || !Number.isFinite(onHand) || onHand < 0) problems.push({ field: `${row}: on_hand`, message: "must be a number, 0 or more" });
      if (!warehouses.has(warehouse)) problems.push({ field: `${row}: warehouse`, message: `no warehouse "${warehouse}"` });
      const key = `${sku}\u0000${warehouse}`;
      if (seen.has(key)) problems.push({ field: `${row}: sku`, message: `"${sku}" is counted twice for warehouse ${warehouse}` });
      seen.add(key);
      if (productId) plan.push({ productId, warehouseId: warehouse, onHand });
    });
    if (problems.length) throw new AppError("validation_failed", summarizeProblems(problems), { problems: problems.slice(0, 100) });

    const time = now();
    const statements = plan.map((entry) => setOnHandStatement(d1, { ...entry, reason: "CSV count" }, time));
    for (let start = 0; start < statements.length; start += STATEMENTS_PER_BATCH) {
      await d1.batch(statements.slice(start, start + STATEMENTS_PER_BATCH));
    }
    return c.json({ counted: plan.length });
  });

export const warehouseCreateSchema = z
  .strictObject({ id: z.string().trim().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, "must be lower-case letters, digits and dashes"), name: z.string().trim().min(1).max(200) })
  .meta({ id: "WarehouseCreate" });

export const warehouseRoutes = new Hono<AppEnv>()
  .get("/", async (c) => {
    const { results } = await c.var.services.d1.prepare("SELECT id, name FROM warehouses ORDER BY created_at, id").all<{ id: string; name: string }>();
    return c.json({ items: results });
  })
  .post("/", async (c) => {
    const input = await parseJsonBody(c, warehouseCreateSchema);
    const result = await c.var.services.d1
      .prepare("INSERT INTO warehouses (id, name, created_at) VALUES (?1, ?2, ?3) ON CONFLICT (id) DO NOTHING")
      .bind(input.id, input.name, c.var.services.now())
      .run();
    if (!result.meta.changes) throw new AppError("conflict", `A warehouse "${input.id}" exists already`);
    return c.json(input, 201);
  });
