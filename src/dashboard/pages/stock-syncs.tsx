/**
 * Stock sync in the dashboard: the log of runs across channels and one run with its items
 * (/dashboard/stock-syncs), and on a channel's page its schedule, "sync now" and recent runs.
 */
import { Hono } from "hono";
import { z } from "zod";
import { channelNamesById } from "../../channels/channel-store";
import { stockPusherFor } from "../../channels/registry";
import type { ChannelType } from "../../channels/types";
import type { Services } from "../../context";
import type { ChannelRow, StockSyncRow } from "../../db/schema";
import { AppError } from "../../lib/errors";
import { findStockSync, findStockSyncItems, findStockSyncs, findWarehouses } from "../../stock/stock-store";
import { stockSyncSettingsView, updateStockSyncSettings } from "../../stock/sync-channel";
import { startStockSync } from "../../stock/sync-run";
import { ActionForm, Badge, ChannelFilter, Layout, Pager, Time, type PageContext } from "../layout";
import { act, field, plural, render, type DashboardEnv, type FormFields } from "../respond";

const RUN_STATUSES = ["planning", "running", "succeeded", "partial", "failed"] as const;
const ITEM_STATUSES = ["pending", "succeeded", "failed"] as const;

/** "unsuccessful": failed or partial, what the overview counts. */
const LIST_FILTERS = ["unsuccessful", ...RUN_STATUSES] as const;
const listQuery = z.object({
  status: z.enum(LIST_FILTERS).optional().catch(undefined),
  channel_id: z.string().max(100).optional().catch(undefined),
  cursor: z.string().max(500).optional().catch(undefined),
});
const itemQuery = z.object({
  status: z.enum(ITEM_STATUSES).optional().catch(undefined),
  cursor: z.string().max(500).optional().catch(undefined),
});

const TONES: Record<string, string> = { succeeded: "processed", partial: "needs_attention", failed: "rejected", planning: "new", running: "new" };
const RunStatus = (props: { status: string }) => <Badge value={props.status} tone={TONES[props.status]} />;

function Counts(props: { run: StockSyncRow }) {
  const { run } = props;
  return (
    <span>
      {`${run.itemsSucceeded} of ${run.itemsPlanned} sent`}
      {run.itemsFailed ? <strong class="reason">{` · ${run.itemsFailed} failed`}</strong> : null}
      {run.itemsSkipped ? <span class="muted">{` · ${run.itemsSkipped} not in the store`}</span> : null}
    </span>
  );
}

/** Runs as a table; `names` adds the channel column. */
function RunTable(props: { runs: StockSyncRow[]; names?: Map<string, { name: string }> }) {
  return (
    <table>
      <thead>
        <tr>
          <th>Asked</th>
          {props.names ? <th>Channel</th> : null}
          <th>What</th>
          <th>Status</th>
          <th>Items</th>
          <th class="num">Requests</th>
          <th class="num">Invocations</th>
          <th>Finished</th>
        </tr>
      </thead>
      <tbody>
        {props.runs.map((run) => (
          <tr>
            <td>
              <a href={`/dashboard/stock-syncs/${run.id}`}>
                <Time at={run.requestedAt} />
              </a>
            </td>
            {props.names ? <td>{props.names.get(run.channelId)?.name ?? run.channelId}</td> : null}
            <td>{`${run.mode === "full" ? "all SKUs" : "changes"}, ${run.trigger === "schedule" ? "scheduled" : "by hand"}`}</td>
            <td>
              <RunStatus status={run.status} />
              {run.error ? <div class="reason small">{run.error}</div> : null}
            </td>
            <td>
              <Counts run={run} />
            </td>
            <td class="num">{String(run.requests)}</td>
            <td class="num">{String(run.invocations)}</td>
            <td>
              <Time at={run.finishedAt} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The stock-sync part of a channel's page: why it cannot sync, or sync now, its schedule and its last runs. */
export async function ChannelStockSync(props: { page: PageContext; services: Services; row: ChannelRow }) {
  const { services, row, page } = props;
  if (!stockPusherFor(row.type as ChannelType)) return null;
  const channelId = row.id;
  const settings = stockSyncSettingsView(row);
  const [{ items: runs }, warehouses] = await Promise.all([findStockSyncs(services.db, { channelId, limit: 5 }), findWarehouses(services.db)]);
  const schedule = settings.schedule;
  const kind = schedule === null ? "off" : "cron" in schedule ? "cron" : "every";
  return (
    <section id="stock-sync">
      <h2>Stock sync</h2>
      {settings.cannot_sync ? (
        <p class="reason">{`This channel cannot push stock yet: ${settings.cannot_sync}.`}</p>
      ) : (
        <ActionForm page={page} action={`/dashboard/channels/${channelId}/stock-sync`} class="actions">
          <label>
            What to send now
            <select name="mode">
              <option value="changes">what changed since the last push</option>
              <option value="full">every SKU</option>
            </select>
          </label>
          <button type="submit">Sync now</button>
          <span class="muted small">The store gets each SKU's available quantity (on hand minus reserved) in the warehouse below.</span>
        </ActionForm>
      )}
      <ActionForm page={page} action={`/dashboard/channels/${channelId}/stock-sync/settings`} class="stack">
        <fieldset>
          <legend>Schedule (UTC)</legend>
          <label class="check">
            <input type="radio" name="schedule" value="off" checked={kind === "off"} /> Off: only when asked
          </label>
          <label class="check">
            <input type="radio" name="schedule" value="every" checked={kind === "every"} /> Every{" "}
            <input type="number" name="every_minutes" min={1} max={10080} value={schedule && "every_minutes" in schedule ? String(schedule.every_minutes) : "15"} size={5} /> minutes
          </label>
          <label class="check">
            <input type="radio" name="schedule" value="cron" checked={kind === "cron"} /> Cron expression{" "}
            <input type="text" name="cron" value={schedule && "cron" in schedule ? schedule.cron : ""} placeholder="0 */2 * * *" size={16} class="mono" />
          </label>
        </fieldset>
        <label>
          A scheduled run sends
          <select name="scheduled_mode">
            <option value="changes" selected={settings.scheduled_mode === "changes"}>
              what changed since the last push
            </option>
            <option value="full" selected={settings.scheduled_mode === "full"}>
              every SKU
            </option>
          </select>
        </label>
        <label>
          Warehouse
          <select name="warehouse_id">
            {warehouses.map((warehouse) => (
              <option value={warehouse.id} selected={warehouse.id === settings.warehouse_id}>
                {warehouse.name}
              </option>
            ))}
          </select>
        </label>
        {row.type === "shopify" ? (
          <label>
            Shopify location (needed when the shop has more than one)
            <input type="text" name="location_id" value={settings.location_id ?? ""} placeholder="gid://shopify/Location/… or its number" size={40} />
          </label>
        ) : null}
        <div>
          <button type="submit">Save stock-sync settings</button>
        </div>
      </ActionForm>
      <h3>Last runs</h3>
      {runs.length ? <RunTable runs={runs} /> : <p class="muted">No stock sync yet.</p>}
      <p class="small">
        <a href={`/dashboard/stock-syncs?channel_id=${encodeURIComponent(channelId)}`}>Every run of this channel</a>
      </p>
    </section>
  );
}

/** The settings form as the API's body: only what the form holds, so the API keeps the rest. */
function settingsBody(form: FormFields): Record<string, unknown> {
  const kind = field(form, "schedule");
  const body: Record<string, unknown> = {
    schedule:
      kind === "every"
        ? { every_minutes: Number(field(form, "every_minutes") ?? Number.NaN) }
        : kind === "cron"
          ? { cron: field(form, "cron") ?? "" }
          : null,
  };
  const mode = field(form, "scheduled_mode");
  if (mode) body.scheduled_mode = mode;
  const warehouse = field(form, "warehouse_id");
  if (warehouse) body.warehouse_id = warehouse;
  const location = field(form, "location_id");
  if (location) body.location_id = location;
  return body;
}

/** The channel page's stock-sync forms. */
export const stockSyncChannelActions = new Hono<DashboardEnv>()
  .post("/:id/stock-sync", (c) =>
    act(c, `/dashboard/channels/${c.req.param("id")}`, async () => {
      const run = await startStockSync(c.var.services, c.req.param("id"), { mode: field(c.var.form, "mode") ?? "changes" });
      return {
        kind: "ok",
        text: `Stock sync started (${run.mode === "full" ? "every SKU" : "changes only"}): it runs in the background.`,
        link: { href: `/dashboard/stock-syncs/${run.id}`, label: "Follow it" },
      };
    }),
  )
  .post("/:id/stock-sync/settings", (c) =>
    act(c, `/dashboard/channels/${c.req.param("id")}`, async () => {
      const saved = await updateStockSyncSettings(c.var.services, c.req.param("id"), settingsBody(c.var.form));
      const schedule = saved.schedule;
      const when = schedule === null ? "only when asked" : "cron" in schedule ? `on "${schedule.cron}" (UTC)` : `every ${plural(schedule.every_minutes, "minute")}`;
      return { kind: "ok", text: `Stock-sync settings saved: the store is synced ${when}.` };
    }),
  );

export const stockSyncPages = new Hono<DashboardEnv>()
  .get("/", async (c) => {
    const query = listQuery.parse(c.req.query());
    const { db } = c.var.services;
    const [page, names] = await Promise.all([
      findStockSyncs(db, {
        channelId: query.channel_id,
        statuses: query.status === "unsuccessful" ? ["failed", "partial"] : query.status ? [query.status] : undefined,
        cursor: query.cursor,
        limit: 50,
      }),
      channelNamesById(db),
    ]);
    return render(
      c,
      <Layout title="Stock syncs" nav="stock-syncs" page={c.var.page}>
        <h1>Stock syncs</h1>
        <p class="lead">Every push of stock to a store, by hand or on a channel's schedule, newest first. Open a run for each SKU's outcome and the store's reason for what it refused.</p>
        <form method="get" action="/dashboard/stock-syncs" class="filters">
          <label>
            Status
            <select name="status">
              <option value="">any</option>
              {LIST_FILTERS.map((status) => (
                <option value={status} selected={query.status === status}>
                  {status === "unsuccessful" ? "failed or partial" : status}
                </option>
              ))}
            </select>
          </label>
          <ChannelFilter name="channel_id" channels={[...names]} selected={query.channel_id} />
          <button type="submit">Show</button>
        </form>
        {page.items.length ? <RunTable runs={page.items} names={names} /> : <p class="muted">No stock sync matches.</p>}
        <Pager base="/dashboard/stock-syncs" params={{ status: query.status, channel_id: query.channel_id }} cursor={query.cursor} next={page.next_cursor} />
      </Layout>,
    );
  })

  .get("/:id", async (c) => {
    const query = itemQuery.parse(c.req.query());
    const { db } = c.var.services;
    const run = await findStockSync(db, c.req.param("id"));
    if (!run) throw new AppError("not_found", "There is no such stock sync.");
    const [items, names] = await Promise.all([findStockSyncItems(db, run.id, { status: query.status, cursor: query.cursor, limit: 200 }), channelNamesById(db)]);
    const warnings = JSON.parse(run.warnings) as Array<{ sku: string; available: number; sent: number }>;
    const base = `/dashboard/stock-syncs/${run.id}`;
    return render(
      c,
      <Layout title="Stock sync" nav="stock-syncs" page={c.var.page}>
        <p class="small">
          <a href="/dashboard/stock-syncs">← Stock syncs</a>
        </p>
        <h1>
          {`Stock sync to ${names.get(run.channelId)?.name ?? run.channelId} `}
          <RunStatus status={run.status} />
        </h1>
        <dl class="facts">
          <dt>Asked</dt>
          <dd>
            <Time at={run.requestedAt} />
            {` ${run.trigger === "schedule" ? "by the schedule" : "by hand"}, ${run.mode === "full" ? "every SKU" : "what changed"} from warehouse ${run.warehouseId}`}
          </dd>
          <dt>Finished</dt>
          <dd>
            <Time at={run.finishedAt} />
          </dd>
          <dt>Items</dt>
          <dd>
            <Counts run={run} />
          </dd>
          <dt>Store requests</dt>
          <dd>{`${run.requests} in ${plural(run.invocations, "step")}`}</dd>
          {run.error ? (
            <>
              <dt>Why it failed</dt>
              <dd class="reason">{run.error}</dd>
            </>
          ) : null}
        </dl>
        {warnings.length ? (
          <>
            <h2>Clamped quantities</h2>
            <p class="muted small">Stores take whole numbers of 0 or more: these were rounded down, or sent as 0 when oversold.</p>
            <ul>
              {warnings.map((warning) => (
                <li>
                  <span class="mono">{warning.sku}</span>
                  {`: available ${warning.available}, sent ${warning.sent}`}
                </li>
              ))}
            </ul>
          </>
        ) : null}
        <h2>Items</h2>
        <nav class="tabs" aria-label="Item status">
          <a href={base} aria-current={query.status ? undefined : "page"}>
            all
          </a>
          {ITEM_STATUSES.map((status) => (
            <a href={`${base}?status=${status}`} aria-current={query.status === status ? "page" : undefined}>
              {status}
            </a>
          ))}
        </nav>
        {items.items.length ? (
          <table>
            <thead>
              <tr>
                <th>SKU</th>
                <th class="num">Quantity sent</th>
                <th>Status</th>
                <th class="num">Attempts</th>
                <th>Store's reason</th>
              </tr>
            </thead>
            <tbody>
              {items.items.map((item) => (
                <tr>
                  <td class="mono">{item.sku}</td>
                  <td class="num">{String(item.quantity)}</td>
                  <td>
                    <RunStatus status={item.status === "pending" ? "running" : item.status} />
                    {item.status === "pending" ? (
                      <div class="muted small">
                        next try <Time at={item.nextAttemptAt} />
                      </div>
                    ) : null}
                  </td>
                  <td class="num">{String(item.attempts)}</td>
                  <td class={item.status === "failed" ? "reason" : "muted"}>{item.error ?? ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p class="muted">{run.itemsPlanned === 0 && run.status === "succeeded" ? "Nothing had changed: nothing was sent." : "No item matches."}</p>
        )}
        {items.next_cursor ? (
          <nav class="pager" aria-label="Pages">
            <a href={`${base}?${new URLSearchParams({ ...(query.status ? { status: query.status } : {}), cursor: items.next_cursor })}`}>Next SKUs »</a>
          </nav>
        ) : null}
      </Layout>,
    );
  });
