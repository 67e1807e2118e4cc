/** /api/deliveries — every request a channel URI received, with its outcome and reason. */
import { Hono } from "hono";
import type { AppEnv } from "../context";
import { confirmAgain } from "../inbound/confirm-delivery";
import { loadDeliveryWithBody } from "../inbound/delivery-log";
import { findDeliveries } from "../inbound/delivery-store";
import { deliveryListQuery, deliverySummary } from "../inbound/delivery-wire";
import { parseQuery } from "./validate";

export const deliveryRoutes = new Hono<AppEnv>()
  .get("/", async (c) => {
    const result = await findDeliveries(c.var.services.db, parseQuery(c, deliveryListQuery));
    return c.json({ items: result.items.map(deliverySummary), next_cursor: result.next_cursor });
  })

  .get("/:id", async (c) => {
    const { row, body, archived } = await loadDeliveryWithBody(c.var.services, c.req.param("id"));
    return c.json({ ...deliverySummary(row), body, body_archived: archived });
  })

  .post("/:id/confirm", async (c) => c.json(deliverySummary(await confirmAgain(c.var.services, c.req.param("id"))), 202));
