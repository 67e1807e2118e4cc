/**
 * /api/tax-codes — what document lines' VAT is booked under (docs/vat.md). POST /seed adds the
 * default codes for the company's country that are missing; the rest edits one code at a time.
 */
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../context";
import { listTaxCodes } from "../company/tax-code-store";
import { taxCodeCreateSchema, taxCodeUpdateSchema } from "../company/tax-codes";
import { changeTaxCode, createTaxCode, removeTaxCode, seedTaxCodes } from "../company/taxes";
import { parseJsonBody } from "./validate";

export const taxCodeSeedResultSchema = z
  .object({
    created: z.number().int().meta({ description: "Default codes that were missing and are now kept; 0 when seeded already" }),
    items: z.array(z.object({ id: z.string(), code: z.string(), label: z.string(), kind: z.string(), country: z.string(), rate: z.string() })),
  })
  .meta({ id: "TaxCodeSeedResult" });

export const taxCodeRoutes = new Hono<AppEnv>()
  .get("/", async (c) => c.json({ items: await listTaxCodes(c.var.services.d1) }))

  .post("/seed", async (c) => {
    const { created, codes } = await seedTaxCodes(c.var.services.d1, c.var.services.now());
    return c.json({ created, items: codes });
  })

  .post("/", async (c) => {
    const input = await parseJsonBody(c, taxCodeCreateSchema);
    return c.json(await createTaxCode(c.var.services.d1, input, c.var.services.now()), 201);
  })

  .patch("/:id", async (c) => {
    const change = await parseJsonBody(c, taxCodeUpdateSchema);
    return c.json(await changeTaxCode(c.var.services.d1, c.req.param("id"), change, c.var.services.now()));
  })

  .delete("/:id", async (c) => {
    await removeTaxCode(c.var.services.d1, c.req.param("id"));
    return c.body(null, 204);
  });
