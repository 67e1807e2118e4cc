/**
 * The stock store's run log and the queue's last word on a run: giving up ends only a run still in
 * progress, with its untried items marked as not sent; the log pages newest first by channel and status.
 */
import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import { describe, expect, it } from "vitest";
import * as schema from "../../src/db/schema";
import { findStockLevels, findStockSync, findStockSyncItems, findStockSyncs, insertStockSync, insertStockSyncItemsStatements, markStockSyncPlannedStatement } from "../../src/stock/stock-store";
import { giveUpStockSync } from "../../src/stock/sync-run";
import { api } from "../helpers";

const db = drizzle(env.DB, { schema });
let runs = 0;

/** A run of a channel of its own (runs need no channel row), planned with the given SKUs. */
async function plannedRun(channelId: string, at: number, skus: string[]) {
  const id = `sts_store_${Date.now().toString(36)}_${(runs += 1)}`;
  expect(await insertStockSync(env.DB, { id, channelId, mode: "full", trigger: "manual", slot: null, warehouseId: "main", requestedAt: at, failure: null })).toBe(true);
  await env.DB.batch([
    ...insertStockSyncItemsStatements(env.DB, id, skus.map((sku) => ({ sku, quantity: 1 }))),
    markStockSyncPlannedStatement(env.DB, id, { planned: skus.length, skipped: 0, warnings: [] }),
  ]);
  return id;
}

describe("stock-sync runs in the store", () => {
  it("gives up a run in progress as failed, its untried items not sent; a finished run stays as it ended", async () => {
    const channelId = `ch_giveup_${Date.now().toString(36)}`;
    const id = await plannedRun(channelId, 1_000, ["A", "B"]);
    await giveUpStockSync(env.DB, id, "D1 is down", 2_000);
    const run = (await findStockSync(db, id))!;
    expect(run).toMatchObject({ status: "failed", finishedAt: 2_000, error: "Stopped after repeated errors: D1 is down", itemsFailed: 2, itemsSucceeded: 0 });
    const items = await findStockSyncItems(db, id, { limit: 10 });
    expect(items.items.map((item) => [item.sku, item.status, item.error])).toEqual([
      ["A", "failed", "Not sent: Stopped after repeated errors: D1 is down"],
      ["B", "failed", "Not sent: Stopped after repeated errors: D1 is down"],
    ]);

    await giveUpStockSync(env.DB, id, "again", 3_000);
    expect(await findStockSync(db, id)).toEqual(run);
  });

  it("lists a channel's runs newest first, a page at a time, optionally by status", async () => {
    const channelId = `ch_log_${Date.now().toString(36)}`;
    // One run in progress per channel: each is given up before the next starts.
    const first = await plannedRun(channelId, 10_000, ["A"]);
    await giveUpStockSync(env.DB, first, "gone", 15_000);
    const second = await plannedRun(`${channelId}_other`, 20_000, ["A"]);
    const third = await plannedRun(channelId, 30_000, ["A"]);
    await giveUpStockSync(env.DB, third, "gone", 40_000);
    const fourth = await plannedRun(channelId, 50_000, ["A"]);

    const page = await findStockSyncs(db, { channelId, limit: 2 });
    expect(page.items.map((run) => run.id)).toEqual([fourth, third]);
    const next = await findStockSyncs(db, { channelId, limit: 2, cursor: page.next_cursor! });
    expect(next).toEqual({ items: [expect.objectContaining({ id: first })], next_cursor: null });
    expect((await findStockSyncs(db, { channelId, statuses: ["failed"], limit: 10 })).items.map((run) => run.id)).toEqual([third, first]);
    expect((await findStockSyncs(db, { channelId: `${channelId}_other`, limit: 10 })).items.map((run) => run.id)).toEqual([second]);
  });
});

describe("stock levels in the store", () => {
  it("reads the levels of more SKUs than D1 binds parameters in one statement (the SKUs travel as one JSON text)", async () => {
    const sku = `STORE-LEVELS-${Date.now().toString(36)}`;
    expect((await api("/api/products", { method: "POST", json: { sku, name: sku } })).status).toBe(201);
    const asked = [sku, ...Array.from({ length: 150 }, (_, index) => `${sku}-ABSENT-${index}`)];
    expect(await findStockLevels(env.DB, asked)).toEqual([{ product_id: expect.any(String), sku, warehouse_id: "main", on_hand: 0, reserved: 0 }]);
  });
});
