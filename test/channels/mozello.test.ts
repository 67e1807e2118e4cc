import { describe, expect, it } from "vitest";
import { mozelloAdapter } from "../../src/channels/mozello";
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

  it("orders an order's states by progress, whatever order they arrive in", async () => {
    const [created, paid, dispatched] = await Promise.all(
      ["order-created", "payment-changed", "dispatch-changed"].map(async (name) => orderOf(await mozelloAdapter.parse(request(fixture(`${name}.body`)), channel))),
    );
    expect(Date.parse(created.updated_at!)).toBeLessThan(Date.parse(paid.updated_at!));
    expect(Date.parse(paid.updated_at!)).toBeLessThan(Date.parse(dispatched.updated_at!));
    // A retried notification of the same state is the same event.
    expect(keyOf(await mozelloAdapter.parse(request(fixture("payment-changed.body")), channel))).toBe(
      keyOf(await mozelloAdapter.parse(request(fixture("payment-changed.body")), channel)),
    );
  });

  it("turns ORDER_DELETED into a removal", async () => {
    expect(arrivalsOf(await mozelloAdapter.parse(request(fixture("order-deleted.body")), channel))).toEqual([
      { type: "removal", key: `removal:${expectedOf("order-deleted").removal!.external_id}`, externalId: expectedOf("order-deleted").removal!.external_id, at: new Date(NOW).toISOString() },
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
