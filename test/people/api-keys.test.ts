/**
 * API keys for integrations: shown once, hashed at rest, a role's or the listed scopes' powers,
 * expiry, revocation, last use; and the admin token still an owner key.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, json, ORIGIN, worker } from "../helpers";

const withKey = (key: string, path: string, init: RequestInit = {}) =>
  worker().fetch(new Request(`${ORIGIN}${path}`, { ...init, headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...(init.headers ?? {}) } }));

async function makeKey(body: Record<string, unknown>): Promise<{ id: string; key: string; prefix: string }> {
  const response = await api("/api/api-keys", { method: "POST", json: body });
  expect(response.status).toBe(201);
  return json(response);
}

describe("making a key", () => {
  it("shows the key once: the list and the database hold only its prefix and its SHA-256", async () => {
    const made = await makeKey({ name: "Warehouse sync", role: "operator" });
    expect(made.key).toMatch(/^sik_[A-Za-z0-9_-]{43}$/);
    expect(made.prefix).toBe(made.key.slice(0, 12));

    const listed = await json(await api("/api/api-keys"));
    const entry = listed.items.find((item: { id: string }) => item.id === made.id);
    expect(entry).toMatchObject({ name: "Warehouse sync", prefix: made.prefix, role: "operator", status: "active", created_by: "Admin token", last_used_at: null });
    expect(JSON.stringify(listed)).not.toContain(made.key);

    const row = await env.DB.prepare("SELECT * FROM api_keys WHERE id = ?1").bind(made.id).first<Record<string, unknown>>();
    expect(Object.values(row!).some((value) => typeof value === "string" && value.includes(made.key.slice(12)))).toBe(false);
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(made.key)));
    expect(row!.key_hash).toBe([...digest].map((byte) => byte.toString(16).padStart(2, "0")).join(""));
  });

  it.each([
    ["neither a role nor scopes", { name: "Nothing" }],
    ["both a role and scopes", { name: "Both", role: "viewer", scopes: ["orders:read"] }],
    ["an unknown scope", { name: "Odd", scopes: ["orders:delete"] }],
    ["an unknown role", { name: "Odd", role: "admin" }],
    ["an expiry in the past", { name: "Old", role: "viewer", expires_at: "2020-01-01T00:00:00Z" }],
  ])("refuses %s with 400", async (_, body) => {
    const response = await api("/api/api-keys", { method: "POST", json: body });
    expect(response.status).toBe(400);
    expect((await json(response)).error.code).toBe("validation_failed");
  });
});

describe("using a key", () => {
  it("acts with its role: /api/me names it, and its use is noted", async () => {
    const made = await makeKey({ name: "Reporting", role: "viewer" });
    const me = await json(await withKey(made.key, "/api/me"));
    expect(me).toMatchObject({ kind: "key", id: made.id, name: "Reporting", role: "viewer" });
    expect(me.scopes).toContain("orders:read");
    expect(me.scopes).not.toContain("orders:write");
    const row = await env.DB.prepare("SELECT last_used_at FROM api_keys WHERE id = ?1").bind(made.id).first<{ last_used_at: number | null }>();
    expect(row!.last_used_at).toBeGreaterThan(Date.now() - 60_000);
  });

  it("holds a key to its scopes: orders:read reads orders and nothing else, and writes nothing", async () => {
    const made = await makeKey({ name: "Order reader", scopes: ["orders:read"] });
    expect((await withKey(made.key, "/api/orders")).status).toBe(200);
    for (const [method, path, needs] of [
      ["GET", "/api/documents", "documents:read"],
      ["POST", "/api/orders/ord_nope/ignore", "orders:write"],
      ["GET", "/api/channels", "channels:read"],
      ["POST", "/api/api-keys", "users:manage"],
    ]) {
      const response = await withKey(made.key, path, { method, body: method === "POST" ? "{}" : undefined });
      expect(response.status, `${method} ${path}`).toBe(403);
      expect(await json(response)).toEqual({ error: { code: "forbidden", message: `The API key “Order reader” may not do this: it needs the ${needs} permission` } });
    }
  });

  it("stops working once revoked, and says so", async () => {
    const made = await makeKey({ name: "Leaked", role: "owner" });
    expect((await withKey(made.key, "/api/channels")).status).toBe(200);
    const revoked = await api(`/api/api-keys/${made.id}`, { method: "DELETE" });
    expect(revoked.status).toBe(200);
    expect((await json(revoked)).status).toBe("revoked");
    const refused = await withKey(made.key, "/api/channels");
    expect(refused.status).toBe(401);
    expect((await json(refused)).error).toEqual({ code: "unauthorized", message: `The API key ${made.prefix}… was revoked` });
  });

  it("stops working once expired", async () => {
    const made = await makeKey({ name: "Short-lived", role: "viewer", expires_at: new Date(Date.now() + 60_000).toISOString() });
    expect((await withKey(made.key, "/api/orders")).status).toBe(200);
    await env.DB.prepare("UPDATE api_keys SET expires_at = ?2 WHERE id = ?1").bind(made.id, Date.now() - 1).run();
    const refused = await withKey(made.key, "/api/orders");
    expect(refused.status).toBe(401);
    expect((await json(refused)).error.message).toContain("expired");
    const listed = (await json(await api("/api/api-keys"))).items.find((item: { id: string }) => item.id === made.id);
    expect(listed.status).toBe("expired");
  });

  it.each([
    ["an unknown key", "sik_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"],
    ["a wrong token", "not-the-admin-token-at-all"],
  ])("refuses %s with 401 in the envelope", async (_, key) => {
    const response = await withKey(key, "/api/orders");
    expect(response.status).toBe(401);
    expect((await json(response)).error.code).toBe("unauthorized");
  });

  it("keeps the admin token working as the bootstrap owner key", async () => {
    const me = await json(await api("/api/me"));
    expect(me).toMatchObject({ kind: "admin_token", role: "owner" });
    expect(me.scopes).toContain("users:manage");
  });
});

describe("users through the API", () => {
  const person = (email: string, role = "operator") => ({ email, name: email.split("@")[0], role, password: "a long enough password" });

  it("adds a person, never answering or storing the password in clear, and refuses the same e-mail twice", async () => {
    const created = await api("/api/users", { method: "POST", json: person("Mara@Inbox.Test") });
    expect(created.status).toBe(201);
    const body = await json(created);
    expect(body).toMatchObject({ email: "mara@inbox.test", role: "operator", signs_in_with_password: true, disabled: false });
    expect(Object.keys(body)).not.toContain("password");
    expect(JSON.stringify(body)).not.toMatch(/pbkdf2|a long enough password/);
    const row = await env.DB.prepare("SELECT password_hash FROM users WHERE id = ?1").bind(body.id).first<{ password_hash: string }>();
    expect(row!.password_hash).toMatch(/^pbkdf2-sha256\$100000\$/);
    expect(row!.password_hash).not.toContain("a long enough password");
    const again = await api("/api/users", { method: "POST", json: person("mara@inbox.test") });
    expect(again.status).toBe(409);
  });

  it.each([
    ["a short password", { ...person("short@inbox.test"), password: "too short" }],
    ["no e-mail", { ...person("x@inbox.test"), email: "not an e-mail" }],
    ["an unknown role", person("odd@inbox.test", "admin")],
  ])("refuses %s with 400", async (_, body) => {
    const response = await api("/api/users", { method: "POST", json: body });
    expect(response.status).toBe(400);
  });

  it("never demotes or disables the last owner who can sign in", async () => {
    const owner = await json(await api("/api/users", { method: "POST", json: person("only-owner@inbox.test", "owner") }));
    const owners = (await json(await api("/api/users"))).items.filter((user: { role: string; disabled: boolean }) => user.role === "owner" && !user.disabled);
    // Others made by earlier tests of this file may be owners too: demote them first.
    for (const other of owners.filter((user: { id: string }) => user.id !== owner.id)) {
      expect((await api(`/api/users/${other.id}`, { method: "PATCH", json: { role: "viewer" } })).status).toBe(200);
    }
    for (const change of [{ role: "viewer" }, { disabled: true }]) {
      const refused = await api(`/api/users/${owner.id}`, { method: "PATCH", json: change });
      expect(refused.status).toBe(409);
      expect((await json(refused)).error.message).toContain("last owner");
    }
    const second = await json(await api("/api/users", { method: "POST", json: person("second-owner@inbox.test", "owner") }));
    expect(second.role).toBe("owner");
    expect((await api(`/api/users/${owner.id}`, { method: "PATCH", json: { role: "viewer" } })).status).toBe(200);
  });
});
