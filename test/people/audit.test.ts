/**
 * The audit trail: every change by a person, a key or the system, with who, when, what and
 * before/after where it matters; on the order's timeline; and nobody can edit it.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { api, createChannel, json, ORIGIN, postOrder, sampleOrder, worker } from "../helpers";
import { get, post, signIn, type Person } from "../dashboard/dashboard-client";

const WAIT = { timeout: 15_000, interval: 150 };

const audit = async (query: string) => (await json(await api(`/api/audit?${query}`))).items as any[];

async function storedOrder(channelName: string) {
  const channel = await createChannel(channelName);
  const response = await postOrder(channel, JSON.stringify(sampleOrder()));
  expect(response.status).toBeLessThan(300);
  return { channel, orderId: (await json(response)).order_id as string };
}

describe("who did what", () => {
  it("names the person behind a dashboard action, on the Audit page and on the order's timeline", async () => {
    const otto: Person = { email: "otto@inbox.test", password: "otto's long password", name: "Otto Operator", role: "operator" };
    const user = await signIn(otto);
    const { orderId } = await storedOrder("Audit shop");
    const ignored = await post(user, `/dashboard/orders/${orderId}/ignore`);
    expect(ignored.status).toBe(303);

    const [entry] = await audit(`subject=${orderId}`);
    expect(entry).toMatchObject({
      action: "order.ignore",
      subject_type: "order",
      subject_id: orderId,
      actor: { kind: "user", name: "Otto Operator", label: "Otto Operator" },
    });
    const timeline = await get(user, `/dashboard/orders/${orderId}`);
    expect(timeline.html).toContain("by Otto Operator");
  });

  it("names the key behind an API call, and records nothing for a change that failed", async () => {
    const made = await json(await api("/api/api-keys", { method: "POST", json: { name: "ERP bridge", role: "bookkeeper" } }));
    const { orderId } = await storedOrder("Audit API shop");
    const call = (path: string) => worker().fetch(new Request(`${ORIGIN}${path}`, { method: "POST", headers: { authorization: `Bearer ${made.key}` } }));
    expect((await call(`/api/orders/${orderId}/ignore`)).status).toBe(200);
    expect((await call(`/api/orders/ord_does_not_exist/ignore`)).status).toBe(404);
    const entries = await audit(`action=order.ignore&actor=${made.id}`);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ subject_id: orderId, actor: { kind: "key", name: "ERP bridge", label: "key “ERP bridge”" } });
  });

  it("keeps before and after of a setting, and only the fields that changed", async () => {
    const channel = await createChannel("Before name");
    expect((await api(`/api/channels/${channel.id}`, { method: "PATCH", json: { name: "After name" } })).status).toBe(200);
    const [entry] = await audit(`action=channel.change&subject=${channel.id}`);
    expect(entry.actor).toMatchObject({ kind: "admin_token", label: "the admin token" });
    expect(entry.changes).toEqual({ before: { name: "Before name" }, after: { name: "After name" } });
  });

  it("records users and keys made, changed and revoked, and sign-ins", async () => {
    const person: Person = { email: "berta@inbox.test", password: "berta's long password", name: "Berta Bookkeeper", role: "bookkeeper" };
    await signIn(person);
    const key = await json(await api("/api/api-keys", { method: "POST", json: { name: "Old script", role: "viewer" } }));
    await api(`/api/api-keys/${key.id}`, { method: "DELETE" });
    const actions = (await audit("limit=200")).map((entry) => entry.action);
    expect(actions).toEqual(expect.arrayContaining(["user.create", "session.sign_in", "api_key.create", "api_key.revoke"]));
    const [signedIn] = await audit("action=session.sign_in");
    expect(signedIn.actor.name).toBe("Berta Bookkeeper");
    expect(JSON.stringify(await audit("limit=200"))).not.toContain(key.key);
  });

  it("records the system's own work with what set it going: automation executes and pays", async () => {
    const channel = await createChannel("Audit automation");
    const rules = { create: "invoice", execute: true, add_payment: true, only_when_paid: true, payment_accounts: { card: "Card clearing" }, default_account: "Bank" };
    expect((await api(`/api/channels/${channel.id}/automation`, { method: "PUT", json: rules })).status).toBe(200);
    const order = sampleOrder() as any;
    for (const line of order.lines) {
      await env.DB.prepare("INSERT INTO products (id, sku, name, created_at, updated_at) VALUES (?1, ?2, ?3, 0, 0) ON CONFLICT (sku) DO NOTHING").bind(`prd_${line.sku}`, line.sku, line.name).run();
    }
    const orderId = (await json(await postOrder(channel, JSON.stringify(order)))).order_id as string;
    const document = await vi.waitFor(async () => {
      const [found] = (await json(await api(`/api/documents?order_id=${orderId}`))).items;
      expect(found?.status).toBe("executed");
      return found;
    }, WAIT);
    const entries = await vi.waitFor(async () => {
      const found = await audit(`subject=${document.id}`);
      expect(found.map((entry) => entry.action)).toEqual(expect.arrayContaining(["document.create", "document.execute", "document.payment"]));
      return found;
    }, WAIT);
    for (const entry of entries) expect(entry.actor).toMatchObject({ kind: "system", id: "automation", label: "System (automation)" });
    expect(entries.find((entry) => entry.action === "document.execute").summary).toContain("automatic");
  });
});

describe("nobody can edit the trail", () => {
  it("refuses UPDATE and DELETE of an entry, even straight in D1", async () => {
    await api("/api/api-keys", { method: "POST", json: { name: "For the trail", role: "viewer" } });
    const [entry] = await audit("action=api_key.create");
    await expect(env.DB.prepare("UPDATE audit_events SET actor_name = 'someone else' WHERE id = ?1").bind(entry.id).run()).rejects.toThrow(/cannot be changed/);
    await expect(env.DB.prepare("DELETE FROM audit_events WHERE id = ?1").bind(entry.id).run()).rejects.toThrow(/cannot be changed/);
    const [still] = await audit("action=api_key.create");
    expect(still).toEqual(entry);
  });

  it("offers no route that changes it", async () => {
    for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
      expect((await api("/api/audit", { method })).status, method).toBe(404);
    }
  });

  it("filters by area, person and day", async () => {
    await api("/api/api-keys", { method: "POST", json: { name: "Filter me", role: "viewer" } });
    expect((await audit("action=api_key")).every((entry) => entry.action.startsWith("api_key."))).toBe(true);
    expect(await audit("action=api_key&from=2001-01-01&to=2001-01-02")).toEqual([]);
    const today = new Date().toISOString().slice(0, 10);
    expect((await audit(`action=api_key&from=${today}&to=${today}`)).length).toBeGreaterThan(0);
    expect((await api("/api/audit?from=yesterday")).status).toBe(400);
  });
});
