import { beforeAll, describe, expect, it, vi } from "vitest";
import { api, createChannel, json, postOrder, sampleOrder, type TestChannel } from "../helpers";

let shop: TestChannel;
let pos: TestChannel;
const ids: Record<string, string> = {};

async function store(channel: TestChannel, name: string, overrides: Record<string, unknown>) {
  const response = await postOrder(channel, JSON.stringify(sampleOrder(overrides)));
  expect(response.status).toBe(202);
  ids[name] = (await json(response)).order_id;
}

beforeAll(async () => {
  shop = await createChannel("Shop");
  pos = await createChannel("POS");
  await store(shop, "anna", { number: "A-1001", placed_at: "2026-11-01T10:00:00Z", customer: { name: "Anna Ozola", email: "Anna@Example.lv" } });
  await store(shop, "janis", { number: "A-1002", placed_at: "2026-11-10T10:00:00Z", customer: { name: "Jānis Kalniņš", email: "janis@example.lv" } });
  await store(pos, "walkin", { number: "P-77", placed_at: "2026-11-20T10:00:00Z", customer: null });
  await store(shop, "percent", { number: "100%_OFF", placed_at: "2026-11-25T10:00:00Z", customer: { name: "Promo", email: "p@example.lv" } });
});

const listIds = async (query: string) => {
  const response = await api(`/api/orders${query}`);
  expect(response.status).toBe(200);
  return (await json(response)).items.map((item: { id: string }) => item.id);
};

describe("GET /api/orders", () => {
  it.each([
    ["", ["percent", "walkin", "janis", "anna"]],
    ["?channel_id=CHANNEL_POS", ["walkin"]],
    ["?q=a-100", ["janis", "anna"]],
    ["?q=anna@example.lv", ["anna"]],
    ["?q=Kalniņš", ["janis"]],
    ["?q=100%25_", ["percent"]],
    ["?placed_from=2026-11-05T00:00:00Z&placed_to=2026-11-21T00:00:00Z", ["walkin", "janis"]],
    ["?status=ignored", []],
  ])("filters %s", async (query, expected) => {
    const all = await listIds(query.replace("CHANNEL_POS", pos.id));
    const ours = all.filter((id: string) => Object.values(ids).includes(id));
    expect(ours).toEqual(expected.map((name) => ids[name]));
  });

  it("pages with a cursor, newest placed first, without repeats or gaps", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: Array<{ id: string }>; next_cursor: string | null } = await json(
        await api(`/api/orders?limit=1${cursor ? `&cursor=${cursor}` : ""}`),
      );
      expect(page.items.length).toBeLessThanOrEqual(1);
      seen.push(...page.items.map((item) => item.id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toEqual(await listIds("?limit=200"));
    expect(seen).toHaveLength(4);
  });

  it.each([
    ["?status=lost", "status:"],
    ["?limit=0", "limit:"],
    ["?placed_from=yesterday", "placed_from:"],
  ])("refuses a bad query %s with 400 naming the parameter", async (query, field) => {
    const response = await api(`/api/orders${query}`);
    expect(response.status).toBe(400);
    expect((await json(response)).error.message.startsWith(field)).toBe(true);
  });

  it("refuses a cursor it did not issue", async () => {
    const response = await api("/api/orders?cursor=bm9wZQ");
    expect(response.status).toBe(400);
  });
});

describe("ignore and restore", () => {
  it("sets an order aside and brings it back, each step on the timeline", async () => {
    const ignored = await api(`/api/orders/${ids.anna}/ignore`, { method: "POST" });
    expect(ignored.status).toBe(200);
    expect((await json(ignored)).status).toBe("ignored");
    expect(await listIds("?status=ignored")).toEqual([ids.anna]);

    // Ignoring twice is harmless.
    expect((await api(`/api/orders/${ids.anna}/ignore`, { method: "POST" })).status).toBe(200);

    const restored = await json(await api(`/api/orders/${ids.anna}/restore`, { method: "POST" }));
    expect(restored.status).toBe("new");
    const order = await json(await api(`/api/orders/${ids.anna}`));
    const kinds = order.timeline.map((event: { kind: string }) => event.kind);
    expect(kinds.filter((kind: string) => kind === "ignored" || kind === "restored")).toEqual(["ignored", "restored"]);
  });

  it("refuses to restore an order that is not ignored", async () => {
    const response = await api(`/api/orders/${ids.janis}/restore`, { method: "POST" });
    expect(response.status).toBe(409);
    expect((await json(response)).error.code).toBe("conflict");
  });

  it("answers 404 for an order that does not exist", async () => {
    expect((await api("/api/orders/ord_missing")).status).toBe(404);
    expect((await api("/api/orders/ord_missing/ignore", { method: "POST" })).status).toBe(404);
  });

  it("keeps an ignored order ignored when the store updates it", async () => {
    const channel = await createChannel();
    const order = sampleOrder({ updated_at: "2026-11-27T10:00:00Z" });
    const { order_id: orderId } = await json(await postOrder(channel, JSON.stringify(order)));
    await api(`/api/orders/${orderId}/ignore`, { method: "POST" });
    await postOrder(channel, JSON.stringify({ ...order, updated_at: "2026-11-27T12:00:00Z", note: "changed" }));
    await vi.waitFor(async () => expect((await json(await api(`/api/orders/${orderId}`))).processing.state).toBe("done"), {
      timeout: 10_000,
      interval: 200,
    });
    const after = await json(await api(`/api/orders/${orderId}`));
    expect(after.status).toBe("ignored");
    expect(after.note).toBe("changed");
  });
});

describe("GET /api/openapi.json", () => {
  it("describes the management API and the Connect format from the zod schemas", async () => {
    const response = await api("/api/openapi.json", { headers: { authorization: "" } });
    expect(response.status).toBe(200);
    const document = await json(response);
    expect(document.openapi).toBe("3.1.0");
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(["/in/{token}", "/api/channels", "/api/orders", "/api/orders/{id}", "/api/deliveries", "/api/orders/{id}/process", "/api/documents", "/api/payments", "/api/channels/{id}/automation"]),
    );
    const order = document.components.schemas.Order;
    expect(order.required).toEqual(expect.arrayContaining(["external_id", "placed_at", "currency", "lines", "totals"]));
    expect(order.properties.financial_status.enum).toEqual(["pending", "paid", "partially_paid", "refunded", "partially_refunded", "voided"]);
    expect(order.properties.totals.properties.total.pattern).toBe("^\\d+(\\.\\d+)?$");
    expect(document.components.schemas.ChannelCreate.properties.type.enum).toContain("woocommerce-premium");
  });
});
