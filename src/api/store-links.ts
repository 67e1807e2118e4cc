/**
 * /api/channels/:id/… for channels linked to their store's API: sweeps (reconciliation), connecting
 * (WooCommerce Premium: the inbox installs its webhooks; Mozello: it registers for notifications)
 * and, for WooCommerce Premium, testing the connection.
 */
import { eq } from "drizzle-orm";
import { Hono } from "hono";
import { openSecret } from "../channels/channel-secrets";
import { openCredentials } from "../channels/channel-settings";
import { reconcilerFor } from "../channels/registry";
import { createMozelloClient } from "../channels/mozello/mozello-api";
import { MOZELLO_API } from "../channels/mozello/mozello-settings";
import type { ChannelType } from "../channels/types";
import { createWooClient } from "../channels/woocommerce/woocommerce-api";
import { installWebhooks, testConnection } from "../channels/woocommerce/woocommerce-connect";
import { wooReconciler } from "../channels/woocommerce/woocommerce-reconcile";
import type { AppEnv, Services } from "../context";
import { channels, type ChannelRow } from "../db/schema";
import { reconcileChannel } from "../queue/messages";
import { AppError } from "../lib/errors";
import { loadChannel, originOf } from "./channels";
import { isoTime } from "./validate";

function runJson(run: Record<string, unknown>) {
  return {
    id: run.id,
    started_at: isoTime(run.started_at as number),
    finished_at: isoTime(run.finished_at as number | null),
    window_from: isoTime(run.window_from as number),
    status: run.status,
    pages: run.pages,
    requests: run.requests,
    orders_seen: run.orders_seen,
    orders_created: run.orders_created,
    orders_updated: run.orders_updated,
    error: run.error,
  };
}

/** The REST client of a WooCommerce Premium channel that holds its store URL and API keys. */
async function wooClientFor(services: Services, row: ChannelRow) {
  const settings = JSON.parse(row.settings) as Record<string, unknown>;
  if (row.type !== "woocommerce-premium" || row.status !== "active" || !wooReconciler.canReconcile(settings, JSON.parse(row.credentialKeys))) {
    throw new AppError("conflict", "This needs an active WooCommerce Premium channel with its store URL, consumer key and consumer secret");
  }
  const credentials = await openCredentials(row.sealedSettings, services.config.SETTINGS_KEY);
  return createWooClient({
    storeUrl: String(settings.store_url),
    consumerKey: credentials.consumer_key,
    consumerSecret: credentials.consumer_secret,
    fetch: services.fetch,
  });
}

/** Queues a sweep of the channel's store now. */
export async function queueReconciliation(services: Services, id: string): Promise<void> {
  const { row } = await loadChannel(services.db, id);
  const reconciler = reconcilerFor(row.type as ChannelType);
  if (row.status !== "active" || !reconciler?.canReconcile(JSON.parse(row.settings), JSON.parse(row.credentialKeys))) {
    throw new AppError("conflict", "This channel cannot be reconciled: it needs to be active and to hold the store's API credentials");
  }
  await services.queue.send(reconcileChannel(row.id));
}

/** The last sweeps of a channel, and how many of its orders only a sweep found (their webhook never came). */
export async function reconciliationSummary(d1: D1Database, channelId: string) {
  const [runs, counts] = await d1.batch([
    d1.prepare("SELECT * FROM reconciliation_runs WHERE channel_id = ?1 ORDER BY started_at DESC LIMIT 20").bind(channelId),
    // An order counts as seen by webhook once any delivery of it arrived, before or after a sweep found it.
    d1
      .prepare(
        `SELECT count(*) AS total,
                sum(EXISTS (SELECT 1 FROM order_events e WHERE e.order_id = o.id AND e.origin = 'delivery')) AS by_webhook
         FROM orders o WHERE o.channel_id = ?1`,
      )
      .bind(channelId),
  ]);
  const { total, by_webhook: byWebhook } = counts.results[0] as { total: number; by_webhook: number | null };
  return {
    orders: { total, seen_by_webhook: byWebhook ?? 0, found_only_by_reconciliation: total - (byWebhook ?? 0) },
    runs: (runs.results as Array<Record<string, unknown>>).map(runJson),
  };
}

/**
 * Links the channel to its store: WooCommerce Premium gets its webhooks installed, Mozello
 * registers the channel URI for notifications. `origin` is the inbox's, for the channel URI.
 */
export async function connectStore(services: Services, id: string, origin: string) {
  const { row, secrets } = await loadChannel(services.db, id);
  const uri = `${origin}/in/${row.token}`;
  const secret = await openSecret(secrets.filter((entry) => entry.revokedAt === null).at(-1)!.secret, services.config.SETTINGS_KEY);
  const storeRefused = (error: Error): never => {
    throw new AppError("store_error", `The store refused: ${error.message}`, { cause: error });
  };

  if (row.type === "mozello" && row.status === "active") {
    // Mozello signs notifications with the API key, which is the channel's secret.
    const settings = JSON.parse(row.settings) as { api_url?: string };
    const client = createMozelloClient({ apiKey: secret, baseUrl: settings.api_url ?? MOZELLO_API, fetch: services.fetch });
    await client.registerNotifications(uri).catch(storeRefused);
    return { notifications: await client.notifications().catch(storeRefused) };
  }
  const client = await wooClientFor(services, row);
  const { created, health } = await installWebhooks(client, uri, secret).catch(storeRefused);
  await services.db.update(channels).set({ health: JSON.stringify(health) }).where(eq(channels.id, row.id));
  return { created: created.map((webhook) => ({ id: webhook.id, topic: webhook.topic })), health };
}

/** Checks a WooCommerce Premium channel's keys against its store. */
export async function testStoreConnection(services: Services, id: string) {
  const { row } = await loadChannel(services.db, id);
  return testConnection(await wooClientFor(services, row), row.token);
}

export const storeLinkRoutes = new Hono<AppEnv>()
  .post("/:id/reconcile", async (c) => {
    await queueReconciliation(c.var.services, c.req.param("id"));
    return c.json({ queued: true }, 202);
  })

  .get("/:id/reconciliation", async (c) => {
    const { row } = await loadChannel(c.var.services.db, c.req.param("id"));
    return c.json(await reconciliationSummary(c.var.services.d1, row.id));
  })

  .post("/:id/connect", async (c) => c.json(await connectStore(c.var.services, c.req.param("id"), originOf(c.req.url))))

  .post("/:id/test-connection", async (c) => c.json(await testStoreConnection(c.var.services, c.req.param("id"))));
