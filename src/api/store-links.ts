/**
 * /api/channels/:id/… for channels linked to their store's API: sweeps (reconciliation), connecting
 * (WooCommerce Premium: the inbox installs its webhooks; Mozello: it registers for notifications)
 * and, for WooCommerce Premium, testing the connection.
 */
import { Hono } from "hono";
import { loadChannel } from "../channels/channel-store";
import { connectStore, queueReconciliation, reconciliationSummary, testStoreConnection } from "../channels/store-link";
import type { AppEnv } from "../context";
import { originOf } from "./channels";

export const storeLinkRoutes = new Hono<AppEnv>()
  .post("/:id/reconcile", async (c) => {
    await queueReconciliation(c.var.services, c.req.param("id"));
    return c.json({ queued: true }, 202);
  })

  .get("/:id/reconciliation", async (c) => {
    const { row } = await loadChannel(c.var.services.db, c.req.param("id"));
    return c.json(await reconciliationSummary(c.var.services.d1, row.id));
  })

  // `{"force": true}` (or ?force=true): replace a notification URL another app set in the store.
  .post("/:id/connect", async (c) => {
    const body = (await c.req.json().catch(() => null)) as { force?: unknown } | null;
    const force = body?.force === true || c.req.query("force") === "true";
    return c.json(await connectStore(c.var.services, c.req.param("id"), originOf(c.req.url), { force }));
  })

  .post("/:id/test-connection", async (c) => c.json(await testStoreConnection(c.var.services, c.req.param("id"))));
