/**
 * A channel's automation as the merchant changes it (PUT /api/channels/:id/automation, the
 * dashboard's automation form): the switches given change, the rest keep their current values.
 * Here rather than in channels/ because the automation's shape is the documents' (automation.ts).
 */
import type { Services } from "../context";
import { loadChannel, saveChannelChanges } from "../channels/channel-store";
import type { ChannelType } from "../channels/types";
import { validate } from "../lib/validate";
import { automationOf, automationSchema, type Automation } from "./automation";

/** The channel's automation: its own switches, or its type's default. */
export async function channelAutomation(services: Services, id: string): Promise<Automation> {
  const { row } = await loadChannel(services.db, id);
  return automationOf(row.type as ChannelType, row.automation);
}

/** Changes some automation switches or mappings; the rest keep their current values. */
export async function updateAutomation(services: Services, id: string, body: unknown): Promise<Automation> {
  const { db, now } = services;
  const { row } = await loadChannel(db, id);
  const next = { ...automationOf(row.type as ChannelType, row.automation), ...validate(automationSchema.partial(), body) };
  await saveChannelChanges(db, row.id, { automation: JSON.stringify(next), updatedAt: now() });
  return next;
}
