/**
 * WooCommerce Premium's link to the store: the inbox creates its own webhooks through the REST
 * API (no copy-paste), and keeps them on: WooCommerce disables a webhook after repeated failed
 * deliveries and never replays what it missed, so each sweep re-activates ours and reconciles.
 */
import type { ChannelHealth, ConnectionTest, StoreLink } from "../types";
import { wooClientOf, type WooClient, type WooWebhook } from "./woocommerce-api";
import { holdsRestApiKeys, type WooPremiumSettings } from "./woocommerce-settings";

export const WEBHOOK_TOPICS = ["order.created", "order.updated", "order.deleted", "order.restored"] as const;

const ours = (webhook: WooWebhook, token: string) => webhook.delivery_url.endsWith(`/in/${token}`);

/** Creates the webhooks the channel lacks and switches back on any that are off. Idempotent. */
export async function installWebhooks(client: WooClient, uri: string, secret: string): Promise<{ created: WooWebhook[]; health: ChannelHealth }> {
  const token = uri.split("/in/")[1];
  const existing = (await client.webhooks()).filter((webhook) => ours(webhook, token));
  const created: WooWebhook[] = [];
  for (const topic of WEBHOOK_TOPICS) {
    if (!existing.some((webhook) => webhook.topic === topic)) {
      created.push(await client.createWebhook({ name: `Sales Inbox: ${topic}`, topic, delivery_url: uri, secret }));
    }
  }
  const health = await reactivateWebhooks(client, token);
  return { created, health };
}

export async function reactivateWebhooks(client: WooClient, token: string): Promise<ChannelHealth> {
  const webhooks = (await client.webhooks()).filter((webhook) => ours(webhook, token));
  const reactivated: ChannelHealth["reactivated"] = [];
  const current: ChannelHealth["webhooks"] = [];
  for (const webhook of webhooks) {
    if (webhook.status !== "active") {
      const updated = await client.activateWebhook(webhook.id);
      reactivated.push({ id: webhook.id, topic: webhook.topic });
      current.push({ id: updated.id, topic: updated.topic, status: updated.status });
    } else {
      current.push({ id: webhook.id, topic: webhook.topic, status: webhook.status });
    }
  }
  return { checked_at: new Date().toISOString(), webhooks: current, reactivated };
}

/** What works with the store's credentials: the API, stock management, our webhooks. */
export async function testConnection(client: WooClient, token: string): Promise<ConnectionTest> {
  try {
    const [stockManagement, webhooks] = await Promise.all([client.stockManagementEnabled(), client.webhooks()]);
    const mine = webhooks.filter((webhook) => ours(webhook, token));
    return {
      auth: { ok: true },
      stock_management: stockManagement ? "enabled" : "disabled",
      webhooks: WEBHOOK_TOPICS.map((topic) => ({ topic, status: mine.find((webhook) => webhook.topic === topic)?.status ?? "missing" })),
    };
  } catch (error) {
    return { auth: { ok: false, error: (error as Error).message }, stock_management: "unknown", webhooks: [] };
  }
}

/** "Connect to the store": the inbox installs its webhooks, signed with the channel's newest secret. */
export const wooStoreLink: StoreLink<WooPremiumSettings> = {
  cannotConnect: (settings, credentialKeys) =>
    holdsRestApiKeys(settings, credentialKeys) ? null : "This needs an active WooCommerce Premium channel with its store URL, consumer key and consumer secret",
  async connect(source, uri) {
    const { created, health } = await installWebhooks(wooClientOf(source), uri, source.signingSecret ?? "");
    return { created: created.map((webhook) => ({ id: webhook.id, topic: webhook.topic })), health };
  },
  testConnection: (source, token) => testConnection(wooClientOf(source), token),
};
