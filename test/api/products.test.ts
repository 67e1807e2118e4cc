import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { importStatements, ROWS_PER_STATEMENT } from "../../src/catalog/catalog-store";
import { MAX_IMPORT_BYTES, planImport } from "../../src/catalog/product-import";
import { api, json } from "../helpers";

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** A prefix that keeps each test's SKUs apart from the others' (storage is shared within the file). */
const fresh = () => `T${crypto.randomUUID().slice(0, 8).toUpperCase()}`;

async function createProduct(body: Record<string, unknown>) {
  const response = await api("/api/products", { method: "POST", json: body });
  if (response.status !== 201) throw new Error(`creating a product answered ${response.status}: ${await response.text()}`);
  return json(response);
}

function importCsv(body: string | Uint8Array, contentType = "text/csv") {
  return api("/api/products/import", { method: "POST", body, headers: { "content-type": contentType } });
}

async function productsWith(q: string) {
  const body = await json(await api(`/api/products?q=${encodeURIComponent(q)}&limit=200`));
  return body.items as Array<Record<string, string | null>>;
}

async function productCount(prefix: string): Promise<number> {
  const row = await env.DB.prepare("SELECT count(*) AS n FROM products WHERE sku LIKE ?").bind(`${prefix}%`).first<{ n: number }>();
  return row!.n;
}

describe("POST /api/products", () => {
  it("creates a product: SKU trimmed, the price as decimal text in its currency, the tax rate as exact decimal text", async () => {
    const sku = fresh();
    const response = await api("/api/products", {
      method: "POST",
      json: { sku: `  ${sku}-MUG `, name: " Mug ", unit_price: "12.5", currency: "eur", tax_rate: "21.0" },
    });
    expect(response.status).toBe(201);
    const product = await json(response);
    expect(product).toEqual({
      id: expect.stringMatching(/^prd_[0-9a-z]{26}$/),
      sku: `${sku}-MUG`,
      name: "Mug",
      unit_price: "12.50",
      currency: "EUR",
      tax_rate: "21",
      created_at: expect.stringMatching(ISO),
      updated_at: product.created_at,
    });
    expect(await json(await api(`/api/products/${product.id}`))).toEqual(product);
    const stored = await env.DB.prepare("SELECT unit_price_minor, tax_rate FROM products WHERE id = ?").bind(product.id).first();
    expect(stored).toEqual({ unit_price_minor: 1250, tax_rate: "21" });
  });

  it.each([
    ["JPY", "1200", "1200", 1200],
    ["BHD", "1.25", "1.250", 1250],
    ["EUR", "0", "0.00", 0],
    ["EUR", "12.500", "12.50", 1250],
  ])("keeps %s %s as %s (%i minor units)", async (currency, given, shown, minor) => {
    const product = await createProduct({ sku: fresh(), name: "Priced", unit_price: given, currency });
    expect(product.unit_price).toBe(shown);
    const stored = await env.DB.prepare("SELECT unit_price_minor FROM products WHERE id = ?").bind(product.id).first<{ unit_price_minor: number }>();
    expect(stored!.unit_price_minor).toBe(minor);
  });

  it("needs only a SKU and a name; a 255-character SKU is fine", async () => {
    const sku = fresh().padEnd(255, "X");
    const product = await createProduct({ sku, name: "Plain", tax_rate: "5.5" });
    expect(product).toMatchObject({ sku, unit_price: null, currency: null, tax_rate: "5.5" });
  });

  it.each([
    ["a missing SKU", { name: "x" }, /^sku: is required/],
    ["a blank SKU", { sku: "   ", name: "x" }, /^sku: must not be empty/],
    ["a SKU of 256 characters", { sku: "S".repeat(256), name: "x" }, /^sku: must be at most 255/],
    ["a missing name", { sku: "S-1" }, /^name: is required/],
    ["a blank name", { sku: "S-1", name: " " }, /^name: must not be empty/],
    ["a price without its currency", { sku: "S-1", name: "x", unit_price: "1.00" }, /^currency: is required with unit_price/],
    ["a currency without a price", { sku: "S-1", name: "x", currency: "EUR" }, /^unit_price: is required with currency/],
    ["a price as a JSON number", { sku: "S-1", name: "x", unit_price: 12.5, currency: "EUR" }, /^unit_price:/],
    ["a price with a comma", { sku: "S-1", name: "x", unit_price: "12,50", currency: "EUR" }, /^unit_price: must be a decimal string/],
    ["a negative price", { sku: "S-1", name: "x", unit_price: "-1.00", currency: "EUR" }, /^unit_price: must be a decimal string/],
    ["more decimals than the currency has", { sku: "S-1", name: "x", unit_price: "12.345", currency: "EUR" }, /^unit_price: .*more decimals than EUR/],
    ["cents in yen", { sku: "S-1", name: "x", unit_price: "100.5", currency: "JPY" }, /^unit_price: .*more decimals than JPY/],
    ["an unknown currency", { sku: "S-1", name: "x", unit_price: "1", currency: "EURO" }, /^currency: must be an ISO 4217/],
    ["a tax rate that is not a number", { sku: "S-1", name: "x", tax_rate: "standard" }, /^tax_rate: must be a percentage/],
    ["a tax rate as a JSON number", { sku: "S-1", name: "x", tax_rate: 21 }, /^tax_rate:/],
    ["a tax rate above 100", { sku: "S-1", name: "x", tax_rate: "100.5" }, /^tax_rate: must be at most 100/],
    ["an unknown field", { sku: "S-1", name: "x", stock: 5 }, /stock/],
  ])("refuses %s with 400 validation_failed", async (_, body, message) => {
    const response = await api("/api/products", { method: "POST", json: body });
    expect(response.status).toBe(400);
    const answer = await json(response);
    expect(answer.error.code).toBe("validation_failed");
    expect(answer.error.message).toMatch(message);
    expect((await env.DB.prepare("SELECT count(*) AS n FROM products WHERE sku = 'S-1'").first<{ n: number }>())!.n).toBe(0);
  });

  it("refuses a SKU that exists with 409, naming it, even when sent with spaces", async () => {
    const sku = `${fresh()}-DUP`;
    const first = await createProduct({ sku, name: "First" });
    const response = await api("/api/products", { method: "POST", json: { sku: ` ${sku} `, name: "Second" } });
    expect(response.status).toBe(409);
    const answer = await json(response);
    expect(answer.error.code).toBe("conflict");
    expect(answer.error.message).toContain(`"${sku}"`);
    expect(answer.error.message).toContain(first.id);
    expect(await productCount(sku)).toBe(1);
  });
});

describe("PATCH /api/products/:id", () => {
  it("changes only what is sent; price and currency change together and are cleared together", async () => {
    const created = await createProduct({ sku: fresh(), name: "Lamp", unit_price: "30.00", currency: "EUR", tax_rate: "21" });
    const renamed = await json(await api(`/api/products/${created.id}`, { method: "PATCH", json: { name: "Desk lamp" } }));
    expect(renamed).toEqual({ ...created, name: "Desk lamp", updated_at: expect.stringMatching(ISO) });

    const repriced = await json(await api(`/api/products/${created.id}`, { method: "PATCH", json: { unit_price: "3500", currency: "JPY", tax_rate: "10" } }));
    expect(repriced).toMatchObject({ name: "Desk lamp", unit_price: "3500", currency: "JPY", tax_rate: "10" });

    const cleared = await api(`/api/products/${created.id}`, { method: "PATCH", json: { unit_price: null, currency: null, tax_rate: null } });
    expect(cleared.status).toBe(200);
    expect(await json(cleared)).toMatchObject({ unit_price: null, currency: null, tax_rate: null });
    expect(await json(await api(`/api/products/${created.id}`))).toMatchObject({ name: "Desk lamp", unit_price: null, currency: null });
  });

  it.each([
    ["a price without its currency", { unit_price: "5.00" }, /^currency: is required with unit_price/],
    ["a currency without a price", { currency: "USD" }, /^unit_price: is required with currency/],
    ["a price cleared but not its currency", { unit_price: null, currency: "EUR" }, /^currency: unit_price and currency are cleared together/],
    ["a null name", { name: null }, /^name:/],
    ["a null SKU", { sku: null }, /^sku:/],
    ["an unknown field", { colour: "red" }, /colour/],
  ])("refuses %s with 400 and changes nothing", async (_, body, message) => {
    const created = await createProduct({ sku: fresh(), name: "Fixed", unit_price: "1.00", currency: "EUR" });
    const response = await api(`/api/products/${created.id}`, { method: "PATCH", json: body });
    expect(response.status).toBe(400);
    expect((await json(response)).error.message).toMatch(message);
    expect(await json(await api(`/api/products/${created.id}`))).toEqual(created);
  });

  it("refuses a SKU another product holds with 409; its own SKU is fine", async () => {
    const prefix = fresh();
    await createProduct({ sku: `${prefix}-A`, name: "A" });
    const b = await createProduct({ sku: `${prefix}-B`, name: "B" });
    const taken = await api(`/api/products/${b.id}`, { method: "PATCH", json: { sku: `${prefix}-A` } });
    expect(taken.status).toBe(409);
    const answer = await json(taken);
    expect(answer.error.code).toBe("conflict");
    expect(answer.error.message).toContain(`"${prefix}-A"`);
    expect((await json(await api(`/api/products/${b.id}`))).sku).toBe(`${prefix}-B`);

    const same = await api(`/api/products/${b.id}`, { method: "PATCH", json: { sku: `${prefix}-B`, name: "B2" } });
    expect(same.status).toBe(200);
    const moved = await json(await api(`/api/products/${b.id}`, { method: "PATCH", json: { sku: `${prefix}-C` } }));
    expect(moved).toMatchObject({ id: b.id, sku: `${prefix}-C`, name: "B2" });
  });

  it("answers 404 for a product that does not exist", async () => {
    for (const response of [await api("/api/products/prd_missing"), await api("/api/products/prd_missing", { method: "PATCH", json: { name: "x" } })]) {
      expect(response.status).toBe(404);
      expect((await json(response)).error.code).toBe("not_found");
    }
  });
});

describe("GET /api/products", () => {
  it("pages by SKU ascending with a cursor", async () => {
    const prefix = fresh();
    for (const suffix of ["D", "A", "E", "C", "B"]) await createProduct({ sku: `${prefix}-${suffix}`, name: `Item ${suffix}` });
    const seen: string[] = [];
    const pages: number[] = [];
    let cursor: string | null = null;
    do {
      const response = await api(`/api/products?q=${prefix}&limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(response.status).toBe(200);
      const body = await json(response);
      pages.push(body.items.length);
      seen.push(...body.items.map((item: { sku: string }) => item.sku));
      cursor = body.next_cursor;
    } while (cursor);
    expect(pages).toEqual([2, 2, 1]);
    expect(seen).toEqual(["A", "B", "C", "D", "E"].map((suffix) => `${prefix}-${suffix}`));
  });

  it("finds by part of the SKU or the name, ignoring case", async () => {
    const prefix = fresh();
    await createProduct({ sku: `${prefix}-CUP`, name: "Tea cup" });
    await createProduct({ sku: `${prefix}-PLATE`, name: "Dinner plate" });
    await createProduct({ sku: `OTHER-${prefix}`, name: `Teapot` });
    expect((await productsWith(`${prefix.toLowerCase()}-cup`)).map((item) => item.sku)).toEqual([`${prefix}-CUP`]);
    expect((await productsWith(prefix)).map((item) => item.sku)).toEqual([`OTHER-${prefix}`, `${prefix}-CUP`, `${prefix}-PLATE`]);
    const byName = (await productsWith("DINNER PLATE")).map((item) => item.sku);
    expect(byName).toContain(`${prefix}-PLATE`);
    expect(byName).not.toContain(`${prefix}-CUP`);
  });

  it.each([["limit=0"], ["limit=500"], ["cursor=%%%"]])("refuses %s with 400", async (query) => {
    expect((await api(`/api/products?${query}`)).status).toBe(400);
  });
});

describe("POST /api/products/import", () => {
  it("reads quoted fields, a BOM, CRLF and a header in any order and case", async () => {
    const prefix = fresh();
    const csv =
      "\uFEFFName,SKU,Tax_Rate,Unit_Price,Currency\r\n" +
      `"Mug, large",${prefix}-MUG,21,12.50,EUR\r\n` +
      `"The ""best"" pen",${prefix}-PEN,,1.5,eur\r\n` +
      `"Poster\r\n60×90 cm",${prefix}-POSTER,5.5,,\r\n` +
      "\r\n";
    const response = await importCsv(csv, "text/csv; charset=utf-8");
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual({ created: 3, updated: 0 });

    const items = await productsWith(prefix);
    expect(items.map(({ sku, name, unit_price, currency, tax_rate }) => ({ sku, name, unit_price, currency, tax_rate }))).toEqual([
      { sku: `${prefix}-MUG`, name: "Mug, large", unit_price: "12.50", currency: "EUR", tax_rate: "21" },
      { sku: `${prefix}-PEN`, name: 'The "best" pen', unit_price: "1.50", currency: "EUR", tax_rate: null },
      { sku: `${prefix}-POSTER`, name: "Poster\r\n60×90 cm", unit_price: null, currency: null, tax_rate: "5.5" },
    ]);
    expect(items[0].id).toMatch(/^prd_/);
  });

  it("updates the products whose SKU exists, keeping their id; columns the file lacks are left alone", async () => {
    const prefix = fresh();
    const existing = await createProduct({ sku: `${prefix}-OLD`, name: "Old name", unit_price: "9.99", currency: "EUR", tax_rate: "21" });

    const renamed = await importCsv(`sku,name\n${prefix}-OLD,New name\n${prefix}-NEW,Brand new\n`);
    expect(await json(renamed)).toEqual({ created: 1, updated: 1 });
    const afterRename = await json(await api(`/api/products/${existing.id}`));
    expect(afterRename).toMatchObject({ id: existing.id, name: "New name", unit_price: "9.99", currency: "EUR", tax_rate: "21", created_at: existing.created_at });

    // With the price columns present, the file's values replace the stored ones; an empty cell clears.
    const repriced = await importCsv(`sku,name,unit_price,currency,tax_rate\n${prefix}-OLD,New name,1200,JPY,\n`);
    expect(await json(repriced)).toEqual({ created: 0, updated: 1 });
    expect(await json(await api(`/api/products/${existing.id}`))).toMatchObject({ unit_price: "1200", currency: "JPY", tax_rate: null });
    expect(await productCount(prefix)).toBe(2);
  });

  it("refuses the whole file when a row is invalid, naming each row (the header is row 1), and writes nothing", async () => {
    const prefix = fresh();
    const existing = await createProduct({ sku: `${prefix}-KEEP`, name: "Keep me" });
    const lines = [
      "sku,name,unit_price,currency,tax_rate",
      `${prefix}-KEEP,Renamed,,,`,
      `${prefix}-2,Two,1.00,EUR,21`,
      `${prefix}-3,Three,2.00,EUR,21`,
      `${prefix}-4,Four,3.00,EUR,21`,
      `${prefix}-5,"Five, with a comma",4.00,EUR,21`,
      `${prefix}-6,Six,12.345,EUR,21`,
      `${prefix}-7,,5.00,EUR,21`,
      `${prefix}-8,Eight,5.00,,21`,
      `${prefix}-2,Two again,1.00,EUR,21`,
      `${prefix}-10,Ten,1.00,EUR`,
    ];
    const response = await importCsv(lines.join("\n"));
    expect(response.status).toBe(400);
    const answer = await json(response);
    expect(answer.error.code).toBe("validation_failed");
    expect(answer.error.message).toMatch(/^row 7: unit_price: .*more decimals than EUR.*\(and 4 more problems\)$/);
    expect(answer.error.problems).toEqual([
      { field: "row 7: unit_price", message: expect.stringMatching(/more decimals than EUR/) },
      { field: "row 8: name", message: "is required" },
      { field: "row 9: currency", message: expect.stringMatching(/is required with unit_price/) },
      { field: "row 10: sku", message: expect.stringMatching(/already on row 3/) },
      { field: "row 11", message: "has 4 fields where the header has 5" },
    ]);
    expect(await productCount(prefix)).toBe(1);
    expect(await json(await api(`/api/products/${existing.id}`))).toEqual(existing);
  });

  it.each([
    ["an unterminated quote", "row 3", `sku,name\nA,Fine\nB,"Broken\nC,Also fine\n`, /not closed/],
    ["text after a closing quote", "row 2", `sku,name\nA,"Quoted"tail\n`, /follows a closing quote/],
    ["a missing name column", "row 1", "sku,unit_price,currency\nA,1,EUR\n", /the column name is missing/],
    ["an unknown column", "row 1", "sku,name,stock\nA,B,5\n", /unknown column "stock"/],
    ["a column twice", "row 1", "sku,name,SKU\nA,B,C\n", /the column sku appears twice/],
    ["a price column without currency", "row 1", "sku,name,unit_price\nA,B,1\n", /unit_price and currency come together/],
    ["an empty file", "row 1", "", /the file is empty/],
  ])("refuses %s with 400, naming %s", async (_, field, csv, message) => {
    const response = await importCsv(csv);
    expect(response.status).toBe(400);
    const answer = await json(response);
    expect(answer.error.code).toBe("validation_failed");
    expect(answer.error.problems[0]).toEqual({ field, message: expect.stringMatching(message) });
  });

  it("imports 10 000 rows over several batches, and refuses 10 001 rows with 413, writing nothing", async () => {
    const prefix = fresh();
    const rows = (count: number) =>
      ["sku,name,unit_price,currency,tax_rate", ...Array.from({ length: count }, (_, index) => `${prefix}-${String(index).padStart(5, "0")},Item ${index},${index}.99,EUR,21`)].join("\n");

    const tooMany = await importCsv(rows(10_001));
    expect(tooMany.status).toBe(413);
    const answer = await json(tooMany);
    expect(answer.error.code).toBe("payload_too_large");
    expect(answer.error.message).toMatch(/10001 rows; at most 10000/);
    expect(await productCount(prefix)).toBe(0);

    const full = await importCsv(rows(10_000));
    expect(full.status).toBe(200);
    expect(await json(full)).toEqual({ created: 10_000, updated: 0 });
    expect(await productCount(prefix)).toBe(10_000);
    const last = await env.DB.prepare("SELECT name, unit_price_minor FROM products WHERE sku = ?").bind(`${prefix}-09999`).first();
    expect(last).toEqual({ name: "Item 9999", unit_price_minor: 999_999 });

    const again = await importCsv(rows(10_000));
    expect(await json(again)).toEqual({ created: 0, updated: 10_000 });
    expect(await productCount(prefix)).toBe(10_000);
  }, 60_000);

  it("refuses a body larger than the limit with 413", async () => {
    const body = `sku,name\n${"A,".padEnd(MAX_IMPORT_BYTES, "x")}\n`;
    const response = await importCsv(body);
    expect(response.status).toBe(413);
    expect((await json(response)).error.code).toBe("payload_too_large");
  });

  it.each([
    ["JSON", "application/json", 415, "unsupported_media_type"],
    ["plain text", "text/plain", 415, "unsupported_media_type"],
    ["CSV in another charset", "text/csv; charset=windows-1257", 415, "unsupported_media_type"],
  ])("refuses %s (%s) with 415", async (_, contentType, status, code) => {
    const response = await importCsv("sku,name\nA,B\n", contentType);
    expect(response.status).toBe(status);
    expect((await json(response)).error.code).toBe(code);
  });

  it("refuses bytes that are not UTF-8", async () => {
    const bytes = new Uint8Array([...new TextEncoder().encode("sku,name\nA,"), 0xe2, 0x28, 0xa1, 0x0a]);
    const response = await importCsv(bytes);
    expect(response.status).toBe(400);
    expect((await json(response)).error.code).toBe("invalid_encoding");
  });
});

describe("import statements", () => {
  it("bind at most 100 parameters each, one shared time and six per row, and number them in order", () => {
    const csv = ["sku,name,unit_price,currency,tax_rate", ...Array.from({ length: 100 }, (_, index) => `S${index},N${index},1.00,EUR,21`)].join("\n");
    const statements = importStatements(planImport(csv), 1_700_000_000_000);
    expect(statements.map((statement) => statement.ids.length)).toEqual([16, 16, 16, 16, 16, 16, 4]);
    for (const statement of statements) {
      expect(statement.params.length).toBeLessThanOrEqual(100);
      const numbers = [...statement.sql.matchAll(/\?(\d+)/g)].map((match) => Number(match[1]));
      expect(Math.max(...numbers)).toBe(statement.params.length);
      expect(new Set(numbers).size).toBe(statement.params.length);
    }
    expect(ROWS_PER_STATEMENT * 6 + 1).toBeLessThanOrEqual(100);
    expect(statements[0].params.slice(0, 7)).toEqual([1_700_000_000_000, statements[0].ids[0], "S0", "N0", 100, "EUR", "21"]);
  });

  it("update only the columns the file has", () => {
    const [withPrice] = importStatements(planImport("sku,name,unit_price,currency\nA,B,1,EUR"), 1);
    expect(withPrice.sql).toContain("unit_price_minor = excluded.unit_price_minor");
    expect(withPrice.sql).not.toContain("tax_rate = excluded");
    const [nameOnly] = importStatements(planImport("sku,name\nA,B"), 1);
    expect(nameOnly.sql).toMatch(/DO UPDATE SET name = excluded\.name, updated_at = excluded\.updated_at RETURNING id$/);
  });
});
