/**
 * A channel's link to its store's API, as the merchant works it: sweep the store now
 * (reconciliation) and see what sweeps found, connect the store to the channel (the platform's
 * StoreLink does the talking), and test the connection.
 */
import { isoTime } from "../lib/iso-time";
import type { Services } from "../context";
import { AppError } from "../lib/errors";
import { countOrdersSeenByWebhook } from "../orders/order-store";
import { reconcileChannel } from "../queue/messages";
import { openSecret } from "./channel-secrets";
import { openCredentials } from "./channel-settings";
import { channelUri } from "./channel-admin";
import { loadChannel, recentReconciliationRuns, saveChannelChanges, type ChannelWithSecrets, type ReconciliationRunRecord } from "./channel-store";
import { reconcilerFor, storeLinkFor } from "./registry";
import type { ChannelSource, ChannelType, ConnectionTest, StoreConnection, StoreLink } from "./types";

/** What a channel without a link to its store (or not active) answers to connect and test-connection. */
const NO_STORE_LINK = "This needs an active WooCommerce Premium channel with its store URL, consumer key and consumer secret";

/** Queues a sweep of the channel's store now. */
export async function queueReconciliation(services: Services, id: string): Promise<void> {
  const { row } = await loadChannel(services.db, id);
  const reconciler = reconcilerFor(row.type as ChannelType);
  if (row.status !== "active" || !reconciler?.canReconcile(JSON.parse(row.settings), JSON.parse(row.credentialKeys))) {
    throw new AppError("conflict", "This channel cannot be reconciled: it needs to be active and to hold the store's API credentials");
  }
  await services.queue.send(reconcileChannel(row.id));
}



function runJson(run: ReconciliationRunRecord) {
  return {
    id: run.id,
    started_at: isoTime(run.started_at),
    finished_at: isoTime(run.finished_at),
    window_from: isoTime(run.window_from),
    status: run.status,
    pages: run.pages,
    requests: run.requests,
    orders_seen: run.orders_seen,
    orders_created: run.orders_created,
    orders_updated: run.orders_updated,
    error: run.error,
  };
}

/** The last sweeps of a channel, and how many of its orders only a sweep found (their webhook never came). */
export async function reconciliationSummary(d1: D1Database, channelId: string) {
  const [runs, { total, byWebhook }] = await Promise.all([recentReconciliationRuns(d1, channelId), countOrdersSeenByWebhook(d1, channelId)]);
  return {
    orders: { total, seen_by_webhook: byWebhook, found_only_by_reconciliation: total - byWebhook },
    runs: runs.map(runJson),
  };
}

/** The channel's store link with what it works with, when the channel is active and holds what the link needs. */
async function linkedStore(services: Services, { row, secrets }: ChannelWithSecrets): Promise<{ link: StoreLink; source: ChannelSource }> {
  const link = storeLinkFor(row.type as ChannelType);
  const settings = JSON.parse(row.settings) as Record<string, unknown>;
  if (!link || row.status !== "active") throw new AppError("conflict", NO_STORE_LINK);
  const cannot = link.cannotConnect(settings, JSON.parse(row.credentialKeys) as string[]);
  if (cannot) throw new AppError("conflict", cannot);
  const newest = secrets.filter((entry) => entry.revokedAt === null).at(-1);
  const { SETTINGS_KEY } = services.config;
  return {
    link,
    source: {
      settings,
      credentials: await openCredentials(row.sealedSettings, SETTINGS_KEY),
      signingSecret: newest ? await openSecret(newest.secret, SETTINGS_KEY) : null,
      fetch: services.fetch,
      now: services.now(),
    },
  };
}

/**
 * Links the channel to its store: WooCommerce Premium gets its webhooks installed, Mozello
 * registers the channel URI for notifications. `origin` is the inbox's, for the channel URI.
 */
export async function connectStore(services: Services, id: string, origin: string, options: { force?: boolean } = {}): Promise<StoreConnection> {
  const channel = await loadChannel(services.db, id);
  const { link, source } = await linkedStore(services, channel);
  const { row } = channel;
  const connection = await link.connect(source, channelUri(origin, row.token), options).catch((error: Error) => {
    // The link's own refusal (another app's notification URL) is the inbox's answer, not the store's.
    if (error instanceof AppError) throw error;
    throw new AppError("store_error", `The store refused: ${error.message}`, { cause: error });
  });
  if ("health" in connection) await saveChannelChanges(services.db, row.id, { health: JSON.stringify(connection.health) });
  return connection;
}

/** Checks a channel's credentials against its store (WooCommerce Premium). */
export async function testStoreConnection(services: Services, id: string): Promise<ConnectionTest> {
  const channel = await loadChannel(services.db, id);
  const { link, source } = await linkedStore(services, channel);
  if (!link.testConnection) throw new AppError("conflict", NO_STORE_LINK);
  return link.testConnection(source, channel.row.token);
}
