/**
 * /dashboard/deliveries — every request a channel URI received, accepted or refused, with the
 * reason; one delivery with its headers and its raw body, pretty-printed (read back from the R2
 * archive once the database copy is purged).
 */
import { Hono } from "hono";
import { z } from "zod";
import type { ChannelType } from "../../channels/types";
import { canConfirmAgain, confirmAgain } from "../../inbound/confirm-delivery";
import { loadDeliveryWithBody } from "../../inbound/delivery-log";
import { findDeliveries, type DeliveryRow } from "../../inbound/delivery-store";
import { DELIVERY_OUTCOMES, deliveryHeaders } from "../../inbound/delivery-wire";
import { ActionForm, Badge, ChannelFilter, labelOf, Layout, type PageContext, Pager, Time } from "../layout";
import { readableBody } from "../raw-body";
import { act, render, type DashboardEnv } from "../respond";
import { channelNamesById as channelNames } from "../../channels/channel-store";

/** Names and values (headers, form fields), both as text. */
function NameValueTable(props: { entries: Array<[string, string]>; caption?: string }) {
  return (
    <table class="kv">
      {props.caption ? <caption class="muted small">{props.caption}</caption> : null}
      <tbody>
        {props.entries.map(([name, value]) => (
          <tr>
            <th class="mono">{name}</th>
            <td class="mono">{value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function DeliveryHeaders(props: { headers: Record<string, string> }) {
  const entries = Object.entries(props.headers);
  if (entries.length === 0) return null;
  return (
    <details>
      <summary>{`Headers (${entries.length})`}</summary>
      <NameValueTable entries={entries} />
    </details>
  );
}

export function DeliveryBody(props: { body: string | null; contentType: string | null; purgedAt: number | null; archivedAt?: { deliveryId: string } | null }) {
  if (props.body === null) {
    if (props.purgedAt && props.archivedAt) {
      // Lists do not read bodies back from R2 one by one; the delivery's own page does.
      return (
        <p class="muted">
          The body was purged here after the retention period and is kept in the archive: <a href={`/dashboard/deliveries/${props.archivedAt.deliveryId}`}>open the delivery</a>.
        </p>
      );
    }
    return <p class="muted">{props.purgedAt ? "The body was purged after the retention period." : "No body was kept (a request to an unknown URI)."}</p>;
  }
  const readable = readableBody(props.body, props.contentType);
  if (readable.kind === "form") {
    return <NameValueTable entries={readable.fields} caption="Form fields, decoded" />;
  }
  return <pre class={`body ${readable.kind}`}>{readable.text}</pre>;
}

const deliveryQuery = z.object({
  outcome: z.enum(DELIVERY_OUTCOMES).optional().catch(undefined),
  channel: z.string().max(100).optional().catch(undefined),
  cursor: z.string().max(500).optional().catch(undefined),
});

export const deliveryPages = new Hono<DashboardEnv>()
  .get("/", async (c) => {
    const query = deliveryQuery.parse(c.req.query());
    const { db } = c.var.services;
    const [result, names] = await Promise.all([
      findDeliveries(db, { outcome: query.outcome, channel_id: query.channel || undefined, cursor: query.cursor || undefined, limit: 50 }),
      channelNames(db),
    ]);
    const tab = (outcome: string | undefined) => {
      const search = new URLSearchParams();
      if (outcome) search.set("outcome", outcome);
      if (query.channel) search.set("channel", query.channel);
      const text = search.toString();
      return text ? `/dashboard/deliveries?${text}` : "/dashboard/deliveries";
    };
    return render(
      c,
      <Layout title="Deliveries" nav="deliveries" page={c.var.page}>
        <h1>Deliveries</h1>
        <p class="lead">Every request the channel URIs received, newest first. Refused ones say why; nothing refused became an order.</p>
        <nav class="tabs" aria-label="Outcome">
          <a href={tab(undefined)} aria-current={query.outcome ? undefined : "page"}>
            all
          </a>
          {DELIVERY_OUTCOMES.map((outcome) => (
            <a href={tab(outcome)} aria-current={query.outcome === outcome ? "page" : undefined}>
              {outcome}
            </a>
          ))}
        </nav>
        <form method="get" action="/dashboard/deliveries" class="filters">
          {query.outcome ? <input type="hidden" name="outcome" value={query.outcome} /> : null}
          <ChannelFilter name="channel" channels={names} selected={query.channel} />
          <button type="submit">Filter</button>
        </form>
        {result.items.length === 0 ? (
          <p class="muted">No deliveries here.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>Received</th>
                <th>Channel</th>
                <th>Outcome</th>
                <th class="num">HTTP</th>
                <th>Reason</th>
                <th>Order</th>
                <th class="num">Bytes</th>
              </tr>
            </thead>
            <tbody>
              {result.items.map((delivery) => (
                <tr>
                  <td>
                    <a href={`/dashboard/deliveries/${delivery.id}`}>
                      <Time at={delivery.receivedAt} />
                    </a>
                  </td>
                  <td>{delivery.channelId ? (names.get(delivery.channelId)?.name ?? delivery.channelId) : <span class="muted">unknown URI</span>}</td>
                  <td>
                    <Badge value={delivery.outcome} />
                  </td>
                  <td class="num">{String(delivery.httpStatus)}</td>
                  <td class="small">
                    {delivery.errorCode ? <code>{delivery.errorCode}</code> : null} {delivery.reason ?? ""}
                  </td>
                  <td>{delivery.orderId ? <a href={`/dashboard/orders/${delivery.orderId}`}>open</a> : "—"}</td>
                  <td class="num">{String(delivery.bodyBytes)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <Pager base="/dashboard/deliveries" params={{ outcome: query.outcome, channel: query.channel }} cursor={query.cursor} next={result.next_cursor} />
      </Layout>,
    );
  })

  .get("/:id", async (c) => {
    const { db } = c.var.services;
    const { row: delivery, body } = await loadDeliveryWithBody(c.var.services, c.req.param("id"));
    const names = await channelNames(db);
    const channel = delivery.channelId ? names.get(delivery.channelId) : undefined;
    const canConfirm = channel !== undefined && canConfirmAgain(delivery, channel.type as ChannelType);
    return render(c, <DeliveryPage page={c.var.page} delivery={delivery} body={body} channelName={channel?.name ?? null} canConfirm={canConfirm} />);
  })

  .post("/:id/confirm", (c) =>
    act(c, `/dashboard/deliveries/${c.req.param("id")}`, async () => {
      await confirmAgain(c.var.services, c.req.param("id"));
      return { kind: "ok", text: "The delivery is pending again: the source is asked once more." };
    }),
  );

function DeliveryPage(props: { page: PageContext; delivery: DeliveryRow; body: string | null; channelName: string | null; canConfirm: boolean }) {
  const { delivery } = props;
  return (
    <Layout title="Delivery" nav="deliveries" page={props.page}>
      <p class="small">
        <a href="/dashboard/deliveries">← Deliveries</a>
      </p>
      <h1>
        {"Delivery "}
        <Badge value={delivery.outcome} />
      </h1>
      <table class="kv">
        <tbody>
          <tr>
            <th>Received</th>
            <td>
              <Time at={delivery.receivedAt} />
            </td>
          </tr>
          <tr>
            <th>Channel</th>
            <td>{delivery.channelId ? <a href={`/dashboard/channels/${delivery.channelId}`}>{props.channelName ?? delivery.channelId}</a> : "No channel has this URI"}</td>
          </tr>
          <tr>
            <th>Answered</th>
            <td>{`HTTP ${delivery.httpStatus}${delivery.errorCode ? ` ${delivery.errorCode}` : ""}`}</td>
          </tr>
          <tr>
            <th>Reason</th>
            <td>{delivery.reason ?? "—"}</td>
          </tr>
          <tr>
            <th>Content type</th>
            <td class="mono">{delivery.contentType ?? "—"}</td>
          </tr>
          <tr>
            <th>Order</th>
            <td>{delivery.orderId ? <a href={`/dashboard/orders/${delivery.orderId}`}>{delivery.orderId}</a> : "—"}</td>
          </tr>
        </tbody>
      </table>
      {props.canConfirm ? (
        <div class="actions">
          <ActionForm page={props.page} action={`/dashboard/deliveries/${delivery.id}/confirm`}>
            <button type="submit">{`Ask ${labelOf("the source")} again`}</button>
          </ActionForm>
        </div>
      ) : null}
      <h2>Headers</h2>
      <NameValueTable entries={Object.entries(deliveryHeaders(delivery))} />
      <h2>{`Body (${delivery.bodyBytes} bytes)`}</h2>
      {delivery.body === null && props.body !== null ? <p class="muted small">Read back from the archive: the database copy was purged after the retention period.</p> : null}
      <DeliveryBody body={props.body} contentType={delivery.contentType} purgedAt={delivery.bodyPurgedAt} />
    </Layout>
  );
}
