import { describe, expect, it } from "vitest";
import { api, json } from "../helpers";

// The smallest valid PNG: 1×1, one transparent pixel.
const PNG = Uint8Array.from(atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="), (c) => c.charCodeAt(0));

describe("the company profile", () => {
  it("changes the fields a PUT names and keeps the others, normalising numbers as a tax office writes them", async () => {
    const first = await api("/api/company", {
      method: "PUT",
      json: {
        legal_name: "SIA Mazais Lācis",
        registration_number: "40003245752",
        vat_number: "lv 4000 3245 752",
        address: { line1: "Lielvārdes iela 68", city: "Rīga", postcode: "LV-1006", country: "lv" },
        bank_accounts: [{ iban: "LV80 BANK 0000 4351 9500 1", bic: "HABALV22", bank_name: "Swedbank" }],
        base_currency: "eur",
        time_zone: "Europe/Riga",
        locale: "lv-LV",
      },
    });
    expect(first.status).toBe(200);
    const saved = await json(first);
    expect(saved).toMatchObject({
      legal_name: "SIA Mazais Lācis",
      vat_number: "LV40003245752",
      address: { country: "LV", city: "Rīga" },
      bank_accounts: [{ iban: "LV80BANK0000435195001" }],
      base_currency: "EUR",
      payment_terms_days: 14,
    });
    const second = await json(await api("/api/company", { method: "PUT", json: { payment_terms_days: 30, address: { line2: "3. stāvs" } } }));
    expect(second).toMatchObject({ legal_name: "SIA Mazais Lācis", payment_terms_days: 30, address: { line1: "Lielvārdes iela 68", line2: "3. stāvs", country: "LV" } });
    expect(await json(await api("/api/company"))).toEqual(second);
  });

  it.each([
    ["an IBAN whose check digits are wrong", { bank_accounts: [{ iban: "LV81BANK0000435195001" }] }, "bank_accounts.0.iban"],
    ["a country that is not a code", { address: { country: "Latvia" } }, "address.country"],
    ["a VAT number without its country prefix", { vat_number: "40003245752" }, "vat_number"],
    ["a currency that is not ISO 4217", { base_currency: "EURO" }, "base_currency"],
    ["a time zone that is not IANA", { time_zone: "Riga" }, "time_zone"],
  ])("refuses %s, naming the field", async (_, change, field) => {
    const response = await api("/api/company", { method: "PUT", json: change });
    expect(response.status).toBe(400);
    const body = await json(response);
    expect(body.error.code).toBe("validation_failed");
    expect(JSON.stringify(body.error)).toContain(field);
  });

  it("keeps a PNG logo, serves it back, and refuses other images and oversized ones", async () => {
    const put = await api("/api/company/logo", { method: "PUT", body: PNG, headers: { "content-type": "image/png" } });
    expect(put.status).toBe(200);
    expect((await json(put)).logo).toEqual({ type: "image/png", url: "/api/company/logo" });
    const got = await api("/api/company/logo");
    expect(got.headers.get("content-type")).toBe("image/png");
    expect(new Uint8Array(await got.arrayBuffer())).toEqual(PNG);

    expect((await api("/api/company/logo", { method: "PUT", body: PNG, headers: { "content-type": "image/gif" } })).status).toBe(415);
    expect((await api("/api/company/logo", { method: "PUT", body: new Uint8Array(300 * 1024), headers: { "content-type": "image/png" } })).status).toBe(413);

    expect((await json(await api("/api/company/logo", { method: "DELETE" }))).logo).toBeNull();
    expect((await api("/api/company/logo")).status).toBe(404);
  });
});
