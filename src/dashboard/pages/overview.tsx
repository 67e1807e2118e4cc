/** /dashboard — the overview: orders per day per channel for 30 days, and what needs someone now. */
import { Hono } from "hono";
import type { Database } from "../../context";
import { channelsInCreationOrder } from "../../channels/channel-store";
import { countRefusedDeliveriesSince } from "../../inbound/delivery-store";
import { countFailedOrders, countOrdersByStatus, ordersPerDaySince } from "../../orders/order-store";
import { INBOX_STATUSES } from "../../orders/status";
import { countUnsuccessfulStockSyncsSince } from "../../stock/stock-store";
import { OrdersChart, dayLabel, type ChartSeries } from "../chart";
import { Layout, labelOf } from "../layout";
import { plural, render, type DashboardEnv } from "../respond";

const DAY_MS = 86_400_000;
const DAYS = 30;

export async function overviewData(services: { d1: D1Database; db: Database }, now: number) {
  const { d1, db } = services;
  const today = Math.floor(now / DAY_MS);
  const firstDay = today - DAYS + 1;
  // Each figure from its own store, read side by side.
  const [perDay, byStatus, processingFailed, refusedLastDay, channels, failedSyncs] = await Promise.all([
    ordersPerDaySince(d1, firstDay * DAY_MS),
    countOrdersByStatus(db, {}),
    countFailedOrders(d1),
    countRefusedDeliveriesSince(d1, now - DAY_MS),
    channelsInCreationOrder(d1),
    countUnsuccessfulStockSyncsSince(d1, now - 7 * DAY_MS),
  ]);
  const days = Array.from({ length: DAYS }, (_, index) => firstDay + index);
  const counts = new Map<string, number[]>();
  for (const row of perDay) {
    const index = Math.floor(row.day) - firstDay;
    if (index < 0 || index >= DAYS) continue;
    const list = counts.get(row.channel_id) ?? new Array<number>(DAYS).fill(0);
    list[index] += row.orders;
    counts.set(row.channel_id, list);
  }
  // Every active channel has a place in the legend; a deleted one only while its orders are in view.
  const series: ChartSeries[] = channels
    .filter((channel) => channel.status !== "deleted" || counts.has(channel.id))
    .map((channel) => ({ name: channel.name, counts: counts.get(channel.id) ?? new Array<number>(DAYS).fill(0) }));
  return {
    days,
    series,
    byStatus,
    processingFailed,
    refusedLastDay,
    failedSyncs,
    channelCount: channels.filter((channel) => channel.status !== "deleted").length,
  };
}

export const overviewPage = new Hono<DashboardEnv>().get("/", async (c) => {
  const { services } = c.var;
  const data = await overviewData(services, services.now());
  const total = data.series.reduce((sum, entry) => sum + entry.counts.reduce((a, b) => a + b, 0), 0);
  return render(
    c,
    <Layout title="Overview" nav="overview" page={c.var.page}>
      <h1>Overview</h1>
      <div class="grid">
        <div class="card">
          <h2>Needs attention</h2>
          <div class="stat">
            <a href="/dashboard/orders?status=needs_attention">{String(data.byStatus.needs_attention)}</a>
          </div>
          <p class="muted small">Orders whose figures do not add up or whose document is held: each shows its reason.</p>
        </div>
        <div class="card">
          <h2>New</h2>
          <div class="stat">
            <a href="/dashboard/orders?status=new">{String(data.byStatus.new)}</a>
          </div>
          <p class="muted small">Orders waiting to be processed.</p>
        </div>
        <div class="card">
          <h2>Processing failed</h2>
          <div class="stat">{String(data.processingFailed)}</div>
          <p class="muted small">Orders whose processing gave up after its retries; reprocess them from the order page.</p>
        </div>
        <div class="card">
          <h2>Refused deliveries</h2>
          <div class="stat">
            <a href="/dashboard/deliveries?outcome=rejected">{String(data.refusedLastDay)}</a>
          </div>
          <p class="muted small">Rejected or unverified in the last 24 hours.</p>
        </div>
        <div class="card">
          <h2>Failed stock syncs</h2>
          <div class="stat">
            <a href="/dashboard/stock-syncs?status=unsuccessful">{String(data.failedSyncs)}</a>
          </div>
          <p class="muted small">Runs that failed, or sent only part of their items, in the last 7 days.</p>
        </div>
      </div>

      <h2>Orders received per day, last {DAYS} days</h2>
      <p class="muted small">
        {`${plural(total, "order")} from ${plural(data.channelCount, "channel")}; days are UTC. `}
        {INBOX_STATUSES.map((status) => `${labelOf(status)} ${data.byStatus[status]}`).join(" · ")}
      </p>
      <figure class="chart">
        <OrdersChart days={data.days} series={data.series} title={`Orders received per day and channel, ${dayLabel(data.days[0])} to ${dayLabel(data.days.at(-1)!)}`} />
        <details>
          <summary>The same as a table</summary>
          <table>
            <thead>
              <tr>
                <th>Day</th>
                {data.series.map((entry) => (
                  <th class="num">{entry.name}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {data.days.map((day, index) => (
                <tr>
                  <td>{dayLabel(day)}</td>
                  {data.series.map((entry) => (
                    <td class="num">{String(entry.counts[index])}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      </figure>
    </Layout>,
  );
});
