import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { findOrdersOverdue, markOrdersQueued, markOrderStatus } from "../../src/orders/order-store";
import { createChannel } from "../helpers";

afterEach(() => vi.restoreAllMocks());

/** Bare order rows, straight into the table: these tests are about the statements, not ingest. */
async function insertOrders(channelId: string, count: number, queuedAt: number): Promise<string[]> {
  const ids = Array.from({ length: count }, (_, index) => `ord_store_${channelId}_${String(index).padStart(3, "0")}`);
  await env.DB.batch(
    ids.map((id, index) =>
      env.DB.prepare(
        `INSERT INTO orders (id, channel_id, external_id, currency, total_minor, financial_status, placed_at, source_updated_at, data, last_event_id, queued_at, received_at, updated_at)
         VALUES (?1, ?2, ?3, 'EUR', 100, 'paid', ?4, ?4, '{}', ?5, ?4, ?4, ?4)`,
      ).bind(id, channelId, `ext-${index}`, queuedAt, `evt_${id}`),
    ),
  );
  return ids;
}

describe("the orders store", () => {
  it("stamps more orders as queued than one statement may bind, in one round trip", async () => {
    const channel = await createChannel();
    const ids = await insertOrders(channel.id, 95, 1_000);
    const batch = vi.spyOn(env.DB, "batch");
    await markOrdersQueued(env.DB, ids, 5_000);
    expect(batch).toHaveBeenCalledTimes(1);
    const { results } = await env.DB.prepare("SELECT DISTINCT queued_at FROM orders WHERE channel_id = ?1").bind(channel.id).all<{ queued_at: number }>();
    expect(results).toEqual([{ queued_at: 5_000 }]);
    expect(await findOrdersOverdue(env.DB, 4_999, 500).then((rows) => rows.filter((row) => ids.includes(row.id)))).toEqual([]);
  });

  it("does not move an order whose status changed since it was read, and appends no event then", async () => {
    const channel = await createChannel();
    const [id] = await insertOrders(channel.id, 1, 1_000);
    expect(await markOrderStatus(env.DB, { id, status: "needs_attention" }, { to: "ignored", kind: "ignored", at: 2_000 })).toBe(false);
    expect(await markOrderStatus(env.DB, { id, status: "new" }, { to: "ignored", kind: "ignored", at: 3_000 })).toBe(true);
    const events = await env.DB.prepare("SELECT kind, channel_id, data, at FROM order_events WHERE order_id = ?1").bind(id).all();
    expect(events.results).toEqual([{ kind: "ignored", channel_id: channel.id, data: JSON.stringify({ from: "new", to: "ignored" }), at: 3_000 }]);
  });
});
