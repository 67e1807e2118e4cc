/**
 * A channel's stock-sync settings: its schedule (off by default; every N minutes, or a cron
 * expression in UTC), what a scheduled run sends, the warehouse whose stock the store shows, and
 * for Shopify the location stock is set at.
 */
import { z } from "zod";
import { CronError, cronMatches, parseCron } from "../lib/cron";
import { DEFAULT_WAREHOUSE } from "./stock-store";

const cronExpression = z.string().trim().superRefine((value, ctx) => {
  try {
    parseCron(value);
  } catch (error) {
    if (!(error instanceof CronError)) throw error;
    ctx.addIssue({ code: "custom", message: error.message });
  }
});

export const stockScheduleSchema = z.union([
  z.null(),
  z.object({ every_minutes: z.number().int().min(1).max(7 * 24 * 60) }).strict(),
  z.object({ cron: cronExpression }).strict(),
]);

const fields = {
  schedule: stockScheduleSchema,
  /** What a scheduled run sends: the changes since the last successful push, or every SKU. */
  scheduled_mode: z.enum(["changes", "full"]),
  warehouse_id: z.string().trim().min(1).max(64),
  /** Shopify: the location (gid://shopify/Location/… or its number); needed when the shop has several. */
  location_id: z.string().trim().min(1).max(100),
};

/** A change to some settings: what it leaves out keeps its value (so no defaults here). */
export const stockSyncSettingsInput = z.object(fields).partial().strict();

export const stockSyncSettingsSchema = z
  .object({
    schedule: fields.schedule.default(null),
    scheduled_mode: fields.scheduled_mode.default("changes"),
    warehouse_id: fields.warehouse_id.default(DEFAULT_WAREHOUSE),
    location_id: fields.location_id.optional(),
  })
  .strict();

export type StockSyncSettings = z.output<typeof stockSyncSettingsSchema>;
export type StockSchedule = z.output<typeof stockScheduleSchema>;

export function readStockSyncSettings(json: string | null): StockSyncSettings {
  const parsed = stockSyncSettingsSchema.safeParse(json ? JSON.parse(json) : {});
  // Stored settings were validated when saved; a shape from an older version falls back to the defaults.
  return parsed.success ? parsed.data : stockSyncSettingsSchema.parse({});
}

const minuteOf = (at: number) => Math.floor(at / 60_000);

/** The minute a scheduled run belongs to ("2026-11-28T10:15"): one run per channel per minute. */
export const slotOf = (at: number) => new Date(minuteOf(at) * 60_000).toISOString().slice(0, 16);

/** Whether a scheduled run is due in the minute of `now`, given when the last scheduled run was asked for. */
export function scheduleDue(schedule: StockSchedule, lastScheduledAt: number | null, now: number): boolean {
  if (!schedule) return false;
  if ("cron" in schedule) return cronMatches(parseCron(schedule.cron), now);
  return lastScheduledAt === null || minuteOf(now) - minuteOf(lastScheduledAt) >= schedule.every_minutes;
}
