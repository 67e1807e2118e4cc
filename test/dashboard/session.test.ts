/**
 * Access to the dashboard: signing in with the admin token, the session cookie and its flags,
 * forged and expired cookies, the CSRF token on every POST, foreign origins, the return path,
 * and the security headers on every answer.
 */
import { describe, expect, it } from "vitest";
import { COOKIE_PATH, csrfTokenOf, newSessionCookie, readSessionCookie, safeReturnPath, SESSION_COOKIE, SESSION_SECONDS } from "../../src/dashboard/session";
import { ADMIN_TOKEN, createChannel, json, api, ORIGIN, postOrder, sampleOrder, worker } from "../helpers";
import { form, get, post, signIn } from "./dashboard-client";

const signInRequest = (token: string, next = "/dashboard", origin = ORIGIN) =>
  worker().fetch(
    new Request(`${origin}/dashboard/sign-in`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", origin },
      body: form({ token, next }),
    }),
  );

const sessionCookieHeader = (response: Response) => response.headers.getSetCookie().find((header) => header.startsWith(`${SESSION_COOKIE}=`));

describe("signing in", () => {
  it("sends a visitor without a session to the sign-in page, keeping where they were going", async () => {
    const { status, response } = await get(null, "/dashboard/orders?status=ignored");
    expect(status).toBe(302);
    expect(response.headers.get("location")).toBe(`/dashboard/sign-in?next=${encodeURIComponent("/dashboard/orders?status=ignored")}`);
  });

  it("shows the sign-in form with the return path", async () => {
    const { status, html } = await get(null, "/dashboard/sign-in?next=%2Fdashboard%2Fchannels");
    expect(status).toBe(200);
    expect(html).toContain('<input type="password" name="token"');
    expect(html).toContain('name="next" value="/dashboard/channels"');
  });

  it("refuses a wrong token with 401 and sets no session", async () => {
    const response = await signInRequest("not-the-admin-token-at-all");
    expect(response.status).toBe(401);
    expect(await response.text()).toContain("That is not the admin token.");
    expect(sessionCookieHeader(response)).toBeUndefined();
  });

  it("signs in with the admin token: a signed, HttpOnly, SameSite=Strict, Secure, expiring cookie for /dashboard", async () => {
    const response = await signInRequest(ADMIN_TOKEN, "/dashboard/orders?status=new");
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/dashboard/orders?status=new");
    const cookie = sessionCookieHeader(response)!;
    expect(cookie).toMatch(new RegExp(`^${SESSION_COOKIE}=\\d+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]{43};`));
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Strict");
    expect(cookie).toContain("Secure");
    expect(cookie).toContain(`Path=${COOKIE_PATH}`);
    expect(cookie).toContain(`Max-Age=${SESSION_SECONDS}`);
    // The token itself is nowhere in the cookie.
    expect(cookie).not.toContain(ADMIN_TOKEN);
  });

  it("leaves Secure off over plain http (wrangler dev), and only there", async () => {
    const response = await signInRequest(ADMIN_TOKEN, "/dashboard", "http://127.0.0.1:8787");
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
    expect(safeReturnPath(next)).toBe(expected);
    const response = await signInRequest(ADMIN_TOKEN, next);
    expect(response.headers.get("location")).toBe(expected);
  });

  it("opens pages with the session and sends a signed-in visitor of the sign-in page on", async () => {
    const user = await signIn();
    expect((await get(user, "/dashboard")).status).toBe(200);
    const again = await get(user, "/dashboard/sign-in?next=%2Fdashboard%2Fproducts");
    expect(again.status).toBe(303);
    expect(again.response.headers.get("location")).toBe("/dashboard/products");
  });
});

describe("session cookies that do not hold", () => {
  const redirected = async (cookie: string) => {
    const { status, response } = await get({ cookie, csrf: "" }, "/dashboard");
    return status === 302 && response.headers.get("location")!.startsWith("/dashboard/sign-in");
  };

  it("refuses a cookie whose signature was tampered with", async () => {
    const { value } = await newSessionCookie(ADMIN_TOKEN, Date.now());
    const [expiry, nonce, signature] = value.split(".");
    // The first character, not the last: the last one of a 32-byte MAC carries two padding bits, so
    // swapping it for a neighbour ("A" for "B") can leave the decoded bytes as they were.
    const flipped = `${signature.startsWith("A") ? "B" : "A"}${signature.slice(1)}`;
    expect(await redirected(`${SESSION_COOKIE}=${expiry}.${nonce}.${flipped}`)).toBe(true);
    // Pushing the expiry out breaks the signature too.
    expect(await redirected(`${SESSION_COOKIE}=${Number(expiry) + 86_400}.${nonce}.${signature}`)).toBe(true);
    expect(await redirected(`${SESSION_COOKIE}=${value}`)).toBe(false);
  });

  it("refuses an expired cookie", async () => {
    const { value } = await newSessionCookie(ADMIN_TOKEN, Date.now() - (SESSION_SECONDS + 60) * 1000);
    expect(await readSessionCookie(ADMIN_TOKEN, value, Date.now())).toBeNull();
    expect(await redirected(`${SESSION_COOKIE}=${value}`)).toBe(true);
  });

  it("refuses a cookie signed under another admin token: rotating the token signs everyone out", async () => {
    const { value } = await newSessionCookie("an-older-admin-token-0123456789", Date.now());
    expect(await redirected(`${SESSION_COOKIE}=${value}`)).toBe(true);
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
    const { session } = await newSessionCookie(ADMIN_TOKEN, Date.now());
    expect(await csrfTokenOf(ADMIN_TOKEN, session)).toBe(await csrfTokenOf(ADMIN_TOKEN, session));
    expect(await csrfTokenOf("another-admin-token-0123456789", session)).not.toBe(await csrfTokenOf(ADMIN_TOKEN, session));
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
        body: form({ token: ADMIN_TOKEN }),
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
