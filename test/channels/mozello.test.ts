import { describe, expect, it } from "vitest";
import { mozelloAdapter, mozelloOrderArrival } from "../../src/channels/mozello";
import { taxTreatment } from "../../src/channels/mozello/map-mozello-order";
import { nextPath } from "../../src/channels/mozello/mozello-api";
import { mozelloNotificationSchema, mozelloOrderSchema } from "../../src/channels/mozello/mozello-payload";
import type { ChannelConfig } from "../../src/channels/types";
import { signMozello } from "../../src/channels/mozello/mozello-signature";
import { utf8 } from "../../src/lib/encoding";
import { spread } from "../../src/orders/money";
import { decodeOrder } from "../../src/orders/order";
import { checkTotals } from "../../src/orders/totals";
import cases from "../fixtures/mozello/cases.json";
import { channelContract } from "./contract";
import { arrivalsOf, keyOf, orderOf } from "./verdicts";

const files = import.meta.glob("../fixtures/mozello/*.{body,json}", { query: "?raw", import: "default", eager: true }) as Record<string, string>;
const fixture = (file: string) => files[`../fixtures/mozello/${file}`]!;
const headersOf = (name: string) => cases.find((entry) => entry.name === name)!.headers as Record<string, string>;
const expectedOf = (name: string) =>
  JSON.parse(fixture(`${name}.expected.json`)) as { order: unknown; removal: { external_id: string } | null; ignored: string | null };

const orderCases = cases.map((entry) => entry.name).filter((name) => expectedOf(name).order);
const removalCases = cases.map((entry) => entry.name).filter((name) => expectedOf(name).removal);

channelContract({
  adapter: mozelloAdapter,
  fixtures: [...orderCases, "product-changed"].map((name) => {
    const expected = expectedOf(name);
    const decoded = expected.order ? decodeOrder(expected.order) : null;
    if (decoded && !decoded.ok) throw new Error(`${name}.expected.json: ${JSON.stringify(decoded.issues)}`);
    return {
      name,
      mediaType: "application/json",
      body: fixture(`${name}.body`),
      headers: headersOf(name),
      expected: decoded?.ok ? decoded.order : null,
    };
  }),
  sign: async (body, secret) => ({ "x-mozello-hash": await signMozello(body, secret) }),
});

const NOW = Date.parse("2026-11-28T12:00:00Z");
const KEY = "MZL-0000000-00000000000000000000000000000000";
const channel: ChannelConfig = { id: "ch_m", type: "mozello", secrets: [{ id: "sec_m", secret: KEY }], settings: {} };
const request = (body: string, headers: Record<string, string> = {}) => ({ headers: new Headers(headers), body: utf8.encode(body), mediaType: "application/json", receivedAt: NOW });

describe("Mozello notifications", () => {
  it("reproduces the hash test vector", async () => {
    expect(await signMozello('{"event":"PAYMENT_CHANGED","order":{"order_id":"M-2475405-42","payment_status":"paid"}}', KEY)).toBe(
      "5//+tIW4BwswE1MQUUfPD/tYwFkgEpwfWm1EhfyCmAw=",
    );
  });

  it.each(orderCases)("%s adds up under the inbox's checks", async (name) => {
    expect(checkTotals(orderOf(await mozelloAdapter.parse(request(fixture(`${name}.body`)), channel)))).toEqual([]);
  });

  it("dates a notification by its receipt, so a payment moved back to pending is newer than the paid state", async () => {
    const at = (name: string, receivedAt: number) => mozelloAdapter.parse({ ...request(fixture(`${name}.body`)), receivedAt }, channel);
    const paid = await at("real-payment-changed", NOW);
    const reverted = await at("payment-reverted", NOW + 60_000);
    expect(orderOf(reverted).financial_status).toBe("pending");
    expect(Date.parse(orderOf(reverted).updated_at!)).toBeGreaterThan(Date.parse(orderOf(paid).updated_at!));
    // Paid again, then pending again: identical bodies, each one a change that must apply.
    const revertedAgain = await at("payment-reverted", NOW + 120_000);
    expect(keyOf(revertedAgain)).not.toBe(keyOf(reverted));
    expect(Date.parse(orderOf(revertedAgain).updated_at!)).toBeGreaterThan(Date.parse(orderOf(reverted).updated_at!));
  });

  it("dates ORDER_CREATED by the order's created_at, so a late or retried one never overrides a later state", async () => {
    const created = orderOf(await mozelloAdapter.parse({ ...request(fixture("real-order-created.body")), receivedAt: NOW + 3_600_000 }, channel));
    const paid = orderOf(await mozelloAdapter.parse(request(fixture("real-payment-changed.body")), channel));
    expect(created.updated_at).toBe("2025-10-24T10:48:35Z");
    expect(Date.parse(created.updated_at!)).toBeLessThan(Date.parse(paid.updated_at!));
  });

  it("keys a sweep's read by the state alone: re-reading a known state is the same event, a changed one is not", () => {
    const orderIn = (name: string) => JSON.parse(fixture(`${name}.body`)).order;
    const read = (name: string, at: number) => keyOf(mozelloOrderArrival(orderIn(name), { via: "sweep", at }));
    expect(read("real-payment-changed", NOW)).toBe(read("real-payment-changed", NOW + 900_000));
    expect(read("payment-reverted", NOW)).not.toBe(read("real-payment-changed", NOW));
    expect(orderOf(mozelloOrderArrival(orderIn("real-payment-changed"), { via: "sweep", at: NOW })).updated_at).toBe(new Date(NOW).toISOString().replace(".000Z", "Z"));
  });

  it.each([
    // [fixture, prices include tax, line rates, shipping rate, decided by]
    ["no-tax", false, [null], null, "no_tax"],
    ["real-order-created", false, ["0"], null, "no_tax"],
    ["real-payment-changed-21", false, ["0"], null, "no_tax"],
    ["order-created", true, ["21", "21"], "21", "amounts"],
    ["exclusive-tax", false, ["21", "21"], "21", "amounts"],
    ["doc-order-created", false, ["21", "21"], "21", "amounts"],
    ["mixed-rates", true, ["5", "21"], "21", "amounts"],
    ["mixed-rates-exclusive", false, ["5", "21"], "21", "amounts"],
  ])("%s: prices include tax %s, rates %j, shipping %s (%s)", (name, included, lineRates, shippingRate, decidedBy) => {
    const { order } = mozelloNotificationSchema.parse(JSON.parse(fixture(`${name}.body`)));
    expect(taxTreatment(mozelloOrderSchema.parse(order))).toEqual({ included, lineRates, shippingRate, decidedBy });
  });

  it("falls back to the field names when the amounts fit neither reading, and the totals check holds the order", async () => {
    const body = fixture("doc-order-created.body").replace('"total": 133.1', '"total": 140');
    const order = orderOf(await mozelloAdapter.parse(request(body), channel));
    expect(order.prices_include_tax).toBe(true);
    expect(checkTotals(order).map((warning) => warning.code)).toContain("total_mismatch");
  });

  it.each([
    ["https://api.mozello.com/v1", "https://api.mozello.com/v1/store/orders/?page_size=100&page_start=id:M-1-2", "/store/orders/?page_size=100&page_start=id:M-1-2"],
    ["https://api.mozello.com/v1", "/store/orders/?page_size=100&page_start=id:M-1-2", "/store/orders/?page_size=100&page_start=id:M-1-2"],
    ["https://api.mozello.com/v1", "/v1/store/orders/?page_start=id:M-1-2", "/store/orders/?page_start=id:M-1-2"],
    ["https://api.mozello.com/v1", "store/products/?page_start=id:uid-1", "/store/products/?page_start=id:uid-1"],
  ])("follows a next page link under %s: %s", (base, link, path) => {
    expect(nextPath(base, link)).toBe(path);
  });

  it("refuses a next page link off the API (the API key goes with every request)", () => {
    expect(() => nextPath("https://api.mozello.com/v1", "https://evil.example/v1/store/orders/?page=2")).toThrow(/not under/);
  });

  it.each(removalCases)("%s becomes a removal of the order it names", async (name) => {
    const externalId = expectedOf(name).removal!.external_id;
    expect(arrivalsOf(await mozelloAdapter.parse(request(fixture(`${name}.body`)), channel))).toEqual([
      { type: "removal", key: `removal:${externalId}`, externalId, at: new Date(NOW).toISOString() },
    ]);
  });

  it.each([
    [1000, [300, 700], [300, 700]],
    [1, [500, 500], [1, 0]],
    [100, [1, 1, 1], [34, 33, 33]],
    [0, [5, 5], [0, 0]],
  ])("spreads %i over %j as %j", (amount, weights, shares) => {
    expect(spread(amount, weights)).toEqual(shares);
  });
});
