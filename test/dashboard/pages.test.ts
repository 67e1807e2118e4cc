/**
 * Every dashboard page rendered by the Worker for seeded data: a Connect shop and a Shopify store,
 * an order that adds up, one that does not (needs attention), one whose customer is a script
 * injection, a Shopify XML order, a refused delivery, a processed order with its invoice and
 * payment, a product with stock. Store text must reach the HTML as text only.
 */
import { beforeAll, describe, expect, it, vi } from "vitest";
import { signShopify } from "../../src/channels/shopify/shopify-signature";
import { utf8 } from "../../src/lib/encoding";
import cases from "../fixtures/shopify/cases.json";
import { api, createChannel, deliver, json, postOrder, sampleOrder, type TestChannel } from "../helpers";
import { get, signIn, textOf, type DashboardUser } from "./dashboard-client";

const shopifyXml = Object.values(import.meta.glob("../fixtures/shopify/simple.xml", { query: "?raw", import: "default", eager: true }))[0] as string;

const XSS_NAME = "<img src=x onerror=alert(1)>";
const WAIT = { timeout: 15_000, interval: 150 };

let user: DashboardUser;
let shop: TestChannel;
let shopify: TestChannel;
const ids: Record<string, string> = {};

async function store(name: string, overrides: Record<string, unknown>) {
  const response = await postOrder(shop, JSON.stringify(sampleOrder(overrides)));
  expect(response.status).toBe(202);
  ids[name] = (await json(response)).order_id;
}

const processed = (id: string) =>
  vi.waitFor(async () => expect((await json(await api(`/api/orders/${id}`))).processing.state).toBe("done"), WAIT);

beforeAll(async () => {
  shop = await createChannel("Web shop");
  const created = await api("/api/channels", { method: "POST", json: { type: "shopify", name: "Atelier Lumen", secret: "shop-signing-key-0123456789" } });
  const body = await json(created);
  shopify = { ...body, token: body.uri.split("/in/")[1], secret: "shop-signing-key-0123456789" };

  await store("clean", { number: "W-1001", customer: { name: "Anna Ozola", email: "anna@example.lv" } });
  const off = sampleOrder({ number: "W-1002", customer: { name: "Jānis Kalniņš", email: "janis@example.lv" } }) as any;
  off.lines[0].total = "18.00";
  await store("off", off);
  await store("xss", {
    number: "W-1003",
    customer: { name: XSS_NAME, email: "xss@example.lv" },
    note: "<script>alert(2)</script>",
  });
  const shopifyHeaders = { ...cases.find((entry) => entry.name === "simple")!.headers, "content-type": "application/xml" };
  const posted = await deliver(shopify.token, shopifyXml, { ...shopifyHeaders, "x-shopify-hmac-sha256": await signShopify(utf8.encode(shopifyXml), shopify.secret) });
  expect(posted.status).toBe(202);
  ids.shopify = (await json(posted)).order_id;
  // A delivery with a signature from someone else: refused and logged.
  const forged = await postOrder(shop, JSON.stringify(sampleOrder({ number: "FORGED" })), { secret: "not-the-channel-secret-0000" });
  expect(forged.status).toBe(401);

  await Promise.all(Object.values(ids).map(processed));
  await api("/api/products", { method: "POST", json: { sku: "SKU-0001", name: "Linen apron", unit_price: "10.00", currency: "EUR", tax_rate: "21" } });
  await api("/api/stock/SKU-0001", { method: "PUT", json: { on_hand: 40, reason: "count" } });
  const processedOrder = await api(`/api/orders/${ids.clean}/process`, { method: "POST", json: { type: "invoice", execute: true, add_payment: true } });
  expect(processedOrder.status).toBe(200);
  user = await signIn();
});

describe("overview", () => {
  it("draws orders per day per channel as an SVG with axes, labels and a legend, and counts what needs attention", async () => {
    const { status, html } = await get(user, "/dashboard");
    expect(status).toBe(200);
    const svg = /<svg[\s\S]*?<\/svg>/.exec(html)![0];
    expect(svg).toContain('role="img"');
    expect(svg).toContain(">Web shop</text>");
    expect(svg).toContain(">Atelier Lumen</text>");
    // Today's bar: three orders from the shop, one from Shopify.
    expect(svg).toMatch(/<title>Web shop: 3 orders on [A-Z][a-z]{2} \d{1,2}<\/title>/);
    expect(svg).toMatch(/<title>Atelier Lumen: 1 order on /);
    expect(svg).toMatch(/<line[^>]*stroke="#5b6475"/);
    expect(textOf(html)).toMatch(/Needs attention 1 /);
  });
});

describe("inbox", () => {
  it("has a tab per status with its count, and lists the new orders with their channel, customer and total", async () => {
    const { status, html } = await get(user, "/dashboard/orders");
    expect(status).toBe(200);
    const text = textOf(html);
    // The processed one has left the new tab.
    expect(text).toContain("new 2");
    expect(text).toContain("needs attention 1");
    expect(text).toContain("processed 1");
    expect(text).toContain("W-1003");
    expect(text).toContain("#1042");
    expect(text).toContain("Atelier Lumen");
    expect(text).toContain("114.95 EUR");
    expect(text).not.toContain("W-1002");
    // Every row can be selected, and the page as a whole.
    expect(html).toContain(`name="order_id" value="${ids.xss}"`);
    expect(html).toContain('name="all_on_page" value="1"');
  });

  it("shows a needs-attention row with its reason", async () => {
    const { html } = await get(user, "/dashboard/orders?status=needs_attention");
    const text = textOf(html);
    expect(text).toContain("W-1002");
    expect(text).toMatch(/Line 1 \(SKU SKU-0001, "Item 1"\): total is 18\.00 EUR but/);
  });

  it.each([
    ["q=janis%40example.lv&status=needs_attention", ["W-1002"], ["W-1001"]],
    ["q=Peeters", ["#1042"], ["W-1003"]],
    ["channel=SHOPIFY", ["#1042"], ["W-1003"]],
    ["from=2026-09-14&to=2026-09-14", ["#1042"], ["W-1003"]],
  ])("filters by %s", async (query, present, absent) => {
    const { html } = await get(user, `/dashboard/orders?${query.replace("SHOPIFY", shopify.id)}`);
    const text = textOf(html);
    for (const label of present) expect(text).toContain(label);
    for (const label of absent) expect(text).not.toContain(label);
  });
});

describe("the customer name <img src=x onerror=alert(1)>", () => {
  it.each(["/dashboard/orders", "ORDER"])("is text, never markup, on %s", async (path) => {
    const { html } = await get(user, path === "ORDER" ? `/dashboard/orders/${ids.xss}` : path);
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(html).not.toContain("<img src=x");
    expect(html).not.toContain("<script>alert(2)");
    expect(textOf(html)).toContain(XSS_NAME);
  });
});

describe("order", () => {
  it("shows the normalised order, its timeline, the raw XML delivery and the document it would create", async () => {
    const { status, html } = await get(user, `/dashboard/orders/${ids.shopify}`);
    expect(status).toBe(200);
    const text = textOf(html);
    for (const expected of ["Order #1042", "An Peeters", "an.peeters@example.be", "Kouter 12", "9000 Gent", "LMP-OAK-01", "Oak table lamp", "bpost Standard", "114.95 EUR", "19.95 EUR"]) {
      expect(text).toContain(expected);
    }
    // The timeline: its arrival, posted by the store, then processing.
    expect(text).toMatch(/created posted by the store store time 2026-09-14 08:21 The order as it arrived/);
    // The raw delivery, as Shopify sent it (escaped), with its headers.
    expect(html).toContain("&lt;id type=&quot;integer&quot;&gt;6431178293251&lt;/id&gt;");
    expect(html).toContain("x-shopify-topic");
    // The preview, with the comparison to the cent.
    expect(text).toContain("The document it would create");
    expect(text).toMatch(/Total 114\.95 114\.95 0/);
    expect(html).toContain(`/dashboard/orders/${ids.shopify}/process`);
  });

  it("shows where the store's figures are off, by how much, line by line", async () => {
    const { html } = await get(user, `/dashboard/orders/${ids.off}`);
    const text = textOf(html);
    expect(text).toMatch(/Store says Document Difference/);
    expect(text).toMatch(/2 × 10\.00 − 1\.00 18\.00 19\.00 1\.00/);
    expect(text).toContain("status changed in the inbox new → needs attention");
    expect(html).toContain('class="diff"');
  });

  it("pretty-prints a JSON delivery without losing a digit", async () => {
    const { html } = await get(user, `/dashboard/orders/${ids.clean}`);
    expect(html).toMatch(/<pre class="body json">\{\n {2}&quot;external_id&quot;: &quot;ext-/);
  });

  it("shows the document a processed order created, with its payment", async () => {
    const { html } = await get(user, `/dashboard/orders/${ids.clean}`);
    const text = textOf(html);
    expect(text).toMatch(/Invoice INV-\d{4}-\d{5} executed/);
    expect(text).toMatch(/payment 29\.04 EUR card Bank tx-1/);
    expect(text).toContain("document executed");
    expect(html).not.toContain(`/dashboard/orders/${ids.clean}/process"`);
  });

  it("answers an unknown order with a 404 page", async () => {
    const { status, html } = await get(user, "/dashboard/orders/ord_nope");
    expect(status).toBe(404);
    expect(textOf(html)).toContain("No order ord_nope");
  });
});

describe("channels", () => {
  it("lists the channels with their URI, a copy button and their last delivery", async () => {
    const { status, html } = await get(user, "/dashboard/channels");
    expect(status).toBe(200);
    expect(html).toContain(`value="${shopify.uri}"`);
    expect(html).toContain(`data-copy="uri-${shopify.id}"`);
    const text = textOf(html);
    expect(text).toContain("Atelier Lumen Shopify active");
    expect(text).toMatch(/Web shop Connect active \d{4}-\d\d-\d\d \d\d:\d\d rejected 1/);
    // The type picker of the create form.
    for (const type of ["connect", "shopify", "woocommerce", "woocommerce-premium", "paypal", "mozello"]) expect(html).toContain(`name="type" value="${type}"`);
  });

  it("shows a Shopify channel's set-up steps as Shopify's admin names them, with its URI", async () => {
    const { html } = await get(user, `/dashboard/channels/${shopify.id}`);
    const text = textOf(html);
    expect(text).toContain("Settings › Notifications › Webhooks");
    expect(text).toContain("Create webhook");
    expect(text).toMatch(/Event Order creation , Format XML .*URL https:\/\/inbox\.example\/in\//);
    expect(html).toContain('data-copy="channel-uri"');
    // Its health: the last delivery and nothing refused; the secret only as its last four characters.
    expect(text).toMatch(/Last delivery \d{4}-\d\d-\d\d \d\d:\d\d accepted/);
    expect(text).toMatch(/Refused in the last 24 hours none/);
    expect(text).toContain("…6789");
    expect(html).not.toContain(shopify.secret);
    expect(text).toContain("Send a test order");
  });

  it("counts a channel's refused deliveries of the last 24 hours", async () => {
    const { html } = await get(user, `/dashboard/channels/${shop.id}`);
    expect(textOf(html)).toMatch(/Refused in the last 24 hours 1 delivery/);
  });
});

describe("documents", () => {
  it("lists the documents and shows one as a printable page", async () => {
    const list = await get(user, "/dashboard/documents");
    expect(list.status).toBe(200);
    const number = /INV-\d{4}-\d{5}/.exec(textOf(list.html))![0];
    const id = new RegExp(`href="/dashboard/documents/(doc_[^"]+)">${number}<`).exec(list.html)![1];
    const { status, html } = await get(user, `/dashboard/documents/${id}`);
    expect(status).toBe(200);
    const text = textOf(html);
    expect(text).toContain(`Invoice ${number} executed`);
    expect(text).toMatch(/1 Item 1 SKU-0001 2 10\.00 1\.00 21 % 3\.99 19\.00 2 Courier 1 5\.00/);
    expect(text).toMatch(/Subtotal 24\.00 EUR Tax 5\.04 EUR Total 29\.04 EUR Still to pay 0\.00 EUR/);
    expect(text).toMatch(/payment 29\.04 EUR card Bank tx-1/);
    expect(html).toContain("data-print");
    // The print stylesheet hides everything around the document.
    const css = await get(null, /href="(\/dashboard\/assets\/[^"]+\.css)"/.exec(html)![1]);
    expect(css.html).toMatch(/@media print \{\s*header\.top, \.no-print, \.actions/);
  });
});

describe("customers, products, deliveries", () => {
  it("lists the customers processing found, and one with its documents", async () => {
    const { status, html } = await get(user, "/dashboard/customers");
    expect(status).toBe(200);
    expect(textOf(html)).toContain("Anna Ozola");
    const id = /href="\/dashboard\/customers\/(cus_[^"]+)">Anna Ozola</.exec(html)![1];
    const detail = await get(user, `/dashboard/customers/${id}`);
    expect(textOf(detail.html)).toMatch(/INV-\d{4}-\d{5} Invoice executed/);
    expect(textOf((await get(user, "/dashboard/customers?q=nobody-like-this")).html)).toContain("No customer matches.");
  });

  it("lists products with stock on hand, reserved by open orders and available", async () => {
    const { status, html } = await get(user, "/dashboard/products");
    expect(status).toBe(200);
    // 40 counted, 2 gone with the executed invoice; the two open shop orders reserve 2 each.
    expect(textOf(html)).toMatch(/SKU-0001 Linen apron 10\.00 EUR 21 % main 38 4 34/);
  });

  it("logs refused deliveries with their reason, and shows one with its headers and body", async () => {
    const { status, html } = await get(user, "/dashboard/deliveries?outcome=rejected");
    expect(status).toBe(200);
    const text = textOf(html);
    expect(text).toContain("signature_mismatch");
    expect(text).toContain("The signature does not match");
    const id = /href="\/dashboard\/deliveries\/(dlv_[^"]+)"/.exec(html)![1];
    const detail = await get(user, `/dashboard/deliveries/${id}`);
    expect(detail.status).toBe(200);
    expect(textOf(detail.html)).toContain("x-inbox-signature");
    expect(detail.html).toContain("&quot;number&quot;: &quot;FORGED&quot;");
  });
});

describe("not found", () => {
  it("answers a page the dashboard does not have with a 404 page, inside the layout", async () => {
    const { status, html } = await get(user, "/dashboard/nothing-here");
    expect(status).toBe(404);
    expect(html).toContain("There is no such page in the dashboard.");
    expect(html).toContain('href="/dashboard/orders"');
  });
});
