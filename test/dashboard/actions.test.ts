/**
 * What the dashboard's forms do, through the same services as the API: process and ignore orders
 * one by one and many at once (select-all included), create and configure channels, rotate
 * secrets, and send a test order through a channel's own URI for each kind of store.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { api, createChannel, json, postOrder, sampleOrder, type TestChannel } from "../helpers";
import { get, post, signIn, textOf, type DashboardUser } from "./dashboard-client";

const WAIT = { timeout: 15_000, interval: 150 };

let user: DashboardUser;
let shop: TestChannel;

beforeAll(async () => {
  user = await signIn();
  shop = await createChannel("Action shop");
  for (const sku of ["SKU-0001", "TEST-SKU-1"]) {
    expect((await api("/api/products", { method: "POST", json: { sku, name: `Product ${sku}` } })).status).toBe(201);
  }
});

async function newOrder(overrides: Record<string, unknown> = {}): Promise<string> {
  const response = await postOrder(shop, JSON.stringify(sampleOrder(overrides)));
  expect(response.status).toBe(202);
  const id = (await json(response)).order_id as string;
  await vi.waitFor(async () => expect((await json(await api(`/api/orders/${id}`))).processing.state).toBe("done"), WAIT);
  return id;
}

const orderOf = async (id: string) => json(await api(`/api/orders/${id}`));
const documentsOf = async (id: string) => (await json(await api(`/api/documents?order_id=${id}`))).items as Array<{ type: string; status: string; number: string | null }>;

describe("one order", () => {
  it("processes an order into an executed invoice with its payment, and says so on the page it returns to", async () => {
    const id = await newOrder();
    const result = await post(user, `/dashboard/orders/${id}/process`, { type: "invoice", execute: "1", add_payment: "1", back: `/dashboard/orders/${id}` });
    expect(result.status).toBe(303);
    expect(result.location).toBe(`/dashboard/orders/${id}`);
    expect(textOf(result.html)).toMatch(/Invoice INV-\d{4}-\d{5} is executed\. Its payment was added\./);
    expect((await orderOf(id)).status).toBe("processed");
    const [document] = await documentsOf(id);
    expect(document).toMatchObject({ type: "invoice", status: "executed" });
    // The flash is shown once.
    expect(textOf((await get(user, `/dashboard/orders/${id}`)).html)).not.toContain("Its payment was added");
  });

  it("leaves a draft unexecuted when execute is not ticked", async () => {
    const id = await newOrder();
    await post(user, `/dashboard/orders/${id}/process`, { type: "order" });
    expect(await documentsOf(id)).toMatchObject([{ type: "order", status: "draft", number: null }]);
  });

  it("ignores and restores an order, and shows a refusal in the page instead of failing", async () => {
    const id = await newOrder();
    const ignored = await post(user, `/dashboard/orders/${id}/ignore`);
    expect(textOf(ignored.html)).toContain("The order is set aside (ignored).");
    expect((await orderOf(id)).status).toBe("ignored");
    const restored = await post(user, `/dashboard/orders/${id}/restore`);
    expect(textOf(restored.html)).toContain("The order is back in the inbox as new.");
    expect((await orderOf(id)).status).toBe("new");

    await post(user, `/dashboard/orders/${id}/process`, { type: "invoice", execute: "1" });
    const refused = await post(user, `/dashboard/orders/${id}/ignore`);
    expect(refused.status).toBe(303);
    expect(refused.html).toContain('class="flash error"');
    expect(textOf(refused.html)).toContain("A processed order cannot be ignored");
  });

  it("comes back only to a page of the dashboard", async () => {
    const id = await newOrder();
    const result = await post(user, `/dashboard/orders/${id}/ignore`, { back: "https://evil.example/" });
    expect(result.location).toBe("/dashboard");
  });
});

describe("many orders at once", () => {
  it("bulk-ignores the selected orders and leaves the others", async () => {
    const [a, b, c] = [await newOrder(), await newOrder(), await newOrder()];
    const result = await post(user, "/dashboard/orders/bulk", { action: "ignore", order_id: [a, b], page_order_id: [a, b, c], back: "/dashboard/orders?status=new" });
    expect(result.location).toBe("/dashboard/orders?status=new");
    expect(textOf(result.html)).toContain("Ignored 2 orders.");
    expect((await orderOf(a)).status).toBe("ignored");
    expect((await orderOf(b)).status).toBe("ignored");
    expect((await orderOf(c)).status).toBe("new");
  });

  it("bulk-processes every order on the page when “All on this page” is ticked, without any script", async () => {
    const ids = [await newOrder(), await newOrder()];
    const result = await post(user, "/dashboard/orders/bulk", { action: "process", all_on_page: "1", page_order_id: ids });
    expect(textOf(result.html)).toContain("Processed 2 orders.");
    for (const id of ids) {
      expect((await orderOf(id)).status).toBe("processed");
      expect(await documentsOf(id)).toHaveLength(1);
    }
  });

  it("reports held drafts and refusals per order, by number", async () => {
    const clean = await newOrder({ number: "BULK-OK" });
    const off = sampleOrder({ number: "BULK-OFF" }) as any;
    off.lines[0].total = "18.00";
    const offId = await newOrder(off);
    const result = await post(user, "/dashboard/orders/bulk", { action: "process", order_id: [clean, offId] });
    const text = textOf(result.html);
    expect(text).toContain("Processed 1 order.");
    expect(text).toMatch(/1 document held as draft \(BULK-OFF: Line 1 .*the store says 18\.00 EUR/);
    expect((await orderOf(offId)).status).toBe("needs_attention");
  });

  it("asks for a selection when nothing is selected", async () => {
    const result = await post(user, "/dashboard/orders/bulk", { action: "ignore" });
    expect(textOf(result.html)).toContain("Select at least one order");
  });
});

describe("channels", () => {
  it("creates a channel of the chosen type and shows its secret once, with copy buttons for it and the URI", async () => {
    const result = await post(user, "/dashboard/channels", { type: "woocommerce", name: "Veikals" });
    expect(result.status).toBe(201);
    expect(result.response.headers.get("cache-control")).toBe("no-store");
    const secret = /id="channel-secret" value="(whsec_[A-Za-z0-9_-]+)"/.exec(result.html)?.[1];
    const uri = /id="channel-uri" value="(https:\/\/inbox\.example\/in\/[A-Za-z0-9_-]+)"/.exec(result.html)?.[1];
    expect(secret && uri).toBeTruthy();
    expect(result.html).toContain('data-copy="channel-secret"');
    expect(result.html).toContain('data-copy="channel-uri"');
    expect(textOf(result.html)).toContain("WooCommerce › Settings › Advanced › Webhooks");

    const { items } = await json(await api("/api/channels"));
    const channel = items.find((entry: { uri: string }) => entry.uri === uri);
    expect(channel).toMatchObject({ type: "woocommerce", name: "Veikals", status: "active" });
    // From now on the page shows the last four characters only.
    const page = await get(user, `/dashboard/channels/${channel.id}`);
    expect(page.html).not.toContain(secret);
    expect(textOf(page.html)).toContain(`…${secret!.slice(-4)}`);
  });

  it("shows what is wrong with the create form in the form, keeping what was typed", async () => {
    const result = await post(user, "/dashboard/channels", { type: "shopify", name: "Short secret", secret: "too-short" });
    expect(result.status).toBe(400);
    expect(textOf(result.html)).toContain("secret: must be at least 16 characters");
    expect(result.html).toContain('value="Short secret"');
    expect(result.html).toMatch(/value="shopify" checked=""/);
  });

  it("saves settings, disables and enables, and saves automation", async () => {
    const channel = await createChannel("Settings shop");
    const disabled = await post(user, `/dashboard/channels/${channel.id}/settings`, { name: "Renamed shop" });
    expect(textOf(disabled.html)).toContain("Saved. The channel is disabled.");
    expect(await json(await api(`/api/channels/${channel.id}`))).toMatchObject({ name: "Renamed shop", status: "disabled" });
    await post(user, `/dashboard/channels/${channel.id}/settings`, { name: "Renamed shop", active: "1" });
    expect((await json(await api(`/api/channels/${channel.id}`))).status).toBe("active");

    const saved = await post(user, `/dashboard/channels/${channel.id}/automation`, {
      create: "invoice",
      execute: "1",
      customer: "single",
      single_customer_name: "Market stall",
      payment_accounts: "PayPal = PayPal account\ncard = Card clearing",
      default_account: "Bank",
    });
    expect(textOf(saved.html)).toContain("Automation saved");
    expect(await json(await api(`/api/channels/${channel.id}/automation`))).toMatchObject({
      create: "invoice",
      execute: true,
      add_payment: false,
      only_when_paid: false,
      customer: "single",
      single_customer_name: "Market stall",
      payment_accounts: { PayPal: "PayPal account", card: "Card clearing" },
    });
    const wrong = await post(user, `/dashboard/channels/${channel.id}/automation`, { payment_accounts: "no equals sign", customer: "match", single_customer_name: "x", default_account: "Bank" });
    expect(textOf(wrong.html)).toContain("is not “method = account”");
  });

  it("stores a Shopify channel's Admin API token sealed, and removes it on request", async () => {
    const created = await json(await api("/api/channels", { method: "POST", json: { type: "shopify", name: "Token shop" } }));
    await post(user, `/dashboard/channels/${created.id}/settings`, { name: "Token shop", active: "1", setting_shop_domain: "token-shop.myshopify.com", setting_access_token: "shpat_0123456789abcdef" });
    expect(await json(await api(`/api/channels/${created.id}`))).toMatchObject({ settings: { shop_domain: "token-shop.myshopify.com" }, credentials: ["access_token"] });
    const page = await get(user, `/dashboard/channels/${created.id}`);
    expect(page.html).not.toContain("shpat_0123456789abcdef");
    await post(user, `/dashboard/channels/${created.id}/settings`, { name: "Token shop", active: "1", remove_access_token: "1" });
    expect((await json(await api(`/api/channels/${created.id}`))).credentials).toEqual([]);
  });

  it("adds a secret (shown once) and revokes the old one", async () => {
    const channel = await createChannel("Rotating shop");
    const added = await post(user, `/dashboard/channels/${channel.id}/secrets`, { secret: "the-stores-own-signing-key-42" });
    expect(added.status).toBe(200);
    expect(added.html).toContain('value="the-stores-own-signing-key-42"');
    const old = channel.secrets[0].id;
    const revoked = await post(user, `/dashboard/channels/${channel.id}/secrets/${old}/revoke`);
    expect(textOf(revoked.html)).toContain("The secret is revoked");
    expect((await json(await api(`/api/channels/${channel.id}`))).secrets).toHaveLength(1);
    // Orders signed with the old secret are refused now, with the new one accepted.
    expect((await postOrder(channel, JSON.stringify(sampleOrder()))).status).toBe(401);
    expect((await postOrder(channel, JSON.stringify(sampleOrder()), { secret: "the-stores-own-signing-key-42" })).status).toBe(202);
  });

  it("deletes a channel only when confirmed", async () => {
    const channel = await createChannel("Short-lived shop");
    const unconfirmed = await post(user, `/dashboard/channels/${channel.id}/delete`);
    expect(textOf(unconfirmed.html)).toContain("Tick the box to confirm the deletion.");
    const deleted = await post(user, `/dashboard/channels/${channel.id}/delete`, { confirm: "1" });
    expect(deleted.location).toBe("/dashboard/channels");
    expect((await json(await api(`/api/channels/${channel.id}`))).status).toBe("deleted");
  });
});

describe("send a test order", () => {
  async function channelOf(type: string, extra: Record<string, unknown> = {}) {
    const created = await api("/api/channels", { method: "POST", json: { type, name: `Test ${type}`, ...extra } });
    expect(created.status).toBe(201);
    return (await json(created)) as { id: string; uri: string };
  }

  it.each([["connect"], ["shopify"], ["woocommerce"], ["woocommerce-premium"], ["mozello"]])(
    "posts a signed %s sample through the channel URI: an accepted delivery and a test order",
    async (type) => {
      const channel = await channelOf(type);
      const result = await post(user, `/dashboard/channels/${channel.id}/test-order`);
      expect(result.location).toBe(`/dashboard/channels/${channel.id}`);
      expect(textOf(result.html)).toContain("The test order went in through the channel URI like a store's webhook: HTTP 202.");
      const orderId = /href="\/dashboard\/orders\/(ord_[^"]+)">Open the test order</.exec(result.html)![1];
      const order = await orderOf(orderId);
      expect(order).toMatchObject({ channel_id: channel.id, customer: { name: "Test customer" }, totals: { total: "24.20" } });
      // The same path as a store's webhook: the delivery log has it, signature checked.
      const deliveries = (await json(await api(`/api/deliveries?channel_id=${channel.id}`))).items;
      expect(deliveries).toMatchObject([{ outcome: "accepted", http_status: 202, order_id: orderId }]);
      await vi.waitFor(async () => expect((await orderOf(orderId)).processing.state).toBe("done"), WAIT);
      expect((await orderOf(orderId)).warnings).toEqual([]);
      // Unpaid, so even a channel that processes everything waits: a test order makes no numbered document.
      expect(order.financial_status).toBe("pending");
      expect(await documentsOf(orderId)).toEqual([]);
    },
  );

  it("signs with the channel's newest secret, so a test order proves a rotation", async () => {
    const channel = await channelOf("shopify", { secret: "generated-first-secret-000" });
    await api(`/api/channels/${channel.id}/secrets`, { method: "POST", json: { secret: "shopify-shows-this-key-1234" } });
    const result = await post(user, `/dashboard/channels/${channel.id}/test-order`);
    expect(textOf(result.html)).toContain("HTTP 202");
  });

  it("shows the refusal of a disabled channel, with the delivery log to look at", async () => {
    const channel = await channelOf("connect");
    await api(`/api/channels/${channel.id}`, { method: "PATCH", json: { status: "disabled" } });
    const result = await post(user, `/dashboard/channels/${channel.id}/test-order`);
    expect(textOf(result.html)).toContain("The channel URI refused the test order: HTTP 403 channel_disabled");
    expect(result.html).toContain(`href="/dashboard/deliveries?channel=${channel.id}"`);
  });

  it("says why PayPal has none instead of faking one", async () => {
    const channel = await channelOf("paypal");
    const page = await get(user, `/dashboard/channels/${channel.id}`);
    expect(textOf(page.html)).toContain("PayPal deliveries are verified by asking PayPal itself");
    const result = await post(user, `/dashboard/channels/${channel.id}/test-order`);
    expect(textOf(result.html)).toContain("a test order cannot be made up here");
    const { results } = await env.DB.prepare("SELECT id FROM deliveries WHERE channel_id = ?1").bind(channel.id).all();
    expect(results).toHaveLength(0);
  });
});
