import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import simpleJson from "../fixtures/connect/simple-eur.json?raw";
import simpleXml from "../fixtures/connect/simple-eur.xml?raw";
import { api, createChannel, json, ORIGIN, postOrder, sampleOrder, worker } from "../helpers";

afterEach(() => vi.restoreAllMocks());

const countRows = async (sql: string, ...params: unknown[]) =>
  (await env.DB.prepare(sql).bind(...params).first<{ n: number }>())!.n;

const ordersOf = (channelId: string) => countRows("SELECT count(*) AS n FROM orders WHERE channel_id = ?", channelId);

describe("POST /in/:token accepts a signed Connect order", () => {
  it("stores it, queues it and answers 202 with the order id", async () => {
    const channel = await createChannel();
    const response = await postOrder(channel, simpleJson);
    expect(response.status).toBe(202);
    const answer = await json(response);
    expect(answer).toEqual({ order_id: expect.stringMatching(/^ord_/), duplicate: false });

    const order = await json(await api(`/api/orders/${answer.order_id}`));
    expect(order).toMatchObject({
      id: answer.order_id,
      channel_id: channel.id,
      external_id: "100231",
      number: "#1042",
      currency: "EUR",
      totals: { subtotal: "31.21", discount: "0.69", shipping: "3.99", tax: "7.39", total: "42.59" },
      lines: [{ sku: "MUG-001", unit_price: "12.50" }, { sku: "0042-TEA", discount: "0.69" }],
    });
    expect(order.timeline.map((event: { kind: string }) => event.kind)).toContain("created");
    expect(order.deliveries).toHaveLength(1);
    expect(order.deliveries[0]).toMatchObject({ outcome: "accepted", http_status: 202, headers: { "content-type": "application/json" } });
    expect(order.deliveries[0].headers["x-inbox-signature"]).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);

    // The real queue consumer picks it up: the totals add up, so it lands as new.
    await vi.waitFor(
      async () => {
        const processed = await json(await api(`/api/orders/${answer.order_id}`));
        expect(processed.processing.state).toBe("done");
        expect(processed.status).toBe("new");
      },
      { timeout: 10_000, interval: 200 },
    );
  });

  it("keeps the headers of interest in the delivery log but never credentials", async () => {
    const channel = await createChannel();
    const response = await postOrder(channel, JSON.stringify(sampleOrder()), {
      headers: { "x-wc-webhook-topic": "order.created", "x-api-key": "k-123", cookie: "session=1", "x-auth-token": "t-1", "user-agent": "Plugin/1.0" },
    });
    const [delivery] = (await json(await api(`/api/deliveries?order_id=${(await json(response)).order_id}`))).items;
    expect(delivery.headers).toMatchObject({ "x-wc-webhook-topic": "order.created", "user-agent": "Plugin/1.0" });
    expect(Object.keys(delivery.headers)).not.toEqual(expect.arrayContaining(["x-api-key"]));
    expect(JSON.stringify(delivery.headers)).not.toMatch(/k-123|session=1|t-1/);
  });

  it("accepts XML (application/xml and text/xml) into the same order model", async () => {
    const channel = await createChannel();
    const response = await postOrder(channel, simpleXml, { contentType: "text/xml; charset=utf-8" });
    expect(response.status).toBe(202);
    const order = await json(await api(`/api/orders/${(await json(response)).order_id}`));
    expect(order).toMatchObject({ external_id: "100231", billing_address: { country: "LV", line2: null }, note: "Please leave at the door & ring twice <thanks>" });
  });

  it("answers an identical re-post 200 with duplicate: true, even when it comes as XML", async () => {
    const channel = await createChannel();
    const first = await json(await postOrder(channel, simpleJson));
    const again = await postOrder(channel, simpleJson);
    expect(again.status).toBe(200);
    expect(await json(again)).toEqual({ order_id: first.order_id, duplicate: true });
    const asXml = await postOrder(channel, simpleXml, { contentType: "application/xml" });
    expect(await json(asXml)).toEqual({ order_id: first.order_id, duplicate: true });

    expect(await ordersOf(channel.id)).toBe(1);
    expect(await countRows("SELECT count(*) AS n FROM order_events WHERE order_id = ? AND kind IN ('created','updated','stale')", first.order_id)).toBe(1);
    const log = await json(await api(`/api/deliveries?channel_id=${channel.id}`));
    expect(log.items.map((delivery: { outcome: string }) => delivery.outcome).sort()).toEqual(["accepted", "duplicate", "duplicate"]);
  });

  it("applies a newer update and keeps both on the timeline; an older one changes nothing", async () => {
    const channel = await createChannel();
    const original = sampleOrder({ updated_at: "2026-11-27T10:00:00Z", note: "first" });
    const { order_id: orderId } = await json(await postOrder(channel, JSON.stringify(original)));

    const newer = { ...original, updated_at: "2026-11-27T11:00:00Z", note: "second", financial_status: "refunded" };
    const updated = await postOrder(channel, JSON.stringify(newer));
    expect(updated.status).toBe(202);
    expect(await json(updated)).toEqual({ order_id: orderId, duplicate: false });

    const older = { ...original, updated_at: "2026-11-27T10:30:00Z", note: "late and stale" };
    const stale = await postOrder(channel, JSON.stringify(older));
    expect(stale.status).toBe(200);
    expect(await json(stale)).toEqual({ order_id: orderId, duplicate: false, stale: true });

    const order = await json(await api(`/api/orders/${orderId}`));
    expect(order.note).toBe("second");
    expect(order.financial_status).toBe("refunded");
    expect(order.timeline.filter((event: { kind: string }) => event.kind !== "status_changed").map((event: { kind: string; data: { note: string } }) => [event.kind, event.data.note])).toEqual([
      ["created", "first"],
      ["updated", "second"],
      ["stale", "late and stale"],
    ]);
  });

  it("does not apply different content with the same updated_at: the store must move updated_at", async () => {
    const channel = await createChannel();
    const original = sampleOrder({ note: "first" });
    const { order_id: orderId } = await json(await postOrder(channel, JSON.stringify(original)));
    const sameTime = await postOrder(channel, JSON.stringify({ ...original, note: "same time, other content" }));
    expect(await json(sameTime)).toEqual({ order_id: orderId, duplicate: false, stale: true });
    expect((await json(await api(`/api/orders/${orderId}`))).note).toBe("first");
  });

  it("stores 20 concurrent copies of one delivery as one order and one event", async () => {
    const channel = await createChannel();
    const body = JSON.stringify(sampleOrder());
    const responses = await Promise.all(Array.from({ length: 20 }, () => postOrder(channel, body)));
    const answers = await Promise.all(responses.map((response) => json(response)));

    expect(responses.filter((response) => response.status === 202)).toHaveLength(1);
    expect(responses.filter((response) => response.status === 200)).toHaveLength(19);
    expect(new Set(answers.map((answer) => answer.order_id)).size).toBe(1);
    expect(answers.filter((answer) => answer.duplicate)).toHaveLength(19);
    expect(await ordersOf(channel.id)).toBe(1);
    expect(await countRows("SELECT count(*) AS n FROM order_events WHERE channel_id = ? AND kind = 'created'", channel.id)).toBe(1);
    expect(await countRows("SELECT count(*) AS n FROM deliveries WHERE channel_id = ?", channel.id)).toBe(20);
  });

  it("keeps store ids above 2^53 intact", async () => {
    const channel = await createChannel();
    const body = JSON.stringify(sampleOrder({ external_id: "820982911946154508" })).replace('"tx-1"', '"9007199254740993"');
    const { order_id: orderId } = await json(await postOrder(channel, body));
    const order = await json(await api(`/api/orders/${orderId}`));
    expect(order.external_id).toBe("820982911946154508");
    expect(order.payment.transaction_id).toBe("9007199254740993");
  });
});

describe("POST /in/:token refuses what it cannot accept, and logs it", () => {
  const cases: Array<{
    name: string;
    status: number;
    code: string;
    send: (channel: Awaited<ReturnType<typeof createChannel>>) => Promise<Response>;
  }> = [
    { name: "malformed JSON", status: 400, code: "malformed_body", send: (channel) => postOrder(channel, '{"external_id": "1",') },
    {
      name: "an order that fails validation",
      status: 400,
      code: "validation_failed",
      send: (channel) => postOrder(channel, JSON.stringify(sampleOrder({ currency: "EURO" }))),
    },
    {
      name: "XML with a DOCTYPE",
      status: 400,
      code: "xml_doctype_forbidden",
      send: (channel) => postOrder(channel, `<?xml version="1.0"?><!DOCTYPE o [<!ENTITY a "b">]><order>&a;</order>`, { contentType: "application/xml" }),
    },
    { name: "a missing signature", status: 401, code: "signature_missing", send: (channel) => postOrder(channel, simpleJson, { signature: null }) },
    {
      name: "a wrong secret",
      status: 401,
      code: "signature_mismatch",
      send: (channel) => postOrder(channel, simpleJson, { secret: "not-the-channel-secret-at-all" }),
    },
    {
      name: "a stale timestamp",
      status: 401,
      code: "signature_expired",
      send: (channel) => postOrder(channel, simpleJson, { signedAt: Math.floor(Date.now() / 1000) - 301 }),
    },
    {
      name: "an unsupported content type",
      status: 415,
      code: "unsupported_media_type",
      send: (channel) => postOrder(channel, "external_id=1", { contentType: "application/x-www-form-urlencoded" }),
    },
    {
      name: "a body over 1 MiB",
      status: 413,
      code: "payload_too_large",
      send: (channel) => postOrder(channel, JSON.stringify(sampleOrder({ note: "x".repeat(1024 * 1024) }))),
    },
  ];

  it.each(cases)("$name: $status $code, logged, no order", async ({ status, code, send }) => {
    const channel = await createChannel();
    const response = await send(channel);
    expect(response.status).toBe(status);
    const answer = await json(response);
    expect(answer.error.code).toBe(code);
    expect(answer.error.message).toEqual(expect.any(String));
    expect(await ordersOf(channel.id)).toBe(0);

    const log = await json(await api(`/api/deliveries?channel_id=${channel.id}&outcome=rejected`));
    expect(log.items).toHaveLength(1);
    expect(log.items[0]).toMatchObject({ outcome: "rejected", http_status: status, error_code: code, order_id: null });
  });

  it("names the field in a validation error and lists every problem", async () => {
    const channel = await createChannel();
    const order = sampleOrder();
    (order.lines as Array<Record<string, unknown>>)[0].total = "19.001";
    delete (order.totals as Record<string, unknown>).tax;
    const answer = await json(await postOrder(channel, JSON.stringify(order)));
    expect(answer.error.message).toMatch(/^totals\.tax: is required/);
    expect(answer.error.problems).toEqual([{ field: "totals.tax", message: "is required" }]);
  });

  it("refuses a streamed body over the limit without a Content-Length", async () => {
    const channel = await createChannel();
    const chunk = new Uint8Array(256 * 1024).fill(0x20);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 8) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const request = new Request(`${ORIGIN}/in/${channel.token}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: stream,
      duplex: "half",
    } as RequestInit);
    expect(request.headers.get("content-length")).toBeNull();
    const response = await worker().fetch(request);
    expect(response.status).toBe(413);
    expect(sent).toBeLessThan(8);
  });

  it("answers 404 for a URI that belongs to no channel, logging it without the body", async () => {
    const response = await postOrder({ token: "no-such-token", secret: "whatever-secret-value" }, simpleJson);
    expect(response.status).toBe(404);
    expect((await json(response)).error.code).toBe("channel_not_found");
    const row = await env.DB.prepare("SELECT * FROM deliveries WHERE channel_id IS NULL ORDER BY received_at DESC LIMIT 1").first<{ error_code: string; body: string | null }>();
    expect(row).toMatchObject({ error_code: "channel_not_found", body: null });
  });

  it("answers 403 for a disabled channel and 410 for a deleted one, storing nothing", async () => {
    const channel = await createChannel();
    await api(`/api/channels/${channel.id}`, { method: "PATCH", json: { status: "disabled" } });
    const disabled = await postOrder(channel, simpleJson);
    expect(disabled.status).toBe(403);
    expect((await json(disabled)).error.code).toBe("channel_disabled");

    await api(`/api/channels/${channel.id}`, { method: "PATCH", json: { status: "active" } });
    expect((await postOrder(channel, JSON.stringify(sampleOrder()))).status).toBe(202);

    await api(`/api/channels/${channel.id}`, { method: "DELETE" });
    const deleted = await postOrder(channel, simpleJson);
    expect(deleted.status).toBe(410);
    expect((await json(deleted)).error.code).toBe("channel_deleted");
    expect(await ordersOf(channel.id)).toBe(1);
  });

  it("never stores an order for a channel disabled behind this isolate's cached lookup", async () => {
    const channel = await createChannel();
    expect((await postOrder(channel, JSON.stringify(sampleOrder()))).status).toBe(202); // caches the channel
    // Another isolate disables it: this isolate's cache does not know.
    await env.DB.prepare("UPDATE channels SET status = 'disabled' WHERE id = ?").bind(channel.id).run();
    const response = await postOrder(channel, JSON.stringify(sampleOrder()));
    expect(response.status).toBe(403);
    expect(await ordersOf(channel.id)).toBe(1);
    expect(await countRows("SELECT count(*) AS n FROM deliveries WHERE channel_id = ? AND outcome = 'rejected'", channel.id)).toBe(1);
  });

  it("never accepts a secret revoked behind this isolate's cached lookup", async () => {
    const channel = await createChannel();
    expect((await postOrder(channel, JSON.stringify(sampleOrder()))).status).toBe(202);
    await env.DB.prepare("UPDATE channel_secrets SET revoked_at = 1 WHERE channel_id = ?").bind(channel.id).run();
    const response = await postOrder(channel, JSON.stringify(sampleOrder()));
    expect(response.status).toBe(401);
    expect(await ordersOf(channel.id)).toBe(1);
  });
});

describe("POST /in/:token is durable before it acknowledges", () => {
  it("answers 503 and stores nothing when D1 fails, so the store sends again", async () => {
    const channel = await createChannel();
    await postOrder(channel, JSON.stringify(sampleOrder())); // warm the channel cache
    vi.spyOn(env.DB, "batch").mockImplementation(async () => {
      throw new Error("D1_ERROR: simulated outage");
    });
    const response = await postOrder(channel, JSON.stringify(sampleOrder()));
    expect(response.status).toBe(503);
    expect((await json(response)).error.code).toBe("storage_unavailable");
    vi.restoreAllMocks();
    expect(await ordersOf(channel.id)).toBe(1);
  });

  it("still acknowledges a stored order when queueing fails, leaving it to the sweep", async () => {
    const channel = await createChannel();
    vi.spyOn(env.ORDER_QUEUE, "sendBatch").mockImplementation(async () => {
      throw new Error("queue unavailable");
    });
    const response = await postOrder(channel, JSON.stringify(sampleOrder()));
    expect(response.status).toBe(202);
    const { order_id: orderId } = await json(response);
    const order = await json(await api(`/api/orders/${orderId}`));
    expect(order.processing.state).toBe("pending");
  });

  it("costs one D1 round trip and the same rows written for 1 and 200 lines", async () => {
    const channel = await createChannel();
    await postOrder(channel, JSON.stringify(sampleOrder())); // warm the channel cache
    const costOf = async (lines: number) => {
      const batch = vi.spyOn(env.DB, "batch");
      const prepare = vi.spyOn(env.DB, "prepare");
      const response = await postOrder(channel, JSON.stringify(sampleOrder({}, lines)));
      expect(response.status).toBe(202);
      const calls = { batches: batch.mock.calls.length, statements: prepare.mock.calls.length };
      vi.restoreAllMocks();
      const timing = response.headers.get("server-timing") ?? "";
      return { ...calls, rowsWritten: Number(/rows_written=(\d+)/.exec(timing)?.[1]) };
    };
    const one = await costOf(1);
    const many = await costOf(200);
    expect(one.batches).toBe(1);
    expect(many.batches).toBe(1);
    expect(many.statements).toBe(one.statements);
    expect(one.rowsWritten).toBeGreaterThan(0);
    expect(many.rowsWritten).toBe(one.rowsWritten);
  });
});
