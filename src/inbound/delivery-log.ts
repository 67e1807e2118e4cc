/**
 * The delivery log: every request to a channel URI, accepted or not, with the headers that help
 * support and the outcome. Accepted deliveries are written inside the ingest batch; this module
 * writes the others (rejected, ignored), which store no order.
 */
import { newId } from "../lib/ids";

// paypal-*: PayPal's webhook transmission headers, which a deferred verification reads back.
const KEPT_HEADERS = /^(content-type|content-length|user-agent|x-[a-z0-9-]+|paypal-[a-z0-9-]+)$/;
// Personal data and anything that looks like a credential stays out of the log.
const NEVER_KEPT = /^(x-forwarded-for|x-real-ip)$|authorization|cookie|token|secret|password|api-?key/;
const HEADER_VALUE_LIMIT = 512;

/** The headers worth keeping with a delivery; credentials never reach the log. */
export function headersOfInterest(headers: Headers): Record<string, string> {
  const kept: Record<string, string> = {};
  headers.forEach((value, name) => {
    if (KEPT_HEADERS.test(name) && !NEVER_KEPT.test(name)) kept[name] = value.slice(0, HEADER_VALUE_LIMIT);
  });
  return kept;
}

export interface LoggedDelivery {
  channelId: string | null;
  receivedAt: number;
  outcome: "rejected" | "ignored" | "pending";
  httpStatus: number;
  errorCode: string | null;
  reason: string;
  contentType: string | null;
  headers: Record<string, string>;
  body: string | null;
  bodyBytes: number;
}

export async function logDelivery(d1: D1Database, delivery: LoggedDelivery): Promise<string> {
  const id = newId("dlv", delivery.receivedAt);
  await d1
    .prepare(
      `INSERT INTO deliveries (id, channel_id, received_at, outcome, http_status, error_code, reason, content_type, headers, body, body_bytes)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)`,
    )
    .bind(
      id,
      delivery.channelId,
      delivery.receivedAt,
      delivery.outcome,
      delivery.httpStatus,
      delivery.errorCode,
      delivery.reason.slice(0, 2000),
      delivery.contentType,
      JSON.stringify(delivery.headers),
      delivery.body,
      delivery.bodyBytes,
    )
    .run();
  return id;
}
