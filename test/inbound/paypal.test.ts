/**
 * The PayPal channel end to end in the Worker: deliveries to the channel URI are stored and
 * answered at once, confirmed from the real queue against the fake PayPal, and meet the transaction
 * feed's records on the transaction id.
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { createPayPalClient } from "../../src/channels/paypal/paypal-api";
import { paypalEndpoints } from "../../src/channels/paypal/paypal-settings";
import { signWebhook } from "../../src/channels/paypal/paypal-webhook-signature";
import { handleQueue, ORDER_QUEUE_NAME } from "../../src/jobs/consumer";
import { EVERY_MINUTE, handleScheduled } from "../../src/jobs/schedule";
import { utf8 } from "../../src/lib/encoding";
import {
  configurePayPal,
  expirePayPalTokens,
  injectPayPalFault,
  paypalBaseUrl,
  paypalKeys,
  paypalRequestLog,
  registerPayPalIpn,
  seedPayPalOrders,
  seedPayPalTransactions,
} from "../fakes/paypal-control";
import { api, createChannel, deliver, json } from "../helpers";

const FAKE = env.PAYPAL_FAKE_URL;
const files = import.meta.glob("../fixtures/paypal/**/*.{body,json}", { query: "?raw", import: "default", eager: true }) as Record<string, string>;
const fixture = (file: string) => files[`../fixtures/paypal/${file}`]!;
const RECORDS = JSON.parse(fixture("transactions/records.json")) as Array<{ transaction_info: { transaction_id: string } }>;
const WEBHOOK_ID = "3HX12345AB678901C";
const IPN = { "content-type": "application/x-www-form-urlencoded", "user-agent": "PayPal IPN ( https://www.paypal.com/ipn )" };

async function paypalChannel(account: string, settings: Record<string, unknown> = {}) {
  await configurePayPal(FAKE, account, { clientId: `client-${account}`, clientSecret: `secret-${account}` });
  return createChannel(`PayPal ${account}`, {
    type: "paypal",
    account_emails: ["shop@kaffeekontor.example"],
    receiver_id: "8XYZ4ABCDEF2G",
    webhook_id: WEBHOOK_ID,
    api_url: paypalBaseUrl(FAKE, account),
    ...settings,
  });
}

/** Posts an IPN the way PayPal does; `genuine` registers it with the fake first (PayPal sent it). */
async function postIpn(account: string, token: string, body: string, genuine = true) {
  if (genuine) await registerPayPalIpn(FAKE, account, body);
  return deliver(token, body, IPN);
}

async function postWebhook(account: string, token: string, body: string, options: { key?: "good" | "rogue"; webhookId?: string } = {}) {
  const keys = await paypalKeys(FAKE);
  const headers = await signWebhook(options.key === "rogue" ? keys.rogueKeyPem : keys.privateKeyPem, {
    transmissionId: crypto.randomUUID(),
    transmissionTime: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    webhookId: options.webhookId ?? WEBHOOK_ID,
    certUrl: `${paypalBaseUrl(FAKE, account)}${keys.certPath}`,
    body: utf8.encode(body),
  });
  return deliver(token, body, { "content-type": "application/json", "user-agent": "PayPal/AUHD-214.0-58843486", ...headers });
}

const deliveries = async (channelId: string) => (await json(await api(`/api/deliveries?channel_id=${channelId}&limit=100`))).items as Array<Record<string, any>>;

/** Waits until the real queue has confirmed every delivery of the channel. */
async function settled(channelId: string, count: number) {
  return vi.waitFor(
    async () => {
      const items = await deliveries(channelId);
      expect(items).toHaveLength(count);
      expect(items.filter((item) => item.outcome === "pending")).toEqual([]);
      return items.sort((a, b) => a.received_at.localeCompare(b.received_at) || a.id.localeCompare(b.id));
    },
    { timeout: 15_000, interval: 150 },
  );
}

const ordersOf = async (channelId: string) =>
  (await env.DB.prepare("SELECT external_id, financial_status, total_minor, version FROM orders WHERE channel_id = ?1 ORDER BY external_id").bind(channelId).all()).results;
const refundsOf = async (channelId: string) =>
  (await env.DB.prepare("SELECT external_id, order_external_id, amount_minor FROM refunds WHERE channel_id = ?1 ORDER BY external_id").bind(channelId).all()).results;

async function runQueue(body: unknown, attempts = 1) {
  const batch = createMessageBatch(ORDER_QUEUE_NAME, [{ id: crypto.randomUUID(), timestamp: new Date(), attempts, body }]);
  await handleQueue(batch, env, { now: Date.now, fetch: (input, init) => fetch(input, init), sleep: async () => undefined });
  return getQueueResult(batch, createExecutionContext());
}

describe("PayPal IPN", () => {
  it("stores the IPN, answers an empty 200, and makes an order only once PayPal says VERIFIED", async () => {
    const channel = await paypalChannel("pp-ipn");
    const response = await postIpn("pp-ipn", channel.token, fixture("ipn/cart-utf8.body"));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("");
    const [delivery] = await settled(channel.id, 1);
    expect(delivery).toMatchObject({ outcome: "accepted", http_status: 200, error_code: null, reason: null });
    expect(await ordersOf(channel.id)).toEqual([{ external_id: "3WV51842LE6093715", financial_status: "paid", total_minor: 5720, version: 1 }]);
    const postback = (await paypalRequestLog(FAKE, "pp-ipn")).filter((entry) => entry.path === "/cgi-bin/webscr");
    expect(postback).toHaveLength(1);
    expect(postback[0].body).toBe(`cmd=_notify-validate&${fixture("ipn/cart-utf8.body")}`);
  });

  it("never makes an order of an IPN PayPal did not send, nor of a re-encoded one", async () => {
    const channel = await paypalChannel("pp-invalid");
    const genuine = fixture("ipn/cart-utf8.body");
    await registerPayPalIpn(FAKE, "pp-invalid", genuine);
    // The same fields, re-encoded: %20 for spaces and a lower-case escape. PayPal only vouches for the bytes it sent.
    const reencoded = genuine.replace(/\+/g, "%20").replace("%C3%BC", "%c3%bc");
    expect((await postIpn("pp-invalid", channel.token, reencoded, false)).status).toBe(200);
    expect((await postIpn("pp-invalid", channel.token, fixture("ipn/express-checkout.body"), false)).status).toBe(200);
    const items = await settled(channel.id, 2);
    expect(items.map((item) => [item.outcome, item.error_code])).toEqual([
      ["rejected", "signature_mismatch"],
      ["rejected", "signature_mismatch"],
    ]);
    expect(items[0].reason).toMatch(/INVALID/);
    expect(await ordersOf(channel.id)).toEqual([]);
  });

  it("takes a payment once, whether its IPN comes twice, in windows-1252, or Completed before Pending", async () => {
    const channel = await paypalChannel("pp-dupes");
    for (const file of ["ipn/cart-utf8.body", "ipn/cart-utf8.body", "ipn/cart-windows-1252.body", "ipn/completed-after-pending.body", "ipn/pending.body", "ipn/refund.body", "ipn/refund.body"]) {
      expect((await postIpn("pp-dupes", channel.token, fixture(file))).status).toBe(200);
    }
    const items = await settled(channel.id, 7);
    expect(items.map((item) => item.outcome)).toEqual(["accepted", "duplicate", "duplicate", "accepted", "ignored", "accepted", "duplicate"]);
    expect(items[4].reason).toMatch(/Pending.*echeck/);
    expect(await ordersOf(channel.id)).toEqual([
      { external_id: "3WV51842LE6093715", financial_status: "paid", total_minor: 5720, version: 1 },
      { external_id: "5RT90316KA2247841", financial_status: "paid", total_minor: 7078, version: 1 },
    ]);
    expect(await refundsOf(channel.id)).toEqual([{ external_id: "1PF68203XN4471129", order_external_id: "3WV51842LE6093715", amount_minor: 1495 }]);
    const names = await env.DB.prepare("SELECT customer_name FROM orders WHERE channel_id = ?1 ORDER BY external_id").bind(channel.id).all();
    expect(names.results.map((row) => row.customer_name)).toEqual(["Jürgen Müller", "Thomas Brandt"]);
  });

  it("refuses an IPN sent to another PayPal account, and ignores payments that are not carts", async () => {
    const channel = await paypalChannel("pp-receiver");
    await postIpn("pp-receiver", channel.token, fixture("ipn/wrong-receiver.body"));
    await postIpn("pp-receiver", channel.token, fixture("ipn/send-money.body"));
    const items = await settled(channel.id, 2);
    expect(items.map((item) => [item.outcome, item.error_code])).toEqual([
      ["rejected", "wrong_receiver"],
      ["ignored", null],
    ]);
    expect(await ordersOf(channel.id)).toEqual([]);
  });

  it("confirms again, on request, an IPN refused before the channel knew its PayPal account", async () => {
    await configurePayPal(FAKE, "pp-later", { clientId: "client-pp-later", clientSecret: "secret-pp-later" });
    const channel = await createChannel("PayPal pp-later", { type: "paypal", api_url: paypalBaseUrl(FAKE, "pp-later") });
    await postIpn("pp-later", channel.token, fixture("ipn/cart-utf8.body"));
    const [refused] = await settled(channel.id, 1);
    expect(refused).toMatchObject({ outcome: "rejected", error_code: "wrong_receiver" });

    const patched = await api(`/api/channels/${channel.id}`, { method: "PATCH", json: { account_emails: ["shop@kaffeekontor.example"] } });
    expect(patched.status).toBe(200);
    const again = await api(`/api/deliveries/${refused.id}/confirm`, { method: "POST" });
    expect(again.status).toBe(202);
    expect((await json(again)).outcome).toBe("pending");
    const [confirmed] = await settled(channel.id, 1);
    expect(confirmed.outcome).toBe("accepted");
    expect(await ordersOf(channel.id)).toHaveLength(1);

    const twice = await api(`/api/deliveries/${refused.id}/confirm`, { method: "POST" });
    expect(twice.status).toBe(409);
    expect((await json(twice)).error.code).toBe("conflict");
  });

  it("refuses at once what is not an IPN at all", async () => {
    const channel = await paypalChannel("pp-garbage");
    const response = await deliver(channel.token, "hello=world", IPN);
    expect(response.status).toBe(400);
    expect((await json(response)).error.code).toBe("malformed_body");
    const raw = await deliver(channel.token, "txn_id=1&first_name=J\u00fcrgen", IPN);
    expect((await json(raw)).error.code).toBe("invalid_encoding");
  });

  it("retries while PayPal's postback fails, and marks the delivery unverified after the last attempt", async () => {
    const channel = await paypalChannel("pp-down");
    await injectPayPalFault(FAKE, "pp-down", { endpoint: "ipn", status: 503, count: 1000 });
    expect((await postIpn("pp-down", channel.token, fixture("ipn/cart-utf8.body"))).status).toBe(200);
    const [pending] = await deliveries(channel.id);
    expect(pending.outcome).toBe("pending");

    const retried = await runQueue({ type: "delivery.confirm", delivery_id: pending.id }, 1);
    expect(retried.retryMessages).toHaveLength(1);
    expect((await deliveries(channel.id))[0].outcome).toBe("pending");
    const last = await runQueue({ type: "delivery.confirm", delivery_id: pending.id }, 5);
    expect(last.explicitAcks).toHaveLength(1);
    const [given] = await deliveries(channel.id);
    expect(given).toMatchObject({ outcome: "unverified", error_code: "store_error" });
    expect(given.reason).toMatch(/503/);
    expect(await ordersOf(channel.id)).toEqual([]);

    // PayPal is back: the delivery can be confirmed again from the API.
    await configurePayPal(FAKE, "pp-down", { clientId: "client-pp-down", clientSecret: "secret-pp-down" });
    await registerPayPalIpn(FAKE, "pp-down", fixture("ipn/cart-utf8.body"));
    expect((await api(`/api/deliveries/${pending.id}/confirm`, { method: "POST" })).status).toBe(202);
    const [confirmed] = await settled(channel.id, 1);
    expect(confirmed.outcome).toBe("accepted");
  });
});

describe("pending PayPal deliveries", () => {
  it("are queued again by the minute cron when their confirmation was lost", async () => {
    const channel = await paypalChannel("pp-lost");
    await injectPayPalFault(FAKE, "pp-lost", { endpoint: "ipn", status: 500, count: 1000 });
    await postIpn("pp-lost", channel.token, fixture("ipn/cart-utf8.body"));
    const [pending] = await deliveries(channel.id);
    // As if the queue had lost the message twenty minutes ago, and PayPal were back.
    const longAgo = Date.now() - 20 * 60_000;
    await env.DB.prepare("UPDATE deliveries SET received_at = ?2, confirm_queued_at = ?2 WHERE id = ?1").bind(pending.id, longAgo).run();
    await configurePayPal(FAKE, "pp-lost", { clientId: "client-pp-lost", clientSecret: "secret-pp-lost" });
    await registerPayPalIpn(FAKE, "pp-lost", fixture("ipn/cart-utf8.body"));

    await handleScheduled({ cron: EVERY_MINUTE, scheduledTime: Date.now() }, env);
    const queuedAt = await env.DB.prepare("SELECT confirm_queued_at FROM deliveries WHERE id = ?1").bind(pending.id).first<number>("confirm_queued_at");
    expect(queuedAt).toBeGreaterThan(longAgo);
    const [confirmed] = await settled(channel.id, 1);
    expect(confirmed.outcome).toBe("accepted");
    expect(await ordersOf(channel.id)).toHaveLength(1);
  });
});

describe("PayPal REST webhooks", () => {
  const sandbox = { environment: "sandbox" };

  it("verifies CHECKOUT.ORDER.COMPLETED offline and makes its order; the capture event and the refund meet it", async () => {
    const channel = await paypalChannel("pp-webhooks", { ...sandbox, client_id: "client-pp-webhooks", client_secret: "secret-pp-webhooks" });
    await seedPayPalOrders(FAKE, "pp-webhooks", [fixture("orders/3C819274VT5506132.json")]);
    for (const file of ["webhooks/checkout-order-completed.json", "webhooks/payment-capture-completed.json", "webhooks/payment-capture-refunded.json", "webhooks/checkout-order-approved.json"]) {
      const response = await postWebhook("pp-webhooks", channel.token, fixture(file));
      expect(response.status).toBe(200);
    }
    const items = await settled(channel.id, 4);
    expect(items.map((item) => item.outcome)).toEqual(["accepted", "duplicate", "accepted", "ignored"]);
    expect(await ordersOf(channel.id)).toEqual([{ external_id: "0AX47319PZ5528867", financial_status: "paid", total_minor: 14386, version: 1 }]);
    expect(await refundsOf(channel.id)).toEqual([{ external_id: "3MS60428FJ9914457", order_external_id: "0AX47319PZ5528867", amount_minor: 14386 }]);
    const log = await paypalRequestLog(FAKE, "pp-webhooks");
    expect(log.filter((entry) => entry.path.startsWith("/v2/checkout/orders/3C819274VT5506132"))).toHaveLength(1);
    // One certificate fetch for four deliveries: it is cached.
    expect(log.filter((entry) => entry.path.startsWith("/v1/notifications/certs/")).length).toBeLessThanOrEqual(1);
  });

  it("builds the order from a capture-only event by looking the order up", async () => {
    const channel = await paypalChannel("pp-capture", { ...sandbox, client_id: "client-pp-capture", client_secret: "secret-pp-capture" });
    await seedPayPalOrders(FAKE, "pp-capture", [fixture("orders/3C819274VT5506132.json")]);
    await postWebhook("pp-capture", channel.token, fixture("webhooks/payment-capture-completed.json"));
    const [delivery] = await settled(channel.id, 1);
    expect(delivery.outcome).toBe("accepted");
    const order = await json(await api(`/api/orders/${delivery.order_id}`));
    expect(order.data?.lines ?? order.lines).toHaveLength(2);
  });

  it("rejects a forged signature, a changed body and another webhook's id, and makes no order", async () => {
    const channel = await paypalChannel("pp-forged", sandbox);
    const body = fixture("webhooks/checkout-order-completed.json");
    await postWebhook("pp-forged", channel.token, body, { key: "rogue" });
    await postWebhook("pp-forged", channel.token, body, { webhookId: "WEBHOOK_ID" });
    const keys = await paypalKeys(FAKE);
    const headers = await signWebhook(keys.privateKeyPem, {
      transmissionId: crypto.randomUUID(),
      transmissionTime: new Date().toISOString(),
      webhookId: WEBHOOK_ID,
      certUrl: `${paypalBaseUrl(FAKE, "pp-forged")}${keys.certPath}`,
      body: utf8.encode(body),
    });
    // Re-serialised: the same event, other bytes (what a proxy or a framework's JSON body parser makes of it).
    const reserialised = JSON.stringify(JSON.parse(body), null, 2);
    expect(reserialised).not.toBe(body);
    await deliver(channel.token, reserialised, { "content-type": "application/json", ...headers });
    const items = await settled(channel.id, 3);
    expect(items.map((item) => [item.outcome, item.error_code])).toEqual([
      ["rejected", "signature_mismatch"],
      ["rejected", "signature_mismatch"],
      ["rejected", "signature_mismatch"],
    ]);
    expect(await ordersOf(channel.id)).toEqual([]);
  });

  it("refuses at once a webhook whose certificate URL is not PayPal's, without fetching it", async () => {
    const channel = await paypalChannel("pp-certurl", sandbox);
    const keys = await paypalKeys(FAKE);
    const body = fixture("webhooks/checkout-order-completed.json");
    const headers = await signWebhook(keys.privateKeyPem, {
      transmissionId: crypto.randomUUID(),
      transmissionTime: new Date().toISOString(),
      webhookId: WEBHOOK_ID,
      certUrl: `${paypalBaseUrl(FAKE, "someone-else")}${keys.certPath}`,
      body: utf8.encode(body),
    });
    const response = await deliver(channel.token, body, { "content-type": "application/json", ...headers });
    expect(response.status).toBe(401);
    expect((await json(response)).error.code).toBe("signature_malformed");
  });
});

describe("the PayPal transaction feed", () => {
  const recordText = (id: string, change: (record: any) => void = () => undefined) => {
    const record = structuredClone(RECORDS.find((entry) => entry.transaction_info.transaction_id === id && (entry as any).transaction_info.transaction_status !== "P"))!;
    change(record);
    return JSON.stringify(record);
  };
  const at = (msAgo: number) => new Date(Date.now() - msAgo).toISOString().replace(/\.\d+Z$/, "+0000");
  const sweep = (channelId: string) => runQueue({ type: "channel.reconcile", channel_id: channelId });
  const lastRun = async (channelId: string) => (await json(await api(`/api/channels/${channelId}/reconciliation`))).runs[0];
  const feedChannel = (account: string) => paypalChannel(account, { client_id: `client-${account}`, client_secret: `secret-${account}` });
  const searches = async (account: string) =>
    (await paypalRequestLog(FAKE, account)).filter((entry) => entry.path.startsWith("/v1/reporting/transactions")).map((entry) => new URL(entry.path, "http://x").searchParams);

  it("makes orders of completed checkout payments and refunds of refunds; meets an IPN's order without doubling it", async () => {
    const channel = await feedChannel("pp-feed");
    const recent = (id: string, hoursAgo: number) =>
      recordText(id, (record) => {
        record.transaction_info.transaction_initiation_date = at(hoursAgo * 3_600_000);
        record.transaction_info.transaction_updated_date = at(hoursAgo * 3_600_000);
      });
    await seedPayPalTransactions(FAKE, "pp-feed", [
      recent("3WV51842LE6093715", 5),
      recent("9DH27460MB1185302", 4),
      recent("1PF68203XN4471129", 3),
      recent("4TN82037BW5519060", 2),
      recent("7FA20583JH4490172", 2),
    ]);
    await postIpn("pp-feed", channel.token, fixture("ipn/cart-utf8.body"));
    await settled(channel.id, 1);

    await sweep(channel.id);
    expect(await lastRun(channel.id)).toMatchObject({ status: "ok", orders_created: 1 });
    expect(await ordersOf(channel.id)).toEqual([
      { external_id: "3WV51842LE6093715", financial_status: "paid", total_minor: 5720, version: 1 },
      { external_id: "9DH27460MB1185302", financial_status: "paid", total_minor: 19490, version: 1 },
    ]);
    expect(await refundsOf(channel.id)).toEqual([{ external_id: "1PF68203XN4471129", order_external_id: "3WV51842LE6093715", amount_minor: 1495 }]);
    const [query] = await searches("pp-feed");
    expect(Object.fromEntries(query)).toMatchObject({ fields: "all", page_size: "500", page: "1" });

    await sweep(channel.id);
    expect(await lastRun(channel.id)).toMatchObject({ status: "ok", orders_created: 0, orders_updated: 0 });
    expect((await ordersOf(channel.id)).length).toBe(2);
    // The REST secret is sealed: the API names it, never shows it.
    const shown = await json(await api(`/api/channels/${channel.id}`));
    expect(JSON.stringify(shown)).not.toContain("secret-pp-feed");
    expect(shown.credentials ?? shown.settings?.credentials ?? JSON.stringify(shown)).toContain("client_secret");
  });

  it("reads a long absence in windows of at most 31 days, every page", async () => {
    const channel = await feedChannel("pp-windows");
    await env.DB.prepare("UPDATE channels SET reconcile_cursor = ?2 WHERE id = ?1").bind(channel.id, Date.now() - 70 * 86_400_000).run();
    const many = Array.from({ length: 501 }, (_, index) =>
      recordText("9DH27460MB1185302", (record) => {
        record.transaction_info.transaction_id = `BULK${String(index).padStart(13, "0")}`;
        record.transaction_info.transaction_initiation_date = at(40 * 86_400_000 + index * 1000);
      }),
    );
    await seedPayPalTransactions(FAKE, "pp-windows", many);
    await sweep(channel.id);
    expect(await lastRun(channel.id)).toMatchObject({ status: "ok", orders_created: 501 });
    const queries = await searches("pp-windows");
    for (const query of queries) {
      expect(Date.parse(query.get("end_date")!) - Date.parse(query.get("start_date")!)).toBeLessThanOrEqual(31 * 86_400_000);
    }
    // 70 days in three windows; the 501 records, 40 days back, fill two pages of the first one.
    expect(queries.map((query) => query.get("page"))).toEqual(["1", "2", "1", "1"]);
  });

  it("catches records PayPal publishes late, and never moves past last_refreshed_datetime or a pending payment", async () => {
    const account = "pp-late";
    const channel = await feedChannel(account);
    const refreshed = Date.now() - 2 * 3_600_000;
    await configurePayPal(FAKE, account, { clientId: `client-${account}`, clientSecret: `secret-${account}`, lastRefreshed: new Date(refreshed).toISOString() });
    const pending = RECORDS.find((entry: any) => entry.transaction_info.transaction_status === "P")!;
    const pendingText = (status: string) => {
      const record = structuredClone(pending) as any;
      record.transaction_info.transaction_initiation_date = at(20 * 3_600_000);
      record.transaction_info.transaction_status = status;
      return JSON.stringify(record);
    };
    await seedPayPalTransactions(FAKE, account, [pendingText("P")]);
    await sweep(channel.id);
    const cursor = async () => (await env.DB.prepare("SELECT reconcile_cursor FROM channels WHERE id = ?1").bind(channel.id).first<number>("reconcile_cursor"))!;
    expect(await cursor()).toBeLessThanOrEqual(Date.now() - 20 * 3_600_000 + 5_000);
    expect(await ordersOf(channel.id)).toEqual([]);

    // A record from an hour before the last refresh, published late, and the pending payment completed.
    const late = recordText("9DH27460MB1185302", (record) => {
      record.transaction_info.transaction_initiation_date = new Date(refreshed - 3_600_000).toISOString().replace(/\.\d+Z$/, "+0000");
    });
    await seedPayPalTransactions(FAKE, account, [late, pendingText("S")]);
    await sweep(channel.id);
    expect((await ordersOf(channel.id)).map((order) => order.external_id)).toEqual(["5RT90316KA2247841", "9DH27460MB1185302"]);
    expect(await cursor()).toBeLessThanOrEqual(refreshed);
  });

  it("splits a window PayPal finds too large, and waits out the Monday 'not available yet' answer", async () => {
    const account = "pp-large";
    const channel = await feedChannel(account);
    await configurePayPal(FAKE, account, { clientId: `client-${account}`, clientSecret: `secret-${account}`, maxResultRows: 2 });
    await seedPayPalTransactions(
      FAKE,
      account,
      [0, 1, 2, 3, 4].map((index) =>
        recordText("9DH27460MB1185302", (record) => {
          record.transaction_info.transaction_id = `SPLIT${String(index).padStart(12, "0")}`;
          record.transaction_info.transaction_initiation_date = at((index + 1) * 3 * 3_600_000);
        }),
      ),
    );
    await sweep(channel.id);
    expect(await lastRun(channel.id)).toMatchObject({ status: "ok", orders_created: 5 });
    expect((await searches(account)).length).toBeGreaterThan(3);

    const monday = await feedChannel("pp-monday");
    await injectPayPalFault(FAKE, "pp-monday", { endpoint: "transactions", status: 400, count: 1 });
    await sweep(monday.id);
    expect(await lastRun(monday.id)).toMatchObject({ status: "ok", orders_created: 0 });
    const held = await env.DB.prepare("SELECT reconcile_cursor FROM channels WHERE id = ?1").bind(monday.id).first<number>("reconcile_cursor");
    // The next sweep starts again where this one did (24 hours back, its first window): nothing skipped.
    expect(held! - 3 * 3_600_000).toBeLessThanOrEqual(Date.now() - 24 * 3_600_000);
  });

  it("waits out a 429 and renews an expired token", async () => {
    const account = "pp-client";
    await configurePayPal(FAKE, account, { clientId: "client-pp-client", clientSecret: "secret-pp-client" });
    const waits: number[] = [];
    const client = createPayPalClient({
      endpoints: paypalEndpoints({ api_url: paypalBaseUrl(FAKE, account) }),
      clientId: "client-pp-client",
      clientSecret: "secret-pp-client",
      fetch: (input, init) => fetch(input, init),
      sleep: async (ms) => void waits.push(ms),
    });
    const start = new Date(Date.now() - 86_400_000);
    await injectPayPalFault(FAKE, account, { endpoint: "transactions", status: 429, count: 1, retryAfter: 2 });
    await client.searchTransactions(start, new Date(), 1);
    expect(waits).toEqual([2000]);
    await expirePayPalTokens(FAKE, account);
    await client.searchTransactions(start, new Date(), 1);
    const log = await paypalRequestLog(FAKE, account);
    expect(log.map((entry) => `${entry.endpoint}:${entry.status}`)).toEqual([
      "token:200",
      "transactions:429",
      "transactions:200",
      "transactions:401",
      "token:200",
      "transactions:200",
    ]);
  });

  it("says plainly when the app may not search transactions", async () => {
    const account = "pp-scope";
    const channel = await feedChannel(account);
    await configurePayPal(FAKE, account, { clientId: `client-${account}`, clientSecret: `secret-${account}`, scopes: ["openid"] });
    await sweep(channel.id);
    expect(await lastRun(channel.id)).toMatchObject({ status: "failed", error: expect.stringMatching(/403.*insufficient permissions/) });
  });
});

// ---- Issue 21 -----------------------------------------------------------------------------------------------------

describe("issue 21: IPNs PayPal sends in charsets and to addresses the first reading refused (5)", { timeout: 30_000 }, () => {
  it("keeps an IPN in a charset the inbox cannot read: 200, confirmed with PayPal, rejected with the reason, body kept", async () => {
    const channel = await paypalChannel("pp-greek");
    const body = fixture("ipn/cart-x-mac-greek.body");
    const response = await postIpn("pp-greek", channel.token, body);
    expect(response.status).toBe(200);
    const [delivery] = await settled(channel.id, 1);
    expect(delivery).toMatchObject({ outcome: "rejected", http_status: 200, error_code: "invalid_encoding" });
    expect(delivery.reason).toMatch(/x-mac-greek.*kept exactly as received/);
    const stored = await env.DB.prepare("SELECT body FROM deliveries WHERE id = ?1").bind(delivery.id).first<string>("body");
    expect(stored).toBe(body);
    expect((await paypalRequestLog(FAKE, "pp-greek")).filter((entry) => entry.path === "/cgi-bin/webscr")).toHaveLength(1);
    expect(await ordersOf(channel.id)).toEqual([]);
  });

  it("makes the order of a UTF-7 IPN", async () => {
    const channel = await paypalChannel("pp-utf7");
    expect((await postIpn("pp-utf7", channel.token, fixture("ipn/cart-utf-7.body"))).status).toBe(200);
    const [delivery] = await settled(channel.id, 1);
    expect(delivery.outcome).toBe("accepted");
    const names = await env.DB.prepare("SELECT customer_name FROM orders WHERE channel_id = ?1").bind(channel.id).all();
    expect(names.results).toEqual([{ customer_name: "Jürgen Müller" }]);
  });

  it("accepts an IPN paid to a secondary address when the channel knows only that address", async () => {
    await configurePayPal(FAKE, "pp-secondary", { clientId: "client-pp-secondary", clientSecret: "secret-pp-secondary" });
    const channel = await createChannel("PayPal pp-secondary", { type: "paypal", account_emails: ["verkauf@kaffeekontor.example"], api_url: paypalBaseUrl(FAKE, "pp-secondary") });
    await postIpn("pp-secondary", channel.token, fixture("ipn/cart-secondary-address.body"));
    const [delivery] = await settled(channel.id, 1);
    expect(delivery).toMatchObject({ outcome: "accepted", error_code: null });
    expect(await ordersOf(channel.id)).toEqual([{ external_id: "5MX47102PL3396815", financial_status: "paid", total_minor: 5720, version: 1 }]);
  });
});

describe("issue 21: a capture refunded before its order is looked up (2)", { timeout: 30_000 }, () => {
  it("makes the order, partially refunded, and the refund the order carries", async () => {
    const channel = await paypalChannel("pp-refunded-capture", { environment: "sandbox", client_id: "client-pp-refunded-capture", client_secret: "secret-pp-refunded-capture" });
    await seedPayPalOrders(FAKE, "pp-refunded-capture", [fixture("orders/5PR13806XM2264917.json")]);
    await postWebhook("pp-refunded-capture", channel.token, fixture("webhooks/payment-capture-completed-later-refunded.json"));
    const [delivery] = await settled(channel.id, 1);
    expect(delivery.outcome).toBe("accepted");
    expect(await ordersOf(channel.id)).toEqual([{ external_id: "2KB58317RF0094462", financial_status: "partially_refunded", total_minor: 14386, version: 1 }]);
    expect(await refundsOf(channel.id)).toEqual([{ external_id: "9RF20754DH3318640", order_external_id: "2KB58317RF0094462", amount_minor: 2200 }]);
  });
});

describe("issue 21: the transaction feed", { timeout: 30_000 }, () => {
  const at = (msAgo: number) => new Date(Date.now() - msAgo).toISOString().replace(/\.\d+Z$/, "+0000");
  const sweep = (channelId: string) => runQueue({ type: "channel.reconcile", channel_id: channelId });
  const lastRun = async (channelId: string) => (await json(await api(`/api/channels/${channelId}/reconciliation`))).runs[0];
  const cursorOf = async (channelId: string) => (await env.DB.prepare("SELECT reconcile_cursor FROM channels WHERE id = ?1").bind(channelId).first<number>("reconcile_cursor"))!;
  const feedChannel = (account: string) => paypalChannel(account, { client_id: `client-${account}`, client_secret: `secret-${account}` });
  const ISSUE_21 = JSON.parse(fixture("transactions/issue-21-records.json")) as any[];

  it("reads T0007 carts and a partly refunded payment as orders, stores a T1202 won dispute, and skips a Buy Now payment and the merchant's own purchase (1, 2, 4, 7)", async () => {
    const channel = await feedChannel("pp-issue21");
    const recent = ISSUE_21.map((record, index) => {
      const copy = structuredClone(record);
      copy.transaction_info.transaction_initiation_date = at((10 - index) * 3_600_000);
      copy.transaction_info.transaction_updated_date = copy.transaction_info.transaction_initiation_date;
      return JSON.stringify(copy);
    });
    await seedPayPalTransactions(FAKE, "pp-issue21", recent);
    await sweep(channel.id);
    expect(await lastRun(channel.id)).toMatchObject({ status: "ok", orders_created: 3, error: null });
    expect(await ordersOf(channel.id)).toEqual([
      { external_id: "4PF93107HB2286541", financial_status: "partially_refunded", total_minor: 5720, version: 1 },
      { external_id: "6SC20418NW7730265", financial_status: "paid", total_minor: 5720, version: 1 },
      { external_id: "8OC35027MT4461193", financial_status: "paid", total_minor: 2730, version: 1 },
    ]);
    const won = await env.DB.prepare("SELECT external_id, parent_external_id, amount_minor, refund_id FROM reinstatements WHERE channel_id = ?1").bind(channel.id).all();
    expect(won.results).toEqual([{ external_id: "2WR71460KD5538190", parent_external_id: "9DH27460MB1185302", amount_minor: 19490, refund_id: null }]);
  });

  it("pays again a payment PayPal reported reversed (V) once the chargeback reversal (T1202) says the money came back (4)", async () => {
    const channel = await feedChannel("pp-won-feed");
    const dated = (record: any, hoursAgo: number, change: (copy: any) => void = () => undefined) => {
      const copy = structuredClone(record);
      copy.transaction_info.transaction_initiation_date = at(hoursAgo * 3_600_000);
      copy.transaction_info.transaction_updated_date = copy.transaction_info.transaction_initiation_date;
      change(copy);
      return JSON.stringify(copy);
    };
    const payment = RECORDS.find((record) => record.transaction_info.transaction_id === "9DH27460MB1185302");
    const reversal = RECORDS.find((record) => record.transaction_info.transaction_id === "6CL03957HU8812064");
    await seedPayPalTransactions(FAKE, "pp-won-feed", [
      dated(payment, 6, (copy) => (copy.transaction_info.transaction_status = "V")),
      dated(reversal, 5),
      dated(ISSUE_21[3], 4),
    ]);
    await sweep(channel.id);
    expect(await lastRun(channel.id)).toMatchObject({ status: "ok", orders_created: 1 });
    expect(await ordersOf(channel.id)).toEqual([{ external_id: "9DH27460MB1185302", financial_status: "paid", total_minor: 19490, version: 1 }]);
    const won = await env.DB.prepare("SELECT s.external_id, r.external_id AS reversal FROM reinstatements s JOIN refunds r ON r.id = s.refund_id WHERE s.channel_id = ?1").bind(channel.id).all();
    expect(won.results).toEqual([{ external_id: "2WR71460KD5538190", reversal: "6CL03957HU8812064" }]);
  });

  it("holds the cursor when the start lies after last_refreshed_datetime and PayPal answers 404 'not available' (6)", async () => {
    const account = "pp-404";
    const channel = await feedChannel(account);
    await configurePayPal(FAKE, account, { clientId: `client-${account}`, clientSecret: `secret-${account}`, lastRefreshed: new Date(Date.now() - 40 * 3_600_000).toISOString() });
    const before = await cursorOf(channel.id);
    await sweep(channel.id);
    expect(await lastRun(channel.id)).toMatchObject({ status: "ok", orders_created: 0 });
    const statuses = (await paypalRequestLog(FAKE, account)).filter((entry) => entry.endpoint === "transactions").map((entry) => entry.status);
    expect(statuses).toEqual([404]);
    // Nothing skipped: the next sweep starts no later than this one did.
    expect((await cursorOf(channel.id)) - 3 * 3_600_000).toBeLessThanOrEqual(before ?? Date.now() - 24 * 3_600_000);

    const faulted = await feedChannel("pp-404-fault");
    await injectPayPalFault(FAKE, "pp-404-fault", { endpoint: "transactions", status: 404, count: 1 });
    await sweep(faulted.id);
    expect(await lastRun(faulted.id)).toMatchObject({ status: "ok" });
  });
});

describe("issue 21: a won dispute undoes its reversal's credit note (4)", { timeout: 30_000 }, () => {
  const ALL_ON = { create: "invoice", execute: true, add_payment: true, only_when_paid: true, create_missing_products: true, default_account: "PayPal" };
  const documentsOf = async (orderId: string) => (await json(await api(`/api/documents?order_id=${orderId}`))).items as any[];
  const automated = async (account: string, automation: Record<string, unknown> = ALL_ON) => {
    const channel = await paypalChannel(account);
    expect((await api(`/api/channels/${channel.id}/automation`, { method: "PUT", json: automation })).status).toBe(200);
    return channel;
  };
  const orderIdOf = async (channelId: string) => (await env.DB.prepare("SELECT id FROM orders WHERE channel_id = ?1").bind(channelId).first<string>("id"))!;
  const waitFor = <T>(check: () => Promise<T>) => vi.waitFor(check, { timeout: 15_000, interval: 150 });
  const summary = (documents: any[]) =>
    documents.map((document) => ({ type: document.type, status: document.status, total: document.totals.total, credit_of: document.credit_of ? "linked" : null })).sort((a, b) => `${a.type}${a.status}`.localeCompare(`${b.type}${b.status}`));

  it("bills again what an executed credit note credited, once, executed and paid, whatever is repeated", async () => {
    const channel = await automated("pp-won");
    await postIpn("pp-won", channel.token, fixture("ipn/express-checkout.body"));
    await settled(channel.id, 1);
    const orderId = await orderIdOf(channel.id);
    await waitFor(async () => expect((await documentsOf(orderId)).map((document) => document.status)).toEqual(["executed"]));

    await postIpn("pp-won", channel.token, fixture("ipn/reversal.body"));
    await settled(channel.id, 2);
    await waitFor(async () => expect(await documentsOf(orderId)).toHaveLength(2));

    await postIpn("pp-won", channel.token, fixture("ipn/canceled-reversal.body"));
    await postIpn("pp-won", channel.token, fixture("ipn/canceled-reversal.body"));
    const items = await settled(channel.id, 4);
    expect(items.slice(2).map((item) => item.outcome)).toEqual(["accepted", "duplicate"]);
    await waitFor(async () => expect(await documentsOf(orderId)).toHaveLength(3));
    expect((await api(`/api/orders/${orderId}/process`, { method: "POST", json: {} })).status).toBeLessThan(300);

    const documents = await documentsOf(orderId);
    expect(summary(documents)).toEqual([
      { type: "credit_note", status: "executed", total: "194.90", credit_of: "linked" },
      { type: "invoice", status: "executed", total: "194.90", credit_of: "linked" },
      { type: "invoice", status: "executed", total: "194.90", credit_of: null },
    ]);
    const note = documents.find((document) => document.type === "credit_note");
    const rebill = documents.find((document) => document.type === "invoice" && document.credit_of);
    expect(rebill.credit_of).toBe(note.id);
    expect(rebill.lines.map((line: any) => [line.sku, line.total])).toEqual(note.lines.map((line: any) => [line.sku, line.total]));
    const payments = await env.DB.prepare("SELECT kind, amount_minor FROM payments WHERE document_id = ?1").bind(rebill.id).all();
    expect(payments.results).toEqual([{ kind: "payment", amount_minor: 19490 }]);
    const events = await env.DB.prepare("SELECT kind FROM order_events WHERE order_id = ?1 AND kind = 'refund_reinstated'").bind(orderId).all();
    expect(events.results).toHaveLength(1);
  });

  it("cancels the reversal's credit note while it is a draft, and makes none when the dispute was won before the reversal arrived", async () => {
    const channel = await automated("pp-won-draft");
    await postIpn("pp-won-draft", channel.token, fixture("ipn/express-checkout.body"));
    await settled(channel.id, 1);
    const orderId = await orderIdOf(channel.id);
    await waitFor(async () => expect((await documentsOf(orderId)).map((document) => document.status)).toEqual(["executed"]));
    expect((await api(`/api/channels/${channel.id}/automation`, { method: "PUT", json: { ...ALL_ON, execute: false } })).status).toBe(200);
    await postIpn("pp-won-draft", channel.token, fixture("ipn/reversal.body"));
    await settled(channel.id, 2);
    await waitFor(async () => expect(summary(await documentsOf(orderId)).map((document) => `${document.type}:${document.status}`)).toEqual(["credit_note:draft", "invoice:executed"]));
    await postIpn("pp-won-draft", channel.token, fixture("ipn/canceled-reversal.body"));
    await settled(channel.id, 3);
    await waitFor(async () => expect(summary(await documentsOf(orderId)).map((document) => `${document.type}:${document.status}`)).toEqual(["credit_note:cancelled", "invoice:executed"]));

    // Won before the reversal reached the inbox: the reversal is owed no credit note at all.
    const early = await automated("pp-won-early");
    await postIpn("pp-won-early", early.token, fixture("ipn/express-checkout.body"));
    await settled(early.id, 1);
    const earlyOrder = await orderIdOf(early.id);
    await waitFor(async () => expect((await documentsOf(earlyOrder)).map((document) => document.status)).toEqual(["executed"]));
    await postIpn("pp-won-early", early.token, fixture("ipn/canceled-reversal.body"));
    await postIpn("pp-won-early", early.token, fixture("ipn/reversal.body"));
    await settled(early.id, 3);
    await waitFor(async () => {
      const matched = await env.DB.prepare("SELECT refund_id FROM reinstatements WHERE channel_id = ?1").bind(early.id).first<string>("refund_id");
      expect(matched).toMatch(/^rfd_/);
    });
    expect((await api(`/api/orders/${earlyOrder}/process`, { method: "POST", json: {} })).status).toBeLessThan(300);
    expect(summary(await documentsOf(earlyOrder))).toEqual([{ type: "invoice", status: "executed", total: "194.90", credit_of: null }]);
  });
});
