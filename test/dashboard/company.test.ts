/**
 * The dashboard's company page: the profile form saves through the same service as the API, a
 * field that does not validate comes back with its problem beside it (nothing saved), the logo is
 * uploaded and removed; and a document's page sends it by e-mail and shows the send log.
 */
import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { api, createChannel, json, ORIGIN, postOrder, sampleOrder, worker } from "../helpers";
import { cookiesOf, get, post, signIn, textOf, type DashboardUser } from "./dashboard-client";

let user: DashboardUser;
beforeAll(async () => {
  user = await signIn();
});
afterEach(() => vi.restoreAllMocks());

const PROFILE_FORM = {
  legal_name: "Ozols SIA",
  registration_number: "40003245752",
  vat_number: "lv 40003245752",
  "address.line1": "Brīvības iela 1",
  "address.city": "Rīga",
  "address.postcode": "LV-1010",
  "address.country": "lv",
  email: "office@ozols.example",
  phone: "+371 20000000",
  "bank_accounts.0.iban": "LV80 BANK 0000 4351 9500 1",
  "bank_accounts.0.bic": "HABALV22",
  "bank_accounts.0.bank_name": "Swedbank",
  payment_terms_days: "30",
  base_currency: "EUR",
  time_zone: "Europe/Riga",
  locale: "lv-LV",
  invoice_footer: "Thank you for your order.",
};

describe("the company page", () => {
  it("is in the navigation and shows a form for every profile field", async () => {
    const page = await get(user, "/dashboard/company");
    expect(page.status).toBe(200);
    expect(page.html).toContain('href="/dashboard/company"');
    for (const name of ["legal_name", "registration_number", "vat_number", "address.line1", "address.country", "email", "bank_accounts.0.iban", "payment_terms_days", "base_currency", "time_zone", "locale", "invoice_footer"]) {
      expect(page.html).toContain(`name="${name}"`);
    }
  });

  it("saves the profile and says so; the API reads what was saved", async () => {
    const result = await post(user, "/dashboard/company", PROFILE_FORM);
    expect(result.status).toBe(303);
    expect(result.location).toBe("/dashboard/company");
    expect(textOf(result.html)).toContain("The company profile is saved.");
    expect(result.html).toContain('value="Ozols SIA"');
    const profile = await json(await api("/api/company"));
    expect(profile).toMatchObject({
      legal_name: "Ozols SIA",
      vat_number: "LV40003245752",
      address: { line1: "Brīvības iela 1", city: "Rīga", postcode: "LV-1010", country: "LV", line2: null },
      bank_accounts: [{ iban: "LV80BANK0000435195001", bic: "HABALV22", bank_name: "Swedbank" }],
      payment_terms_days: 30,
      time_zone: "Europe/Riga",
      locale: "lv-LV",
      invoice_footer: "Thank you for your order.",
    });
  });

  it("shows each problem next to its field with what was typed, and saves nothing", async () => {
    await post(user, "/dashboard/company", PROFILE_FORM);
    const result = await post(user, "/dashboard/company", { ...PROFILE_FORM, legal_name: "Changed SIA", "bank_accounts.0.iban": "LV00 WRONG", time_zone: "Mars/Olympus" });
    expect(result.status).toBe(400);
    expect(result.html).toContain('value="Changed SIA"');
    expect(result.html).toMatch(/name="bank_accounts\.0\.iban" value="LV00 WRONG"[^>]*aria-invalid="true"[^>]*>\s*<span class="field-error"[^>]*>must be an IBAN/);
    expect(result.html).toMatch(/name="time_zone" value="Mars\/Olympus"[^>]*aria-invalid="true"[^>]*>\s*<span class="field-error"[^>]*>must be an IANA time zone/);
    expect((await json(await api("/api/company"))).legal_name).toBe("Ozols SIA");
  });

  it("uploads a logo, shows it, and removes it", async () => {
    const png = Uint8Array.from(atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="), (char) => char.charCodeAt(0));
    const body = new FormData();
    body.append("_csrf", user.csrf);
    body.append("logo", new File([png], "logo.png", { type: "image/png" }));
    const response = await worker().fetch(new Request(`${ORIGIN}/dashboard/company/logo`, { method: "POST", redirect: "manual", headers: { origin: ORIGIN, cookie: user.cookie }, body }));
    expect(response.status).toBe(303);
    user.cookie = cookiesOf(response, user.cookie);
    const page = await get(user, "/dashboard/company");
    expect(textOf(page.html)).toContain("The logo is saved.");
    expect(page.html).toContain('src="/dashboard/company/logo"');
    const logo = await get(user, "/dashboard/company/logo");
    expect(logo.response.headers.get("content-type")).toBe("image/png");
    const removed = await post(user, "/dashboard/company/logo/delete");
    expect(textOf(removed.html)).toContain("The logo is removed.");
    expect((await json(await api("/api/company"))).logo).toBeNull();
  });
});

describe("a document's page", () => {
  it("sends it by e-mail to the prefilled customer address and shows the send log", async () => {
    const channel = await createChannel("Mail page shop");
    await api(`/api/channels/${channel.id}/automation`, { method: "PUT", json: { create: "invoice", execute: true, only_when_paid: true, create_missing_products: true } });
    const order = sampleOrder() as Record<string, any>;
    order.lines = order.lines.map((line: any) => ({ ...line, sku: `PAGE-${crypto.randomUUID().slice(0, 8)}` }));
    order.customer = { name: "Anna Ozola", email: "anna.page@example.lv" };
    const orderId = (await json(await postOrder(channel, JSON.stringify(order)))).order_id as string;
    const invoice = await vi.waitFor(
      async () => {
        const [document] = (await json(await api(`/api/documents?order_id=${orderId}`))).items;
        expect(document?.status).toBe("executed");
        return document;
      },
      { timeout: 15_000, interval: 150 },
    );
    const page = await get(user, `/dashboard/documents/${invoice.id}`);
    expect(page.html).toMatch(/name="to" value="anna\.page@example\.lv"/);
    expect(textOf(page.html)).toContain("Not sent by e-mail yet.");

    // The message is held back: the page shows the send as queued.
    vi.spyOn(env.ORDER_QUEUE, "send").mockImplementation(async () => ({}) as never);
    const sent = await post(user, `/dashboard/documents/${invoice.id}/email`, { to: "anna.page@example.lv" });
    expect(sent.status).toBe(303);
    expect(textOf(sent.html)).toContain("Queued for anna.page@example.lv");
    expect(textOf(sent.html)).toMatch(/anna\.page@example\.lv.*queued/s);
  });
});

describe("times on every page", () => {
  it("are shown in the company's time zone and say which, the exact instant kept in the attribute", async () => {
    const user = await signIn();
    const channel = await createChannel("Tokyo clock");
    const response = await postOrder(channel, JSON.stringify(sampleOrder({ placed_at: "2026-11-27T22:30:00Z" })));
    const { order_id } = await json(response);
    expect((await api("/api/company", { method: "PUT", json: { time_zone: "Asia/Tokyo" } })).status).toBe(200);
    const tokyo = await get(user, `/dashboard/orders/${order_id}`);
    // 22:30 UTC is 07:30 the next morning in Tokyo.
    expect(tokyo.html).toContain('<time datetime="2026-11-27T22:30:00.000Z" title="Asia/Tokyo">2026-11-28 07:30</time>');
    expect(textOf(tokyo.html)).toContain("Times are in Asia/Tokyo.");
    expect((await api("/api/company", { method: "PUT", json: { time_zone: "UTC" } })).status).toBe(200);
    expect((await get(user, `/dashboard/orders/${order_id}`)).html).toContain(">2026-11-27 22:30</time>");
  });
});
