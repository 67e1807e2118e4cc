import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, createChannel, json, ORIGIN, postOrder, sampleOrder, worker } from "../helpers";

describe("the management API needs the admin token", () => {
  it.each([
    ["no Authorization header", undefined],
    ["a wrong token", "Bearer not-the-admin-token-at-all"],
    ["another scheme", "Basic dXNlcjpwYXNz"],
  ])("answers 401 JSON for %s", async (_, authorization) => {
    const headers = new Headers();
    if (authorization) headers.set("authorization", authorization);
    const response = await worker().fetch(new Request(`${ORIGIN}/api/channels`, { headers }));
    expect(response.status).toBe(401);
    expect(await json(response)).toEqual({ error: { code: "unauthorized", message: expect.any(String) } });
  });

  it("answers unknown routes with the same envelope", async () => {
    const response = await api("/api/nothing-here");
    expect(response.status).toBe(404);
    expect((await json(response)).error.code).toBe("not_found");
  });
});

describe("/api/channels", () => {
  it("creates a Connect channel with an unguessable URI and a generated secret", async () => {
    const response = await api("/api/channels", { method: "POST", json: { type: "connect", name: "Web shop" } });
    expect(response.status).toBe(201);
    const channel = await json(response);
    expect(channel).toMatchObject({ type: "connect", name: "Web shop", status: "active", secret: expect.stringMatching(/^whsec_/) });
    const token = channel.uri.replace(`${ORIGIN}/in/`, "");
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/); // 256 random bits, base64url
    expect(channel.secrets).toEqual([{ id: expect.any(String), hint: `…${channel.secret.slice(-4)}`, created_at: expect.any(String) }]);

    const other = await json(await api("/api/channels", { method: "POST", json: { type: "connect", name: "POS" } }));
    expect(other.uri).not.toBe(channel.uri);
  });

  it("keeps a secret the merchant pastes, and never shows a secret whole again", async () => {
    const created = await createChannel("Pasted", { secret: "merchant-pasted-signing-key-123" });
    expect(created.secret).toBe("merchant-pasted-signing-key-123");
    const read = await json(await api(`/api/channels/${created.id}`));
    expect(read.secret).toBeUndefined();
    expect(JSON.stringify(read)).not.toContain("merchant-pasted-signing-key-123");
    const list = await json(await api("/api/channels"));
    expect(JSON.stringify(list)).not.toContain("merchant-pasted-signing-key-123");
  });

  it.each([
    ["an unknown type", { type: "magento", name: "x" }, "validation_failed", /^type:/],
    ["a missing name", { type: "connect" }, "validation_failed", /^name: is required/],
    ["a short secret", { type: "connect", name: "x", secret: "short" }, "validation_failed", /^secret: must be at least 16/],
    ["an unknown field", { type: "connect", name: "x", colour: "red" }, "validation_failed", /colour/],
    ["a PayPal account e-mail that is not one", { type: "paypal", name: "x", account_emails: ["shop at example"] }, "validation_failed", /account_emails/],
    ["a PayPal account id of the wrong shape", { type: "paypal", name: "x", receiver_id: "abc" }, "validation_failed", /receiver_id: must be the 13-character/],
  ])("refuses %s with 400", async (_, body, code, message) => {
    const response = await api("/api/channels", { method: "POST", json: body });
    expect(response.status).toBe(400);
    const answer = await json(response);
    expect(answer.error.code).toBe(code);
    expect(answer.error.message).toMatch(message);
  });

  it("renames, disables and deletes; a deleted channel leaves the list but can still be read", async () => {
    const channel = await createChannel("Old name");
    const renamed = await json(await api(`/api/channels/${channel.id}`, { method: "PATCH", json: { name: "New name", status: "disabled" } }));
    expect(renamed).toMatchObject({ name: "New name", status: "disabled" });
    expect((await api(`/api/channels/${channel.id}`, { method: "DELETE" })).status).toBe(204);
    const list = await json(await api("/api/channels"));
    expect(list.items.map((item: { id: string }) => item.id)).not.toContain(channel.id);
    expect((await json(await api(`/api/channels/${channel.id}`))).status).toBe("deleted");
    expect((await api(`/api/channels/${channel.id}`, { method: "PATCH", json: { status: "active" } })).status).toBe(410);
    expect((await api("/api/channels/ch_missing")).status).toBe(404);
  });

  it("keeps secrets sealed at rest, and still reads a secret stored before sealing", async () => {
    const channel = await createChannel("Sealed", { secret: "merchant-pasted-signing-key-456" });
    const stored = await env.DB.prepare("SELECT secret, hint FROM channel_secrets WHERE channel_id = ?").bind(channel.id).first<{ secret: string; hint: string }>();
    expect(stored!.secret).toMatch(/^sealed:v1\./);
    expect(stored!.secret).not.toContain("merchant-pasted");
    expect(stored!.hint).toBe("-456");
    expect((await postOrder(channel, JSON.stringify(sampleOrder()))).status).toBe(202);

    // A row written before secrets were sealed (plain text) keeps working.
    await env.DB.prepare("INSERT INTO channel_secrets (id, channel_id, secret, hint, created_at) VALUES ('sec_legacy', ?, 'legacy-plain-secret-0001', '0001', 1)")
      .bind(channel.id)
      .run();
    await api(`/api/channels/${channel.id}`, { method: "PATCH", json: { name: "Sealed (renamed)" } }); // drops the cached channel
    expect((await postOrder({ ...channel, secret: "legacy-plain-secret-0001" }, JSON.stringify(sampleOrder()))).status).toBe(202);
  });

  it("rotates secrets: old and new both verify until the old one is revoked", async () => {
    const channel = await createChannel();
    const added = await api(`/api/channels/${channel.id}/secrets`, { method: "POST" });
    expect(added.status).toBe(201);
    const fresh = await json(added);
    expect(fresh.secret).toMatch(/^whsec_/);

    expect((await postOrder(channel, JSON.stringify(sampleOrder()))).status).toBe(202);
    expect((await postOrder({ ...channel, secret: fresh.secret }, JSON.stringify(sampleOrder()))).status).toBe(202);

    const oldId = channel.secrets[0].id;
    expect((await api(`/api/channels/${channel.id}/secrets/${oldId}`, { method: "DELETE" })).status).toBe(204);
    const refused = await postOrder(channel, JSON.stringify(sampleOrder()));
    expect(refused.status).toBe(401);
    expect((await postOrder({ ...channel, secret: fresh.secret }, JSON.stringify(sampleOrder()))).status).toBe(202);

    const last = await api(`/api/channels/${channel.id}/secrets/${fresh.id}`, { method: "DELETE" });
    expect(last.status).toBe(409);
    expect((await json(last)).error.code).toBe("conflict");
  });
});
