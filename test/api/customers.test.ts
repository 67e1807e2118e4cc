import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, json } from "../helpers";

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

async function createCustomer(body: Record<string, unknown>) {
  const response = await api("/api/customers", { method: "POST", json: body });
  if (response.status !== 201) throw new Error(`creating a customer answered ${response.status}: ${await response.text()}`);
  return json(response);
}

describe("POST /api/customers", () => {
  it("creates a customer with every field, e-mail lower case, country upper case, the address in one shape", async () => {
    const response = await api("/api/customers", {
      method: "POST",
      json: {
        name: "  Anna Bērziņa ",
        email: " Anna.Berzina@Example.LV ",
        vat_number: "LV40003000000",
        company: "Bērziņi SIA",
        phone: "+371 2000 0000",
        address: { line1: "Brīvības iela 1", city: "Rīga", postcode: "LV-1010", country: "lv" },
      },
    });
    expect(response.status).toBe(201);
    const customer = await json(response);
    expect(customer).toEqual({
      id: expect.stringMatching(/^cus_[0-9a-z]{26}$/),
      name: "Anna Bērziņa",
      email: "anna.berzina@example.lv",
      vat_number: "LV40003000000",
      company: "Bērziņi SIA",
      phone: "+371 2000 0000",
      address: { name: null, company: null, line1: "Brīvības iela 1", line2: null, city: "Rīga", postcode: "LV-1010", region: null, country: "LV" },
      created_at: expect.stringMatching(ISO),
      updated_at: customer.created_at,
    });
    const read = await api(`/api/customers/${customer.id}`);
    expect(read.status).toBe(200);
    expect(await json(read)).toEqual(customer);
    const stored = await env.DB.prepare("SELECT email FROM customers WHERE id = ?").bind(customer.id).first<{ email: string }>();
    expect(stored!.email).toBe("anna.berzina@example.lv");
  });

  it("needs only a name; the rest is null, and empty text counts as none", async () => {
    const customer = await createCustomer({ name: "Walk-in", phone: "  ", address: { city: "" } });
    expect(customer).toMatchObject({ name: "Walk-in", email: null, vat_number: null, company: null, phone: null, address: null });
  });

  it.each([
    ["a missing name", {}, /^name: is required/],
    ["a blank name", { name: "   " }, /^name: must not be empty/],
    ["a name that is not text", { name: 42 }, /^name:/],
    ["an e-mail that is not one", { name: "x", email: "anna at example" }, /^email: must be an e-mail address/],
    ["an unknown field", { name: "x", colour: "red" }, /colour/],
    ["an unknown address field", { name: "x", address: { street: "Main" } }, /street/],
    ["a country that is not ISO-2", { name: "x", address: { country: "Latvia" } }, /^address\.country: must be an ISO 3166-1 alpha-2/],
    ["a phone too long", { name: "x", phone: "1".repeat(65) }, /^phone:/],
  ])("refuses %s with 400 validation_failed", async (_, body, message) => {
    const response = await api("/api/customers", { method: "POST", json: body });
    expect(response.status).toBe(400);
    const answer = await json(response);
    expect(answer.error.code).toBe("validation_failed");
    expect(answer.error.message).toMatch(message);
    expect(answer.error.problems.length).toBeGreaterThan(0);
  });

  it("refuses a body that is not JSON", async () => {
    const response = await api("/api/customers", { method: "POST", body: "{name:", headers: { "content-type": "application/json" } });
    expect(response.status).toBe(400);
    expect((await json(response)).error.code).toBe("malformed_body");
  });
});

describe("PATCH /api/customers/:id", () => {
  it("changes only the fields sent; null clears one; an address replaces the whole address", async () => {
    const created = await createCustomer({
      name: "Jānis",
      email: "janis@example.lv",
      company: "Old Co",
      address: { line1: "Old street 1", city: "Liepāja", country: "LV" },
    });
    const response = await api(`/api/customers/${created.id}`, {
      method: "PATCH",
      json: { email: "JANIS@New.example", company: null, address: { line1: "New street 2", country: "ee" } },
    });
    expect(response.status).toBe(200);
    const updated = await json(response);
    expect(updated).toEqual({
      ...created,
      email: "janis@new.example",
      company: null,
      address: { name: null, company: null, line1: "New street 2", line2: null, city: null, postcode: null, region: null, country: "EE" },
      updated_at: expect.stringMatching(ISO),
    });
    expect(Date.parse(updated.updated_at)).toBeGreaterThanOrEqual(Date.parse(created.updated_at));
    expect(await json(await api(`/api/customers/${created.id}`))).toEqual(updated);

    const cleared = await json(await api(`/api/customers/${created.id}`, { method: "PATCH", json: { address: null } }));
    expect(cleared).toMatchObject({ name: "Jānis", email: "janis@new.example", address: null });
  });

  it.each([
    ["a null name", { name: null }, /^name:/],
    ["a blank name", { name: "" }, /^name: must not be empty/],
    ["an e-mail that is not one", { email: "nope" }, /^email:/],
    ["an unknown field", { nickname: "J" }, /nickname/],
  ])("refuses %s with 400 and changes nothing", async (_, body, message) => {
    const created = await createCustomer({ name: "Unchanged", email: "same@example.com" });
    const response = await api(`/api/customers/${created.id}`, { method: "PATCH", json: body });
    expect(response.status).toBe(400);
    const answer = await json(response);
    expect(answer.error.code).toBe("validation_failed");
    expect(answer.error.message).toMatch(message);
    expect(await json(await api(`/api/customers/${created.id}`))).toEqual(created);
  });

  it("answers 404 for a customer that does not exist", async () => {
    for (const response of [await api("/api/customers/cus_missing"), await api("/api/customers/cus_missing", { method: "PATCH", json: { name: "x" } })]) {
      expect(response.status).toBe(404);
      expect((await json(response)).error.code).toBe("not_found");
    }
  });
});

describe("GET /api/customers", () => {
  it("finds by name, e-mail, VAT number or company, ignoring case", async () => {
    const tag = `q${crypto.randomUUID().slice(0, 8)}`;
    const byName = await createCustomer({ name: `Ilze ${tag}NAME` });
    const byEmail = await createCustomer({ name: "Someone", email: `${tag}mail@example.com` });
    const byVat = await createCustomer({ name: "Vat holder", vat_number: `LV-${tag}-VAT` });
    const byCompany = await createCustomer({ name: "Worker", company: `${tag} Holdings` });
    await createCustomer({ name: "Unrelated", email: "other@example.com" });

    const ids = async (q: string) => (await json(await api(`/api/customers?q=${encodeURIComponent(q)}`))).items.map((item: { id: string }) => item.id);
    expect(new Set(await ids(tag.toUpperCase()))).toEqual(new Set([byName.id, byEmail.id, byVat.id, byCompany.id]));
    expect(await ids(`${tag}name`)).toEqual([byName.id]);
    expect(await ids(`${tag.toUpperCase()}MAIL@EXAMPLE`)).toEqual([byEmail.id]);
    expect(await ids(`lv-${tag}-vat`)).toEqual([byVat.id]);
    expect(await ids(`${tag} holdings`)).toEqual([byCompany.id]);
    // LIKE wildcards in q are text, not patterns.
    expect(await ids(`${tag}%`)).toEqual([]);
  });

  it("pages newest first with a cursor, rows of the same time ordered by id", async () => {
    const tag = `page${crypto.randomUUID().slice(0, 8)}`;
    // Written directly so that the times are known, including a tie.
    const rows = [
      ["cus_a1", 1_000],
      ["cus_a2", 2_000],
      ["cus_a3", 3_000],
      ["cus_a4", 3_000],
      ["cus_a5", 4_000],
    ].map(([suffix, at]) => ({ id: `${suffix}_${tag}`, at: at as number }));
    for (const row of rows) {
      await env.DB.prepare("INSERT INTO customers (id, name, company, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)")
        .bind(row.id, `Customer ${row.id}`, tag, row.at)
        .run();
    }
    const seen: string[] = [];
    const pages: number[] = [];
    let cursor: string | null = null;
    do {
      const response = await api(`/api/customers?q=${tag}&limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(response.status).toBe(200);
      const body = await json(response);
      pages.push(body.items.length);
      seen.push(...body.items.map((item: { id: string }) => item.id));
      cursor = body.next_cursor;
    } while (cursor);
    expect(pages).toEqual([2, 2, 1]);
    expect(seen).toEqual([`cus_a5_${tag}`, `cus_a4_${tag}`, `cus_a3_${tag}`, `cus_a2_${tag}`, `cus_a1_${tag}`]);
    const first = await json(await api(`/api/customers?q=${tag}&limit=1`));
    expect(first.items[0]).toMatchObject({ id: `cus_a5_${tag}`, created_at: "1970-01-01T00:00:04.000Z" });
  });

  it("lists every customer without a filter, never older before newer", async () => {
    await createCustomer({ name: "One more" });
    const list = await json(await api("/api/customers?limit=200"));
    const times = list.items.map((item: { created_at: string }) => Date.parse(item.created_at));
    expect(times.length).toBeGreaterThan(5);
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(list.next_cursor).toBeNull();
  });

  it.each([
    ["limit=0", /^limit:/],
    ["limit=201", /^limit:/],
    ["limit=ten", /^limit:/],
    ["cursor=not-a-cursor", /^cursor:/],
  ])("refuses %s with 400", async (query, message) => {
    const response = await api(`/api/customers?${query}`);
    expect(response.status).toBe(400);
    expect((await json(response)).error.message).toMatch(message);
  });
});
