/**
 * The delivery log: every request to a channel URI, accepted or not, with the headers that help
 * support (never a credential or personal data) and its outcome. Its rows are written and read
 * through the delivery store.
 */
import type { Database, Services } from "../context";
import { AppError } from "../lib/errors";
import { bodyOfDelivery } from "./archive";
import { findDelivery, type DeliveryRow } from "./delivery-store";

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

/** One delivery of the log, or not_found. */
export async function loadDelivery(db: Database, id: string): Promise<DeliveryRow> {
  const row = await findDelivery(db, id);
  if (!row) throw new AppError("not_found", `No delivery ${id}`);
  return row;
}

/** One delivery with its raw body: from D1 while kept there, then read back from the R2 archive. */
export async function loadDeliveryWithBody(services: Services, id: string): Promise<{ row: DeliveryRow; body: string | null; archived: boolean }> {
  const row = await loadDelivery(services.db, id);
  return { row, ...(await bodyOfDelivery(services, row)) };
}
