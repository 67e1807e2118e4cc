/**
 * The channel end of a stock sync: whether a channel can push stock now, the source its pusher
 * talks to the store with, and the channel's stock-sync settings (read and changed).
 */
import { openSecret } from "../channels/channel-secrets";
import { openCredentials } from "../channels/channel-settings";
import { findChannel, findNewestActiveSecret, saveStockSyncSettings } from "../channels/channel-store";
import { stockPusherFor } from "../channels/registry";
import type { ChannelSource } from "../channels/types";
import type { ChannelType } from "../channels/types";
import type { Services } from "../context";
import type { ChannelRow, StockSyncRow } from "../db/schema";
import { AppError } from "../lib/errors";
import { validate } from "../lib/validate";
import { findStockSync } from "./stock-store";
import { readStockSyncSettings, stockSyncSettingsInput, stockSyncSettingsSchema } from "./sync-settings";

/** Why this channel cannot push stock now, or null when it can. */
export function cannotSync(channel: Pick<ChannelRow, "type" | "status" | "settings" | "credentialKeys">): string | null {
  const pusher = stockPusherFor(channel.type as ChannelType);
  if (!pusher) return `A ${channel.type} channel does not sync stock (WooCommerce Premium, Mozello and Shopify do)`;
  if (channel.status !== "active") return "The channel is not active";
  return pusher.cannotPush(JSON.parse(channel.settings) as Record<string, unknown>, JSON.parse(channel.credentialKeys) as string[]);
}

/** A channel that is not deleted, or not_found. */
export async function liveChannel(services: Services, id: string): Promise<ChannelRow> {
  const row = await findChannel(services.db, id);
  if (!row) throw new AppError("not_found", `No channel ${id}`);
  if (row.status === "deleted") throw new AppError("not_found", `Channel ${row.id} is deleted`);
  return row;
}

/** One of the channel's runs, or not_found. */
export async function stockSyncOfChannel(services: Services, channel: ChannelRow, syncId: string): Promise<StockSyncRow> {
  const run = await findStockSync(services.db, syncId);
  if (!run || run.channelId !== channel.id) throw new AppError("not_found", `No stock sync ${syncId} for this channel`);
  return run;
}

/** What the channel's pusher needs to reach its store: settings, opened credentials and signing secret, the step's fetch. */
export async function stockSourceFor(services: Services, channel: ChannelRow, fetchImpl: typeof fetch, now: number): Promise<ChannelSource> {
  const credentials = await openCredentials(channel.sealedSettings, services.config.SETTINGS_KEY);
  const secret = await findNewestActiveSecret(services.d1, channel.id);
  return {
    settings: JSON.parse(channel.settings) as Record<string, unknown>,
    credentials,
    signingSecret: secret ? await openSecret(secret, services.config.SETTINGS_KEY) : null,
    fetch: fetchImpl,
    now,
  };
}


export const stockSyncSettingsBody = stockSyncSettingsInput.meta({ id: "StockSyncSettings" });

/** A channel's stock-sync settings, and why it cannot sync (null when it can). */
export const stockSyncSettingsView = (row: ChannelRow) => ({ ...readStockSyncSettings(row.stockSync), cannot_sync: cannotSync(row) });

export const stockSyncSettingsOf = async (services: Services, channelId: string) => stockSyncSettingsView(await liveChannel(services, channelId));

/** Changes the settings it is given; the rest keep their values. A schedule needs a channel that can push. */
export async function updateStockSyncSettings(services: Services, channelId: string, body: unknown) {
  const row = await liveChannel(services, channelId);
  const changes = validate(stockSyncSettingsBody, body);
  const why = cannotSync(row);
  if (changes.schedule && why) throw new AppError("stock_sync_unavailable", `A schedule needs a channel that can push stock: ${why}`);
  const next = stockSyncSettingsSchema.parse({ ...readStockSyncSettings(row.stockSync), ...changes });
  await saveStockSyncSettings(services.db, row.id, next, services.now());
  return { ...next, cannot_sync: why };
}
