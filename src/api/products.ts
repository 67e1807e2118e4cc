/**
 * /api/products — products by SKU, what document lines refer to. Entered one at a time as JSON, or
 * many at once from a CSV file (POST /import) that upserts by SKU (see catalog/product-import.ts).
 * A product that appears under a SKU some held order waits for sends that order back to processing.
 */
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../context";
import { findProductPage } from "../catalog/catalog-store";
import { productJson } from "../catalog/catalog-wire";
import { importProducts, MAX_IMPORT_BYTES, planImport } from "../catalog/product-import";
import { changeProduct, createProduct, loadProduct, productCreateSchema, productUpdateSchema } from "../catalog/products";
import { recheckOrdersWaitingFor } from "../documents/recheck";
import { readCsvUpload } from "./csv-upload";
import { searchListQuery } from "./search-query";
import { parseJsonBody, parseQuery } from "./validate";


export const productImportResultSchema = z
  .object({
    created: z.number().int().meta({ description: "Rows whose SKU was new" }),
    updated: z.number().int().meta({ description: "Rows whose SKU existed: its product took the file's values" }),
  })
  .meta({ id: "ProductImportResult" });

export const productListQuery = searchListQuery("the SKU or the name");

export const productRoutes = new Hono<AppEnv>()
  .get("/", async (c) => {
    const result = await findProductPage(c.var.services.db, parseQuery(c, productListQuery));
    return c.json({ items: result.items.map(productJson), next_cursor: result.next_cursor });
  })

  .get("/:id", async (c) => c.json(productJson(await loadProduct(c.var.services.db, c.req.param("id")))))

  .post("/", async (c) => {
    const input = await parseJsonBody(c, productCreateSchema);
    const row = await createProduct(c.var.services.db, input, c.var.services.now);
    await recheckOrdersWaitingFor(c.var.services, [row.sku]);
    return c.json(productJson(row), 201);
  })

  .post("/import", async (c) => {
    const plan = planImport(await readCsvUpload(c, MAX_IMPORT_BYTES));
    const written = await importProducts(c.var.services.d1, plan, c.var.services.now());
    await recheckOrdersWaitingFor(c.var.services, plan.rows.map((row) => row.sku));
    return c.json(written);
  })

  .patch("/:id", async (c) => {
    const input = await parseJsonBody(c, productUpdateSchema);
    const { product, skuChanged } = await changeProduct(c.var.services.db, c.req.param("id"), input, c.var.services.now);
    if (skuChanged) await recheckOrdersWaitingFor(c.var.services, [product.sku]);
    return c.json(productJson(product));
  });
