/**
 * Access to the dashboard: signing in with an e-mail and a password, the session cookie and its
 * flags, sessions kept in D1 (sign-out and disabling a user end them at once), slowed guessing,
 * the CSRF token on every POST, foreign origins, the return path, and the security headers.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { COOKIE_PATH, csrfTokenOf, safeReturnPath, SESSION_COOKIE, SESSION_SECONDS } from "../../src/dashboard/session";
import { ADMIN_TOKEN, createChannel, json, api, ORIGIN, postOrder, sampleOrder, worker } from "../helpers";
import { ensurePerson, form, get, OWNER, post, signIn, type Person } from "./dashboard-client";

const signInRequest = (person: { email: string; password: string }, next = "/dashboard", origin = ORIGIN, headers: Record<string, string> = {}) =>
  worker().fetch(
    new Request(`${origin}/dashboard/sign-in`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", origin, ...headers },
      body: form({ email: person.email, password: person.password, next }),
    }),
  );

const sessionCookieHeader = (response: Response) => response.headers.getSetCookie().find((header) => header.startsWith(`${SESSION_COOKIE}=`));

describe("signing in", () => {
  it("sends a visitor without a session to the sign-in page, keeping where they were going", async () => {
    const { status, response } = await get(null, "/dashboard/orders?status=ignored");
    expect(status).toBe(302);
    expect(response.headers.get("location")).toBe(`/dashboard/sign-in?next=${encodeURIComponent("/dashboard/orders?status=ignored")}`);
  });

  it("shows the e-mail and password form with the return path once someone has an account", async () => {
    await ensurePerson(OWNER);
    const { status, html } = await get(null, "/dashboard/sign-in?next=%2Fdashboard%2Fchannels");
    expect(status).toBe(200);
    expect(html).toContain('<input type="email" name="email"');
    expect(html).toContain('<input type="password" name="password"');
    expect(html).toContain('name="next" value="/dashboard/channels"');
    expect(html).not.toContain("first-owner");
  });

  it.each([
    ["a wrong password", { email: OWNER.email, password: "not the password at all" }],
    ["an unknown e-mail", { email: "nobody@inbox.test", password: OWNER.password }],
    ["the admin token as a password", { email: OWNER.email, password: ADMIN_TOKEN }],
  ])("refuses %s with 401, the same words, and no session", async (_, attempt) => {
    await ensurePerson(OWNER);
    const response = await signInRequest(attempt);
    expect(response.status).toBe(401);
    expect(await response.text()).toContain("The e-mail or the password is wrong");
    expect(sessionCookieHeader(response)).toBeUndefined();
  });

  it("signs in: an HttpOnly, SameSite=Strict, Secure cookie for /dashboard holding a random token, stored only as its hash", async () => {
    await ensurePerson(OWNER);
    const response = await signInRequest(OWNER, "/dashboard/orders?status=new");
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/dashboard/orders?status=new");
    const cookie = sessionCookieHeader(response)!;
    const token = new RegExp(`^${SESSION_COOKIE}=([A-Za-z0-9_-]{43});`).exec(cookie)?.[1];
    expect(token).toBeTruthy();
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Strict");
    expect(cookie).toContain("Secure");
    expect(cookie).toContain(`Path=${COOKIE_PATH}`);
    expect(cookie).toContain(`Max-Age=${SESSION_SECONDS}`);
    const { results } = await env.DB.prepare("SELECT id, expires_at FROM user_sessions").all<{ id: string; expires_at: number }>();
    expect(results.length).toBeGreaterThan(0);
    expect(results.some((row) => row.id.includes(token!))).toBe(false);
    expect(results.every((row) => /^[0-9a-f]{64}$/.test(row.id))).toBe(true);
  });

  it("leaves Secure off over plain http (wrangler dev), and only there", async () => {
    await ensurePerson(OWNER);
    const response = await signInRequest(OWNER, "/dashboard", "http://127.0.0.1:8787");
    expect(response.status).toBe(303);
    expect(sessionCookieHeader(response)).not.toContain("Secure");
  });

  it.each([
    ["//evil.example/dashboard", "/dashboard"],
    ["https://evil.example/dashboard", "/dashboard"],
    ["/\\evil.example", "/dashboard"],
    ["/api/channels", "/dashboard"],
    ["/dashboard/sign-in", "/dashboard"],
    ["/dashboard/orders/ord_1?x=1", "/dashboard/orders/ord_1?x=1"],
  ])("returns only to a path of the dashboard: %s goes to %s", async (next, expected) => {
    await ensurePerson(OWNER);
    expect(safeReturnPath(next)).toBe(expected);
    const response = await signInRequest(OWNER, next);
    expect(response.headers.get("location")).toBe(expected);
  });

  it("opens pages with the session and sends a signed-in visitor of the sign-in page on", async () => {
    const user = await signIn();
    expect((await get(user, "/dashboard")).status).toBe(200);
    const again = await get(user, "/dashboard/sign-in?next=%2Fdashboard%2Fproducts");
    expect(again.status).toBe(303);
    expect(again.response.headers.get("location")).toBe("/dashboard/products");
  });

  it("slows guessing: after 5 wrong passwords for one e-mail, even the right one waits (429 with Retry-After)", async () => {
    const person: Person = { email: "guessed@inbox.test", password: "the right password, long", name: "Guessed", role: "viewer" };
    await ensurePerson(person);
    const address = { "cf-connecting-ip": "203.0.113.9" };
    for (let attempt = 0; attempt < 5; attempt++) {
      expect((await signInRequest({ ...person, password: `wrong guess ${attempt}` }, "/dashboard", ORIGIN, address)).status).toBe(401);
    }
    const blocked = await signInRequest(person, "/dashboard", ORIGIN, address);
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get("retry-after")).toBe("900");
    expect(await blocked.text()).toMatch(/Too many failed sign-ins: try again in 1[45] minutes/);
    expect(sessionCookieHeader(blocked)).toBeUndefined();
    // Another person is not locked out by someone guessing at this one.
    expect((await signInRequest(OWNER, "/dashboard", ORIGIN, { "cf-connecting-ip": "198.51.100.7" })).status).toBe(303);
  });
});

describe("sessions that do not hold", () => {
  const redirected = async (cookie: string) => {
    const { status, response } = await get({ cookie, csrf: "" }, "/dashboard");
    return status === 302 && response.headers.get("location")!.startsWith("/dashboard/sign-in");
  };

  it("refuses a token it never issued, and a tampered one", async () => {
    const user = await signIn();
    const token = user.cookie.split(`${SESSION_COOKIE}=`)[1].split(";")[0];
    const flipped = `${token.startsWith("A") ? "B" : "A"}${token.slice(1)}`;
    expect(await redirected(`${SESSION_COOKIE}=${flipped}`)).toBe(true);
    expect(await redirected(`${SESSION_COOKIE}=${token}`)).toBe(false);
  });

  it("refuses an expired session", async () => {
    const user = await signIn();
    await env.DB.prepare("UPDATE user_sessions SET expires_at = ?1").bind(Date.now() - 1000).run();
    expect(await redirected(user.cookie)).toBe(true);
  });

  it("ends a disabled user's live session on their next request", async () => {
    const person: Person = { email: "leaver@inbox.test", password: "a password for leaving", name: "Leaver", role: "operator" };
    const user = await signIn(person);
    expect((await get(user, "/dashboard")).status).toBe(200);
    const { items } = await json(await api("/api/users"));
    const id = items.find((row: { email: string }) => row.email === person.email).id;
    expect((await api(`/api/users/${id}`, { method: "PATCH", json: { disabled: true } })).status).toBe(200);
    const after = await get(user, "/dashboard");
    expect(after.status).toBe(302);
    expect((await signInRequest(person)).status).toBe(401);
  });

  it.each(["", "garbage", "1.2.3", "99999999999.aaaaaaaaaaaaaaaaaaaaaaaa"])("refuses the malformed cookie %j", async (value) => {
    expect(await redirected(`${SESSION_COOKIE}=${value}`)).toBe(true);
  });
});

describe("CSRF and origins", () => {
  async function storedOrder() {
    const channel = await createChannel("CSRF shop");
    const response = await postOrder(channel, JSON.stringify(sampleOrder()));
    return (await json(response)).order_id as string;
  }
  const statusOf = async (orderId: string) => (await json(await api(`/api/orders/${orderId}`))).status as string;

  it("refuses a POST without the CSRF token, and changes nothing", async () => {
    const user = await signIn();
    const orderId = await storedOrder();
    const before = await statusOf(orderId);
    const refused = await post(user, `/dashboard/orders/${orderId}/ignore`, { _csrf: "" });
    expect(refused.status).toBe(403);
    expect(refused.html).toContain("security token");
    expect(await statusOf(orderId)).toBe(before);
  });

  it("refuses the CSRF token of another session", async () => {
    const user = await signIn();
    const other = await signIn();
    expect(other.csrf).not.toBe(user.csrf);
    const orderId = await storedOrder();
    const refused = await post(user, `/dashboard/orders/${orderId}/ignore`, { _csrf: other.csrf });
    expect(refused.status).toBe(403);
    expect(await statusOf(orderId)).not.toBe("ignored");
  });

  it("derives the CSRF token from the session, so it is fixed for a session and unguessable without the key", async () => {
    const binding = "a-session-token-0123456789abcdefghijklmnopq";
    expect(await csrfTokenOf(ADMIN_TOKEN, binding)).toBe(await csrfTokenOf(ADMIN_TOKEN, binding));
    expect(await csrfTokenOf(ADMIN_TOKEN, `${binding}x`)).not.toBe(await csrfTokenOf(ADMIN_TOKEN, binding));
    expect(await csrfTokenOf("another-admin-token-0123456789", binding)).not.toBe(await csrfTokenOf(ADMIN_TOKEN, binding));
  });

  it.each([
    [{ origin: "https://evil.example" }],
    [{ origin: "http://inbox.example" }],
    [{ "sec-fetch-site": "cross-site" }],
    [{ "sec-fetch-site": "same-site" }],
  ])("refuses a POST sent from another site (%j), even with the right token", async (headers) => {
    const user = await signIn();
    const orderId = await storedOrder();
    const refused = await post(user, `/dashboard/orders/${orderId}/ignore`, {}, headers);
    expect(refused.status).toBe(403);
    expect(await statusOf(orderId)).not.toBe("ignored");
  });

  it("accepts the same POST with the token from the same origin", async () => {
    const user = await signIn();
    const orderId = await storedOrder();
    const accepted = await post(user, `/dashboard/orders/${orderId}/ignore`, {}, { "sec-fetch-site": "same-origin" });
    expect(accepted.status).toBe(303);
    expect(await statusOf(orderId)).toBe("ignored");
  });

  it("refuses a sign-in posted from another site", async () => {
    const response = await worker().fetch(
      new Request(`${ORIGIN}/dashboard/sign-in`, {
        method: "POST",
        redirect: "manual",
        headers: { "content-type": "application/x-www-form-urlencoded", origin: "https://evil.example" },
        body: form({ email: OWNER.email, password: OWNER.password }),
      }),
    );
    expect(response.status).toBe(403);
    expect(sessionCookieHeader(response)).toBeUndefined();
  });

  it("sends a POST without a session to sign in, and does nothing", async () => {
    const orderId = await storedOrder();
    const response = await post({ cookie: "", csrf: "" }, `/dashboard/orders/${orderId}/ignore`);
    expect(response.status).toBe(303);
    expect(response.location).toMatch(/^\/dashboard\/sign-in/);
    expect(await statusOf(orderId)).not.toBe("ignored");
  });
});

describe("signing out", () => {
  it("clears the cookie (with the CSRF token) and goes to the sign-in page", async () => {
    const user = await signIn();
    const response = await worker().fetch(
      new Request(`${ORIGIN}/dashboard/sign-out`, {
        method: "POST",
        redirect: "manual",
        headers: { "content-type": "application/x-www-form-urlencoded", origin: ORIGIN, cookie: user.cookie },
        body: form({ _csrf: user.csrf }),
      }),
    );
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/dashboard/sign-in");
    expect(sessionCookieHeader(response)).toMatch(/Max-Age=0/);
    // The session is gone from D1 too: the old cookie, replayed, opens nothing.
    expect((await get(user, "/dashboard")).status).toBe(302);
  });
});

describe("headers and assets", () => {
  it.each(["/dashboard/sign-in", "/dashboard"])("answers %s with a strict Content-Security-Policy and no caching", async (path) => {
    const user = await signIn();
    const { response } = await get(user, path);
    const policy = response.headers.get("content-security-policy")!;
    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain("frame-ancestors 'none'");
    expect(policy).not.toContain("unsafe-inline");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("referrer-policy")).toBe("same-origin");
    expect(response.headers.get("cache-control")).toBe("no-store");
  });

  it("serves its script and stylesheet under hashed names, cacheable for good; pages load no inline script", async () => {
    const user = await signIn();
    const { html } = await get(user, "/dashboard");
    const script = /<script src="(\/dashboard\/assets\/app\.[0-9a-f]{8}\.js)"/.exec(html)?.[1];
    const style = /<link rel="stylesheet" href="(\/dashboard\/assets\/app\.[0-9a-f]{8}\.css)"/.exec(html)?.[1];
    expect(script && style).toBeTruthy();
    expect(html).not.toMatch(/<script>|<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/\sstyle="/);
    for (const [path, type] of [
      [script!, "text/javascript"],
      [style!, "text/css"],
    ]) {
      const { status, response } = await get(null, path);
      expect(status).toBe(200);
      expect(response.headers.get("content-type")).toContain(type);
      expect(response.headers.get("cache-control")).toContain("immutable");
    }
    expect((await get(null, "/dashboard/assets/app.00000000.js")).status).toBe(404);
  });
});
