/**
 * /api/channels — where a merchant's stores are connected. Creating a channel gives its URI (to
 * paste into the store) and its secret; secrets are shown whole only when created or rotated.
 */
import { Hono } from "hono";
import { z } from "zod";
import { addSecret, channelUri, createChannel, deleteChannel, revokeSecret, updateChannel } from "../channels/channel-admin";
import { findChannelsInUse, loadChannel } from "../channels/channel-store";
import { adapterFor } from "../channels/registry";
import { setupStepsAsText } from "../channels/setup-steps";
import { CHANNEL_TYPES, type ChannelType } from "../channels/types";
import type { AppEnv } from "../context";
import type { ChannelRow, ChannelSecretRow } from "../db/schema";
import { channelAutomation, updateAutomation } from "../documents/channel-automation";
import { isoTime } from "../lib/iso-time";
import { readJsonBody } from "./validate";


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

function channelJson(row: ChannelRow, secrets: ChannelSecretRow[], origin: string, wholeSecret?: string): ChannelJson {
  const uri = channelUri(origin, row.token);
  const adapter = adapterFor(row.type as ChannelType);
  return {
    id: row.id,
    type: row.type as ChannelJson["type"],
    name: row.name,
    uri,
    status: row.status as ChannelJson["status"],
    settings: JSON.parse(row.settings) as Record<string, unknown>,
    credentials: JSON.parse(row.credentialKeys) as string[],
    setup: adapter ? setupStepsAsText(adapter.setup, uri) : [],
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

export const originOf = (url: string) => new URL(url).origin;

export const channelRoutes = new Hono<AppEnv>()
  .post("/", async (c) => {
    const { row, secret, whole } = await createChannel(c.var.services, await readJsonBody(c));
    return c.json(channelJson(row, [secret], originOf(c.req.url), whole), 201);
  })

  .get("/", async (c) => {
    const origin = originOf(c.req.url);
    const items = await findChannelsInUse(c.var.services.db);
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
  .get("/:id/automation", async (c) => c.json(await channelAutomation(c.var.services, c.req.param("id"))))

  /** Changes some switches or mappings; the rest keep their current values. */
  .put("/:id/automation", async (c) => c.json(await updateAutomation(c.var.services, c.req.param("id"), await readJsonBody(c))));
