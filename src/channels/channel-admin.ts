/**
 * What a merchant does to a channel: create it (its URI and first secret), rename, disable or
 * re-configure it, delete it, add and revoke secrets. The API and the dashboard both validate
 * their input here, against the channel type's own settings, and render what comes back.
 */
import { z } from "zod";
import type { Services } from "../context";
import type { ChannelRow, ChannelSecretRow } from "../db/schema";
import { AppError } from "../lib/errors";
import { newId, newSecret, newToken } from "../lib/ids";
import { validate } from "../lib/validate";
import { hintOf, sealSecret } from "./channel-secrets";
import { mergeSettings } from "./channel-settings";
import { forgetChannel, loadChannel, markSecretRevoked, saveChannelChanges, saveNewChannel, saveSecret, type ChannelWithSecrets } from "./channel-store";
import { adapterFor } from "./registry";
import { CHANNEL_TYPES, type ChannelType } from "./types";

const secretText = z
  .string()
  .trim()
  .min(16, "must be at least 16 characters")
  .max(256)
  .meta({ description: "A signing secret; generated when not given (for Shopify, the signing key the store shows)" });

export const channelCreateSchema = z
  .strictObject({
    type: z.enum(CHANNEL_TYPES),
    name: z.string().trim().min(1, "must not be empty").max(100),
    secret: secretText.optional(),
  })
  .meta({ id: "ChannelCreate", description: "Plus the settings of the channel's type (see the README's channel sections)" });

export const channelUpdateSchema = z
  .strictObject({
    name: z.string().trim().min(1, "must not be empty").max(100).optional(),
    status: z.enum(["active", "disabled"]).optional(),
  })
  .meta({ id: "ChannelUpdate", description: "Plus the settings of the channel's type; a credential set to null is removed" });

export const secretCreateSchema = z.strictObject({ secret: secretText.optional() }).meta({ id: "SecretCreate" });

/** The address the merchant pastes into the store. */
export const channelUri = (origin: string, token: string): string => `${origin}/in/${token}`;


async function secretRow(channelId: string, whole: string, at: number, settingsKey: string | undefined): Promise<ChannelSecretRow> {
  return { id: newId("sec", at), channelId, secret: await sealSecret(whole, settingsKey), hint: hintOf(whole), createdAt: at, revokedAt: null };
}

/**
 * Creates a channel from a body like POST /api/channels takes (type, name, secret?, the type's
 * settings); returns the row, its first secret and that secret whole (shown this once).
 */
export async function createChannel(services: Services, body: unknown): Promise<{ row: ChannelRow; secret: ChannelSecretRow; whole: string }> {
  const { type } = validate(z.object({ type: channelCreateSchema.shape.type }), body);
  const adapter = adapterFor(type);
  if (!adapter) {
    throw new AppError("channel_type_not_available", `The ${type} channel is not available yet: its adapter has not been built`);
  }
  const { db, now, config } = services;
  const settingsSchema = adapter.settings?.schema({ allowInsecureStoreUrls: config.ALLOW_INSECURE_STORE_URLS });
  const input = validate(settingsSchema ? channelCreateSchema.extend(settingsSchema.shape) : channelCreateSchema, body) as z.infer<
    typeof channelCreateSchema
  > &
    Record<string, unknown>;
  const { type: _type, name, secret: givenSecret, ...settingsInput } = input;
  const at = now();
  const stored = await mergeSettings(adapter.settings, { settings: "{}", sealedSettings: null, credentialKeys: "[]" }, settingsInput, config.SETTINGS_KEY);
  const row: ChannelRow = {
    id: newId("ch", at),
    type,
    name,
    token: newToken(),
    status: "active",
    ...stored,
    reconcileCursor: null,
    reconcileDueAt: null,
    health: null,
    automation: null,
    stockSync: null,
    createdAt: at,
    updatedAt: at,
  };
  const whole = givenSecret ?? newSecret();
  const secret = await secretRow(row.id, whole, at, config.SETTINGS_KEY);
  await saveNewChannel(db, row, secret);
  return { row, secret, whole };
}

/** Changes a channel's name, status or settings from a body like PATCH /api/channels/:id takes. */
export async function updateChannel(services: Services, id: string, body: unknown): Promise<ChannelWithSecrets> {
  const { db, now, config } = services;
  const { row, secrets } = await loadChannel(db, id);
  if (row.status === "deleted") throw new AppError("channel_deleted", "A deleted channel cannot be changed");
  const definition = adapterFor(row.type as ChannelType)?.settings;
  const settingsSchema = definition?.schema({ allowInsecureStoreUrls: config.ALLOW_INSECURE_STORE_URLS });
  // Credentials may be sent as null to remove them.
  const nullable = settingsSchema
    ? z.object(Object.fromEntries(definition!.sealed.map((key) => [key, (settingsSchema.shape[key] as z.ZodType).nullable()])))
    : undefined;
  const schema = settingsSchema ? channelUpdateSchema.extend(settingsSchema.shape).extend(nullable!.shape) : channelUpdateSchema;
  const { name, status, ...settingsInput } = validate(schema, body) as z.infer<typeof channelUpdateSchema> & Record<string, unknown>;
  const stored = await mergeSettings(definition, row, settingsInput, config.SETTINGS_KEY);
  const changes = {
    ...(name !== undefined ? { name } : {}),
    ...(status !== undefined ? { status } : {}),
    ...stored,
    // New settings may make reconciliation possible (or change its pace): check at the next minute.
    reconcileDueAt: null,
    updatedAt: now(),
  };
  await saveChannelChanges(db, row.id, changes);
  forgetChannel(row.token);
  return { row: { ...row, ...changes }, secrets };
}

/** Deletes a channel: the row stays, so its orders keep their channel and its URI answers 410 instead of 404. */
export async function deleteChannel(services: Services, id: string): Promise<void> {
  const { db, now } = services;
  const { row } = await loadChannel(db, id);
  await saveChannelChanges(db, row.id, { status: "deleted", updatedAt: now() });
  forgetChannel(row.token);
}

/** Adds a secret (given, or generated); returns it whole, shown this once. */
export async function addSecret(services: Services, id: string, body: unknown): Promise<{ secret: ChannelSecretRow; whole: string }> {
  const input = validate(secretCreateSchema, body);
  const { db, now, config } = services;
  const { row } = await loadChannel(db, id);
  if (row.status === "deleted") throw new AppError("channel_deleted", "A deleted channel cannot get new secrets");
  const whole = input.secret ?? newSecret();
  const secret = await secretRow(row.id, whole, now(), config.SETTINGS_KEY);
  await saveSecret(db, secret);
  forgetChannel(row.token);
  return { secret, whole };
}

/** Revokes an active secret; the channel's last one cannot be. */
export async function revokeSecret(services: Services, id: string, secretId: string): Promise<void> {
  const { db, now } = services;
  const { row, secrets } = await loadChannel(db, id);
  const active = secrets.filter((secret) => secret.revokedAt === null);
  const target = active.find((secret) => secret.id === secretId);
  if (!target) throw new AppError("not_found", `No active secret ${secretId} on this channel`);
  if (active.length === 1) {
    throw new AppError("conflict", "This is the channel's only secret: add a new one before revoking it");
  }
  await markSecretRevoked(db, target.id, now());
  forgetChannel(row.token);
}
