import { describe, expect, it } from "vitest";
import { CronError, cronMatches, parseCron } from "../../src/lib/cron";
import { planStockPush, clampQuantity } from "../../src/stock/plan";
import { scheduleDue, slotOf } from "../../src/stock/sync-settings";

const at = (iso: string) => Date.parse(iso);

describe("cron expressions", () => {
  it.each([
    ["*/15 * * * *", "2026-11-28T10:30:00Z", true],
    ["*/15 * * * *", "2026-11-28T10:31:00Z", false],
    ["0 6-18/4 * * *", "2026-11-28T14:00:59Z", true],
    ["0 6-18/4 * * *", "2026-11-28T16:00:00Z", false],
    ["30 2 * * MON-FRI", "2026-11-30T02:30:00Z", true], // a Monday
    ["30 2 * * MON-FRI", "2026-11-28T02:30:00Z", false], // a Saturday
    ["0 0 * * 7", "2026-11-29T00:00:00Z", true], // 7 is Sunday too
    ["0 0 1 JAN *", "2027-01-01T00:00:00Z", true],
    ["5,35 * * * *", "2026-11-28T23:35:00Z", true],
    // Both day fields restricted: either one matching is enough (crontab's rule).
    ["0 0 1 * SUN", "2026-11-29T00:00:00Z", true],
    ["0 0 1 * SUN", "2026-12-01T00:00:00Z", true],
    ["0 0 1 * SUN", "2026-12-02T00:00:00Z", false],
    ["10/20 * * * *", "2026-11-28T10:50:00Z", true],
    ["10/20 * * * *", "2026-11-28T10:00:00Z", false],
  ])("%s at %s: %s", (expression, time, expected) => {
    expect(cronMatches(parseCron(expression), at(time))).toBe(expected);
  });

  it.each([
    ["* * * *", /5 fields/],
    ["60 * * * *", /minute: "60" is not between 0 and 59/],
    ["* * * * FUNDAY", /day of week: "FUNDAY"/],
    ["5-1 * * * *", /runs backwards/],
    ["*/0 * * * *", /step must be at least 1/],
  ])("refuses %s", (expression, message) => {
    expect(() => parseCron(expression)).toThrow(CronError);
    expect(() => parseCron(expression)).toThrow(message);
  });
});

describe("when a channel's stock sync is due", () => {
  it.each([
    ["off", null, null, "2026-11-28T10:00:00Z", false],
    ["first run of an interval", { every_minutes: 15 }, null, "2026-11-28T10:00:00Z", true],
    ["14 minutes after", { every_minutes: 15 }, "2026-11-28T10:00:00Z", "2026-11-28T10:14:59Z", false],
    ["15 minutes after, a few seconds early in the minute", { every_minutes: 15 }, "2026-11-28T10:00:20Z", "2026-11-28T10:15:02Z", true],
    ["a cron minute", { cron: "0 * * * *" }, "2026-11-28T09:00:00Z", "2026-11-28T10:00:30Z", true],
    ["not a cron minute", { cron: "0 * * * *" }, null, "2026-11-28T10:01:00Z", false],
  ])("%s", (_, schedule, last, now, expected) => {
    expect(scheduleDue(schedule as never, last ? at(last) : null, at(now))).toBe(expected);
  });

  it("names a scheduled run by its minute", () => {
    expect(slotOf(at("2026-11-28T10:15:42.123Z"))).toBe("2026-11-28T10:15");
  });
});

describe("what a stock sync sends", () => {
  it.each([
    [7, 7],
    [2.5, 2],
    [2.9999999999, 3],
    [-3, 0],
    [0, 0],
    [Number.NaN, 0],
  ])("available %s goes as %s", (available, sent) => {
    expect(clampQuantity(available)).toBe(sent);
  });

  const level = (sku: string, available: number, warehouseId = "main") => ({ productId: sku, sku, warehouseId, onHand: available, reserved: 0, available });

  it("sends everything on a full run and what differs from the last accepted quantity on a changes run, warning when it clamps", () => {
    const levels = [level("A", 5), level("B", 2.5), level("C", -1), level("D", 4), level("E", 1, "riga"), level("GONE", 3)];
    const pushed = new Map([["A", 5], ["B", 1], ["C", 0]]);
    const knownMissing = new Set(["GONE"]);
    const full = planStockPush({ levels, warehouseId: "main", mode: "full", pushed, knownMissing });
    expect(full.items).toEqual([{ sku: "A", quantity: 5 }, { sku: "B", quantity: 2 }, { sku: "C", quantity: 0 }, { sku: "D", quantity: 4 }, { sku: "GONE", quantity: 3 }]);
    expect(full.warnings).toEqual([{ sku: "B", available: 2.5, sent: 2 }, { sku: "C", available: -1, sent: 0 }]);
    const changes = planStockPush({ levels, warehouseId: "main", mode: "changes", pushed, knownMissing });
    expect(changes.items).toEqual([{ sku: "B", quantity: 2 }, { sku: "D", quantity: 4 }]);
    expect(changes.skipped).toBe(1);
    // C is still oversold, but the store already shows 0: no new warning.
    expect(changes.warnings).toEqual([{ sku: "B", available: 2.5, sent: 2 }]);
  });
});
