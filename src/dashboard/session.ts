/**
 * The dashboard's session cookie, CSRF tokens and flash messages.
 *
 * The session cookie holds a random token whose hash names a row of user_sessions
 * (src/people/sign-in.ts); signing out or disabling the user deletes the row, so the cookie dies
 * at once. A CSRF token is an HMAC, under a key derived from ADMIN_TOKEN, of what binds the page
 * to its signed-in person (the session token, or the Access user), so it needs no storage and dies
 * with the session.
 */
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { fromBase64, timingSafeEqual, toBase64Url, utf8 } from "../lib/encoding";
import { hmacSha256 } from "../lib/hmac";

export const SESSION_COOKIE = "inbox_session";
export const FLASH_COOKIE = "inbox_flash";
export const COOKIE_PATH = "/dashboard";
/** A working day: a bookkeeper signs in once in the morning (the row in D1 says the same). */
export const SESSION_SECONDS = 12 * 60 * 60;

const keys = new Map<string, Promise<string>>();

/** The signing key: the admin token itself never signs anything, so a token or a flash reveals nothing about it. */
function signingKey(adminToken: string): Promise<string> {
  let key = keys.get(adminToken);
  if (!key) {
    if (keys.size > 8) keys.clear();
    key = hmacSha256(adminToken, utf8.encode("sales-inbox dashboard session v1")).then(toBase64Url);
    keys.set(adminToken, key);
  }
  return key;
}

const sign = async (adminToken: string, message: string) => toBase64Url(await hmacSha256(await signingKey(adminToken), utf8.encode(message)));

function fromBase64Url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  const padded = text.replace(/-/g, "+").replace(/_/g, "/");
  return fromBase64(padded + "=".repeat((4 - (padded.length % 4)) % 4));
}

async function sameSignature(adminToken: string, message: string, given: string): Promise<boolean> {
  const expected = fromBase64Url(await sign(adminToken, message));
  const actual = fromBase64Url(given);
  return Boolean(expected && actual && timingSafeEqual(expected, actual));
}

/** `binding`: what ties the form to its person (the session token, or "access:<user>:<subject>"). */
export const csrfTokenOf = (adminToken: string, binding: string) => sign(adminToken, `csrf.${binding}`);

export const isCsrfToken = (adminToken: string, binding: string, given: string | undefined) =>
  given ? sameSignature(adminToken, `csrf.${binding}`, given) : Promise.resolve(false);

const secure = (c: Context) => new URL(c.req.url).protocol === "https:";

export function setSessionCookie(c: Context, value: string): void {
  setCookie(c, SESSION_COOKIE, value, { httpOnly: true, sameSite: "Strict", secure: secure(c), path: COOKIE_PATH, maxAge: SESSION_SECONDS });
}

export function clearSessionCookie(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { httpOnly: true, sameSite: "Strict", secure: secure(c), path: COOKIE_PATH });
}

export const sessionCookieOf = (c: Context) => getCookie(c, SESSION_COOKIE);

/**
 * Where to go after signing in: only a path of the dashboard itself, so the sign-in page cannot be
 * used to send someone elsewhere (`//evil.example`, `/\evil.example`, `https://…` all fall back).
 */
export function safeReturnPath(value: string | undefined | null): string {
  const fallback = "/dashboard";
  if (!value || !value.startsWith("/") || value.startsWith("//") || /[\\\u0000-\u001f\u007f]/.test(value)) return fallback;
  let url: URL;
  try {
    url = new URL(value, "https://inbox.invalid");
  } catch {
    return fallback;
  }
  if (url.origin !== "https://inbox.invalid") return fallback;
  if (url.pathname !== "/dashboard" && !url.pathname.startsWith("/dashboard/")) return fallback;
  if (url.pathname.startsWith("/dashboard/sign-")) return fallback;
  return `${url.pathname}${url.search}`;
}

// -------------------------------------------------------------------------------------------
// Flash messages: what a POST did, shown once by the page it redirects to.

export interface Flash {
  kind: "ok" | "error" | "info";
  text: string;
  /** A page of the dashboard to follow up on (the order a test order made, say). */
  link?: { href: string; label: string };
}

const FLASH_TEXT_LIMIT = 1500;

export async function setFlash(c: Context, adminToken: string, flash: Flash): Promise<void> {
  const trimmed: Flash = { ...flash, text: flash.text.length > FLASH_TEXT_LIMIT ? `${flash.text.slice(0, FLASH_TEXT_LIMIT)}…` : flash.text };
  const payload = toBase64Url(utf8.encode(JSON.stringify(trimmed)));
  setCookie(c, FLASH_COOKIE, `${payload}.${await sign(adminToken, `flash.${payload}`)}`, {
    httpOnly: true,
    sameSite: "Strict",
    secure: secure(c),
    path: COOKIE_PATH,
    maxAge: 120,
  });
}

/** The flash set by the previous response, if it is ours; reading it clears it. */
export async function takeFlash(c: Context, adminToken: string): Promise<Flash | null> {
  const value = getCookie(c, FLASH_COOKIE);
  if (!value) return null;
  deleteCookie(c, FLASH_COOKIE, { httpOnly: true, sameSite: "Strict", secure: secure(c), path: COOKIE_PATH });
  const [payload, signature] = value.split(".");
  if (!payload || !signature || !(await sameSignature(adminToken, `flash.${payload}`, signature))) return null;
  try {
    const flash = JSON.parse(new TextDecoder().decode(fromBase64Url(payload) ?? new Uint8Array())) as Flash;
    if (!["ok", "error", "info"].includes(flash.kind) || typeof flash.text !== "string") return null;
    if (flash.link && !(typeof flash.link.href === "string" && flash.link.href.startsWith("/dashboard/") && typeof flash.link.label === "string")) delete flash.link;
    return flash;
  } catch {
    return null;
  }
}
