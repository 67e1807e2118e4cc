/**
 * The inbox under test: `npm start` (src/local/start.mjs: migrations, .dev.vars, wrangler dev) on a
 * free loopback port with a fresh persistence directory, in its own process group so that
 * stopping it also stops wrangler and both workerd processes (see P17 in workers-toolchain.md).
 */
import { spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

const ROOT = path.resolve(import.meta.dirname, "..");
const READY_TIMEOUT_MS = 90_000;
// The first request after a start can take seconds (P18): a short probe timeout would never succeed.
const PROBE_TIMEOUT_MS = 5_000;
const STOP_TIMEOUT_MS = 10_000;

/** Starts the inbox and resolves once GET /health answers 200. */
export async function startInbox(tmpDir, vars = []) {
  const port = await freePort();
  const logPath = path.join(tmpDir, "inbox.log");
  const log = openSync(logPath, "a");
  // LOG_D1_COST: the consumer logs what each processed order cost in D1, for part (d).
  const args = ["start", "--", "--ip", "127.0.0.1", "--port", String(port), "--persist-to", path.join(tmpDir, "state"), "--var", "LOG_D1_COST:true"];
  // Extra vars, e.g. ALLOW_INSECURE_STORE_URLS:true for the fake stores of part (e).
  for (const value of vars) args.push("--var", value);
  // detached: the child leads a new process group, which stop() signals as a whole.
  const child = spawn("npm", args, { cwd: ROOT, detached: true, stdio: ["ignore", log, log] });
  closeSync(log);
  const inbox = { origin: `http://127.0.0.1:${port}`, logPath, pgid: child.pid, exited: false };
  child.on("exit", () => (inbox.exited = true));
  // Last resort if the bench dies without reaching stop(): 'exit' handlers must be synchronous.
  inbox.killOnExit = () => signalGroup(inbox.pgid, "SIGKILL");
  process.on("exit", inbox.killOnExit);

  try {
    await waitForHealth(inbox);
    inbox.adminToken = readAdminToken();
    return inbox;
  } catch (error) {
    await stopInbox(inbox);
    throw new Error(`${error.message}\n--- last lines of ${logPath} ---\n${logTail(logPath)}`);
  }
}

/** SIGTERM to the whole group, then SIGKILL whatever is still there after STOP_TIMEOUT_MS. */
export async function stopInbox(inbox) {
  signalGroup(inbox.pgid, "SIGTERM");
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (groupAlive(inbox.pgid) && Date.now() < deadline) await sleep(100);
  if (groupAlive(inbox.pgid)) signalGroup(inbox.pgid, "SIGKILL");
  process.off("exit", inbox.killOnExit);
}

/** An admin API call (Bearer token); throws on anything but the expected status. */
export async function adminApi(inbox, pathname, { method = "GET", json, expect = 200 } = {}) {
  const response = await fetch(`${inbox.origin}${pathname}`, {
    method,
    headers: { authorization: `Bearer ${inbox.adminToken}`, ...(json ? { "content-type": "application/json" } : {}) },
    body: json ? JSON.stringify(json) : undefined,
    signal: AbortSignal.timeout(30_000),
  });
  if (response.status !== expect) throw new Error(`${method} ${pathname} answered ${response.status}: ${await response.text()}`);
  return response.json();
}

async function waitForHealth(inbox) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (inbox.exited) throw new Error("npm start exited before the inbox became ready");
    try {
      const response = await fetch(`${inbox.origin}/health`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  throw new Error(`the inbox did not answer GET /health within ${READY_TIMEOUT_MS / 1000} s`);
}

/** start.mjs writes ADMIN_TOKEN to .dev.vars when it is missing, so read it only after the start. */
function readAdminToken() {
  const vars = readFileSync(path.join(ROOT, ".dev.vars"), "utf8");
  const token = /^ADMIN_TOKEN\s*=\s*"?([^"\n]+)"?\s*$/m.exec(vars)?.[1];
  if (!token) throw new Error(".dev.vars has no ADMIN_TOKEN");
  return token;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Sends a signal to every process of the group; a group already gone is not an error. */
export function signalGroup(pgid, signal) {
  try {
    process.kill(-pgid, signal);
  } catch {
    // the group is already gone
  }
}

export function groupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

export function logTail(logPath, lines = 30) {
  try {
    const tail = readFileSync(logPath, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
    // start.mjs prints the admin token in its banner; keep it out of error messages.
    return tail.replace(/(Admin token:\s*|Bearer\s+)\S+/g, "$1<redacted>");
  } catch {
    return "(no log)";
  }
}
