/**
 * The dashboard in a real browser (headless Debian Chromium) against `wrangler dev`: make the first
 * owner through the first-owner form (this file runs first, see ./sequencer.ts) and sign in, create
 * a Shopify channel and copy its URI, see a signed Shopify XML order arrive, open it, process it,
 * bulk-ignore two orders, and an order whose customer is `<img src=x onerror=alert(1)>` shown as
 * text with no dialog. Every page is photographed into test-output/screenshots/.
 *
 * The steps share one signed-in page and run in order; orders are told apart from other test files'
 * by a tag unique to this run.
 */
import { createHmac, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Dialog, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { configureMozello, mozelloBaseUrl, mozelloProducts, seedMozelloProducts } from "../fakes/mozello-control";
import { api, inbox, newPage, OWNER, screenshot } from "./harness";

const FIXTURES = path.join(import.meta.dirname, "../fixtures");
const shopifyXml = readFileSync(path.join(FIXTURES, "shopify/simple.xml"), "utf8");
const shopifyHeaders = (JSON.parse(readFileSync(path.join(FIXTURES, "shopify/cases.json"), "utf8")) as Array<{ name: string; headers: Record<string, string> }>).find(
  (entry) => entry.name === "simple",
)!.headers;

const TAG = randomUUID().slice(0, 6).toUpperCase();
const XSS_NAME = "<img src=x onerror=alert(1)>";
const SHOPIFY_SECRET = `shpss_${randomUUID().replace(/-/g, "")}`;
const WAIT = { timeout: 30_000, interval: 500 };
const MOZELLO_KEY = "MZL-2475405-0123456789abcdef0123456789abcdef";

let page: Page;
let closePage: () => Promise<void>;
const dialogs: Dialog[] = [];
const state: { shopifyChannelId?: string; shopifyUri?: string; connect?: { id: string; uri: string; secret: string }; shopifyOrderId?: string } = {};

const url = (pathname: string) => `${inbox().baseUrl}${pathname}`;

/** Posts an order to a Connect channel URI, signed as the README tells a plugin to sign it. */
async function postConnect(order: Record<string, unknown>): Promise<string> {
  const channel = state.connect!;
  const body = JSON.stringify(order);
  const t = Math.floor(Date.now() / 1000);
  const v1 = createHmac("sha256", channel.secret).update(`${t}.${body}`).digest("hex");
  const response = await fetch(channel.uri, { method: "POST", headers: { "content-type": "application/json", "x-inbox-signature": `t=${t},v1=${v1}` }, body });
  expect(response.status, await response.clone().text()).toBe(202);
  return ((await response.json()) as { order_id: string }).order_id;
}

function connectOrder(number: string, customer: { name: string; email: string }, overrides: Record<string, unknown> = {}) {
  return {
    external_id: `${TAG}-${number}`,
    number: `${TAG}-${number}`,
    placed_at: new Date().toISOString(),
    currency: "EUR",
    financial_status: "paid",
    customer,
    billing_address: { name: customer.name, line1: "Brīvības iela 21", city: "Rīga", postcode: "LV-1010", country: "LV" },
    lines: [{ sku: `MUG-${TAG}`, name: "Ceramic mug, blue", quantity: 2, unit_price: "12.50", discount: "0.00", tax_rate: "21", tax: "5.25", total: "25.00" }],
    shipping: [{ name: "Omniva parcel locker", price: "3.99", tax: "0.84" }],
    totals: { subtotal: "25.00", shipping: "3.99", tax: "6.09", total: "35.08" },
    payment: { method: "card", transaction_id: `pi_${TAG}_${number}`, amount: "35.08", paid_at: new Date().toISOString() },
    ...overrides,
  };
}

/** Reloads the page until `check` passes: the queue consumer in wrangler dev takes a moment. */
async function reloadUntil(check: () => Promise<void>) {
  await vi.waitFor(async () => {
    await page.reload();
    await check();
  }, WAIT);
}

const flash = () => page.locator(".flash").first();

beforeAll(async () => {
  ({ page, close: closePage } = await newPage());
  page.on("dialog", (dialog) => {
    dialogs.push(dialog);
    void dialog.dismiss().catch(() => {});
  });
  await page.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: inbox().baseUrl });

  // A Connect channel with a few ordinary orders, so the inbox looks like a working morning.
  const created = await api("/api/channels", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ type: "connect", name: "Kafijas Pupiņa web shop" }) });
  expect(created.status).toBe(201);
  state.connect = (await created.json()) as { id: string; uri: string; secret: string };
  const people = [
    ["Līga Bērziņa", "liga@example.lv"],
    ["Jānis Ozols", "janis.ozols@example.lv"],
    ["Marta Kalniņa", "marta@example.lv"],
    ["Pēteris Liepa", "peteris@example.lv"],
  ] as const;
  for (const [index, [name, email]] of people.entries()) await postConnect(connectOrder(`10${index + 1}`, { name, email }));
  // One whose figures do not add up: it waits in "needs attention" with its reason.
  const off = connectOrder("105", { name: "Anna Zariņa", email: "anna@example.lv" });
  off.lines[0].total = "24.00";
  await postConnect(off);
  // The product the Shopify order names, so processing it can make a clean invoice.
  const product = await api("/api/products", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ sku: "LMP-OAK-01", name: "Oak table lamp" }) });
  expect([201, 409]).toContain(product.status);
});

afterAll(async () => {
  await closePage?.();
});

describe("the dashboard in Chromium", () => {
  it("makes the first owner with the admin token through the first-owner form and lands signed in", async () => {
    const response = await page.goto(url("/dashboard/orders"));
    expect(page.url()).toBe(url(`/dashboard/sign-in?next=${encodeURIComponent("/dashboard/orders")}`));
    expect(response?.headers()["content-security-policy"]).toContain("frame-ancestors 'none'");
    // Nobody has an account yet on this fresh inbox (this file runs first: test/browser/sequencer.ts).
    await expect.poll(() => page.locator("main").innerText()).toContain("Nobody has an account yet.");
    await screenshot(page, "dashboard-first-owner");

    const makeOwner = async (token: string) => {
      await page.getByLabel("Your name").fill(OWNER.name);
      await page.getByLabel("E-mail").fill(OWNER.email);
      await page.getByLabel(/^Password/).fill(OWNER.password);
      await page.getByLabel("Admin token").fill(token);
      await page.getByRole("button", { name: "Make the owner and sign in" }).click();
    };
    await makeOwner("not-the-token");
    await expect.poll(() => page.locator('[role="alert"]').textContent()).toContain("That is not the admin token.");
    expect((await page.context().cookies()).find((cookie) => cookie.name === "inbox_session")).toBeUndefined();

    await makeOwner(inbox().adminToken);
    await page.waitForURL(url("/dashboard/orders"));
    const cookies = await page.context().cookies();
    const session = cookies.find((cookie) => cookie.name === "inbox_session");
    expect(session).toMatchObject({ httpOnly: true, sameSite: "Strict", path: "/dashboard" });
    expect(await page.locator("header.top .who").textContent()).toBe(`${OWNER.name} (owner)`);

    await page.goto(url("/dashboard"));
    await expect.poll(() => page.locator("h1").textContent()).toBe("Overview");
    expect(await page.locator("figure.chart svg rect").count()).toBeGreaterThan(0);
    expect(await page.locator("figure.chart svg text", { hasText: "Kafijas Pupiņa web shop" }).count()).toBe(1);
    await screenshot(page, "dashboard-overview");
  });

  it("refuses a wrong password on the sign-in form, once the owner exists", async () => {
    const other = await newPage();
    try {
      await other.page.goto(url("/dashboard/sign-in"));
      expect(await other.page.getByLabel("Admin token").count()).toBe(0);
      await other.page.getByLabel("E-mail").fill(OWNER.email);
      await other.page.getByLabel("Password").fill("not the password at all");
      await other.page.getByRole("button", { name: "Sign in" }).click();
      await expect.poll(() => other.page.locator('[role="alert"]').textContent()).toContain("The e-mail or the password is wrong");
      expect((await other.page.context().cookies()).find((cookie) => cookie.name === "inbox_session")).toBeUndefined();
      await screenshot(other.page, "dashboard-sign-in-wrong-password");
    } finally {
      await other.close();
    }
  });

  it("creates a Shopify channel from the type picker and copies its URI", async () => {
    await page.goto(url("/dashboard/channels"));
    await page.getByLabel(/^Shopify/).check();
    await page.getByLabel("Name").fill(`Atelier Lumen ${TAG}`);
    // Shopify shows its own signing key; the channel takes it as its secret.
    await page.getByLabel(/^Secret/).fill(SHOPIFY_SECRET);
    await page.getByRole("button", { name: "Create channel" }).click();
    await expect.poll(() => page.locator("h1").textContent()).toContain(`Atelier Lumen ${TAG}`);
    await expect.poll(() => page.locator(".secret-once").textContent()).toContain("shown this once");
    expect(await page.locator("ol.steps").innerText()).toMatch(/Settings › Notifications › Webhooks[\s\S]*Event Order creation, Format XML/);

    const uri = await page.locator("#channel-uri").inputValue();
    expect(uri).toMatch(new RegExp(`^${inbox().baseUrl}/in/[A-Za-z0-9_-]{43}$`));
    const copy = page.getByRole("button", { name: "Copy the channel URI" });
    await copy.click();
    await expect.poll(() => copy.getAttribute("data-copied")).toBe("true");
    expect(await page.evaluate("navigator.clipboard.readText()")).toBe(uri);
    await screenshot(page, "dashboard-channel-created");

    const { items } = (await (await api("/api/channels")).json()) as { items: Array<{ id: string; uri: string }> };
    state.shopifyChannelId = items.find((channel) => channel.uri === uri)!.id;
    state.shopifyUri = uri;
    await page.goto(url(`/dashboard/channels/${state.shopifyChannelId}`));
    expect(await page.locator(".secret-once").count()).toBe(0);
    await screenshot(page, "dashboard-channel");
    await page.goto(url("/dashboard/channels"));
    await screenshot(page, "dashboard-channels");
  });

  it("sees a signed Shopify XML order arrive in the inbox", async () => {
    const signature = createHmac("sha256", SHOPIFY_SECRET).update(shopifyXml, "utf8").digest("base64");
    const response = await fetch(state.shopifyUri!, {
      method: "POST",
      headers: { ...shopifyHeaders, "content-type": "application/xml", "x-shopify-hmac-sha256": signature, "x-shopify-webhook-id": randomUUID(), "x-shopify-event-id": randomUUID() },
      body: shopifyXml,
    });
    expect(response.status, await response.clone().text()).toBe(202);
    state.shopifyOrderId = ((await response.json()) as { order_id: string }).order_id;

    await page.goto(url(`/dashboard/orders?status=new&channel=${state.shopifyChannelId}`));
    await reloadUntil(async () => expect(await page.locator("tbody tr", { hasText: "#1042" }).count()).toBe(1));
    expect(await page.locator("tbody tr", { hasText: "#1042" }).innerText()).toMatch(/An Peeters[\s\S]*114\.95 EUR/);

    await page.goto(url("/dashboard/orders?status=new"));
    await screenshot(page, "dashboard-inbox");
    await page.goto(url("/dashboard/orders?status=needs_attention"));
    expect(await page.locator("tbody tr", { hasText: `${TAG}-105` }).locator(".reason").innerText()).toMatch(/total is 24\.00 EUR but 2 × 12\.50 EUR/);
    await screenshot(page, "dashboard-inbox-needs-attention");
  });

  it("opens the order and processes it into an executed invoice", async () => {
    await page.goto(url(`/dashboard/orders?status=new&channel=${state.shopifyChannelId}`));
    await page.getByRole("link", { name: "#1042" }).click();
    await page.waitForURL(url(`/dashboard/orders/${state.shopifyOrderId}`));
    await expect.poll(() => page.locator("h1").textContent()).toContain("Order #1042");
    // The raw delivery as Shopify sent it, and the preview compared to the cent.
    expect(await page.locator("pre.body.xml").innerText()).toContain('<id type="integer">6431178293251</id>');
    expect(await page.locator("tfoot").innerText()).toMatch(/Total\s+114\.95\s+114\.95\s+0/i);
    await screenshot(page, "dashboard-order");

    await page.getByLabel("execute").check();
    await page.getByRole("button", { name: "Process", exact: true }).click();
    await expect.poll(() => flash().textContent()).toMatch(/Invoice INV-\d{4}-\d{5} is executed\./);
    await expect.poll(() => page.locator("h1 .badge").first().textContent()).toBe("processed");
    await screenshot(page, "dashboard-order-processed");

    await page.getByRole("link", { name: /^Invoice INV-/ }).click();
    await expect.poll(() => page.locator("h1").textContent()).toMatch(/Invoice INV-\d{4}-\d{5}/);
    expect(await page.getByRole("button", { name: "Print" }).isVisible()).toBe(true);
    await screenshot(page, "dashboard-document");
    await page.emulateMedia({ media: "print" });
    expect(await page.locator("header.top").isVisible()).toBe(false);
    await page.emulateMedia({ media: "screen" });
  });

  it("bulk-ignores two orders", async () => {
    await page.goto(url(`/dashboard/orders?status=new&q=${TAG}`));
    const first = `${TAG}-101`;
    const second = `${TAG}-102`;
    await reloadUntil(async () => expect(await page.locator("tbody tr").count()).toBeGreaterThanOrEqual(4));
    await page.getByLabel(`Select order ${first}`).check();
    await page.getByLabel(`Select order ${second}`).check();
    // Select-all follows the rows it covers: partly ticked, not on.
    const selectAll = (box: unknown) => [(box as { checked: boolean }).checked, (box as { indeterminate: boolean }).indeterminate];
    expect(await page.locator("input[data-select-all]").evaluate(selectAll)).toEqual([false, true]);
    await page.getByRole("button", { name: "Ignore selected" }).click();
    await expect.poll(() => flash().textContent()).toContain("Ignored 2 orders.");
    const left = await page.locator("tbody").innerText();
    expect(left).not.toContain(first);
    expect(left).not.toContain(second);
    expect(left).toContain(`${TAG}-103`);

    await page.goto(url(`/dashboard/orders?status=ignored&q=${TAG}`));
    const ignored = await page.locator("tbody").innerText();
    expect(ignored).toContain(first);
    expect(ignored).toContain(second);
    await screenshot(page, "dashboard-inbox-ignored");
  });

  it("shows a customer named <img src=x onerror=alert(1)> as text, and no dialog opens", async () => {
    const orderId = await postConnect(connectOrder("666", { name: XSS_NAME, email: "xss@example.lv" }, { note: "<script>alert(2)</script>" }));
    await page.goto(url(`/dashboard/orders?status=new&q=${TAG}-666`));
    await reloadUntil(async () => expect(await page.locator("tbody tr").count()).toBe(1));
    expect(await page.locator("tbody tr").innerText()).toContain(XSS_NAME);
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    await screenshot(page, "dashboard-inbox-xss");

    await page.goto(url(`/dashboard/orders/${orderId}`));
    expect(await page.locator("table.kv").first().innerText()).toContain(XSS_NAME);
    expect(await page.locator("main").innerText()).toContain("<script>alert(2)</script>");
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    await page.waitForTimeout(500);
    expect(dialogs.map((dialog) => dialog.message())).toEqual([]);
    await screenshot(page, "dashboard-order-xss");
  });

  it("sends a test order through a channel's own URI", async () => {
    await page.goto(url(`/dashboard/channels/${state.connect!.id}`));
    await page.getByRole("button", { name: "Send a test order" }).click();
    await expect.poll(() => flash().textContent()).toContain("The test order went in through the channel URI like a store's webhook: HTTP 202.");
    await page.getByRole("link", { name: "Open the test order" }).click();
    await expect.poll(() => page.locator("h1").textContent()).toMatch(/Order TEST-\d{6}/);
    expect(await page.locator("main").innerText()).toContain("Test customer");
  });

  it("syncs a Mozello store's stock now from the channel page and follows the run in the Stock syncs log", async () => {
    const storeKey = `browser-${TAG.toLowerCase()}`;
    const fake = inject("mozelloUrl");
    await configureMozello(fake, storeKey, { apiKey: MOZELLO_KEY });
    await seedMozelloProducts(fake, storeKey, [{ handle: "uid-1", sku: `JAR-${TAG}`, stock: 0 }]);
    const created = await api("/api/channels", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ type: "mozello", name: `Mozello ${TAG}`, secret: MOZELLO_KEY, api_url: mozelloBaseUrl(fake, storeKey) }) });
    expect(created.status).toBe(201);
    const channelId = ((await created.json()) as { id: string }).id;
    const product = await api("/api/products", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ sku: `JAR-${TAG}`, name: "Honey jar" }) });
    expect(product.status).toBe(201);
    expect((await api(`/api/stock/JAR-${TAG}`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ on_hand: 11 }) })).status).toBe(200);

    await page.goto(url(`/dashboard/channels/${channelId}`));
    await page.getByLabel("What to send now").selectOption("full");
    await page.getByRole("button", { name: "Sync now" }).click();
    await expect.poll(() => flash().textContent()).toContain("Stock sync started (every SKU)");
    await page.getByRole("link", { name: "Follow it" }).click();
    await expect
      .poll(async () => {
        await page.reload();
        return page.locator("h1").textContent();
      }, WAIT)
      .toMatch(/Stock sync to Mozello \S+ (succeeded|partial)/);
    expect(await page.locator("main").innerText()).toMatch(new RegExp(`JAR-${TAG}\\s+11\\s+succeeded`));
    await screenshot(page, "dashboard-stock-sync");
    expect((await mozelloProducts(fake, storeKey))[0].stock).toBe(11);

    await page.goto(url("/dashboard/stock-syncs"));
    expect(await page.locator("h1").textContent()).toBe("Stock syncs");
    expect(await page.locator("main").innerText()).toContain(`Mozello ${TAG}`);
    await screenshot(page, "dashboard-stock-syncs");
  });

  it("shows documents, customers, products and deliveries", async () => {
    for (const [pathname, name, heading] of [
      ["/dashboard/documents", "dashboard-documents", "Documents"],
      ["/dashboard/customers", "dashboard-customers", "Customers"],
      ["/dashboard/products", "dashboard-products", "Products"],
      ["/dashboard/deliveries", "dashboard-deliveries", "Deliveries"],
    ] as const) {
      const response = await page.goto(url(pathname));
      expect(response?.status()).toBe(200);
      expect(await page.locator("h1").textContent()).toBe(heading);
      await screenshot(page, name);
    }
    expect(await page.locator("main").innerText()).toContain("accepted");
    await page.locator("tbody tr a").first().click();
    await expect.poll(() => page.locator("h1").textContent()).toMatch(/^Delivery/);
    await screenshot(page, "dashboard-delivery");
  });

  it("signs out", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(url("/dashboard/sign-in"));
    await page.goto(url("/dashboard"));
    expect(page.url()).toContain("/dashboard/sign-in");
    expect(dialogs).toEqual([]);
  });
});
