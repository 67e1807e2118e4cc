/**
 * /api/stock and /api/warehouses: what is on hand, reserved and available per product and
 * warehouse, a product's stock ledger, and setting stock by hand or by a CSV count.
 */
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../context";
import { stockLevelsPage, stockOfSku, type StockLevel } from "../stock/balances";
import { DEFAULT_WAREHOUSE } from "../stock/stock-store";
import { createWarehouse, importStockCount, setStockOnHand } from "../stock/stock-count";
import { findWarehouses } from "../stock/stock-store";
import { readCsvUpload } from "./csv-upload";
import { isoTime } from "../lib/iso-time";
import { parseJsonBody, parseQuery } from "./validate";

const MAX_STOCK_BYTES = 2 * 1024 * 1024;

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

export const stockRoutes = new Hono<AppEnv>()
  .get("/", async (c) => {
    const page = await stockLevelsPage(c.var.services.d1, parseQuery(c, stockListQuery));
    return c.json({ items: page.items.map(levelJson), next_cursor: page.next_cursor });
  })

  .get("/:sku", async (c) => {
    const sku = c.req.param("sku");
    const stock = await stockOfSku(c.var.services.d1, sku);
    return c.json({
      sku,
      product_id: stock.productId,
      levels: stock.levels.map(levelJson),
      // What each store last accepted for this SKU.
      pushed: stock.pushed.map((row) => ({ channel_id: row.channel_id, channel_name: row.channel_name, quantity: row.quantity, pushed_at: isoTime(row.pushed_at) })),
      ledger: stock.ledger.map((entry) => ({
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
    return c.json({ items: (await setStockOnHand(c.var.services, c.req.param("sku"), input)).map(levelJson) });
  })

  /** A count as CSV: `sku,on_hand[,warehouse]`. Checked whole before anything is written. */
  .post("/import", async (c) => c.json(await importStockCount(c.var.services, await readCsvUpload(c, MAX_STOCK_BYTES))));

export const warehouseCreateSchema = z
  .strictObject({ id: z.string().trim().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, "must be lower-case letters, digits and dashes"), name: z.string().trim().min(1).max(200) })
  .meta({ id: "WarehouseCreate" });

export const warehouseRoutes = new Hono<AppEnv>()
  .get("/", async (c) => c.json({ items: await findWarehouses(c.var.services.db) }))
  .post("/", async (c) => {
    const input = await parseJsonBody(c, warehouseCreateSchema);
    await createWarehouse(c.var.services, input);
    return c.json(input, 201);
  });
