/**
 * The dashboard's session and CSRF tokens. Signing in with the admin token sets one cookie,
 * `expiry.nonce.signature`, signed with HMAC-SHA256 under a key derived from ADMIN_TOKEN: rotating
 * the token signs everyone out, and nothing about a session is stored. The CSRF token of a session
 * is an HMAC of its nonce, so it needs no storage either and dies with the session.
 */
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { fromBase64, timingSafeEqual, toBase64Url, utf8 } from "../lib/encoding";
import { hmacSha256 } from "../lib/hmac";

export const SESSION_COOKIE = "inbox_session";
export const FLASH_COOKIE = "inbox_flash";
export const COOKIE_PATH = "/dashboard";
/** A working day: a bookkeeper signs in once in the morning. */
export const SESSION_SECONDS = 12 * 60 * 60;

export interface Session {
  /** Unix seconds. */
  expiresAt: number;
  nonce: string;
}

const keys = new Map<string, Promise<string>>();

/** The signing key: the admin token itself never signs anything, so a cookie reveals nothing about it. */
function sessionKey(adminToken: string): Promise<string> {
  let key = keys.get(adminToken);
  if (!key) {
    if (keys.size > 8) keys.clear();
    key = hmacSha256(adminToken, utf8.encode("sales-inbox dashboard session v1")).then(toBase64Url);
    keys.set(adminToken, key);
  }
  return key;
}

const sign = async (adminToken: string, message: string) => toBase64Url(await hmacSha256(await sessionKey(adminToken), utf8.encode(message)));

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

export async function newSessionCookie(adminToken: string, now: number): Promise<{ value: string; session: Session }> {
  const session = { expiresAt: Math.floor(now / 1000) + SESSION_SECONDS, nonce: toBase64Url(crypto.getRandomValues(new Uint8Array(18))) };
  const payload = `${session.expiresAt}.${session.nonce}`;
  return { value: `${payload}.${await sign(adminToken, payload)}`, session };
}

/** The session a cookie value stands for: null when it is malformed, forged, signed under another token or expired. */
export async function readSessionCookie(adminToken: string, value: string | undefined, now: number): Promise<Session | null> {
  if (!value) return null;
  const match = /^(\d{1,12})\.([A-Za-z0-9_-]{16,64})\.([A-Za-z0-9_-]{43})$/.exec(value);
  if (!match) return null;
  const [, expiry, nonce, signature] = match;
  if (!(await sameSignature(adminToken, `${expiry}.${nonce}`, signature))) return null;
  if (Number(expiry) * 1000 <= now) return null;
  return { expiresAt: Number(expiry), nonce };
}

export const csrfTokenOf = (adminToken: string, session: Session) => sign(adminToken, `csrf.${session.nonce}`);

export const isCsrfToken = (adminToken: string, session: Session, given: string | undefined) =>
  given ? sameSignature(adminToken, `csrf.${session.nonce}`, given) : Promise.resolve(false);

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
