import { describe, expect, it } from "vitest";
import { countryCode, isCountryCode } from "../../src/orders/countries";
import { decodeOrder, type Order } from "../../src/orders/order";
import { checkAddresses } from "../../src/orders/order-warnings";

describe("countries as stores write them", () => {
  it.each([
    ["LV", "LV"],
    ["lv", "LV"],
    [" de ", "DE"],
    ["India", "IN"],
    ["INDIA", "IN"],
    ["United States", "US"],
    ["United States of America", "US"],
    ["U.S.A.", "US"],
    ["USA", "US"],
    ["UK", "GB"],
    ["United Kingdom", "GB"],
    ["Great Britain", "GB"],
    ["EL", "GR"],
    ["The Netherlands", "NL"],
    ["Deutschland", "DE"],
    ["Latvija", "LV"],
    ["Lietuva", "LT"],
    ["Eesti", "EE"],
    ["Österreich", "AT"],
    ["España", "ES"],
    ["Czech Republic", "CZ"],
    ["DEU", "DE"],
  ])("reads %j as %s", (written, code) => {
    expect(countryCode(written)).toBe(code);
  });

  it.each(["Narnia", "XX", "EU", "Europe", "12"])("keeps %j as written: it names no country", (written) => {
    expect(countryCode(written)).toBe(written);
    expect(isCountryCode(countryCode(written))).toBe(false);
  });
});

describe("an address the inbox cannot read", () => {
  const base = {
    external_id: "1",
    placed_at: "2026-11-28T10:00:00Z",
    currency: "EUR",
    lines: [{ name: "Thing", quantity: 1, unit_price: "10.00", total: "10.00" }],
    totals: { subtotal: "10.00", shipping: "0", tax: "0", total: "10.00" },
  };
  const decoded = (fields: object): Order => {
    const result = decodeOrder({ ...base, ...fields });
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    return result.order;
  };

  it("is stored, and warned about once per address, naming what was written", () => {
    const order = decoded({ billing_address: { country: "Narnia" }, shipping_address: { country: "India" } });
    expect(order.billing_address?.country).toBe("Narnia");
    expect(order.shipping_address?.country).toBe("IN");
    expect(checkAddresses(order)).toEqual([{ code: "unknown_country", message: expect.stringContaining('Billing address: the country "Narnia"') }]);
  });

  it("raises nothing for a mapped name, an ISO code, or no country at all", () => {
    expect(checkAddresses(decoded({ billing_address: { country: "India" }, shipping_address: { country: "lv" } }))).toEqual([]);
    expect(checkAddresses(decoded({ billing_address: { city: "Rīga" }, shipping_address: { country: "" } }))).toEqual([]);
  });
});
