/** /dashboard — the overview: orders per day per channel for 30 days, and what needs someone now. */
import { Hono } from "hono";
import { channelsInCreationOrderStatement } from "../../channels/channel-store";
import { refusedDeliveriesStatement } from "../../inbound/delivery-store";
import { failedOrdersStatement, ordersPerDayStatement, ordersPerStatusStatement } from "../../orders/order-store";
import { INBOX_STATUSES } from "../../orders/status";
import { unsuccessfulStockSyncsStatement } from "../../stock/stock-store";
import { OrdersChart, dayLabel, type ChartSeries } from "../chart";
import { Layout, labelOf } from "../layout";
import { plural, render, type DashboardEnv } from "../respond";

const DAY_MS = 86_400_000;
const DAYS = 30;

export async function overviewData(d1: D1Database, now: number) {
  const today = Math.floor(now / DAY_MS);
  const firstDay = today - DAYS + 1;
  // One round trip for the whole page.
  const [perDay, statuses, failed, refused, channelRows, syncs] = await d1.batch([
    ordersPerDayStatement(d1, firstDay * DAY_MS),
    ordersPerStatusStatement(d1),
    failedOrdersStatement(d1),
    refusedDeliveriesStatement(d1, now - DAY_MS),
    channelsInCreationOrderStatement(d1),
    unsuccessfulStockSyncsStatement(d1, now - 7 * DAY_MS),
  ]);
  const days = Array.from({ length: DAYS }, (_, index) => firstDay + index);
  const counts = new Map<string, number[]>();
  for (const row of perDay.results as Array<{ channel_id: string; day: number; orders: number }>) {
    const index = Math.floor(row.day) - firstDay;
    if (index < 0 || index >= DAYS) continue;
    const list = counts.get(row.channel_id) ?? new Array<number>(DAYS).fill(0);
    list[index] += row.orders;
    counts.set(row.channel_id, list);
  }
  const channels = channelRows.results as Array<{ id: string; name: string; status: string }>;
  // Every active channel has a place in the legend; a deleted one only while its orders are in view.
  const series: ChartSeries[] = channels
    .filter((channel) => channel.status !== "deleted" || counts.has(channel.id))
    .map((channel) => ({ name: channel.name, counts: counts.get(channel.id) ?? new Array<number>(DAYS).fill(0) }));
  const byStatus = Object.fromEntries(INBOX_STATUSES.map((status) => [status, 0])) as Record<(typeof INBOX_STATUSES)[number], number>;
  for (const row of statuses.results as Array<{ status: (typeof INBOX_STATUSES)[number]; orders: number }>) byStatus[row.status] = row.orders;
  return {
    days,
    series,
    byStatus,
    processingFailed: (failed.results[0] as { orders: number }).orders,
    refusedLastDay: (refused.results[0] as { deliveries: number }).deliveries,
    failedSyncs: (syncs.results[0] as { runs: number }).runs,
    channelCount: channels.filter((channel) => channel.status !== "deleted").length,
  };
}

export const overviewPage = new Hono<DashboardEnv>().get("/", async (c) => {
  const { d1, now } = c.var.services;
  const data = await overviewData(d1, now());
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
