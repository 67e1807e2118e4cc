import {
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  getQueueResult,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../../src/index";
import { DEAD_LETTER_QUEUE_NAME, isPermanent, ORDER_QUEUE_NAME } from "../../src/jobs/consumer";
import { AppError } from "../../src/lib/errors";
import { DAILY, EVERY_MINUTE } from "../../src/jobs/schedule";
import { api, createChannel, json, postOrder, sampleOrder } from "../helpers";

afterEach(() => vi.restoreAllMocks());

/** Stores an order through the real inbound path while the queue "loses" its message. */
async function storeWithoutQueueing(order: Record<string, unknown> = sampleOrder()) {
  const channel = await createChannel();
  const send = vi.spyOn(env.ORDER_QUEUE, "sendBatch").mockImplementation(async () => ({}) as never);
  const response = await postOrder(channel, JSON.stringify(order));
  expect(response.status).toBe(202);
  send.mockRestore();
  const { order_id: orderId } = await json(response);
  return { channel, orderId: orderId as string };
}

async function deliver(queue: string, messages: Array<{ body: unknown; attempts?: number }>) {
  const batch = createMessageBatch(
    queue,
    messages.map((message, index) => ({ id: `msg-${index}`, timestamp: new Date(), attempts: message.attempts ?? 1, body: message.body })),
  );
  // getQueueResult records that a message was retried but not its delay: watch the calls too.
  const retries = batch.messages.map((message) => vi.spyOn(message, "retry"));
  const ctx = createExecutionContext();
  await worker.queue(batch, env);
  const result = await getQueueResult(batch, ctx);
  return { ...result, retryOptions: retries.map((retry) => retry.mock.calls.map((call) => call[0])) };
}

const readOrder = async (orderId: string) => json(await api(`/api/orders/${orderId}`));

describe("the order queue consumer", () => {
  it("puts an order whose totals do not add up in needs_attention, with a reason a bookkeeper can read", async () => {
    const order = sampleOrder();
    (order.totals as Record<string, string>).total = "40.00";
    const { orderId } = await storeWithoutQueueing(order);

    const result = await deliver(ORDER_QUEUE_NAME, [{ body: { type: "order.received", order_id: orderId, version: 1 } }]);
    expect(result.explicitAcks).toEqual(["msg-0"]);
    const processed = await readOrder(orderId);
    expect(processed.status).toBe("needs_attention");
    expect(processed.processing.state).toBe("done");
    expect(processed.warnings).toEqual([
      { code: "total_mismatch", message: "Order total is 40.00 EUR but subtotal + shipping + tax is 29.04 EUR, off by 10.96 EUR" },
      { code: "payment_amount_mismatch", message: "Payment is 29.04 EUR but the order total is 40.00 EUR, off by -10.96 EUR" },
    ]);
  });

  it("changes nothing when the same message is delivered twice", async () => {
    const { orderId } = await storeWithoutQueueing();
    const message = { body: { type: "order.received", order_id: orderId, version: 1 } };
    await deliver(ORDER_QUEUE_NAME, [message]);
    const first = await readOrder(orderId);
    const second = await deliver(ORDER_QUEUE_NAME, [message, message]);
    expect(second.explicitAcks).toEqual(["msg-0", "msg-1"]);
    const after = await readOrder(orderId);
    expect(after.timeline).toEqual(first.timeline);
    expect(after.status).toBe(first.status);
  });

  it("retries a failed attempt with backoff and shows the attempt on the order", async () => {
    const { orderId } = await storeWithoutQueueing();
    vi.spyOn(env.DB, "batch").mockImplementation(async () => {
      throw new Error("D1_ERROR: simulated overload");
    });
    const result = await deliver(ORDER_QUEUE_NAME, [{ body: { type: "order.received", order_id: orderId, version: 1 }, attempts: 2 }]);
    vi.restoreAllMocks();
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages).toEqual([{ msgId: "msg-0" }]);
    expect(result.retryOptions).toEqual([[{ delaySeconds: 20 }]]);
    const order = await readOrder(orderId);
    expect(order.processing).toEqual({ state: "pending", attempts: 2, error: "D1_ERROR: simulated overload" });
  });

  it("records the failure after the last attempt and dead-letters the message; the API shows it and can queue it again", async () => {
    const { orderId } = await storeWithoutQueueing();
    const batch = vi.spyOn(env.DB, "batch");
    batch.mockImplementationOnce(async () => {
      throw new Error("D1_ERROR: still failing");
    });
    const result = await deliver(ORDER_QUEUE_NAME, [{ body: { type: "order.received", order_id: orderId, version: 1 }, attempts: 5 }]);
    vi.restoreAllMocks();
    // Retrying past max_retries is what hands a message to the dead-letter queue.
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages).toEqual([{ msgId: "msg-0" }]);

    // The dead-letter consumer keeps the reason the last attempt recorded.
    const dead = await deliver(DEAD_LETTER_QUEUE_NAME, [{ body: { type: "order.received", order_id: orderId, version: 1 } }]);
    expect(dead.explicitAcks).toEqual(["msg-0"]);

    const failed = await readOrder(orderId);
    expect(failed.processing).toEqual({ state: "failed", attempts: 5, error: "D1_ERROR: still failing" });
    expect(failed.timeline.map((event: { kind: string }) => event.kind)).toContain("processing_failed");
    const listed = await json(await api("/api/orders?processing=failed"));
    expect(listed.items.map((item: { id: string }) => item.id)).toContain(orderId);

    const reprocess = await api(`/api/orders/${orderId}/reprocess`, { method: "POST" });
    expect(reprocess.status).toBe(202);
    await vi.waitFor(async () => expect((await readOrder(orderId)).processing.state).toBe("done"), { timeout: 10_000, interval: 200 });
  });

  it("records an error retrying cannot fix and acknowledges the message instead of retrying it", async () => {
    const { orderId } = await storeWithoutQueueing();
    vi.spyOn(env.DB, "batch").mockImplementationOnce(async () => {
      throw new AppError("validation_failed", "lines.0.total: is required");
    });
    const result = await deliver(ORDER_QUEUE_NAME, [{ body: { type: "order.received", order_id: orderId, version: 1 }, attempts: 1 }]);
    vi.restoreAllMocks();
    expect(result.explicitAcks).toEqual(["msg-0"]);
    expect(result.retryMessages).toEqual([]);
    const order = await readOrder(orderId);
    expect(order.processing).toEqual({ state: "failed", attempts: 1, error: "lines.0.total: is required" });
    expect(order.timeline.map((event: { kind: string }) => event.kind)).toContain("processing_failed");
  });

  it("acknowledges a message for an order that does not exist instead of retrying it five times", async () => {
    const result = await deliver(ORDER_QUEUE_NAME, [{ body: { type: "order.received", order_id: "ord_missing", version: 1 }, attempts: 1 }]);
    expect(result.explicitAcks).toEqual(["msg-0"]);
    expect(result.retryMessages).toEqual([]);
  });

  it.each([
    ["a missing order", new AppError("not_found", "No order ord_1"), true],
    ["invalid input", new AppError("validation_failed", "lines.0.total: is required"), true],
    ["a revoked store token", Object.assign(new Error("401 from the store"), { retryable: false }), true],
    ["a race with another writer", new AppError("conflict", "The order changed meanwhile"), false],
    ["storage that is down", new AppError("storage_unavailable", "D1 is overloaded"), false],
    ["any other error", new Error("D1_ERROR: simulated overload"), false],
  ])("knows whether retrying can help with %s", (_, error, permanent) => {
    expect(isPermanent(error)).toBe(permanent);
  });

  it("records a dead-lettered message as a processing failure", async () => {
    const { orderId } = await storeWithoutQueueing();
    const result = await deliver(DEAD_LETTER_QUEUE_NAME, [{ body: { type: "order.received", order_id: orderId, version: 1 }, attempts: 1 }]);
    expect(result.explicitAcks).toEqual(["msg-0"]);
    expect((await readOrder(orderId)).processing).toMatchObject({ state: "failed", error: "gave up after repeated failures" });
  });

  it("acknowledges (drops) a message of unknown shape instead of retrying it forever", async () => {
    const result = await deliver(ORDER_QUEUE_NAME, [{ body: { type: "order.exploded" } }]);
    expect(result.explicitAcks).toEqual(["msg-0"]);
  });
});

async function runCron(cron: string, scheduledTime: number) {
  await worker.scheduled(createScheduledController({ cron, scheduledTime }), env);
}

describe("the every-minute sweep", () => {
  it("queues again an order whose queue message was lost, and the consumer processes it", async () => {
    const { orderId } = await storeWithoutQueueing();
    expect((await readOrder(orderId)).processing.state).toBe("pending");

    const sent = vi.spyOn(env.ORDER_QUEUE, "sendBatch");
    await runCron(EVERY_MINUTE, Date.now() + 5 * 60_000);
    expect(sent).not.toHaveBeenCalled(); // not yet overdue (SWEEP_AFTER_MINUTES = 10)

    await runCron(EVERY_MINUTE, Date.now() + 11 * 60_000);
    expect(sent).toHaveBeenCalledTimes(1);
    expect(sent.mock.calls[0][0]).toContainEqual({ body: { type: "order.received", order_id: orderId, version: 1 } });
    await vi.waitFor(async () => expect((await readOrder(orderId)).processing.state).toBe("done"), { timeout: 10_000, interval: 200 });
  });

  it("leaves failed orders alone until someone asks for them again", async () => {
    const { orderId } = await storeWithoutQueueing();
    await deliver(DEAD_LETTER_QUEUE_NAME, [{ body: { type: "order.received", order_id: orderId, version: 1 } }]);
    const sent = vi.spyOn(env.ORDER_QUEUE, "sendBatch");
    await runCron(EVERY_MINUTE, Date.now() + 60 * 60_000);
    const swept = sent.mock.calls.flatMap((call) => Array.from(call[0], (message) => (message.body as { order_id: string }).order_id));
    expect(swept).not.toContain(orderId);
  });

  it("refuses a cron it has no job for", async () => {
    await expect(runCron("0 0 1 1 *", Date.now())).rejects.toThrow(/no job for cron/);
  });
});

describe("the daily retention purge", () => {
  it("purges raw bodies past retention but keeps the delivery row and the order", async () => {
    const { channel, orderId } = await storeWithoutQueueing();
    const [delivery] = (await json(await api(`/api/deliveries?channel_id=${channel.id}`))).items;
    expect((await json(await api(`/api/deliveries/${delivery.id}`))).body).toContain('"external_id"');

    await runCron(DAILY, Date.now() + 29 * 86_400_000);
    expect((await json(await api(`/api/deliveries/${delivery.id}`))).body).not.toBeNull();

    await runCron(DAILY, Date.now() + 31 * 86_400_000);
    const purged = await json(await api(`/api/deliveries/${delivery.id}`));
    // The body is gone from D1; the API reads it back from the R2 archive (issue 14).
    expect((await env.DB.prepare("SELECT body FROM deliveries WHERE id = ?1").bind(delivery.id).first<{ body: string | null }>())!.body).toBeNull();
    expect(purged.body).toContain('"external_id"');
    expect(purged.body_archived).toBe(true);
    expect(purged.body_purged_at).toEqual(expect.any(String));
    expect(purged.outcome).toBe("accepted");
    expect((await readOrder(orderId)).external_id).toEqual(expect.any(String));
  });
});
