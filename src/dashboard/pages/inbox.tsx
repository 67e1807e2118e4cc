/**
 * /dashboard/orders — the inbox: tabs by status with their counts, filters by channel, date and
 * search, and many orders processed, ignored or restored at once. "All on this page" is a form
 * field the server reads, so select-all works without the script as well.
 */
import { Hono } from "hono";
import { z } from "zod";
import { channelNamesById } from "../../channels/channel-store";
import { processOrdersInBulk } from "../../documents/from-order";
import { AppError } from "../../lib/errors";
import { ignoreOrders, restoreOrders } from "../../orders/inbox-actions";
import { countOrdersByStatus, findOrders, orderLabels, type OrderFilters } from "../../orders/order-store";
import { orderJson, reasonsOf, type InboxOrderJson } from "../../orders/order-wire";
import { INBOX_STATUSES, type InboxStatus } from "../../orders/status";
import { Badge, ChannelFilter, labelOf, Layout, Money, type PageContext, Pager, Time } from "../layout";
import { act, field, fields, plural, render, type DashboardEnv } from "../respond";

const PAGE_SIZE = 50;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

const inboxQuery = z.object({
  status: z.enum(INBOX_STATUSES).catch("new"),
  channel: z.string().max(100).optional().catch(undefined),
  from: z.string().regex(DATE).optional().catch(undefined),
  to: z.string().regex(DATE).optional().catch(undefined),
  q: z.string().trim().max(200).optional().catch(undefined),
  cursor: z.string().max(500).optional().catch(undefined),
});

type InboxQuery = z.output<typeof inboxQuery>;


function filtersOf(query: InboxQuery): OrderFilters {
  return {
    channel_id: query.channel || undefined,
    q: query.q || undefined,
    placed_from: query.from ? `${query.from}T00:00:00Z` : undefined,
    placed_to: query.to ? `${query.to}T23:59:59.999Z` : undefined,
  };
}

function InboxPage(props: {
  page: PageContext;
  query: InboxQuery;
  counts: Record<InboxStatus, number>;
  items: InboxOrderJson[];
  next: string | null;
  channels: Map<string, { name: string; type: string; status: string }>;
}) {
  const { query, counts, items } = props;
  const params = { channel: query.channel, from: query.from, to: query.to, q: query.q };
  const tabHref = (status: InboxStatus) => {
    const search = new URLSearchParams({ status });
    for (const [key, value] of Object.entries(params)) if (value) search.set(key, value);
    return `/dashboard/orders?${search}`;
  };
  return (
    <Layout title={`Inbox: ${labelOf(query.status)}`} nav="inbox" page={props.page}>
      <h1>Inbox</h1>
      <nav class="tabs" aria-label="Order status">
        {INBOX_STATUSES.map((status) => (
          <a href={tabHref(status)} aria-current={status === query.status ? "page" : undefined}>
            {labelOf(status)}
            <span class="count">{String(counts[status])}</span>
          </a>
        ))}
      </nav>

      <form method="get" action="/dashboard/orders" class="filters" role="search">
        <input type="hidden" name="status" value={query.status} />
        <label>
          Search
          <input type="search" name="q" value={query.q ?? ""} placeholder="Number, e-mail or name" size={28} />
        </label>
        <ChannelFilter name="channel" channels={props.channels} selected={query.channel} />
        <label>
          Placed from
          <input type="date" name="from" value={query.from ?? ""} />
        </label>
        <label>
          to
          <input type="date" name="to" value={query.to ?? ""} />
        </label>
        <button type="submit">Filter</button>
        {query.q || query.channel || query.from || query.to ? <a href={`/dashboard/orders?status=${query.status}`}>Clear</a> : null}
      </form>

      {items.length === 0 ? (
        <p class="muted">No {labelOf(query.status)} orders{query.q || query.channel || query.from || query.to ? " match these filters" : ""}.</p>
      ) : (
        <form method="post" action="/dashboard/orders/bulk">
          <input type="hidden" name="_csrf" value={props.page.csrf} />
          <input type="hidden" name="back" value={props.page.here} />
          {items.map((order) => (
            <input type="hidden" name="page_order_id" value={order.id} />
          ))}
          {props.page.can("POST", "/dashboard/orders/bulk") ? (
          <div class="actions">
            {query.status === "ignored" ? (
              <button type="submit" name="action" value="restore">
                Restore selected
              </button>
            ) : (
              <>
                <button type="submit" name="action" value="process" class="primary">
                  Process selected
                </button>
                <button type="submit" name="action" value="ignore">
                  Ignore selected
                </button>
              </>
            )}
            <span class="muted small">Tick “All on this page” to act on every order listed here.</span>
          </div>
          ) : null}
          <table>
            <thead>
              <tr>
                <th>
                  <label class="check">
                    <input type="checkbox" name="all_on_page" value="1" data-select-all />
                    <span>All on this page</span>
                  </label>
                </th>
                <th>Order</th>
                <th>Placed</th>
                <th>Channel</th>
                <th>Customer</th>
                <th class="num">Total</th>
                <th>Payment</th>
                <th>Status</th>
              </tr>
            </thead>
            <tbody>
              {items.map((order) => {
                const reasons = reasonsOf(order);
                const label = order.number ?? order.external_id;
                return (
                  <tr>
                    <td>
                      <input type="checkbox" name="order_id" value={order.id} id={`select-${order.id}`} aria-label={`Select order ${label}`} />
                    </td>
                    <td>
                      <a href={`/dashboard/orders/${order.id}`}>{label}</a>
                      {order.test ? (
                        <>
                          {" "}
                          <Badge value="test" tone="info" />
                        </>
                      ) : null}
                    </td>
                    <td>
                      <Time at={order.placed_at} />
                    </td>
                    <td>{props.channels.get(order.channel_id)?.name ?? order.channel_id}</td>
                    <td>
                      {order.customer?.name ?? <span class="muted">No name</span>}
                      {order.customer?.email ? <div class="muted small">{order.customer.email}</div> : null}
                    </td>
                    <td class="num">
                      <Money amount={order.totals.total} currency={order.currency} />
                    </td>
                    <td>{labelOf(order.financial_status ?? "pending")}</td>
                    <td>
                      <Badge value={order.status} />
                      {order.processing.state === "failed" ? (
                        <>
                          {" "}
                          <Badge value="failed" />
                        </>
                      ) : null}
                      {reasons.length ? (
                        <div class="reason">
                          {reasons.slice(0, 2).join(" · ")}
                          {reasons.length > 2 ? ` (and ${reasons.length - 2} more)` : ""}
                        </div>
                      ) : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </form>
      )}
      <Pager base="/dashboard/orders" params={{ status: query.status, ...params }} cursor={query.cursor} next={props.next} />
    </Layout>
  );
}

const MAX_BULK = 100;

export const inboxPages = new Hono<DashboardEnv>()
  .get("/", async (c) => {
    const query = inboxQuery.parse(c.req.query());
    const { db } = c.var.services;
    const filters = filtersOf(query);
    const [counts, result, names] = await Promise.all([
      countOrdersByStatus(db, filters),
      findOrders(db, { ...filters, status: query.status, cursor: query.cursor || undefined, limit: PAGE_SIZE }),
      channelNamesById(db),
    ]);
    return render(c, <InboxPage page={c.var.page} query={query} counts={counts} items={result.items.map(orderJson)} next={result.next_cursor} channels={names} />);
  })

  .post("/bulk", (c) =>
    act(c, "/dashboard/orders", async () => {
      const { form, services } = c.var;
      const ids = [...new Set(field(form, "all_on_page") ? fields(form, "page_order_id") : fields(form, "order_id"))];
      if (ids.length === 0) throw new AppError("bad_request", "Select at least one order, or tick “All on this page”.");
      if (ids.length > MAX_BULK) throw new AppError("bad_request", `At most ${MAX_BULK} orders at once.`);
      const labels = await orderLabels(services.db, ids);
      const name = (id: string) => labels.get(id) ?? id;
      const action = field(form, "action");

      if (action === "process") {
        const results = await processOrdersInBulk(services, ids, {});
        const done = results.filter((result) => result.ok && result.problems.length === 0 && !result.skipped);
        const held = results.flatMap((result) => (result.ok && result.problems.length ? [`${name(result.order_id)}: ${result.problems[0].message}`] : []));
        const skipped = results.flatMap((result) => (result.ok && result.skipped ? [`${name(result.order_id)}: ${result.skipped}`] : []));
        const failed = results.flatMap((result) => (result.ok ? [] : [`${name(result.order_id)}: ${result.error.message}`]));
        const parts = [`Processed ${plural(done.length, "order")}.`];
        if (held.length) parts.push(`${plural(held.length, "document")} held as draft (${held.join("; ")}).`);
        if (skipped.length) parts.push(`Skipped ${skipped.join("; ")}.`);
        if (failed.length) parts.push(`Failed: ${failed.join("; ")}.`);
        return { kind: held.length || failed.length ? "error" : "ok", text: parts.join(" ") };
      }

      if (action === "ignore" || action === "restore") {
        const { changed, refused: refusals } = await (action === "ignore" ? ignoreOrders : restoreOrders)(services, ids);
        const refused = refusals.map((refusal) => `${name(refusal.id)}: ${refusal.message}`);
        const verb = action === "ignore" ? "Ignored" : "Restored";
        const text = `${verb} ${plural(changed, "order")}.${refused.length ? ` Not changed: ${refused.join("; ")}.` : ""}`;
        return { kind: refused.length ? "error" : "ok", text };
      }
      throw new AppError("bad_request", "Choose what to do with the selected orders.");
    }),
  );
