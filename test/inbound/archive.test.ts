/**
 * Raw bodies are archived to R2 (the local bucket of wrangler.toml) before the daily purge, which
 * drops only archived ones; the API and the dashboard read an archived body back after the purge;
 * the archive is kept forever unless ARCHIVE_RETENTION_DAYS is set.
 */
import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { buildServices } from "../../src/context";
import { readConfig, type WorkerEnv } from "../../src/env";
import { ARCHIVE_CHUNKS_PER_MINUTE, archiveBodies, archiveKeyOf } from "../../src/inbound/archive";
import { logDelivery } from "../../src/inbound/delivery-store";
import { purgeExpiredBodies } from "../../src/inbound/retention";
import { DAILY, EVERY_MINUTE, handleScheduled } from "../../src/jobs/schedule";
import { toHex } from "../../src/lib/encoding";
import worker from "../../src/index";
import { api, createChannel, json, postOrder, sampleOrder, type TestChannel } from "../helpers";
import { get, signIn } from "../dashboard/dashboard-client";

afterEach(() => vi.restoreAllMocks());

const DAY = 86_400_000;

async function runCron(cron: string, scheduledTime: number) {
  await worker.scheduled(createScheduledController({ cron, scheduledTime }), env);
}

function servicesOf(workerEnv: WorkerEnv, now: number) {
  const checked = readConfig(workerEnv);
  if (!checked.ok) throw new Error(checked.message);
  return buildServices(workerEnv, checked.config, () => now);
}

/** Posts an order with non-ASCII text to a fresh channel; returns the exact body and its delivery. */
async function postDelivery(): Promise<{ channel: TestChannel; body: string; id: string }> {
  const channel = await createChannel();
  const body = JSON.stringify(sampleOrder({ customer: { name: "Jānis Kalniņš — “ūdens” 🧾", email: "janis@example.lv" } }));
  expect((await postOrder(channel, body)).status).toBe(202);
  const [delivery] = (await json(await api(`/api/deliveries?channel_id=${channel.id}`))).items;
  return { channel, body, id: delivery.id };
}

const archiveKeyInD1 = async (id: string) =>
  (await env.DB.prepare("SELECT body_archive_key AS key FROM deliveries WHERE id = ?1").bind(id).first<{ key: string | null }>())?.key ?? null;

const bodyInD1 = async (id: string) =>
  (await env.DB.prepare("SELECT body FROM deliveries WHERE id = ?1").bind(id).first<{ body: string | null }>())?.body ?? null;

async function gunzipped(object: R2ObjectBody): Promise<Uint8Array> {
  return new Uint8Array(await new Response(object.body.pipeThrough(new DecompressionStream("gzip"))).arrayBuffer());
}

describe("archiving raw bodies to R2", () => {
  it("writes one gzipped object per delivery, keyed by its id, that gunzips to the exact bytes, with its metadata", async () => {
    const { channel, body, id } = await postDelivery();
    const delivery = await json(await api(`/api/deliveries/${id}`));
    expect(delivery.body).toBe(body);
    expect(delivery.body_archived).toBe(false);

    await runCron(EVERY_MINUTE, Date.now());

    const key = await archiveKeyInD1(id);
    const receivedAt = Date.parse(delivery.received_at);
    expect(key).toBe(archiveKeyOf({ id, receivedAt }));
    expect(key).toMatch(new RegExp(`^deliveries/\\d{4}/\\d{2}/${id}\\.gz$`));
    const object = await env.ARCHIVE.get(key!);
    expect(object).not.toBeNull();
    const raw = new TextEncoder().encode(body);
    expect(object!.size).toBeLessThan(raw.byteLength); // gzip, not the raw bytes
    expect(await gunzipped(object!)).toEqual(raw);
    expect(object!.httpMetadata).toMatchObject({ contentType: "application/json", contentEncoding: "gzip" });
    expect(object!.customMetadata).toEqual({
      delivery_id: id,
      channel_id: channel.id,
      content_type: "application/json",
      received_at: delivery.received_at,
      sha256: toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", raw))),
    });
    // The body stays in D1 until the retention period; the API says it is archived.
    expect(await bodyInD1(id)).toBe(body);
    expect((await json(await api(`/api/deliveries/${id}`))).body_archived).toBe(true);
  });

  it("keeps a body whose write failed unarchived, with the reason logged, and archives it on the next run", async () => {
    const { id } = await postDelivery();
    const put = vi.spyOn(env.ARCHIVE, "put").mockRejectedValueOnce(new Error("R2 is down"));
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const services = servicesOf(env, Date.now());

    const first = await archiveBodies(services, ARCHIVE_CHUNKS_PER_MINUTE);
    expect(first.failed).toBe(1);
    expect(await archiveKeyInD1(id)).toBeNull();
    expect(logged.mock.calls.flat().join(" ")).toMatch(/was not archived.*R2 is down/);

    put.mockRestore();
    await archiveBodies(services, ARCHIVE_CHUNKS_PER_MINUTE);
    expect(await archiveKeyInD1(id)).toMatch(new RegExp(`${id}\\.gz$`));
    // Nothing is left to archive: a further run writes nothing.
    const again = vi.spyOn(env.ARCHIVE, "put");
    expect(await archiveBodies(services, ARCHIVE_CHUNKS_PER_MINUTE)).toEqual({ archived: 0, failed: 0 });
    expect(again).not.toHaveBeenCalled();
  });
});

describe("the daily purge with the archive", () => {
  it("drops archived bodies past retention and leaves unarchived ones in D1", async () => {
    const archived = await postDelivery();
    await archiveBodies(servicesOf(env, Date.now()), ARCHIVE_CHUNKS_PER_MINUTE);
    const unarchived = await postDelivery(); // arrives after the archive run
    expect(await archiveKeyInD1(unarchived.id)).toBeNull();
    vi.spyOn(console, "warn").mockImplementation(() => {});

    const result = await purgeExpiredBodies(servicesOf(env, Date.now()), Date.now() + 31 * DAY);

    expect(result.unarchived).toBeGreaterThanOrEqual(1);
    expect(await bodyInD1(archived.id)).toBeNull();
    expect(await bodyInD1(unarchived.id)).toBe(unarchived.body);
  });

  it("after the purge, GET /api/deliveries/:id still returns the body, read back from the archive", async () => {
    const { body, id } = await postDelivery();

    await runCron(DAILY, Date.now() + 31 * DAY);

    const purged = await json(await api(`/api/deliveries/${id}`));
    expect(purged.body_purged_at).toEqual(expect.any(String));
    expect(purged.body).toBe(body);
    expect(purged.body_archived).toBe(true);
    expect(await bodyInD1(id)).toBeNull();
  });

  it("answers 503 storage_unavailable when the archive cannot be read, and the body again once it can", async () => {
    const { body, id } = await postDelivery();
    await runCron(DAILY, Date.now() + 31 * DAY);
    vi.spyOn(env.ARCHIVE, "get").mockRejectedValueOnce(new Error("R2 is down"));

    const failed = await api(`/api/deliveries/${id}`);
    expect(failed.status).toBe(503);
    expect((await json(failed)).error.code).toBe("storage_unavailable");
    expect((await json(await api(`/api/deliveries/${id}`))).body).toBe(body);
  });

  it("after the purge, the delivery page still shows the body, read back from the archive", async () => {
    const { id } = await postDelivery();
    await runCron(DAILY, Date.now() + 31 * DAY);
    expect(await bodyInD1(id)).toBeNull();

    const page = await get(await signIn(), `/dashboard/deliveries/${id}`);
    expect(page.status).toBe(200);
    expect(page.html).toContain("Jānis Kalniņš");
    expect(page.html).toContain("Read back from the archive");
    expect(page.html).not.toContain("The body was purged after the retention period.");
  });
});

describe("the order page after the purge", () => {
  it("points each archived delivery to its own page, where the body is read back", async () => {
    const { id } = await postDelivery();
    const { order_id: orderId } = await json(await api(`/api/deliveries/${id}`));
    await runCron(DAILY, Date.now() + 31 * DAY);

    const page = await get(await signIn(), `/dashboard/orders/${orderId}`);
    expect(page.status).toBe(200);
    expect(page.html).toContain("kept in the archive");
    expect(page.html).toContain(`href="/dashboard/deliveries/${id}"`);
  });
});

describe("the archive's retention", () => {
  /** A delivery logged `daysAgo` days before `now`, with a body. */
  async function loggedDaysAgo(now: number, daysAgo: number): Promise<string> {
    return logDelivery(env.DB, {
      channelId: null,
      receivedAt: now - daysAgo * DAY,
      outcome: "rejected",
      httpStatus: 404,
      errorCode: "unknown_channel",
      reason: "No channel has this URI",
      contentType: "text/plain",
      headers: {},
      body: `sent ${daysAgo} days ago`,
      bodyBytes: 20,
    });
  }

  it("keeps archived bodies forever by default, and deletes only the old ones when ARCHIVE_RETENTION_DAYS is set", async () => {
    const now = Date.now();
    const old = await loggedDaysAgo(now, 100);
    const recent = await loggedDaysAgo(now, 40);
    await handleScheduled({ cron: DAILY, scheduledTime: now }, env);
    const oldKey = (await archiveKeyInD1(old))!;
    const recentKey = (await archiveKeyInD1(recent))!;
    expect(await bodyInD1(old)).toBeNull(); // purged from D1 (30 days), archived
    expect(await env.ARCHIVE.head(oldKey)).not.toBeNull();

    // Unset: a year later, everything is still there.
    await handleScheduled({ cron: DAILY, scheduledTime: now + 365 * DAY }, env);
    expect(await env.ARCHIVE.head(oldKey)).not.toBeNull();
    expect(await env.ARCHIVE.head(recentKey)).not.toBeNull();

    // Set to 60 days: the 100-day-old object goes and its key is forgotten; the 40-day-old one stays.
    await handleScheduled({ cron: DAILY, scheduledTime: now }, { ...env, ARCHIVE_RETENTION_DAYS: "60" });
    expect(await env.ARCHIVE.head(oldKey)).toBeNull();
    expect(await archiveKeyInD1(old)).toBeNull();
    expect(await env.ARCHIVE.head(recentKey)).not.toBeNull();
    expect(await archiveKeyInD1(recent)).toBe(recentKey);
    expect((await json(await api(`/api/deliveries/${old}`))).body).toBeNull();
    expect((await json(await api(`/api/deliveries/${recent}`))).body).toBe("sent 40 days ago");
  });

  it("refuses an archive retention shorter than the raw body retention", () => {
    const checked = readConfig({ ...env, ARCHIVE_RETENTION_DAYS: "10" });
    expect(checked.ok).toBe(false);
    expect(checked.ok ? "" : checked.message).toContain("ARCHIVE_RETENTION_DAYS");
  });
});
