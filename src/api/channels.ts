/**
 * /api/channels — where a merchant's stores are connected. Creating a channel gives its URI (to
 * paste into the store) and its secret; secrets are shown whole only when created or rotated.
 */
import { and, asc, eq, isNull, ne } from "drizzle-orm";
import { Hono } from "hono";
import { z } from "zod";
import { automationOf, automationSchema, type Automation } from "../documents/automation";
import { forgetChannel } from "../channels/channel-store";
import { adapterFor } from "../channels/registry";
import { hintOf, sealSecret } from "../channels/channel-secrets";
import { mergeSettings } from "../channels/channel-settings";
import { CHANNEL_TYPES, type ChannelType } from "../channels/types";
import type { AppEnv, Database, Services } from "../context";
import { channels, channelSecrets, type ChannelRow, type ChannelSecretRow } from "../db/schema";
import { AppError } from "../lib/errors";
import { newId, newSecret, newToken } from "../lib/ids";
import { isoTime, readJsonBody, validate } from "./validate";

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

const secretSummarySchema = z.object({
  id: z.string(),
  hint: z.string().meta({ description: "The last four characters, to tell secrets apart" }),
  created_at: z.string(),
});

export const channelSchema = z
  .object({
    id: z.string(),
    type: z.enum(CHANNEL_TYPES),
    name: z.string(),
    uri: z.string().meta({ description: "The channel URI the merchant pastes into the store" }),
    status: z.enum(["active", "disabled", "deleted"]),
    settings: z.record(z.string(), z.unknown()).meta({ description: "The type's settings, credentials left out" }),
    credentials: z.array(z.string()).meta({ description: "Which credentials are stored (never their values)" }),
    setup: z.array(z.string()).meta({ description: "The set-up steps as the merchant follows them in the store" }),
    health: z
      .record(z.string(), z.unknown())
      .nullable()
      .meta({ description: "What the last sweep found about the store link: its webhooks, and any it switched back on" }),
    secrets: z.array(secretSummarySchema),
    secret: z.string().optional().meta({ description: "The whole secret: only in the answer that created it" }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: "Channel" });

export const secretSchema = secretSummarySchema.extend({ secret: z.string() }).meta({ id: "Secret" });

type ChannelJson = z.infer<typeof channelSchema>;

export function channelJson(row: ChannelRow, secrets: ChannelSecretRow[], origin: string, wholeSecret?: string): ChannelJson {
  return {
    id: row.id,
    type: row.type as ChannelJson["type"],
    name: row.name,
    uri: `${origin}/in/${row.token}`,
    status: row.status as ChannelJson["status"],
    settings: JSON.parse(row.settings) as Record<string, unknown>,
    credentials: JSON.parse(row.credentialKeys) as string[],
    setup: adapterFor(row.type as ChannelType)?.setup(`${origin}/in/${row.token}`) ?? [],
    health: row.health ? (JSON.parse(row.health) as Record<string, unknown>) : null,
    secrets: secrets.filter((secret) => secret.revokedAt === null).map(secretSummary),
    ...(wholeSecret ? { secret: wholeSecret } : {}),
    created_at: isoTime(row.createdAt)!,
    updated_at: isoTime(row.updatedAt)!,
  };
}

const secretSummary = (secret: ChannelSecretRow) => ({
  id: secret.id,
  hint: `…${secret.hint}`,
  created_at: isoTime(secret.createdAt)!,
});

async function secretRow(channelId: string, whole: string, at: number, settingsKey: string | undefined): Promise<ChannelSecretRow> {
  return { id: newId("sec", at), channelId, secret: await sealSecret(whole, settingsKey), hint: hintOf(whole), createdAt: at, revokedAt: null };
}

export async function loadChannel(db: Database, id: string): Promise<{ row: ChannelRow; secrets: ChannelSecretRow[] }> {
  const row = await db.query.channels.findFirst({ where: eq(channels.id, id) });
  if (!row) throw new AppError("not_found", `No channel ${id}`);
  const secrets = await db.select().from(channelSecrets).where(eq(channelSecrets.channelId, id)).orderBy(asc(channelSecrets.createdAt));
  return { row, secrets };
}

export const originOf = (url: string) => new URL(url).origin;

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
  await db.batch([db.insert(channels).values(row), db.insert(channelSecrets).values(secret)]);
  return { row, secret, whole };
}

/** Changes a channel's name, status or settings from a body like PATCH /api/channels/:id takes. */
export async function updateChannel(services: Services, id: string, body: unknown): Promise<{ row: ChannelRow; secrets: ChannelSecretRow[] }> {
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
  await db.update(channels).set(changes).where(eq(channels.id, row.id));
  forgetChannel(row.token);
  return { row: { ...row, ...changes }, secrets };
}

/** Deletes a channel: the row stays, so its orders keep their channel and its URI answers 410 instead of 404. */
export async function deleteChannel(services: Services, id: string): Promise<void> {
  const { db, now } = services;
  const { row } = await loadChannel(db, id);
  await db.update(channels).set({ status: "deleted", updatedAt: now() }).where(eq(channels.id, row.id));
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
  await db.insert(channelSecrets).values(secret);
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
  await db
    .update(channelSecrets)
    .set({ revokedAt: now() })
    .where(and(eq(channelSecrets.id, target.id), isNull(channelSecrets.revokedAt)));
  forgetChannel(row.token);
}

/** Changes some automation switches or mappings; the rest keep their current values. */
export async function updateAutomation(services: Services, id: string, body: unknown): Promise<Automation> {
  const { db, now } = services;
  const { row } = await loadChannel(db, id);
  const changes = validate(automationSchema.partial(), body);
  const next = { ...automationOf(row.type as ChannelType, row.automation), ...changes };
  await db.update(channels).set({ automation: JSON.stringify(next), updatedAt: now() }).where(eq(channels.id, row.id));
  return next;
}

/** The channels in use (not deleted), oldest first, with their active secrets. */
export async function listChannels(db: Database): Promise<Array<{ row: ChannelRow; secrets: ChannelSecretRow[] }>> {
  const rows = await db.select().from(channels).where(ne(channels.status, "deleted")).orderBy(asc(channels.createdAt));
  const secrets = await db.select().from(channelSecrets).where(isNull(channelSecrets.revokedAt));
  return rows.map((row) => ({ row, secrets: secrets.filter((secret) => secret.channelId === row.id) }));
}

export const channelRoutes = new Hono<AppEnv>()
  .post("/", async (c) => {
    const { row, secret, whole } = await createChannel(c.var.services, await readJsonBody(c));
    return c.json(channelJson(row, [secret], originOf(c.req.url), whole), 201);
  })

  .get("/", async (c) => {
    const origin = originOf(c.req.url);
    const items = await listChannels(c.var.services.db);
    return c.json({ items: items.map(({ row, secrets }) => channelJson(row, secrets, origin)) });
  })

  .get("/:id", async (c) => {
    const { row, secrets } = await loadChannel(c.var.services.db, c.req.param("id"));
    return c.json(channelJson(row, secrets, originOf(c.req.url)));
  })

  .patch("/:id", async (c) => {
    const { row, secrets } = await updateChannel(c.var.services, c.req.param("id"), await readJsonBody(c));
    return c.json(channelJson(row, secrets, originOf(c.req.url)));
  })

  .delete("/:id", async (c) => {
    await deleteChannel(c.var.services, c.req.param("id"));
    return c.body(null, 204);
  })

  .post("/:id/secrets", async (c) => {
    const { secret, whole } = await addSecret(c.var.services, c.req.param("id"), await readJsonBody(c));
    return c.json({ ...secretSummary(secret), secret: whole }, 201);
  })

  .delete("/:id/secrets/:secretId", async (c) => {
    await revokeSecret(c.var.services, c.req.param("id"), c.req.param("secretId"));
    return c.body(null, 204);
  })

  /** How the channel's orders become documents: its own switches, or its type's default. */
  .get("/:id/automation", async (c) => {
    const { row } = await loadChannel(c.var.services.db, c.req.param("id"));
    return c.json(automationOf(row.type as ChannelType, row.automation));
  })

  /** Changes some switches or mappings; the rest keep their current values. */
  .put("/:id/automation", async (c) => c.json(await updateAutomation(c.var.services, c.req.param("id"), await readJsonBody(c))));
