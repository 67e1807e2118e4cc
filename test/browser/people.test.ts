/**
 * Two named people in two browsers (issue 16): Otto, an operator, ignores an order from its page;
 * Berta, a bookkeeper, adds a payment by hand to an executed invoice. The Audit page then shows each
 * change with its person's name, and the order's timeline says "by Otto Operator".
 */
import { createHmac, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { api, inbox, newPage, screenshot, signIn, type Person } from "./harness";

const TAG = randomUUID().slice(0, 6).toUpperCase();
const OTTO: Person = { name: "Otto Operator", email: "otto@inbox.test", password: "otto's long password 1", role: "operator" };
const BERTA: Person = { name: "Berta Bookkeeper", email: "berta@inbox.test", password: "berta's long password 1", role: "bookkeeper" };
const WAIT = { timeout: 30_000, interval: 500 };

const url = (pathname: string) => `${inbox().baseUrl}${pathname}`;
const send = (pathname: string, body: unknown, method = "POST") => api(pathname, { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

let channel: { id: string; uri: string; secret: string };
const ids: { ignored?: string; invoiced?: string; invoice?: string; invoiceNumber?: string } = {};
const pages: Array<() => Promise<void>> = [];

/** Posts a Connect order, signed as the README tells a plugin to sign it, and waits for the consumer to have looked at it. */
async function postConnect(number: string): Promise<string> {
  const order = {
    external_id: `${TAG}-${number}`,
    number: `${TAG}-${number}`,
    placed_at: new Date().toISOString(),
    currency: "EUR",
    financial_status: "paid",
    customer: { name: "Ilze Kalna", email: "ilze@example.lv" },
    billing_address: { name: "Ilze Kalna", line1: "Brīvības iela 21", city: "Rīga", postcode: "LV-1010", country: "LV" },
    lines: [{ sku: `CUP-${TAG}`, name: "Enamel cup", quantity: 2, unit_price: "10.00", discount: "0.00", tax_rate: "21", tax: "4.20", total: "20.00" }],
    shipping: [],
    totals: { subtotal: "20.00", shipping: "0.00", tax: "4.20", total: "24.20" },
  };
  const body = JSON.stringify(order);
  const t = Math.floor(Date.now() / 1000);
  const v1 = createHmac("sha256", channel.secret).update(`${t}.${body}`).digest("hex");
  const response = await fetch(channel.uri, { method: "POST", headers: { "content-type": "application/json", "x-inbox-signature": `t=${t},v1=${v1}` }, body });
  expect(response.status, await response.clone().text()).toBe(202);
  return ((await response.json()) as { order_id: string }).order_id;
}

beforeAll(async () => {
  const created = await send("/api/channels", { type: "connect", name: `People shop ${TAG}` });
  expect(created.status).toBe(201);
  channel = (await created.json()) as typeof channel;
  expect([201, 409]).toContain((await send("/api/products", { sku: `CUP-${TAG}`, name: "Enamel cup" })).status);
  expect((await send(`/api/stock/CUP-${TAG}`, { on_hand: 20 }, "PUT")).status).toBe(200);
  ids.ignored = await postConnect("1");
  ids.invoiced = await postConnect("2");
  // An executed invoice with nothing paid yet. The queue consumer may be on the order at the same moment: retried.
  await vi.waitFor(async () => {
    const processed = await send(`/api/orders/${ids.invoiced}/process`, { type: "invoice", execute: true });
    expect(processed.status, await processed.clone().text()).toBe(200);
    const document = ((await processed.json()) as { document: { id: string; number: string; status: string } }).document;
    expect(document.status).toBe("executed");
    ids.invoice = document.id;
    ids.invoiceNumber = document.number;
  }, WAIT);
});

afterAll(async () => {
  await Promise.all(pages.map((close) => close()));
});

async function pageOf(person: Person, next: string) {
  const opened = await newPage();
  pages.push(opened.close);
  await signIn(opened.page, person, next);
  expect(await opened.page.locator("header.top .who").textContent()).toBe(`${person.name} (${person.role})`);
  return opened.page;
}

describe("two people, each one's actions attributed", () => {
  it("Otto (operator) ignores an order and Berta (bookkeeper) adds a payment by hand, in two browsers at once", async () => {
    const otto = await pageOf(OTTO, `/dashboard/orders/${ids.ignored}`);
    const berta = await pageOf(BERTA, `/dashboard/documents/${ids.invoice}`);

    // Otto works the inbox: Ignore on the order's page (waiting for the consumer's first look to be over).
    await vi.waitFor(async () => {
      await otto.reload();
      expect(await otto.getByRole("button", { name: "Ignore", exact: true }).count()).toBe(1);
    }, WAIT);
    await otto.getByRole("button", { name: "Ignore", exact: true }).click();
    await expect.poll(() => otto.locator(".flash").first().textContent()).toContain("The order is set aside (ignored).");
    await expect.poll(() => otto.locator("h1 .badge").first().textContent()).toBe("ignored");
    // An operator has no audit trail to read, and no credit on a document.
    expect(await otto.locator('nav[aria-label="Main"] a', { hasText: "Audit" }).count()).toBe(0);

    // Berta keeps the books: a payment by hand on the executed invoice.
    await expect.poll(() => berta.locator("h1").textContent()).toContain(ids.invoiceNumber!);
    await berta.locator("summary", { hasText: "Add a payment by hand" }).click();
    await berta.getByLabel(/^Amount/).fill("24.20");
    await berta.getByLabel(/^Reference/).fill(`BANK-${TAG}`);
    await berta.getByRole("button", { name: "Add payment" }).click();
    await expect.poll(() => berta.locator(".flash").first().textContent()).toContain("The payment was added.");
    expect(await berta.locator("main").innerText()).toContain(`BANK-${TAG}`);
    await screenshot(berta, "people-payment-by-berta");

    // The order's timeline names who ignored it.
    await otto.goto(url(`/dashboard/orders/${ids.ignored}`));
    const ignoredRow = otto.locator("table tr", { hasText: "order.ignore" });
    await expect.poll(() => ignoredRow.count()).toBe(1);
    expect(await ignoredRow.innerText()).toContain("by Otto Operator");
    await screenshot(otto, "people-order-ignored-by-otto");
  });

  it("the Audit page shows both changes with the right names", async () => {
    const berta = await pageOf(BERTA, "/dashboard/audit");
    expect(await berta.locator("h1").textContent()).toBe("Audit trail");
    const ottoRow = berta.locator("tbody tr", { hasText: `order.ignore` }).filter({ hasText: ids.ignored! });
    const bertaRow = berta.locator("tbody tr", { hasText: `document.payment` }).filter({ hasText: ids.invoice! });
    expect(await ottoRow.count()).toBe(1);
    expect(await bertaRow.count()).toBe(1);
    expect(await ottoRow.locator("td").nth(1).innerText()).toBe("Otto Operator");
    expect(await bertaRow.locator("td").nth(1).innerText()).toBe("Berta Bookkeeper");
    await screenshot(berta, "people-audit");

    // Filtered to one person: only Otto's change.
    await ottoRow.locator("td").nth(1).getByRole("link").click();
    await expect.poll(() => berta.url()).toContain("/dashboard/audit?actor=");
    const whos = await berta.locator("tbody tr td:nth-child(2)").allInnerTexts();
    expect(whos.length).toBeGreaterThan(0);
    expect(new Set(whos)).toEqual(new Set(["Otto Operator"]));
  });

  it("an operator is refused the Audit page", async () => {
    const otto = await pageOf(OTTO, "/dashboard");
    const response = await otto.goto(url("/dashboard/audit"));
    expect(response?.status()).toBe(403);
    expect(await otto.locator("main").innerText()).toContain("needs the audit:read permission");
  });
});
