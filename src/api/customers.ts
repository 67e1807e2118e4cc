/**
 * /api/customers — the merchant's customers: found from orders or entered by hand, for documents
 * made by hand. Newest first; `q` finds a customer by name, e-mail, VAT number or company.
 */
import { Hono } from "hono";
import type { AppEnv } from "../context";
import { findCustomers } from "../catalog/catalog-store";
import { customerJson } from "../catalog/catalog-wire";
import { changeCustomer, createCustomer, customerCreateSchema, customerUpdateSchema, loadCustomer } from "../catalog/customers";
import { searchListQuery } from "./search-query";
import { parseJsonBody, parseQuery } from "./validate";


export const customerListQuery = searchListQuery("the name, e-mail, VAT number or company");

export const customerRoutes = new Hono<AppEnv>()
  .get("/", async (c) => {
    const result = await findCustomers(c.var.services.db, parseQuery(c, customerListQuery));
    return c.json({ items: result.items.map(customerJson), next_cursor: result.next_cursor });
  })

  .get("/:id", async (c) => c.json(customerJson(await loadCustomer(c.var.services.db, c.req.param("id")))))

  .post("/", async (c) => {
    const input = await parseJsonBody(c, customerCreateSchema);
    return c.json(customerJson(await createCustomer(c.var.services.db, input, c.var.services.now())), 201);
  })

  .patch("/:id", async (c) => {
    const input = await parseJsonBody(c, customerUpdateSchema);
    return c.json(customerJson(await changeCustomer(c.var.services.db, c.req.param("id"), input, c.var.services.now)));
  });
