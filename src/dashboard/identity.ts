/**
 * Who is at the dashboard. With Cloudflare Access configured, Access's signed JWT is the identity
 * and its e-mail names the user (no password, no session of ours). Without it, the session cookie
 * from signing in with an e-mail and a password. Either way the user is read on every request, so
 * disabling someone takes effect on their next click.
 */
import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import type { Services } from "../context";
import type { UserRow } from "../db/schema";
import { AccessDenied, accessConfigOf, verifyAccessJwt, type AccessConfig } from "../people/access-jwt";
import { userOfSessionToken } from "../people/sign-in";
import { userByEmail } from "../people/user-store";
import { sessionCookieOf } from "./session";

export type Identity =
  | { ok: true; user: UserRow; via: "access" | "password"; binding: string }
  | { ok: false; reason: "none" }
  | { ok: false; reason: "access_refused" | "no_such_user" | "access_unavailable"; message: string };

export function accessOf(services: Services): AccessConfig | null {
  const { ACCESS_TEAM_DOMAIN, ACCESS_AUD, ALLOW_INSECURE_STORE_URLS } = services.config;
  return accessConfigOf({ ACCESS_TEAM_DOMAIN, ACCESS_AUD }, ALLOW_INSECURE_STORE_URLS);
}

/** Access sends its JWT as a header to the origin; a browser also holds it in the CF_Authorization cookie. */
const accessTokenOf = (c: Context) => c.req.header("cf-access-jwt-assertion") ?? getCookie(c, "CF_Authorization");

export async function identify(c: Context, services: Services): Promise<Identity> {
  const access = accessOf(services);
  if (!access) {
    const token = sessionCookieOf(c);
    const user = await userOfSessionToken(services, token);
    return user && token ? { ok: true, user, via: "password", binding: token } : { ok: false, reason: "none" };
  }
  const token = accessTokenOf(c);
  if (!token) return { ok: false, reason: "access_refused", message: "Open the dashboard through Cloudflare Access: no Access token came with this request." };
  try {
    const identity = await verifyAccessJwt(token, access, { fetch: services.fetch, now: services.now });
    const user = await userByEmail(services.db, identity.email);
    if (!user || user.disabledAt !== null) {
      return { ok: false, reason: "no_such_user", message: `Cloudflare Access let ${identity.email} in, but no active Sales Inbox user has that e-mail: ask an owner to add you.` };
    }
    return { ok: true, user, via: "access", binding: `access:${user.id}:${identity.subject}` };
  } catch (error) {
    if (!(error instanceof AccessDenied)) throw error;
    if (error.reason === "jwks_unavailable") return { ok: false, reason: "access_unavailable", message: "Cloudflare Access's keys could not be fetched: try again in a minute." };
    return { ok: false, reason: "access_refused", message: `The Cloudflare Access token was refused (${error.reason.replace(/_/g, " ")}): sign in through Access again.` };
  }
}
