/**
 * What a browser test uses: the shared `wrangler dev` (started by ./global-setup.ts), headless
 * Debian Chromium driven by playwright-core, screenshots, and the admin API.
 *
 * One browser per test file, launched by the first newPage() and closed after the file's tests
 * (an afterAll hook registered when a test file imports this module); every newPage() gets a fresh
 * context (own cookies and storage).
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, inject } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");
const SCREENSHOT_DIR = path.join(ROOT, "test-output", "screenshots");

/**
 * As root, on a machine whose network is closed: no sandbox, no GPU, and none of the background
 * connections Chromium would otherwise keep opening (and failing). playwright-core adds a fresh
 * temporary --user-data-dir itself.
 */
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** The running inbox: its origin (`http://127.0.0.1:<port>`, no trailing slash) and admin token. */
export function inbox(): { baseUrl: string; adminToken: string } {
  return { baseUrl: inject("inboxBaseUrl"), adminToken: inject("inboxAdminToken") };
}

let browser: Promise<Browser> | undefined;
const contexts = new Set<BrowserContext>();

function launch(): Promise<Browser> {
  browser ??= chromium.launch({
    executablePath: inject("chromiumPath"),
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: 60_000,
  });
  return browser;
}

/** A page in a fresh browser context; close() closes the context (pages, cookies, storage). */
export async function newPage(): Promise<{ page: Page; close(): Promise<void> }> {
  const context = await (await launch()).newContext({ viewport: { width: 1280, height: 800 } });
  contexts.add(context);
  context.setDefaultTimeout(15_000);
  context.setDefaultNavigationTimeout(30_000);
  const page = await context.newPage();
  return {
    page,
    async close() {
      contexts.delete(context);
      await context.close().catch(() => {});
    },
  };
}

/** Writes test-output/screenshots/<name>.png (the full page) and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  const safe = name.replace(/\.png$/i, "").replace(/[^\w./-]+/g, "-").replace(/\.\.+/g, ".").replace(/^[/.]+/, "");
  const file = path.join(SCREENSHOT_DIR, `${safe || "screenshot"}.png`);
  mkdirSync(path.dirname(file), { recursive: true });
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** fetch(baseUrl + path) with `Authorization: Bearer <adminToken>` (unless init sets one); 30 s timeout unless init has a signal. */
export async function api(pathname: string, init: RequestInit = {}): Promise<Response> {
  const { baseUrl, adminToken } = inbox();
  const headers = new Headers(init.headers);
  if (!headers.has("authorization")) headers.set("authorization", `Bearer ${adminToken}`);
  const url = `${baseUrl}${pathname.startsWith("/") ? "" : "/"}${pathname}`;
  return fetch(url, { ...init, headers, signal: init.signal ?? AbortSignal.timeout(30_000) });
}

/** A person of the inbox, as the browser tests sign them in. */
export interface Person {
  name: string;
  email: string;
  password: string;
  role: "owner" | "bookkeeper" | "operator" | "viewer";
}

/** The owner test/browser/dashboard.test.ts makes through the first-owner form (run first: see ./sequencer.ts). */
export const OWNER: Person = { name: "Olivia Owner", email: "owner@inbox.test", password: "correct horse battery staple", role: "owner" };

/** Adds the person through the API with the admin token (the bootstrap owner key); one already there is fine. */
export async function ensurePerson(person: Person): Promise<void> {
  const response = await api("/api/users", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: person.name, email: person.email, role: person.role, password: person.password }),
  });
  if (response.status !== 201 && response.status !== 409) throw new Error(`adding ${person.email} answered ${response.status}: ${await response.text()}`);
}

/** Signs the person in (adding them first) through the e-mail and password form, and waits for `next` to open. */
export async function signIn(page: Page, person: Person, next = "/dashboard"): Promise<void> {
  await ensurePerson(person);
  const { baseUrl } = inbox();
  await page.goto(`${baseUrl}/dashboard/sign-in?next=${encodeURIComponent(next)}`);
  await page.getByLabel("E-mail").fill(person.email);
  await page.getByLabel("Password").fill(person.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${baseUrl}${next}`);
}

async function closeBrowser(): Promise<void> {
  await Promise.all([...contexts].map((context) => context.close().catch(() => {})));
  contexts.clear();
  const launched = browser;
  browser = undefined;
  if (launched) await (await launched.catch(() => undefined))?.close().catch(() => {});
}

// Registered while the importing test file is being collected, so it runs after that file's tests.
afterAll(closeBrowser, 30_000);
