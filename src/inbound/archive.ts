/**
 * The archive of raw delivery bodies in R2: the proof of what a store sent outlives the D1 purge.
 * One object per delivery, gzipped, at a key derived from the delivery alone
 * (`deliveries/<yyyy>/<mm>/<delivery id>.gz`, the month it was received, UTC), so archiving again
 * overwrites the same object with the same bytes. A body is written first and its key recorded on
 * the delivery after; the purge drops only bodies whose key is recorded. Archiving runs from the
 * crons in bounded batches (src/jobs/schedule.ts), never on the ingest path.
 */
import type { Services } from "../context";
import { toHex } from "../lib/encoding";
import { AppError } from "../lib/errors";
import {
  clearBodyArchiveKeys,
  deliveriesWithBodyInD1,
  findUnarchivedBodies,
  setBodyArchiveKeys,
  type DeliveryRow,
  type UnarchivedBody,
} from "./delivery-store";

export const ARCHIVE_PREFIX = "deliveries/";
/** Bodies read from D1 at a time (each up to MAX_BODY_BYTES): bounds the memory a batch holds. */
const ARCHIVE_CHUNK = 10;
/** R2 operations stay well under the 1000 a Worker invocation may make. */
export const ARCHIVE_CHUNKS_PER_MINUTE = 5;
export const ARCHIVE_CHUNKS_PER_DAY = 50;
const RETENTION_LIST_PAGES = 5;

/** `deliveries/<yyyy>/<mm>/`: the month (UTC) a delivery was received. */
function monthPrefixOf(at: number): string {
  const date = new Date(at);
  return `${ARCHIVE_PREFIX}${date.getUTCFullYear()}/${String(date.getUTCMonth() + 1).padStart(2, "0")}/`;
}

export function archiveKeyOf(delivery: { id: string; receivedAt: number }): string {
  return `${monthPrefixOf(delivery.receivedAt)}${delivery.id}.gz`;
}

const deliveryIdOfKey = (key: string): string => key.slice(key.lastIndexOf("/") + 1).replace(/\.gz$/, "");

async function gzip(bytes: Uint8Array): Promise<ArrayBuffer> {
  return new Response(new Blob([bytes]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer();
}

async function gunzip(stream: ReadableStream<Uint8Array>): Promise<ArrayBuffer> {
  return new Response(stream.pipeThrough(new DecompressionStream("gzip"))).arrayBuffer();
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)));
}

/** Writes one body's object (overwrite-safe: same key, same bytes); returns its key. */
async function putBody(bucket: R2Bucket, delivery: UnarchivedBody): Promise<string> {
  const key = archiveKeyOf({ id: delivery.id, receivedAt: delivery.received_at });
  const raw = new TextEncoder().encode(delivery.body);
  await bucket.put(key, await gzip(raw), {
    httpMetadata: { contentType: delivery.content_type ?? "application/octet-stream", contentEncoding: "gzip" },
    customMetadata: {
      delivery_id: delivery.id,
      channel_id: delivery.channel_id ?? "",
      content_type: delivery.content_type ?? "",
      received_at: new Date(delivery.received_at).toISOString(),
      sha256: await sha256Hex(raw),
    },
  });
  return key;
}

/**
 * Archives raw bodies not archived yet, oldest first, in at most `maxChunks` chunks. A body whose
 * write fails keeps no key, is logged with the reason and is tried again next run; its D1 copy
 * stays until then.
 */
export async function archiveBodies(services: Services, maxChunks: number): Promise<{ archived: number; failed: number }> {
  let archived = 0;
  let failed = 0;
  for (let chunk = 0; chunk < maxChunks; chunk++) {
    const bodies = await findUnarchivedBodies(services.d1, ARCHIVE_CHUNK);
    const written: Array<{ id: string; key: string }> = [];
    for (const delivery of bodies) {
      try {
        written.push({ id: delivery.id, key: await putBody(services.archive, delivery) });
      } catch (error) {
        failed++;
        console.error(`archive: the body of delivery ${delivery.id} was not archived, tried again next run: ${String(error)}`);
      }
    }
    await setBodyArchiveKeys(services.d1, written);
    archived += written.length;
    // A failed body stays first in line: stop rather than read it again in this run.
    if (bodies.length < ARCHIVE_CHUNK || written.length < bodies.length) break;
  }
  if (archived) console.log(`archive: archived ${archived} raw bodies to R2`);
  return { archived, failed };
}

/** The body kept in an archive object, or null when the object is gone; R2 failing is a 503 (try again). */
export async function readArchivedBody(services: Services, key: string): Promise<string | null> {
  try {
    const object = await services.archive.get(key);
    if (!object) return null;
    return new TextDecoder().decode(await gunzip(object.body));
  } catch (error) {
    throw new AppError("storage_unavailable", `The archived body ${key} could not be read: ${String(error)}`);
  }
}

/** A delivery's raw body: from D1 while kept there, then from the archive. */
export async function bodyOfDelivery(services: Services, row: Pick<DeliveryRow, "body" | "bodyArchiveKey">): Promise<{ body: string | null; archived: boolean }> {
  const archived = row.bodyArchiveKey !== null;
  if (row.body !== null) return { body: row.body, archived };
  if (!archived) return { body: null, archived };
  const body = await readArchivedBody(services, row.bodyArchiveKey as string);
  return { body, archived: body !== null };
}

/**
 * With ARCHIVE_RETENTION_DAYS set, deletes archive objects of deliveries received before the
 * cutoff (their keys list oldest month first), a bounded number of list pages per run; an object
 * whose body is still in D1 stays. Unset, the archive is kept forever.
 */
export async function purgeOldArchive(services: Services, now: number): Promise<{ deleted: number }> {
  const days = services.config.ARCHIVE_RETENTION_DAYS;
  if (days === undefined) return { deleted: 0 };
  const cutoff = now - days * 86_400_000;
  // Keys of months after the cutoff's cannot be old enough: the listing stops there.
  const lastMonth = monthPrefixOf(cutoff);
  const newerMonth = (key: string) => key > lastMonth && !key.startsWith(lastMonth);
  let deleted = 0;
  let cursor: string | undefined;
  for (let page = 0; page < RETENTION_LIST_PAGES; page++) {
    const listed = await services.archive.list({ prefix: ARCHIVE_PREFIX, cursor, include: ["customMetadata"] });
    const old = listed.objects.filter((object) => !newerMonth(object.key) && Date.parse(object.customMetadata?.received_at ?? "") < cutoff);
    const stillInD1 = await deliveriesWithBodyInD1(services.d1, old.map((object) => deliveryIdOfKey(object.key)));
    const doomed = old.filter((object) => !stillInD1.has(deliveryIdOfKey(object.key)));
    if (doomed.length) {
      await services.archive.delete(doomed.map((object) => object.key));
      await clearBodyArchiveKeys(services.d1, doomed.map((object) => deliveryIdOfKey(object.key)));
      deleted += doomed.length;
    }
    if (!listed.truncated || listed.objects.some((object) => newerMonth(object.key))) break;
    cursor = listed.cursor;
  }
  if (deleted) console.log(`archive: deleted ${deleted} archived bodies older than ${days} days`);
  return { deleted };
}
