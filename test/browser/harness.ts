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

async function closeBrowser(): Promise<void> {
  await Promise.all([...contexts].map((context) => context.close().catch(() => {})));
  contexts.clear();
  const launched = browser;
  browser = undefined;
  if (launched) await (await launched.catch(() => undefined))?.close().catch(() => {});
}

// Registered while the importing test file is being collected, so it runs after that file's tests.
afterAll(closeBrowser, 30_000);
