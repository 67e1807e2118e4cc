/**
 * The dashboard behind Cloudflare Access: the Worker built with ACCESS_TEAM_DOMAIN and ACCESS_AUD
 * (pointing at the fake team domain of test/fakes/access-server.ts), tokens signed with that
 * domain's key. Only a valid token of an active user gets in; passwords are off.
 */
import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { createApp } from "../../src/app";
import { signAccessJwt } from "../../src/people/access-jwt";
import { api, createChannel, json, ORIGIN, postOrder, sampleOrder } from "../helpers";
import { csrfOf, form } from "../dashboard/dashboard-client";

const AUD = "4714c1358e65fe4b408ad6d432a5f878f08194bdb4752441fd56faefa9b2b6f2";
const TEAM = inject("accessUrl");
const accessEnv = { ...env, ACCESS_TEAM_DOMAIN: TEAM, ACCESS_AUD: AUD };
const app = createApp();

const key = () => ({ privateKey: JSON.parse(inject("accessPrivateJwk")) as JsonWebKey, kid: inject("accessKid") });
const nowS = () => Math.floor(Date.now() / 1000);

function claims(overrides: Record<string, unknown> = {}) {
  return { aud: [AUD], email: "ada@inbox.test", exp: nowS() + 600, iat: nowS() - 5, nbf: nowS() - 5, iss: TEAM, type: "app", sub: "0b1d2f3e-access-user", ...overrides };
}

const fetchAs = (token: string | null, path: string, init: RequestInit = {}) =>
  app.fetch(
    new Request(`${ORIGIN}${path}`, { redirect: "manual", ...init, headers: { ...(token ? { "cf-access-jwt-assertion": token } : {}), ...(init.headers ?? {}) } }),
    accessEnv,
    createExecutionContext(),
  );

beforeAll(async () => {
  for (const [email, name, role] of [
    ["ada@inbox.test", "Ada Access", "bookkeeper"],
    ["gone@inbox.test", "Gone Person", "viewer"],
  ]) {
    const response = await api("/api/users", { method: "POST", json: { email, name, role } });
    expect([201, 409]).toContain(response.status);
  }
  const gone = (await json(await api("/api/users"))).items.find((user: { email: string }) => user.email === "gone@inbox.test");
  await api(`/api/users/${gone.id}`, { method: "PATCH", json: { disabled: true } });
});

describe("the dashboard behind Cloudflare Access", () => {
  it("lets in a valid token of an active user, named in the header, with no password and no session of ours", async () => {
    const response = await fetchAs(await signAccessJwt(claims(), key()), "/dashboard");
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain("Ada Access (bookkeeper)");
    expect(response.headers.getSetCookie().some((cookie) => cookie.startsWith("inbox_session="))).toBe(false);
  });

  it.each<[string, () => Promise<string | null>, number, string]>([
    ["no token at all", async () => null, 403, "no Access token came with this request"],
    ["an expired token", () => signAccessJwt(claims({ exp: nowS() - 3600, iat: nowS() - 7200, nbf: nowS() - 7200 }), key()), 403, "expired"],
    ["a token for another application", () => signAccessJwt(claims({ aud: ["0".repeat(64)] }), key()), 403, "wrong audience"],
    ["a token from another team", () => signAccessJwt(claims({ iss: "https://another.cloudflareaccess.com" }), key()), 403, "wrong issuer"],
    ["a token with alg none", async () => `${btoa(JSON.stringify({ alg: "none", typ: "JWT" })).replace(/=+$/, "")}.${btoa(JSON.stringify(claims())).replace(/=+$/, "")}.`, 403, "refused"],
    ["a valid token of an e-mail with no user", () => signAccessJwt(claims({ email: "stranger@inbox.test" }), key()), 403, "no active Sales Inbox user has that e-mail"],
    ["a valid token of a disabled user", () => signAccessJwt(claims({ email: "gone@inbox.test" }), key()), 403, "no active Sales Inbox user"],
  ])("refuses %s", async (_, token, status, words) => {
    const response = await fetchAs(await token(), "/dashboard");
    expect(response.status).toBe(status);
    expect(await response.text()).toContain(words);
  });

  it("takes the token from the CF_Authorization cookie as a browser sends it", async () => {
    const token = await signAccessJwt(claims(), key());
    const response = await fetchAs(null, "/dashboard/orders", { headers: { cookie: `CF_Authorization=${token}` } });
    expect(response.status).toBe(200);
  });

  it("turns password sign-in off: the sign-in page sends on, and a posted password is not taken", async () => {
    expect((await fetchAs(null, "/dashboard/sign-in")).status).toBe(303);
    const posted = await fetchAs(null, "/dashboard/sign-in", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: ORIGIN },
      body: form({ email: "ada@inbox.test", password: "anything at all here" }),
    });
    expect(posted.status).toBe(404);
  });

  it("acts as the Access user: a form with its CSRF token is recorded under their name, and the role still applies", async () => {
    const token = await signAccessJwt(claims(), key());
    const channel = await createChannel("Access shop");
    const orderId = (await json(await postOrder(channel, JSON.stringify(sampleOrder())))).order_id as string;
    const page = await fetchAs(token, `/dashboard/orders/${orderId}`);
    const csrf = csrfOf(await page.text());
    expect(csrf).not.toBe("");
    const post = (path: string, fields: Record<string, string>) =>
      fetchAs(token, path, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", origin: ORIGIN }, body: form(fields) });
    expect((await post(`/dashboard/orders/${orderId}/ignore`, { _csrf: "forged" })).status).toBe(403);
    expect((await post(`/dashboard/orders/${orderId}/ignore`, { _csrf: csrf })).status).toBe(303);
    const [entry] = (await json(await api(`/api/audit?subject=${orderId}`))).items;
    expect(entry).toMatchObject({ action: "order.ignore", actor: { kind: "user", name: "Ada Access" } });
    // A bookkeeper may not touch channel settings, Access or not.
    expect((await post(`/dashboard/channels/${channel.id}/delete`, { _csrf: csrf })).status).toBe(403);
  });

  it("signs out through Access's own logout", async () => {
    const token = await signAccessJwt(claims(), key());
    const csrf = csrfOf(await (await fetchAs(token, "/dashboard")).text());
    const response = await fetchAs(token, "/dashboard/sign-out", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", origin: ORIGIN }, body: form({ _csrf: csrf }) });
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/cdn-cgi/access/logout");
  });
});

describe("the configuration", () => {
  it("refuses to start with only one of the two Access settings", async () => {
    const response = await app.fetch(new Request(`${ORIGIN}/health`), { ...env, ACCESS_TEAM_DOMAIN: TEAM }, createExecutionContext());
    expect(response.status).toBe(500);
    expect((await json(response)).error).toMatchObject({ code: "bad_environment", message: expect.stringContaining("ACCESS_AUD") });
  });
});
